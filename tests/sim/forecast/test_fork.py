"""Forked copies: answers come back in job order, a failing or hanging copy is an error (and
is gone), a large answer does not block its child."""

from __future__ import annotations

import os
import time

import pytest

from sim.forecast.fork import ForecastError, collect, spawn


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_answers_in_job_order_even_when_large() -> None:
    def work(n: int) -> dict[str, object]:
        time.sleep(0.05 * (3 - n))  # the last job answers first
        return {"n": n, "blob": "x" * 300_000}  # more than a pipe holds

    children = spawn([0, 1, 2], work)
    answers = collect(children, 10.0)
    assert [a["n"] for a in answers] == [0, 1, 2]
    assert all(len(a["blob"]) == 300_000 for a in answers)
    assert all(_gone(c.pid) for c in children)


def test_a_failing_copy_is_an_error_naming_why() -> None:
    def work(n: int) -> dict[str, object]:
        if n == 1:
            raise ValueError("the core refused the what-if")
        return {"n": n}

    with pytest.raises(ForecastError, match="ValueError: the core refused the what-if"):
        collect(spawn([0, 1], work), 10.0)


def test_a_copy_past_the_deadline_is_killed() -> None:
    def work(n: int) -> dict[str, object]:
        time.sleep(30)
        return {}

    children = spawn([0], work)
    t0 = time.monotonic()
    with pytest.raises(ForecastError, match=r"longer than 0\.5 s"):
        collect(children, 0.5)
    assert time.monotonic() - t0 < 5
    assert _gone(children[0].pid)
