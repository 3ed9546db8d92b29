"""The README's custody walk-through, run exactly as written: the ledger of its own simulate
line, every ``borderflow custody`` line after it (``$C`` from its ``C=$(...)`` line), in a fresh
folder, and nothing generated lands outside ``out/``."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _walkthrough() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## The command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines()]
    start = next(i for i, line in enumerate(lines) if "--db out/custody.db" in line)
    tail = lines[start + 1 :]
    custody = [x for x in tail if x.startswith(("borderflow custody", "C=$("))]
    return [lines[start], *custody]


def _args(line: str, env: dict[str, str]) -> list[str]:
    words = shlex.split(line, comments=True)
    assert words[0] == "borderflow", line
    return [re.sub(r"\$(\w+)", lambda m: env[m.group(1)], w) for w in words[1:]]


def test_the_readme_custody_commands_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "home-keys"))
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)
    lines = _walkthrough()
    assert lines[0].startswith("borderflow simulate test_small")
    assert any(x.startswith("borderflow custody prove") for x in lines)
    shell: dict[str, str] = {}
    for line in lines:
        if m := re.fullmatch(r"(\w+)=\$\((.*)\)(\s+#.*)?", line):
            result = runner.invoke(app, _args(m.group(2), shell))
            shell[m.group(1)] = result.stdout.strip()
            assert re.fullmatch(r"[A-Z]{4}\d{7}", shell[m.group(1)]), result.output
        else:
            result = runner.invoke(app, _args(line, shell))
        assert result.exit_code == 0, f"{line}\n{result.output}"
    made = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    outside = [p for p in made if not p.startswith(("out/", "home-keys/"))]
    assert outside == [], "README examples write into the work tree"
    assert "out/proof.json" in made and "home-keys/ledger.key" in made
