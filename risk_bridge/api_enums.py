"""The API's names for the core's enums: ``Authority`` is :class:`orchestrator.lanegraph.Side`
and ``Level`` is :class:`orchestrator.messages.RiskLevel` without UNKNOWN (no client may clear
or grade a container "unknown"), so there is one list of sides and one list of levels.

They are ``Annotated`` core enums: validated values are the core's members (``Side.CN``,
``RiskLevel.HIGH``), while the OpenAPI document keeps its own component names and strings
(``Authority``: CN, MN; ``Level``: LOW, MEDIUM, HIGH) and the error messages stay those of a
plain enum ("Input should be 'LOW', 'MEDIUM' or 'HIGH'").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Annotated

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from orchestrator.lanegraph import Side
from orchestrator.messages import RiskLevel

__all__ = ["API_LEVELS", "CORE_ENUM_NAMES", "Authority", "Level"]

API_LEVELS: tuple[RiskLevel, ...] = tuple(lv for lv in RiskLevel if lv is not RiskLevel.UNKNOWN)


class ApiEnum:
    """Pydantic metadata: validate a core enum restricted to ``members``, published as ``name``."""

    def __init__(self, name: str, members: Iterable[Enum]) -> None:
        self.name = name
        self.members = tuple(members)
        quoted = [repr(m.value) for m in self.members]
        self.expected = (
            quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        )

    def __get_pydantic_core_schema__(
        self, source: type[Enum], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        inner = core_schema.enum_schema(
            source,
            list(self.members),
            sub_type="str",
            ref=f"risk_bridge.api_enums.{self.name}:{id(self)}",
            metadata={"pydantic_js_functions": [self._json_schema]},
        )
        if len(self.members) == len(source):
            return inner
        allowed = frozenset(self.members)
        expected = self.expected

        def only_members(value: Enum) -> Enum:
            # pydantic-core also accepts the enum's other members: refuse them as it refuses
            # any other string, with the same message.
            if value not in allowed:
                raise PydanticCustomError(
                    "enum", "Input should be {expected}", {"expected": expected}
                )
            return value

        return core_schema.no_info_after_validator_function(only_members, inner)

    def _json_schema(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler.resolve_ref_schema(handler(schema))
        out["title"] = self.name
        out.pop("description", None)  # the core enum's docstring is not the API's text
        return out


Authority = Annotated[Side, ApiEnum("Authority", Side)]
Level = Annotated[RiskLevel, ApiEnum("Level", API_LEVELS)]

# The core enums behind them, which the API document does not publish under their own names.
CORE_ENUM_NAMES = frozenset({Side.__name__, RiskLevel.__name__})
