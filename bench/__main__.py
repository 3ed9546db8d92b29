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

from bench.figures import Figure

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
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


def _write_doc(figures: list[Figure], when: str) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand — the notes per area",
        "live next to the code in `bench/` and in the docs each area links to.",
        "",
        f"- Date: {when}",
        f"- Machine: {_machine()}",
        f"- Commit: {_commit()}",
        "",
    ]
    for area in sorted({f.area for f in figures}):
        lines += [
            f"## {area}",
            "",
            "| measured | value | goal | met | notes |",
            "|---|---|---|---|---|",
        ]
        for f in (f for f in figures if f.area == area):
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
    if not args.quick and not args.areas:
        _write_doc(figures, when)
        print(f"wrote {DOC.relative_to(ROOT)}")
    elif not args.quick:
        # A partial run merges into the doc: keep the other areas' latest figures.
        previous = RESULTS / "all.json"
        earlier = json.loads(previous.read_text())["figures"] if previous.exists() else []
        kept = [v for v in earlier if v["area"] not in set(areas)]
        all_figs = [Figure(**v) for v in kept] + figures
        _write_doc(all_figs, when)
        print(f"updated {DOC.relative_to(ROOT)} for {', '.join(areas)}")
        figures = all_figs
    if not args.quick:
        (RESULTS / "all.json").write_text(
            json.dumps({"date": when, "figures": [f.as_dict() for f in figures]}, indent=2)
        )
    missed = [f for f in figures if f.ok is False]
    return 1 if missed and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())
