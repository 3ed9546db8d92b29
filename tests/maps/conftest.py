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
