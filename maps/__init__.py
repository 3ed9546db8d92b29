"""Port maps (GeoJSON, WGS84) and the loader that turns them into the core's lane graph."""
