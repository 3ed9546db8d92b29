"""``borderflow orders``: submit, list and show transport orders on a running bridge, over HTTP.

A thin client of ``POST /v1/orders``, ``GET /v1/orders`` and ``GET /v1/orders/{id}`` (see
docs/bridge.md, "Transport orders"): it sends what the options say, prints the answer as a table
(or the JSON with ``--json``), and turns a refusal into one line saying what to do. It imports
nothing of the bridge: any bridge it can reach will do.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any

import typer

from cli.bridge_client import DEFAULT_URL, TOKEN_HINT, Refused, call, fail

__all__ = ["app"]

_TOKEN_HINT = TOKEN_HINT

app = typer.Typer(
    help=(
        "Transport orders on a running bridge (`borderflow serve`): a container to carry "
        "across, from its yard slot to the other side.\n\n"
        f"  export BORDERFLOW_TOKEN=$({_TOKEN_HINT})\n\n"
        "  borderflow orders submit MSKU3054380 --direction CN-MN --from cn_slot_01 "
        "--seal EZ-20260001\n\n"
        "  borderflow orders list --status open\n\n"
        "  borderflow orders show ORD-MSKU3054380-1\n\n"
        f"The bridge is --url (default $BORDERFLOW_URL, else {DEFAULT_URL}); the token "
        "--token or $BORDERFLOW_TOKEN (submitting needs an operator's; reading, anyone's)."
    ),
    no_args_is_help=True,
)

UrlOpt = Annotated[
    str,
    typer.Option("--url", envvar="BORDERFLOW_URL", help="The bridge's base URL."),
]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="BORDERFLOW_TOKEN",
        help=f"Bearer token (default $BORDERFLOW_TOKEN); an operator's from `{_TOKEN_HINT}`.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the bridge's JSON answer.")]


# CN-MN, cn2mn, "CN->MN" (quoted: in a shell an unquoted > is a redirection), CN_TO_MN, ...
_DIRECTION = re.compile(r"^\s*(CN|MN)\s*(?:->|-|>|_TO_|TO|2|:)\s*(CN|MN)\s*$", re.IGNORECASE)


def _direction(raw: str) -> str:
    """The API's spelling of a direction the command line may give more loosely."""
    m = _DIRECTION.match(raw)
    if m is None or m.group(1).upper() == m.group(2).upper():
        fail(
            f"--direction {raw!r}: give CN-MN (leaves China) or MN-CN (leaves Mongolia); "
            "'CN->MN' works too, quoted (an unquoted > is a shell redirection)"
        )
    return f"{m.group(1).upper()}->{m.group(2).upper()}"


# ------------------------------------------------------------------------------ commands


@app.command()
def submit(
    container: Annotated[
        str, typer.Argument(help="ISO 6346 container number, e.g. MSKU3054380.", show_default=False)
    ],
    direction: Annotated[
        str,
        typer.Option(
            help="CN-MN (leaves China) or MN-CN (leaves Mongolia); 'CN->MN', quoted, too.",
            show_default=False,
        ),
    ],
    origin: Annotated[
        str,
        typer.Option(
            "--from",
            help="The yard slot it waits at, on the side it leaves (e.g. cn_slot_01; a wrong "
            "one is answered with the list).",
            show_default=False,
        ),
    ],
    seal: Annotated[
        list[str] | None, typer.Option(help="A seal on it (ISO 17712); repeat for more.")
    ] = None,
    order_id: Annotated[
        str | None,
        typer.Option(help="Your id for the order (default: the bridge makes ORD-<container>-<n>)."),
    ] = None,
    consignor: Annotated[
        str | None, typer.Option(help="Cargo, for a container not on the manifest: consignor.")
    ] = None,
    hs_code: Annotated[str | None, typer.Option(help="... its HS code (4-10 digits).")] = None,
    origin_country: Annotated[
        str | None, typer.Option(help="... its country of origin (ISO 3166, e.g. CN).")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(help="Send with this Idempotency-Key (a retry of a lost answer)."),
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Submit a transport order (stored by the bridge, then handed to the fleet).

    The fleet carries the container across once customs clear it (a verdict: `POST
    /v1/verdicts`).

      borderflow orders submit MSKU3054380 --direction CN-MN --from cn_slot_01 --seal EZ-20260001

    A container not on the crossing's manifest needs its cargo declared:

      borderflow orders submit ZZZU0042422 --direction MN-CN --from mn_slot_02 \\
        --consignor "Gobi Cashmere" --hs-code 510211 --origin-country MN

    Needs an operator's token. Submitting the same order again answers the order as it is.
    """
    cargo = {"consignor": consignor, "hs_code": hs_code, "origin_country": origin_country}
    given = [k for k, v in cargo.items() if v is not None]
    if given and len(given) < 3:
        missing = ", ".join(f"--{k.replace('_', '-')}" for k in cargo if cargo[k] is None)
        fail(f"a cargo declaration needs all three of --consignor, --hs-code, --origin-country "
              f"(missing {missing})")  # fmt: skip
    body: dict[str, Any] = {
        "container_id": container.strip().upper(),
        "direction": _direction(direction),
        "origin_station": origin,
        "seal_numbers": list(seal or []),
    }
    if order_id is not None:
        body["order_id"] = order_id
    if given:
        body["cargo"] = cargo
    key = idempotency_key or f"cli-{uuid.uuid4().hex}"
    try:
        status, got = call("POST", url, "/v1/orders", token, body=body, key=key)
    except Refused as exc:
        fail(str(exc), exc.code)
    if as_json:
        typer.echo(json.dumps(got, indent=2))
        return
    what = "accepted" if status == 201 else "was received before; as it stands"
    typer.echo(f"order {got['order_id']} {what}: {_line(got)}")
    typer.echo(f"follow it: borderflow orders show {got['order_id']}")


@app.command("list")
def list_orders(
    status: Annotated[
        str | None,
        typer.Option(
            help="Only orders in this status: open, assigned, picked_up, delivered, refused."
        ),
    ] = None,
    after: Annotated[int, typer.Option(help="Orders after this seq (the next page).", min=0)] = 0,
    limit: Annotated[int, typer.Option(help="At most this many.", min=1, max=1000)] = 100,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the transport orders submitted through the bridge, with their status now.

    Oldest first; page with --after (the seq the last page ended with).

      borderflow orders list

      borderflow orders list --status picked_up --limit 20
    """
    params: dict[str, Any] = {"after": after, "limit": limit}
    if status is not None:
        params["status"] = status
    try:
        _, rows = call("GET", url, "/v1/orders", token, params=params)
    except Refused as exc:
        fail(str(exc), exc.code)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        which = f"{status} " if status else ""
        typer.echo(f"no {which}orders" + (f" after seq {after}" if after else ""))
        return
    typer.echo(_table(rows))
    if len(rows) == limit:
        typer.echo(f"more: borderflow orders list --after {rows[-1]['seq']}", err=True)


@app.command()
def show(
    order_id: Annotated[str, typer.Argument(help="The order's id.", show_default=False)],
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one transport order: as submitted, when accepted, its status now.

    The status (open, assigned, picked_up, delivered, refused), the vehicle carrying it and
    the node it is at come from the fleet.

      borderflow orders show ORD-MSKU3054380-1
    """
    from urllib.parse import quote

    try:
        _, got = call("GET", url, f"/v1/orders/{quote(order_id, safe='')}", token)
    except Refused as exc:
        fail(str(exc), exc.code)
    if as_json:
        typer.echo(json.dumps(got, indent=2))
        return
    fields = [
        ("order", got["order_id"] + (" (made by the bridge)" if got["order_id_generated"] else "")),
        ("container", got["container_id"]),
        ("direction", got["direction"]),
        ("from", got["origin_station"]),
        ("seals", ", ".join(got["seal_numbers"]) or "none"),
        ("accepted", f"{got['accepted_at']} by {got['accepted_by']}"),
        ("status", got["status"]),
        ("vehicle", got["vehicle_id"] or "-"),
        ("node", got["node"] or "-"),
        ("crossed", "yes" if got["crossed"] else "no"),
        ("held", "yes" if got["held"] else "no"),
        ("sent to fleet", got["sent_to_fleet_at"] or "-"),
    ]
    if got["delivered_at"]:
        fields.append(("delivered", f"{got['delivered_at']} at {got['delivery_station'] or '?'}"))
    if got["refusal"]:
        fields.append(("refused", f"{got['refused_at']}: {got['refusal']}"))
    width = max(len(k) for k, _ in fields)
    for k, v in fields:
        typer.echo(f"{k + ':':<{width + 1}} {v}")


# ------------------------------------------------------------------------------ output


def _line(o: dict[str, Any]) -> str:
    where = f", {o['vehicle_id']}" if o["vehicle_id"] else ""
    where += f" at {o['node']}" if o["node"] else ""
    return (
        f"{o['container_id']} {o['direction']} from {o['origin_station']} "
        f"(status {o['status']}{where})"
    )


_COLUMNS = (
    ("ORDER", "order_id"),
    ("CONTAINER", "container_id"),
    ("DIRECTION", "direction"),
    ("FROM", "origin_station"),
    ("STATUS", "status"),
    ("VEHICLE", "vehicle_id"),
    ("NODE", "node"),
    ("ACCEPTED (UTC)", "accepted_at"),
)


def _table(rows: list[dict[str, Any]]) -> str:
    def cell(row: dict[str, Any], key: str) -> str:
        v = row.get(key)
        if v is None:
            return "-"
        if key == "accepted_at":
            return str(v)[:19].replace("T", " ")  # to the second; the JSON has it all
        return str(v)

    table = [[h for h, _ in _COLUMNS]] + [[cell(r, k) for _, k in _COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table
    )
