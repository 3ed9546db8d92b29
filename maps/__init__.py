"""Port maps (GeoJSON, WGS84) and the loader that turns them into the core's lane graph.

    from maps import load_map
    graph = load_map("maps/erenhot_zamyn_uud.geojson")   # or load_map("test_crossing")

The file format, the validation rules, the layout rules and the corridor spec of
``borderflow map new`` (:mod:`maps.spec`, :mod:`maps.tools.corridor`) are documented in
docs/maps.md. The projection comes from the map (see :mod:`maps.projection`).
"""

from maps.errors import MapError, MapProblem, Severity
from maps.loader import BUNDLED_MAPS, bundled_map_path, load_map, validate_map
from maps.projection import DEFAULT_CRS

__all__ = [
    "BUNDLED_MAPS",
    "DEFAULT_CRS",
    "MapError",
    "MapProblem",
    "Severity",
    "bundled_map_path",
    "load_map",
    "validate_map",
]
