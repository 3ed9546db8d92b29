"""SimPy runtime: virtual AGVs, scenarios and KPIs around the pure orchestrator core.

    from sim.runner import Simulation
    from sim.scenario import load_scenario
    result = Simulation(load_scenario("erenhot_day")).run()

``borderflow simulate`` is the command-line front end; docs/simulation.md describes the models,
the scenario format and the outputs.
"""
