"""Every command and example in README.md and docs/ runs as written, on a copy of a fresh clone.

How each fenced block is checked is said by its marker (tests/docs/doc_blocks.py). The blocks
that need ROS 2 run in tests/ros/test_docs_ros.py; docs/bridge.md's recipes in
tests/docs/test_bridge_recipes.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.doc_blocks import (
    DOCS,
    ROOT,
    Block,
    blocks,
    check_data,
    environment,
    fresh_clone,
    problems_of_marker,
    run,
    shell_script,
    substituted,
    tracked_files,
)
from tests.live_server import free_port

ALL = [b for doc in DOCS for b in blocks(doc)]
DATA = [b for b in ALL if b.mode in {"json", "json-feature", "toml"}]
RUNS_HERE = sorted(
    {b.doc for b in ALL if b.mode in {"sh", "python"} and b.option("ros") is None},
    key=str,
)


def test_every_block_is_marked() -> None:
    assert len(ALL) > 20, "the docs lost their examples?"
    found = [p for b in ALL if (p := problems_of_marker(b))]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("block", DATA, ids=[b.where for b in DATA])
def test_the_data_examples_are_valid(block: Block) -> None:
    check_data(block)


def run_document(doc: Path, tmp_path: Path, *, ros: bool, env_extra: dict[str, str] | None = None,
                 subs: dict[str, str] | None = None) -> Path:  # fmt: skip
    """Run ``doc``'s runnable blocks (those needing ROS when ``ros``) in order in a fresh clone;
    fail with the block, its output and its servers' logs at the first that fails."""
    work = fresh_clone(tmp_path)
    env = environment(tmp_path, env_extra)
    mine = blocks(doc)
    for b in mine:
        if b.mode == "file":
            (work / b.args[1]).write_text(b.text, encoding="utf-8")
    for b in mine:
        if b.mode not in {"sh", "python"} or (b.option("ros") is not None) != ros:
            continue
        values = dict(subs or {})
        text = b.text
        if (port := b.option("port")) is not None:
            values["port"] = str(free_port())
            text = text.replace(port, values["port"])
        text = substituted(b, text, values)
        if b.mode == "sh":
            script = shell_script(text)
            argv = ["bash", "-euo", "pipefail", "-c", script]
        else:
            script = text
            (work / "_doc_example.py").write_text(text, encoding="utf-8")
            argv = [str(ROOT / ".venv" / "bin" / "python"), "_doc_example.py"]
        typed = (b.option("stdin") or "").replace("\\n", "\n")
        outcome = run(argv, work, env, timeout_s=600, stdin=typed)
        assert outcome.code == 0, outcome.explain(b, script)
    # No documented example leaves a private key in the work tree (keys live in the key
    # directory, outside it); the README's examples write only under out/.
    keys = [p for p in work.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()[:64]]
    assert keys == [], f"{doc.name}'s examples wrote private keys into the work tree: {keys}"
    if doc.name == "README.md":
        made = [str(p.relative_to(work)) for p in _new_files(work)]
        assert [p for p in made if not p.startswith("out/")] == [], made
    return work


def _new_files(work: Path) -> list[Path]:
    known = set(tracked_files())
    return [
        p for p in work.rglob("*")
        if p.is_file() and not p.is_symlink() and ".venv" not in p.parts
        and str(p.relative_to(work)) not in known and not p.name.startswith("_bf_server_")
        and p.name != "_doc_example.py"
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("doc", RUNS_HERE, ids=[str(d.relative_to(ROOT)) for d in RUNS_HERE])
def test_the_commands_run_as_written(
    doc: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    subs: dict[str, str] = {}
    if any("{pg}" in new for b in blocks(doc) for _, new in b.substitutions()):
        # A documented PostgreSQL URL is swapped for a fresh schema on the test server.
        subs["pg"] = str(request.getfixturevalue("pg_url"))
    run_document(doc, tmp_path, ros=False, subs=subs)
