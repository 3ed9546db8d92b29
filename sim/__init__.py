"""SimPy runtime: virtual AGVs, scenarios and KPIs around the pure orchestrator core."""
