"""Look-ahead forecasts from a live run: fork it, change its future, play it ahead.

``fork`` runs one copy of the live simulation per seed and scenario in a forked child
process (the copy starts from the live run's exact state: vehicles mid-lane, customs timers,
the core); ``child`` is what a copy does (cut itself off, draw the arrivals to come, apply
the what-if, sample the KPIs); ``series`` turns the copies' samples into KPIs over time with
bands across seeds; :func:`sim.forecast.run.forecast` puts them together.
"""
