"""Which map is this: its id and the SHA-256 of its canonical content.

Two processes that must run on the same map (the ROS orchestrator node and the customs bridge,
``borderflow serve --fleet ros``) compare these instead of trusting that their defaults agree.
The id is the bundled map's name, or the file's name without ``.geojson``; the hash is over the
GeoJSON document as canonical JSON (keys sorted, no whitespace, UTF-8), so re-indenting or
reordering keys keeps it, while any changed coordinate, property or feature changes it: an
edited copy of a bundled map under the same name is told apart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maps.loader import BUNDLED_MAPS, MapSource

__all__ = ["MapIdentity", "map_identity", "map_sha256"]


@dataclass(frozen=True, slots=True)
class MapIdentity:
    map_id: str  # bundled name, or the file's stem
    sha256: str  # 64 hex digits over the canonical content
    source: str  # the file it was read from ("<dict>" for a document passed in)

    @property
    def short(self) -> str:
        """The first 12 hex digits, for messages."""
        return self.sha256[:12]


def map_sha256(doc: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a GeoJSON document's canonical JSON."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def map_identity(source: MapSource) -> MapIdentity:
    """The id and content hash of a bundled map name, a GeoJSON path or a parsed document.

    Reads the file as :func:`maps.load_map` does (a path that exists wins over a bundled name);
    raises ValueError naming the file when it cannot be read or is not JSON."""
    if isinstance(source, Mapping):
        return MapIdentity("<dict>", map_sha256(source), "<dict>")
    path = Path(source)
    if not path.exists() and str(source) in BUNDLED_MAPS:
        path = BUNDLED_MAPS[str(source)]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read map {source}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"map {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"map {path} is not a GeoJSON object")
    bundled = {p.resolve(): name for name, p in BUNDLED_MAPS.items()}
    map_id = bundled.get(path.resolve(), path.name.removesuffix(".geojson"))
    return MapIdentity(map_id, map_sha256(doc), str(path))
