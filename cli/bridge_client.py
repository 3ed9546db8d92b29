"""The command line's HTTP client of a running bridge: one request, its answer or one line
saying what went wrong and what to do (401: get a fresh token; connection refused: is `serve`
running there?). Used by ``borderflow orders`` and ``borderflow forecast``; imports nothing
of the bridge, so any bridge it can reach will do.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer

__all__ = ["DEFAULT_URL", "TOKEN_HINT", "Refused", "call", "fail"]

DEFAULT_URL = "http://127.0.0.1:8750"  # `borderflow serve`'s default address
TOKEN_HINT = "borderflow bridge token --role operator --sub NAME"


class Refused(Exception):
    """The request did not get its answer; ``code`` is the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def call(
    method: str,
    url: str,
    path: str,
    token: str | None,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    key: str | None = None,
    timeout_s: float = 15.0,
) -> tuple[int, Any]:
    """(status, JSON answer) of a request the bridge answered 2xx; :class:`Refused` else."""
    import httpx

    if not token:
        raise Refused(
            f"no token: pass --token or set BORDERFLOW_TOKEN (e.g. export "
            f"BORDERFLOW_TOKEN=$({TOKEN_HINT}))",
            2,
        )
    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    try:
        r = httpx.request(
            method, base + path, json=body, params=params, headers=headers, timeout=timeout_s
        )
    except httpx.ConnectError as exc:
        raise Refused(
            f"cannot reach the bridge at {base} ({exc}): is `borderflow serve` running on "
            f"{base}? Start it, or give its address with --url (or $BORDERFLOW_URL)",
            1,
        ) from exc
    except httpx.TimeoutException as exc:
        again = f"; retry with --idempotency-key {key} (a retry gets the first answer)"
        raise Refused(
            f"the bridge at {base} did not answer within {timeout_s:g} s{again if key else ''}",
            1,
        ) from exc
    except httpx.HTTPError as exc:
        raise Refused(f"request to {base} failed: {exc}", 1) from exc
    if r.status_code < 300:
        return r.status_code, r.json()
    raise Refused(_explain(r, base, key), 1 if r.status_code >= 500 else 2)


def _explain(r: Any, base: str, key: str | None) -> str:
    """The bridge's own message for a refusal, and what to do about it."""
    try:
        detail = str(r.json().get("detail", ""))
    except ValueError:
        detail = r.text[:300]
    code = r.status_code
    if code == 401:
        return f"the bridge refused the token (401: {detail}); get a fresh one: {TOKEN_HINT}"
    if code == 403:
        return f"not allowed (403): {detail}"
    if code == 404 and not detail:
        return f"{base} answered 404: is it a borderflow bridge?"
    if code == 429:
        return f"{detail} (429); try again in {r.headers.get('Retry-After', 'a few')} s"
    if code == 503 and key is not None:
        return f"{detail} (503); retry with --idempotency-key {key} once the bridge is ok"
    return f"{detail} ({code})"
