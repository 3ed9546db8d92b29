"""A transport order as the API shows it: the order as submitted, and its status now.

The status comes from what the bridge recorded (refused, delivered) and otherwise from the
fleet's view of the container (``FleetPort.container_view``), so it reads the same whatever
the fleet: the SimPy fleet's core knows every state; the ROS fleet knows what its notices and
the vehicles' state topics say (a container on a vehicle, held, crossed, delivered), so an
order it carries reads ``open`` until the container is loaded (its ``assigned`` is not seen).

=============  ===============================================================
``open``       accepted; waiting in its yard slot (or not handed to the fleet yet)
``assigned``   a vehicle is on its way to pick it up
``picked_up``  on a vehicle: driving, scanned, held or across the line
``delivered``  set down at its destination
``refused``    the fleet refused the order (``refusal`` says why); final
=============  ===============================================================

An order is read from the fleet's view once the fleet took it (a container has one order but
refused ones, so the view is this order's).
"""

from __future__ import annotations

from typing import Any, Literal

from orchestrator.lanegraph import StationId
from risk_bridge.domain import OrderRecord
from risk_bridge.fleet_port import FleetPort

__all__ = ["ORDER_STATUSES", "OrderStatus", "describe"]

OrderStatus = Literal["open", "assigned", "picked_up", "delivered", "refused"]
ORDER_STATUSES: tuple[OrderStatus, ...] = ("open", "assigned", "picked_up", "delivered", "refused")

# The core's ContainerState values -> the order's status.
_OF_STATE: dict[str, OrderStatus] = {
    "waiting": "open",
    "assigned": "assigned",
    "on_vehicle": "picked_up",
    "scanning": "picked_up",
    "held": "picked_up",
    "delivered": "delivered",
}


def describe(fleet: FleetPort | None, r: OrderRecord) -> dict[str, Any]:
    """The order's JSON (``OrderPublic``); ``fleet`` None: as recorded, without the fleet."""
    status: OrderStatus = "open"
    vehicle: str | None = None
    node: str | None = None
    crossed = held = False
    if r.refusal is not None:
        status = "refused"
    elif r.delivered_at is not None:
        status, vehicle, crossed = "delivered", r.delivered_by, True
        node = _station_node(fleet, r.delivery_station)
    elif (
        r.sent_at is not None
        and fleet is not None
        and (view := fleet.container_view(r.container_id)) is not None
    ):
        if view.state is not None:
            status = _OF_STATE.get(view.state, "picked_up")
        elif view.vehicle_id is not None or view.crossed or view.held:
            status = "picked_up"  # a fleet that knows no state (ROS): on its way, at least
        vehicle, node, crossed, held = view.vehicle_id, view.node, view.crossed, view.held
    if status in ("open", "assigned"):
        node = _station_node(fleet, r.origin_station)
    return {
        "order_id": r.order_id,
        "seq": r.seq,
        "container_id": r.container_id,
        "direction": r.direction,
        "origin_station": r.origin_station,
        "seal_numbers": list(r.seals),
        "order_id_generated": r.generated,
        "accepted_at": r.accepted_at,
        "accepted_by": r.actor,
        "status": status,
        "vehicle_id": vehicle,
        "node": node,
        "crossed": crossed,
        "held": held,
        "sent_to_fleet_at": r.sent_at,
        "delivered_at": r.delivered_at,
        "delivery_station": r.delivery_station,
        "refused_at": r.refused_at,
        "refusal": r.refusal,
    }


def _station_node(fleet: FleetPort | None, station: str | None) -> str | None:
    if fleet is None or station is None:
        return None
    st = fleet.graph.stations.get(StationId(station))
    return None if st is None else str(st.node)
