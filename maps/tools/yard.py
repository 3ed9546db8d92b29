"""The yard end of one side of a bundled map: the yard ring, its slots, chargers and depots.

This module owns the yard ring road with its yard-slot and charger spurs, and the AGV depots
beyond it: parking lots on one-way drive-through loops, where idle vehicles wait without
standing on a yard slot, charger or buffer place. Coordinates are local (u, v) metres as in
:mod:`maps.tools.layout`.
"""

from __future__ import annotations

from maps.tools.parts import Feature, SideParams, lane, spur, station, zone

__all__ = ["yard_features"]


def yard_features(p: SideParams) -> list[Feature]:
    s, t, m = p.side.lower(), p.town, p.margin
    y0, y1, yh = p.yard
    ring = [(y0, p.off), (y0, -p.off), (y0, -yh)]
    ring += [(u, -yh) for u in p.yard_south_u] + [(y1, -yh)]
    ring += [(y1, v) for v in p.yard_east_v] + [(y1, yh)]
    # The depot loops attach to the charger side too: their junctions are ring vertices.
    depot_ends = [(u + p.depot_lane_off, u - p.depot_lane_off) for u in p.depot_u]
    north = sorted({*p.charger_u, *(u for pair in depot_ends for u in pair)}, reverse=True)
    ring += [(u, yh) for u in north] + [(y0, yh), (y0, p.off)]
    feats = [
        lane(
            f"{s}_yard_ring",
            ring,
            "one-way",
            p.yard_kph,
            exclusive=False,
            lanes=p.main_lanes,
            name=f"{t} yard ring road",
        )
    ]
    slots = [((y1, v), (y1 + p.spur, v)) for v in p.yard_east_v]
    slots += [((u, -yh), (u, -yh - p.spur)) for u in p.yard_south_u]
    for i, (start, end) in enumerate(slots, 1):
        feats.append(spur(f"{s}_slot_{i:02d}_spur", start, end, p, f"{t} yard slot {i} access"))
        feats.append(
            station(f"{s}_slot_{i:02d}", "yard_slot", end, f"{t} yard slot {i}", p.slot_capacity)
        )
    for i, u in enumerate(p.charger_u, 1):
        at = (u, yh + p.spur)
        feats.append(spur(f"{s}_charger_{i}_spur", (u, yh), at, p, f"{t} charger {i} access"))
        feats.append(
            station(
                f"{s}_charger_{i}", "charger", at, f"{t} charging station {i}", p.charger_capacity
            )
        )
    cu = p.charger_u
    feats.append(
        zone(
            f"{s}_charging",
            "charging",
            p,
            f"{t} AGV charging area",
            (min(cu) - m, yh + p.spur * 0.4, max(cu) + m, yh + p.spur + m),
            capacity=len(cu) * p.charger_capacity,
        )
    )
    feats += _depots(p)
    feats.append(
        zone(
            f"{s}_yard",
            "yard",
            p,
            f"{t} container yard",
            (y0 - m, -yh - p.spur - m, y1 + p.spur + m, yh + p.spur + 2 * m),
        )
    )
    return feats


def _depots(p: SideParams) -> list[Feature]:
    """Each depot: a parking lot beyond the yard ring, on a one-way drive-through loop.

    The ring runs towards smaller u on this side, so the in lane leaves it at the larger u and
    the out lane rejoins it at the smaller one: a vehicle drives in, parks, and drives on in the
    ring's direction. Lanes are ordinary (not exclusive): several vehicles may queue in while
    others leave, and the parked ones stand off the lanes in the station's places.
    """
    s, t = p.side.lower(), p.town
    yh = p.yard[2]
    w, d = p.depot_size
    v0 = yh + p.depot_gap
    at_v = v0 + d / 2
    feats: list[Feature] = []
    for i, uc in enumerate(p.depot_u, 1):
        ua, ub = uc + p.depot_lane_off, uc - p.depot_lane_off
        at = (uc, at_v)
        lane_in = [(ua, yh), (ua, at_v), at]
        lane_out = [at, (ub, at_v), (ub, yh)]
        feats.append(
            lane(
                f"{s}_depot_{i}_in",
                lane_in,
                "one-way",
                p.yard_kph,
                exclusive=False,
                name=f"{t} AGV depot {i} entry lane",
            )
        )
        feats.append(
            lane(
                f"{s}_depot_{i}_out",
                lane_out,
                "one-way",
                p.yard_kph,
                exclusive=False,
                name=f"{t} AGV depot {i} exit lane",
            )
        )
        feats.append(
            station(
                f"{s}_parking_{i}", "parking", at, f"{t} AGV depot {i} parking", p.parking_capacity
            )
        )
        feats.append(
            zone(
                f"{s}_depot_{i}",
                "depot",
                p,
                f"{t} AGV depot {i}",
                (uc - w / 2, v0, uc + w / 2, v0 + d),
                capacity=p.parking_capacity,
            )
        )
    return feats
