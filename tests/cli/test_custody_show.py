"""``borderflow custody containers`` and ``custody show``: what a ledger holds, container
numbers checked where they are typed, every printed entry checked against the signed tree head,
and ``keygen``'s default key outside the work tree."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.custody_cmd import app
from orchestrator.custody.encoding import encode_entry
from orchestrator.custody.merkle import leaf_hash
from risk_bridge.ledger import open_ledger
from tests.ledger.raw import fetch, tamper
from tests.orchestrator.custody.journeys import K, container_id, event, inspected, many

runner = CliRunner()
C = container_id(2)
HELD = container_id(30)
WRONG_DIGIT = C[:10] + str((int(C[10]) + 1) % 10)
C_SEQS = [i for i, e in enumerate(many(4)) if e.container_id == C]  # as the fixture writes
ROOT = Path(__file__).resolve().parents[2]
T0_US = 1_796_284_800_000_000  # 2026-12-03T08:00:00Z: the fixture ledger's clock
STAMP = "2026-12-03T08:00:00.000000Z"


@pytest.fixture(autouse=True)
def _key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys made by default go to a folder of this test, never to ~/.config."""
    folder = tmp_path / "key-dir"
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(folder))
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)
    return folder


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """A ledger of 4 crossings (7 entries each) and an inspection (8), and its public key."""
    key = tmp_path / "keys" / "ledger.key"
    assert runner.invoke(app, ["keygen", "--out", str(key)]).exit_code == 0
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    with open_ledger(url, key=key, clock=lambda: T0_US) as led:  # stamped at 08:00:00Z
        led.append_many(many(4))
        led.append_many(inspected(HELD, "EZ-3000", "EZ-3001", t0_s=10))
    return url, Path(f"{key}.pub")


def _run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _seqs(url: str, pub: Path, cid: str) -> list[int]:
    result = _run("show", cid, "--db", url, "--json", "--public-key", str(pub))
    assert result.exit_code == 0, result.output
    return [json.loads(line)["seq"] for line in result.stdout.splitlines()]


# ---------------------------------------------------------------- containers


def test_containers_lists_every_container_with_counts(ledger: tuple[str, Path]) -> None:
    url, _ = ledger
    result = _run("containers", "--db", url)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["container", "entries", "first", "event", "last", "event"]
    rows = [line.split() for line in lines[1:-1]]
    numbers = sorted(container_id(i) for i in (0, 1, 2, 3, 30))
    assert [r[0] for r in rows] == numbers
    by_number = {r[0]: r for r in rows}
    assert by_number[C][1:4] == ["7", f"#{C_SEQS[0]}", "SEAL_AFFIXED"]
    assert by_number[C][5:7] == [f"#{C_SEQS[-1]}", "DELIVERED"]
    assert by_number[HELD][1] == "8" and by_number[HELD][6] == "BORDER_HANDOFF"
    assert lines[-1].startswith("5 containers, 36 entries in ")


def test_containers_json_ids_and_limit(ledger: tuple[str, Path]) -> None:
    url, _ = ledger
    listed = _run("containers", "--db", url, "--json").stdout
    records = [json.loads(x) for x in listed.splitlines()]
    assert [r["entries"] for r in records] == [7, 7, 7, 7, 8]
    assert records[2] == {
        "container_id": C,
        "entries": 7,
        "first": {"seq": C_SEQS[0], "kind": "seal_affixed", "t_s": 1.0, "timestamp": STAMP},
        "last": {"seq": C_SEQS[-1], "kind": "delivered", "t_s": 7.0, "timestamp": STAMP},
    }
    ids = _run("containers", "--db", url, "--ids").stdout.split()
    assert ids == [r["container_id"] for r in records]
    assert _run("containers", "--db", url, "--ids", "--limit", "2").stdout.split() == ids[:2]
    limited = _run("containers", "--db", url, "--limit", "2").stdout.splitlines()
    assert len(limited) == 4 and limited[-1].startswith("2 of 5 containers, 36 entries")


def test_containers_of_an_empty_or_missing_ledger(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    open_ledger(str(empty)).close()
    result = _run("containers", "--db", str(empty))
    assert result.exit_code == 0 and "holds no entries yet" in result.stderr
    result = _run("containers", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "no ledger at" in result.output


# ---------------------------------------------------------------- container numbers


@pytest.mark.parametrize("command", ["show", "prove"])
@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("ABC123", "has 11 characters"),
        (WRONG_DIGIT, f"check digit is {WRONG_DIGIT[10]}, expected {C[10]}"),
        ("BFLX0000021", "category identifier 'X' must be U, J or Z"),
        ("B1LU0000021", "owner code"),
    ],
)
def test_malformed_container_numbers_are_usage_errors(
    ledger: tuple[str, Path], tmp_path: Path, command: str, typed: str, words: str
) -> None:
    url, _ = ledger
    extra = ["--out", str(tmp_path / "p.json")] if command == "prove" else []
    result = _run(command, typed, "--db", url, *extra)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "custody containers --db" in result.stderr
    assert "no entries" not in result.output and not (tmp_path / "p.json").exists()


def test_lower_case_and_spaces_are_accepted_as_the_bridge_does(
    ledger: tuple[str, Path], tmp_path: Path
) -> None:
    url, pub = ledger
    typed = f"{C[:4].lower()} {C[4:10]} {C[10]}"
    result = _run("show", typed, "--db", url, "--public-key", str(pub))
    assert result.exit_code == 0, result.output
    assert f"verified: the 7 entries of {C}" in result.stdout
    proof = tmp_path / "p.json"
    assert _run("prove", C.lower(), "--db", url, "--out", str(proof)).exit_code == 0
    assert json.loads(proof.read_text())["container_id"] == C


def test_a_valid_number_the_ledger_does_not_hold(ledger: tuple[str, Path]) -> None:
    url, _ = ledger
    result = _run("show", container_id(99), "--db", url)
    assert result.exit_code == 1
    assert "has no entries" in result.stderr and "custody containers --db" in result.stderr


# ---------------------------------------------------------------- show verifies


def test_show_flags_a_tampered_entry_loudly(ledger: tuple[str, Path]) -> None:
    url, pub = ledger
    seq = _seqs(url, pub, C)[2]  # the hand-off to the AGV, by "system"
    body = bytes(fetch(url, "SELECT body FROM entries WHERE seq = ?", (seq,))[0][0])
    forged = body.replace(b'"agv-1"', b'"agv-9"')
    assert forged != body
    tamper(url, ("UPDATE entries SET body = ? WHERE seq = ?", (forged, seq)))
    result = _run("show", C, "--db", url, "--public-key", str(pub))
    assert result.exit_code == 1
    flagged = [line for line in result.stdout.splitlines() if line.startswith("TAMPERED")]
    assert len(flagged) == 1 and f"#{seq} " in flagged[0] and "agv-9" in flagged[0]
    assert "WARNING: 1 of 7 entries" in result.stderr
    assert f"entry {seq} cannot be proven under the signed tree head of 36" in result.stderr
    assert "verified" not in result.stdout
    result = _run("show", C, "--db", url, "--json", "--public-key", str(pub))
    assert result.exit_code == 1
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["seq"] for r in rows if not r["verified"]] == [seq]
    assert "cannot be proven" in next(r["problem"] for r in rows if not r["verified"])
    # Other containers are untouched.
    other = _run("show", container_id(1), "--db", url, "--public-key", str(pub))
    assert other.exit_code == 0, other.output


def test_show_flags_an_entry_added_outside_borderflow(ledger: tuple[str, Path]) -> None:
    url, pub = ledger
    size = 36
    last = bytes(fetch(url, "SELECT leaf_hash FROM entries WHERE seq = ?", (size - 1,))[0][0])
    extra = event(K.HOLD_PLACED, C, 50.0, zone="mn_yard", side="MN", reason="forged")
    body = encode_entry(size, last, extra)
    row = (size, C, extra.kind.value, None, leaf_hash(body), body)
    tamper(url, ("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)", row))
    result = _run("show", C, "--db", url, "--public-key", str(pub))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith(f"TAMPERED #{size} ")
    assert f"entry {size} is not covered by the signed tree head (of 36 entries)" in result.stderr


def test_show_checks_the_head_signature(ledger: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = ledger
    assert _run("keygen", "--out", str(tmp_path / "other.key")).exit_code == 0
    result = _run("show", C, "--db", url, "--public-key", str(tmp_path / "other.key.pub"))
    assert result.exit_code == 1
    assert "the signed tree head does not verify" in result.stderr
    assert "not by the public key given" in result.stderr


def test_show_uses_the_public_key_beside_an_sqlite_ledger(tmp_path: Path) -> None:
    db = tmp_path / "run" / "ledger.db"
    with open_ledger(str(db)) as led:  # the default key, in this test's key folder
        led.append_many(many(1))
    cid = container_id(0)
    result = _run("show", cid, "--db", str(db))
    assert result.exit_code == 0, result.output
    assert f"(checked with {db}.key.pub)" in result.stdout
    # A public key beside the ledger that did not sign it: a warning, not a pass.
    assert _run("keygen", "--out", str(tmp_path / "other.key")).exit_code == 0
    Path(f"{db}.key.pub").write_bytes((tmp_path / "other.key.pub").read_bytes())
    result = _run("show", cid, "--db", str(db))
    assert result.exit_code == 1 and "the signed tree head does not verify" in result.stderr


@pytest.mark.postgres
def test_show_says_when_it_could_not_check_the_signature(pg_url: str, tmp_path: Path) -> None:
    key = tmp_path / "elsewhere.key"
    assert _run("keygen", "--out", str(key)).exit_code == 0
    with open_ledger(pg_url, key=key) as led:
        led.append_many(many(1))
    result = _run("show", container_id(0), "--db", pg_url)
    assert result.exit_code == 0, result.output
    assert "NOT checked: no public key of that id found; pass --public-key" in result.stdout


# ---------------------------------------------------------------- keygen's default


def test_keygen_by_default_writes_to_the_key_folder_and_keeps_it(_key_dir: Path) -> None:
    first = _run("keygen")
    assert first.exit_code == 0, first.output
    private = _key_dir / "ledger.key"
    assert f"private key {private} (mode 600)" in first.stdout
    assert (private.stat().st_mode & 0o777) == 0o600
    kid = first.stdout.split("key id")[1].split()[0]
    again = _run("keygen")
    assert again.exit_code == 0 and again.stdout.startswith("kept the signing key")
    assert f"key id      {kid}" in again.stdout
    replaced = _run("keygen", "--force")
    assert replaced.exit_code == 0 and kid not in replaced.stdout


def test_keygen_default_follows_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = _run("keygen")
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "config" / "borderflow" / "keys" / "ledger.key") in result.stdout


def test_generated_files_are_ignored_by_git() -> None:
    paths = ["keys/customs", "keys/customs.pub", "heads/run.json", "proof.json", "out/proof.json",
             "somewhere/ledger.key", "out/custody.db.key.pub"]  # fmt: skip
    found = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout.split() == paths
