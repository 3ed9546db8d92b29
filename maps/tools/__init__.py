"""Generators of the bundled maps (the committed GeoJSON files are the source of truth)."""
