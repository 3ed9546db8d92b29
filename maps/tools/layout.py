"""The schematic layout of one side of a crossing, in local metres, following the layout rules.

This module owns the shape of the generated maps (the bundled ones and those of ``borderflow
map new``). Coordinates are (u, v) metres: u grows away from the border into the side's
territory, v runs along the border. One side is drawn as is and the other rotated by 180
degrees (on the bundled maps: China as is), so both read "border -> gate -> buffer -> customs
control ring -> yard ring" outward, with the AGV depots just beyond the yard ring. A side comes
in three parts, so a corridor map can place them apart: the border end (:func:`customs_features`),
the link roads (:func:`link_features`) and the yard end (:func:`maps.tools.yard.yard_features`);
the crossing road and the gates join the two sides (:func:`road_features`).
Every main road is a one-way ring or one of a pair of one-way lanes (``SideParams.main_lanes`` lanes
per direction: 2 on Erenhot); every station ends a two-way exclusive spur, except the NII scanner,
which is an exclusive one-way drive-through bypass of the customs ring, and the depot parking
stations, which sit on a one-way drive-through loop (in lane -> parking -> out lane) off the yard
ring, so vehicles entering and leaving a busy depot do not take turns on a single exclusive spur.
The yard ring, its slots, chargers and depots are drawn by :mod:`maps.tools.yard`; the feature
makers and :class:`SideParams` live in :mod:`maps.tools.parts`.
"""

from __future__ import annotations

from string import ascii_lowercase
from typing import Any

from maps.tools.parts import UV, Feature, SideParams, lane, spur, station, zone
from maps.tools.yard import yard_features

__all__ = [
    "Feature",
    "SideParams",
    "crossing_features",
    "customs_features",
    "link_features",
    "road_features",
    "rotate",
    "side_features",
]


def side_features(p: SideParams) -> list[Feature]:
    """Zones, lanes and stations of one side (not the crossing road), in local (u, v)."""
    return customs_features(p) + link_features(p) + yard_features(p)


def customs_features(p: SideParams) -> list[Feature]:
    """The side's border end: customs control ring (NII scanner drive-through, hold bays,
    inspection docks), the gate's turn-back lane, the pre-border buffers and the gate zone."""
    s = p.side.lower()
    t = p.town
    m = p.margin
    c0, c1, ch = p.customs
    tb_v = (p.off + ch) / 2  # the turn-back lane joins the customs ring here
    sc_a, sc_b = c1 - p.scanner_inset, c0 + p.scanner_inset
    sc_v = ch + p.scanner_rise
    sc_u = (sc_a + sc_b) / 2
    south = sorted((*p.hold_u, *p.inspection_u))
    feats: list[Feature] = []
    ring = [(c0, p.off), (c0, -p.off), (c0, -ch)]
    ring += [(u, -ch) for u in south] + [(c1, -ch), (c1, -p.off), (c1, p.off), (c1, ch)]
    ring += [(sc_a, ch), (sc_b, ch), (c0, ch), (c0, tb_v), (c0, p.off)]
    feats.append(
        lane(
            f"{s}_customs_ring",
            ring,
            "one-way",
            p.ring_kph,
            exclusive=False,
            lanes=p.main_lanes,
            name=f"{t} customs control ring road",
        )
    )
    feats.append(
        lane(
            f"{s}_scanner_lane",
            [(sc_a, ch), (sc_a, sc_v), (sc_u, sc_v), (sc_b, sc_v), (sc_b, ch)],
            "one-way",
            p.scanner_kph,
            exclusive=True,
            name=f"{t} NII scanner drive-through",
        )
    )
    feats.append(
        station(
            f"{s}_scanner", "scanner", (sc_u, sc_v), f"{t} X-ray (NII) portal", p.scanner_capacity
        )
    )
    for i, u in enumerate(p.hold_u):
        letter = ascii_lowercase[i]
        feats.append(
            spur(
                f"{s}_hold_{letter}_spur",
                (u, -ch),
                (u, -ch - p.spur),
                p,
                f"{t} hold bay {letter.upper()} access",
            )
        )
        feats.append(
            station(
                f"{s}_hold_{letter}",
                "hold",
                (u, -ch - p.spur),
                f"{t} secured hold bay {letter.upper()}",
                p.hold_capacity,
            )
        )
        feats.append(
            zone(
                f"{s}_hold_bay_{letter}",
                "hold_bay",
                p,
                f"{t} secured hold bay {letter.upper()}",
                (u - m, -ch - p.spur - m, u + m, -ch - p.spur * 0.4),
                capacity=p.hold_capacity,
            )
        )
    for i, u in enumerate(p.inspection_u, 1):
        feats.append(
            spur(
                f"{s}_inspection_{i}_spur",
                (u, -ch),
                (u, -ch - p.spur),
                p,
                f"{t} inspection dock {i} access",
            )
        )
        feats.append(
            station(
                f"{s}_inspection_{i}", "inspection", (u, -ch - p.spur), f"{t} inspection dock {i}"
            )
        )
    iu = p.inspection_u
    feats.append(
        zone(
            f"{s}_inspection",
            "inspection",
            p,
            f"{t} physical inspection area",
            (min(iu) - m, -ch - p.spur - m, max(iu) + m, -ch - p.spur * 0.4),
            capacity=len(iu),
        )
    )
    feats.append(
        zone(
            f"{s}_nii_scanner",
            "nii_scanner",
            p,
            f"{t} NII scanner bay",
            (sc_u - m, sc_v - m / 2, sc_u + m, sc_v + m / 2),
            capacity=p.scanner_capacity,
        )
    )
    feats.append(
        zone(
            f"{s}_customs",
            "customs_control",
            p,
            f"{t} customs control area",
            (c0 - m, -ch - p.spur - 2 * m, c1 + m, sc_v + m),
        )
    )
    # Turn-back: from the gate checkpoint back to the customs ring (buffer, hold bays).
    feats.append(
        lane(
            f"{s}_gate_turn_back",
            [(p.gate_u, p.off), (p.gate_u, tb_v), (c0, tb_v)],
            "one-way",
            p.ring_kph,
            exclusive=False,
            lanes=p.main_lanes,
            name=f"{t} gate turn-back lane",
        )
    )
    for i, u in enumerate(p.buffer_u, 1):
        at = (u, p.off - p.buffer_spur)
        feats.append(spur(f"{s}_buffer_{i}_spur", (u, p.off), at, p, f"{t} buffer {i} access"))
        feats.append(
            station(
                f"{s}_buffer_{i}", "buffer", at, f"{t} pre-border buffer {i}", p.buffer_capacity
            )
        )
    bu = p.buffer_u
    feats.append(
        zone(
            f"{s}_buffer",
            "pre_border_buffer",
            p,
            f"{t} pre-border buffer",
            (min(bu) - m, p.off - p.buffer_spur - m / 2, max(bu) + m, p.off + m / 2),
            capacity=len(bu) * p.buffer_capacity,
        )
    )
    feats.append(
        zone(
            f"{s}_gate",
            "border_gate",
            p,
            f"{t} border gate",
            (p.gate_u / 4, p.off - m / 2, p.gate_u + m, tb_v + m / 2),
        )
    )
    return feats


def link_features(p: SideParams) -> list[Feature]:
    """The pair of one-way lanes between the customs ring and the yard ring (drawn straight;
    a corridor map bends them along its centreline)."""
    s, t = p.side.lower(), p.town
    c1, y0 = p.customs[1], p.yard[0]
    feats: list[Feature] = []
    feats.append(
        lane(
            f"{s}_link_to_yard",
            [(c1, -p.off), (y0, -p.off)],
            "one-way",
            p.road_kph,
            exclusive=False,
            lanes=p.main_lanes,
            name=f"{t} customs -> yard road",
        )
    )
    feats.append(
        lane(
            f"{s}_link_from_yard",
            [(y0, p.off), (c1, p.off)],
            "one-way",
            p.road_kph,
            exclusive=False,
            lanes=p.main_lanes,
            name=f"{t} yard -> customs road",
        )
    )
    return feats


def _rot(pt: UV) -> UV:
    return (-pt[0], -pt[1])


def rotate(feature: Feature) -> Feature:
    """The same feature turned by 180 degrees: how the Mongolian side is drawn."""
    gtype, coords = feature["geometry"]
    new = _rot(coords) if gtype == "Point" else [_rot(c) for c in coords]
    return {**feature, "geometry": (gtype, new)}


def crossing_features(cn: SideParams, mn: SideParams) -> list[Feature]:
    """Both sides of a bundled map, their gates and the pair of one-way lanes across the
    border, in one frame: the first side drawn as is (u grows into it), the second rotated."""
    feats = side_features(cn) + [rotate(f) for f in side_features(mn)]
    return feats + road_features(cn, mn)


def road_features(pos: SideParams, neg: SideParams, shift: UV = (0.0, 0.0)) -> list[Feature]:
    """The crossing road's two carriageways, the entry roads and the gates, in the frame of
    :func:`crossing_features`: ``pos`` lies at u > 0 (drawn as is), ``neg`` at u < 0 (rotated).

    ``shift`` moves each side's layout away from the line by that many metres (pos, neg): a
    corridor map does it where the border crosses the road at an angle, so nothing but the
    crossing road reaches the line.
    """
    if pos.off != neg.off:
        raise ValueError("both sides must use the same carriageway offset 'off'")
    dp, dn = shift

    def at_pos(q: UV) -> UV:
        return (q[0] + dp, q[1]) if dp else q

    def at_neg(q: UV) -> UV:  # a point of the rotated side, in its own (u, v)
        return _rot((q[0] + dn, q[1]) if dn else q)

    # Each carriageway: own ring -> buffer junctions -> exit gate -> just past the line (an
    # entry node, so the border-crossing edge is short) -> the other side's customs ring.
    out_pos = [
        (pos.customs[0], pos.off),
        *((u, pos.off) for u in sorted(pos.buffer_u, reverse=True)),
    ]
    out_pos = [at_pos(q) for q in (*out_pos, (pos.gate_u, pos.off))]
    out_pos.append(at_neg((neg.gate_u, -neg.off)))
    out_neg = [
        (neg.customs[0], neg.off),
        *((u, neg.off) for u in sorted(neg.buffer_u, reverse=True)),
    ]
    out_neg = [at_neg(q) for q in (*out_neg, (neg.gate_u, neg.off))]
    out_neg.append(at_pos((pos.gate_u, -pos.off)))
    feats: list[Feature] = []
    for a, b, pts in ((pos, neg, out_pos), (neg, pos, out_neg)):
        feats.append(
            lane(
                f"road_{a.side.lower()}_to_{b.side.lower()}",
                pts,
                "one-way",
                a.road_kph,
                exclusive=False,
                lanes=pos.main_lanes,
                name=f"{a.town} -> {b.town} crossing road "
                f"({'export' if a.side == 'CN' else 'import'} carriageway)",
            )
        )
    for entering, other, place in ((neg, pos, at_neg), (pos, neg, at_pos)):
        entry = [(entering.gate_u, -entering.off), (entering.customs[0], -entering.off)]
        feats.append(
            lane(
                f"{entering.side.lower()}_entry_road",
                [place(q) for q in entry],
                "one-way",
                entering.road_kph,
                exclusive=False,
                lanes=entering.main_lanes,
                name=f"{entering.town} entry road (from {other.town})",
            )
        )
    for p, place in ((pos, at_pos), (neg, at_neg)):
        props: dict[str, Any] = {"kind": "gate", "name": f"{p.town} exit gate (seal read)"}
        if p.gate_type:
            props["gate_type"] = p.gate_type
        if p.note:
            props["note"] = p.note
        feats.append(
            {
                "id": f"gate_{p.side.lower()}",
                "properties": props,
                "geometry": ("Point", place((p.gate_u, p.off))),
            }
        )
    return feats
