"""The ``transport_container`` action of the orchestrator node: a goal per transport order.

Owns the open goals: each becomes an ``OrderArrived`` for the core (through the node's ``feed``),
gets feedback on every core step that may have moved it (order state, container state, carrier,
progress) and succeeds when the core reports the order delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from borderflow_interfaces.action import TransportContainer
from borderflow_interfaces.msg import TransportOrder
from rclpy.task import Future

from borderflow_ros.convert import order_from_msg
from borderflow_ros.errors import BorderflowRosError
from orchestrator.domain.states import OrderState
from orchestrator.messages import Event
from orchestrator.views import Views

__all__ = ["TransportGoals"]

_PROGRESS = {OrderState.OPEN: 0.0, OrderState.ASSIGNED: 0.1, OrderState.PICKED_UP: 0.5,
             OrderState.DELIVERED: 1.0}  # fmt: skip


class TransportGoals:
    def __init__(
        self, views: Views, feed: Callable[[Event], str], now_s: Callable[[], float]
    ) -> None:
        self._views = views
        self._feed = feed
        self._now_s = now_s
        self._open: dict[str, tuple[Any, Future[Any], float]] = {}

    def __bool__(self) -> bool:
        return bool(self._open)

    async def execute(self, goal_handle: Any) -> Any:
        g = goal_handle.request
        result = TransportContainer.Result()
        try:
            event = order_from_msg(_order_msg(g), self._now_s())
        except BorderflowRosError as exc:
            goal_handle.abort()
            result.message = str(exc)
            return result
        problem = self._feed(event)
        if problem:
            goal_handle.abort()
            result.message = problem
            return result
        done: Future[Any] = Future()
        self._open[g.order_id] = (goal_handle, done, self._now_s())
        self.update()
        await done
        goal_handle.succeed()
        return done.result()

    def update(self) -> None:
        """Feedback for every open goal; the delivered ones succeed."""
        for order_id in sorted(self._open):
            handle, done, t0 = self._open[order_id]
            views = self._views
            state = views.order_state(order_id)
            cid = views.order_container(order_id)
            fb = TransportContainer.Feedback()
            fb.state = state.value
            fb.container_state = views.container_state(cid).value
            fb.vehicle_id = views.carrier(cid) or ""
            fb.progress = _PROGRESS[state]
            handle.publish_feedback(fb)
            if state is OrderState.DELIVERED and not done.done():
                result = TransportContainer.Result()
                result.delivered, result.final_state = True, state.value
                result.duration_s = self._now_s() - t0
                result.message = f"{cid} delivered"
                del self._open[order_id]
                done.set_result(result)


def _order_msg(goal: Any) -> TransportOrder:
    msg = TransportOrder()
    msg.order_id, msg.container_id, msg.direction = goal.order_id, goal.container_id, goal.direction
    msg.origin_station, msg.seal_numbers = goal.origin_station, list(goal.seal_numbers)
    return msg
