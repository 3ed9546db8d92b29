"""``borderflow custody``: the commands customs and operators run, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.custody_cmd import app
from risk_bridge.ledger import open_ledger
from tests.ledger.raw import fetch, tamper
from tests.orchestrator.custody.journeys import container_id, inspected, many

runner = CliRunner()
C = container_id(2)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, Path]:
    """A ledger URL filled with 4 crossings and an inspection, its key and public key."""
    prefix = tmp_path / "keys" / "ledger"
    result = runner.invoke(app, ["keygen", "--out", str(prefix)])
    assert result.exit_code == 0, result.output
    assert "mode 600" in result.output
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    with open_ledger(url, key=prefix) as ledger:
        ledger.append_many(many(4))
        ledger.append_many(inspected(container_id(30), "EZ-3000", "EZ-3001", t0_s=10))
    return url, prefix, Path(f"{prefix}.pub")


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    return result.output


def test_show_lists_a_containers_events(setup: tuple[str, Path, Path]) -> None:
    url, _, pub = setup
    lines = _ok("show", C, "--db", url, "--public-key", str(pub)).splitlines()
    assert len(lines) == 8
    assert "SEAL_AFFIXED" in lines[0] and "seal=EZ-00000002" in lines[0]
    assert "BORDER_HANDOFF" in lines[4] and "(MN)" in lines[4]
    assert lines[7].startswith(f"verified: the 7 entries of {C} are in the signed tree head")
    result = runner.invoke(app, ["show", C, "--db", url, "--json", "--public-key", str(pub)])
    assert result.exit_code == 0, result.output
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["kind"] for r in records][-1] == "delivered"
    assert all(r["verified"] and r["problem"] is None for r in records)
    assert "verified: the 7 entries" in result.stderr
    assert "custody containers" in _fails("show", container_id(99), "--db", url)


def test_export_then_verify_both_ways(setup: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, pub = setup
    out = tmp_path / "ledger.jsonl"
    assert "exported 36 entries" in _ok("export", "--db", url, "--out", str(out))
    assert "VALID" in _ok("verify", "--db", url, "--public-key", str(pub))
    assert "36 entries, 5 containers" in _ok(
        "verify", "--export", str(out), "--public-key", str(pub)
    )


def test_verify_names_the_tampered_entry(setup: tuple[str, Path, Path]) -> None:
    url, _, pub = setup
    body = bytes(fetch(url, "SELECT body FROM entries WHERE seq = ?", (9,))[0][0])
    tamper(
        url, ("UPDATE entries SET body = ? WHERE seq = ?", (body.replace(b"system", b"mallory"), 9))
    )
    result = runner.invoke(app, ["verify", "--db", url, "--public-key", str(pub)])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "entry 9: was edited" in result.output


def test_verify_with_the_wrong_key_fails(setup: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, _ = setup
    _ok("keygen", "--out", str(tmp_path / "other"))
    output = _fails("verify", "--db", url, "--public-key", str(tmp_path / "other.pub"))
    assert "not by the public key given" in output


def test_prove_and_verify_proof(setup: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, pub = setup
    proof = tmp_path / "proof.json"
    assert "7 entries" in _ok("prove", C, "--db", url, "--out", str(proof))
    assert "VALID" in _ok("verify-proof", str(proof), "--public-key", str(pub))
    doc = json.loads(proof.read_text())
    doc["entries"][1]["entry"] = doc["entries"][1]["entry"].replace("mechanical", "e-seal")
    proof.write_text(json.dumps(doc))
    assert "INVALID" in _fails("verify-proof", str(proof), "--public-key", str(pub))
    assert "no entries" in _fails("prove", container_id(98), "--db", url, "--out", str(proof))


def test_prove_consistency_and_head(setup: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, pub = setup
    head = json.loads(_ok("head", "--db", url))
    assert head["tree_size"] == 36
    out = tmp_path / "c.json"
    _ok("prove-consistency", "--db", url, "--old-size", "28", "--out", str(out))
    assert "extends the one of 28" in _ok("verify-proof", str(out), "--public-key", str(pub))
    assert "no signed tree head of size 5" in _fails(
        "prove-consistency", "--db", url, "--old-size", "5", "--out", str(out)
    )


def test_public_key_can_be_exported_again(tmp_path: Path) -> None:
    _ok("keygen", "--out", str(tmp_path / "k"))
    assert _ok("public-key", "--key", str(tmp_path / "k")) == (tmp_path / "k.pub").read_text()
    _ok("public-key", "--key", str(tmp_path / "k"), "--out", str(tmp_path / "again.pub"))
    assert (tmp_path / "again.pub").read_bytes() == (tmp_path / "k.pub").read_bytes()
    (tmp_path / "k").chmod(0o644)
    assert "chmod 600" in _fails("public-key", "--key", str(tmp_path / "k"))


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    _ok("keygen", "--out", str(tmp_path / "k"))
    assert "already exists" in _fails("keygen", "--out", str(tmp_path / "k"))


def test_usage_errors_are_clear(tmp_path: Path) -> None:
    pub = tmp_path / "k.pub"
    _ok("keygen", "--out", str(tmp_path / "k"))
    assert "give --db URL or --export FILE" in _fails("verify", "--public-key", str(pub))
    assert "either --db or --export" in _fails(
        "verify", "--db", "sqlite:///x.db", "--export", "x", "--public-key", str(pub)
    )
    assert "no ledger at" in _fails("show", C, "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert "unsupported ledger URL" in _fails("show", C, "--db", "mysql://x/y")


def test_help_teaches_with_examples() -> None:
    text = _ok("--help")
    for command in ("keygen", "show", "export", "verify", "prove", "verify-proof"):
        assert command in text
    assert "borderflow custody verify --db" in _ok("verify", "--help")
