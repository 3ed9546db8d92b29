"""VDA 5050 (2.1 and 3.0): what borderflow says to industrial AGVs and reads from them.

Pure protocol parts, no MQTT and no clock: :mod:`vda5050.versions` (versions, topics),
:mod:`vda5050.validate` (the official JSON schemas, vendored in ``schemas/``),
:mod:`vda5050.orders` (the core's commands as orders and instant actions, one vehicle's
order state), :mod:`vda5050.states` (a vehicle's state messages as the core's events, hostile
input refused with the reason). The MQTT fleet and the vehicle simulator build on these.
"""
