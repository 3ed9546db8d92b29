"""The customs risk bridge and control-room server (FastAPI): customs systems' verdicts,
warnings and releases in, the fleet's holds, crossings and alerts out.

Start at :mod:`risk_bridge.app` (the composition root), :mod:`risk_bridge.service` (the
wiring), :mod:`risk_bridge.threads` (which thread runs what) and
:mod:`risk_bridge.fleet_port` (what the bridge needs of a fleet). The ``borderflow`` command
line is the top-level ``cli`` package.
"""
