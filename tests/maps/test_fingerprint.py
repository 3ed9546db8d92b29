"""maps.fingerprint: a map's id and content hash tell the same map from an edited copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maps import BUNDLED_MAPS
from maps.fingerprint import map_identity, map_sha256


def test_a_bundled_map_has_the_same_identity_by_name_and_by_path() -> None:
    by_name = map_identity("test_crossing")
    by_path = map_identity(BUNDLED_MAPS["test_crossing"])
    assert by_name.map_id == by_path.map_id == "test_crossing"
    assert by_name.sha256 == by_path.sha256 and len(by_name.sha256) == 64
    assert map_identity("erenhot_zamyn_uud").sha256 != by_name.sha256


def test_layout_does_not_change_the_hash_but_content_does(tmp_path: Path) -> None:
    doc = json.loads(BUNDLED_MAPS["test_crossing"].read_text(encoding="utf-8"))
    bundled = map_identity("test_crossing").sha256
    # Re-indented, keys in another order: the same content.
    relaid = tmp_path / "relaid" / "test_crossing.geojson"
    relaid.parent.mkdir()
    relaid.write_text(json.dumps(dict(reversed(list(doc.items()))), indent=1), encoding="utf-8")
    same = map_identity(relaid)
    assert same.map_id == "test_crossing" and same.sha256 == bundled
    # One coordinate moved by a centimetre-ish: same id, another hash.
    lane = next(f for f in doc["features"] if f["geometry"]["type"] == "LineString")
    lane["geometry"]["coordinates"][0][0] += 1e-7
    edited = tmp_path / "test_crossing.geojson"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    other = map_identity(edited)
    assert other.map_id == "test_crossing" and other.sha256 != bundled
    assert other.sha256 == map_sha256(doc)


def test_a_file_of_its_own_is_named_by_its_stem_and_bad_files_are_named(tmp_path: Path) -> None:
    mine = tmp_path / "my_crossing.geojson"
    mine.write_text(BUNDLED_MAPS["test_crossing"].read_text(encoding="utf-8"), encoding="utf-8")
    assert map_identity(mine).map_id == "my_crossing"
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.geojson is not JSON"):
        map_identity(broken)
    with pytest.raises(ValueError, match="cannot read map"):
        map_identity(tmp_path / "absent.geojson")
