"""Entry-point studies: how easy is a territory to inspect from each candidate airfield.

:func:`compare_entry_points` evaluates candidate airfields (the first is the
status quo) against a territory, for every budget and sensor, and returns an
:class:`EntryPointStudy` with a tidy metrics table, the routes, footprints and
reach grids, and Markdown / CSV / HTML outputs. Candidates that are not Open
Skies airfields in the regime (Minsk National) are designated hypothetically
(:meth:`openskies.airfields.Regime.designate`), once per budget value, and
labelled hypothetical in every output. Every metric is defined, with its
formula and assumptions, in ``docs/methodology.md``.

Coordinates are (lon, lat) degrees WGS84; distances km (WGS84 geodesics);
areas geodesic km².
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _entry_options as _eo
from . import _geodata, _limits, _validate, coverage, geodesy, sensors
from . import aircraft as _aircraft
from . import airfields as _airfields
from . import territory as _territory
from ._errors import UnknownCodeError, ValidationError
from ._scenario import (
    METRICS,
    _added_osa_metrics,
    _entry_metrics,
    _evaluate,
    _farthest_km,
    _ferry_metrics,
    _passive_quota,
    _poe_for,
    _quota_metrics,
    _reach_for_sensor,
    _Scenario,
)
from ._scenario import _full_coverage as _scenario_full_coverage
from ._text import csv_frame
from .ranking import rank_entry_points

logger = logging.getLogger(__name__)

__all__ = [
    "METRICS",
    "EntryPointStudy",
    "compare_entry_points",
    "default_budgets",
    "rank_entry_points",
]

#: Per home base (suffix ``_<ICAO>``).
HOME_METRICS: dict[str, tuple[str, str]] = {
    "ferry_km": (
        "km",
        "home base -> point of entry -> home base, geodesic (transit, outside the quota)",
    ),
    "ferry_hours": ("h", "ferry_km at the aircraft's cruise speed"),
}

#: Budgets (km) swept for a hypothetical candidate, besides the floor of the 35 % rule.
SWEEP_KM = (5500.0, 4000.0, 2500.0)

#: Default grid of Minsk maximum flight distances (km): every 500 km from 500 to 6,000 km. It
#: reaches 6,000 km so that ``replacement`` has grid points above its Annex E para 5(A) floor
#: (Kubinka's share, about 5,830 km; docs/legal-options.md).
DEFAULT_GRID_KM = tuple(float(b) for b in range(500, 6001, 500))


#: Columns of ``break_even.csv`` (issue 14's output contract).
BREAK_EVEN_COLUMNS = ("scenario", "sensor", "metric", "break_even_km", "low_km", "high_km")
#: Metrics whose break-even is sought, with the better direction.
BREAK_EVEN_METRICS = {
    "flights_100pct": "lower",
    "best_flight_fraction": "higher",
    "years_of_observer_quota_100pct": "lower",
}
#: Stand-in for a flight count where no full-coverage plan exists (counts as failing).
_NO_PLAN_FLIGHTS = 1e9


# --------------------------------------------------------------------------- helpers


def _break_even_table(
    terr: _territory.Territory,
    names: Sequence[str],
    sensors_: dict[str, sensors.Sensor],
    grid: Sequence[float],
    kub: dict[str, dict[str, float]],
    minsk_grid: dict[tuple[str, float], dict[str, float]],
    per_year: dict[str, float | None],
    plan: Callable[[str, float], Any],
    tol_km: float = 50.0,
) -> pd.DataFrame:
    """Break-even Minsk distance per scenario, sensor and metric (grid bracket + bisection).

    ``plan(sensor, budget_km)`` is the Minsk-only full-coverage plan (None: out of reach);
    grid values come from ``minsk_grid``; bisection points are planned (and cached) here.
    A distance with no full-coverage plan counts as failing.
    """
    cache: dict[tuple[str, float], tuple[float, float]] = {}

    def minsk_values(s: str, d: float) -> tuple[float, float]:
        if (s, d) not in cache:
            if (s, d) in minsk_grid:
                m = minsk_grid[(s, d)]
                n, f = m.get("flights_100pct", math.nan), m.get("best_flight_fraction", math.nan)
            else:
                fs = plan(s, d)
                if fs is None or not len(fs):
                    n, f = math.nan, math.nan
                else:
                    n = float(len(fs))
                    f = max(coverage.coverage(x, terr).covered_km2 for x in fs.footprints)
                    f /= terr.area_km2
            cache[(s, d)] = (n, f)
        return cache[(s, d)]

    rows = []
    for n in names:
        if not _eo.option(n).uses_minsk_distance:
            continue
        for s in sensors_:
            k = kub[s]
            for metric, better in BREAK_EVEN_METRICS.items():
                ref = k.get(metric)
                if metric == "years_of_observer_quota_100pct" and per_year[n]:
                    ref = k.get("flights_100pct", math.nan) / float(per_year[n])
                if ref is None or not np.isfinite(ref):
                    continue

                def evaluate(
                    d: float, s: str = s, metric: str = metric, n: str = n, k: dict = k
                ) -> float:
                    flights, frac = minsk_values(s, d)
                    if metric == "best_flight_fraction":
                        v = frac if np.isfinite(frac) else 0.0
                        return max(v, k[metric]) if n == "added_osa" else v
                    v = flights if np.isfinite(flights) else _NO_PLAN_FLIGHTS
                    if n == "added_osa":
                        v = min(v, k["flights_100pct"])
                    if metric == "years_of_observer_quota_100pct":
                        return v / float(per_year[n])
                    return v

                be = _eo.break_even_km(evaluate, grid, float(ref), tol_km=tol_km, better=better)
                rows.append(
                    {
                        "scenario": n,
                        "sensor": s,
                        "metric": metric,
                        "break_even_km": be.break_even_km,
                        "low_km": be.low_km,
                        "high_km": be.high_km,
                        "status": be.status,
                        "monotone": be.monotone,
                        "reference": be.reference,
                    }
                )
    return pd.DataFrame(rows)


def default_budgets(
    territory: _territory.Territory, airfield: _airfields.Airfield, *, osa_fraction: float = 0.35
) -> tuple[float, ...]:
    """Budgets swept for a hypothetical airfield: :data:`SWEEP_KM` down to the 35 % floor.

    The floor is the farthest point of the territory divided by ``osa_fraction``
    (Annex E para 5(A)), rounded up to 100 km: the smallest maximum flight
    distance an OSA there could legally have if it served the territory alone.
    """
    far = _farthest_km(territory.geometry, airfield.lon, airfield.lat)
    floor = math.ceil(far / osa_fraction / 100.0) * 100.0
    return tuple(sorted({*(b for b in SWEEP_KM if b > floor), floor}, reverse=True))


# --------------------------------------------------------------------------- the study


@dataclass
class EntryPointStudy:
    """Results of :func:`compare_entry_points`.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Tidy: one row per candidate x budget x sensor x metric, columns
        ``icao``, ``name``, ``budget_km``, ``sensor``, ``metric``, ``value``,
        ``unit``, ``hypothetical``, ``status_quo``, ``delta_abs``, ``delta_rel``
        (deltas from the status quo for the same sensor).
    routes : GeoDataFrame
        Best single flights and full-coverage flights (``kind`` column).
    footprints : GeoDataFrame
        Footprints of the best single flights.
    reach : GeoDataFrame
        Reach grid cells per candidate (``round_trip_km``).
    reach_curves : pandas.DataFrame
        ``icao``, ``sensor``, ``budget_km``, ``fraction``.
    site_routes : GeoDataFrame
        Best site routes.
    sites : GeoDataFrame
        The sites used.
    params : dict
        Effective parameters (territory, candidates, budgets, sensors...).
    provenance : dict
        openskies version, data checksums, parameters hash.
    assumptions : list of (str, str)
        Every assumption behind the figures, with its source.
    """

    metrics: pd.DataFrame
    routes: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    reach: gpd.GeoDataFrame
    reach_curves: pd.DataFrame
    site_routes: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame | None
    params: dict[str, Any]
    provenance: dict[str, Any]
    assumptions: list[tuple[str, str]] = field(default_factory=list)
    break_even: pd.DataFrame = field(default_factory=pd.DataFrame)

    def break_even_csv(self, path: str | Path | None = None) -> str | None:
        """The break-even table as CSV (returned when ``path`` is None, else written atomically).

        Columns ``scenario, sensor, metric, break_even_km, low_km, high_km``; blank where Minsk
        never breaks even within the grid.
        """
        cols = list(BREAK_EVEN_COLUMNS)
        df = self.break_even[cols] if len(self.break_even) else pd.DataFrame(columns=cols)
        text = csv_frame(df).to_csv(index=False, float_format="%.6g", lineterminator="\n")
        if path is None:
            return text
        from ._files import atomic_write

        with atomic_write(path, newline="") as fh:
            fh.write(text)
        return None

    # -- tables ------------------------------------------------------------------------------
    def wide(self) -> pd.DataFrame:
        """Metrics as a wide table: one row per metric, one column per scenario."""
        m = self.metrics.copy()
        m["case"] = [
            f"{sc} {i}{' (hyp.)' if h else ''} {b:g} km {s}"
            for sc, i, h, b, s in zip(
                m["scenario"],
                m["icao"],
                m["hypothetical"],
                m["budget_km"],
                m["sensor"],
                strict=True,
            )
        ]
        order = list(dict.fromkeys(m["case"]))
        w = m.pivot_table(
            index=["metric", "unit"],
            columns="case",
            values="value",
            aggfunc="first",
            sort=False,
        )
        return w[order]

    def summary(self, sensor: str | None = None) -> pd.DataFrame:
        """Key metrics per scenario (rows) for one sensor (default: the first)."""
        s = sensor or self.params["sensors"][0]
        keys = [
            "km_outside_target_per_flight",
            "best_flight_fraction",
            "flights_90pct",
            "flights_100pct",
            "flights_lower_bound",
            "years_of_observer_quota_100pct",
            "annex_e_ok",
            "sites_observed_best_route",
            "flights_all_sites",
            "reach_fraction",
        ]
        m = self.metrics[(self.metrics["sensor"] == s) & self.metrics["metric"].isin(keys)]
        w = m.pivot_table(
            index=["scenario", "icao", "budget_km"],
            columns="metric",
            values="value",
            aggfunc="first",
            sort=False,
        )
        return w[[k for k in keys if k in w.columns]].reset_index()

    def findings(self) -> list[str]:
        """Plain-language comparisons with the status quo, honest about small differences."""
        out: list[str] = []
        sq = "status_quo"
        if self.metrics.empty or "scenario" not in self.metrics:
            return out
        for s in self.params["sensors"]:
            m = self.metrics[self.metrics["sensor"] == s]
            base = m[m["scenario"] == sq].set_index("metric")["value"]
            for (scen, icao, budget), grp in m[m["scenario"] != sq].groupby(
                ["scenario", "icao", "budget_km"], sort=False
            ):
                v = grp.set_index("metric")["value"]
                hyp = bool(grp["hypothetical"].iloc[0])
                label = f"{scen}: {icao}{' (hypothetical)' if hyp else ''} at {budget:,.0f} km"
                parts = []
                for key, what in (
                    ("flights_100pct", "flights for full coverage"),
                    ("flights_90pct", "flights for 90 % coverage"),
                    ("best_flight_fraction", "share imaged by one flight"),
                    ("km_outside_target_per_flight", "counted km outside the target per flight"),
                ):
                    a, b = base.get(key), v.get(key)
                    if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)):
                        continue
                    rel = (b - a) / a if a else float("nan")
                    if key == "best_flight_fraction":
                        parts.append(f"{what} {a:.1%} -> {b:.1%}")
                    else:
                        parts.append(
                            f"{what} {a:,.0f} -> {b:,.0f}"
                            + (f" ({rel:+.0%})" if np.isfinite(rel) else "")
                        )
                small = abs(v.get("flights_100pct", 0) - base.get("flights_100pct", 0)) <= 1
                verdict = (
                    " The difference in flights needed is small (at most one flight)."
                    if small
                    else ""
                )
                out.append(f"[{s}] {label} vs {sq}: " + "; ".join(parts) + "." + verdict)
        return out

    def to_markdown(self) -> str:
        """The study as Markdown: parameters, findings, the metrics table, assumptions.

        Every value is shown literally (:func:`openskies._text.markdown_text`): a name or a
        path holding ``<script>``, ``|`` or ``[x](...)`` is text, not HTML, a table cell or a
        link.
        """
        from .report import study as _page

        return _page.study_markdown(self)

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """The tidy metrics as CSV (returned when ``path`` is None, else written atomically)."""
        text = csv_frame(self.metrics).to_csv(index=False, float_format="%.6g", lineterminator="\n")
        if path is None:
            return text
        from ._files import atomic_write

        with atomic_write(path, newline="") as fh:
            fh.write(text)
        return None

    def to_html(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the self-contained HTML report (map, tables, reach chart, methods)."""
        from . import report

        return report.write_study_report(self, path, **kwargs)

    def _repr_html_(self) -> str:
        from .report import _leaflet as _html

        w = self.summary().round(3)
        return _html.html_table(
            list(map(str, w.columns)),
            w.itertuples(index=False),
            caption=f"Entry-point study: {self.params['territory']}",
        )


# --------------------------------------------------------------------------- evaluation


def _check_scenarios(scenarios: Sequence[str] | None) -> list[str]:
    """The scenario names, validated (one of :data:`openskies._entry_options.SCENARIOS`)."""
    names = list(_eo.SCENARIOS if scenarios is None else scenarios)
    if not names:
        msg = f"scenarios is empty: give at least one of {', '.join(_eo.SCENARIOS)}"
        raise ValidationError(msg)
    out = []
    for n in names:
        key = str(n).strip().lower()
        if key not in _eo.SCENARIOS:
            msg = f"scenarios contains {n!r}: choose from {', '.join(_eo.SCENARIOS)}"
            raise ValidationError(msg)
        out.append(key)
    _validate.unique(out, "scenarios")
    return [n for n in _eo.SCENARIOS if n in out]


def _observer_per_year(observer: str, group: str) -> float:
    """Art. III Sec. I para 10 for the observer over the option's observed party.

    Belarus alone (``single_state``) has no passive quota of its own in the treaty (the
    group's 42 is one quota): the group's is used, an assumption; with Poland's active quota
    of 3 the observer's own half (2) binds either way.
    """
    try:
        return float(_eo.observer_quota_flights_per_year(observer, group))
    except UnknownCodeError:
        return float(_eo.observer_quota_flights_per_year(observer, _eo.GROUP))


def _annex_e_floors(reg: _airfields.Regime, minsk: str, names: Sequence[str]) -> dict[str, float]:
    """Annex E para 5(A) floors of the Minsk distance: replacement and single_state."""
    out: dict[str, float] = {}
    if "replacement" in names:
        out["replacement"] = _eo.replacement_floors(reg, minsk)["kubinka_share"].budget_km
    if "single_state" in names:
        rs = _eo.option("single_state").regime_for(reg, minsk, 1.0)
        out["single_state"] = _eo.min_budget_annex_e_km(rs, "BLR", minsk)
    return out


def _annex_e_flag(name: str, budget_km: float | None, floors: dict[str, float]) -> float:
    """``annex_e_ok``: 1 at or above the option's floor (0 below it).

    The options that withdraw no OSA (status_quo, poe_only, added_osa) uncover nothing: 1
    (the relative rule of :meth:`openskies._entry_options.EntryOption.annex_e_ok`).
    """
    if name in floors and budget_km is not None:
        return float(budget_km >= floors[name] - 1e-6)
    return 1.0


def _layer_rows(
    common: dict[str, Any],
    metrics: dict[str, float],
    extras: dict[str, Any],
    route_rows: list[dict[str, Any]],
    fp_rows: list[dict[str, Any]],
    site_rows: list[dict[str, Any]],
) -> None:
    """Routes, footprints and site routes of one evaluation, as layer rows."""
    if "best_plan" in extras:
        route_rows.append(
            {
                **common,
                "kind": "best single flight",
                "flight": 1,
                "length_km": extras["best_plan"].length_km,
                "geometry": geodesy.split_antimeridian(extras["best_plan"].path_densified(10.0)),
            }
        )
        fp_rows.append(
            {
                **common,
                "area_km2": metrics["best_flight_area_km2"],
                "geometry": extras["best_footprint"],
            }
        )
        for k, f in enumerate(extras["flights"], start=1):
            route_rows.append(
                {
                    **common,
                    "kind": "full coverage",
                    "flight": k,
                    "length_km": f.length_km,
                    "geometry": geodesy.split_antimeridian(f.path_densified(10.0)),
                }
            )
    if extras.get("site_plan") is not None:
        sp = extras["site_plan"]
        site_rows.append(
            {
                **common,
                "observed": len(sp.route.observed),
                "length_km": sp.length_km,
                "geometry": geodesy.split_antimeridian(sp.path_densified(10.0)),
            }
        )


def compare_entry_points(
    territory: str | _territory.Territory = "BLR",
    candidates: Sequence[str] = ("UUMB", "UMMS"),
    *,
    scenarios: Sequence[str] | None = None,
    regime: _airfields.Regime | None = None,
    budgets_km: Sequence[float] | None = None,
    sensors: Sequence[str] = ("optical_high_pan", "optical_low"),
    targets: gpd.GeoDataFrame | str | None = None,
    home_bases: Sequence[str] = ("EPWA",),
    aircraft: str | _aircraft.Aircraft = "An-30B",
    progress: bool = True,
    overlap: float = 0.1,
    reach_cell_km: float = 10.0,
    time_limit_s: float = 10.0,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> EntryPointStudy:
    """Compare candidate entry airfields for inspecting a territory.

    Parameters
    ----------
    territory : str or Territory
        The territory to inspect (``"BLR"``).
    candidates : sequence of str
        Two ICAO codes: Kubinka (``"UUMB"``, the status quo) and the Minsk
        candidate (``"UMMS"`` Minsk National, or another airfield of Belarus).
    scenarios : sequence of str, optional
        Legal options to evaluate (:data:`openskies._entry_options.SCENARIOS`;
        default all five): ``status_quo``, ``poe_only`` (Annex E para 1 check
        in ``poe_to_osa_hours``), ``added_osa`` (best of Kubinka and Minsk per
        metric), ``replacement`` (``min_budget_annex_e_km``), ``single_state``.
    regime : Regime, optional
        Treaty regime (default 2019).
    budgets_km : sequence of float, optional
        Grid of Minsk maximum flight distances (km) for the options that use
        one; default :data:`DEFAULT_GRID_KM` (500 to 6,000 km every 500 km).
    sensors : sequence of str
        Sensor presets (:func:`openskies.sensors.preset`).
    targets : GeoDataFrame, None or "none"
        Sites for the site metrics: None (default) takes the sites bundled for
        the territory (:func:`openskies.data.sites`, none if there are none);
        ``"none"`` skips the site metrics.
    home_bases : sequence of str
        ICAO codes of the observing party's home bases (ferry metrics).
    aircraft : str or Aircraft
        Aircraft profile (cruise speed for times).
    progress : bool
        Show a progress bar on stderr.
    overlap : float
        Side overlap of coverage lanes (fraction of the swath).
    reach_cell_km : float
        Reach grid cell size, km.
    time_limit_s : float
        Safety cap per route-planner solve.
    seed : int
        Seed of the route planner's heuristic (fixed: identical inputs give
        identical metrics).
    on_step : callable, optional
        Called with a description before each scenario (for custom progress).

    Returns
    -------
    EntryPointStudy
    """
    from . import data

    reg = regime if regime is not None else data.regime()
    terr = _territory.get(territory, year=reg.year) if isinstance(territory, str) else territory
    if not candidates:
        msg = "candidates is empty: give at least the status-quo airfield, e.g. ('UUMB', 'UMMS')"
        raise ValidationError(msg)
    if not sensors:
        msg = "sensors is empty: give at least one preset, e.g. ('optical_high_pan',)"
        raise ValidationError(msg)
    _validate.unique([reg.airfield(c).icao for c in candidates], "candidates")
    if budgets_km is not None:
        _validate.unique(_validate.positive_budgets(budgets_km), "budgets_km")
    _validate.unique(sensors, "sensors")
    sens_objs = {s: _preset(s) for s in sensors}
    _validate.unique([reg.airfield(hb).icao for hb in home_bases], "home_bases")
    # caps, before any work: lanes of the full-coverage flights, reach grid cells
    for sen in sens_objs.values():
        coverage.estimate_lane_km(terr, sen, overlap=overlap)
    coverage.check_reach_grid(terr, reach_cell_km)
    ac = _aircraft.preset(aircraft) if isinstance(aircraft, str) else aircraft
    if targets is None:
        try:
            sites = data.sites(terr.code)
        except KeyError:  # no sites bundled for this territory
            sites = None
    elif isinstance(targets, str):
        if targets != "none":
            msg = f"targets={targets!r}: give a GeoDataFrame, None (bundled sites) or 'none'"
            raise ValidationError(msg)
        sites = None
    else:
        sites = targets
    names = _check_scenarios(scenarios)
    kub_icao = reg.airfield(candidates[0]).icao
    # Another territory's single airfield (e.g. Riga for LVA): its own status quo only.
    generic = kub_icao != _eo.KUBINKA and len(candidates) == 1 and scenarios is None
    if generic:
        names = ["status_quo"]
    elif kub_icao != _eo.KUBINKA:
        msg = (
            f"candidates[0]={candidates[0]!r}: the five scenarios compare against Kubinka: "
            f"give candidates=({_eo.KUBINKA!r}, <Minsk candidate>)"
        )
        raise ValidationError(msg)
    if len(candidates) > 2 or (len(candidates) == 1 and names != ["status_quo"]):
        msg = (
            f"candidates={tuple(candidates)!r}: give Kubinka and the Minsk candidate, e.g. "
            "('UUMB', 'UMMS') (Kubinka alone only with scenarios=('status_quo',))"
        )
        raise ValidationError(msg)
    minsk_icao = reg.airfield(candidates[1]).icao if len(candidates) == 2 else _eo.MINSK
    grid = tuple(sorted(float(b) for b in (budgets_km or DEFAULT_GRID_KM)))
    kub_budget = reg.max_flight_distance_km(kub_icao)
    ss = _eo.option("single_state")
    rs_top = ss.regime_for(reg, minsk_icao, max(grid))
    kub_sc = _Scenario(kub_icao, kub_budget, reg, False)
    minsk_scs = [_Scenario(minsk_icao, b, ss.regime_for(reg, minsk_icao, b), True) for b in grid]
    needs_minsk = any(_eo.option(n).uses_minsk_distance for n in names)
    units = [("kub", kub_sc)] + ([("minsk", sc) for sc in minsk_scs] if needs_minsk else [])
    _limits.cap("study_scenarios").check(
        len(units) * len(sensors),
        f"a study of {len(units)} airfield x budget evaluations x {len(sensors)} sensors",
        fix="give fewer budgets or sensors",
    )
    quota = _passive_quota(reg, terr)
    observer = reg.airfield(home_bases[0]).party if home_bases else None
    per_year: dict[str, float | None] = {}
    for n in names:
        group = reg.observed_territory(kub_icao).code if generic else _eo.option(n).annex_e_group
        try:
            per_year[n] = _observer_per_year(observer, group) if observer else None
        except UnknownCodeError:  # no recorded passive quota (e.g. the Baltic states)
            per_year[n] = None
    floors = {} if generic else _annex_e_floors(reg, minsk_icao, names)

    rows: list[dict[str, Any]] = []
    route_rows: list[dict[str, Any]] = []
    fp_rows: list[dict[str, Any]] = []
    site_rows: list[dict[str, Any]] = []
    reach_frames: list[gpd.GeoDataFrame] = []
    curves: list[pd.DataFrame] = []
    reach_cache: dict[str, gpd.GeoDataFrame] = {}
    evaluated: dict[tuple[str, float, str], tuple[dict[str, float], dict[str, Any], Any]] = {}
    grids: dict[tuple[str, float], Any] = {}
    steps = [(kind, sc, s) for kind, sc in units for s in sensors]
    bar = _progress(len(steps)) if progress else None
    try:
        for kind, sc, s in steps:
            label = f"{sc.icao} {sc.budget_km:g} km {s}"
            if on_step:
                on_step(label)
            if bar:
                bar.set(label)
            if kind == "minsk" and not grids:
                # Minsk-only flights, shared by replacement, single_state and added_osa; planned
                # in the single_state regime (Belarus alone), legal in both; monotone over the
                # grid of budgets and sensors by construction.
                grids.update(
                    coverage.plan_full_coverage_grid(
                        terr,
                        airfield=minsk_icao,
                        sensors=[sens_objs[x] for x in sensors],
                        budgets_km=grid,
                        overlap=overlap,
                        regime=rs_top,
                    )
                )
            if sc.icao not in reach_cache:
                reach_cache[sc.icao] = coverage.reach(
                    terr, sc.icao, cell_km=reach_cell_km, regime=sc.regime
                )
                g = reach_cache[sc.icao].copy()
                g["icao"] = sc.icao
                reach_frames.append(g)
                for sname in sensors:
                    cells = _reach_for_sensor(
                        reach_cache[sc.icao],
                        sens_objs[sname],
                        sc.regime,
                        sc.regime.airfield(sc.icao),
                    )
                    cv = coverage.reach_curve(
                        terr, sc.icao, sensor=sens_objs[sname], regime=sc.regime, cells=cells
                    )
                    cv["icao"] = sc.icao
                    cv["sensor"] = sname
                    curves.append(cv)
            fs = grids.get((s, sc.budget_km)) if kind == "minsk" else None
            if kind == "kub":
                fs = _scenario_full_coverage(terr, sc, sens_objs[s], overlap)
            metrics, extras = _evaluate(
                terr,
                sc,
                s,
                overlap=overlap,
                reach_cells=reach_cache[sc.icao],
                sites=sites,
                home_bases=home_bases,
                aircraft=ac,
                time_limit_s=time_limit_s,
                seed=seed,
                quota=quota,
                flights=fs,
            )
            evaluated[(kind, sc.budget_km, s)] = (metrics, extras, fs)
            common = {
                "icao": sc.icao,
                "budget_km": sc.budget_km,
                "sensor": s,
                "hypothetical": sc.hypothetical,
            }
            _layer_rows(common, metrics, extras, route_rows, fp_rows, site_rows)
            if bar:
                bar.advance()
    finally:
        if bar:
            bar.close()

    for n in names:
        opt = _eo.option(n)
        budgets = grid if opt.uses_minsk_distance else (None,)
        for b in budgets:
            for s in sensors:
                k_m, _, k_fs = evaluated[("kub", kub_budget, s)]
                if n in ("status_quo", "poe_only"):
                    metrics = dict(k_m)
                    osa = reg.airfield(kub_icao)
                else:
                    m_m, _, m_fs = evaluated[("minsk", b, s)]
                    metrics = (
                        _added_osa_metrics(k_m, m_m, k_fs, m_fs) if n == "added_osa" else dict(m_m)
                    )
                    osa = minsk_scs[0].regime.airfield(minsk_icao)
                fields = (
                    {
                        "scenario": n,
                        "icao": kub_icao,
                        "entry_point": _poe_for(reg, reg.airfield(kub_icao)).icao,
                        "budget_km": kub_budget,
                    }
                    if generic
                    else opt.row_fields(reg, minsk_icao=minsk_icao, budget_km=b)
                )
                poe = reg.airfield(fields["entry_point"])
                metrics = {k: v for k, v in metrics.items() if not k.startswith("ferry_")}
                metrics.update(_ferry_metrics(reg, poe, home_bases, ac))
                metrics.update(_entry_metrics(poe, osa, ac))
                metrics.update(_quota_metrics(metrics, per_year[n]))
                metrics["annex_e_ok"] = _annex_e_flag(n, b, floors)
                if n == "replacement" and "replacement" in floors:
                    metrics["min_budget_annex_e_km"] = floors["replacement"]
                metrics["budget_km"] = fields["budget_km"]
                name = reg.airfield(fields["icao"]).name
                for key, value in metrics.items():
                    base_key = key.rsplit("_", 1)[0] if key.startswith("ferry_") else key
                    unit = (METRICS.get(key) or HOME_METRICS.get(base_key) or ("", ""))[0]
                    rows.append(
                        {
                            "scenario": n,
                            "icao": fields["icao"],
                            "entry_point": fields["entry_point"],
                            "name": name,
                            "budget_km": fields["budget_km"],
                            "sensor": s,
                            "metric": key,
                            "value": float(value),
                            "unit": unit,
                            "hypothetical": n != "status_quo",
                        }
                    )
    evals = [sc for _, sc in units]

    def _plan(sname: str, d: float) -> Any:
        sc = _Scenario(minsk_icao, float(d), rs_top, True)
        return _scenario_full_coverage(terr, sc, sens_objs[sname], overlap)

    break_even = (
        _break_even_table(
            terr,
            names,
            sens_objs,
            grid,
            {s: evaluated[("kub", kub_budget, s)][0] for s in sensors},
            {(s, b): evaluated[("minsk", b, s)][0] for s in sensors for b in grid},
            per_year,
            _plan,
        )
        if needs_minsk
        else pd.DataFrame(columns=list(BREAK_EVEN_COLUMNS))
    )
    metrics_df = _with_deltas(pd.DataFrame(rows)) if rows else pd.DataFrame()
    params = {
        "territory": terr.code,
        "year": reg.year,
        "candidates": [sc.icao for sc in evals[:1]]
        + list(dict.fromkeys(sc.icao for sc in evals[1:] if sc.icao != evals[0].icao)),
        "labels": [
            reg.airfield(c).label
            if not any(x.hypothetical and x.icao == c for x in evals)
            else f"{reg.airfield(c).name} ({c}) (hypothetical)"
            for c in dict.fromkeys(sc.icao for sc in evals)
        ],
        "budgets_km": {
            c: [sc.budget_km for sc in evals if sc.icao == c]
            for c in dict.fromkeys(sc.icao for sc in evals)
        },
        "sensors": list(sensors),
        "home_bases": list(home_bases),
        "aircraft": ac.name,
        "overlap": overlap,
        "reach_cell_km": reach_cell_km,
        "seed": seed,
        "passive_quota": quota,
        "scenarios": names,
        "budget_grid_km": list(grid),
        "observer": observer,
        "observer_quota_flights_per_year": per_year,
        "annex_e_floors_km": floors,
    }
    phash = _geodata.params_sha256(params)
    crs = "EPSG:4326"
    study = EntryPointStudy(
        metrics=metrics_df,
        routes=gpd.GeoDataFrame(route_rows, geometry="geometry", crs=crs)
        if route_rows
        else gpd.GeoDataFrame(geometry=[], crs=crs),
        footprints=gpd.GeoDataFrame(fp_rows, geometry="geometry", crs=crs)
        if fp_rows
        else gpd.GeoDataFrame(geometry=[], crs=crs),
        reach=pd.concat(reach_frames, ignore_index=True)
        if reach_frames
        else gpd.GeoDataFrame(geometry=[], crs=crs),
        reach_curves=pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(),
        site_routes=gpd.GeoDataFrame(site_rows, geometry="geometry", crs=crs)
        if site_rows
        else gpd.GeoDataFrame(geometry=[], crs=crs),
        sites=sites,
        params=params,
        provenance=_geodata.provenance(params_sha256=phash),
        assumptions=_assumptions(reg, evals, sens_objs, ac),
        break_even=break_even,
    )
    logger.info(
        "entry-point study %s: %d scenarios, %d evaluations x %d sensors",
        terr.code,
        len(names),
        len(evals),
        len(sensors),
    )
    return study


def _preset(name: str) -> sensors.Sensor:
    return sensors.preset(name)


def _with_deltas(df: pd.DataFrame) -> pd.DataFrame:
    """Deltas from the status_quo rows of the same sensor and metric."""
    if df.empty:
        return df
    sq = df[df["scenario"] == "status_quo"].drop_duplicates(["sensor", "metric"])
    base = sq.set_index(["sensor", "metric"])["value"]
    keys = list(zip(df["sensor"], df["metric"], strict=True))
    ref = np.array([base.get(k, np.nan) for k in keys], dtype=float)
    df = df.copy()
    df["delta_abs"] = df["value"] - ref
    with np.errstate(divide="ignore", invalid="ignore"):
        df["delta_rel"] = np.where(ref != 0, (df["value"] - ref) / np.abs(ref), np.nan)
    return df


def _assumptions(
    reg: _airfields.Regime,
    scenarios: list[_Scenario],
    sens: dict[str, sensors.Sensor],
    ac: _aircraft.Aircraft,
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for sc in scenarios:
        if sc.hypothetical:
            out.append(
                (
                    f"{sc.icao} as an Open Skies airfield with {sc.budget_km:,.0f} km",
                    "hypothetical: never designated (treaty-facts.md §2); the maximum flight "
                    "distance is a study parameter swept down to the 35 % floor of Annex E "
                    "para 5(A)",
                )
            )
    margin = reg.parameter("max_flight_distance", "turn_margin")
    out.append(
        (
            "Distance formula",
            f"sum of WGS84 geodesic legs x (1 + {margin:.0%} turn "
            "margin); the treaty fixes no formula (assumption)",
        )
    )
    for name, s in sens.items():
        out.append((f"Sensor {name}: swath {s.swath_km:g} km", s.note or "preset"))
    out.append(
        (
            f"Aircraft {ac.name}: cruise {ac.cruise_speed_kmh:g} km/h",
            "aircraft preset (openskies.aircraft; sources and assumptions per value)",
        )
    )
    out.append(
        (
            "Reach model",
            "a cell counts when a straight out-and-back geodesic brings it "
            "within the sensor's reach: an upper bound",
        )
    )
    out.append(
        (
            "Coverage plans",
            "boustrophedon lanes (Fields2Cover-style), split into the "
            "fewest round trips for their order: an upper bound on the "
            "fewest flights; the lower bound is reported too",
        )
    )
    out.append(("Site values", "default planning weights of the bundled sites (assumption)"))
    out.append(
        (
            "Borders",
            "Natural Earth 10m v5.1.1; the Bug river border is smoothed "
            "(0.8 km typical, 2.7 km worst)",
        )
    )
    return out


class _progress:  # noqa: N801 - a tiny context helper
    """A rich progress bar on stderr (the library's only direct output, opt-in)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._p = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._p.start()
        self._t = self._p.add_task("study", total=total)

    def set(self, text: str) -> None:
        self._p.update(self._t, description=text)

    def advance(self) -> None:
        self._p.advance(self._t)

    def close(self) -> None:
        self._p.stop()
