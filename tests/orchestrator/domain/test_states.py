from __future__ import annotations

import pytest

from orchestrator.domain.states import (
    CONTAINER_TRANSITIONS,
    VEHICLE_TRANSITIONS,
    ContainerState,
    VehicleState,
    advance,
)
from orchestrator.errors import IllegalTransitionError


def test_legal_transition_returns_new_state() -> None:
    new = advance(CONTAINER_TRANSITIONS, ContainerState.WAITING, ContainerState.ASSIGNED, "c")
    assert new is ContainerState.ASSIGNED


def test_illegal_transition_names_subject_and_allowed_states() -> None:
    with pytest.raises(IllegalTransitionError, match=r"container X: cannot go from DELIVERED"):
        advance(CONTAINER_TRANSITIONS, ContainerState.DELIVERED, ContainerState.HELD, "container X")
    with pytest.raises(IllegalTransitionError, match="allowed: IDLE"):
        advance(VEHICLE_TRANSITIONS, VehicleState.UNLOADING, VehicleState.LOADING, "vehicle v")


def test_every_state_has_a_table_row() -> None:
    assert set(VEHICLE_TRANSITIONS) == set(VehicleState)
    assert set(CONTAINER_TRANSITIONS) == set(ContainerState)
