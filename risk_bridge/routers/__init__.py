"""Thin routers, one per resource; the work is in :mod:`risk_bridge.service`."""
