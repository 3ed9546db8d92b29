"""The customs risk bridge and control-room server, and the ``borderflow`` command line.

The bridge sits at the top of the dependency stack (it composes the core, the map loader and a
fleet runtime), which is why the command-line composition root lives here too, in ``cli/``.
"""
