"""The same sweep on every engine gives the same rows; a rerun runs only what is missing; a
worker with other code refuses to run."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.sweep.engine import RunFailure, run_dask, run_local
from sim.sweep.plan import execute, plan
from sim.sweep.runs import run_task
from sim.sweep.spec import load_spec
from sim.sweep.store import RunStore

SPEC = """
scenario = "test_small"
hours = 0.75
seeds = 2
[parameters]
"fleet.agvs" = [2, 4]
"risk.verdict_latency_min" = [1, 15]
"""


def _spec(tmp_path: Path, body: str = SPEC) -> Any:
    path = tmp_path / "study.toml"
    path.write_text(body, encoding="utf-8")
    return load_spec(path)


def _results(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]


def test_inline_pool_and_dask_give_identical_rows(tmp_path: Path, dask_address: str) -> None:
    _, tasks = plan(_spec(tmp_path))
    assert len(tasks) == 8
    inline = [r for r in run_local(tasks, 1) if not isinstance(r, RunFailure)]
    pool = [r for r in run_local(tasks, 2) if not isinstance(r, RunFailure)]
    dask = [r for r in run_dask(tasks, dask_address) if not isinstance(r, RunFailure)]
    by_index = [sorted(_results(rows), key=lambda r: r["index"]) for rows in (inline, pool, dask)]
    assert len(by_index[0]) == 8
    assert by_index[0] == by_index[1] == by_index[2]
    # the parameters matter: a longer verdict latency makes crossings slower at 4 AGVs
    fast = [
        r
        for r in by_index[0]
        if r["param:fleet.agvs"] == 4 and r["param:risk.verdict_latency_min"] == 1
    ]
    slow = [
        r
        for r in by_index[0]
        if r["param:fleet.agvs"] == 4 and r["param:risk.verdict_latency_min"] == 15
    ]
    assert sum(r["delivered"] for r in fast) > sum(r["delivered"] for r in slow)
    assert {r["seed"] for r in by_index[0]} == {7, 8}


def test_a_rerun_runs_only_what_is_not_stored(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    store = RunStore(tmp_path / "out")
    _, tasks = plan(spec)
    first = execute(tasks, store, workers=2)
    assert (first.ran, first.reused, first.failures) == (8, 0, [])
    again = execute(tasks, store, workers=2)
    assert (again.ran, again.reused) == (0, 8)
    assert _results(again.rows) == _results(first.rows)
    (store.runs_dir / f"{tasks[3].key}.json").unlink()
    (store.runs_dir / f"{tasks[5].key}.json").write_text("{torn", encoding="utf-8")
    third = execute(tasks, store, workers=1)
    assert (third.ran, third.reused) == (2, 6)
    assert _results(third.rows) == _results(first.rows)
    # one more seed: the 8 stored runs are reused, 4 new ones run
    more = _spec(tmp_path, SPEC.replace("seeds = 2", "seeds = 3"))
    _, tasks3 = plan(more)
    fourth = execute(tasks3, store, workers=2)
    assert (fourth.ran, fourth.reused) == (4, 8)
    assert [r["index"] for r in fourth.rows] == list(range(12))
    paths = store.write_tables(fourth.rows)
    import pyarrow.parquet as pq

    table = pq.read_table(paths[1])
    assert table.num_rows == 12 and "crossing_p95_min" in table.column_names
    assert paths[0].read_text().splitlines()[0].startswith("index,point,seed,param:fleet.agvs")


def test_a_changed_scenario_or_seed_changes_the_key(tmp_path: Path) -> None:
    _, tasks = plan(_spec(tmp_path))
    assert len({t.key for t in tasks}) == len(tasks)
    _, other = plan(_spec(tmp_path, SPEC.replace("hours = 0.75", "hours = 0.5")))
    assert not {t.key for t in tasks} & {t.key for t in other}


def test_a_worker_with_other_code_refuses(tmp_path: Path) -> None:
    _, tasks = plan(_spec(tmp_path))
    alien = dataclasses.replace(tasks[0], code="0" * 64)
    with pytest.raises(ScenarioError, match="different borderflow code"):
        run_task(alien)
    failures = [r for r in run_local([alien, tasks[1]], 1) if isinstance(r, RunFailure)]
    assert len(failures) == 1 and failures[0].task is alien
