"""Gazebo world generation: ``borderflow gazebo world erenhot_zamyn_uud --agvs 60`` (goal ≤ 2 s).

Timed as the command's work after the map is loaded once (the loader has its own figure, in
the maps area): the AGV spec from the bundled scenario, the world, the model, the bridge YAML
and the manifest built and written to a fresh folder. Also reported: the whole command as a
process (imports included) and SDFormat's own checker on the result (``ign sdf -k``, not part
of the goal: it is the test's check, not the user's wait).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import Figure, best_of

__all__ = ["run"]

MAP = "erenhot_zamyn_uud"
AGVS = 60


def run(quick: bool) -> list[Figure]:
    from gazebo.generate import world_files, write_files
    from gazebo.spec import AgvSpec
    from maps import load_map
    from maps.fingerprint import map_identity
    from sim.scenario import load_scenario

    graph = load_map(MAP)
    sha = map_identity(MAP).sha256
    out = Path(tempfile.mkdtemp(prefix="bench-gz-"))
    sizes: dict[str, int] = {}

    def generate() -> None:
        spec = AgvSpec.from_fleet(load_scenario("erenhot_day").fleet)
        written = write_files(out, world_files(graph, MAP, sha, spec, AGVS))
        sizes.update({p.name: p.stat().st_size for p in written})

    t = best_of(generate, repeat=3 if quick else 5)
    figures = [
        Figure("gazebo", f"generate the {MAP} world with {AGVS} AGVs", round(t, 3), "s",
               "≤ 2 s", t <= 2.0,
               f"world.sdf {sizes.get('world.sdf', 0) / 1e6:.2f} MB, bridge.yaml "
               f"{sizes.get('bridge.yaml', 0) / 1e3:.0f} kB; map already loaded"),
    ]  # fmt: skip
    cmd = [sys.executable, "-c", "from cli import main; main()", "gazebo", "world", MAP,
           "-o", str(out / "cli"), "--agvs", str(AGVS)]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    whole = time.perf_counter() - t0
    name = f"`borderflow gazebo world {MAP} --agvs {AGVS}` as a process"
    figures.append(Figure("gazebo", name, round(whole, 2), "s",
                          notes="imports and map loading included"))  # fmt: skip
    ign = shutil.which("ign")
    if ign is not None:
        t0 = time.perf_counter()
        done = subprocess.run([ign, "sdf", "-k", str(out / "world.sdf")], capture_output=True,
                              text=True, check=False)  # fmt: skip
        figures.append(Figure("gazebo", "`ign sdf -k` on that world (SDFormat 12)",
                              round(time.perf_counter() - t0, 2), "s",
                              notes="Valid" if done.returncode == 0 else "INVALID"))  # fmt: skip
    shutil.rmtree(out, ignore_errors=True)
    return figures
