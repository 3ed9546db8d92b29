"""A sweep's output directory: one JSON file per finished run, and the tables built from them.

``OUT/runs/<key>.json`` is written atomically (temporary file, then rename) when a run
finishes, so an interrupted sweep keeps every run it finished and a rerun finds them by key.
``runs.csv`` and ``runs.parquet`` hold the whole design's rows sorted by design index; the
``wall_s`` column (how long a run took here) is the only one that differs between engines.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.sweep.runs import KPI_COLUMNS

__all__ = ["RunStore"]


class RunStore:
    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.runs_dir = out_dir / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.runs_dir / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored row of a run with this key, or None (a torn or foreign file is None)."""
        try:
            row = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return row if isinstance(row, dict) and row.get("key") == key else None

    def put(self, row: dict[str, Any]) -> None:
        path = self._path(str(row["key"]))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(row), encoding="utf-8")
        os.replace(tmp, path)

    def write_tables(self, rows: Sequence[dict[str, Any]]) -> list[Path]:
        """runs.csv and runs.parquet of the rows (sorted by index); the paths written."""
        rows = sorted(rows, key=lambda r: int(r["index"]))
        params: list[str] = []
        for row in rows:
            params.extend(c for c in row if c.startswith("param:") and c not in params)
        columns = ["index", "point", "seed", *params, *KPI_COLUMNS, "key", "wall_s"]
        csv_path = self.out_dir / "runs.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        pq_path = self.out_dir / "runs.parquet"
        pq.write_table(table, pq_path)
        return [csv_path, pq_path]
