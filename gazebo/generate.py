"""Everything a Gazebo run of a crossing needs, as files: the composition of this package.

:func:`world_files` is pure (graph in, ``{relative path: text}`` out); :func:`write_files`
writes them, each through a temporary file renamed into place, so a folder never holds a
half-written world. Output::

    world.sdf                          the world, AGVs inline (gazebo.world)
    models/borderflow_agv/model.sdf    the AGV on its own (gazebo.agv_model)
    models/borderflow_agv/model.config
    bridge.yaml                        ros_gz_bridge entries (gazebo.bridge_config)
    manifest.json                      map id and sha256, AGV ids, spawn poses, the AGV spec
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from gazebo.agv_model import MODEL_NAME, model_config, model_sdf
from gazebo.bridge_config import bridge_yaml
from gazebo.frame import map_origin
from gazebo.spawn import spawn_poses
from gazebo.spec import AgvSpec
from gazebo.world import world_sdf
from orchestrator.lanegraph import LaneGraph

__all__ = ["MANIFEST", "world_files", "write_files"]

MANIFEST = "manifest.json"


def world_files(
    graph: LaneGraph, map_id: str, map_sha256: str, spec: AgvSpec, agvs: int
) -> dict[str, str]:
    """The files' texts; raises :class:`gazebo.spawn.SpawnError` when the fleet does not fit."""
    poses = spawn_poses(graph, spec, agvs)
    ids = [p.vehicle_id for p in poses]
    ox, oy = map_origin(graph)
    manifest = {
        "generator": "borderflow gazebo world",
        "map_id": map_id,
        "map_sha256": map_sha256,
        "map_name": graph.name,
        "crs": graph.crs,
        "frame": "map",
        "map_origin_m": [round(ox, 3), round(oy, 3)],
        "agvs": ids,
        "spawn": [p.as_dict() for p in poses],
        "agv_spec": asdict(spec),
        "diff_drive": spec.diff_drive_params(),
        "files": [
            "world.sdf",
            f"models/{MODEL_NAME}/model.sdf",
            f"models/{MODEL_NAME}/model.config",
            "bridge.yaml",
        ],
    }
    return {
        "world.sdf": world_sdf(graph, map_id, spec, poses),
        f"models/{MODEL_NAME}/model.sdf": model_sdf(spec),
        f"models/{MODEL_NAME}/model.config": model_config(spec),
        "bridge.yaml": bridge_yaml(ids, map_id),
        MANIFEST: json.dumps(manifest, indent=2) + "\n",
    }


def write_files(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write each file under ``out_dir`` (folders made); raises OSError naming the path."""
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(path)
    return written
