"""``borderflow bridge decision-key``: the pair that signs the bridge's decisions to ROS."""

from __future__ import annotations

import stat
from pathlib import Path

from typer.testing import CliRunner

from cli.bridge_cmd import app
from orchestrator.custody.treehead import key_id
from risk_bridge.ledger.keys import load_private_key, load_public_key

runner = CliRunner()


def test_made_once_private_half_0600_and_the_same_pair_after(tmp_path: Path) -> None:
    state = tmp_path / "bridge"
    first = runner.invoke(app, ["decision-key", "--state-dir", str(state)])
    assert first.exit_code == 0, first.output
    public = Path(first.stdout.strip())
    assert public == state / "decisions.key.pub"
    private = state / "decisions.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    kid = key_id(load_public_key(public))
    assert f"key id {kid} (new)" in first.stderr
    again = runner.invoke(app, ["decision-key", "--state-dir", str(state)])
    assert again.exit_code == 0 and Path(again.stdout.strip()) == public
    assert f"key id {kid}" in again.stderr and "(new)" not in again.stderr
    assert load_private_key(private).public_key() == load_public_key(public)


def test_a_public_half_of_another_pair_is_refused(tmp_path: Path) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    for folder in (one, other):
        assert runner.invoke(app, ["decision-key", "--state-dir", str(folder)]).exit_code == 0
    (one / "decisions.key.pub").write_bytes((other / "decisions.key.pub").read_bytes())
    result = runner.invoke(app, ["decision-key", "--state-dir", str(one)])
    assert result.exit_code == 2
    assert "does not belong to" in result.stderr and "refuse every decision" in result.stderr


def test_a_readable_private_key_is_refused_with_the_fix(tmp_path: Path) -> None:
    state = tmp_path / "bridge"
    assert runner.invoke(app, ["decision-key", "--state-dir", str(state)]).exit_code == 0
    (state / "decisions.key").chmod(0o644)
    result = runner.invoke(app, ["decision-key", "--state-dir", str(state)])
    assert result.exit_code == 2 and "chmod 600" in result.stderr
