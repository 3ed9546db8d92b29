"""Fixtures for the map tests: fresh, mutable copies of the bundled maps' GeoJSON."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from maps import bundled_map_path, validate_map


@cache
def _doc(name: str) -> dict[str, Any]:
    return json.loads(bundled_map_path(name).read_text(encoding="utf-8"))


@pytest.fixture
def small() -> dict[str, Any]:
    """A deep copy of the test crossing's GeoJSON, free to break."""
    return copy.deepcopy(_doc("test_crossing"))


@pytest.fixture
def erenhot() -> dict[str, Any]:
    return copy.deepcopy(_doc("erenhot_zamyn_uud"))


def feature(doc: dict[str, Any], fid: str) -> dict[str, Any]:
    return next(f for f in doc["features"] if f["id"] == fid)


def codes(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(feature id, code) of every problem of a map."""
    return {(p.feature_id, p.code) for p in validate_map(doc)}


@pytest.fixture
def feat() -> Callable[[dict[str, Any], str], dict[str, Any]]:
    return feature


def _map_positions(coords: Any, fn: Callable[[list[float]], list[float]]) -> Any:
    if coords and isinstance(coords[0], list):
        return [_map_positions(c, fn) for c in coords]
    return fn(coords)


def moved(doc: dict[str, Any], dlon: float, dlat: float = 0.0) -> dict[str, Any]:
    """A copy of a map with every position shifted by (dlon, dlat) degrees."""
    out = copy.deepcopy(doc)
    for f in out["features"]:
        geom = f["geometry"]
        geom["coordinates"] = _map_positions(
            geom["coordinates"], lambda p: [p[0] + dlon, p[1] + dlat]
        )
    return out


def swapped(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of a map with longitude and latitude exchanged in every position."""
    out = copy.deepcopy(doc)
    for f in out["features"]:
        geom = f["geometry"]
        geom["coordinates"] = _map_positions(geom["coordinates"], lambda p: [p[1], p[0]])
    return out


# A small corridor spec for `map new` (two ends, defaults for most tables).
SMALL_SPEC = """
[map]
name = "Small corridor"

[corridor]
centreline = [[106.90, 42.43], [106.90, 42.40]]
lanes_each_way = 1
speed_limit_kph = 20
border_at_m = 1600

[ends.a]
side = "MN"
name = "North"
yard = { slots = 6 }

[ends.b]
side = "CN"
name = "South"
yard = { slots = 4, places_per_slot = 2 }
"""
