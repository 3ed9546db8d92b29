"""Behaviour fingerprint: run every bundled scenario (and a few variants) and hash what it wrote.

A refactoring that must not change behaviour is checked with it: the event log (JSON lines),
the KPI document and the custody events of each run must stay byte-identical.

    python scripts/fingerprint.py --save /tmp/before     # before the change
    python scripts/fingerprint.py --compare /tmp/before  # after it: exit 1 and the first
                                                         # differing line of each changed file

Without options it prints one sha256 per file. ``--only test_small`` limits the runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, scenario, overrides): every bundled scenario as shipped, plus variants that take
# other paths through the core (other seeds, a bigger fleet, a tiny fleet).
RUNS: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("test_small", "test_small", {}),
    ("test_small-seed1", "test_small", {"seed": 1}),
    ("test_small-seed2-agvs2", "test_small", {"seed": 2, "agvs": 2}),
    ("test_small-seed3-agvs8", "test_small", {"seed": 3, "agvs": 8, "hours": 4.0}),
    ("erenhot_breakdowns", "erenhot_breakdowns", {}),
    ("erenhot_day", "erenhot_day", {}),
    ("erenhot_day-agvs30", "erenhot_day", {"agvs": 30}),
    ("erenhot_day-agvs250-14h", "erenhot_day", {"agvs": 250, "hours": 14.0}),
    ("ganqimaodu_day", "ganqimaodu_day", {}),
    ("erenhot_reassessment", "erenhot_reassessment", {}),
)


class _Recorder:
    """A LedgerPort that keeps every custody event as a canonical JSON line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def append(self, event: object) -> int:
        from sim.eventlog import dumps

        fields = {k: getattr(event, k) for k in event.__slots__}  # type: ignore[attr-defined]
        self.lines.append(dumps(fields))
        return len(self.lines) - 1


def _run(label: str, name: str, overrides: dict[str, object], out: Path) -> dict[str, str]:
    from sim.eventlog import dumps
    from sim.runner import Simulation
    from sim.scenario import load_scenario

    scenario = load_scenario(name).with_overrides(**overrides)  # type: ignore[arg-type]
    ledger = _Recorder()
    sim = Simulation(scenario, ledger=ledger)  # type: ignore[arg-type]
    result = sim.run()
    files = {
        f"{label}.events.jsonl": "".join(line + "\n" for line in result.log.lines),
        f"{label}.kpis.json": dumps(result.kpis, indent=2) + "\n",
        f"{label}.custody.jsonl": "".join(line + "\n" for line in ledger.lines),
    }
    hashes = {}
    for fname, text in files.items():
        (out / fname).write_text(text, encoding="utf-8")
        hashes[fname] = hashlib.sha256(text.encode()).hexdigest()
    return hashes


def _first_difference(a: Path, b: Path) -> str:
    la = a.read_text(encoding="utf-8").splitlines()
    lb = b.read_text(encoding="utf-8").splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            return f"line {i + 1}:\n  before: {x[:300]}\n  after:  {y[:300]}"
    return f"one file is a prefix of the other ({len(la)} vs {len(lb)} lines)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--save", type=Path, help="write the outputs and hashes to this folder")
    ap.add_argument("--compare", type=Path, help="compare with a folder written by --save")
    ap.add_argument("--only", action="append", default=[], help="run only these labels")
    args = ap.parse_args()
    out = args.save or Path("/tmp/borderflow-fingerprint")
    if args.compare is not None and args.save is None:
        out = args.compare.parent / (args.compare.name + "-now")
    out.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, str] = {}
    for label, name, overrides in RUNS:
        if args.only and label not in args.only:
            continue
        t0 = time.perf_counter()
        got = _run(label, name, overrides, out)
        hashes.update(got)
        print(f"{label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    (out / "hashes.json").write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n")
    if args.compare is None:
        for fname in sorted(hashes):
            print(f"{hashes[fname]}  {fname}")
        return 0
    before = json.loads((args.compare / "hashes.json").read_text())
    changed = [f for f in sorted(hashes) if before.get(f) != hashes[f]]
    for fname in changed:
        print(f"CHANGED {fname}: {_first_difference(args.compare / fname, out / fname)}")
    print(f"{len(hashes) - len(changed)} of {len(hashes)} files identical")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
