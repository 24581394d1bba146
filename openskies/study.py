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
from . import _geodata, _limits, _sweep, _validate, coverage, daylight, sensors
from . import aircraft as _aircraft
from . import airfields as _airfields
from . import territory as _territory
from ._errors import ValidationError
from ._parallel import _check_executor
from ._scenario import (
    METRICS,
    _evaluate,
    _farthest_km,
    _passive_quota,
    _poe_for,
    _reach_for_sensor,
    _Scenario,
)
from ._scenario import _season as _scenario_season
from ._sweep import BREAK_EVEN_COLUMNS, DEFAULT_GRID_KM, DEFAULT_MONTHS, SENSITIVITY_COLUMNS
from ._text import csv_frame
from .ranking import rank_entry_points

logger = logging.getLogger(__name__)

__all__ = [
    "BREAK_EVEN_COLUMNS",
    "DEFAULT_GRID_KM",
    "DEFAULT_MONTHS",
    "METRICS",
    "SCENARIOS",
    "SENSITIVITY_COLUMNS",
    "EntryPointStudy",
    "check_months",
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

#: The five legal options of a Minsk point of entry (``scenarios=``), in report order.
SCENARIOS = _eo.SCENARIOS


# --------------------------------------------------------------------------- helpers


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
        Tidy: one row per scenario x airfield x budget x sensor x month x metric, columns
        ``scenario``, ``icao``, ``entry_point``, ``name``, ``budget_km``, ``sensor``,
        ``month`` (1-12; blank (NA) for the year: the flights as planned, in any month),
        ``metric``, ``value``, ``unit``, ``hypothetical``, ``delta_abs``,
        ``delta_rel`` (deltas from the ``status_quo`` rows of the same sensor, metric
        and month). The year's rows come first; a month's rows fit its daylight and
        weather (``params["months"]``), and are blank where it allows no imaging
        (``imageable`` = 0). A study of the five options (``scenarios=``) has the scenario names
        of :data:`SCENARIOS`; ``icao`` is the starting OSA the row describes and
        ``budget_km`` the Minsk maximum flight distance (Kubinka's own for
        ``status_quo`` and ``poe_only``). Any other study has ``status_quo`` for the
        first candidate and ``candidate`` for the others.
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
    break_even : pandas.DataFrame
        Five-option studies: the break-even Minsk distance per scenario, sensor and
        metric (:data:`BREAK_EVEN_COLUMNS`, plus ``status``, ``monotone``,
        ``reference`` and ``evaluations``); empty otherwise.
    sensitivity : pandas.DataFrame
        Five-option studies: :data:`SENSITIVITY_COLUMNS`; empty otherwise.
    target : Territory, optional
        The territory studied (reports draw it).
    timings : dict
        CPU seconds per unit of work and the executor used (not written to outputs:
        they vary from run to run).
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
    break_even: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(BREAK_EVEN_COLUMNS))
    )
    sensitivity: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SENSITIVITY_COLUMNS))
    )
    target: _territory.Territory | None = None
    timings: dict[str, Any] = field(default_factory=dict)

    @property
    def scenario_study(self) -> bool:
        """Whether this is a study of the five legal options (``scenarios=``)."""
        return bool(self.params.get("scenarios"))

    def break_even_csv(self, path: str | Path | None = None) -> str | None:
        """The break-even table as CSV (returned when ``path`` is None, else written atomically).

        Columns :data:`BREAK_EVEN_COLUMNS`; ``break_even_km`` is blank where Minsk never
        breaks even within the grid, ``low_km`` blank where the first grid point already
        does.
        """
        return _write_csv(self.break_even, BREAK_EVEN_COLUMNS, path)

    def sensitivity_csv(self, path: str | Path | None = None) -> str | None:
        """The sensitivity table as CSV (:data:`SENSITIVITY_COLUMNS`; see ``to_csv``)."""
        return _write_csv(self.sensitivity, SENSITIVITY_COLUMNS, path)

    # -- tables ------------------------------------------------------------------------------
    def month_metrics(self, month: int | None = None) -> pd.DataFrame:
        """The rows of one month (1-12), or of the year (blank month) when ``month`` is None."""
        m = self.metrics
        if "month" not in m.columns:
            return m
        keep = m["month"].isna() if month is None else (m["month"] == int(month))
        return m[keep.fillna(False).to_numpy(dtype=bool)]

    def wide(self, month: int | None = None) -> pd.DataFrame:
        """Metrics as a wide table: one row per metric, one column per scenario.

        ``month``: the rows of that month (1-12); None (default): the year's.
        """
        m = self.month_metrics(month).copy()
        tag = m["scenario"] + " " if self.scenario_study else ""
        m["case"] = tag + pd.Series(
            [
                f"{i}{' (hyp.)' if h else ''} {b:g} km {s}"
                for i, h, b, s in zip(
                    m["icao"], m["hypothetical"], m["budget_km"], m["sensor"], strict=True
                )
            ],
            index=m.index,
        )
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
            "flights_100pct_quota_share",
            "years_of_observer_quota_100pct",
            "annex_e_ok",
            "sites_observed_best_route",
            "flights_all_sites",
            "reach_fraction",
        ]
        y = self.month_metrics(None)
        m = y[(y["sensor"] == s) & y["metric"].isin(keys)]
        index = ["icao", "hypothetical", "budget_km"]
        if self.scenario_study:
            index = ["scenario", *index]
        w = m.pivot_table(
            index=index,
            columns="metric",
            values="value",
            aggfunc="first",
            sort=False,
        )
        return w[[k for k in keys if k in w.columns]].reset_index()

    def findings(self) -> list[str]:
        """Plain-language comparisons with the status quo, honest about small differences."""
        if self.scenario_study:
            return _scenario_findings(self)
        out = []
        sq = self.params["candidates"][0]
        if self.metrics.empty:
            return out
        year = self.month_metrics(None)
        for s in self.params["sensors"]:
            m = year[year["sensor"] == s]
            base = m[m["scenario"] == "status_quo"].set_index("metric")["value"]
            for (icao, budget), grp in m[m["scenario"] != "status_quo"].groupby(
                ["icao", "budget_km"], sort=False
            ):
                v = grp.set_index("metric")["value"]
                hyp = bool(grp["hypothetical"].iloc[0])
                label = f"{icao}{' (hypothetical)' if hyp else ''} at {budget:,.0f} km"
                parts = []
                for key, what in (
                    ("flights_100pct", "flights for full coverage"),
                    ("flights_90pct", "flights for 90 % coverage"),
                    ("best_flight_fraction", "share imaged by one flight"),
                    ("km_outside_target_per_flight", "counted km outside the territory per flight"),
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
                # a difference of one flight can be half of the flights needed: only equal
                # counts are called the same (the counts and their change are given above)
                a_f, b_f = base.get("flights_100pct"), v.get("flights_100pct")
                same = a_f is not None and b_f is not None and a_f == b_f
                verdict = " Both need as many flights for full coverage." if same else ""
                out.append(f"[{s}] {label} vs {sq}: " + "; ".join(parts) + "." + verdict)
        return out + _month_findings(self)

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
        """The answer and key figures, as at the top of the report (a notebook's view)."""
        from .report import study as _page

        return _page.study_summary_html(self)


# --------------------------------------------------------------------------- evaluation


def _scenarios(
    terr: _territory.Territory,
    candidates: Sequence[str],
    reg: _airfields.Regime,
    budgets_km: Sequence[float] | None,
) -> list[_Scenario]:
    out = []
    for c in candidates:
        af = reg.airfield(c)
        observed = reg.observed_territory(c) if af.is_osa else None
        if af.is_osa and not af.hypothetical:
            if not set(terr.members) <= set(observed.members):
                msg = (
                    f"candidate {af.label} observes {observed.code}, not {terr.code}: "
                    f"choose airfields of {terr.code}'s party or group"
                )
                raise ValidationError(msg)
            out.append(_Scenario(af.icao, reg.max_flight_distance_km(af.icao), reg, False))
            continue
        party = af.party
        budgets = budgets_km or default_budgets(
            terr,
            af,
            osa_fraction=float(reg.parameter("max_flight_distance", "osa_coverage_fraction")),
        )
        for b in budgets:
            r = reg.designate(af.icao, party=party, max_flight_distance_km=float(b))
            if not set(terr.members) <= set(r.observed_territory(af.icao).members):
                msg = (
                    f"candidate {af.label} (party {party}) does not observe {terr.code}: "
                    f"choose airfields of {terr.code}'s party or group"
                )
                raise ValidationError(msg)
            out.append(_Scenario(af.icao, float(b), r, True))
    return out


def compare_entry_points(
    territory: str | _territory.Territory = "BLR",
    candidates: Sequence[str] = ("UUMB", "UMMS"),
    *,
    scenarios: Sequence[str] | str | None = None,
    regime: _airfields.Regime | None = None,
    budgets_km: Sequence[float] | None = None,
    sensors: Sequence[str | sensors.Sensor] = ("optical_high_pan", "optical_low"),
    targets: gpd.GeoDataFrame | str | None = None,
    home_bases: Sequence[str] = ("EPWA",),
    aircraft: str | _aircraft.Aircraft = "An-30B",
    progress: bool = True,
    overlap: float = 0.1,
    reach_cell_km: float = 10.0,
    time_limit_s: float = 10.0,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
    sensitivity: bool = True,
    executor: Any = "sync",
    workers: int | None = None,
    months: Sequence[int] = DEFAULT_MONTHS,
    min_sun_elevation_deg: float = daylight.DEFAULT_MIN_ELEVATION_DEG,
) -> EntryPointStudy:
    """Compare candidate entry airfields for inspecting a territory.

    Two kinds of study:

    - **The five legal options** (``scenarios=`` given): Kubinka (``candidates[0]``,
      ``"UUMB"``) against a Minsk point of entry (``candidates[1]``, default
      ``"UMMS"``) as ``status_quo``, ``poe_only``, ``added_osa``, ``replacement`` and
      ``single_state`` (:mod:`openskies._entry_options`, ``docs/methodology.md``),
      Minsk's maximum flight distance swept on a grid, with the break-even distances
      (:attr:`EntryPointStudy.break_even`) and the sensitivity runs
      (:attr:`EntryPointStudy.sensitivity`). The territory must lie in Belarus.
    - **Any other comparison** (``scenarios=None``, the default): every candidate at
      its own maximum flight distance, a candidate that is not an OSA designated
      hypothetically for each budget; rows of the first candidate have scenario
      ``status_quo``, the others ``candidate``.

    Parameters
    ----------
    territory : str or Territory
        The territory to inspect (``"BLR"``), (lon, lat) degrees WGS84.
    candidates : sequence of str
        ICAO codes; the first is the status quo (``"UUMB"``, Kubinka). A
        candidate that is not an OSA in ``regime`` is designated hypothetically
        for each budget in ``budgets_km``.
    scenarios : sequence of str, "all" or None
        The legal options to compare (a subset of :data:`SCENARIOS`, or ``"all"``);
        None: a comparison of the candidates as they are.
    regime : Regime, optional
        Treaty regime (default 2019).
    budgets_km : sequence of float, optional
        Maximum flight distances (km) for hypothetical candidates. Default: with
        ``scenarios``, the Minsk grid :data:`DEFAULT_GRID_KM` (500 to 5,500 km every
        500 km; ``replacement`` extends it in 500 km steps up to its Annex E para 5(A)
        floor); otherwise a sweep from 5,500 km (the group's Kubinka value) down to
        the 35 % floor of Annex E para 5(A) (:func:`default_budgets`).
    sensors : sequence of str or Sensor
        Sensor presets (:func:`openskies.sensors.preset`) or sensors (distinct names).
    targets : GeoDataFrame, None or "none"
        Sites for the site metrics: None (default) takes the sites bundled for
        the territory (:func:`openskies.data.sites`, none if there are none);
        ``"none"`` skips the site metrics.
    home_bases : sequence of str
        ICAO codes of the observing party's home bases (ferry metrics); the first
        one's party is the observer of the quota metrics.
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
        Called with a description before each scenario (with ``scenarios``: after
        each unit of work).
    sensitivity : bool
        With ``scenarios``: run the sensitivity settings (``sensitivity.csv``).
    executor : str, Executor, distributed.Client or None
        With ``scenarios``: where the units of work run (as for
        :func:`openskies.ranking.rank_entry_points`): ``"sync"`` (default, this
        process), ``"local"`` (local processes), a dask scheduler address, a
        ``distributed.Client``, a ``concurrent.futures.Executor``, or None (a local
        dask cluster). The results do not depend on it.
    workers : int, optional
        Worker processes for ``"local"`` and None (default: the CPUs).
    months : sequence of int
        Months (1-12) reported besides the year (default March, June, September and
        December, :data:`DEFAULT_MONTHS`; empty: the year only). In a month's rows the
        flights of an optical sensor fit the month's daylight over the territory (their
        counted km capped, ``docs/methodology.md``, Months), ``imageable`` says whether
        any imaging is possible, and ``expected_flights_100pct`` uses the month's weather.
    min_sun_elevation_deg : float
        Lowest solar elevation for optical imaging, degrees (default 15,
        :data:`openskies.daylight.DEFAULT_MIN_ELEVATION_DEG`).

    Returns
    -------
    EntryPointStudy
    """
    from . import data

    reg = _airfields.as_regime(regime)
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
    sens_objs = _sensor_objects(sensors)
    _validate.unique([reg.airfield(hb).icao for hb in home_bases], "home_bases")
    names = _check_scenarios(scenarios)
    month_list = check_months(months)
    sun_deg = _check_sun(min_sun_elevation_deg)
    if names:
        _check_executor(executor)
        kub_icao, minsk_icao = _check_option_study(terr, candidates, reg)
    # caps, before any work: lanes of the full-coverage flights, reach grid cells
    ac = _aircraft.as_aircraft(aircraft)
    sens_objs = {k: _on_aircraft(v, ac) for k, v in sens_objs.items()}
    for sen in sens_objs.values():
        coverage.estimate_lane_km(terr, sen, overlap=overlap)
    coverage.check_reach_grid(terr, reach_cell_km)
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
    quota = _passive_quota(reg, terr)
    if names:
        return _option_study(
            terr,
            reg,
            names=names,
            kub_icao=kub_icao,
            minsk_icao=minsk_icao,
            grid_km=tuple(budgets_km) if budgets_km is not None else DEFAULT_GRID_KM,
            sens_objs=sens_objs,
            sites=sites,
            home_bases=home_bases,
            aircraft=ac,
            overlap=overlap,
            reach_cell_km=reach_cell_km,
            time_limit_s=time_limit_s,
            seed=seed,
            quota=quota,
            sensitivity=sensitivity,
            executor=executor,
            workers=workers,
            progress=progress,
            on_step=on_step,
            months=month_list,
            min_sun_elevation_deg=sun_deg,
        )
    scen = _scenarios(terr, candidates, reg, budgets_km)
    _limits.cap("study_scenarios").check(
        len(scen) * len(sens_objs),
        f"a study of {len(scen)} candidate x budget scenarios x {len(sens_objs)} sensors",
        fix="give fewer candidates, budgets or sensors",
    )
    if scen[0].hypothetical:
        logger.warning("the status quo %s is hypothetical in this regime", scen[0].icao)
    return _generic_study(
        terr,
        reg,
        scen,
        candidates=candidates,
        sens_objs=sens_objs,
        sites=sites,
        home_bases=home_bases,
        aircraft=ac,
        overlap=overlap,
        reach_cell_km=reach_cell_km,
        time_limit_s=time_limit_s,
        seed=seed,
        quota=quota,
        progress=progress,
        on_step=on_step,
        months=month_list,
        min_sun_elevation_deg=sun_deg,
    )


def _generic_study(
    terr: _territory.Territory,
    reg: _airfields.Regime,
    scenarios: list[_Scenario],
    *,
    candidates: Sequence[str],
    sens_objs: dict[str, sensors.Sensor],
    sites: gpd.GeoDataFrame | None,
    home_bases: Sequence[str],
    aircraft: _aircraft.Aircraft,
    overlap: float,
    reach_cell_km: float,
    time_limit_s: float,
    seed: int,
    quota: float | None,
    progress: bool,
    on_step: Callable[[str], None] | None,
    months: Sequence[int],
    min_sun_elevation_deg: float,
) -> EntryPointStudy:
    """The comparison of candidates as they are (``scenarios=None``)."""
    ac = aircraft
    sensors = list(sens_objs)
    status_quo = reg.airfield(candidates[0]).icao
    observer = reg.airfield(home_bases[0]).party if home_bases else None
    observed = scenarios[0].regime.observed_territory(scenarios[0].icao).code
    per_year, _ = _sweep._observer_quota(observer, observed)

    rows: list[dict[str, Any]] = []
    route_rows: list[dict[str, Any]] = []
    fp_rows: list[dict[str, Any]] = []
    site_rows: list[dict[str, Any]] = []
    reach_frames: list[gpd.GeoDataFrame] = []
    curves: list[pd.DataFrame] = []
    reach_cache: dict[str, gpd.GeoDataFrame] = {}
    seas = _sweep.season(
        terr,
        {sc.icao: sc.regime for sc in reversed(scenarios)},
        months=months,
        min_elevation_deg=min_sun_elevation_deg,
        aircraft=ac,
        year=reg.year,
    )
    year_metrics: dict[tuple[int, str], dict[str, float]] = {}

    def emit(sc: _Scenario, s: str, metrics: dict[str, float], month: int | None) -> None:
        """The tidy rows of one scenario x sensor (x month)."""
        af = sc.regime.airfield(sc.icao)
        entry = _poe_for(sc.regime, af).icao
        metrics = {**metrics, "budget_km": sc.budget_km}
        if per_year:
            metrics["observer_quota_flights_per_year"] = per_year
            if "flights_100pct" in metrics and math.isfinite(metrics["flights_100pct"]):
                metrics["years_of_observer_quota_100pct"] = _eo.years_of_quota(
                    metrics["flights_100pct"], per_year
                )
        sen = sens_objs[s]
        metrics = _scenario_season(
            metrics, imageable=seas.imageable(sen, month), q=seas.window_q(sen, month)
        )
        for key, value in metrics.items():
            base_key = key.rsplit("_", 1)[0] if key.startswith("ferry_") else key
            unit = (METRICS.get(key) or HOME_METRICS.get(base_key) or ("", ""))[0]
            rows.append(
                {
                    "scenario": "status_quo" if sc.icao == status_quo else "candidate",
                    "icao": sc.icao,
                    "entry_point": entry,
                    "name": af.name,
                    "budget_km": sc.budget_km,
                    "sensor": s,
                    "month": month,
                    "metric": key,
                    "value": float(value),
                    "unit": unit,
                    "hypothetical": sc.hypothetical,
                }
            )

    def evaluate(sc: _Scenario, sen: Any) -> tuple[dict[str, float], dict[str, Any]]:
        return _evaluate(
            terr,
            sc,
            sen,
            overlap=overlap,
            reach_cells=reach_cache[sc.icao],
            sites=sites,
            home_bases=home_bases,
            aircraft=ac,
            time_limit_s=time_limit_s,
            seed=seed,
            quota=quota,
        )

    steps = [(sc, s) for sc in scenarios for s in sensors]
    bar = _progress(len(steps)) if progress else None
    try:
        for sc, s in steps:
            label = f"{sc.icao} {sc.budget_km:g} km {s}"
            if on_step:
                on_step(label)
            if bar:
                bar.set(label)
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
            metrics, extras = evaluate(sc, sens_objs[s])
            year_metrics[(id(sc), s)] = dict(metrics)
            emit(sc, s, metrics, None)
            common = {
                "icao": sc.icao,
                "budget_km": sc.budget_km,
                "sensor": s,
                "hypothetical": sc.hypothetical,
            }
            drawn = _sweep._layers(extras, metrics, ac)
            route_rows += [{**common, **r} for r in drawn["routes"]]
            fp_rows += [{**common, **r} for r in drawn["footprints"]]
            site_rows += [{**common, **r} for r in drawn["site_routes"]]
            if bar:
                bar.advance()
        # the months: flights of a daylight sensor capped by the month's daylight
        capped: dict[tuple[str, float, str], dict[str, float]] = {}
        for month in seas.months:
            for sc, s in steps:
                sen = sens_objs[s]
                m = year_metrics[(id(sc), s)]
                b = seas.budget(sc.icao, sc.budget_km, sen, month)
                if seas.imageable(sen, month) and b < sc.budget_km:
                    key = (sc.icao, b, s)
                    if key not in capped:
                        capped[key], _ = evaluate(
                            _Scenario(sc.icao, b, sc.regime, sc.hypothetical), sen
                        )
                    m = capped[key]
                emit(sc, s, m, month)
    finally:
        if bar:
            bar.close()

    metrics_df = _with_deltas(pd.DataFrame(rows))
    params = {
        "territory": terr.code,
        "year": reg.year,
        "candidates": [sc.icao for sc in scenarios[:1]]
        + list(dict.fromkeys(sc.icao for sc in scenarios[1:] if sc.icao != scenarios[0].icao)),
        "labels": [
            reg.airfield(c).label
            if not any(x.hypothetical and x.icao == c for x in scenarios)
            else f"{reg.airfield(c).name} ({c}) (hypothetical)"
            for c in dict.fromkeys(sc.icao for sc in scenarios)
        ],
        "budgets_km": {
            c: [sc.budget_km for sc in scenarios if sc.icao == c]
            for c in dict.fromkeys(sc.icao for sc in scenarios)
        },
        "sensors": list(sensors),
        "home_bases": list(home_bases),
        "aircraft": ac.name,
        "overlap": overlap,
        "reach_cell_km": reach_cell_km,
        "seed": seed,
        "passive_quota": quota,
        "hypothetical": list(dict.fromkeys(sc.icao for sc in scenarios if sc.hypothetical)),
        **seas.as_params(),
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
        assumptions=[
            *_assumptions(reg, scenarios, sens_objs, ac),
            *_sweep._season_assumptions(seas, terr, ac),
        ],
        target=terr,
    )
    logger.info(
        "entry-point study %s: %d scenarios x %d sensors", terr.code, len(scenarios), len(sensors)
    )
    return study


def _preset(name: str) -> sensors.Sensor:
    return sensors.preset(name)


def _on_aircraft(sen: sensors.Sensor, ac: _aircraft.Aircraft) -> sensors.Sensor:
    """A preset flown on the study's aircraft (its height and swath); other sensors as given."""
    if sen.name in sensors.PRESETS and sen == sensors.preset(sen.name):
        return sensors.preset(sen.name, aircraft=ac)
    return sen


def check_months(months: Any, *, field: str = "months") -> tuple[int, ...]:
    """The months of a study, sorted: whole numbers 1-12, each once (empty: the year only).

    Raises
    ------
    ValidationError
        Not a list, a value that is not a whole month 1-12, or a month given twice; the
        message names the field, the value and the fix.
    """
    if isinstance(months, str | bytes) or not hasattr(months, "__iter__"):
        msg = (
            f"{field}={months!r} must be a list of months 1-12, e.g. [3, 6, 9, 12] "
            "(or [] for the year only)"
        )
        raise ValidationError(msg)
    out = []
    for v in months:
        ok = isinstance(v, int | np.integer) and not isinstance(v, bool) and 1 <= int(v) <= 12
        if not ok:
            msg = (
                f"{field} contains {v!r}: give whole months 1-12 (1 = January), e.g. [3, 6, 9, 12]"
            )
            raise ValidationError(msg)
        out.append(int(v))
    _validate.unique(out, field)
    return tuple(sorted(out))


def _check_sun(value: Any) -> float:
    return daylight._threshold(value, "min_sun_elevation_deg")


def _with_deltas(df: pd.DataFrame) -> pd.DataFrame:
    """Deltas from the ``status_quo`` rows of the same sensor, metric and month."""
    if df.empty:
        return df
    df = df.copy()
    if "month" not in df.columns:
        df["month"] = None
    df["month"] = pd.array(
        [None if v is None or pd.isna(v) else int(v) for v in df["month"]], dtype="Int64"
    )
    # the month beside the sensor, in the column order of the output contract
    cols = [c for c in df.columns if c != "month"]
    cols.insert(cols.index("sensor") + 1, "month")
    df = df[cols]
    month_key = [-1 if pd.isna(v) else int(v) for v in df["month"]]
    sq_mask = (df["scenario"] == "status_quo").to_numpy()
    base: dict[tuple[str, str, int], float] = {}
    for sen, met, mo, val, is_sq in zip(
        df["sensor"], df["metric"], month_key, df["value"], sq_mask, strict=True
    ):
        if is_sq:
            base.setdefault((sen, met, mo), float(val))
    keys = list(zip(df["sensor"], df["metric"], month_key, strict=True))
    ref = np.array([base.get(k, np.nan) for k in keys], dtype=float)
    df["delta_abs"] = df["value"] - ref
    with np.errstate(divide="ignore", invalid="ignore"):
        df["delta_rel"] = np.where(ref != 0, (df["value"] - ref) / np.abs(ref), np.nan)
    return df


def _sensor_objects(values: Sequence[str | sensors.Sensor]) -> dict[str, sensors.Sensor]:
    """Sensors by name (presets looked up); names must differ."""
    objs = [v if isinstance(v, sensors.Sensor) else _preset(v) for v in values]
    _validate.unique([o.name for o in objs], "sensors")
    return {o.name: o for o in objs}


def _check_scenarios(scenarios: Sequence[str] | str | None) -> list[str]:
    """The scenario names in report order ([] for a comparison of candidates as they are)."""
    if scenarios is None:
        return []
    if isinstance(scenarios, str):
        if scenarios.strip().lower() != "all":
            msg = f"scenarios={scenarios!r}: give 'all', None or a list of {', '.join(SCENARIOS)}"
            raise ValidationError(msg)
        return list(SCENARIOS)
    names = [str(n).strip().lower() for n in scenarios]
    if not names:
        msg = f"scenarios is empty: give at least one of {', '.join(SCENARIOS)} (or 'all')"
        raise ValidationError(msg)
    for n, raw in zip(names, scenarios, strict=True):
        if n not in SCENARIOS:
            msg = f"scenarios contains {raw!r}: choose from {', '.join(SCENARIOS)}"
            raise ValidationError(msg)
    _validate.unique(names, "scenarios")
    return [n for n in SCENARIOS if n in names]


def _check_option_study(
    terr: _territory.Territory, candidates: Sequence[str], reg: _airfields.Regime
) -> tuple[str, str]:
    """Kubinka and the Minsk candidate of a five-option study, checked before any work."""
    icaos = [reg.airfield(c).icao for c in candidates]
    if len(icaos) > 2 or icaos[0] != _eo.KUBINKA:
        msg = (
            f"candidates={tuple(candidates)!r}: the five scenarios compare Kubinka with a "
            f"Minsk point of entry: give candidates=({_eo.KUBINKA!r}, {_eo.MINSK!r}) (or "
            "another Belarusian airfield second), or scenarios=None to compare these "
            "airfields as they are"
        )
        raise ValidationError(msg)
    minsk = icaos[1] if len(icaos) == 2 else _eo.MINSK
    if reg.airfield(minsk).party != "BLR":
        msg = (
            f"candidates[1]={minsk!r} is {reg.airfield(minsk).label} in "
            f"{reg.airfield(minsk).party}: the Minsk options need an airfield of Belarus, BLR "
            "(e.g. 'UMMS' Minsk National or 'UMLI' Machulishchi)"
        )
        raise ValidationError(msg)
    if not set(terr.members) <= {"BLR"}:
        msg = (
            f"territory={terr.code!r}: the five scenarios ask how easily Belarus is "
            "inspected: give 'BLR' (or a part of Belarus), or scenarios=None"
        )
        raise ValidationError(msg)
    return _eo.KUBINKA, minsk


def _option_study(
    terr: _territory.Territory,
    reg: _airfields.Regime,
    *,
    names: list[str],
    kub_icao: str,
    minsk_icao: str,
    grid_km: Sequence[float],
    sens_objs: dict[str, sensors.Sensor],
    sites: gpd.GeoDataFrame | None,
    home_bases: Sequence[str],
    aircraft: _aircraft.Aircraft,
    overlap: float,
    reach_cell_km: float,
    time_limit_s: float,
    seed: int,
    quota: float | None,
    sensitivity: bool,
    executor: Any,
    workers: int | None,
    progress: bool,
    on_step: Callable[[str], None] | None,
    months: Sequence[int],
    min_sun_elevation_deg: float,
) -> EntryPointStudy:
    """The study of the five legal options (``scenarios=``), run by :mod:`openskies._sweep`."""
    swept = any(_eo.option(n).uses_minsk_distance for n in names)
    units = 1 + (len(grid_km) + 1 if swept else 0)
    settings = len(_sweep.SENSITIVITY) if (sensitivity and swept) else 0
    _limits.cap("study_scenarios").check(
        units * len(sens_objs) * (1 + settings),
        f"a study of {units} airfield x budget evaluations x {len(sens_objs)} sensors x "
        f"{1 + settings} assumption settings",
        fix="give fewer budgets or sensors, or sensitivity=False",
    )
    sw = _sweep.run(
        terr,
        reg,
        names=names,
        kub_icao=kub_icao,
        minsk_icao=minsk_icao,
        grid_km=grid_km,
        sensors_=sens_objs,
        sites=sites,
        home_bases=home_bases,
        aircraft=aircraft,
        overlap=overlap,
        reach_cell_km=reach_cell_km,
        time_limit_s=time_limit_s,
        seed=seed,
        quota=quota,
        sensitivity=sensitivity,
        executor=executor,
        workers=workers,
        progress=progress,
        on_step=on_step,
        months=months,
        min_elevation_deg=min_sun_elevation_deg,
    )
    # the grid from its top down (reports draw the first), then replacement's extension
    grid_desc = sorted(sw.params["budget_grid_km"], reverse=True)
    extra = {b for g in sw.params["scenario_grids_km"].values() for b in g} - set(grid_desc)
    minsk_budgets = [*grid_desc, *sorted(extra)]
    cands = [kub_icao, *([minsk_icao] if swept else [])]
    params = {
        "territory": terr.code,
        "year": reg.year,
        "candidates": cands,
        "labels": [
            reg.airfield(kub_icao).label,
            *([f"{reg.airfield(minsk_icao).name} ({minsk_icao}) (hypothetical)"] if swept else []),
        ],
        "budgets_km": {
            kub_icao: [float(reg.max_flight_distance_km(kub_icao))],
            **({minsk_icao: minsk_budgets} if swept else {}),
        },
        "hypothetical": [minsk_icao] if swept else [],
        "entry_points": {n: _eo.option(n).entry_point_icao(minsk_icao) for n in names},
        "sensors": list(sens_objs),
        "home_bases": list(home_bases),
        "aircraft": aircraft.name,
        "overlap": overlap,
        "reach_cell_km": reach_cell_km,
        "seed": seed,
        "passive_quota": quota,
        **sw.params,
    }
    crs = "EPSG:4326"

    def frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
        if not rows:
            return gpd.GeoDataFrame(geometry=[], crs=crs)
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)

    study = EntryPointStudy(
        metrics=_with_deltas(pd.DataFrame(sw.rows)),
        routes=frame(sw.routes),
        footprints=frame(sw.footprints),
        reach=pd.concat(sw.reach, ignore_index=True)
        if sw.reach
        else gpd.GeoDataFrame(geometry=[], crs=crs),
        reach_curves=pd.concat(sw.reach_curves, ignore_index=True)
        if sw.reach_curves
        else pd.DataFrame(),
        site_routes=frame(sw.site_routes),
        sites=sites,
        params=params,
        provenance=_geodata.provenance(params_sha256=_geodata.params_sha256(params)),
        assumptions=[*sw.assumptions, *_common_assumptions(reg, sens_objs, aircraft)],
        break_even=sw.break_even,
        sensitivity=sw.sensitivity,
        target=terr,
        timings=sw.run,
    )
    logger.info(
        "entry-point study %s: %s, %d Minsk distances x %d sensors",
        terr.code,
        ", ".join(names),
        len(minsk_budgets),
        len(sens_objs),
    )
    return study


def _write_csv(df: pd.DataFrame, columns: Sequence[str], path: str | Path | None) -> str | None:
    cols = list(columns)
    frame = df[cols] if len(df) else pd.DataFrame(columns=cols)
    text = csv_frame(frame).to_csv(index=False, float_format="%.6g", lineterminator="\n")
    if path is None:
        return text
    from ._files import atomic_write

    with atomic_write(path, newline="") as fh:
        fh.write(text)
    return None


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
    return [*out, *_common_assumptions(reg, sens, ac)]


def _common_assumptions(
    reg: _airfields.Regime, sens: dict[str, sensors.Sensor], ac: _aircraft.Aircraft
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
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
            "boustrophedon lanes (Fields2Cover-style) assigned to the fewest legal "
            "round trips (openskies._fleet): flights_100pct is a legal plan (an upper "
            "bound on the fewest flights), flights_lower_bound is proved",
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


_BREAK_EVEN_WORDS = {
    "flights_100pct": "needs no more flights for full coverage than",
    "best_flight_fraction": "images at least as much in one flight as",
    "years_of_observer_quota_100pct": "needs no more years of the observer's quota than",
}


def _scenario_findings(study: EntryPointStudy) -> list[str]:
    """Findings of a five-option study: the break-even distances, the rules, the ferry."""
    p = study.params
    m = study.month_metrics(None)
    out: list[str] = []
    if m.empty:
        return out
    kub, minsk = p["candidates"][0], (p["candidates"] + [""])[1]

    def value(scen: str, sensor: str, metric: str, budget: float | None = None) -> float | None:
        sel = (m["scenario"] == scen) & (m["sensor"] == sensor) & (m["metric"] == metric)
        if budget is not None:
            sel &= m["budget_km"] == budget
        v = m.loc[sel, "value"]
        return float(v.iloc[0]) if len(v) else None

    for s in p["sensors"]:
        n_k = value("status_quo", s, "flights_100pct") or value("poe_only", s, "flights_100pct")
        lb_k = value("status_quo", s, "flights_lower_bound") or value(
            "poe_only", s, "flights_lower_bound"
        )
        if n_k is not None:
            out.append(
                f"[{s}] {kub}: {n_k:.0f} flights image the whole territory (proved lower "
                f"bound {lb_k:.0f})."
            )
        if "poe_only" in p["scenarios"]:
            hb = p["home_bases"][0] if p["home_bases"] else None
            five = p["five_hour_check"]
            ferry = (
                f"; ferry from {hb} {value('status_quo', s, f'ferry_km_{hb}') or 0:,.0f} -> "
                f"{value('poe_only', s, f'ferry_km_{hb}'):,.0f} km"
                if hb and value("poe_only", s, f"ferry_km_{hb}") is not None
                else ""
            )
            out.append(
                f"[{s}] poe_only: the same flights from {kub}{ferry}, plus "
                f"{value('poe_only', s, 'treaty_transit_km_per_flight'):,.0f} km of uncounted "
                f"transit {five['poe']} - {five['osa']} per flight ({five['hours']:.2f} h each "
                f"way: {'within' if five['ok'] else 'beyond'} the 5 hours of Annex E para 1)."
            )
        be = study.break_even
        for scen in p["scenarios"]:
            rows = be[(be["scenario"] == scen) & (be["sensor"] == s)] if len(be) else be
            for r in rows.itertuples(index=False):
                what = _BREAK_EVEN_WORDS.get(r.metric, f"does at least as well on {r.metric} as")
                grid = p["scenario_grids_km"][scen]
                if r.status == "never":
                    when = f"at no distance up to {max(grid):,.0f} km"
                elif r.status == "at_grid_start":
                    when = f"already at {min(grid):,.0f} km, the smallest distance studied"
                else:
                    when = (
                        f"from about {r.break_even_km:,.0f} km (between {r.low_km:,.0f} and "
                        f"{r.high_km:,.0f} km)"
                    )
                flag = "" if r.monotone else " (not monotone in the distance: see break_even)"
                floor = p.get("annex_e_floors_km", {}).get(scen)
                if floor and r.status != "never" and r.break_even_km < floor:
                    flag += (
                        f" Annex E para 5(A) allows this option only from {floor:,.0f} km"
                        " (annex_e_ok = 0 below)."
                    )
                out.append(f"[{s}] {scen}: {minsk} {what} {kub} {when}.{flag}")
    floors = p.get("annex_e_floors_km", {})
    if "replacement" in floors:
        out.append(
            f"replacement: Annex E para 5(A) needs a Minsk distance of at least "
            f"{floors['replacement']:,.0f} km (Kubinka's share of the group's mainland)."
        )
    if "single_state" in floors:
        out.append(
            f"single_state: Annex E para 5(A) needs at least {floors['single_state']:,.0f} km "
            "over Belarus alone."
        )
    sens = study.sensitivity
    if len(sens):
        flips = sens[sens["flips"] == 1]
        if len(flips):
            items = sorted(
                {f"{r.assumption} {r.setting} ({r.sensor}, {r.metric})" for r in flips.itertuples()}
            )
            out.append("Sensitivity: the comparison flips under " + "; ".join(items) + ".")
        else:
            out.append("Sensitivity: no comparison flips under the settings tried.")
    return out + _month_findings(study)


def _month_findings(study: EntryPointStudy) -> list[str]:
    """The months without optical imaging, and the threshold at which it becomes possible."""
    import calendar

    p = study.params
    out: list[str] = []
    daylight_ = p.get("daylight", {})
    thr = p.get("min_sun_elevation_deg")
    for mo in p.get("months", []):
        d = daylight_.get(str(mo))
        if not d or d["imageable"]:
            continue
        out.append(
            f"{calendar.month_name[mo]}: no optical imaging of all of {p['territory']} at a "
            f"solar elevation of {thr:g} deg (on {d['date']} the noon sun reaches "
            f"{d['lowest_noon_sun_deg']:.1f} deg at the territory's far edge, "
            f"{d['highest_noon_sun_deg']:.1f} deg at its best point): the whole territory "
            f"becomes imageable below {d['lowest_noon_sun_deg']:.1f} deg, some part of it at "
            f"{d['highest_noon_sun_deg']:.1f} deg or lower (imageable = 0, values blank)."
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
