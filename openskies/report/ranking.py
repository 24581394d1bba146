"""The ranking report: findings, the Markdown table, the scored map and the files of a ranking.

Renders what :func:`openskies.ranking.rank_entry_points` returned: ``ranking.csv``, ``.md``,
``.html`` (candidates coloured by score), ``.geojson`` and ``summary.json``.
"""

from __future__ import annotations

import html as _htmllib
import json
import logging
import math
import textwrap
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from .._errors import ValidationError
from .._text import csv_frame, format_number, markdown_text
from ..ranking import _territory_of, level_metrics
from ._tables import SCORE_STOPS, markdown_table, ramp

if TYPE_CHECKING:  # pragma: no cover
    pass


logger = logging.getLogger(__name__)

__all__ = [
    "answer",
    "findings",
    "ranking_html",
    "ranking_layer",
    "ranking_markdown",
    "write_ranking",
]


def _meta(ranking: pd.DataFrame) -> dict[str, Any]:
    meta = ranking.attrs.get("ranking")
    if not isinstance(meta, dict):
        msg = "ranking has no attrs['ranking']: pass the table rank_entry_points returned"
        raise ValidationError(msg)
    return meta


#: Timings of a run: kept in ``ranking.attrs`` (benchmarks read them), never written to files.
_TIMING_KEYS = ("task_seconds", "task_cpu_seconds")


def _reproducible(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The ranking's metadata without its timings: identical inputs give identical files."""
    out = {k: v for k, v in meta.items() if k not in _TIMING_KEYS}
    if isinstance(out.get("run"), Mapping):
        out["run"] = {k: v for k, v in out["run"].items() if k != "wall_s"}
    return out


def _fmt(v: Any, unit: str = "") -> str:
    """A ranking value as text, by its metric's unit (:func:`openskies._text.format_number`).

    A fraction is a percentage with one decimal, a whole number of flights a plain count,
    anything else 3 significant digits below 100 and none from 100 up; missing or infinite
    is empty.
    """
    if isinstance(v, float | np.floating):
        if unit == "fraction":
            return format_number(v, percent=True, decimals=1, thousands=False, infinite="")
        if unit == "flights" and float(v).is_integer():
            return format_number(v, decimals=0, thousands=False)
    return format_number(v, significant=3, whole_from=100, infinite="")


#: Cells of the ranking tables that are not a metric: coordinates (3 decimals) and the rank.
_COORD_TEXT = partial(format_number, decimals=3, thousands=False, missing=None)
_RANK_TEXT = partial(format_number, decimals=0, thousands=False)


def _scenario_label(budget: float, sensor: str) -> str:
    return f"{format_number(budget, decimals=0, unit='km', missing=None)}, {sensor}"


def findings(ranking: pd.DataFrame, *, highlight: Sequence[str] = ()) -> list[str]:
    """Plain-language results per budget x sensor: the best site vs the reference and others.

    Parameters
    ----------
    ranking : GeoDataFrame
        A :func:`rank_entry_points` result.
    highlight : sequence of str
        ICAO codes to compare with the best site too (e.g. ``("UMMS",)``).
    """
    meta = _meta(ranking)
    p = meta["params"]
    units = meta["metric_units"]
    obj = [o.split(":")[0] for o in p["objective"]]
    out = []
    for (b, s), g in ranking.groupby(["budget_km", "sensor"], sort=False):
        ok = g[g["status"] == "ok"]
        if ok.empty:
            out.append(f"[{_scenario_label(b, s)}] every candidate failed.")
            continue
        best_rank = ok["rank"].min()
        best = ok[ok["rank"] == best_rank]
        first = best.iloc[0]
        tie = f" (tied with {len(best) - 1} other site(s))" if len(best) > 1 else ""

        def desc(row: Any, n: int) -> str:
            vals = ", ".join(f"{m} {_fmt(row[m], units.get(m, ''))}" for m in obj)
            hyp = " (hypothetical)" if row["hypothetical"] else ""
            return (
                f"{row['name']} ({row['icao']}){hyp} at {row['lat']:.2f} N "
                f"{row['lon']:.2f} E: rank {row['rank']} of {n}; {vals}"
            )

        text = f"[{_scenario_label(b, s)}] Best: {desc(first, len(ok))}{tie}."
        others = [c for c in (p.get("reference"), *highlight) if c and c != first["icao"]]
        for c in dict.fromkeys(others):
            row = g[g["icao"] == c]
            if row.empty:
                continue
            row = row.iloc[0]
            if row["status"] != "ok":
                text += f" {c}: failed ({row['error']})."
                continue
            label = "reference" if c == p.get("reference") else "compared"
            diffs = []
            for m in obj:
                a, v = float(row[m]), float(first[m])
                if not (math.isfinite(a) and math.isfinite(v)):
                    continue
                unit = units.get(m, "")
                if abs(a - v) < 1e-9:
                    diffs.append(f"{m} the same ({_fmt(v, unit)})")
                else:
                    rel = f", {(v - a) / abs(a):+.0%}" if a else ""
                    diffs.append(f"{m} {_fmt(a, unit)} -> {_fmt(v, unit)}{rel}")
            same_flights = all(
                abs(float(row[m]) - float(first[m])) < 1e-9
                for m in obj
                if m.startswith("flights")
                and math.isfinite(float(row[m]))
                and math.isfinite(float(first[m]))
            )
            note = (
                " The number of flights does not differ."
                if same_flights and any(m.startswith("flights") for m in obj)
                else ""
            )
            text += (
                f" {row['name']} ({c}, {label}): rank {row['rank']}; from it to the best "
                f"site: {'; '.join(diffs)}.{note}"
            )
        out.append(text)
    failed = meta.get("failed", {})
    if failed:
        out.append(
            f"{len(failed)} candidate(s) failed and are listed with their error: "
            + ", ".join(sorted(failed))
        )
    return out


def answer(ranking: pd.DataFrame, *, highlight: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The ranking's answer: one sentence per budget x sensor (at most three), with its anchor.

    Each names the best site with the value of the first objective and says where the
    reference (and each ``highlight`` site) ranks; generated from the table, plain text.
    Returns ``(sentence, anchor id of its ranking table)`` pairs.
    """
    meta = _meta(ranking)
    p = meta["params"]
    units = meta["metric_units"]
    first = p["objective"][0].split(":")[0]
    unit = units.get(first, "")
    out = []
    for k, ((b, s), g) in enumerate(ranking.groupby(["budget_km", "sensor"], sort=False)):
        if len(out) == 3:
            break
        ok = g[g["status"] == "ok"].sort_values("rank", kind="stable")
        anchor = f"tab-ranking-{k + 1}"
        if ok.empty:
            out.append((f"At {_scenario_label(b, s)} every candidate failed.", anchor))
            continue
        best = ok.iloc[0]
        hyp = " (hypothetical)" if best["hypothetical"] else ""
        ties = int((ok["rank"] == best["rank"]).sum()) - 1
        text = (
            f"At {_scenario_label(b, s)}, the best of {len(ok)} candidates is {best['name']} "
            f"({best['icao']}){hyp}, with {first.replace('_', ' ')} "
            f"{_fmt(best[first], unit)} {unit}".rstrip()
        )
        text += f" (tied with {ties} other site(s))" if ties > 0 else ""
        others = []
        for c in dict.fromkeys(x for x in (p.get("reference"), *highlight) if x):
            if c == best["icao"]:
                continue
            row = g[g["icao"] == c]
            if row.empty:
                continue
            r = row.iloc[0]
            role = "the reference" if c == p.get("reference") else "compared"
            if r["status"] != "ok":
                others.append(f"{r['name']} ({c}, {role}) failed")
                continue
            others.append(
                f"{r['name']} ({c}, {role}) ranks {_RANK_TEXT(r['rank'])} with "
                f"{_fmt(r[first], unit)} {unit}".rstrip()
            )
        text += ("; " + "; ".join(others) if others else "") + "."
        out.append((text, anchor))
    return out


def _score_chart_svg(ranking: pd.DataFrame, *, top: int = 10) -> str:
    """Inline SVG: the best ``top`` candidates of the first budget x sensor and the reference.

    Bars show the first objective metric whose values differ among them (the lexicographic
    objective breaks ties with the next metric), the first one named in the title.
    """
    from matplotlib.figure import Figure

    from . import _figures as figs

    meta = _meta(ranking)
    units = meta["metric_units"]
    objective = [o.split(":")[0] for o in meta["params"]["objective"]]
    b, s = next(iter(zip(ranking["budget_km"], ranking["sensor"], strict=True)))
    g = ranking[
        (ranking["budget_km"] == b) & (ranking["sensor"] == s) & (ranking["status"] == "ok")
    ]
    g = g.sort_values("rank", kind="stable")
    ref = meta["params"].get("reference")
    g = pd.concat([g.head(top), g[(g["icao"] == ref) & ~g.index.isin(g.head(top).index)]])
    metric = next((o for o in objective if g[o].astype(float).nunique() > 1), objective[0])
    unit = units.get(metric, "")
    fig = Figure(figsize=(7.2, 0.3 * max(len(g), 1) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(g))[::-1]
    colors = [figs.COLORS["incumbent"] if i == ref else figs.COLORS["candidate"] for i in g["icao"]]
    vals = g[metric].astype(float).to_numpy()
    ax.barh(y, vals, color=colors, height=0.6)
    # a name may be long (a user's designation): cut, so that the bars keep their room
    labels = [
        f"{_RANK_TEXT(r)}. {textwrap.shorten(str(n), 40, placeholder='…')}"
        for r, n in zip(g["rank"], g["name"], strict=True)
    ]
    ax.set_yticks(y, labels)
    for yy, v in zip(y, vals, strict=True):
        ax.text(v, yy, f" {_fmt(v, unit)}", va="center", fontsize=7)
    ax.tick_params(labelsize=7.5)
    words = metric.replace("_", " ")
    ax.set_xlabel(words + (f" ({unit})" if unit and unit not in words.split() else ""), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    tie = (
        f"\nall tie on {objective[0].replace('_', ' ')}: the next objective separates them"
        if metric != objective[0] and g[objective[0]].astype(float).nunique() == 1
        else ""
    )
    fig.suptitle(
        f"The best {min(top, len(g))} candidates at {_scenario_label(b, s)} and the "
        f"reference (vermillion){tie}",
        fontsize=9.5,
        x=0.01,
        ha="left",
    )
    svg = figs.figure_bytes(fig, "svg").decode("utf-8")
    return svg[svg.index("<svg") :]


def _table_columns(ranking: pd.DataFrame) -> list[str]:
    meta = _meta(ranking)
    obj = [o.split(":")[0] for o in meta["params"]["objective"]]
    keep = ["rank", "icao", "name", "kind", "hypothetical", "lat", "lon", *obj]
    for extra in ("reach_fraction", "transit_farthest_km", "flights_100pct"):
        if extra in ranking.columns and extra not in keep:
            keep.append(extra)
    keep += [f"vs_reference_{m}" for m in obj if f"vs_reference_{m}" in ranking.columns]
    return [*keep, "status"]


def ranking_markdown(
    ranking: pd.DataFrame, *, highlight: Sequence[str] = (), title: str | None = None
) -> str:
    """The ranking as Markdown: parameters, objective, findings, one table per scenario."""
    meta = _meta(ranking)
    p = meta["params"]
    units = meta["metric_units"]
    cols = _table_columns(ranking)
    md = markdown_text
    lines = [
        f"# {md(title or 'Entry-point ranking: ' + p['territory'])}",
        "",
        f"{p['n_candidates']} candidate sites of {md(p['territory'])} (regime {p['year']}); "
        f"reference {md(p['reference'])}; budgets "
        f"{', '.join(f'{b:,.0f}' for b in p['budgets_km'])} km; sensors "
        f"{', '.join(map(md, p['sensors']))}; metrics level `{p['metrics']}`.",
        "",
        "Objective (lexicographic, first most important): "
        + ", then ".join(f"`{o}`" for o in p["objective"])
        + ".",
        "Every site that is not an Open Skies airfield with that budget is a hypothetical "
        "designation (never made: treaty-facts.md §2).",
        "",
        "## Findings",
        "",
        *[f"- {md(f)}" for f in findings(ranking, highlight=highlight)],
        "",
    ]
    formats = {
        "lat": _COORD_TEXT,
        "lon": _COORD_TEXT,
        "rank": _RANK_TEXT,
        **{
            c: partial(_fmt, unit=units.get(c.removeprefix("vs_reference_"), ""))
            for c in cols
            if c not in ("lat", "lon", "rank")
        },
    }
    for (b, s), g in ranking.groupby(["budget_km", "sensor"], sort=False):
        lines += [
            f"## Ranking: {md(_scenario_label(b, s))}",
            "",
            markdown_table(g, columns=cols, formats=formats),
            "",
        ]
    if meta.get("failed"):
        failed = pd.DataFrame(list(meta["failed"].items()), columns=["icao", "error"])
        lines += ["## Failed candidates", "", markdown_table(failed, fmt=str), ""]
    defs = pd.DataFrame(
        [(k, *v) for k, v in level_metrics(p["metrics"]).items() if k in ranking.columns],
        columns=["metric", "unit", "better", "definition"],
    )
    lines += ["## Metrics", "", markdown_table(defs, fmt=str)]
    prov = meta["provenance"]
    run = meta["run"]
    lines += [
        "",
        "## Provenance",
        "",
        f"- openskies {prov['openskies_version']}",
        f"- parameters sha256 {prov['params_sha256']}",
        f"- executor {md(run['executor'])}, {run.get('workers')} worker(s)",
        *[f"- {k} sha256 {v}" for k, v in prov["data_sha256"].items()],
        "",
    ]
    return "\n".join(lines)


def _ramp(x: float) -> str:
    """Score colour: green (0, best) through yellow to purple (1, worst)."""
    return ramp(x, SCORE_STOPS)


def ranking_layer(
    m: Any, ranking: pd.DataFrame, *, budget_km: float, sensor: str, show: bool = True
) -> None:
    """Add one scenario's candidates to a map, each coloured by its score."""
    from . import _leaflet as _html

    meta = _meta(ranking)
    units = meta["metric_units"]
    obj = [o.split(":")[0] for o in meta["params"]["objective"]]
    g = ranking[(ranking["budget_km"] == budget_km) & (ranking["sensor"] == sensor)].copy()
    g["site"] = [
        f"{n} ({i}){' (hypothetical)' if h else ''}"
        for n, i, h in zip(g["name"], g["icao"], g["hypothetical"], strict=True)
    ]
    g["rank_text"] = [
        "failed" if pd.isna(r) else f"{int(r)} of {int(g['rank'].max())}" for r in g["rank"]
    ]
    for c in obj:
        g[f"t_{c}"] = [_fmt(v, units.get(c, "")) for v in g[c]]
    fields = {
        "site": "Site",
        "kind": "Kind",
        "rank_text": "Rank",
        **{f"t_{c}": c for c in obj},
        "error": "Error",
    }
    _html.add_geojson_layer(
        m,
        g[[*fields, "score", "status", "geometry"]],
        name=f"Candidates, {_scenario_label(budget_km, sensor)}",
        show=show,
        style=lambda pr: {
            "color": "#000000",
            "weight": 3
            if pr.get("kind") == "reference"
            else (1.5 if pr.get("kind") != "grid" else 0.5),
            "radius": 9 if pr.get("kind") in ("reference", "airfield", "point") else 5,
            "fillOpacity": 0.95,
            "fillColor": "#777777" if pr.get("status") != "ok" else _ramp(pr.get("score", 1.0)),
        },
        popup_fields=fields,
        tooltip_fields={"site": "Site", "rank_text": "Rank"},
        precision=4,
        fit=False,
    )


def ranking_html(
    ranking: pd.DataFrame,
    *,
    highlight: Sequence[str] = (),
    title: str | None = None,
    online_tiles: bool = False,
) -> str:
    """The ranking as one self-contained, offline HTML page: map, findings, tables, methods."""
    from . import _layers as report
    from . import _leaflet as _html

    meta = _meta(ranking)
    p = meta["params"]
    units = meta["metric_units"]
    terr = _territory_of(p["territory"], p["year"])
    pts = [shapely.Point(x, y) for x, y in zip(ranking["lon"], ranking["lat"], strict=True)]
    bounds = report._display_bounds([terr.geometry, *pts], pad_deg=0.7)
    m = _html.new_map(bounds=bounds, online_tiles=online_tiles)
    report.base_layers(m, bounds, territory=terr)
    scenarios = list(dict.fromkeys(zip(ranking["budget_km"], ranking["sensor"], strict=True)))
    for k, (b, s) in enumerate(scenarios):
        ranking_layer(m, ranking, budget_km=b, sensor=s, show=k == 0)
    legend = [
        ("Best score", _ramp(0.0)),
        ("Middle", _ramp(0.5)),
        ("Worst score", _ramp(1.0)),
        ("Failed", "#777777"),
    ]
    _html.add_legend(m, legend, title="Candidates (large: airfields; thick ring: reference)")
    _html.add_layer_control(m)
    sentences = "".join(
        f'<p>{_htmllib.escape(t)} <a class="os-evidence" href="#{a}">(evidence)</a></p>'
        for t, a in answer(ranking, highlight=highlight)
    )
    _html.add_html_section(m, sentences, title="The answer", section_id="answer", above_map=True)
    if (ranking["status"] == "ok").any():
        _html.add_html_section(
            m,
            '<figure class="os-figure" id="fig-ranking">'
            f"{_score_chart_svg(ranking)}<figcaption>The best candidates by the first objective "
            "that separates them; the map below shows every candidate coloured by its score."
            "</figcaption>"
            "</figure>",
            title="Key figures",
            section_id="figures",
            above_map=True,
        )
    items = "".join(
        f"<li>{_htmllib.escape(f)}</li>" for f in findings(ranking, highlight=highlight)
    )
    obj = ", then ".join(p["objective"])
    _html.add_html_section(
        m,
        f"<p>Objective (lexicographic): {_htmllib.escape(obj)}. Scores run from 0 (best "
        f"rank) to 1 (worst) within each budget and sensor.</p><ul>{items}</ul>",
        title="Findings",
    )
    cols = _table_columns(ranking)
    for k, (b, s) in enumerate(scenarios):
        g = ranking[(ranking["budget_km"] == b) & (ranking["sensor"] == s)]
        shown = g if len(g) <= 60 else g[(g["rank"].fillna(10**9) <= 25) | (g["kind"] != "grid")]
        rows = [
            [
                ("" if pd.isna(r[c]) else int(r[c]))
                if c == "rank"
                else (
                    round(float(r[c]), 3)
                    if c in ("lat", "lon")
                    else _fmt(r[c], units.get(c.removeprefix("vs_reference_"), ""))
                )
                for c in cols
            ]
            for _, r in shown.iterrows()
        ]
        note = (
            ""
            if len(shown) == len(g)
            else (f" (the top 25 and every airfield of {len(g)} sites; the CSV has all)")
        )
        _html.add_html_section(
            m,
            _html.html_table(cols, rows),
            title=f"Ranking: {_scenario_label(b, s)}{note}",
            section_id=f"tab-ranking-{k + 1}",
        )
    if meta.get("failed"):
        _html.add_html_section(
            m,
            _html.html_table(["icao", "error"], list(meta["failed"].items())),
            title="Failed candidates",
        )
    defs = [
        (k, u, d, t) for k, (u, d, t) in level_metrics(p["metrics"]).items() if k in ranking.columns
    ]
    prov = meta["provenance"]
    run = meta["run"]
    prov_rows = [
        ("openskies version", prov["openskies_version"]),
        ("parameters sha256", prov["params_sha256"]),
        ("executor", f"{run['executor']} ({run.get('workers')} worker(s))"),
        *[(f"{k} sha256", v) for k, v in prov["data_sha256"].items()],
    ]
    _html.add_html_section(
        m,
        _html.html_table(["metric", "unit", "better", "definition"], defs)
        + _html.html_table(["item", "value"], prov_rows),
        title="Metrics and provenance",
    )
    return _html.render_offline(m, title=title or f"openskies entry-point ranking: {terr.name}")


def write_ranking(
    ranking: pd.DataFrame,
    out_dir: str | Path,
    *,
    highlight: Sequence[str] = (),
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write ranking.csv, .md, .html, .geojson and summary.json into ``out_dir``.

    Every file is written atomically into the existing directory ``out_dir``
    (the CLI stages the whole directory, see :mod:`openskies._outdir`).
    """
    from ..io import atomic_write, write_geojson_layer
    from . import _leaflet as _html

    out = Path(out_dir)
    meta = _meta(ranking)
    table = pd.DataFrame(ranking.drop(columns="geometry"))
    paths = []
    with atomic_write(out / "ranking.csv", newline="") as fh:
        fh.write(csv_frame(table).to_csv(index=False, float_format="%.10g", lineterminator="\n"))
    paths.append(out / "ranking.csv")
    with atomic_write(out / "ranking.md") as fh:
        fh.write(ranking_markdown(ranking, highlight=highlight, title=title))
    paths.append(out / "ranking.md")
    paths.append(
        _html.write_html(
            ranking_html(ranking, highlight=highlight, title=title), out / "ranking.html"
        )
    )
    gdf = ranking.copy()
    gdf["rank"] = gdf["rank"].astype("float64")
    write_geojson_layer(gdf, out / "ranking.geojson")
    paths.append(out / "ranking.geojson")
    summary = {**_reproducible(meta), "findings": findings(ranking, highlight=highlight)}
    summary.update(extra or {})
    with atomic_write(out / "summary.json") as fh:
        json.dump(summary, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
    paths.append(out / "summary.json")
    return paths
