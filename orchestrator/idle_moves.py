"""Idle vehicles between jobs: charging, topping up, and making room in slots and chargers.

A vehicle low on energy goes to the nearest charger; one with nothing to do tops up if a charger
on its side is free, or moves out of a yard slot, charger or buffer place others need (to a
depot place, its own depot spot, or circulating on its side when every place is taken).
"""

from __future__ import annotations

from collections.abc import Collection

from orchestrator.delivery_slots import DeliverySlots
from orchestrator.dispatcher import needs_charge
from orchestrator.lanegraph import NodeId, Side, Station, StationRole
from orchestrator.messages import Command
from orchestrator.state import Purpose, VehicleRun
from orchestrator.traffic.resources import station_resource

__all__ = ["IdleMoves"]


class IdleMoves(DeliverySlots):
    def charger_len(self, node: NodeId) -> float:
        """Metres from ``node`` to the nearest open charger (0 if the map has none)."""
        version, cache = self._charger_len
        if version != self.router.version:
            cache = {}
            self._charger_len = (self.router.version, cache)
        if node not in cache:
            chargers = [
                st for st in self.graph.stations_with(StationRole.CHARGER) if self.station_open(st)
            ]
            if not chargers:
                cache[node] = 0.0
            else:
                self.router.prepare("length", [st.node for st in chargers])
                cache[node] = min(self.router.cost("length", node, st.node) for st in chargers)
        return cache[node]

    def send_to_charger(self, v: VehicleRun, out: list[Command], side: Side | None) -> bool:
        chargers = [st for st in self.graph.stations_with(StationRole.CHARGER, side)]
        here = self.graph.stations.get(v.station or "")
        if here is not None and here.role is StationRole.CHARGER:
            sid: str | None = here.id
        else:
            sid = self.reserve_nearest(v, v.node, chargers, "time")
        if sid is None:
            return False
        v.purpose = Purpose.CHARGE
        v.target_station = sid
        v.target_node = self.graph.stations[sid].node
        self.go(v, out)
        return True

    def _full_kwh(self) -> float:
        return self.config.charge_to_fraction * self.config.battery_capacity_kwh * 0.99

    def _top_up(self, v: VehicleRun, here: Station | None) -> bool:
        """With no work waiting, an idle vehicle below the top-up level charges if a charger on
        its side is free.

        Idle time is the cheapest time to charge: topping up between jobs keeps the fleet
        out of the low-battery zone in the busy hours (no queueing for a charger here).
        """
        cfg = self.config
        if (
            self.open_orders
            or v.battery_kwh >= cfg.top_up_below_fraction * cfg.battery_capacity_kwh
        ):
            return False  # work is waiting: it charges only when it must
        side = here.side if here is not None else self.graph.nodes[v.node].side
        return any(
            self.alloc.has_room(station_resource(st.id)) and self.station_open(st)
            for st in self.stations_by.get((StationRole.CHARGER, side), [])
        )

    def relocate(
        self,
        v: VehicleRun,
        side: Side,
        busy: Collection[str],
        out: list[Command],
        *,
        to_charger: bool = True,
    ) -> None:
        """Move an idle vehicle out of a yard slot, charger or buffer place others need.

        To a charger (if asked), the nearest depot parking place on its side, its own depot
        spot, a buffer place, or a free slot on the other side; with none free it
        circulates on its side's ring, but idle circulators never hold more than half the
        admission tokens, so loaded vehicles always find one.
        """
        if to_charger and self.send_to_charger(v, out, None):
            return
        sid = self.depot_place(v, side)
        if sid is None and v.depot is not None and self.to_depot(v):
            self.log(
                "vehicle.relocated",
                v.id,
                f"idle vehicle {v.id} makes room: returns to its depot {v.depot}",
                vehicle_id=v.id,
                station="",
            )
            self.go(v, out)
            return
        sid = sid or self.parking_place(v, side, busy)
        if sid is None:
            circulating = sum(
                1
                for w in self.vehicles.values()
                if w.purpose is Purpose.CIRCULATE and w.container_id is None
            )
            if (circulating + 1) * 2 <= self.traffic.admission_limit and not needs_charge(
                v.battery_kwh, self.config
            ):
                point = self.next_waypoint(v, side)
                if point is not None:
                    self.log(
                        "vehicle.relocated",
                        v.id,
                        f"idle vehicle {v.id} makes room: circulates on the "
                        f"{side.value} side until a place frees",
                        vehicle_id=v.id,
                        station="",
                    )
                    v.purpose = Purpose.CIRCULATE
                    v.target_station = None
                    v.target_node = point
                    self.go(v, out)
            return
        self.log(
            "vehicle.relocated",
            v.id,
            f"idle vehicle {v.id} makes room: parks at {sid}",
            vehicle_id=v.id,
            station=sid,
        )
        v.purpose = Purpose.PARK
        v.target_station = sid
        v.target_node = self.graph.stations[sid].node
        self.go(v, out)
