"""Scripted customs events of a scenario: ``[[verdicts]]``, ``[[warnings]]`` and closures that
fire at a time or when a container gets somewhere.

A late-verdict or re-assessment study is a TOML file: each entry names what happens (a verdict
for one container, a warning that raises the level of every container of a direction not yet
across, a lane or zone closure) and when — ``at_h`` hours into the run, or when a container
(``container = "<ISO 6346 number>"`` or ``order = <n>``, the n-th arrival of the run) reaches a
``node`` of the map or comes within ``within_m`` metres of the border line. Each fires once.
This module owns the types and the reading of those tables (every error names the entry and key);
:mod:`sim.triggers` fires them during the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, RiskLevel

if TYPE_CHECKING:
    from sim.scenario_reader import ScenarioReader

__all__ = [
    "ScriptedClosure",
    "ScriptedEvents",
    "ScriptedVerdict",
    "ScriptedWarning",
    "Trigger",
    "read_scripted",
]


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a scripted event fires: at ``at_s``, or when ``container`` reaches ``node`` or comes
    within ``within_m`` of the line (exactly one of the three)."""

    at_s: float | None = None
    container: str | None = None  # as written: an ISO 6346 number or an order id "O000012"
    node: str | None = None
    within_m: float | None = None

    def describe(self) -> str:
        if self.at_s is not None:
            return f"at {self.at_s / 3600.0:g} h"
        if self.node is not None:
            return f"when {self.container} reaches {self.node}"
        return f"when {self.container} comes within {self.within_m:g} m of the border line"


@dataclass(frozen=True, slots=True)
class ScriptedVerdict:
    key: str  # "verdicts[0]", for messages
    trigger: Trigger
    container: str  # as written (resolved against the run's arrivals at the start)
    level: RiskLevel
    authority: Side | None  # None: the customs of the container's origin side
    reason: str


@dataclass(frozen=True, slots=True)
class ScriptedWarning:
    """A warning that raises every matching container not yet committed to the crossing."""

    key: str
    trigger: Trigger
    level: RiskLevel
    authority: Side
    direction: Direction | None  # None: both directions
    reason: str


@dataclass(frozen=True, slots=True)
class ScriptedClosure:
    key: str
    trigger: Trigger
    target: str  # lane feature id, or zone id when ``is_zone``
    is_zone: bool
    for_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class ScriptedEvents:
    verdicts: tuple[ScriptedVerdict, ...] = ()
    warnings: tuple[ScriptedWarning, ...] = ()
    closures: tuple[ScriptedClosure, ...] = ()  # closures with a container trigger

    def __bool__(self) -> bool:
        return bool(self.verdicts or self.warnings or self.closures)


_TRIGGER_KEYS = {"at_h", "container", "order", "node", "within_m"}
_VERDICT_KEYS = _TRIGGER_KEYS | {"level", "authority", "reason"}
_WARNING_KEYS = _TRIGGER_KEYS | {"kind", "level", "authority", "direction", "reason"}
CLOSURE_TRIGGER_KEYS = _TRIGGER_KEYS - {"at_h"} | {"for_min"}
_LEVELS = ", ".join(lv.value for lv in RiskLevel if lv is not RiskLevel.UNKNOWN)


def read_scripted(r: ScenarioReader, raw: Mapping[str, Any]) -> ScriptedEvents:
    """The ``[[verdicts]]`` and ``[[warnings]]`` tables (closures with a container trigger are
    read by :func:`read_triggered_closure`, called from the closure reader)."""
    verdicts = []
    for i, t in enumerate(_tables(r, raw, "verdicts")):
        key = f"verdicts[{i}]"
        r.known(t, key, _VERDICT_KEYS)
        trigger = _trigger(r, t, key, need_container=True)
        assert trigger.container is not None
        authority = _side(r, t, f"{key}.authority") if "authority" in t else None
        reason = r.text(t, f"{key}.reason", "reason", "scripted verdict")
        verdicts.append(
            ScriptedVerdict(key, trigger, trigger.container, _level(r, t, key), authority, reason)
        )
    warnings = []
    for i, t in enumerate(_tables(r, raw, "warnings")):
        key = f"warnings[{i}]"
        r.known(t, key, _WARNING_KEYS)
        kind = r.text(t, f"{key}.kind", "kind", "raise_level")
        if kind != "raise_level":
            raise r.fail(
                f"{key}.kind",
                f"{kind!r}: a scenario warning raises levels (kind = 'raise_level'); close a lane "
                "or zone with a [[closures]] entry",
            )
        if "authority" not in t:
            raise r.fail(f"{key}.authority", "missing; give the issuing customs, 'CN' or 'MN'")
        direction = None
        if "direction" in t:
            text = r.text(t, f"{key}.direction", "direction")
            legal = {d.value: d for d in Direction}
            if text not in legal:
                raise r.fail(f"{key}.direction", f"{text!r} is not one of {', '.join(legal)}")
            direction = legal[text]
        warnings.append(
            ScriptedWarning(
                key,
                _trigger(r, t, key, need_container=False),
                _level(r, t, key),
                _side(r, t, f"{key}.authority"),
                direction,
                r.text(t, f"{key}.reason", "reason", "scripted warning"),
            )
        )
    return ScriptedEvents(tuple(verdicts), tuple(warnings))


def read_triggered_closure(
    r: ScenarioReader, c: Mapping[str, Any], key: str, target: str, is_zone: bool
) -> ScriptedClosure:
    """A closure that starts when a container gets somewhere and lasts ``for_min``."""
    trigger = _trigger(r, c, key, need_container=True)
    for_min = r.number(c, key, "for_min", lo=0.0, lo_open=True)
    reason = r.text(c, f"{key}.reason", "reason", "scripted closure")
    return ScriptedClosure(key, trigger, target, is_zone, for_min * 60.0, reason)


def _tables(r: ScenarioReader, raw: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise r.fail(name, f"must be an array of tables [[{name}]]")
    return value


def _trigger(r: ScenarioReader, t: Mapping[str, Any], key: str, need_container: bool) -> Trigger:
    if "container" in t and "order" in t:
        raise r.fail(key, "give container = '<ISO 6346 number>' or order = <n>, not both")
    container: str | None = None
    if "container" in t:
        container = r.text(t, f"{key}.container", "container").strip().upper()
    elif "order" in t:
        n = r.integer(t, key, "order", lo=1)
        container = f"O{n:06d}"
    whens = [k for k in ("at_h", "node", "within_m") if k in t]
    if len(whens) != 1:
        raise r.fail(
            key,
            "say when it fires with exactly one of at_h = <hours>, node = '<node id>' (when the "
            "container reaches it) or within_m = <metres> (when it comes that close to the line)",
        )
    when = whens[0]
    if when != "at_h" and container is None:
        raise r.fail(key, f"{when} needs the container it watches: container = ... or order = n")
    if need_container and container is None:
        raise r.fail(key, "name the container: container = '<ISO 6346 number>' or order = <n>")
    if when == "at_h":
        return Trigger(at_s=r.number(t, key, "at_h", lo=0.0) * 3600.0, container=container)
    if when == "node":
        return Trigger(container=container, node=r.text(t, f"{key}.node", "node"))
    return Trigger(container=container, within_m=r.number(t, key, "within_m", lo=0.0))


def _level(r: ScenarioReader, t: Mapping[str, Any], key: str) -> RiskLevel:
    text = r.text(t, f"{key}.level", "level").upper()
    try:
        level = RiskLevel(text)
    except ValueError:
        raise r.fail(f"{key}.level", f"{text!r} is not one of {_LEVELS}") from None
    if level is RiskLevel.UNKNOWN:
        raise r.fail(f"{key}.level", f"give a verdict: one of {_LEVELS}")
    return level


def _side(r: ScenarioReader, t: Mapping[str, Any], key: str) -> Side:
    text = r.text(t, key, key.rsplit(".", 1)[-1]).upper()
    try:
        return Side(text)
    except ValueError:
        raise r.fail(key, f"{text!r} is not one of CN, MN") from None
