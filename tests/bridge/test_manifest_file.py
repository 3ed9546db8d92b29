"""The cargo manifest file of a bridge with a ROS fleet: read in full, or refused in full with
every bad line named."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.domain.records import Cargo
from risk_bridge.errors import BadInput
from risk_bridge.manifest_file import read_manifest
from tests.orchestrator.helpers import container

HEADER = "container_id,consignor,hs_code,origin_country\n"


def _file(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "cargo.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_rows_in_file_order_numbers_normalised(tmp_path: Path) -> None:
    a, b = container(1), container(2)
    loose = f"{b[:4].lower()} {b[4:]}"  # as typed by hand: lower case, a space
    text = "\ufeff" + HEADER.replace("\n", ",remarks\n")  # spreadsheet BOM, an extra column
    text += f"{a},Erlian Trading Co,8429,CN,fragile\n{loose}, Ulaanbaatar Coal LLC ,2701,MN,\n"
    cargo = read_manifest(_file(tmp_path, text))
    assert cargo == [
        Cargo(a, "Erlian Trading Co", "8429", "CN"),
        Cargo(b, "Ulaanbaatar Coal LLC", "2701", "MN"),
    ]


def test_every_bad_line_is_named_and_nothing_is_loaded(tmp_path: Path) -> None:
    good = container(3)
    bad_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    text = HEADER + (
        f"{good},A,1,CN\n"  # line 2
        f"{bad_digit},B,2,CN\n"  # line 3: wrong check digit
        f"{good},C,3,CN\n"  # line 4: duplicate
        f"{container(4)},,4,MN\n"  # line 5: empty consignor
        "NOT-A-NUMBER,E,5,MN\n"  # line 6
    )
    with pytest.raises(BadInput) as info:
        read_manifest(_file(tmp_path, text))
    msg = str(info.value)
    assert "4 bad rows, nothing loaded" in msg
    assert "line 3" in msg and "check digit" in msg
    assert f"line 4: container {good} is already on line 2" in msg
    assert "line 5: empty consignor" in msg
    assert "line 6" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("container,consignor\nX,Y\n", "missing container_id, hs_code, origin_country"),
        ("", "found: an empty file"),
        (HEADER, r"no containers \(only a header\)"),
        (b"container_id,consignor,hs_code,origin_country\n\xff\xfe,x,y,z\n", "not UTF-8 text"),
    ],
)
def test_a_broken_file_says_what_is_wrong(tmp_path: Path, text: str | bytes, expected: str) -> None:
    with pytest.raises(BadInput, match=expected):
        read_manifest(_file(tmp_path, text))


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file"):
        read_manifest(tmp_path / "nope.csv")


def test_the_launch_files_example_manifest_loads() -> None:
    # launch/borderflow_sim.launch.py starts `borderflow serve --fleet ros` with it by default.
    root = Path(__file__).resolve().parents[2]
    launch = (root / "launch" / "borderflow_sim.launch.py").read_text()
    assert '"--fleet", "ros"' in launch and "cargo_example.csv" in launch
    cargo = read_manifest(root / "launch" / "cargo_example.csv")
    assert len(cargo) == 8 and {c.origin_country for c in cargo} == {"CN", "MN"}
