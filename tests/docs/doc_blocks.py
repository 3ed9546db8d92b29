"""The fenced blocks of README.md and docs/*.md, and how each one is checked.

Every fenced block carries a marker on the line before it, so a new example cannot slip in
unchecked (``test_every_block_is_marked``):

- ``<!-- run: sh [ros] [port=8750] [subst=OLD=>NEW] -->``: run with bash ``-euo pipefail``, in
  the document's work folder; ``borderflow serve`` and ``borderflow ros up`` lines are started in
  the background (``serve`` waited on until it answers ``/healthz``) and stopped with Ctrl-C's
  SIGINT when the block ends. ``port=`` is replaced by a free port, ``subst=`` replaces a
  documented placeholder (a production path, a database host) with the test's own; in NEW,
  ``{pg}`` is a fresh schema on the test PostgreSQL server, ``{domain}`` the DDS domain.
  ``ros``: needs the ROS 2 environment (the tests' own DDS domain replaces ``--domain-id N``).
  ``stdin=TEXT``: what a person would type at its prompts (``\\n`` for Enter).
- ``<!-- run: python [subst=...] -->``: the block as a script, run by the venv's Python.
- ``<!-- run: file NAME -->``: saved as NAME in the work folder before any block runs (a spec or
  scenario a later command reads).
- ``<!-- run: json [model=module:Class] -->``: parsed; with ``model=`` validated by that
  pydantic model. ``<!-- run: json-feature -->``: a map feature, checked by the map schema.
- ``<!-- run: toml [scenario] [example-of=COMMAND] -->``: parsed; ``example-of``: COMMAND
  prints exactly this block; ``scenario``: merged into a bundled scenario and
  loaded by the scenario reader, so every key it shows is a real one.
- ``<!-- recipe: NAME -->``: docs/bridge.md's integrator recipes (tests/docs/test_bridge_recipes).
- ``<!-- not-run: WHY -->``: not a command or not runnable here (a diagram, a synopsis with
  placeholders); the reason is required.

A document's blocks run in order in one fresh folder holding a copy of the repository's tracked
files (what a clone has), with HOME, the bridge state directory and the ledger key directory in
the test's temporary folder.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import signal
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(\s*)```([\w-]*)\s*$")
_MARK = re.compile(r"^<!--\s*(run|not-run|recipe):\s*(.*?)\s*-->\s*$")
MODES = {"sh", "python", "file", "json", "json-feature", "toml"}


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    kind: str  # run | not-run | recipe | "" (no marker)
    args: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"

    @property
    def mode(self) -> str:
        return self.args[0] if self.kind == "run" and self.args else ""

    def option(self, name: str) -> str | None:
        for a in self.args[1:]:
            if a == name:
                return ""
            if a.startswith(name + "="):
                return a[len(name) + 1 :]
        return None

    def substitutions(self) -> list[tuple[str, str]]:
        return [tuple(a[6:].split("=>", 1)) for a in self.args if a.startswith("subst=")]  # type: ignore[misc]


def blocks(doc: Path) -> list[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, indent = i, m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        prev = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        mark = _MARK.match(prev.strip())
        kind, args = ("", ()) if not mark else (mark.group(1), tuple(shlex.split(mark.group(2))))
        body = [x[len(indent) :] if x.startswith(indent) else x for x in lines[start + 1 : j]]
        out.append(Block(doc, start + 1, m.group(2), kind, args, "\n".join(body) + "\n"))
        i = j + 1
    return out


def problems_of_marker(b: Block) -> str | None:
    if b.kind == "":
        return f"{b.where}: a fenced block without <!-- run: ... --> or <!-- not-run: why -->"
    if b.kind == "not-run" and not b.args:
        return f"{b.where}: <!-- not-run: --> needs a reason"
    if b.kind == "run" and b.mode not in MODES:
        return f"{b.where}: unknown mode {b.mode!r} (one of {sorted(MODES)})"
    if b.kind == "run" and b.mode == "file" and len(b.args) < 2:
        return f"{b.where}: <!-- run: file NAME -->"
    return None


# ------------------------------------------------------------------ the work folder


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
    return [os.fsdecode(n) for n in out.stdout.split(b"\0") if n]


def fresh_clone(into: Path) -> Path:
    """A folder with the repository's tracked files, as a clone has them (no .venv, no out/)."""
    work = into / "clone"
    for name in tracked_files():
        src = ROOT / name
        if not src.is_file():  # deleted in the work tree, not yet committed
            continue
        dst = work / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
    (work / ".venv").symlink_to(ROOT / ".venv")  # `make setup`'s result: the same venv
    return work


def environment(tmp: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "home" / ".config"),
        "BORDERFLOW_STATE_DIR": str(tmp / "state"),
        "BORDERFLOW_LEDGER_KEY_DIR": str(tmp / "home" / "keys"),
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }
    env.pop("BORDERFLOW_LEDGER_KEY", None)
    env.update(extra or {})
    return env


# ------------------------------------------------------------------ running


_PRELUDE = r"""
_bf_pids=()
_bf_stop() {
  local p
  for p in "${_bf_pids[@]}"; do kill -INT -- "-$p" 2>/dev/null || true; done
  for p in "${_bf_pids[@]}"; do
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
}
trap _bf_stop EXIT
_bf_bg() {  # a long-running documented command: in the background, its output in a log
  local log="_bf_server_${#_bf_pids[@]}.log"
  setsid "$@" >"$log" 2>&1 &
  _bf_pids+=("$!")
}
_bf_wait_http() {  # until the newest background server answers /healthz
  local pid="${_bf_pids[-1]}"
  for _ in $(seq 900); do
    curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the documented server exited before answering on port $1:" >&2
      cat "_bf_server_$(( ${#_bf_pids[@]} - 1 )).log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "the documented server did not answer on port $1 in 90 s" >&2; return 1
}
"""

_SERVER = re.compile(r"^(borderflow (serve|ros up)\b[^#]*?)\s*(#.*)?$")
_PORT = re.compile(r"--port[ =](\d+)")


def shell_script(text: str) -> str:
    """``text`` with its long-running lines started in the background (see the module doc)."""
    out = [_PRELUDE]
    for line in text.splitlines():
        m = _SERVER.match(line.strip())
        if not m:
            out.append(line)
            continue
        cmd = m.group(1).rstrip("& ")
        out.append(f"_bf_bg {cmd}")
        if m.group(2) == "serve":
            port = _PORT.search(cmd)
            out.append(f"_bf_wait_http {port.group(1) if port else '8750'}")
    return "\n".join(out) + "\n"


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    logs: dict[str, str] = field(default_factory=dict)

    def explain(self, b: Block, script: str) -> str:
        logs = "".join(f"\n--- {k}\n{v[-4000:]}" for k, v in self.logs.items())
        return (
            f"{b.where} failed (exit {self.code}) as written:\n{b.text}\n--- stdout\n"
            f"{self.out[-6000:]}\n--- stderr\n{self.err[-6000:]}{logs}"
        )


def run(
    argv: list[str], work: Path, env: dict[str, str], timeout_s: float, stdin: str = ""
) -> Outcome:
    proc = subprocess.Popen(
        argv, cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        err += f"\n[still running after {timeout_s:g} s: stopped]"
        return Outcome(124, out, err, _logs(work))
    return Outcome(proc.returncode, out, err, _logs(work))


def _logs(work: Path) -> dict[str, str]:
    return {p.name: p.read_text(errors="replace") for p in sorted(work.glob("_bf_server_*.log"))}


def substituted(b: Block, text: str, subs: dict[str, str]) -> str:
    for old, template in b.substitutions():
        new = template
        for k, v in subs.items():
            new = new.replace("{" + k + "}", v)
        text = text.replace(old, new)
    return text


def check_data(b: Block) -> None:
    """A json/toml block: parsed, and validated as far as its marker says."""
    if b.mode == "json":
        doc = json.loads(b.text)
        if (model := b.option("model")) is not None:
            module, _, name = model.partition(":")
            cls = getattr(importlib.import_module(module), name)
            cls.model_validate(doc)
    elif b.mode == "json-feature":
        from maps.schema import parse_map

        feature = json.loads(b.text)
        problems: list[object] = []
        parse_map({"type": "FeatureCollection", "properties": {}, "features": [feature]},
                  problems)  # type: ignore[arg-type]  # fmt: skip
        found = [p for p in problems if getattr(p, "feature_id", None) == feature["id"]]
        assert not found, f"{b.where}: {found}"
    elif b.mode == "toml":
        data = tomllib.loads(b.text)
        assert data, f"{b.where}: an empty TOML block"
        if (command := b.option("example-of")) is not None:
            # The doc says the command prints this block: it does, to the byte.
            printed = subprocess.run(
                ["bash", "-c", command], env=environment(Path("/nonexistent")), cwd=ROOT,
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            assert printed == b.text, f"{b.where}: `{command}` prints something else"
        if (base := b.option("scenario")) is not None:
            # Merged into a bundled scenario (its tables updated, its arrays of tables
            # extended) and read as the simulator reads a file: every key shown is a real one.
            from sim.scenario import resolve_scenario_path
            from sim.scenario_reader import ScenarioReader

            path = resolve_scenario_path(base or "erenhot_day")
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            for key, value in data.items():
                if isinstance(value, dict) and isinstance(raw.get(key), dict):
                    raw[key] = {**raw[key], **value}
                elif isinstance(value, list) and isinstance(raw.get(key), list):
                    raw[key] = [*raw[key], *value]
                else:
                    raw[key] = value
            ScenarioReader(f"{b.where} merged into {path.name}").scenario(raw)
