"""``python -m bench AREA`` updates that area of docs/benchmarks.md and keeps the others (their
figures come from the committed docs/benchmarks.json, not from an ignored results folder)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench.figures import Figure


def _area(monkeypatch: pytest.MonkeyPatch, name: str, value: float) -> None:
    mod = types.ModuleType(f"bench.bench_{name}")
    mod.run = lambda quick=False: [Figure(name, f"{name} speed", value, "ms", "< 5 ms", value < 5)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, f"bench.bench_{name}", mod)


def test_a_partial_run_keeps_the_other_areas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_main, "DOC", tmp_path / "benchmarks.md")
    monkeypatch.setattr(bench_main, "RECORD", tmp_path / "benchmarks.json")
    monkeypatch.setattr(bench_main, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(bench_main, "_modules", lambda: ["alpha", "beta"])
    _area(monkeypatch, "alpha", 3.0)
    _area(monkeypatch, "beta", 7.0)
    assert bench_main.main([]) == 0
    _area(monkeypatch, "beta", 4.0)
    assert bench_main.main(["beta"]) == 0
    doc = (tmp_path / "benchmarks.md").read_text()
    assert "| alpha speed | 3 ms | < 5 ms | yes |" in doc
    assert "| beta speed | 4 ms | < 5 ms | yes |" in doc and "7 ms" not in doc
    record = json.loads((tmp_path / "benchmarks.json").read_text())["areas"]
    assert set(record) == {"alpha", "beta"} and record["beta"]["figures"][0]["value"] == 4.0
    assert doc.count("Measured ") == 2
    # --quick leaves both alone.
    _area(monkeypatch, "alpha", 9.0)
    assert bench_main.main(["--quick", "alpha"]) == 0
    assert (tmp_path / "benchmarks.md").read_text() == doc
