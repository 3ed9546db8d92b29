"""Run the benchmarks and write docs/benchmarks.md.

python -m bench              # everything
python -m bench maps sim     # only bench_maps.py and bench_sim.py
python -m bench --quick      # smaller sizes, for a smoke run (does not rewrite the doc)
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.figures import Figure

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
RECORD = ROOT / "docs" / "benchmarks.json"
RESULTS = ROOT / "bench" / "results"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout.strip() or "uncommitted"
    except OSError:
        return "unknown"


def _modules() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))


def _load_record() -> dict[str, dict[str, Any]]:
    """The committed figures per area (docs/benchmarks.json): what a partial run keeps."""
    if not RECORD.exists():
        return {}
    areas: dict[str, dict[str, Any]] = json.loads(RECORD.read_text())["areas"]
    return areas


def _write_doc(record: dict[str, dict[str, Any]]) -> None:
    RECORD.write_text(json.dumps({"areas": record}, indent=1, sort_keys=True) + "\n")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`, or `python -m bench AREA ...` for some",
        "areas: the others keep their figures, from docs/benchmarks.json); do not edit by hand.",
        "Each area says when, on which commit and machine it was measured. The notes per area",
        "live next to the code in `bench/` and in the docs each area links to.",
        "",
    ]
    for area in sorted(record):
        run = record[area]
        lines += [
            f"## {area}",
            "",
            f"Measured {run['date']}, commit {run['commit']}; {run['machine']}.",
            "",
            "| measured | value | goal | met | notes |",
            "|---|---|---|---|---|",
        ]
        for v in run["figures"]:
            f = Figure(**v)
            met = "" if f.ok is None else ("yes" if f.ok else "**no**")
            value = f"{f.value:,.4g} {f.unit}"
            lines.append(f"| {f.name} | {value} | {f.target} | {met} | {f.notes} |")
        lines.append("")
    DOC.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("areas", nargs="*", help=f"subset of: {', '.join(_modules())}")
    parser.add_argument("--quick", action="store_true", help="small sizes; leaves the doc alone")
    args = parser.parse_args(argv)
    areas = args.areas or _modules()
    unknown = sorted(set(areas) - set(_modules()))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; known: {', '.join(_modules())}")
    figures: list[Figure] = []
    for area in areas:
        print(f"== bench_{area}", flush=True)
        module = importlib.import_module(f"bench.bench_{area}")
        for fig in module.run(quick=args.quick):
            figures.append(fig)
            met = "" if fig.ok is None else ("  OK" if fig.ok else "  MISSED")
            print(
                f"  {fig.name}: {fig.value:,.4g} {fig.unit}  (goal {fig.target or '-'}){met}",
                flush=True,
            )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {"date": when, "machine": _machine(), "figures": [f.as_dict() for f in figures]},
            indent=2,
        )
    )
    if not args.quick:
        record = _load_record()
        for area in areas:
            record[area] = {
                "date": when,
                "commit": _commit(),
                "machine": _machine(),
                "figures": [f.as_dict() for f in figures if f.area == area],
            }
        _write_doc(record)
        print(f"updated {DOC.name} for {', '.join(areas)}")
    missed = [f for f in figures if f.ok is False]
    return 1 if missed and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())
