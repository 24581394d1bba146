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

from . import _geodata, _limits, _validate, coverage, geodesy, sensors
from . import aircraft as _aircraft
from . import airfields as _airfields
from . import territory as _territory
from ._errors import ValidationError
from ._scenario import (
    METRICS,
    _evaluate,
    _farthest_km,
    _passive_quota,
    _reach_for_sensor,
    _Scenario,
)
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

    # -- tables ------------------------------------------------------------------------------
    def wide(self) -> pd.DataFrame:
        """Metrics as a wide table: one row per metric, one column per scenario."""
        m = self.metrics.copy()
        m["scenario"] = [
            f"{i}{' (hyp.)' if h else ''} {b:g} km {s}"
            for i, h, b, s in zip(
                m["icao"], m["hypothetical"], m["budget_km"], m["sensor"], strict=True
            )
        ]
        order = list(dict.fromkeys(m["scenario"]))
        w = m.pivot_table(
            index=["metric", "unit"],
            columns="scenario",
            values="value",
            aggfunc="first",
            sort=False,
        )
        return w[order]

    def summary(self, sensor: str | None = None) -> pd.DataFrame:
        """Key metrics per scenario (rows) for one sensor (default: the first)."""
        s = sensor or self.params["sensors"][0]
        keys = [
            "transit_round_trip_km",
            "best_flight_fraction",
            "flights_90pct",
            "flights_100pct",
            "flights_100pct_quota_share",
            "sites_observed_best_route",
            "flights_all_sites",
            "reach_fraction",
        ]
        m = self.metrics[(self.metrics["sensor"] == s) & self.metrics["metric"].isin(keys)]
        w = m.pivot_table(
            index=["icao", "hypothetical", "budget_km"],
            columns="metric",
            values="value",
            aggfunc="first",
            sort=False,
        )
        return w[[k for k in keys if k in w.columns]].reset_index()

    def findings(self) -> list[str]:
        """Plain-language comparisons with the status quo, honest about small differences."""
        out = []
        sq = self.params["candidates"][0]
        for s in self.params["sensors"]:
            m = self.metrics[self.metrics["sensor"] == s]
            base = m[m["icao"] == sq].set_index("metric")["value"]
            for (icao, budget), grp in m[m["icao"] != sq].groupby(
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
                    ("transit_round_trip_km", "km of transit per flight"),
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
        ICAO codes; the first is the status quo (``"UUMB"``, Kubinka). A
        candidate that is not an OSA in ``regime`` is designated hypothetically
        for each budget in ``budgets_km``.
    regime : Regime, optional
        Treaty regime (default 2019).
    budgets_km : sequence of float, optional
        Maximum flight distances (km) for hypothetical candidates; default a
        sweep from 5,500 km (the group's Kubinka value) down to the 35 % floor
        of Annex E para 5(A) (:func:`default_budgets`).
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
    _validate.unique(sensors, "sensors")
    sens_objs = {s: _preset(s) for s in sensors}
    _validate.unique([reg.airfield(hb).icao for hb in home_bases], "home_bases")
    # caps, before any work: lanes of the full-coverage flights, reach grid cells
    for sen in sens_objs.values():
        coverage.estimate_lane_km(terr, sen, overlap=overlap)
    coverage.check_reach_grid(terr, reach_cell_km)
    ac = _aircraft.as_aircraft(aircraft)
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
    scenarios = _scenarios(terr, candidates, reg, budgets_km)
    _limits.cap("study_scenarios").check(
        len(scenarios) * len(sensors),
        f"a study of {len(scenarios)} candidate x budget scenarios x {len(sensors)} sensors",
        fix="give fewer candidates, budgets or sensors",
    )
    if scenarios[0].hypothetical:
        logger.warning("the status quo %s is hypothetical in this regime", scenarios[0].icao)
    quota = _passive_quota(reg, terr)

    rows: list[dict[str, Any]] = []
    route_rows: list[dict[str, Any]] = []
    fp_rows: list[dict[str, Any]] = []
    site_rows: list[dict[str, Any]] = []
    reach_frames: list[gpd.GeoDataFrame] = []
    curves: list[pd.DataFrame] = []
    reach_cache: dict[str, gpd.GeoDataFrame] = {}
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
            )
            name = sc.regime.airfield(sc.icao).name
            for key, value in metrics.items():
                base_key = key.rsplit("_", 1)[0] if key.startswith("ferry_") else key
                unit = (METRICS.get(key) or HOME_METRICS.get(base_key) or ("", ""))[0]
                rows.append(
                    {
                        "icao": sc.icao,
                        "name": name,
                        "budget_km": sc.budget_km,
                        "sensor": s,
                        "metric": key,
                        "value": float(value),
                        "unit": unit,
                        "hypothetical": sc.hypothetical,
                    }
                )
            common = {
                "icao": sc.icao,
                "budget_km": sc.budget_km,
                "sensor": s,
                "hypothetical": sc.hypothetical,
            }
            if "best_plan" in extras:
                route_rows.append(
                    {
                        **common,
                        "kind": "best single flight",
                        "flight": 1,
                        "length_km": extras["best_plan"].length_km,
                        "geometry": geodesy.split_antimeridian(
                            extras["best_plan"].path_densified(10.0)
                        ),
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
            if bar:
                bar.advance()
    finally:
        if bar:
            bar.close()

    metrics_df = _with_deltas(pd.DataFrame(rows), candidates[0])
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
        assumptions=_assumptions(reg, scenarios, sens_objs, ac),
    )
    logger.info(
        "entry-point study %s: %d scenarios x %d sensors", terr.code, len(scenarios), len(sensors)
    )
    return study


def _preset(name: str) -> sensors.Sensor:
    return sensors.preset(name)


def _with_deltas(df: pd.DataFrame, status_quo: str) -> pd.DataFrame:
    if df.empty:
        return df
    sq = df[df["icao"] == status_quo].drop_duplicates(["sensor", "metric"])
    base = sq.set_index(["sensor", "metric"])["value"]
    keys = list(zip(df["sensor"], df["metric"], strict=True))
    ref = np.array([base.get(k, np.nan) for k in keys], dtype=float)
    df = df.copy()
    df["status_quo"] = df["icao"] == status_quo
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
