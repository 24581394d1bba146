"""Figures of the entry-point study report: tidy tables in, matplotlib Figures out.

Every function takes the study's tidy tables (the ``metrics.csv`` / ``break_even.csv`` /
``sensitivity.csv`` contract below) and returns a :class:`matplotlib.figure.Figure` built
without pyplot (no global state, no display needed), or draws into a figure or subfigure the
caller passes as ``fig=``. :func:`figure_bytes` renders one as PNG or SVG, deterministically.

Tables read
-----------
metrics
    One row per scenario x airfield x budget x sensor (x month) x metric: columns
    ``scenario`` (``status_quo``, ``poe_only``, ``added_osa``, ``replacement``,
    ``single_state``), ``entry_point`` (ICAO of the point of entry), ``icao`` (ICAO of the
    starting OSA the row describes), ``sensor``, ``budget_km`` (the Minsk maximum flight
    distance of the row; Kubinka's own value for ``status_quo`` and ``poe_only``),
    ``metric``, ``value``; optionally ``month`` (1-12, blank for the year) and ``name`` (the
    airfield's name). Metrics read: ``flights_100pct``, ``flights_lower_bound``,
    ``best_flight_fraction``, ``years_of_observer_quota_100pct``,
    ``observer_quota_flights_per_year``, ``annex_e_ok``, ``ferry_km_<ICAO>`` and
    ``ferry_hours_<ICAO>`` (per home base).
break_even
    ``scenario, sensor, metric, break_even_km, low_km, high_km`` (optionally ``month``);
    ``break_even_km`` blank (NaN) where Minsk never breaks even within the grid.
sensitivity
    One row per assumption setting: ``assumption`` (plain words, e.g. ``"swath width"``),
    ``setting`` (the value tried, e.g. ``"-20 %"``), ``scenario``, ``sensor``, ``metric``,
    ``value`` (the metric under that setting; NaN for "never", e.g. no break-even),
    ``baseline`` (the metric under the default assumptions) and ``flips`` (1 when the
    conclusion drawn from the metric changes under that setting, else 0); optionally
    ``budget_km`` and ``month``.

Text
----
Names (airfields, sensors, territories) may come from a user's config: every text artist is
drawn literally (:func:`literal_text`: no mathtext, so ``$x$`` stays ``$x$``; no LaTeX). SVG
output keeps text as ``<text>`` elements, XML-escaped by matplotlib.

Colours are the Okabe-Ito colour-blind-safe palette; Kubinka (the status quo) is always
vermillion and Minsk always blue, in every figure and both maps.
"""

from __future__ import annotations

import io
import logging
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from shapely.geometry.base import BaseGeometry

from .. import geodesy
from .._text import format_number

logger = logging.getLogger(__name__)

__all__ = [
    "COLORS",
    "SCENARIO_ORDER",
    "ferry_figure",
    "figure_bytes",
    "flights_figure",
    "literal_text",
    "quota_years_figure",
    "route_maps_figure",
    "scenario_label",
    "sensitivity_figure",
    "share_figure",
]

#: Okabe-Ito palette (Wong 2011, Nature Methods 8:441), safe for the common colour blindnesses.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: Roles -> colour, the same in every figure and map.
COLORS = {
    "incumbent": OKABE_ITO["vermillion"],  # Kubinka, the status quo
    "candidate": OKABE_ITO["blue"],  # Minsk
    "flip": OKABE_ITO["vermillion"],
    "holds": OKABE_ITO["sky"],
    "territory": "#FFFFFF",
    "group": "#F2EFE6",  # other members of the observed group (Russia)
    "neighbour": "#D4D4D4",
    "background": "#EAF1F7",  # sea and everything else
    "border": "#4D4D4D",
    "overlap": OKABE_ITO["purple"],
}
#: Scenarios in reading order (the issue's output contract).
SCENARIO_ORDER = ("status_quo", "poe_only", "added_osa", "replacement", "single_state")
#: Scenarios whose rows sweep the Minsk maximum flight distance.
SWEPT = ("added_osa", "replacement", "single_state")
_SCENARIO_TEMPLATES = {
    "status_quo": "enter and fly from {inc}",
    "poe_only": "enter at {cand}, fly from {inc}",
    "added_osa": "{cand} added beside {inc}",
    "replacement": "{cand} replaces {inc}",
    "single_state": "{cand} as a Belarus-only airfield",
}
_SVG_SALT = "openskies"
_FIG_W_IN = 7.2


# --------------------------------------------------------------------------- text and output


def literal_text(fig: Figure | SubFigure) -> None:
    r"""Draw every text artist of ``fig`` literally: no mathtext, no LaTeX.

    matplotlib reads text between two ``$`` as mathtext (a name like ``$\frac$`` would fail
    the drawing) and hands text to LaTeX when ``text.usetex`` is set in a matplotlibrc.
    Called by every figure function here after its last text; call it again after adding text.
    """
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: float = 150.0) -> bytes:
    """Render ``fig`` as PNG or SVG bytes, deterministically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    fmt : {"png", "svg"}
        SVG keeps text as text (``svg.fonttype = "none"``), with fixed element ids
        (``svg.hashsalt``) and no date or creator metadata, so the same figure gives the same
        bytes. PNG carries no software or date metadata.
    dpi : float
        Resolution of the PNG, dots per inch (the SVG is vector).

    Returns
    -------
    bytes
    """
    fmt = str(fmt).lower()
    if fmt not in ("png", "svg"):
        msg = f"figure format {fmt!r} is not supported; use 'png' or 'svg'"
        raise ValueError(msg)
    literal_text(fig)
    buf = io.BytesIO()
    rc = {"svg.hashsalt": _SVG_SALT, "svg.fonttype": "none", "path.simplify": True}
    meta: dict[str, Any]
    if fmt == "svg":
        meta = {"Date": None, "Creator": None, "Format": None, "Type": None}
    else:
        meta = {"Software": None}
    with mpl.rc_context(rc):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()


def _new_figure(fig: Figure | SubFigure | None, size: tuple[float, float]) -> Figure | SubFigure:
    if fig is not None:
        return fig
    return Figure(figsize=size, layout="constrained")


# --------------------------------------------------------------------------- table helpers


def _check_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = (
            f"the {what} table lacks the column(s) {', '.join(missing)}; it needs "
            f"{', '.join(columns)} (see openskies._figures for the contract)"
        )
        raise ValueError(msg)


def month_rows(df: pd.DataFrame, month: int | None) -> pd.DataFrame:
    """Rows of ``month`` (1-12), or of the year (blank month) when ``month`` is None."""
    if "month" not in df.columns:
        return df
    # the study's column is nullable Int64 (blank: the year); compare as floats, NaN blank
    m = pd.to_numeric(df["month"], errors="coerce").astype("float64").to_numpy()
    keep = np.isnan(m) if month is None else (m == float(int(month)))
    return df[keep]


def metric_rows(
    metrics: pd.DataFrame, metric: str, *, sensor: str, month: int | None = None
) -> pd.DataFrame:
    """Rows of one metric and sensor (and month), with numeric ``budget_km`` and ``value``."""
    _check_columns(
        metrics, ("scenario", "icao", "sensor", "budget_km", "metric", "value"), "metrics"
    )
    m = month_rows(metrics, month)
    m = m[(m["metric"] == metric) & (m["sensor"] == sensor)].copy()
    m["budget_km"] = pd.to_numeric(m["budget_km"], errors="coerce")
    m["value"] = pd.to_numeric(m["value"], errors="coerce")
    return m


def airfield_names(metrics: pd.DataFrame, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """ICAO -> display name: ``names`` first, then the table's ``name`` column, else the ICAO."""
    out: dict[str, str] = {}
    codes = set()
    for col in ("icao", "entry_point"):
        if col in metrics.columns:
            codes.update(str(c) for c in metrics[col].dropna().unique())
    if "name" in metrics.columns and "icao" in metrics.columns:
        for icao, name in (
            metrics[["icao", "name"]].dropna().drop_duplicates().itertuples(index=False)
        ):
            out.setdefault(str(icao), str(name))
    for c in codes:
        out.setdefault(c, c)
    if names:
        out.update({str(k): str(v) for k, v in names.items()})
    return out


def roles(metrics: pd.DataFrame) -> tuple[str, str]:
    """(incumbent ICAO, candidate ICAO): the status quo's airfield and the swept one."""
    _check_columns(metrics, ("scenario", "icao"), "metrics")
    sq = metrics.loc[metrics["scenario"] == "status_quo", "icao"]
    if sq.empty:
        msg = "the metrics table has no status_quo rows: the figures compare against them"
        raise ValueError(msg)
    inc = str(sq.iloc[0])
    cands = metrics.loc[metrics["scenario"].isin(SWEPT), "icao"]
    cands = cands[cands != inc]
    if cands.empty and "entry_point" in metrics.columns:
        cands = metrics.loc[metrics["entry_point"] != inc, "entry_point"]
    cand = str(cands.iloc[0]) if not cands.empty else inc
    return inc, cand


def short_name(name: str) -> str:
    """First word of an airfield name ("Minsk National" -> "Minsk"), for labels."""
    parts = str(name).split()
    return parts[0] if parts else str(name)


def scenario_label(scenario: str, names: Mapping[str, str], inc: str, cand: str) -> str:
    """Plain-words label of a scenario ("Minsk replaces Kubinka").

    The names are arguments of a fixed template, never a template themselves.
    """
    tpl = _SCENARIO_TEMPLATES.get(str(scenario))
    if tpl is None:
        return str(scenario)
    return tpl.format(inc=short_name(names.get(inc, inc)), cand=short_name(names.get(cand, cand)))


def fmt_km(km: float) -> str:
    """``4950.0`` -> ``"4,950 km"`` (:func:`openskies._text.format_number`)."""
    return format_number(km, decimals=0, unit="km", missing=None)


def fmt_num(x: float, *, digits: int = 1) -> str:
    """Integers without decimals, others with ``digits`` decimals, thousands separated."""
    return format_number(x, decimals=digits, whole_numbers=True, missing="n/a")


def _scenarios_present(df: pd.DataFrame, wanted: Sequence[str]) -> list[str]:
    present = set(df["scenario"])
    return [s for s in wanted if s in present]


def _break_even_row(
    break_even: pd.DataFrame | None, scenario: str, sensor: str, metric: str, month: int | None
) -> pd.Series | None:
    if break_even is None or break_even.empty:
        return None
    _check_columns(
        break_even,
        ("scenario", "sensor", "metric", "break_even_km", "low_km", "high_km"),
        "break_even",
    )
    b = month_rows(break_even, month)
    b = b[(b["scenario"] == scenario) & (b["sensor"] == sensor) & (b["metric"] == metric)]
    return None if b.empty else b.iloc[0]


# --------------------------------------------------------------------------- metric vs budget


def metric_by_budget_figure(
    metrics: pd.DataFrame,
    metric: str,
    *,
    sensor: str,
    lower_metric: str | None = None,
    break_even: pd.DataFrame | None = None,
    month: int | None = None,
    names: Mapping[str, str] | None = None,
    title: str,
    ylabel: str,
    percent: bool = False,
    integer: bool = False,
    scenarios: Sequence[str] = SWEPT,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """One panel per swept scenario: ``metric`` against the Minsk maximum flight distance.

    Minsk's values are the blue line (points are the evaluated grid), the band between
    ``lower_metric`` (a proved bound) and ``metric`` (a planned value) is shaded; Kubinka's
    status-quo value is the vermillion horizontal line (with its own band), the break-even
    distance a dashed vertical line with its bracket shaded. Grid points that fail Annex E
    para 5(A) (metric ``annex_e_ok`` = 0) are drawn hollow.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Tidy metrics (module docstring).
    metric : str
        Metric plotted (``metrics.csv`` name).
    sensor : str
        Sensor preset name of the rows.
    lower_metric : str, optional
        Metric giving the proved lower end of the band (``flights_lower_bound``).
    break_even : pandas.DataFrame, optional
        ``break_even.csv`` rows; the row of each scenario, ``sensor`` and ``metric`` is marked.
    month : int, optional
        Month rows (1-12); None for the year (blank month).
    names : mapping, optional
        ICAO -> airfield name (default: the table's ``name`` column, else the ICAO).
    title, ylabel : str
        Figure title and y-axis label (plain words with units).
    percent : bool
        Values are fractions shown as per cent.
    integer : bool
        Integer y ticks (flight counts).
    scenarios : sequence of str
        Scenarios drawn as panels, in order (those without rows are skipped).
    fig : Figure or SubFigure, optional
        Draw into this (e.g. a PDF page's subfigure) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure or SubFigure
    """
    nm = airfield_names(metrics, names)
    inc, cand = roles(metrics)
    rows = metric_rows(metrics, metric, sensor=sensor, month=month)
    if rows.empty:
        msg = f"no {metric!r} rows for sensor {sensor!r} in the metrics table"
        raise ValueError(msg)
    low = metric_rows(metrics, lower_metric, sensor=sensor, month=month) if lower_metric else None
    ok = metric_rows(metrics, "annex_e_ok", sensor=sensor, month=month)
    panels = _scenarios_present(rows, scenarios)
    if not panels:
        msg = f"no rows of the swept scenarios {', '.join(scenarios)} for {metric!r}"
        raise ValueError(msg)
    scale = 100.0 if percent else 1.0
    fig = _new_figure(fig, (_FIG_W_IN, 3.4))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    sq = rows[rows["scenario"] == "status_quo"]
    sq_value = float(sq["value"].iloc[0]) * scale if not sq.empty else None
    sq_low = None
    if low is not None:
        lsq = low[low["scenario"] == "status_quo"]
        sq_low = float(lsq["value"].iloc[0]) * scale if not lsq.empty else None
    inc_name = short_name(nm.get(inc, inc))
    cand_name = short_name(nm.get(cand, cand))
    series = []
    for scen in panels:
        g = rows[rows["scenario"] == scen].sort_values("budget_km")
        x = g["budget_km"].to_numpy(float)
        y = g["value"].to_numpy(float) * scale
        ylow = None
        if low is not None:
            gl = low[low["scenario"] == scen].drop_duplicates("budget_km")
            ylow = gl.set_index("budget_km")["value"].reindex(x).to_numpy(float) * scale
        bad = np.zeros(len(x), bool)
        if not ok.empty:
            go = ok[ok["scenario"] == scen].drop_duplicates("budget_km")
            bad = (go.set_index("budget_km")["value"].reindex(x).to_numpy(float) == 0.0) & (
                np.isfinite(y)
            )
        series.append((scen, x, y, ylow, bad))
    # y range: everything, but a curve that shoots up at small budgets must not flatten the
    # interesting part near the status quo: cap at 3 x the status quo (off-scale points are
    # drawn as arrows at the top with their value).
    finite = [v for *_s, y, yl, _b in series for v in (*y, *(yl if yl is not None else ()))]
    finite = [v for v in [*finite, sq_value or np.nan, sq_low or np.nan] if np.isfinite(v)]
    top = max(finite) if finite else 1.0
    cap = None
    if sq_value is not None and sq_value > 0 and top > 3.0 * sq_value:
        cap = 3.0 * sq_value
        top = cap
    ytop = top * 1.12 if top > 0 else 1.0
    for ax, (scen, x, y, ylow, bad) in zip(axes, series, strict=True):
        if sq_value is not None:
            if sq_low is not None and sq_low != sq_value:
                ax.axhspan(sq_low, sq_value, color=COLORS["incumbent"], alpha=0.12, lw=0)
            ax.axhline(sq_value, color=COLORS["incumbent"], lw=1.8, zorder=2)
        yc = np.minimum(y, ytop) if cap is not None else y
        if ylow is not None:
            ylc = np.minimum(ylow, ytop) if cap is not None else ylow
            ax.fill_between(x, ylc, yc, color=COLORS["candidate"], alpha=0.18, lw=0, zorder=1)
            ax.plot(x, ylc, color=COLORS["candidate"], lw=0.9, ls=":", zorder=2)
        ax.plot(x, yc, color=COLORS["candidate"], lw=1.8, zorder=3)
        inside = y <= ytop if cap is not None else np.ones(len(y), bool)
        good = ~bad & inside
        ax.plot(x[good], y[good], "o", color=COLORS["candidate"], ms=4, zorder=4)
        sel = bad & inside
        if sel.any():
            ax.plot(x[sel], y[sel], "o", mfc="white", mec=COLORS["candidate"], ms=4, zorder=4)
        off = np.isfinite(y) & ~inside
        for xo, yo in zip(x[off], y[off], strict=True):
            ax.annotate(
                fmt_num(yo),
                xy=(xo, ytop),
                xytext=(0, -11),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=6.5,
                color=COLORS["candidate"],
                arrowprops={"arrowstyle": "-|>", "color": COLORS["candidate"], "lw": 0.8},
            )
        xmin = float(np.nanmin(x)) if len(x) else 0.0
        xmax = float(np.nanmax(x)) if len(x) else 1.0
        be = _break_even_row(break_even, scen, sensor, metric, month)
        if be is not None:
            bkm, lo, hi = pd.to_numeric(
                pd.Series([be[k] for k in ("break_even_km", "low_km", "high_km")]), errors="coerce"
            ).to_numpy(float)
            if np.isfinite(bkm):
                if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
                    ax.axvspan(lo, hi, color=OKABE_ITO["black"], alpha=0.10, lw=0)
                ax.axvline(bkm, color=OKABE_ITO["black"], lw=1.0, ls="--", zorder=2)
                right = (bkm - xmin) < 0.5 * (xmax - xmin)
                # at the top of the panel, or at its foot where the curve runs high there
                seen = np.isfinite(y)
                y_at = (
                    float(np.interp(bkm, x[seen], np.minimum(y[seen], ytop))) if seen.any() else 0.0
                )
                low = y_at > 0.5 * ytop
                ax.annotate(
                    f"break-even\n{fmt_km(bkm)}",
                    xy=(bkm, 0.0 if low else 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(3 if right else -3, 3 if low else -3),
                    textcoords="offset points",
                    ha="left" if right else "right",
                    va="bottom" if low else "top",
                    fontsize=7.5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                )
            else:
                ax.text(
                    0.97,
                    0.97,
                    f"never as good\nup to {fmt_km(xmax)}",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=7.5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                )
        ax.set_title(textwrap.fill(scenario_label(scen, nm, inc, cand), 32), fontsize=9)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(labelsize=7.5)
        ax.grid(alpha=0.25, lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
        unit = "%" if percent else ""
        fin = np.flatnonzero(np.isfinite(y) & inside)
        if len(fin):
            j = fin[-1]
            # the label sits on the side of the last point away from the line coming into it:
            # below after a fall, above after a rise (the last value that differs decides, so
            # a flat end keeps the side of the step before it), on a white ground
            before = [v for v in y[fin[:-1]] if v != y[j]]
            if before:
                dy = -9 if before[-1] > y[j] else 8
            else:
                dy = -9 if sq_value is not None and y[j] >= sq_value else 8
            ax.annotate(
                f"{cand_name} {fmt_num(y[j], digits=0 if percent else 1)}{unit}",
                xy=(x[j], y[j]),
                xytext=(0, dy),
                textcoords="offset points",
                color=COLORS["candidate"],
                fontsize=7.5,
                ha="right",
                va="center",
                annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            )
        if sq_value is not None:
            ax.annotate(
                f"{inc_name} {fmt_num(sq_value, digits=0 if percent else 1)}{unit}",
                xy=(0.0, sq_value),
                xycoords=("axes fraction", "data"),
                xytext=(2, 3),
                textcoords="offset points",
                color=COLORS["incumbent"],
                fontsize=7.5,
                va="bottom",
            )
    if integer:
        axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylim(0, ytop)
    if percent:
        axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    axes[0].set_ylabel(ylabel, fontsize=8)
    # one x label, under the middle panel (a figure-level label would collide with the legend)
    axes[len(axes) // 2].set_xlabel(f"{cand_name} maximum flight distance (km)", fontsize=8)
    line = mpl.lines.Line2D
    handles = [
        line(
            [],
            [],
            color=COLORS["candidate"],
            marker="o",
            ms=4,
            lw=1.8,
            label=f"{cand_name}" + (": a legal plan" if low is not None else ""),
        ),
    ]
    if low is not None:
        handles.append(
            line(
                [],
                [],
                color=COLORS["candidate"],
                ls=":",
                lw=1.0,
                label=f"{cand_name}: proved minimum",
            )
        )
    handles.append(
        line(
            [],
            [],
            color=COLORS["incumbent"],
            lw=1.8,
            label=f"{inc_name} today"
            + (
                ", shaded to its proved minimum"
                if sq_low is not None and sq_low != sq_value
                else ""
            ),
        )
    )
    if any(b.any() for *_r, b in series):
        handles.append(
            line(
                [],
                [],
                marker="o",
                ls="",
                mfc="white",
                mec=COLORS["candidate"],
                label="fails the Annex E 35 % rule",
            )
        )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(len(handles), 2),
        fontsize=7.5,
        frameon=False,
    )
    fig.suptitle(title, fontsize=10.5, x=0.01, ha="left")
    literal_text(fig)
    return fig


def flights_figure(
    metrics: pd.DataFrame,
    *,
    sensor: str,
    territory_name: str = "the territory",
    sensor_label: str | None = None,
    **options: Any,
) -> Figure | SubFigure:
    """Flights for full coverage against the Minsk maximum flight distance, per scenario.

    Band between ``flights_lower_bound`` (proved) and ``flights_100pct`` (a legal plan);
    Kubinka's line and the ``flights_100pct`` break-even marked. Tables as in the module
    docstring; ``territory_name`` and ``sensor_label`` (plain text, default the preset name)
    go in the title; ``options`` (``break_even``, ``month``, ``names``, ``fig``) are those of
    :func:`metric_by_budget_figure`. :func:`share_figure` and :func:`quota_years_figure` take
    the same arguments.
    """
    return metric_by_budget_figure(
        metrics,
        "flights_100pct",
        sensor=sensor,
        lower_metric="flights_lower_bound",
        title=f"Flights needed to image all of {territory_name} ({sensor_label or sensor})",
        ylabel="flights",
        integer=True,
        **options,
    )


def share_figure(
    metrics: pd.DataFrame,
    *,
    sensor: str,
    territory_name: str = "the territory",
    sensor_label: str | None = None,
    **options: Any,
) -> Figure | SubFigure:
    """Share of the territory imaged by the best single flight (``best_flight_fraction``, %)."""
    return metric_by_budget_figure(
        metrics,
        "best_flight_fraction",
        sensor=sensor,
        title=f"Share of {territory_name} imaged by one flight ({sensor_label or sensor})",
        ylabel="imaged by the best flight (%)",
        percent=True,
        **options,
    )


def quota_years_figure(
    metrics: pd.DataFrame,
    *,
    sensor: str,
    territory_name: str = "the territory",
    sensor_label: str | None = None,
    **options: Any,
) -> Figure | SubFigure:
    """Years of the observer's active quota for full coverage (``years_of_observer_quota_100pct``).

    The band's lower end is ``flights_lower_bound / observer_quota_flights_per_year`` when
    both metrics are in the table (computed here from them, row by row).
    """
    m = metrics
    lower = None
    month = options.get("month")
    quota = metric_rows(metrics, "observer_quota_flights_per_year", sensor=sensor, month=month)
    lb = metric_rows(metrics, "flights_lower_bound", sensor=sensor, month=month)
    if not quota.empty and not lb.empty:
        key = ["scenario", "icao", "budget_km"]
        j = lb.merge(quota[[*key, "value"]], on=key, suffixes=("", "_quota"))
        j = j[j["value_quota"] > 0]
        j["value"] = j["value"] / j["value_quota"]
        j["metric"] = "_years_lower_bound"
        m = pd.concat([metrics, j.drop(columns=["value_quota"])], ignore_index=True)
        lower = "_years_lower_bound"
    return metric_by_budget_figure(
        m,
        "years_of_observer_quota_100pct",
        sensor=sensor,
        lower_metric=lower,
        title=(
            f"Years of the observer's quota to image all of {territory_name} "
            f"({sensor_label or sensor})"
        ),
        ylabel="years of the observer's active quota",
        **options,
    )


# --------------------------------------------------------------------------- ferry


def ferry_figure(
    metrics: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Ferry distance and time from each home base to each point of entry and back.

    Reads ``ferry_km_<HB>`` and ``ferry_hours_<HB>`` (one pair per home base ``HB``) per
    ``entry_point``; one horizontal bar per home base x point of entry, labelled with km and
    hours. Treaty transit: not counted against the quota.
    """
    _check_columns(metrics, ("entry_point", "metric", "value"), "metrics")
    nm = airfield_names(metrics, names)
    inc, cand = roles(metrics)
    fm = metrics[metrics["metric"].astype(str).str.startswith("ferry_km_")]
    if fm.empty:
        msg = "no ferry_km_<ICAO> rows in the metrics table"
        raise ValueError(msg)
    hours = metrics[metrics["metric"].astype(str).str.startswith("ferry_hours_")]
    recs = []
    for (ep, metric), g in fm.groupby(["entry_point", "metric"], sort=False):
        hb = str(metric)[len("ferry_km_") :]
        h = hours[(hours["entry_point"] == ep) & (hours["metric"] == f"ferry_hours_{hb}")]
        recs.append(
            {
                "entry_point": str(ep),
                "home": hb,
                "km": float(pd.to_numeric(g["value"]).iloc[0]),
                "hours": float(pd.to_numeric(h["value"]).iloc[0]) if not h.empty else np.nan,
            }
        )
    df = pd.DataFrame(recs)
    order = {inc: 0, cand: 1}
    df["rank"] = df["entry_point"].map(lambda e: order.get(e, 2))
    df = df.sort_values(["home", "rank", "entry_point"]).reset_index(drop=True)
    fig = _new_figure(fig, (_FIG_W_IN, 0.55 * len(df) + 1.3))
    ax = fig.subplots()
    ypos = np.arange(len(df))[::-1]
    colors = [
        COLORS["incumbent"]
        if e == inc
        else COLORS["candidate"]
        if e == cand
        else OKABE_ITO["green"]
        for e in df["entry_point"]
    ]
    ax.barh(ypos, df["km"], color=colors, height=0.6)
    labels = [
        f"{short_name(nm.get(h, h))} → {short_name(nm.get(e, e))} → {short_name(nm.get(h, h))}"
        for h, e in zip(df["home"], df["entry_point"], strict=True)
    ]
    ax.set_yticks(ypos, labels, fontsize=8)
    top = float(df["km"].max())
    for yy, km, hr in zip(ypos, df["km"], df["hours"], strict=True):
        txt = fmt_km(km) + (f" · {hr:.1f} h" if np.isfinite(hr) else "")
        ax.text(km + top * 0.01, yy, txt, va="center", fontsize=8)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("ferry distance, round trip (km)", fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.tick_params(axis="x", labelsize=7.5)
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        "Ferry to the point of entry and back (not counted against the quota)",
        fontsize=10.5,
        x=0.01,
        ha="left",
    )
    literal_text(fig)
    return fig


# --------------------------------------------------------------------------- sensitivity


def sensitivity_focus(
    sensitivity: pd.DataFrame,
    *,
    scenario: str | None = None,
    sensor: str | None = None,
    metric: str | None = None,
) -> pd.DataFrame:
    """The rows of one (scenario, sensor, metric[, budget_km, month]) case of the sensitivity table.

    Unnamed keys default to the case with the most flipping settings, then the largest
    relative spread, then table order.
    """
    _check_columns(
        sensitivity,
        ("assumption", "setting", "scenario", "sensor", "metric", "value", "baseline", "flips"),
        "sensitivity",
    )
    s = sensitivity.copy()
    s["value"] = pd.to_numeric(s["value"], errors="coerce")
    s["baseline"] = pd.to_numeric(s["baseline"], errors="coerce")
    s["flips"] = pd.to_numeric(s["flips"], errors="coerce").fillna(0)
    for col, want in (("scenario", scenario), ("sensor", sensor), ("metric", metric)):
        if want is not None:
            s = s[s[col] == want]
    if s.empty:
        msg = f"no sensitivity rows for scenario={scenario!r} sensor={sensor!r} metric={metric!r}"
        raise ValueError(msg)
    keys = [k for k in ("scenario", "sensor", "metric", "budget_km", "month") if k in s.columns]
    s["_case"] = s[keys].astype(str).agg("|".join, axis=1)
    rel = (s["value"] - s["baseline"]).abs() / s["baseline"].abs().where(s["baseline"] != 0, 1)
    both_never = s["value"].isna() & s["baseline"].isna()
    s["_rel"] = rel.where(~both_never, 0.0).fillna(np.inf)  # "never" vs a number: the largest
    score = s.groupby("_case", sort=False).agg(flips=("flips", "sum"), rel=("_rel", "max"))
    score["order"] = range(len(score))
    best = score.sort_values(["flips", "rel", "order"], ascending=[False, False, True]).index[0]
    return s[s["_case"] == best].drop(columns=["_case", "_rel"])


def assumption_ranking(case: pd.DataFrame) -> pd.DataFrame:
    """Per assumption of one case: spread, flips, extreme setting; most important first.

    Columns ``assumption``, ``flips`` (settings that flip the conclusion), ``spread`` (largest
    |value - baseline|, inf where a setting gives "never"), ``setting`` and ``value`` of the
    setting that moves the metric most, ``baseline``.
    """
    out = []
    for name, g in case.groupby("assumption", sort=False):
        v, b = g["value"].to_numpy(float), g["baseline"].to_numpy(float)
        # "never" (NaN) against a number is the largest change; never against never is none
        d = pd.Series(np.where(np.isnan(v) & np.isnan(b), 0.0, np.abs(v - b)))
        d = d.fillna(np.inf)
        i = int(np.argmax(d.to_numpy()))
        out.append(
            {
                "assumption": str(name),
                "flips": int(g["flips"].sum()),
                "spread": float(d.iloc[i]),
                "setting": str(g["setting"].iloc[i]),
                "value": float(g["value"].iloc[i]),
                "baseline": float(g["baseline"].iloc[i]),
            }
        )
    df = pd.DataFrame(out)
    df["order"] = range(len(df))
    return (
        df.sort_values(["flips", "spread", "order"], ascending=[False, False, True])
        .drop(columns="order")
        .reset_index(drop=True)
    )


def sensitivity_figure(
    sensitivity: pd.DataFrame,
    *,
    scenario: str | None = None,
    sensor: str | None = None,
    metric: str | None = None,
    metric_label: str | None = None,
    scenario_text: str | None = None,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Tornado chart: how far each assumption moves one result, and whether it flips.

    One bar per assumption from the lowest to the highest value over its settings, the
    baseline a vertical line, the most important assumption on top; a bar is vermillion when
    some setting flips the conclusion, sky blue when it holds, and labelled with the
    settings at its ends. A setting with no value (NaN: "never", e.g. no break-even in the
    grid) is written at the bar's end.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        Columns as in the module docstring.
    scenario, sensor, metric : str, optional
        The case drawn (default: :func:`sensitivity_focus`).
    metric_label : str, optional
        x-axis label (default: the metric name).
    scenario_text : str, optional
        Plain-words name of the scenario for the title (default: its key).
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.
    """
    case = sensitivity_focus(sensitivity, scenario=scenario, sensor=sensor, metric=metric)
    rank = assumption_ranking(case)
    n = len(rank)
    fig = _new_figure(fig, (_FIG_W_IN, 0.6 * n + 1.6))
    ax = fig.subplots()
    base = float(case["baseline"].iloc[0])
    finite = case["value"][np.isfinite(case["value"])]
    span = max(float(np.ptp(np.r_[finite.to_numpy(), base])), abs(base) * 0.05, 1e-9)
    lo_all = min(float(finite.min()) if len(finite) else base, base)
    hi_all = max(float(finite.max()) if len(finite) else base, base)
    pad = (hi_all - lo_all or span) * 0.5
    xlim = (lo_all - pad, hi_all + pad)
    never = False
    for k, row in rank.iterrows():
        y = n - 1 - int(k)
        g = case[case["assumption"] == row["assumption"]]
        vals = g["value"].to_numpy(float)
        fin = vals[np.isfinite(vals)]
        lo = float(min(fin.min(), base)) if len(fin) else base
        hi = float(max(fin.max(), base)) if len(fin) else base
        color = COLORS["flip"] if row["flips"] > 0 else COLORS["holds"]
        ax.barh(y, max(hi - lo, span * 0.01), left=lo, color=color, height=0.55)
        if not np.isfinite(vals).all():
            never = True
            ax.barh(
                y,
                xlim[1] - hi,
                left=hi,
                color="none",
                edgecolor=color,
                hatch="///",
                height=0.55,
                lw=0,
            )
        # settings giving the same value share one label ("0 %, 20 %: 2"), not two on top
        merged: dict[Any, list[Any]] = {}
        for setting, v, flip in zip(g["setting"], vals, g["flips"], strict=True):
            key = round(float(v), 9) if np.isfinite(v) else "never"
            entry = merged.setdefault(key, [[], v, 0])
            entry[0].append(str(setting))
            entry[2] = max(entry[2], int(flip))
        for settings_, v, flip in merged.values():
            setting = ", ".join(settings_)
            tag = " (flips)" if flip else ""
            if np.isfinite(v):
                ha = "left" if v >= base else "right"
                ax.annotate(
                    f"{setting}: {fmt_num(v)}{tag}",
                    xy=(v, y),
                    xytext=(3 if ha == "left" else -3, 0),
                    textcoords="offset points",
                    ha=ha,
                    va="center",
                    fontsize=7.5,
                    annotation_clip=False,
                )
            else:
                ax.annotate(
                    f"{setting}: never{tag}",
                    xy=(xlim[1], y),
                    xytext=(-3, 0),
                    textcoords="offset points",
                    ha="right",
                    va="center",
                    fontsize=7.5,
                    annotation_clip=False,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                )
    ax.axvline(base, color=OKABE_ITO["black"], lw=1.0)
    ax.annotate(
        f"baseline {fmt_num(base)}",
        xy=(base, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, 2),
        textcoords="offset points",
        fontsize=7.5,
        va="bottom",
    )
    ax.set_yticks(range(n)[::-1], [str(a) for a in rank["assumption"]], fontsize=8)
    ax.set_xlim(*xlim)
    ax.set_ylim(-0.6, n - 0.4)
    whole = np.r_[finite.to_numpy(), base]
    if np.allclose(whole, np.round(whole)):  # counts: integer ticks only
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(v)))
    met = str(case["metric"].iloc[0])
    ax.set_xlabel(metric_label or met, fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [
        Patch(color=COLORS["flip"], label="a setting flips the conclusion"),
        Patch(color=COLORS["holds"], label="the conclusion holds"),
    ]
    if never:
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=OKABE_ITO["black"],
                hatch="///",
                label="never within the grid",
            )
        )
    fig.legend(
        handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7.5, frameon=False
    )
    scen = scenario_text or str(case["scenario"].iloc[0])
    fig.suptitle(
        f"Which assumption moves the result: {scen} ({case['sensor'].iloc[0]})",
        fontsize=10.5,
        x=0.01,
        ha="left",
    )
    literal_text(fig)
    return fig


# --------------------------------------------------------------------------- maps


def _lonlat_to_xy(fwd: Any, coords: np.ndarray) -> np.ndarray:
    x, y = fwd.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y]) / 1000.0  # km


def _project(geom: BaseGeometry, fwd: Any) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: _lonlat_to_xy(fwd, xy))


def _draw_geom(ax: Any, geom: BaseGeometry, **kw: Any) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    for poly in geodesy.explode_polygons(geom):
        if poly.is_empty:
            continue
        verts, codes = [], []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            codes.append(np.r_[Path.MOVETO, np.full(len(xy) - 2, Path.LINETO), Path.CLOSEPOLY])
        if verts:
            path = Path(np.concatenate(verts), np.concatenate(codes))
            ax.add_patch(PathPatch(path, **kw))


def route_maps_figure(
    territory: BaseGeometry,
    routes: Sequence[Mapping[str, Any]],
    *,
    neighbours: Mapping[str, BaseGeometry] | None = None,
    group: BaseGeometry | None = None,
    airfields: Sequence[Mapping[str, Any]] = (),
    territory_name: str = "",
    group_name: str = "",
    title: str | None = None,
    pad_km: float = 120.0,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Side-by-side static maps of the best flights, at the same scale, offline (no tiles).

    Everything is projected to an azimuthal equidistant projection centred on the territory
    (:func:`openskies.geodesy.aeqd`), in km; both panels share the extent, so equal lengths
    look equal. Colours: the territory white, other members of its group (``group``) pale
    sand, neighbours grey with their names, sea and the rest pale blue; each route in its
    role's colour with its imaged footprint tinted, and the part imaged by both flights
    hatched purple (named in the legend).

    Parameters
    ----------
    territory : shapely geometry
        Observed territory (``data.territory("BLR").geometry``), (lon, lat) degrees WGS84.
    routes : sequence of mappings, one per panel (usually two)
        Keys ``label`` (str, plain text, e.g. ``"Kubinka (UUMB), 5,500 km"``), ``short``
        (optional, e.g. ``"Kubinka"``, for the legend), ``lon`` and
        ``lat`` (arrays of degrees, the flown track), ``role`` (``"incumbent"`` or
        ``"candidate"``: the colour) and optionally ``footprint`` (imaged area, a shapely
        geometry in lon/lat).
    neighbours : mapping, optional
        Neighbour name -> land geometry (lon/lat), drawn grey and labelled.
    group : shapely geometry, optional
        The rest of the observed group (Russia for BLR+RUS), drawn pale sand.
    airfields : sequence of mappings
        Keys ``label`` (plain text), ``lon``, ``lat`` and optionally ``role`` (marker colour)
        and ``hypothetical`` (bool: hollow marker, "(hypothetical)" in the legend).
    territory_name : str
        Name of the territory, in the legend.
    group_name : str
        Name of ``group`` (e.g. ``"Russia"``), written on it and in the legend.
    title : str, optional
        Figure title.
    pad_km : float
        Margin around the routes and territory, km.
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure or SubFigure
    """
    if not routes:
        msg = "route_maps_figure needs at least one route"
        raise ValueError(msg)
    lon0, lat0 = geodesy.centre_of(territory)
    fwd, inv, _crs = geodesy.aeqd(lon0, lat0)
    tracks = []
    for r in routes:
        lon = np.asarray(r["lon"], float)
        lat = np.asarray(r["lat"], float)
        geodesy.check_lonlat(lon, lat, what=f"route {r.get('label', '')!s}")
        dense = geodesy.densify_coords(np.column_stack([lon, lat]), 25.0)
        tracks.append(_lonlat_to_xy(fwd, dense))
    terr_xy = _project(territory, fwd)
    simplify_km = 0.0  # set once the extent is known
    pts = [np.vstack(tracks), shapely.get_coordinates(terr_xy)]
    for a in airfields:
        pts.append(_lonlat_to_xy(fwd, np.array([[float(a["lon"]), float(a["lat"])]])))
    allxy = np.vstack(pts)
    xmin, ymin = allxy.min(axis=0) - pad_km
    xmax, ymax = allxy.max(axis=0) + pad_km
    # a lon/lat window generously around the view (its outline taken back to WGS84 through
    # the inverse projection, widened by a few degrees), to clip the big neighbours before
    # projecting them
    ring = np.asarray(shapely.box(xmin, ymin, xmax, ymax).segmentize(50.0).exterior.coords)
    rlon, rlat = inv.transform(ring[:, 0] * 1000.0, ring[:, 1] * 1000.0)
    win = (
        float(np.min(rlon)) - 8.0,
        max(-90.0, float(np.min(rlat)) - 6.0),
        float(np.max(rlon)) + 8.0,
        min(90.0, float(np.max(rlat)) + 6.0),
    )
    view = shapely.box(xmin, ymin, xmax, ymax)
    simplify_km = (xmax - xmin) / 2000.0
    terr_xy = shapely.simplify(terr_xy, simplify_km)

    def _local(geom: BaseGeometry) -> BaseGeometry:
        clipped = shapely.clip_by_rect(geom, *win)
        local = shapely.intersection(_project(clipped, fwd), view.buffer(pad_km))
        # about 0.2 pt at the printed size: invisible, and keeps the SVG small
        return shapely.simplify(local, simplify_km)

    feet = []
    for r in routes:
        fp = r.get("footprint")
        feet.append(_local(fp) if fp is not None and not fp.is_empty else None)
    both = None
    if len(feet) >= 2 and all(f is not None for f in feet):
        both = shapely.intersection_all(feet)
        if both.is_empty:
            both = None
    nb = {str(k): _local(g) for k, g in (neighbours or {}).items()}
    grp = _local(group) if group is not None else None

    panel_w = _FIG_W_IN / len(routes)
    fig = _new_figure(fig, (_FIG_W_IN, panel_w * (ymax - ymin) / (xmax - xmin) + 1.5))
    axes = fig.subplots(1, len(routes), sharex=True, sharey=True, squeeze=False)[0]
    for ax, r, xy, fp in zip(axes, routes, tracks, feet, strict=True):
        color = COLORS.get(str(r.get("role", "candidate")), COLORS["candidate"])
        ax.set_facecolor(COLORS["background"])
        for name, g in nb.items():
            if g.is_empty:
                continue
            _draw_geom(ax, g, facecolor=COLORS["neighbour"], edgecolor="white", lw=0.6)
            p = shapely.intersection(g, view).representative_point()
            if not p.is_empty:
                ax.text(
                    p.x,
                    p.y,
                    name,
                    fontsize=6.5,
                    color="#555555",
                    ha="center",
                    va="center",
                    clip_on=True,
                )
        if grp is not None and not grp.is_empty:
            _draw_geom(ax, grp, facecolor=COLORS["group"], edgecolor=COLORS["border"], lw=0.5)
        _draw_geom(ax, terr_xy, facecolor=COLORS["territory"], edgecolor=COLORS["border"], lw=1.0)
        if fp is not None:
            _draw_geom(ax, fp, facecolor=color, alpha=0.22, lw=0)
        if both is not None:
            _draw_geom(ax, both, facecolor="none", edgecolor=COLORS["overlap"], hatch="////", lw=0)
        ax.plot(xy[:, 0], xy[:, 1], color=color, lw=1.6, zorder=5)
        for a in airfields:
            axy = _lonlat_to_xy(fwd, np.array([[float(a["lon"]), float(a["lat"])]]))[0]
            ac = COLORS.get(str(a.get("role", "")), OKABE_ITO["black"])
            hyp = bool(a.get("hypothetical", False))
            ax.plot(
                axy[0],
                axy[1],
                marker="^",
                ms=7,
                mec="black",
                mew=0.8,
                mfc="white" if hyp else ac,
                zorder=6,
            )
            east = axy[0] > xmin + 0.7 * (xmax - xmin)
            ax.annotate(
                str(a["label"]),
                xy=(axy[0], axy[1]),
                xytext=(-5 if east else 5, -9),
                textcoords="offset points",
                ha="right" if east else "left",
                fontsize=7,
                zorder=7,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )
        if group_name and grp is not None and not grp.is_empty:
            p = shapely.intersection(grp, view).representative_point()
            if not p.is_empty:
                ax.text(
                    p.x,
                    p.y,
                    group_name,
                    fontsize=7,
                    color="#555555",
                    ha="center",
                    va="center",
                    clip_on=True,
                )
        ax.set_title(str(r.get("label", "")), fontsize=9, color=color)
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    # scale bar on the first panel: a round length about a fifth of the width
    width = xmax - xmin
    bar = float(10 ** math.floor(math.log10(width / 5)))
    bar *= 5 if width / 5 / bar >= 5 else 2 if width / 5 / bar >= 2 else 1
    ax0 = axes[0]
    x0, y0 = xmin + width * 0.05, ymin + (ymax - ymin) * 0.05
    ax0.plot([x0, x0 + bar], [y0, y0], color="black", lw=2.5, solid_capstyle="butt", zorder=8)
    ax0.text(
        x0 + bar / 2,
        y0 + (ymax - ymin) * 0.015,
        f"{bar:,.0f} km",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=8,
    )
    handles = [
        Patch(
            facecolor=COLORS["territory"],
            edgecolor=COLORS["border"],
            label=territory_name or "observed territory",
        ),
    ]
    if grp is not None and not grp.is_empty:
        handles.append(
            Patch(
                facecolor=COLORS["group"],
                edgecolor=COLORS["border"],
                label=f"{group_name or 'rest of the group'} (same observed group)",
            )
        )
    if nb:
        handles.append(Patch(facecolor=COLORS["neighbour"], label="neighbouring states"))
    for r, fp in zip(routes, feet, strict=True):
        if fp is not None:
            c = COLORS.get(str(r.get("role", "candidate")), COLORS["candidate"])
            who = str(r.get("short", r.get("label", "")))
            handles.append(Patch(facecolor=c, alpha=0.3, label=f"imaged by {who}'s flight"))
    if both is not None:
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=COLORS["overlap"],
                hatch="////",
                label="imaged by both flights",
            )
        )
    if any(a.get("hypothetical") for a in airfields):
        handles.append(
            mpl.lines.Line2D(
                [],
                [],
                marker="^",
                ls="",
                mfc="white",
                mec="black",
                label="hypothetical airfield (never designated)",
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=7, frameon=False)
    fig.suptitle(
        title or "Best single flight from each airfield, same scale",
        fontsize=10.5,
        x=0.01,
        ha="left",
    )
    literal_text(fig)
    return fig
