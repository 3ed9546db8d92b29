"""Scenario sweeps: many runs of one scenario over a design of parameters and seeds.

``spec`` reads the study's TOML, ``params`` applies one point to a scenario, ``runs`` is one
run (task, key, worker function), ``engine`` runs tasks here / in a pool / on Dask, ``store``
keeps finished runs and writes the tables, ``stats`` and ``report`` turn them into an answer.
"""
