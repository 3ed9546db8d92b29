"""The one state object of a run, owned by the facade and handed to the parts that need it.

:class:`World` holds what every part reads: the lane graph, the configuration, the time of the
event being handled, the vehicles and containers (:mod:`orchestrator.state`) and the order book.
Parts keep their own data themselves (the allocator its holdings, the traffic manager its lane
records, the dispatcher its round memory, the router its tables); the world is the shared part.
:class:`OrderBook` is the only writer of the orders' bookkeeping: which orders wait, oldest
first, and how many wait at each pick-up station.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, KeysView

from orchestrator.config import OrchestratorConfig
from orchestrator.ids import ContainerId, OrderId, VehicleId
from orchestrator.lanegraph import LaneGraph, StationId
from orchestrator.risk_policy import RiskStatus
from orchestrator.state import ContainerRun, VehicleRun

__all__ = ["OrderBook", "World"]


class OrderBook:
    """Orders by id, the open ones in arrival order, and open orders per pick-up station."""

    def __init__(self) -> None:
        self.container_of: dict[OrderId, ContainerId] = {}
        self._open: dict[OrderId, None] = {}  # insertion order = arrival order
        self._origins: Counter[StationId] = Counter()  # origin station -> open orders there
        # Live views, made once (read on every dispatch decision): the open orders, oldest
        # first; pick-up stations where an open order waits.
        self.open: KeysView[OrderId] = self._open.keys()
        self.busy_origins: KeysView[StationId] = self._origins.keys()

    def __getstate__(self) -> dict[str, object]:
        # The live views are rebuilt from the dicts (copies and pickles keep working).
        return {k: v for k, v in self.__dict__.items() if k not in ("open", "busy_origins")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.open = self._open.keys()
        self.busy_origins = self._origins.keys()

    def add(self, order_id: OrderId, container_id: ContainerId, origin: StationId) -> None:
        self.container_of[order_id] = container_id
        self._open[order_id] = None
        self._origins[origin] += 1

    def assigned(self, order_id: OrderId, origin: StationId) -> None:
        del self._open[order_id]
        self._origins[origin] -= 1
        if not self._origins[origin]:
            del self._origins[origin]

    def reopen(
        self, order_id: OrderId, origin: StationId, arrived_s: Callable[[OrderId], float]
    ) -> None:
        """Back among the open orders in arrival order (``arrived_s``: when each arrived)."""
        self._open[order_id] = None
        ordered = sorted(self._open, key=lambda oid: (arrived_s(oid), oid))
        self._open.clear()  # in place: the live view stays valid
        self._open.update(dict.fromkeys(ordered))
        self._origins[origin] += 1

    def snapshot(self) -> dict[str, object]:
        return {
            "orders": sorted(self.container_of.items()),
            "open": list(self._open),
            "origins": sorted(self._origins.items()),
        }


class World:
    def __init__(self, graph: LaneGraph, config: OrchestratorConfig) -> None:
        self.graph = graph
        self.config = config
        self.now_s = 0.0  # time of the event being handled (the core never reads a clock)
        self.vehicles: dict[VehicleId, VehicleRun] = {}
        self.containers: dict[ContainerId, ContainerRun] = {}
        self.orders = OrderBook()
        # Verdicts (and HIGH causes) that came before the container's order.
        self.early_verdicts: dict[ContainerId, RiskStatus] = {}
        self.early_causes: dict[ContainerId, str] = {}
