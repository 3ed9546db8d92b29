"""Child process for the crash test: appends events and prints each acknowledged seq.

python -m tests.ledger.crash_child URL KEY   (runs until killed)
"""

from __future__ import annotations

import sys

from risk_bridge.ledger import open_ledger
from tests.orchestrator.custody.journeys import container_id, crossing


def main(url: str, key: str) -> None:
    with open_ledger(url, key=key) as ledger:
        out = sys.stdout
        for i in range(10**6):
            journey = crossing(container_id(i), f"EZ-{i:08d}", t0_s=float(i))
            # alternate single appends and group commits
            seqs = [ledger.append(e) for e in journey] if i % 2 else ledger.append_many(journey)
            # Only now are these durable: report them as acknowledged.
            out.write("".join(f"{s}\n" for s in seqs))
            out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
