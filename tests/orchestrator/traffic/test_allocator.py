from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.ids import VehicleId
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.resources import Resource, ResourceKind

L = ResourceKind.LANE
V = VehicleId


def _res(name: str, kind: ResourceKind = L) -> Resource:
    return Resource(kind, name)


def test_grants_count_per_vehicle_and_release_with_the_last() -> None:
    a = Allocator()
    x = _res("x", ResourceKind.EXCLUSIVE)
    a.define(x, 1)
    assert a.blocker(V("v1"), [x, x]) is None
    a.take(V("v1"), [x, x])  # an exclusive lane split in two edges
    assert a.usage(x) == 1
    assert a.blocker(V("v2"), [x]) is x
    assert a.release(V("v1"), x) is False
    assert a.release(V("v1"), x) is True
    assert a.usage(x) == 0


def test_waiters_are_fifo_and_a_vehicle_waits_for_one_resource_at_a_time() -> None:
    a = Allocator()
    r, s = _res("r"), _res("s")
    a.define(r, 1)
    for v in ["b", "a", "b", "c"]:
        a.wait(V(v), r)
    assert a.waiters(r) == ["b", "a", "c"]
    a.wait(V("a"), s)  # moves it to the queue of s
    assert a.waiters(r) == ["b", "c"] and a.waiters(s) == ["a"]
    assert a.waiting_on(V("a")) is s
    a.stop_waiting(V("a"))
    assert a.waiters(s) == [] and a.waiting_on(V("a")) is None
    assert a.pop_waiter(r) == "b"
    assert a.waiting_on(V("b")) is None  # popped: it waits for nothing now
    assert a.pop_waiter(r) == "c"
    assert a.pop_waiter(r) is None


def test_a_release_queues_what_somebody_may_want() -> None:
    a = Allocator()
    lane, place = _res("a->b"), _res("Y1", ResourceKind.STATION)
    a.define(lane, 1)
    a.define(place, 1)
    a.take(V("v1"), [lane, place])
    a.release(V("v1"), lane)
    assert list(a.freed) == []  # a lane nobody waits for: no wake-up needed
    a.take(V("v1"), [lane])
    a.wait(V("v2"), lane)
    a.release(V("v1"), lane)
    a.release(V("v1"), place)  # a station place always (it may call for a dispatch round)
    assert list(a.freed) == [lane, place]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2), st.booleans()), max_size=60))
def test_usage_never_exceeds_capacity_when_takers_check_first(
    ops: list[tuple[int, int, bool]],
) -> None:
    a = Allocator()
    caps = [1, 2, 3]
    res = [_res(f"r{i}") for i in range(3)]
    for r, c in zip(res, caps, strict=True):
        a.define(r, c)
    for vehicle, i, take in ops:
        vid = V(f"v{vehicle}")
        if take:
            if a.blocker(vid, [res[i]]) is None:
                a.take(vid, [res[i]])
        else:
            a.release(vid, res[i])
        for r, c in zip(res, caps, strict=True):
            holders = sum(1 for v in range(5) if a.holds(V(f"v{v}"), r))
            assert a.usage(r) == holders <= c


def test_free_room_sums_spare_capacity_and_ignores_over_booking() -> None:
    a = Allocator()
    s1, s2 = _res("s1", ResourceKind.STATION), _res("s2", ResourceKind.STATION)
    a.define(s1, 2)
    a.define(s2, 1)
    a.take(V("v1"), [s1])
    assert a.free_room([s1, s2]) == 2
    # Start-up may put more vehicles on a place than it holds: that place counts 0, not -1.
    a.take(V("v2"), [s2])
    a.take(V("v3"), [s2])
    assert a.free_room([s1, s2]) == 1
    assert a.free_room([]) == 0


def test_tables_show_usage_and_capacity_as_has_room_sees_them() -> None:
    a = Allocator()
    s1 = _res("s1", ResourceKind.STATION)
    a.define(s1, 1)
    usage, capacity = a.tables()
    assert (usage[s1] < capacity[s1]) is a.has_room(s1) is True
    a.take(V("v1"), [s1])
    assert (usage[s1] < capacity[s1]) is a.has_room(s1) is False


def test_free_room_with_enough_stops_counting_but_is_exact_below_it() -> None:
    a = Allocator()
    s = [_res(f"s{i}", ResourceKind.STATION) for i in range(5)]
    for r in s:
        a.define(r, 3)
    a.take(V("v1"), [s[0]])
    assert a.free_room(s) == 14
    assert a.free_room(s, 20) == 14  # below the cap: the exact count
    assert 5 <= a.free_room(s, 5) < 14  # reached the cap: at least that, counted no further
    a.take(V("v2"), [s[1], s[2], s[3]])
    a.take(V("v3"), [s[1], s[2], s[3], s[4]])
    a.take(V("v4"), [s[1], s[2], s[3], s[4]])
    # s0 has 2 left, s4 has 1 left; over-booking never counts negative
    a.take(V("v5"), [s[3]])
    assert a.free_room(s, 10) == a.free_room(s) == 3
