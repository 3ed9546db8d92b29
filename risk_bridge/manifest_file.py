"""The crossing's cargo manifest from a CSV file, for a bridge whose fleet does not make one up.

With the SimPy fleet the manifest comes from the scenario; with a ROS fleet (``borderflow serve
--fleet ros``) the port's manifest is a file: one row per container, with the header
``container_id,consignor,hs_code,origin_country`` (further columns are ignored). Verdicts and
warnings are accepted only for containers on it.

A bad file is refused as a whole with every problem named by line (wrong header, malformed
ISO 6346 number, empty field, duplicate container), so nothing half-read reaches the bridge.
"""

from __future__ import annotations

import csv
from pathlib import Path

from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.domain.records import Cargo
from orchestrator.errors import InvalidContainerNumberError
from risk_bridge.errors import BadInput

__all__ = ["COLUMNS", "read_manifest"]

COLUMNS = ("container_id", "consignor", "hs_code", "origin_country")
_MAX_PROBLEMS = 20  # listed in the error; the count says how many more


def read_manifest(path: Path) -> list[Cargo]:
    """The manifest rows in file order; :class:`BadInput` naming each bad line otherwise."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM from spreadsheet exports is fine
    except FileNotFoundError:
        raise BadInput(f"manifest {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"manifest {path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise BadInput(f"manifest {path}: cannot read it ({exc.strerror})") from None
    rows = csv.DictReader(text.splitlines())
    header = [h.strip() for h in rows.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadInput(
            f"manifest {path}: the header must name the columns {', '.join(COLUMNS)}; "
            f"missing {', '.join(missing)} (found: {', '.join(header) or 'an empty file'})"
        )
    rows.fieldnames = header
    problems: list[str] = []
    cargo: list[Cargo] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        empty = [c for c in COLUMNS if not values[c]]
        if empty:
            problems.append(f"line {line}: empty {', '.join(empty)}")
            continue
        try:
            cid = str(parse_container_number(values["container_id"]))
        except InvalidContainerNumberError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if cid in seen:
            problems.append(f"line {line}: container {cid} is already on line {seen[cid]}")
            continue
        seen[cid] = line
        cargo.append(Cargo(cid, values["consignor"], values["hs_code"], values["origin_country"]))
    if problems:
        more = len(problems) - _MAX_PROBLEMS
        listed = "; ".join(problems[:_MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise BadInput(f"manifest {path}: {len(problems)} bad rows, nothing loaded: {listed}")
    if not cargo:
        raise BadInput(f"manifest {path}: no containers (only a header)")
    return cargo
