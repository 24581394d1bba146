"""The analyst's summary of an entry-point study: the answer, the key figures, the evidence.

One place decides what the study says and shows; the HTML page (:mod:`.study`), the PDF
(:mod:`._pdf`), the figure files (``figures/*.png|svg``) and the notebook view
(``EntryPointStudy._repr_html_``) all draw from :func:`summary`:

- the answer: two to four sentences generated from the study's tables
  (:func:`openskies.report._answer.answer` for a study of the five legal options; for a plain
  comparison of candidates, one sentence per candidate from ``flights_100pct``), each with
  the id of the element holding its evidence;
- the key figures (:mod:`openskies.report._figures`), each a function that draws into the
  figure it is given (a PDF page) or a new one, with a file stem, an anchor id and a caption;
- plain words for every metric name, with its unit.

Coordinates are (lon, lat) degrees WGS84; lengths km.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .. import _geodata, sensors
from .._scenario import METRICS
from .._text import format_number
from . import _answer
from . import _figures as figs

logger = logging.getLogger(__name__)

__all__ = ["KeyFigure", "Summary", "metric_words", "summary"]

#: Metric name -> plain words (the unit is shown beside them, from the metrics table).
PLAIN_METRICS: dict[str, str] = {
    "budget_km": "maximum flight distance of the airfield flown from",
    "transit_nearest_km": "distance to the nearest point of the territory",
    "transit_mean_km": "mean distance to the territory",
    "transit_farthest_km": "distance to the farthest point of the territory",
    "km_outside_target_per_flight": "counted distance flown outside the territory, per flight",
    "treaty_transit_km_per_flight": "uncounted transit, entry point to airfield, per flight",
    "poe_to_osa_hours": "time from the point of entry to the airfield flown from",
    "five_hour_ok": "transit within the 5 hours of Annex E para 1 (1 yes, 0 no)",
    "annex_e_ok": "allowed by the 35 % rule of Annex E para 5(A) (1 yes, 0 no)",
    "min_budget_annex_e_km": "smallest Minsk distance the 35 % rule allows",
    "observer_quota_flights_per_year": "flights a year the observer may fly over the territory",
    "years_of_observer_quota_100pct": "years of the observer's quota to image everything",
    "budget_share_over_territory": "share of the best flight's distance over the territory",
    "reach_fraction": "share of the territory one flight can reach (upper bound)",
    "best_flight_area_km2": "area imaged by the best single flight",
    "best_flight_area_fine_km2": "of it, imaged at 0.5 m ground resolution or finer",
    "best_flight_area_medium_km2": "of it, imaged at a resolution coarser than 0.5 m, up to 1 m",
    "best_flight_area_coarse_km2": "of it, imaged at a resolution coarser than 1 m",
    "best_flight_fraction": "share of the territory imaged by the best single flight",
    "flights_50pct": "flights to image half of the territory",
    "flights_90pct": "flights to image 90 % of the territory",
    "flights_100pct": "flights to image the whole territory (a legal plan)",
    "flights_100pct_quota_share": "those flights as a share of the group's yearly quota",
    "flights_lower_bound": "proved minimum of flights to image the whole territory",
    "full_coverage_fraction": "share of the territory the full-coverage plan images",
    "sites_total": "sites of interest in the territory",
    "sites_observed_best_route": "sites the most valuable single route observes",
    "sites_value_observed": "value of the sites that route observes",
    "flights_all_sites": "flights to observe every observable site",
    "sites_not_observable": "sites no single flight can observe",
    "flight_hours_best_flight": "flight time of the best single flight",
    "refuel_stops_best_flight": "refuelling stops of the best single flight",
    "mission_hours": "mission time of the best single flight, ferry included",
    "fits_96h_window": "mission fits the 96 hours of the treaty (1 yes, 0 no)",
    "expected_calendar_days_100pct": "expected calendar days to image everything, weather allowing",
    "expected_flights_100pct": "expected quota flights to image everything, weather allowing",
    "imageable": "daylight allows optical imaging of the whole territory (1 yes, 0 no)",
    "altitude_agl_m": "height above ground the sensor is flown at",
    "swath_km": "swath width at that height",
    "best_flight_feasible": "the best single flight can be flown with its refuelling (1 yes, 0 no)",
}
#: Units of the metrics table in words.
UNIT_WORDS = {"fraction": "share (0-1)", "bool": "yes/no (1/0)", "km2": "km²", "h": "hours"}


def metric_words(metric: str) -> str:
    """Plain words for a metric name of the metrics table (the name itself if unknown)."""
    m = str(metric)
    if m in PLAIN_METRICS:
        return PLAIN_METRICS[m]
    for prefix, words in (
        ("ferry_km_", "ferry distance from {}, round trip"),
        ("ferry_hours_", "ferry time from {}, round trip"),
    ):
        if m.startswith(prefix):
            return words.format(m[len(prefix) :])
    return m


def unit_words(unit: Any) -> str:
    """A unit of the metrics table in words (``fraction`` -> ``share (0-1)``)."""
    u = "" if unit is None or (isinstance(unit, float) and np.isnan(unit)) else str(unit)
    return UNIT_WORDS.get(u, u)


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the summary.

    Attributes
    ----------
    key : str
        File stem (``figures/<key>.png``) and anchor id (``fig-<key>``).
    caption : str
        What it shows, plain text.
    draw : callable
        ``draw(fig)``: draws into the matplotlib figure or subfigure it is given, or into a
        new figure when given None; returns it.
    """

    key: str
    caption: str
    draw: Callable[[Any], Any]
    drawn: Any = field(default=None, compare=False, repr=False)

    @property
    def anchor(self) -> str:
        """Id of the figure's element in the HTML page."""
        return f"fig-{self.key}"

    def figure(self) -> Any:
        """The figure drawn on its own (drawn once, then reused)."""
        return self.drawn if self.drawn is not None else self.draw(None)


@dataclass(frozen=True)
class Summary:
    """What the study says (the answer) and shows (the key figures).

    Attributes
    ----------
    title : str
        The question, as the report's title (plain text).
    sentences : list of Sentence
        The answer (:class:`openskies.report._answer.Sentence`), plain text.
    figures : list of KeyFigure
        The key figures, in reading order (the sensitivity chart last, when there is one).
    sensor : str
        The headline sensor (the study's first).
    names : dict
        ICAO -> airfield name.
    scope : str
        One line: territory, candidates, sensors, regime year, config (plain text).
    """

    title: str
    sentences: list[_answer.Sentence]
    figures: list[KeyFigure] = field(default_factory=list)
    sensor: str = ""
    names: dict[str, str] = field(default_factory=dict)
    scope: str = ""

    def figure(self, key: str) -> KeyFigure | None:
        """The figure named ``key``, if the summary has it."""
        return next((f for f in self.figures if f.key == key), None)


# --------------------------------------------------------------------------- building it


def target(study: Any) -> Any:
    """The territory studied: the study's own (it may be a part of one) or the bundled one."""
    from .. import data

    target = getattr(study, "target", None)
    if target is not None:
        return target
    return data.territory(study.params["territory"], year=study.params["year"])


def sensor_text(name: str, *, title: bool = False) -> str:
    """A sensor preset in words: ``"panoramic optical (optical_high_pan)"``.

    ``title=True`` gives the form for a figure title, which is already in parentheses:
    ``"optical_high_pan: panoramic optical"``.
    """
    try:
        s = sensors.preset(str(name))
    except (KeyError, ValueError):
        return str(name)
    words = " ".join(str(w) for w in (s.scan, s.kind) if w)
    if not words:
        return str(name)
    return f"{name}: {words}" if title else f"{words} ({name})"


def _names(study: Any) -> dict[str, str]:
    m = study.metrics
    out: dict[str, str] = {}
    if "name" in m.columns:
        for icao, name in m[["icao", "name"]].dropna().drop_duplicates().itertuples(index=False):
            out.setdefault(str(icao), str(name))
    for c in study.params.get("candidates", ()):
        out.setdefault(str(c), str(c))
    return out


def _candidates(study: Any) -> tuple[str, str]:
    cands = list(study.params["candidates"])
    return cands[0], cands[1] if len(cands) > 1 else cands[0]


def _try(fig: KeyFigure) -> KeyFigure | None:
    """The figure if it can be drawn from the study's tables, else None (logged)."""
    try:
        drawn = fig.draw(None)
    except ValueError as exc:
        logger.info("figure %s left out: %s", fig.key, exc)
        return None
    return replace(fig, drawn=drawn)


def _best_track(study: Any, icao: str, budget_km: float, sensor: str) -> dict[str, Any] | None:
    r = study.routes
    sel = r[
        (r["icao"] == icao)
        & np.isclose(r["budget_km"].to_numpy(float), budget_km)
        & (r["sensor"] == sensor)
        & (r["kind"] == "best single flight")
    ]
    if sel.empty:
        return None
    coords = shapely.get_coordinates(sel.geometry.iloc[0])
    fp = study.footprints
    fsel = fp[
        (fp["icao"] == icao)
        & np.isclose(fp["budget_km"].to_numpy(float), budget_km)
        & (fp["sensor"] == sensor)
    ]
    return {
        "lon": coords[:, 0],
        "lat": coords[:, 1],
        "footprint": fsel.geometry.iloc[0] if len(fsel) else None,
        "length_km": float(sel["length_km"].iloc[0]) if "length_km" in sel else float("nan"),
    }


def _maps_figure(
    study: Any, sensor: str, names: Mapping[str, str], budgets: Mapping[str, float]
) -> KeyFigure | None:
    """Side-by-side maps of each candidate's best single flight, at the same scale."""
    from .. import data

    terr = target(study)
    reg = data.regime(study.params["year"])
    inc, cand = _candidates(study)
    hyp = hypothetical(study)
    routes, afs = [], []
    pairs = [(inc, "incumbent")] + ([(cand, "candidate")] if cand != inc else [])
    for icao, role in pairs:
        budget = budgets.get(icao)
        if budget is None:
            continue
        tr = _best_track(study, icao, budget, sensor)
        if tr is None:
            continue
        short = figs.short_name(names.get(icao, icao))
        tag = " (hypothetical)" if icao in hyp else ""
        routes.append(
            {
                **tr,
                "label": (
                    f"{names.get(icao, icao)} ({icao}){tag}\n{figs.fmt_km(budget)} allowed, "
                    f"{figs.fmt_km(tr['length_km'])} flown"
                ),
                "short": short,
                "role": role,
            }
        )
    if not routes:
        return None
    for icao, role in pairs:
        try:
            a = reg.airfield(icao)
        except KeyError:
            continue
        afs.append(
            {
                "label": figs.short_name(names.get(icao, icao)),
                "lon": a.lon,
                "lat": a.lat,
                "role": role,
                "hypothetical": icao in hyp,
            }
        )
    for hb in study.params.get("home_bases", ()):
        if hb in (inc, cand):
            continue
        try:
            a = reg.airfield(hb)
        except KeyError:
            continue
        afs.append({"label": f"{figs.short_name(a.name)} (home base)", "lon": a.lon, "lat": a.lat})
    land = _geodata.countries("land")
    members = set(getattr(terr, "members", ()) or ())
    group_codes: set[str] = set()
    for icao, _role in pairs:
        try:
            g = reg.airfield(icao).group
        except KeyError:
            continue
        group_codes.update(str(g).split("+") if g else ())
    group_codes -= members
    grp_rows = land[land["adm0_a3"].isin(group_codes)]
    group = shapely.union_all(grp_rows.geometry.to_numpy()) if len(grp_rows) else None
    group_name = ", ".join(map(str, grp_rows["name"])) if len(grp_rows) else ""
    lonmin, latmin, lonmax, latmax = terr.geometry.bounds
    window = shapely.box(lonmin - 12.0, latmin - 6.0, lonmax + 16.0, latmax + 6.0)
    others = land[
        ~land["adm0_a3"].isin(members | group_codes) & land.intersects(window)
    ].sort_values("name")
    neighbours = {str(r.name): r.geometry for r in others.itertuples(index=False)}
    title = f"Best single flight from each airfield ({sensor_text(sensor, title=True)}), same scale"

    def draw(fig: Any = None) -> Any:
        return figs.route_maps_figure(
            terr.geometry,
            routes,
            neighbours=neighbours,
            group=group,
            airfields=afs,
            territory_name=f"{terr.name} (observed territory)",
            group_name=group_name,
            title=title,
            fig=fig,
        )

    caption = (
        "The best single flight of each airfield at the same scale, on an azimuthal "
        "equidistant projection centred on the territory: each route in its airfield's "
        "colour, the area it images tinted, the area both flights image hatched."
    )
    return _try(KeyFigure("maps", caption, draw))


def hypothetical(study: Any) -> set[str]:
    """Candidates that are hypothetical designations (never Open Skies airfields)."""
    p = study.params
    if "hypothetical" in p:
        return set(p["hypothetical"])
    m = study.metrics
    return {c for c in p["candidates"] if bool(m.loc[m["icao"] == c, "hypothetical"].any())}


def headline_budgets(study: Any, sensor: str) -> dict[str, float]:
    """The distance each candidate's map is drawn at: the status quo's own for both."""
    inc, cand = _candidates(study)
    p = study.params
    inc_b = float(p["budgets_km"][inc][0])
    cand_grid = [float(b) for b in p["budgets_km"].get(cand, ())]
    r = study.routes
    have = r.loc[(r["icao"] == cand) & (r["sensor"] == sensor), "budget_km"].to_numpy(float)
    grid = [b for b in cand_grid if np.isclose(have, b).any()] or list(have)
    if not grid:
        return {inc: inc_b}
    near = min(grid, key=lambda b: (abs(b - inc_b), -b))
    return {inc: inc_b, cand: float(near)}


def _option_figures(study: Any, sensor: str, names: Mapping[str, str]) -> list[KeyFigure]:
    m = study.metrics
    terr = target(study)
    be = study.break_even if len(study.break_even) else None
    kw = {
        "sensor": sensor,
        "territory_name": terr.name,
        "sensor_label": sensor_text(sensor, title=True),
    }
    out: list[KeyFigure | None] = [
        _try(
            KeyFigure(
                "flights",
                "Flights needed to image the whole territory, against the Minsk maximum flight "
                "distance, per legal option: the line is a legal plan, the band reaches down "
                "to the proved minimum; the status quo's line and the break-even distance are "
                "marked. Hollow points fail the 35 % rule of Annex E para 5(A).",
                lambda f: figs.flights_figure(m, break_even=be, names=names, fig=f, **kw),
            )
        ),
        _try(
            KeyFigure(
                "share",
                "Share of the territory imaged by the best single flight, per legal option.",
                lambda f: figs.share_figure(m, break_even=be, names=names, fig=f, **kw),
            )
        ),
        _try(
            KeyFigure(
                "quota-years",
                "Years of the observer's yearly quota of flights over the territory that full "
                "coverage takes, per legal option (band: from the proved minimum of flights).",
                lambda f: figs.quota_years_figure(m, break_even=be, names=names, fig=f, **kw),
            )
        ),
        _try(
            KeyFigure(
                "ferry",
                "Ferry from the home base to the point of entry and back: distance and time "
                "(not counted against the quota).",
                lambda f: figs.ferry_figure(m, names=names, fig=f),
            )
        ),
        _maps_figure(study, sensor, names, headline_budgets(study, sensor)),
    ]
    if len(study.sensitivity):
        sens = study.sensitivity
        inc, cand = figs.roles(m)

        def draw_sens(f: Any = None) -> Any:
            case = figs.sensitivity_focus(sens[sens["sensor"] == sensor] if sensor else sens)
            met = str(case["metric"].iloc[0])
            label = figs.scenario_label(str(case["scenario"].iloc[0]), names, inc, cand)
            if "budget_km" in case.columns:
                b = pd.to_numeric(case["budget_km"], errors="coerce").iloc[0]
                label += f" at {figs.fmt_km(b)}" if np.isfinite(b) else ""
            return figs.sensitivity_figure(
                case,
                metric_label=_axis_label(metric_words(met), _unit_of(m, met)),
                scenario_text=label,
                fig=f,
            )

        out.append(
            _try(
                KeyFigure(
                    "sensitivity",
                    "How far each assumption moves the result that moves most, and whether a "
                    "setting flips the conclusion drawn from it (vermillion) or not (blue).",
                    draw_sens,
                )
            )
        )
    return [f for f in out if f is not None]


def _axis_label(words: str, unit: str) -> str:
    """``words (unit)``, unless the words already name the unit."""
    return words if not unit or unit in words.split() else f"{words} ({unit})"


def _unit_of(metrics: pd.DataFrame, metric: str) -> str:
    if metric == "break_even_km":
        return "km"
    if "unit" in metrics.columns:
        u = metrics.loc[metrics["metric"] == metric, "unit"]
        if len(u):
            return unit_words(u.iloc[0])
    return unit_words(METRICS.get(metric, ("", ""))[0])


def _plain_answer(study: Any, sensor: str, names: Mapping[str, str]) -> list[_answer.Sentence]:
    """The answer of a plain comparison of candidates (no legal options): flights per candidate."""
    m = study.metrics
    terr = target(study)
    inc, _cand = _candidates(study)
    rows = m[(m["metric"] == "flights_100pct") & (m["sensor"] == sensor)]
    lows = m[(m["metric"] == "flights_lower_bound") & (m["sensor"] == sensor)]
    sq = rows[rows["icao"] == inc]
    if sq.empty:
        text = f"The study has no full-coverage result for {names.get(inc, inc)} to compare with."
        return [_answer.Sentence("helps", text, "sec-tables")]
    sq_v = float(sq["value"].iloc[0])
    out = []
    if len(study.params["candidates"]) < 2:
        lo = lows[lows["icao"] == inc]
        lo_t = f" (proved minimum {figs.fmt_num(float(lo['value'].iloc[0]))})" if len(lo) else ""
        out.append(
            _answer.Sentence(
                "helps",
                f"From {names.get(inc, inc)} at {figs.fmt_km(sq['budget_km'].iloc[0])}, imaging "
                f"all of {terr.name} with the {sensor_text(sensor)} sensor takes "
                f"{figs.fmt_num(sq_v)} flights{lo_t}.",
                "fig-maps",
            )
        )
    for r in rows[rows["icao"] != inc].itertuples(index=False):
        v = float(r.value)
        lo = lows[(lows["icao"] == r.icao) & np.isclose(lows["budget_km"], r.budget_km)]
        lo_t = f" (proved minimum {figs.fmt_num(float(lo['value'].iloc[0]))})" if len(lo) else ""
        diff = sq_v - v
        how = (
            f"{figs.fmt_num(diff)} fewer"
            if diff > 0
            else f"{figs.fmt_num(-diff)} more"
            if diff < 0
            else "as many"
        )
        out.append(
            _answer.Sentence(
                "helps",
                f"From {names.get(r.icao, r.icao)} at {figs.fmt_km(r.budget_km)}, imaging all of "
                f"{terr.name} with the {sensor_text(sensor)} sensor takes {figs.fmt_num(v)} "
                f"flights{lo_t}, {how} than the {figs.fmt_num(sq_v)} from "
                f"{names.get(inc, inc)}.",
                "fig-maps",
            )
        )
        if len(out) == 3:
            break
    out.append(_answer._year_sentence())
    return out


def summary(study: Any) -> Summary:
    """The answer and key figures of an :class:`~openskies.study.EntryPointStudy`.

    Parameters
    ----------
    study : EntryPointStudy
        A study of the five legal options (``scenarios=``) or a plain comparison.

    Returns
    -------
    Summary
        Sentences (plain text) with their evidence anchors, the key figures (drawn on
        demand), the headline sensor and the airfields' names.
    """
    p = study.params
    terr = target(study)
    sensor = str(p["sensors"][0])
    names = _names(study)
    inc, cand = _candidates(study)
    hyp = hypothetical(study)
    title = (
        f"Is {terr.name} easier to inspect from {figs.short_name(names.get(cand, cand))} "
        f"than from {figs.short_name(names.get(inc, inc))}?"
        if cand != inc
        else f"How easy is {terr.name} to inspect from {figs.short_name(names.get(inc, inc))}?"
    )
    labels = [
        f"{names.get(c, c)} ({c}){' (hypothetical)' if c in hyp else ''}" for c in p["candidates"]
    ]
    scope = (
        f"{terr.name}; status quo {labels[0]}, compared with {', '.join(labels[1:]) or 'none'}; "
        f"sensors {', '.join(sensor_text(s) for s in p['sensors'])}; regime year {p['year']}"
    )
    config = study.provenance.get("config")
    if config:
        scope += f"; config {config}"
    if study.metrics.empty:
        text = "The study has no metrics: there is nothing to answer from."
        return Summary(title, [_answer.Sentence("helps", text, "sec-tables")], [], sensor, names)
    if getattr(study, "scenario_study", False) and "status_quo" in set(study.metrics["scenario"]):
        sentences = _answer.answer(
            study.metrics,
            study.break_even if len(study.break_even) else None,
            study.sensitivity if len(study.sensitivity) else None,
            sensor=sensor,
            names=names,
            territory_name=terr.name,
            sensor_label=sensor_text(sensor),
        )
        figures = _option_figures(study, sensor, names)
    else:
        sentences = _plain_answer(study, sensor, names)
        budgets = {c: float(p["budgets_km"][c][0]) for c in p["candidates"][:2]}
        maps = _maps_figure(study, sensor, names, budgets)
        figures = [maps] if maps is not None else []
    return Summary(title, sentences, figures, sensor, names, scope)


# --------------------------------------------------------------------------- HTML pieces


_SVG_ID = re.compile(r'\bid="([^"]+)"')


def inline_svg(fig: Any, prefix: str) -> str:
    """A figure as inline ``<svg>`` markup, its element ids prefixed (unique in the page)."""
    svg = figs.figure_bytes(fig, "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]
    ids = set(_SVG_ID.findall(svg))
    for ident in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{ident}"
        svg = svg.replace(f'id="{ident}"', f'id="{new}"')
        svg = svg.replace(f"url(#{ident})", f"url(#{new})")
        svg = svg.replace(f'href="#{ident}"', f'href="#{new}"')
    return svg


def figure_html(fig: KeyFigure) -> str:
    """A key figure as ``<figure id="fig-KEY">`` with its inline SVG and caption."""
    svg = inline_svg(fig.figure(), fig.anchor)
    return (
        f'<figure class="os-figure" id="{fig.anchor}">\n{svg}\n'
        f"<figcaption>{htmllib.escape(fig.caption)}</figcaption>\n</figure>"
    )


def answer_html(
    sentences: Sequence[_answer.Sentence],
    anchors: set[str] | None = None,
    *,
    fallback: str | None = "sec-tables",
) -> str:
    """The answer as paragraphs, each claim linked to its evidence (escaped text).

    A sentence whose anchor is not in ``anchors`` (when given) links to ``fallback`` instead,
    or to nothing when ``fallback`` is None.
    """
    out = []
    for s in sentences:
        target = s.anchor if anchors is None or s.anchor in anchors else fallback
        link = (
            f' <a class="os-evidence" href="#{htmllib.escape(target)}">(evidence)</a>'
            if target
            else ""
        )
        out.append(f'<p data-claim="{htmllib.escape(s.key)}">{htmllib.escape(s.text)}{link}</p>')
    return "\n".join(out)


def metric_table_rows(metrics: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(plain words, unit, name in metrics.csv) for every metric of the table, in its order."""
    units = (
        metrics.drop_duplicates("metric").set_index("metric")["unit"]
        if "unit" in metrics.columns
        else pd.Series(dtype=object)
    )
    return [
        (metric_words(k), unit_words(units.get(k, METRICS.get(k, ("", ""))[0])), str(k))
        for k in dict.fromkeys(metrics["metric"])
    ]


def number(v: Any, unit: Any = "") -> str:
    """A metric value for reading: shares as per cent, flags yes/no, km without decimals."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not np.isfinite(f):
        return ""
    u = "" if unit is None or (isinstance(unit, float) and np.isnan(unit)) else str(unit)
    if u == "fraction":
        return format_number(100.0 * f, decimals=1, unit="%")
    if u == "bool":
        return "yes" if f else "no"
    if u in ("km", "km2"):
        return format_number(f, decimals=0)
    return format_number(f, decimals=2, whole_numbers=True)
