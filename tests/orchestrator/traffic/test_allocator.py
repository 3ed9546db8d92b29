from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.traffic.allocator import Allocator


def test_grants_count_per_vehicle_and_release_with_the_last() -> None:
    a = Allocator()
    a.define("lane:x", 1)
    assert a.blocker("v1", ["lane:x", "lane:x"]) is None
    a.take("v1", ["lane:x", "lane:x"])  # an exclusive lane split in two edges
    assert a.usage("lane:x") == 1
    assert a.blocker("v2", ["lane:x"]) == "lane:x"
    assert a.release("v1", "lane:x") is False
    assert a.release("v1", "lane:x") is True
    assert a.usage("lane:x") == 0


def test_waiters_are_fifo_and_unique() -> None:
    a = Allocator()
    a.define("r", 1)
    for v in ["b", "a", "b", "c"]:
        a.wait(v, "r")
    assert a.waiters("r") == ["b", "a", "c"]
    a.unwait("a", "r")
    assert a.pop_waiter("r") == "b"
    assert a.pop_waiter("r") == "c"
    assert a.pop_waiter("r") is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2), st.booleans()), max_size=60))
def test_usage_never_exceeds_capacity_when_takers_check_first(
    ops: list[tuple[int, int, bool]],
) -> None:
    a = Allocator()
    caps = [1, 2, 3]
    for i, c in enumerate(caps):
        a.define(f"r{i}", c)
    for vehicle, res, take in ops:
        vid, rid = f"v{vehicle}", f"r{res}"
        if take:
            if a.blocker(vid, [rid]) is None:
                a.take(vid, [rid])
        else:
            a.release(vid, rid)
        for i, c in enumerate(caps):
            holders = sum(1 for v in range(5) if a.holds(f"v{v}", f"r{i}"))
            assert a.usage(f"r{i}") == holders <= c


def test_free_room_sums_spare_capacity_and_ignores_over_booking() -> None:
    a = Allocator()
    a.define("station:s1", 2)
    a.define("station:s2", 1)
    a.take("v1", ["station:s1"])
    assert a.free_room(["station:s1", "station:s2"]) == 2
    # Start-up may put more vehicles on a place than it holds: that place counts 0, not -1.
    a.take("v2", ["station:s2"])
    a.take("v3", ["station:s2"])
    assert a.free_room(["station:s1", "station:s2"]) == 1
    assert a.free_room([]) == 0


def test_tables_show_usage_and_capacity_as_has_room_sees_them() -> None:
    a = Allocator()
    a.define("station:s1", 1)
    usage, capacity = a.tables()
    assert (usage["station:s1"] < capacity["station:s1"]) is a.has_room("station:s1") is True
    a.take("v1", ["station:s1"])
    assert (usage["station:s1"] < capacity["station:s1"]) is a.has_room("station:s1") is False


def test_free_room_with_enough_stops_counting_but_is_exact_below_it() -> None:
    a = Allocator()
    for i in range(5):
        a.define(f"station:s{i}", 3)
    a.take("v1", ["station:s0"])
    names = [f"station:s{i}" for i in range(5)]
    assert a.free_room(names) == 14
    assert a.free_room(names, 20) == 14  # below the cap: the exact count
    assert 5 <= a.free_room(names, 5) < 14  # reached the cap: at least that, counted no further
    a.take("v2", ["station:s1", "station:s2", "station:s3"])
    a.take("v3", ["station:s1", "station:s2", "station:s3", "station:s4"])
    a.take("v4", ["station:s1", "station:s2", "station:s3", "station:s4"])
    # s0 has 2 left, s4 has 1 left; over-booking never counts negative
    a.take("v5", ["station:s3"])
    assert a.free_room(names, 10) == a.free_room(names) == 3
