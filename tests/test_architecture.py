"""The dependency rule, checked as a test as well as by import-linter in ``make test``.

The core (``orchestrator/``) must stay runnable under SimPy time, ROS time and the live server:
no runtime, web, geometry, database or ROS imports, and no wall-clock reads. The command line
(``cli/``) is the composition root above every part, so no part imports it.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "orchestrator"
FORBIDDEN = {
    "simpy",
    "rclpy",
    "fastapi",
    "pydantic",
    "pyproj",
    "shapely",
    "uvicorn",
    "starlette",
    "sqlite3",
    "psycopg",
    "matplotlib",
    "typer",
    "mcap",
    "jsonschema_rs",
    "paho",
    "sim",
    "maps",
    "risk_bridge",
    "gazebo",
    "recording",
    "vda5050",
}
# Every part below the command line, the ROS 2 package included (import-linter does not see it).
PARTS = [
    ROOT / "orchestrator",
    ROOT / "sim",
    ROOT / "maps",
    ROOT / "risk_bridge",
    ROOT / "gazebo",
    ROOT / "recording",
    ROOT / "vda5050",
    ROOT / "ros_ws" / "src" / "borderflow_ros" / "borderflow_ros",
]
WALL_CLOCK = {
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
}


def _core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_runtime_library() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(ast.parse(path.read_text())) & FORBIDDEN)
        for path in _core_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_never_reads_the_wall_clock() -> None:
    found = []
    for path in _core_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in WALL_CLOCK
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = ast.parse("import shapely\nfrom simpy import Environment\nimport time\ntime.time()\n")
    assert _imports(bad) & FORBIDDEN == {"shapely", "simpy"}


def test_no_part_imports_the_command_line() -> None:
    modules = {part: sorted(part.rglob("*.py")) for part in PARTS}
    assert [str(part.relative_to(ROOT)) for part, found in modules.items() if not found] == []
    offenders = [
        str(path.relative_to(ROOT))
        for found in modules.values()
        for path in found
        if "cli" in _imports(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_the_checker_catches_an_import_of_the_command_line() -> None:
    tree = ast.parse("from cli.ros_cmd import node_argv\nimport cli\nfrom . import client\n")
    assert _imports(tree) == {"cli"}


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "ros_ws" / "src" / "borderflow_ros")}
    result = subprocess.run(
        [str(lint)], cwd=ROOT, capture_output=True, text=True, check=False, env=env
    )
    # Every contract analysed, borderflow_ros included (a missing package would be a failure).
    assert "3 kept, 0 broken" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
