"""Rank candidate entry airfields of a territory, in parallel on Dask.

:func:`rank_entry_points` evaluates every candidate site (bundled airfields in
the territory, a regular grid of hypothetical sites, or any points) with the
entry-point study's metrics and ranks them by a stated, lexicographic
objective. Each candidate is one independent, pure task: its inputs are plain
data (territory code, candidate position and name, budgets, sensors,
parameters) and its result is a few numbers per budget x sensor, so the sweep
runs unchanged on a local ``dask.distributed`` cluster, a remote one
(``executor="tcp://host:8786"``), local processes or in the calling process,
with identical results.

Metric levels (``metrics=``), cheapest first:

``"reach"`` (default)
    transit distances from the study's equal-area reach grid, the share of
    the territory one flight can reach, and the lower bound on the flights
    needed to image the whole territory (lane km / capacity): well under a
    second per candidate.
``"coverage"``
    adds a full-coverage plan (:func:`openskies.coverage.plan_full_coverage`)
    per budget x sensor: the flight count, their counted distance and the
    covered share; about 2-3 s per scenario with the 35 km swath, 10-15 s
    with the 5 km swath.
``"full"``
    every metric of :func:`openskies.study.compare_entry_points` (adds the
    best single flight, 50/90 % flight counts, site routes, times, ferry):
    3-6 s per scenario with the 35 km swath, 10-16 s with the 5 km one.

Coordinates are (lon, lat) degrees WGS84 (EPSG:4326); distances km (WGS84
geodesics); areas geodesic km².
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from . import _geodata, _limits, _validate, geodesy
from . import territory as _territory
from ._errors import OpenSkiesError, ValidationError
from ._parallel import _check_executor, _execute, _Progress
from .airfields import as_regime

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from .airfields import Regime

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_OBJECTIVE",
    "LEVELS",
    "RANK_METRICS",
    "candidate_sites",
    "grid_sites",
    "level_metrics",
    "parse_objective",
    "rank_entry_points",
]

#: Metric levels, cheapest first (see the module docstring for their costs).
LEVELS: tuple[str, ...] = ("reach", "coverage", "full")

#: Metric -> (unit, better direction "min"/"max", definition), for the ``reach`` and
#: ``coverage`` levels; the ``full`` level adds :data:`openskies.study.METRICS`.
RANK_METRICS: dict[str, tuple[str, str, str]] = {
    "transit_nearest_km": (
        "km",
        "min",
        "geodesic distance from the site to the nearest point of the territory (0 inside)",
    ),
    "transit_round_trip_km": (
        "km",
        "min",
        "least distance a flight spends outside the territory: 2 x nearest",
    ),
    "transit_mean_km": (
        "km",
        "min",
        "area-weighted mean geodesic distance from the site to "
        "the territory (equal-area reach cells)",
    ),
    "transit_farthest_km": (
        "km",
        "min",
        "geodesic distance to the farthest point of the territory",
    ),
    "budget_floor_km": (
        "km",
        "min",
        "smallest maximum flight distance Annex E para 5(A) allows here: farthest / 35 %",
    ),
    "reach_fraction": (
        "fraction",
        "max",
        "share of the territory whose cells one flight can "
        "reach and image (upper bound, reach model)",
    ),
    "lane_km": (
        "km",
        "min",
        "length of the lanes that image the whole territory with the "
        "sensor (independent of the site)",
    ),
    "capacity_km": (
        "km",
        "max",
        "lane distance one flight can carry: budget / (1 + turn margin) - least round trip",
    ),
    "flights_lower_bound": (
        "flights",
        "min",
        "lower bound on the flights to image the whole territory: ceil(lane km / capacity)",
    ),
    "flights_100pct": (
        "flights",
        "min",
        "flights of the full-coverage plan (an upper bound on the fewest)",
    ),
    "coverage_flown_km": ("km", "min", "total counted distance of the full-coverage flights"),
    "full_coverage_fraction": (
        "fraction",
        "max",
        "share of the territory the full-coverage plan images",
    ),
}
_LEVEL_METRICS: dict[str, tuple[str, ...]] = {
    "reach": (
        "transit_nearest_km",
        "transit_round_trip_km",
        "transit_mean_km",
        "transit_farthest_km",
        "budget_floor_km",
        "reach_fraction",
        "lane_km",
        "capacity_km",
        "flights_lower_bound",
    ),
}
_LEVEL_METRICS["coverage"] = (
    *_LEVEL_METRICS["reach"],
    "flights_100pct",
    "coverage_flown_km",
    "full_coverage_fraction",
)
#: Default objective per level: fewest flights to image the whole territory (bound or plan),
#: then the least transit outside it per flight, then the least mean distance to it.
DEFAULT_OBJECTIVE: dict[str, tuple[str, ...]] = {
    "reach": ("flights_lower_bound", "transit_round_trip_km", "transit_mean_km"),
    "coverage": (
        "flights_100pct",
        "flights_lower_bound",
        "transit_round_trip_km",
        "transit_mean_km",
    ),
    "full": ("flights_100pct", "flights_lower_bound", "transit_round_trip_km", "transit_mean_km"),
}
#: Candidate kinds.
KINDS = ("reference", "airfield", "grid", "point")
_MAX_DIRECTIONS = {
    "sites_observed_best_route",
    "sites_value_observed",
    "fits_96h_window",
    "best_flight_area_km2",
    "best_flight_feasible",
    "swath_km",
}


# --------------------------------------------------------------------------- metrics


def level_metrics(level: str) -> dict[str, tuple[str, str, str]]:
    """Metrics of a level: name -> (unit, better direction, definition)."""
    _check_level(level)
    if level != "full":
        return {k: RANK_METRICS[k] for k in _LEVEL_METRICS[level]}
    from . import _scenario

    out = {k: RANK_METRICS[k] for k in _LEVEL_METRICS["reach"]}
    for k, (unit, text) in _scenario.METRICS.items():
        if k == "budget_km" or k in _scenario.MONTH_METRICS:
            continue
        better = "max" if unit == "fraction" or k in _MAX_DIRECTIONS else "min"
        out.setdefault(k, (unit, better, text))
    return out


def _check_level(level: str) -> None:
    if level not in LEVELS:
        msg = f"metrics={level!r}: choose a level from {', '.join(LEVELS)}"
        raise ValidationError(msg)


def parse_objective(objective: Sequence[str] | str | None, level: str) -> list[tuple[str, str]]:
    """Validate an objective into ``[(metric, "min"|"max"), ...]``.

    Each item is a metric name of the level, optionally suffixed ``:min`` or
    ``:max`` to override its natural direction (distances and flights are
    minimised, fractions maximised).
    """
    known = level_metrics(level)
    items = (
        DEFAULT_OBJECTIVE[level]
        if objective is None
        else ((objective,) if isinstance(objective, str) else tuple(objective))
    )
    if not items:
        msg = "objective is empty: give at least one metric, e.g. ('flights_lower_bound',)"
        raise ValidationError(msg)
    out = []
    for item in items:
        name, _, how = str(item).partition(":")
        name = name.strip()
        if name not in known:
            msg = (
                f"objective metric {name!r} is not computed at metrics={level!r}; "
                f"available: {', '.join(known)}"
            )
            raise ValidationError(msg)
        how = how.strip().lower() or known[name][1]
        if how not in ("min", "max"):
            msg = f"objective item {item!r}: the direction after ':' must be 'min' or 'max'"
            raise ValidationError(msg)
        out.append((name, how))
    return out


# --------------------------------------------------------------------------- candidates


def _position_name(lon: float, lat: float, decimals: int = 2) -> str:
    """``G53.90N027.55E``: a hypothetical site named by its position."""
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    w = 3 + decimals
    return f"G{abs(lat):0{w}.{decimals}f}{ns}{abs(lon):0{w + 1}.{decimals}f}{ew}"


def _territory_of(territory: str | _territory.Territory, year: int) -> _territory.Territory:
    if isinstance(territory, _territory.Territory):
        return territory
    return _territory.get(territory, year=year)


def grid_sites(
    territory: str | _territory.Territory, spacing_km: float, *, year: int = _territory.DEFAULT_YEAR
) -> gpd.GeoDataFrame:
    """A regular grid of hypothetical sites inside a territory.

    Grid nodes are ``spacing_km`` apart in a Lambert azimuthal equal-area
    projection centred on the territory (so every site stands for the same
    area, ``spacing_km²``; one node is the centre), kept where they fall on the
    territory's land. Each is named by its position, ``G53.90N027.55E``
    (latitude, longitude, two decimals; more when two sites would share a name).

    Parameters
    ----------
    territory : str or Territory
        Territory code (``"BLR"``) or object.
    spacing_km : float
        Grid spacing, km (> 0).
    year : int
        Regime year (for the territory).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points with ``icao`` (the position name), ``name``, ``lon``,
        ``lat``, ``party`` (member state containing the site) and ``kind``
        ``"grid"``.
    """
    import geopandas as gpd

    s = _validate.positive(
        spacing_km, f"grid_km={spacing_km!r} must be a positive grid spacing in km"
    )
    terr = _territory_of(territory, year)
    geom = terr.geometry
    lon0, lat0 = geodesy.centre_of(geom)
    crs = CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
    )
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xy = shapely.get_coordinates(geom)
    px, py = fwd.transform(geodesy.unwrap_lon(xy[:, 0], reference=lon0), xy[:, 1])
    step = s * 1000.0
    n_est = ((np.max(px) - np.min(px)) / step + 1) * ((np.max(py) - np.min(py)) / step + 1)
    _limits.cap("grid_cells").check(
        math.ceil(n_est),
        f"a site grid of grid_km={spacing_km!r} over {terr.code}",
        fix="choose a coarser grid_km",
    )
    xs = np.arange(math.floor(np.min(px) / step), math.ceil(np.max(px) / step) + 1) * step
    ys = np.arange(math.floor(np.min(py) / step), math.ceil(np.max(py) / step) + 1) * step
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = inv.transform(gx.ravel(), gy.ravel())
    lon = geodesy.normalize_lon(np.asarray(lon, dtype=float))
    lat = np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    inside = shapely.contains_xy(geom, lon, lat)
    lon, lat = lon[inside], lat[inside]
    # north to south, west to east: a stable, readable order
    order = np.lexsort((lon, -lat))
    lon, lat = lon[order], lat[order]
    decimals = 2
    names = [_position_name(x, y, decimals) for x, y in zip(lon, lat, strict=True)]
    while len(set(names)) < len(names) and decimals < 6:
        decimals += 1
        names = [_position_name(x, y, decimals) for x, y in zip(lon, lat, strict=True)]
    party = _party_of(terr, lon, lat)
    gdf = gpd.GeoDataFrame(
        {
            "icao": names,
            "name": [f"grid site {n[1:]}" for n in names],
            "lon": lon,
            "lat": lat,
            "party": party,
            "kind": "grid",
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    logger.info("grid of %d sites every %g km over %s", len(gdf), s, terr.code)
    return gdf


def _party_of(terr: _territory.Territory, lon: np.ndarray, lat: np.ndarray) -> list[str]:
    if len(terr.members) == 1:
        return [terr.members[0]] * len(lon)
    out = [terr.members[0]] * len(lon)
    land = _geodata.countries("land")
    for m in terr.members:
        hit = shapely.contains_xy(land.loc[m].geometry, lon, lat)
        for i in np.flatnonzero(hit):
            out[int(i)] = m
    return out


def candidate_sites(
    territory: str | _territory.Territory,
    candidates: str | Sequence[str] | gpd.GeoDataFrame = "all",
    *,
    grid_km: float | None = None,
    reference: str | None = "UUMB",
    regime: Regime | None = None,
) -> gpd.GeoDataFrame:
    """The sites :func:`rank_entry_points` evaluates, without evaluating them.

    Parameters
    ----------
    territory : str or Territory
        The territory to inspect.
    candidates : "all", sequence of str or GeoDataFrame
        ``"all"``: every bundled airfield whose point lies in the territory
        (its treaty area). A sequence: bundled ICAO codes. A GeoDataFrame:
        points (any CRS; reprojected to EPSG:4326) with optional ``icao``,
        ``name`` and ``party`` columns; unnamed points are named by position.
    grid_km : float, optional
        Add a grid of hypothetical sites (:func:`grid_sites`).
    reference : str, optional
        ICAO code of the reference (status quo) airfield, added first.
    regime : Regime, optional
        Default :func:`openskies.data.regime` (2019).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points, one per candidate: ``icao``, ``name``, ``lon``,
        ``lat``, ``party``, ``kind`` (reference, airfield, grid, point),
        ``bundled`` (the code is a bundled airfield).
    """
    import geopandas as gpd

    reg = as_regime(regime)
    terr = _territory_of(territory, reg.year)
    rows: list[dict[str, Any]] = []

    def bundled_row(code: str, kind: str) -> dict[str, Any]:
        a = reg.airfield(code)
        return {
            "icao": a.icao,
            "name": a.name,
            "lon": a.lon,
            "lat": a.lat,
            "party": a.party,
            "kind": kind,
            "bundled": True,
        }

    if reference is not None:
        rows.append(bundled_row(reference, "reference"))
    if isinstance(candidates, str):
        if candidates != "all":
            msg = (
                f"candidates={candidates!r}: give 'all', a sequence of ICAO codes or a "
                "GeoDataFrame of points"
            )
            raise ValidationError(msg)
        afs = reg.airfields()
        inside = terr.contains(afs["lon"].to_numpy(), afs["lat"].to_numpy())
        for code in sorted(afs.index[inside]):
            rows.append(bundled_row(str(code), "airfield"))
    elif isinstance(candidates, pd.DataFrame):
        rows.extend(_point_rows(terr, reg, candidates))
    else:
        for code in candidates:
            rows.append(bundled_row(str(code), "airfield"))
    if grid_km is not None:
        g = grid_sites(terr, grid_km, year=reg.year)
        rows.extend({**r, "bundled": False} for r in g.drop(columns="geometry").to_dict("records"))
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        if r["icao"] in seen:
            if r["kind"] == "airfield" and out[seen[r["icao"]]]["kind"] == "reference":
                continue  # the reference lies in the territory: keep it once, as reference
            msg = (
                f"candidate {r['icao']!r} appears twice: give each site once (grid sites "
                "are named by position)"
            )
            raise ValidationError(msg)
        seen[r["icao"]] = len(out)
        out.append(r)
    if not out:
        msg = (
            f"no candidate sites in {terr.code}: no bundled airfield lies there; give "
            "candidates as ICAO codes or points, or a grid_km"
        )
        raise ValidationError(msg)
    df = pd.DataFrame(out)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


def _point_rows(
    terr: _territory.Territory, reg: Regime, points: pd.DataFrame
) -> list[dict[str, Any]]:
    import geopandas as gpd

    if not isinstance(points, gpd.GeoDataFrame):
        msg = "candidates must be a GeoDataFrame of points (a DataFrame has no geometry)"
        raise ValidationError(msg)
    pts = points.to_crs("EPSG:4326") if points.crs is not None else points
    if len(pts) and not bool((pts.geometry.geom_type == "Point").all()):
        msg = "candidates GeoDataFrame: every geometry must be a Point (lon, lat)"
        raise ValidationError(msg)
    lon = pts.geometry.x.to_numpy(dtype=float)
    lat = pts.geometry.y.to_numpy(dtype=float)
    geodesy.check_lonlat(lon, lat, what="candidate")
    parties = _party_of(terr, lon, lat)
    rows = []
    for k, (x, y) in enumerate(zip(lon, lat, strict=True)):
        rec = pts.iloc[k]
        code = rec.get("icao") if "icao" in pts.columns else None
        code = str(code).strip().upper() if isinstance(code, str) and code.strip() else None
        bundled = code is not None and code in reg
        if code is None:
            code = _position_name(float(x), float(y))
        name = rec.get("name") if "name" in pts.columns else None
        if not isinstance(name, str) or not name.strip():
            name = reg.airfield(code).name if bundled else f"site {code}"
        party = rec.get("party") if "party" in pts.columns else None
        if not isinstance(party, str) or not party.strip():
            party = reg.airfield(code).party if bundled else parties[k]
        rows.append(
            {
                "icao": code,
                "name": name,
                "lon": float(x),
                "lat": float(y),
                "party": str(party).upper(),
                "kind": "point",
                "bundled": bundled,
            }
        )
    return rows


# --------------------------------------------------------------------------- the task


def _evaluate_candidate(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate one candidate for every budget x sensor (the unit of work; pure).

    ``spec`` holds plain data only. Returns ``{"icao", "status", "error",
    "rows", "seconds"}``. Input errors (:class:`OpenSkiesError`: a site
    outside the territory its flights observe, an unreachable area...) give
    ``status="failed"`` at once; any other exception propagates so that the
    executor retries the task.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        rows = _candidate_rows(spec)
    except OpenSkiesError as exc:
        logger.warning("candidate %s failed: %s", spec["icao"], exc)
        return {
            "icao": spec["icao"],
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}",
            "rows": [],
            "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0,
        }
    return {
        "icao": spec["icao"],
        "status": "ok",
        "error": "",
        "rows": rows,
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - c0,
    }


def _candidate_regime(spec: Mapping[str, Any], base: Regime, budget: float) -> tuple[Regime, bool]:
    icao = spec["icao"]
    if icao in base:
        af = base.airfield(icao)
        same_place = abs(af.lon - spec["lon"]) < 1e-9 and abs(af.lat - spec["lat"]) < 1e-9
        if (
            af.is_osa
            and not af.hypothetical
            and same_place
            and af.max_flight_distance_km is not None
            and abs(af.max_flight_distance_km - budget) < 1e-6
        ):
            return base, False
        if same_place:
            return base.designate(icao, party=spec["party"], max_flight_distance_km=budget), True
    return base.designate(
        icao,
        party=spec["party"],
        max_flight_distance_km=budget,
        lon=spec["lon"],
        lat=spec["lat"],
        name=spec["name"],
    ), True


@lru_cache(maxsize=8)
def _reach_grid(territory: Any, year: int, cell_km: float) -> dict[str, np.ndarray]:
    """The study's equal-area reach grid of a territory, shared by every candidate.

    Built once per process (cached) with :func:`openskies.coverage.reach` from
    a point at the territory's centre; only its cells are kept: representative
    points, geodesic areas and the (segmentized) vertices, from which each
    candidate's distances are computed exactly as ``reach`` does (the farthest
    vertex of a cell is its ``far_km``).
    """
    from . import coverage, data

    terr = _territory_of(territory, year)
    lon0, lat0 = geodesy.centre_of(terr.geometry)
    party = (
        terr.code
        if terr.code in {g["code"] for g in data.regime(year).parameters.get("groups", [])}
        else terr.members[0]
    )
    reg = data.regime(year).designate(
        "ZZGRID",
        party=party,
        max_flight_distance_km=1.0,
        lon=lon0,
        lat=lat0,
        name="reach grid origin",
    )
    cells = coverage.reach(terr, "ZZGRID", cell_km=cell_km, regime=reg)
    vxy, vi = shapely.get_coordinates(cells.geometry.to_numpy(), return_index=True)
    return {
        "lon": cells["lon"].to_numpy(),
        "lat": cells["lat"].to_numpy(),
        "area_km2": cells["area_km2"].to_numpy(),
        "vx": vxy[:, 0],
        "vy": vxy[:, 1],
        "vi": vi,
    }


def _candidate_rows(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    from . import coverage, data, sensors

    reg0 = spec["regime"] if spec.get("regime") is not None else data.regime(spec["year"])
    terr = _territory_of(spec["territory"], reg0.year)
    icao = spec["icao"]
    budgets = [float(b) for b in spec["budgets_km"]]
    regimes = [_candidate_regime(spec, reg0, b) for b in budgets]
    reg_a = regimes[0][0]
    observed = reg_a.observed_territory(icao)
    if not set(terr.members) <= set(observed.members):
        msg = (
            f"candidate {icao} (party {spec['party']}) observes {observed.code}, not "
            f"{terr.code}: choose sites of {terr.code}'s party or group"
        )
        raise ValidationError(msg)
    if not bool(observed.contains(spec["lon"], spec["lat"])):
        msg = (
            f"candidate {icao} at ({spec['lon']:.4f}, {spec['lat']:.4f}) (lon, lat) lies "
            f"outside {observed.code}, the territory its flights observe: an Open Skies "
            f"airfield of {observed.code} must lie on it"
        )
        raise ValidationError(msg)
    level = spec["metrics"]
    margin = float(reg_a.parameter("max_flight_distance", "turn_margin"))
    osa_fraction = float(reg_a.parameter("max_flight_distance", "osa_coverage_fraction"))
    if level == "full":
        # the study's own reach grid of this airfield (its evaluate() reads it)
        cells = coverage.reach(terr, icao, cell_km=spec["reach_cell_km"], regime=reg_a)
        nearest = float(cells.attrs["nearest_km"])
        w = cells["area_km2"].to_numpy()
        far = cells["far_km"].to_numpy()
        rep_lon, rep_lat = cells["lon"].to_numpy(), cells["lat"].to_numpy()
    else:
        grid = _reach_grid(spec["territory"], reg0.year, float(spec["reach_cell_km"]))
        cells = None
        w, rep_lon, rep_lat = grid["area_km2"], grid["lon"], grid["lat"]
        dv = geodesy.distance_km(
            np.full(len(grid["vx"]), spec["lon"]),
            np.full(len(grid["vx"]), spec["lat"]),
            grid["vx"],
            grid["vy"],
        )
        far = np.full(len(w), -np.inf)
        np.maximum.at(far, grid["vi"], dv)
        nearest = float(terr.distance_to_km(spec["lon"], spec["lat"]))
    farthest = float(np.max(far))
    d = geodesy.distance_km(
        np.full(len(w), spec["lon"]), np.full(len(w), spec["lat"]), rep_lon, rep_lat
    )
    base = {
        "transit_nearest_km": nearest,
        "transit_round_trip_km": 2.0 * nearest,
        "transit_mean_km": float(np.sum(w * d) / np.sum(w)),
        "transit_farthest_km": farthest,
        "budget_floor_km": farthest / osa_fraction,
    }
    need_base = far  # round trip for a sensor of reach r: 2 * max(0, far - r)
    total_area = float(np.sum(w))
    rows = []
    sites = None
    if level == "full":
        try:
            sites = data.sites(terr.code)
        except KeyError:
            sites = None
    for (reg, hyp), budget in zip(regimes, budgets, strict=True):
        for sname in spec["sensors"]:
            sens = sensors.preset(sname)
            m: dict[str, float] = dict(base)
            need = 2.0 * np.maximum(0.0, need_base - float(sens.reach_km)) * (1.0 + margin)
            m["reach_fraction"] = float(np.sum(w[need <= budget]) / total_area)
            lane_km = float(spec["lane_km"][sname])
            capacity = budget / (1.0 + margin) - 2.0 * nearest
            m["lane_km"] = lane_km
            m["capacity_km"] = capacity
            m["flights_lower_bound"] = (
                float(max(1, math.ceil(lane_km / capacity - 1e-9)))
                if capacity > 0
                else float("nan")
            )
            if level == "coverage":
                m.update(_coverage_metrics(terr, icao, sens, budget, reg, spec["overlap"]))
            elif level == "full":
                m.update(_full_metrics(terr, icao, sname, budget, reg, hyp, cells, sites, spec))
            rows.append(
                {"icao": icao, "budget_km": budget, "sensor": sname, "hypothetical": hyp, **m}
            )
    return rows


def _coverage_metrics(
    terr: Any, icao: str, sens: Any, budget: float, reg: Regime, overlap: float
) -> dict[str, float]:
    from . import coverage
    from ._errors import InfeasibleError

    try:
        fs = coverage.plan_full_coverage(
            terr, airfield=icao, sensor=sens, budget_km=budget, overlap=overlap, regime=reg
        )
    except InfeasibleError as exc:
        logger.info("%s %g km %s: no full coverage: %s", icao, budget, sens.name, exc)
        return {
            "flights_100pct": float("nan"),
            "coverage_flown_km": float("nan"),
            "full_coverage_fraction": float("nan"),
        }
    s = fs.summary
    return {
        "flights_100pct": float(len(fs)),
        "flights_lower_bound": float(s.flights_lower_bound),
        "coverage_flown_km": float(s.flown_km),
        "full_coverage_fraction": float(s.covered_fraction),
    }


def _full_metrics(
    terr: Any,
    icao: str,
    sensor: str,
    budget: float,
    reg: Regime,
    hyp: bool,
    cells: Any,
    sites: Any,
    spec: Mapping[str, Any],
) -> dict[str, float]:
    from . import _scenario

    sc = _scenario._Scenario(icao, budget, reg, hyp)
    m, _ = _scenario._evaluate(
        terr,
        sc,
        sensor,
        overlap=spec["overlap"],
        reach_cells=cells,
        sites=sites,
        home_bases=tuple(spec["home_bases"]),
        aircraft=spec["aircraft"],
        time_limit_s=spec["time_limit_s"],
        seed=spec["seed"],
        quota=_scenario._passive_quota(reg, terr),
    )
    m.pop("budget_km", None)
    return {k: float(v) for k, v in m.items()}


# --------------------------------------------------------------------------- ranking


def rank_entry_points(
    territory: str | _territory.Territory,
    *,
    candidates: str | Sequence[str] | gpd.GeoDataFrame = "all",
    grid_km: float | None = None,
    reference: str | None = "UUMB",
    budgets_km: Sequence[float] = (5500.0,),
    sensors: Sequence[str] = ("optical_high_pan",),
    metrics: str = "reach",
    objective: Sequence[str] | str | None = None,
    executor: Any = None,
    workers: int | None = None,
    retries: int = 2,
    regime: Regime | None = None,
    overlap: float = 0.1,
    reach_cell_km: float = 10.0,
    home_bases: Sequence[str] = ("EPWA",),
    aircraft: str = "An-30B",
    time_limit_s: float = 10.0,
    seed: int = 0,
    progress: bool = False,
    on_result: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> gpd.GeoDataFrame:
    """Rank candidate entry airfields (or hypothetical sites) for inspecting a territory.

    Every candidate that is not an Open Skies airfield of the regime with
    that maximum flight distance is designated hypothetically
    (:meth:`openskies.airfields.Regime.designate`) once per budget, and
    labelled ``hypothetical``. Each candidate is one independent task
    (:func:`_evaluate_candidate`); the candidates are ranked, per budget x
    sensor, by ``objective``: lexicographically, ties sharing a rank.

    Parameters
    ----------
    territory : str or Territory
        The territory to inspect (``"BLR"``).
    candidates : "all", sequence of str or GeoDataFrame
        See :func:`candidate_sites`.
    grid_km : float, optional
        Add hypothetical sites on a grid this many km apart
        (:func:`grid_sites`; named by position, e.g. ``G53.90N027.55E``).
    reference : str or None
        ICAO code of the status quo (``"UUMB"``, Kubinka), ranked with the
        others; ``vs_reference_*`` columns give differences from it.
    budgets_km : sequence of float
        Maximum flight distances (km) evaluated for every candidate.
    sensors : sequence of str
        Sensor presets (:func:`openskies.sensors.preset`).
    metrics : {"reach", "coverage", "full"}
        Metric level (module docstring; costs in ``docs/cluster.md``).
    objective : sequence of str, optional
        Metric names, most important first, each optionally ``name:min`` or
        ``name:max``; default :data:`DEFAULT_OBJECTIVE` of the level (fewest
        flights to image the whole territory, then least transit round trip,
        then least mean distance to the territory).
    executor : None, str, distributed.Client or concurrent.futures.Executor
        ``None``: a ``dask.distributed.LocalCluster`` of ``workers`` processes
        (default: the CPUs available), closed afterwards. ``"local"``:
        a ``concurrent.futures.ProcessPoolExecutor`` (spawned processes).
        ``"sync"``: this process, one task after another. ``"tcp://host:8786"``:
        the dask scheduler at that address. A ``distributed.Client`` or an
        executor object is used as is (not closed).
    workers : int, optional
        Worker processes for ``None`` and ``"local"``.
    retries : int
        Extra attempts for a task that raised an unexpected error or whose
        worker died. Input errors (a site outside the observed territory) are
        not retried. A candidate still failing is reported with
        ``status="failed"`` and its ``error``; it is never dropped.
    regime : Regime, optional
        Treaty regime (default 2019).
    overlap : float
        Side overlap of coverage lanes (fraction of the swath).
    reach_cell_km : float
        Reach grid cell size, km.
    home_bases, aircraft, time_limit_s, seed
        As for :func:`openskies.study.compare_entry_points` (``metrics="full"``).
    progress : bool
        Show a progress bar on stderr.
    on_result : callable, optional
        Called as ``on_result(done, total, result)`` after each candidate.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate x budget x sensor, sorted by budget, sensor and
        rank: ``budget_km``, ``sensor``, ``rank`` (1 is best; missing for a
        failed candidate), ``score`` (0 best .. 1 worst, by rank), ``icao``,
        ``name``, ``kind``, ``party``, ``hypothetical``, ``lon``, ``lat``,
        ``status``, ``error``, every metric of the level, ``vs_reference_<m>``
        for each objective metric, and point geometry (EPSG:4326, a map
        layer). ``attrs["ranking"]`` holds the parameters, objective,
        provenance, executor, timings and failed candidates.
    """
    from . import coverage, data
    from . import sensors as _sensors

    t_start = time.perf_counter()
    reg = as_regime(regime)
    terr = _territory_of(territory, reg.year)
    _check_level(metrics)
    obj = parse_objective(objective, metrics)
    _check_executor(executor)
    if isinstance(budgets_km, str | bytes) or not budgets_km:
        msg = "budgets_km: give at least one maximum flight distance in km, e.g. (5500,)"
        raise ValidationError(msg)
    budgets = _validate.unique(_validate.positive_budgets(budgets_km), "budgets_km")
    if isinstance(sensors, str) or not sensors:
        msg = "sensors: give a sequence of presets, e.g. ('optical_high_pan',)"
        raise ValidationError(msg)
    _validate.unique(sensors, "sensors")
    sens = {s: _sensors.preset(s) for s in sensors}
    reach_cell_km = _validate.positive(
        reach_cell_km, f"reach_cell_km={reach_cell_km!r} must be a positive cell size in km"
    )
    if metrics == "full":
        _validate.unique([reg.airfield(hb).icao for hb in home_bases], "home_bases")
    # caps, before any work: lanes per sensor, the reach grid, the evaluations
    for sen in sens.values():
        coverage.estimate_lane_km(terr, sen, overlap=overlap)
    coverage.check_reach_grid(terr, reach_cell_km)
    sites = candidate_sites(terr, candidates, grid_km=grid_km, reference=reference, regime=reg)
    _limits.cap("rank_evaluations").check(
        len(sites) * len(budgets) * len(sens),
        f"a ranking of {len(sites):,} sites x {len(budgets)} budgets x {len(sens)} sensors",
        fix="give a coarser grid_km, fewer candidates, budgets or sensors",
    )
    # lane length per sensor: independent of the site, computed once here (cached lanes)
    lane_km = {s: coverage.lanes(terr, sen, overlap=overlap).total_km for s, sen in sens.items()}
    terr_ref: Any = terr.code if _is_bundled(terr) else terr
    reg_ref: Any = None if reg == data.regime(reg.year) else reg
    specs = [
        {
            "territory": terr_ref,
            "year": reg.year,
            "regime": reg_ref,
            "icao": r["icao"],
            "name": r["name"],
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
            "party": r["party"],
            "budgets_km": budgets,
            "sensors": list(sensors),
            "metrics": metrics,
            "overlap": float(overlap),
            "reach_cell_km": float(reach_cell_km),
            "lane_km": lane_km,
            "home_bases": list(home_bases),
            "aircraft": aircraft,
            "time_limit_s": float(time_limit_s),
            "seed": int(seed),
        }
        for r in sites.drop(columns="geometry").to_dict("records")
    ]
    results: dict[str, dict[str, Any]] = {}
    bar = _Progress(len(specs), f"ranking {len(specs)} sites") if progress else None

    def done(res: dict[str, Any]) -> None:
        results[res["icao"]] = res
        if bar is not None:
            bar.advance(f"{res['icao']} {res['status']}")
        if on_result is not None:
            on_result(len(results), len(specs), res)

    try:
        run = _execute(
            _evaluate_candidate,
            specs,
            executor,
            workers=workers,
            retries=retries,
            done=done,
            batch=True,
        )
    finally:
        if bar is not None:
            bar.close()
    missing = [s["icao"] for s in specs if s["icao"] not in results]
    for icao in missing:  # defensive: an executor that lost a task without an error
        results[icao] = {
            "icao": icao,
            "status": "failed",
            "error": "no result returned",
            "rows": [],
            "seconds": float("nan"),
        }
    table = _assemble(sites, results, budgets, list(sensors), metrics, obj, reference)
    failed = sorted(i for i, r in results.items() if r["status"] != "ok")
    params = {
        "territory": terr.code,
        "year": reg.year,
        "budgets_km": budgets,
        "sensors": list(sensors),
        "metrics": metrics,
        "objective": [f"{m}:{d}" for m, d in obj],
        "reference": reference,
        "grid_km": grid_km,
        "candidates": candidates
        if isinstance(candidates, str)
        else ("points" if isinstance(candidates, pd.DataFrame) else list(candidates)),
        "n_candidates": len(specs),
        "overlap": overlap,
        "reach_cell_km": reach_cell_km,
        "lane_km": lane_km,
        **(
            {
                "home_bases": list(home_bases),
                "aircraft": aircraft,
                "time_limit_s": time_limit_s,
                "seed": seed,
            }
            if metrics == "full"
            else {}
        ),
    }
    phash = _geodata.params_sha256(params)
    seconds = {i: r["seconds"] for i, r in results.items()}
    table.attrs["ranking"] = {
        "params": params,
        "metric_units": {k: v[0] for k, v in level_metrics(metrics).items()},
        "provenance": _geodata.provenance(params_sha256=phash),
        "run": {**run, "wall_s": time.perf_counter() - t_start},
        "task_seconds": seconds,
        "task_cpu_seconds": {i: r.get("cpu_seconds", float("nan")) for i, r in results.items()},
        "failed": {i: results[i]["error"] for i in failed},
    }
    logger.info(
        "ranked %d candidates of %s (%d failed) in %.1f s on %s",
        len(specs),
        terr.code,
        len(failed),
        time.perf_counter() - t_start,
        run["executor"],
    )
    return table


def _is_bundled(terr: _territory.Territory) -> bool:
    try:
        return _territory.get(terr.code, year=terr.year) is terr
    except OpenSkiesError:
        return False


def _assemble(
    sites: gpd.GeoDataFrame,
    results: Mapping[str, dict[str, Any]],
    budgets: list[float],
    sensors: list[str],
    level: str,
    obj: list[tuple[str, str]],
    reference: str | None,
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    metric_names = list(level_metrics(level))
    info = sites.drop(columns="geometry").set_index("icao")
    rows = []
    for icao in info.index:
        res = results[icao]
        by_key = {(r["budget_km"], r["sensor"]): r for r in res["rows"]}
        for b in budgets:
            for s in sensors:
                r = by_key.get((b, s))
                rec = {
                    "budget_km": b,
                    "sensor": s,
                    "icao": icao,
                    "name": info.at[icao, "name"],
                    "kind": info.at[icao, "kind"],
                    "party": info.at[icao, "party"],
                    "hypothetical": bool(r["hypothetical"])
                    if r
                    else info.at[icao, "kind"] != "reference",
                    "lon": float(info.at[icao, "lon"]),
                    "lat": float(info.at[icao, "lat"]),
                    "status": res["status"] if r or res["status"] != "ok" else "failed",
                    "error": res["error"],
                }
                for m in metric_names:
                    rec[m] = float(r[m]) if r and m in r else float("nan")
                extra = [
                    k
                    for k in (r or {})
                    if k not in rec and k not in ("icao", "budget_km", "sensor", "hypothetical")
                ]
                for k in sorted(extra):
                    rec[k] = float(r[k])
                rows.append(rec)
    df = pd.DataFrame(rows)
    df["rank"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["score"] = np.nan
    order_b = {b: k for k, b in enumerate(budgets)}
    order_s = {s: k for k, s in enumerate(sensors)}
    pieces = []
    for (_, _), grp in df.groupby(["budget_km", "sensor"], sort=False):
        g = grp.copy()
        ok = g["status"] == "ok"
        keys = []
        for m, how in obj:
            v = g[m].to_numpy(dtype=float)
            v = -v if how == "max" else v
            keys.append(np.where(np.isfinite(v), v, np.inf))
        key_arr = np.column_stack(keys) if keys else np.zeros((len(g), 0))
        idx = np.arange(len(g))
        okm = ok.to_numpy()
        sorter = sorted(idx[okm], key=lambda i: (tuple(key_arr[i]), g["icao"].iloc[i]))
        ranks = np.zeros(len(g), dtype=int)
        prev, r_now = None, 0
        for pos, i in enumerate(sorter, start=1):
            k = tuple(key_arr[i])
            if k != prev:
                r_now, prev = pos, k
            ranks[i] = r_now
        rank_col = pd.array([int(ranks[i]) if okm[i] else pd.NA for i in idx], dtype="Int64")
        g["rank"] = rank_col
        top = max(ranks.max() if len(sorter) else 1, 1)
        g["score"] = [
            (ranks[i] - 1) / (top - 1) if okm[i] and top > 1 else (0.0 if okm[i] else np.nan)
            for i in idx
        ]
        if reference is not None and reference in set(g["icao"]):
            ref = g[g["icao"] == reference].iloc[0]
            for m, _ in obj:
                g[f"vs_reference_{m}"] = g[m] - ref[m]
        else:
            for m, _ in obj:
                g[f"vs_reference_{m}"] = np.nan
        g["_o"] = [
            (order_b[b], order_s[s]) for b, s in zip(g["budget_km"], g["sensor"], strict=True)
        ]
        g["_r"] = [int(x) if not pd.isna(x) else 10**9 for x in g["rank"]]
        pieces.append(g)
    out = pd.concat(pieces, ignore_index=True)
    out = out.sort_values(["_o", "_r", "icao"], kind="mergesort").drop(columns=["_o", "_r"])
    front = [
        "budget_km",
        "sensor",
        "rank",
        "score",
        "icao",
        "name",
        "kind",
        "party",
        "hypothetical",
        "lon",
        "lat",
        "status",
        "error",
    ]
    cols = front + [c for c in out.columns if c not in front]
    out = out[cols].reset_index(drop=True)
    return gpd.GeoDataFrame(
        out, geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs="EPSG:4326"
    )
