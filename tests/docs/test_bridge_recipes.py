"""docs/bridge.md's integrator recipes, run exactly as written against a live ``borderflow
serve`` (the documented command, on a free port instead of 8750), in a fresh folder with its
own state directory and ledger keys: curl + jq, then Python + httpx. A recipe that no longer
works as documented fails here."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.live_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "bridge.md"
DOC_PORT = "127.0.0.1:8750"


def recipe(name: str) -> str:
    """The fenced block right after ``<!-- recipe: NAME -->`` in docs/bridge.md."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- recipe: {re.escape(name)} -->\s*```[a-z]*\n(.*?)```", text, re.S)
    assert m, f"docs/bridge.md has no block marked <!-- recipe: {name} -->"
    return m.group(1)


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
        "BORDERFLOW_STATE_DIR": str(tmp_path / "state"),
        "BORDERFLOW_LEDGER_KEY_DIR": str(tmp_path / "keys"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("BORDERFLOW_LEDGER_KEY", None)
    work = tmp_path / "work"
    work.mkdir()
    return work, env


def _serve(work: Path, env: dict[str, str], port: int) -> subprocess.Popen[str]:
    line = recipe("server").strip()
    assert line.startswith("borderflow serve ") and line.endswith("&"), line
    cmd = f"exec {line[:-1].strip()} --port {port}"
    proc = subprocess.Popen(
        ["bash", "-c", cmd], cwd=work, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    wait_healthy(proc, port)
    return proc


def _run(script: str, work: Path, env: dict[str, str]) -> str:
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the recipe's children (curl, python) too
        out, err = proc.communicate()
        raise AssertionError(f"recipe still running after 240 s\n{out}\n{err}") from None
    assert proc.returncode == 0, f"exit {proc.returncode}\n--- stdout\n{out}\n--- stderr\n{err}"
    return out


@pytest.mark.slow
def test_the_integrator_recipes_run_as_written(place: tuple[Path, dict[str, str]]) -> None:
    work, env = place
    port = free_port()
    here = f"127.0.0.1:{port}"
    proc = _serve(work, env, port)
    try:
        out = _run(recipe("shell").replace(DOC_PORT, here), work, env)
        assert '"accepted": 1' in out or '"accepted":1' in out, out
        assert '"status": "verified"' in out, out
        assert re.search(r"VALID out/proof\.json: \d+ entries of [A-Z]{4}\d{7} are in", out), out
        assert '"officer":"CN-officer-1"' in out.replace(" ", ""), out

        (work / "recipe.py").write_text(recipe("python").replace(DOC_PORT, here))
        out = _run(recipe("python-run"), work, env)
        assert re.search(r"^held at \S+ hold H-\d+$", out, re.M), out
        assert "released by CN-officer-2" in out and "custody verified" in out, out
        assert "VALID out/proof-py.json" in out, out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    # Nothing the recipes make lands outside out/ (keys and state live elsewhere).
    made = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())
    assert all(p.startswith("out/") or p == "recipe.py" for p in made), made
