"""Times on the custody command line: ``show`` and ``containers`` print each entry's signed
timestamp, ``verify``, ``head``, ``export``, ``prove``, ``verify-proof``, ``prove-consistency``
and ``witness`` the tree head's; a head file whose timestamp was changed does not verify; a
ledger written before timestamps says it has none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.custody_cmd import app
from risk_bridge.ledger import open_ledger
from tests.ledger.old_format import write_old_ledger
from tests.orchestrator.custody.journeys import container_id, crossing

runner = CliRunner()
C = container_id(8)
T0_US = 1_796_284_800_000_000  # 2026-12-03T08:00:00Z
HEAD_TIME = "signed timestamp 2026-12-03T08:00:05.000Z"


def _run(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture(autouse=True)
def _key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "key-dir"))
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    key = tmp_path / "keys" / "ledger.key"
    assert _run("keygen", "--out", str(key)).exit_code == 0
    return key


@pytest.fixture
def db(tmp_path: Path, key: Path) -> str:
    """A crossing in two commits, the second 5 s after the first (clock stamps)."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    now = [T0_US]
    journey = crossing(C, "EZ-0008")
    with open_ledger(url, key=key, clock=lambda: now[0]) as ledger:
        ledger.append_many(journey[:3])
        now[0] += 5_000_000
        ledger.append_many(journey[3:])
    return url


def test_show_and_containers_print_each_entrys_timestamp(db: str, key: Path) -> None:
    shown = _run("show", C, "--db", db, "--public-key", f"{key}.pub")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert [line.split()[1] for line in lines[:7]] == ["2026-12-03T08:00:00.000000Z"] * 3 + [
        "2026-12-03T08:00:05.000000Z"
    ] * 4
    assert HEAD_TIME in lines[-1]
    records = [json.loads(x) for x in _run("show", C, "--db", db, "--json").stdout.splitlines()]
    assert records[-1]["timestamp"] == "2026-12-03T08:00:05.000000Z"
    listing = _run("containers", "--db", db).stdout.splitlines()[1].split()
    assert listing[4] == "2026-12-03T08:00:00Z" and listing[7] == "2026-12-03T08:00:05Z"


def test_every_head_printing_command_shows_the_signed_time(
    db: str, key: Path, tmp_path: Path
) -> None:
    pub = f"{key}.pub"
    verified = _run("verify", "--db", db, "--public-key", pub)
    assert verified.exit_code == 0 and HEAD_TIME in verified.stdout
    saved = _run("head", "--db", db, "--out", str(tmp_path / "head.json"))
    assert saved.exit_code == 0 and HEAD_TIME in saved.stdout
    assert json.loads((tmp_path / "head.json").read_text())["timestamp"] == T0_US // 1000 + 5000
    printed = json.loads(_run("head", "--db", db).stdout)
    assert printed["version"] == "borderflow-custody-sth/2"
    exported = _run("export", "--db", db, "--out", str(tmp_path / "l.jsonl"))
    assert HEAD_TIME in exported.stdout
    proved = _run("prove", C, "--db", db, "--out", str(tmp_path / "p.json"))
    assert proved.exit_code == 0 and HEAD_TIME in proved.stdout
    checked = _run("verify-proof", str(tmp_path / "p.json"), "--public-key", pub)
    assert checked.exit_code == 0 and HEAD_TIME in checked.stdout
    assert "  #6 2026-12-03T08:00:05.000000Z" in checked.stdout.splitlines()
    both = _run("prove-consistency", "--db", db, "--old-size", "3", "--out", str(tmp_path / "c"))
    assert "earlier head: signed timestamp 2026-12-03T08:00:00.000Z" in both.stdout
    consistent = _run("verify-proof", str(tmp_path / "c"), "--public-key", pub)
    assert consistent.exit_code == 0 and consistent.stdout.count("signed timestamp") == 2
    seen = _run("witness", "--db", db, "--dir", str(tmp_path / "w"), "--public-key", pub)
    assert seen.exit_code == 0 and HEAD_TIME in seen.stdout


def test_a_saved_head_whose_time_was_changed_does_not_verify(
    db: str, key: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "head.json"
    assert _run("head", "--db", db, "--out", str(saved)).exit_code == 0
    head = json.loads(saved.read_text())
    head["timestamp"] += 1  # one millisecond later
    saved.write_text(json.dumps(head))
    result = _run("verify", "--db", db, "--public-key", f"{key}.pub", "--against", str(saved))
    assert result.exit_code == 1
    assert "INVALID" in result.stderr and "size, root and timestamp" in result.stderr


def test_a_ledger_written_before_timestamps_says_so(tmp_path: Path, key: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    write_old_ledger(url, key, [crossing(C, "EZ-0008")])
    shown = _run("show", C, "--db", url, "--public-key", f"{key}.pub")
    assert shown.exit_code == 0, shown.output
    assert all(line.split()[1] == "(no" for line in shown.stdout.splitlines()[:7])
    assert "no timestamp: a version /1 head" in shown.stdout
    verified = _run("verify", "--db", url, "--public-key", f"{key}.pub")
    assert verified.exit_code == 0 and "no timestamp: a version /1 head" in verified.stdout
    listing = _run("containers", "--db", url).stdout.splitlines()[1].split()
    assert listing[4] == "t=0.000s"
