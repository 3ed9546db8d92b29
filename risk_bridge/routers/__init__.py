"""Thin routers, one per resource: parse, authenticate, submit to :mod:`risk_bridge.service`,
and map the outcome of a write to its status code (:func:`risk_bridge.routers.common.status_of`).
"""
