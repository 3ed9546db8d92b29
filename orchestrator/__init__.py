"""borderflow's core: dispatcher, router, traffic manager and risk policy.

Pure by rule (checked by import-linter in ``make test``): standard library, networkx and scipy
only; no SimPy, ROS, web, geometry or database libraries, no I/O and no wall clock. Runtimes pass
in a clock and the vehicle / ledger / event ports, feed events and execute the returned commands.
"""
