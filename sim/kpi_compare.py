"""Two runs side by side: read two KPI JSON files, pair their KPIs, plot the main ones.

Rows, labels and units come from :mod:`sim.kpi_labels`, so a comparison reads like the KPI
table of ``borderflow simulate``. A file that is missing, not JSON or no KPI file of
``borderflow simulate --json`` is a :class:`KpiFileError` naming the file and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import SimError
from sim.kpi_labels import KpiRow, format_number, kpi_rows

__all__ = ["MAIN_KPIS", "KpiFileError", "Pair", "compare", "load_kpi_file", "plot_main"]

# What the plot shows, one small panel each (units differ, so no shared axis).
MAIN_KPIS = (
    "containers.delivered_total",
    "crossing_time_s.p50",
    "crossing_time_s.p95",
    "fleet.utilisation",
    "fleet.empty_run_share",
    "customs.holds",
    "scanner_queue.mean_waiting_s",
    "energy_kwh.driving",
)


class KpiFileError(SimError):
    """A KPI file is missing, unreadable or not ``borderflow simulate --json`` output."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(f"{path}: {problem}")


def load_kpi_file(path: Path) -> dict[str, Any]:
    """The document ``borderflow simulate --json`` wrote, checked to be one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KpiFileError(path, "no such file") from None
    except IsADirectoryError:
        raise KpiFileError(path, "is a directory, not a KPI JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KpiFileError(path, f"cannot read the file: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KpiFileError(path, f"not JSON ({exc.msg}, line {exc.lineno})") from None
    hint = "not a KPI file of `borderflow simulate --json`"
    if not isinstance(doc, dict) or not isinstance(doc.get("kpis"), dict):
        raise KpiFileError(path, f'{hint}: it has no "kpis" object')
    missing = [k for k in ("scenario", "simulated_h") if k not in doc]
    if missing:
        raise KpiFileError(path, f"{hint}: no {', '.join(repr(k) for k in missing)}")
    return doc


@dataclass(frozen=True, slots=True)
class Pair:
    """One KPI of both runs; ``a`` or ``b`` is None where only one run has it."""

    a: KpiRow | None
    b: KpiRow | None

    @property
    def row(self) -> KpiRow:
        row = self.a or self.b
        assert row is not None
        return row

    def shown(self, side: KpiRow | None) -> str:
        return side.shown if side is not None else "—"

    @property
    def diff(self) -> str:
        """B − A in the shown unit, signed."""
        if self.a is None or self.b is None:
            return "—"
        d = self.b.value - self.a.value
        if round(d, self.row.digits) == 0:
            return format_number(0 * d, self.row.digits).lstrip("-")
        text = format_number(d, self.row.digits)
        return text if d < 0 else f"+{text}"

    @property
    def ratio(self) -> str:
        """B / A, or — where A is 0 or missing."""
        if self.a is None or self.b is None or self.a.value == 0:
            return "—"
        return f"{self.b.value / self.a.value:.2f}×"


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[Pair]:
    """The KPIs of both documents, paired by key, in the KPI table's order (A's order, then
    B's extra KPIs in their place)."""
    rows_a = {r.key: r for r in kpi_rows(a["kpis"])}
    rows_b = {r.key: r for r in kpi_rows(b["kpis"])}
    order = list(rows_a)
    for i, key in enumerate(rows_b):
        if key not in rows_a:  # put it after the KPI B has before it
            before = list(rows_b)[i - 1] if i else None
            at = order.index(before) + 1 if before in order else len(order)
            order.insert(at, key)
    return [Pair(rows_a.get(k), rows_b.get(k)) for k in order]


def plot_main(pairs: list[Pair], names: tuple[str, str], path: Path) -> Path:
    """A PNG with one bar pair (A, B) per main KPI; returns the path written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_key = {p.row.key: p for p in pairs}
    shown = [by_key[k] for k in MAIN_KPIS if k in by_key]
    cols = 4
    rows = max(1, -(-len(shown) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    colours = ("#9ecae1", "#3182bd")
    for ax, pair in zip(axes.flat, shown, strict=False):
        values = [side.value if side is not None else 0.0 for side in (pair.a, pair.b)]
        bars = ax.bar([0, 1], values, color=colours, width=0.6)
        for bar, side in zip(bars, (pair.a, pair.b), strict=True):
            ax.annotate(pair.shown(side), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=8)  # fmt: skip
        ax.set_xticks([0, 1], ["A", "B"])
        ax.set_title(f"{pair.row.section}: {pair.row.label}", fontsize=8)
        ax.set_ylabel(pair.row.unit, fontsize=8)
        ax.margins(y=0.2)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    fig.suptitle(f"A: {names[0]}    B: {names[1]}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path
