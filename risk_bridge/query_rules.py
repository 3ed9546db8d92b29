"""Unknown query parameters are refused (422), on every endpoint.

FastAPI ignores a query parameter an endpoint does not declare, so ``/v1/holds?status=all``
would answer the active holds as if asked for them: a caller's typo or wrong guess looks like
an answer. This dependency, installed for the whole app, compares the request's parameter names
with the ones the matched route declares (its own and its dependencies', by alias) and refuses
the others, naming them and the ones the endpoint takes. The ASGI fast path for verdicts hands
any request with a query string to the full stack, so it is refused there too."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from risk_bridge.errors import BadInput

__all__ = ["reject_unknown_query"]

# route -> the query parameter names it takes (computed once per route)
_ALLOWED: dict[int, frozenset[str]] = {}


def _names(dependant: Dependant) -> set[str]:
    names = {f.alias for f in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _names(sub)
    return names


def _allowed(route: APIRoute) -> frozenset[str]:
    key = id(route)
    names = _ALLOWED.get(key)
    if names is None:
        names = _ALLOWED[key] = frozenset(_names(route.dependant))
    return names


async def reject_unknown_query(request: Request) -> None:
    """Refuse a query parameter the matched endpoint does not declare (422)."""
    if not request.url.query:
        return
    route: Any = request.scope.get("route")
    # The API's operations only: the console's pages (not in the schema) take what a browser
    # or a bookmark adds.
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    allowed = _allowed(route)
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        takes = ", ".join(sorted(allowed)) if allowed else "none"
        raise BadInput(
            f"query: unknown parameter(s) {', '.join(unknown)} for {request.method} "
            f"{route.path}; it takes: {takes}"
        )
