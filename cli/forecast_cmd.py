"""``borderflow forecast``: ask a running bridge what the next hours look like, with a what-if.

A thin client of ``POST /v1/forecasts`` (docs/studies.md, "Look-ahead forecasts"): the options
become the request, the answer is printed as a table of the summary KPIs (no change, with the
what-if, the difference) and, with ``--plot``, drawn as KPIs over time with their bands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.bridge_client import DEFAULT_URL, Refused, call, fail

__all__ = ["forecast"]

_TIMEOUT_S = 90.0  # a 12-hour forecast over 16 seeds takes tens of seconds on two cores
_SUMMARY = (
    ("delivered", "containers delivered", "{:.0f}"),
    ("crossing_p95_min", "p95 crossing time, min", "{:.1f}"),
    ("waiting_orders_end", "orders waiting at the end", "{:.0f}"),
    ("holds_active_end", "holds active at the end", "{:.0f}"),
)
_PLOTS = (
    ("delivered", "delivered since now"),
    ("waiting_orders", "orders waiting for an AGV"),
    ("crossing_p95_min", "p95 crossing time in the bin, min"),
    ("busy_agvs", "AGVs at work"),
)


def forecast(
    hours: Annotated[float, typer.Option(help="How far ahead, hours (at most 12).")] = 2.0,
    seeds: Annotated[
        int,
        typer.Option(help="Copies: seed 0 keeps the scenario's arrivals, others redraw them."),
    ] = 1,
    bin_min: Annotated[float, typer.Option(help="Width of the KPI bins, minutes.")] = 10.0,
    close_lane: Annotated[
        list[str] | None, typer.Option(help="What-if: close this lane (repeat for more).")
    ] = None,
    hold: Annotated[
        list[str] | None, typer.Option(help="What-if: hold this container (repeat for more).")
    ] = None,
    scanner_down: Annotated[
        list[str] | None, typer.Option(help="What-if: NII scanners down on CN or MN (repeat).")
    ] = None,
    add_agvs: Annotated[int, typer.Option(help="What-if: this many more AGVs.")] = 0,
    remove_agvs: Annotated[
        int, typer.Option(help="What-if: take this many AGVs out (idle first).")
    ] = 0,
    surge: Annotated[
        float, typer.Option(help="What-if: factor on the arrivals to come (2 = twice as many).")
    ] = 1.0,
    plot: Annotated[
        Path | None, typer.Option(help="Draw the KPIs over time with their bands (PNG) here.")
    ] = None,
    url: Annotated[
        str, typer.Option("--url", envvar="BORDERFLOW_URL", help="The bridge's base URL.")
    ] = DEFAULT_URL,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="BORDERFLOW_TOKEN",
            help="Bearer token (default $BORDERFLOW_TOKEN): an operator's or a viewer's.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the bridge's JSON answer.")
    ] = False,
) -> None:
    """Forecast the crossing's next hours from its live state, with and without a what-if.

    The bridge forks its live fleet and plays it ahead; nothing live changes. Without a
    what-if you get the no-change forecast; with one, both and the difference.

    Examples:

      borderflow forecast --hours 2 --seeds 8

      borderflow forecast --scanner-down CN --remove-agvs 10 --plot what-if.png

      borderflow forecast --surge 1.5 --close-lane cn_inspection_3_spur --json

    Exit code: 0 answered, 1 the bridge could not (unreachable, the forecast failed),
    2 a refused request (the message names the field).
    """
    body = {
        "horizon_h": hours,
        "seeds": seeds,
        "bin_min": bin_min,
        "what_if": {
            "close_lanes": close_lane or [],
            "hold_containers": hold or [],
            "scanners_down": [s.upper() for s in scanner_down or []],
            "add_agvs": add_agvs,
            "remove_agvs": remove_agvs,
            "surge": surge,
        },
    }
    try:
        _, doc = call("POST", url, "/v1/forecasts", token, body=body, timeout_s=_TIMEOUT_S)
    except Refused as exc:
        fail(str(exc), exc.code)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
    else:
        _table(doc)
    if plot is not None:
        draw(doc, plot)
        if not as_json:
            typer.echo(f"plot: {plot}")


def _cell(band: dict[str, Any], fmt: str, seeds: int) -> str:
    if band["mean"] is None:
        return "—"
    text = fmt.format(band["mean"])
    if seeds > 1:
        text += f" [{fmt.format(band['lo'])}–{fmt.format(band['hi'])}]"
    return text


def _table(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    seeds = int(doc["seeds"])
    what = "; ".join(doc["what_if"]) or "none"
    table = Table(
        title=f"Forecast from {doc['from_clock']}, {doc['horizon_h']:g} h ahead, {seeds} "
        f"seed{'s' * (seeds > 1)} (band: 10-90 %)",
        caption=f"what-if: {what}; took {doc['took_s']:.2f} s",
    )
    table.add_column("KPI")
    table.add_column("no change", justify="right")
    wi = doc.get("with_what_if")
    if wi is not None:
        table.add_column("with the what-if", justify="right")
        table.add_column("difference", justify="right")
    for key, label, fmt in _SUMMARY:
        row = [label, _cell(doc["no_change"]["summary"][key], fmt, seeds)]
        if wi is not None:
            diff = doc["difference"][key]
            row += [
                _cell(wi["summary"][key], fmt, seeds),
                "—" if diff is None else ("+" if diff > 0 else "") + fmt.format(diff),
            ]
        table.add_row(*row)
    Console().print(table)


def draw(doc: dict[str, Any], path: Path) -> None:
    """The KPIs over time: one panel each, the no-change forecast and the what-if with bands."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True)
    x = doc["t_min"]
    runs = [("no change", doc["no_change"], "#3182bd")]
    if doc.get("with_what_if") is not None:
        runs.append(("with the what-if", doc["with_what_if"], "#de2d26"))
    for ax, (key, label) in zip(axes.flat, _PLOTS, strict=True):
        for name, run, colour in runs:
            bands = run["series"][key]
            pts = [(t, b) for t, b in zip(x, bands, strict=True) if b["mean"] is not None]
            if not pts:
                continue
            ts = [t for t, _ in pts]
            ax.plot(ts, [b["mean"] for _, b in pts], color=colour, label=name)
            ax.fill_between(ts, [b["lo"] for _, b in pts], [b["hi"] for _, b in pts],
                            color=colour, alpha=0.2)  # fmt: skip
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(f"minutes after {doc['from_clock']}")
    axes[0][0].legend(fontsize=8)
    what = "; ".join(doc["what_if"]) or "no what-if"
    fig.suptitle(f"Forecast, {doc['seeds']} seeds (band 10-90 %): {what}", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
