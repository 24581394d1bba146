"""Coverage engine: sensor footprints, territory coverage, full-coverage flight sets, reach.

How much of a territory can be imaged, by how many flights, from which
airfield. The model, its assumptions and figures: ``docs/coverage.md``.

- :func:`footprint` is the ground imaged by one flight plan: each run of
  consecutive legs with the sensor on (transit legs excluded) is densified
  along the WGS84 geodesic and buffered by the sensor's strip (flat ends,
  round joins at the run's interior waypoints) in azimuthal equidistant
  projections centred on pieces of at most 400 km, then cut to the observed
  territory (sensors image only over it, Art. IV; Art. VII).
- :func:`coverage` measures footprints against a territory with geodesic
  areas, overall and per member and sub-region.
- :func:`plan_full_coverage` lays lanes over the area (a headland pass along
  the border, boustrophedon cells each with its own sweep angle, lanes one
  effective swath apart), orders them and splits them into the fewest legal
  flights from an Open Skies airfield for that order.
- :func:`reach` and :func:`reach_curve` give the round trip needed to image
  each cell of an equal-area grid, and the share of a territory within one
  flight's reach as a function of the budget.

Coordinates are (lon, lat) degrees WGS84 (EPSG:4326); distances km; areas
geodesic km² on the WGS84 ellipsoid.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from . import _fleet, _lanes, _limits, _validate, geodesy
from ._errors import InfeasibleError, ValidationError
from ._lanes import LaneSet
from .airfields import as_regime
from .sensors import Sensor, as_sensor

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from .airfields import Airfield, Regime
    from .flightplan import FlightPlan, Violation
    from .territory import Territory

logger = logging.getLogger(__name__)

__all__ = [
    "CoverageStats",
    "CoverageSummary",
    "FlightSet",
    "LaneSet",
    "combine_sensor_plans",
    "coverage",
    "footprint",
    "footprint_lines",
    "lanes",
    "plan_full_coverage",
    "plan_full_coverage_grid",
    "reach",
    "reach_curve",
    "strip_within",
]

#: Routes between lanes and to the airfield keep at least this far (km) inside the
#: observed territory's treaty area (border data are Natural Earth 10m).
ROUTE_MARGIN_KM = 2.0
#: Added (km) to the 10 km stand-off from non-party borders and its 3 km tolerance.
STANDOFF_EXTRA_KM = 0.5
#: Lanes keep at least this far (km) inside the area to image.
LANE_BORDER_MARGIN_KM = 0.5
#: Route corners closer than this (km) count as the same point (rule 6 uses 1 km).
REUSE_KM = 1.5
#: Share of the lane length that may be dropped as unreachable before giving up.
MAX_UNREACHABLE_FRACTION = 0.01
#: Lanes are cut into pieces of at most this length (km) before they are assigned to
#: flights, so that a flight may leave a lane part-way. Fixed, not chosen per budget: the
#: pieces, and so the flight counts, must be the same for every budget (``_fleet``).
PIECE_KM = 100.0
#: Flight problems kept in memory (lanes x airfield x observed territory): plans for
#: several budgets from one airfield share their ladders (``_fleet``).
FLEET_CACHE_SIZE = 8


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Area:
    code: str
    geometry: BaseGeometry
    territory: Territory | None
    area_km2: float


def _area(territory: Territory | str | BaseGeometry, reg: Regime | None) -> _Area:
    from . import data
    from .territory import Territory

    if isinstance(territory, str):
        year = reg.year if reg is not None else data.regime().year
        territory = data.territory(territory, year=year)
    if isinstance(territory, Territory):
        geom, code, terr = territory.geometry, territory.code, territory
    elif isinstance(territory, BaseGeometry):
        geom, code, terr = territory, "area", None
    else:
        msg = (
            f"territory={territory!r}: give a territory code ('BLR'), an "
            "openskies Territory or a shapely (multi)polygon in (lon, lat) degrees"
        )
        raise ValidationError(msg)
    polys = geodesy.explode_polygons(geom)
    if polys:
        geodesy.check_lonlat(*shapely.get_coordinates(geom).T, what=f"territory {code} vertex")
    area = geodesy.area_km2(geom) if polys else 0.0
    if area <= 0.0 or not math.isfinite(area):
        msg = (
            f"territory {code} ({geom.geom_type}) has no area to image: give a polygon or "
            "multipolygon in (lon, lat) degrees with a positive area"
        )
        raise ValidationError(msg)
    return _Area(code, shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0], terr, area)


def _check_observable(area: _Area, reg: Regime, af: Airfield) -> Territory:
    """The airfield's observed territory, which must contain the area."""
    observed = reg.observed_territory(af.icao)
    ok = True
    if area.territory is not None:
        ok = set(area.territory.members) <= set(observed.members)
    if ok:
        clip = shapely.clip_by_rect(observed.treaty_geometry, *_pad(area.geometry.bounds, 0.5))
        outside = geodesy.area_km2(area.geometry.difference(clip))
        ok = outside <= max(1.0, 1e-4 * area.area_km2)
    if not ok:
        alternatives = [
            o.icao
            for o in reg.osas()
            if area.territory is not None
            and set(area.territory.members) <= set(reg.observed_territory(o.icao).members)
        ]
        hint = (
            f"OSAs whose flights observe it: {', '.join(alternatives)}"
            if alternatives
            else "no OSA of this regime observes it"
        )
        msg = (
            f"{af.label} is an Open Skies airfield of {observed.code}; its flights cannot "
            f"image {area.code}, which is not part of that observed territory ({hint}). "
            f"Choose such an airfield, or study one with regime.designate(icao, party=..., "
            f"max_flight_distance_km=...)"
        )
        raise ValidationError(msg)
    return observed


def _pad(bounds: tuple[float, ...], deg: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    lat = max(abs(y0), abs(y1))
    dlon = min(180.0, deg / max(math.cos(math.radians(min(lat + deg, 89.0))), 0.02))
    return (x0 - dlon, max(-90.0, y0 - deg), x1 + dlon, min(90.0, y1 + deg))


def _clip_to(geometry: BaseGeometry, region: BaseGeometry) -> BaseGeometry:
    if geometry.is_empty:
        return geometry
    local = shapely.clip_by_rect(region, *_pad(geometry.bounds, 0.05))
    return geometry.intersection(local)


def _as_lines(lines: Any) -> list[NDArray[np.float64]]:
    if isinstance(lines, LineString):
        return [np.asarray(lines.coords)[:, :2]]
    if isinstance(lines, MultiLineString):
        return [np.asarray(g.coords)[:, :2] for g in lines.geoms]
    if isinstance(lines, BaseGeometry):
        msg = f"expected LineString or MultiLineString tracks, got {lines.geom_type}"
        raise ValidationError(msg)
    arr = np.asarray(lines, dtype=object) if not isinstance(lines, np.ndarray) else lines
    if isinstance(lines, np.ndarray) and lines.ndim == 2:
        return [np.asarray(lines, dtype=float)[:, :2]]
    out = []
    for item in arr if isinstance(lines, np.ndarray) else lines:
        out.extend(_as_lines(item) if isinstance(item, BaseGeometry) else [_xy(item)])
    return out


def _xy(item: Any) -> NDArray[np.float64]:
    xy = np.asarray(item, dtype=float)
    if xy.ndim != 2 or xy.shape[1] < 2:
        msg = f"a track must be a sequence of (lon, lat) pairs, got shape {xy.shape}"
        raise ValidationError(msg)
    return xy[:, :2]


# --------------------------------------------------------------------------- footprints


def footprint_lines(
    lines: Any, sensor: Sensor | str, *, within: BaseGeometry | None = None
) -> BaseGeometry:
    """Ground imaged along tracks flown with the sensor on.

    Parameters
    ----------
    lines : LineString, MultiLineString or sequence of tracks
        Each track is one continuous sensor run: (lon, lat) degrees WGS84,
        vertices joined by geodesics (longitudes may be unwrapped across 180).
    sensor : Sensor or str
        The sensor or a preset name (:func:`openskies.sensors.preset`).
    within : shapely geometry, optional
        Clip the result to it (e.g. a territory's treaty area), (lon, lat).

    Returns
    -------
    shapely (multi)polygon
        (lon, lat) degrees in [-180, 180], split at the antimeridian.
    """
    sen = as_sensor(sensor)
    runs = _as_lines(lines)
    for r in runs:
        geodesy.check_lonlat(r[:, 0], r[:, 1], what="track vertex")
    fp = _lanes.strips(runs, sen.cross_track_km, ring=False)  # runs: flat at both ends
    if within is not None:
        fp = _lanes._polygonal(_clip_to(fp, within))
    return fp


def _sensor_runs(plan: FlightPlan) -> list[NDArray[np.float64]]:
    xy = plan.coords
    on = np.asarray(plan.sensors_on, bool) & ~np.asarray(plan.transit, bool)
    runs = []
    i = 0
    n = len(on)
    while i < n:
        if not on[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and on[j + 1]:
            j += 1
        runs.append(xy[i : j + 2])
        i = j + 1
    return runs


def footprint(plan: FlightPlan, sensor: Sensor | str, *, clip: bool = True) -> BaseGeometry:
    """Ground imaged by a flight plan (lon, lat degrees WGS84).

    Every run of consecutive legs with ``sensors_on`` and not ``transit`` is
    imaged as one strip: the densified geodesic path buffered by the sensor's
    cross-track extent (flat at the ends of the run, round at its interior
    waypoints, where the aircraft turns while imaging) in local AEQD
    projections, brought back to (lon, lat) and split at the antimeridian.

    Parameters
    ----------
    plan : FlightPlan
        The flight; its observed territory clips the result.
    sensor : Sensor or str
        The sensor or a preset name.
    clip : bool
        Cut the result to the treaty area of the plan's observed territory
        (sensors image only over it); default True.

    Returns
    -------
    shapely (multi)polygon
        Empty when no leg has its sensor on.
    """
    sen = as_sensor(sensor)
    fp = _lanes.strips(_sensor_runs(plan), sen.cross_track_km, ring=False)
    if clip and not fp.is_empty:
        fp = _lanes._polygonal(_clip_to(fp, plan.territory.treaty_geometry))
    logger.debug("footprint of %s: %.0f km²", plan.name or "plan", geodesy.area_km2(fp))
    return fp


@dataclass(frozen=True)
class CoverageStats:
    """Covered area of a territory.

    Attributes
    ----------
    code : str
        Territory code (``"area"`` for a bare geometry).
    area_km2, covered_km2 : float
        Geodesic land area and the part of it inside the footprints, km².
    fraction : float
        ``covered_km2 / area_km2``.
    by_region : pandas.DataFrame
        One row per region (the territory, then each member and sub-region),
        columns ``area_km2``, ``covered_km2``, ``fraction``, indexed by code.
    """

    code: str
    area_km2: float
    covered_km2: float
    fraction: float
    by_region: pd.DataFrame = field(repr=False)


def coverage(
    footprints: BaseGeometry | Iterable[BaseGeometry], territory: Territory | str | BaseGeometry
) -> CoverageStats:
    """Area of a territory imaged by footprints (geodesic km² and fraction).

    Parameters
    ----------
    footprints : shapely geometry or iterable of them
        Imaged ground, (lon, lat) degrees (e.g. from :func:`footprint`).
    territory : Territory, str or shapely geometry
        Land area measured against; for a Territory or a code, also each
        member state and sub-region (``BLR``, ``RUS``, ``RUS-KGD``).

    Returns
    -------
    CoverageStats
    """
    area = _area(territory, None)
    fps = [footprints] if isinstance(footprints, BaseGeometry) else list(footprints)
    for f in fps:
        if not isinstance(f, BaseGeometry):
            msg = f"footprints must be shapely geometries (lon, lat), got {type(f).__name__}"
            raise ValidationError(msg)
    fp = _lanes._polygonal(shapely.union_all(fps)) if fps else Polygon()
    regions: dict[str, BaseGeometry] = {area.code: area.geometry}
    if area.territory is not None:
        members = area.territory.member_geometries
        if len(members) > 1 or next(iter(members)) != area.code:
            regions.update(members)
    rows = []
    for code, geom in regions.items():
        total = area.area_km2 if code == area.code else geodesy.area_km2(geom)
        covered = geodesy.area_km2(_clip_to(fp, geom)) if not fp.is_empty else 0.0
        covered = min(covered, total)
        rows.append(
            {
                "region": code,
                "area_km2": total,
                "covered_km2": covered,
                "fraction": covered / total if total > 0 else float("nan"),
            }
        )
    df = pd.DataFrame(rows).set_index("region")
    first = df.iloc[0]
    stats = CoverageStats(
        area.code,
        float(first["area_km2"]),
        float(first["covered_km2"]),
        float(first["fraction"]),
        df,
    )
    logger.info(
        "coverage of %s: %.0f of %.0f km² (%.2f %%)",
        stats.code,
        stats.covered_km2,
        stats.area_km2,
        100 * stats.fraction,
    )
    return stats


# --------------------------------------------------------------------------- lanes


def lanes(
    territory: Territory | str | BaseGeometry,
    sensor: Sensor | str,
    *,
    overlap: float = 0.1,
    headland_offset: float = 0.4,
    ring_openings: str = "longest",
) -> LaneSet:
    """Lanes that image a whole area with a sensor (cached; independent of airfield and budget).

    A headland pass runs ``headland_offset * swath`` inside the border; the
    rest is decomposed into boustrophedon cells, each swept at its own angle
    with lanes one effective swath ``swath * (1 - overlap)`` apart (see
    ``docs/coverage.md``). Lanes keep :data:`LANE_BORDER_MARGIN_KM` inside
    the area and, for a Territory, out of the stand-off band along the
    borders of neighbours that are not States Parties (10 km + 3 km border-data
    tolerance, Art. VI Sec. II para 2).

    Parameters
    ----------
    territory : Territory, str or shapely geometry
        Area to image, (lon, lat) degrees.
    sensor : Sensor or str
        The sensor (its cross-track extent) or a preset name.
    overlap : float
        Side overlap of neighbouring lanes, fraction of the swath, in [0, 1).
    headland_offset : float
        Headland distance inside the border as a fraction of the swath, in
        (0, 1]; 0.4 lets its strip reach 0.1 swath beyond the border, which
        catches the small bulges of a ragged border.
    ring_openings : {"longest", "aligned"}
        Where each closed headland ring or contour pass starts, i.e. where it
        is cut into pieces: ``"longest"`` in the middle of its longest segment
        (what flights for full coverage are planned with); ``"aligned"`` nested
        rings side by side, for the lanes flown as one path
        (:func:`openskies._ordering.open_path`: it hops about a spacing from
        ring to ring). The lanes' geometry and length are the same.

    Returns
    -------
    LaneSet
    """
    sen = as_sensor(sensor)
    sen.effective_swath_km(overlap)  # validates overlap
    if not 0.0 < float(headland_offset) <= 1.0:
        msg = f"headland_offset={headland_offset!r} must be a fraction of the swath in (0, 1]"
        raise ValidationError(msg)
    area = _area(territory, None)
    _check_lane_km(area, sen, overlap)
    flyable = area.geometry
    if area.territory is not None:
        zone = _standoff_zone(area.territory, area.geometry)
        if not zone.is_empty:
            flyable = _lanes._polygonal(area.geometry.difference(zone))
    return _lanes.build_lanes(
        flyable,
        cross_track_km=sen.cross_track_km,
        overlap=float(overlap),
        headland_offset=float(headland_offset),
        border_margin_km=LANE_BORDER_MARGIN_KM,
        ring_openings=ring_openings,
    )


def estimate_lane_km(
    territory: Territory | str | BaseGeometry, sensor: Sensor | str, *, overlap: float = 0.1
) -> float:
    """Estimated length (km) of the lanes that image a whole area: area / effective swath.

    The cost of :func:`lanes` (and of every full-coverage plan) grows with it;
    the ``lane_km`` cap (``docs/security.md``) bounds it before any lane is
    built.

    Parameters
    ----------
    territory : Territory, str or shapely geometry
        Area to image, (lon, lat) degrees.
    sensor : Sensor or str
        The sensor or a preset name.
    overlap : float
        Side overlap of neighbouring lanes, fraction of the swath.

    Raises
    ------
    LimitError
        The estimate exceeds the ``lane_km`` cap (the message says which areas
        the sensor can image within it).
    """
    return _check_lane_km(_area(territory, None), as_sensor(sensor), overlap)


def _check_lane_km(area: _Area, sen: Sensor, overlap: float) -> float:
    eff = sen.effective_swath_km(overlap)
    est = area.area_km2 / eff
    c = _limits.cap("lane_km")
    c.check(
        est,
        f"imaging the whole of {area.code} ({area.area_km2:,.0f} km²) with {sen.name} "
        f"({eff:g} km effective swath at overlap {overlap:g}) needs about {est:,.0f} km of "
        f"lanes (area / effective swath); with this sensor and overlap openskies images "
        f"areas up to {c.value * eff:,.0f} km²",
        fix="choose a smaller territory, a wider sensor or a smaller overlap",
    )
    return est


def check_reach_grid(territory: Territory | str | BaseGeometry, cell_km: float) -> int:
    """Cells of the :func:`reach` grid (its bounding box in the equal-area plane), capped.

    Raises :class:`~openskies._limits.LimitError` above the ``grid_cells`` cap,
    before any cell is built; returns the count.
    """
    size = _validate.positive(cell_km, f"cell_km={cell_km!r} must be a positive cell size in km")
    area = _area(territory, None)
    _, _, _, count = _reach_frame(area, size)
    return count


def _reach_frame(area: _Area, size_km: float) -> tuple[Any, Any, BaseGeometry, int]:
    """The LAEA transforms and projected area of a reach grid, with its capped cell count."""
    lon0, lat0 = geodesy.centre_of(area.geometry)
    fwd, inv = _laea(lon0, lat0)

    def to_laea(xy: NDArray) -> NDArray:
        x = geodesy.unwrap_lon(xy[:, 0], reference=lon0)
        px, py = fwd.transform(x, xy[:, 1])
        return np.column_stack([px, py])

    proj = shapely.transform(area.geometry, to_laea)
    xmin, ymin, xmax, ymax = proj.bounds
    s = size_km * 1000.0
    count = (math.ceil(xmax / s) - math.floor(xmin / s)) * (
        math.ceil(ymax / s) - math.floor(ymin / s)
    )
    _limits.cap("grid_cells").check(
        count,
        f"a reach grid of {size_km:g} km cells over {area.code}",
        fix="choose a larger cell size (reach_cell_km / --cell-km)",
    )
    return fwd, inv, proj, count


# --------------------------------------------------------------------------- flights


@dataclass
class _Item:
    track: NDArray[np.float64]  # (lon, lat), normalised longitudes
    length_km: float
    lane: int
    kind: str
    block: int = 0


def _norm(track: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.array(track, dtype=float)
    out[:, 0] = geodesy.normalize_lon(out[:, 0])
    return out


def _split_item(item: _Item, parts: int) -> list[_Item]:
    """Cut an item's track into ``parts`` pieces of equal geodesic length."""
    orig = item.track
    az, _, seg_m = geodesy.GEOD.inv(orig[:-1, 0], orig[:-1, 1], orig[1:, 0], orig[1:, 1])
    az = np.atleast_1d(np.asarray(az, dtype=float))
    cum = np.concatenate([[0.0], np.cumsum(np.atleast_1d(np.asarray(seg_m)) / 1000.0)])
    total = float(cum[-1])

    def point_at(d: float) -> NDArray[np.float64]:
        s = int(np.clip(np.searchsorted(cum, d, side="right") - 1, 0, len(cum) - 2))
        lon, lat, _ = geodesy.GEOD.fwd(orig[s, 0], orig[s, 1], az[s], (d - cum[s]) * 1000.0)
        return np.array([float(lon), float(lat)])

    out = []
    for k in range(parts):
        a, b = total * k / parts, total * (k + 1) / parts
        inner = orig[(cum > a + 1e-6) & (cum < b - 1e-6)]
        tr = np.vstack([point_at(a), inner, point_at(b)])
        out.append(_Item(_norm(tr), geodesy.path_length_km(tr), item.lane, item.kind, item.block))
    return out


@dataclass(frozen=True)
class CoverageSummary:
    """Report of :func:`plan_full_coverage` (all distances km, areas km²).

    Attributes
    ----------
    area_code, airfield, sensor : str
    swath_km, overlap, spacing_km : float
        Swath, side overlap and lane spacing (effective swath).
    budget_km, turn_margin : float
        Maximum flight distance and turn margin the flights are planned for.
    n_flights : int
    flights_lower_bound : int
        Proved: no set of legal flights within the budget flies these lanes (cut
        into the pieces the optimiser uses) in fewer; the larger of
        ``ceil(lane_km / capacity_km)`` and the bound of :mod:`openskies._fleet`
        (see ``lower_bound_method``).
    flights_ratio : float
        ``n_flights / flights_lower_bound``.
    capacity_km : float
        Most lane distance one flight can carry: ``budget / (1 + margin)``
        minus the least round trip from the airfield to the area.
    least_round_trip_km : float
        Twice the geodesic distance from the airfield to the area (0 inside).
    lane_km : float
        Total lane length (headland included) flown with the sensor on.
    ideal_lane_km : float
        Area ÷ effective swath: the classic lower bound of lane length.
    lane_ratio : float
        ``lane_km / ideal_lane_km``.
    flown_km : float
        Sum of the flights' counted lengths (turn margin included).
    area_km2, covered_km2, covered_fraction : float
        The area to image and the part of it inside the flights' footprints.
    target_fraction : float
    violations : int
        Rule violations reported by ``FlightPlan.validate()`` over all flights.
    runtime_s : float
    lower_bound_method : str
        How ``flights_lower_bound`` is proved: the radial bin-packing programme of
        :mod:`openskies._fleet` or the lane-length bound, whichever is larger.
    flights_threshold_km : float
        Counted length of the longest flight of the plan the optimiser chose for
        ``n_flights`` flights: every budget from this value up is planned with
        ``n_flights`` flights or fewer (the counts are monotone in the budget).
    lanes_sensor : str
        Empty when the flights fly this sensor's own lanes; else the (narrower) sensor
        whose lanes they fly (:func:`plan_full_coverage_grid`).
    """

    area_code: str
    airfield: str
    sensor: str
    swath_km: float
    overlap: float
    spacing_km: float
    budget_km: float
    turn_margin: float
    n_flights: int
    flights_lower_bound: int
    flights_ratio: float
    capacity_km: float
    least_round_trip_km: float
    lane_km: float
    ideal_lane_km: float
    lane_ratio: float
    flown_km: float
    area_km2: float
    covered_km2: float
    covered_fraction: float
    target_fraction: float
    violations: int
    runtime_s: float
    lower_bound_method: str = ""
    flights_threshold_km: float = math.nan
    lanes_sensor: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The summary as a plain dict."""
        return dict(self.__dict__)


class FlightSet(list):
    """A ``list[FlightPlan]`` with the coverage report attached.

    Attributes
    ----------
    summary : CoverageSummary
    lanes : LaneSet
        The lanes the flights fly (shared across airfields and budgets).
    footprints : list of shapely geometry
        Footprint of each flight, (lon, lat) degrees.
    coverage : CoverageStats
        Coverage of the area by the union of the footprints.
    violations : list of list of Violation
        ``validate()`` result per flight (all empty for a legal set).
    """

    summary: CoverageSummary
    lanes: LaneSet
    footprints: list[BaseGeometry]
    coverage: CoverageStats
    violations: list[list[Violation]]

    @property
    def footprint(self) -> BaseGeometry:
        """Union of the flights' footprints, (lon, lat) degrees."""
        return _lanes._polygonal(shapely.union_all(self.footprints))


def _nearest_km(geometry: BaseGeometry, lon: float, lat: float) -> float:
    """Geodesic distance (km) from a point to a (multi)polygon (0 inside)."""
    if bool(shapely.contains_xy(geometry, lon, lat)):
        return 0.0
    projected, _ = geodesy.to_local(geometry.boundary, centre=(lon, lat))
    return float(projected.distance(Point(0.0, 0.0))) / 1000.0


def _standoff_zone(territory: Territory, near: BaseGeometry) -> BaseGeometry:
    """Where a flight over ``territory`` may not go near ``near``: the stand-off band.

    Art. VI Sec. II para 2: no closer than 10 km to the border of an adjacent State
    that is not a State Party, plus the border-data tolerance that
    ``FlightPlan.validate()`` adds (``route.border_data_tolerance``, 3 km) and
    :data:`STANDOFF_EXTRA_KM`. (lon, lat) degrees; empty when every neighbour is a
    party.
    """
    from . import data

    others = [n for n in territory.neighbours if not n.party]
    if not others:
        return Polygon()
    reg = data.regime(territory.year)
    km = (
        float(reg.parameter("route", "non_party_standoff"))
        + float(reg.parameter("route", "border_data_tolerance"))
        + STANDOFF_EXTRA_KM
    )
    return _lanes._polygonal(territory.standoff_zone(km, near=near))


def _router(observed: Territory, area: BaseGeometry, af: Airfield) -> _lanes.Router:
    x0, y0, x1, y1 = area.bounds
    box_all = (min(x0, af.lon), min(y0, af.lat), max(x1, af.lon), max(y1, af.lat))
    window = _pad(box_all, 1.5)
    allowed = shapely.clip_by_rect(observed.treaty_geometry, *window)
    zone = _standoff_zone(observed, shapely.box(*window))
    if not zone.is_empty:
        allowed = allowed.difference(zone)
    centre = ((window[0] + window[2]) / 2.0, (window[1] + window[3]) / 2.0)
    return _lanes.Router(allowed, centre, margin_km=ROUTE_MARGIN_KM, simplify_km=2.0)


def _route_km(router: _lanes.Router, p: NDArray, q: NDArray) -> tuple[float, list | None]:
    """Length (km) of the routed path from p to q and its intermediate points (inf, None)."""
    mid = router.route((float(p[0]), float(p[1])), (float(q[0]), float(q[1])))
    if mid is None:
        return math.inf, None
    pts = np.vstack([p, *(np.asarray(m)[None, :] for m in mid), q]) if mid else np.vstack([p, q])
    return geodesy.path_length_km(pts), mid


def _assemble(
    items: list[_Item], i: int, j: int, depot: NDArray[np.float64], router: _lanes.Router
) -> tuple[NDArray[np.float64], list[bool], list[int]]:
    """Waypoints, per-leg sensor flags and per-leg item index of the flight over items i..j."""
    pts: list[NDArray] = [depot]
    flags: list[bool] = []
    owner: list[int] = []

    def add(points: Sequence[NDArray], on: bool, t: int) -> None:
        for p in points:
            p = np.asarray(p, dtype=float)
            last = pts[-1]
            # 1e-4 degree is over 1 m at any latitude below 89.9 degrees: only points
            # that close (across the antimeridian too) need the geodesic test
            dlon = abs(last[0] - p[0])
            near = min(dlon, abs(dlon - 360.0)) < 1e-4 and abs(last[1] - p[1]) < 1e-4
            if near and geodesy.distance_km(last[0], last[1], p[0], p[1]) < 1e-3:
                continue
            pts.append(p)
            flags.append(on)
            owner.append(t)

    used: list[tuple[float, float]] = []

    def go(p: NDArray, q: NDArray, t: int) -> None:
        mid = list(router.route((float(p[0]), float(p[1])), (float(q[0]), float(q[1]))) or [])
        for k, m in enumerate(mid):
            # a corner already turned at in this flight: pass it 2 km deeper inside
            again = sum(1 for u in used if geodesy.distance_km(u[0], u[1], m[0], m[1]) < REUSE_KM)
            if again:
                prev = mid[k - 1] if k > 0 else (float(p[0]), float(p[1]))
                nxt = mid[k + 1] if k + 1 < len(mid) else (float(q[0]), float(q[1]))
                moved = router.shifted(prev, m, nxt, 2.0 * again)
                if moved is not None:
                    mid[k] = moved
            used.append(m)
        add([*(np.asarray(m) for m in mid), q], False, t)

    for t in range(i, j + 1):
        tr = items[t].track
        go(pts[-1], tr[0], t)
        add(list(tr[1:]), True, t)
    go(pts[-1], depot, j)
    return np.array(pts), flags, owner


def _offenders(viol: list[Violation], owner: list[int]) -> list[int]:
    """Positions (in the flight's item order) of the items whose legs break a rule."""
    legs: list[int] = []
    for v in viol:
        m = re.search(r"on legs \[([0-9, ]+)\]", v.message)
        if m:
            legs.extend(int(t) for t in m.group(1).split(","))
        elif v.leg is not None:
            legs.append(v.leg)
    out = sorted({owner[leg] for leg in legs if 0 <= leg < len(owner)})
    if not out and viol:
        out = sorted(set(owner))  # no leg named: every item of the flight is suspect
    return out


@dataclass
class _FleetCase:
    """A flight problem: lane pieces, routed distances and legality, for any budget."""

    lanes: LaneSet  # kept alive: the cache key holds its id
    fleet: _fleet.Fleet
    forward: list[_Item]  # pieces flown forwards
    backward: list[_Item]  # the same pieces flown backwards
    lost_km: float  # lane length no route reaches (dropped)
    assembled: dict[_fleet.Route, tuple[NDArray, list[bool]]] = field(default_factory=dict)


_FLEETS: OrderedDict[tuple, _FleetCase] = OrderedDict()


def _pieces(ls: LaneSet, keep: set[int]) -> tuple[list[_Item], list[_Item], list[bool]]:
    """Lanes cut into pieces of at most :data:`PIECE_KM`: forwards, backwards, reversible."""
    fwd: list[_Item] = []
    bwd: list[_Item] = []
    rev: list[bool] = []
    for i in sorted(keep):
        lane = ls.lanes[i]
        parts = max(1, math.ceil(lane.length_km / PIECE_KM - 1e-9))
        f = _Item(_norm(lane.fwd), lane.length_km, i, lane.kind)
        fs = _split_item(f, parts) if parts > 1 else [f]
        if lane.rev.shape == lane.fwd.shape and np.allclose(lane.rev, lane.fwd[::-1], atol=1e-12):
            bs = [_Item(it.track[::-1].copy(), it.length_km, i, lane.kind) for it in fs]
        else:  # a one-sided sensor flies the lane backwards on another track
            b = _Item(_norm(lane.rev), geodesy.path_length_km(lane.rev), i, lane.kind)
            bs = (_split_item(b, parts) if parts > 1 else [b])[::-1]
        fwd.extend(fs)
        bwd.extend(bs)
        rev.extend([lane.reversible] * len(fs))
    return fwd, bwd, rev


def _round_trip(
    pts: NDArray,
    flags: list[bool],
    af: Airfield,
    reg: Regime,
    observed: Territory,
    budget_km: float,
    name: str = "",
) -> FlightPlan:
    """The flight plan of an assembled round trip from the airfield (no transit legs)."""
    from .flightplan import FlightPlan

    return FlightPlan.from_waypoints(
        pts,
        start=af.icao,
        end=af.icao,
        sensors_on=flags,
        transit=[False] * len(flags),
        regime=reg,
        territory=observed,
        budget_km=budget_km,
        name=name,
    )


def _fleet_case(
    ls: LaneSet,
    keep: set[int],
    af: Airfield,
    observed: Territory,
    area: _Area,
    reg: Regime,
    margin: float,
) -> _FleetCase:
    """The (cached) flight problem of these lanes from this airfield."""
    key = (id(ls), hash(tuple(sorted(keep))), af.icao, af.lon, af.lat, observed.code)
    key += (reg.year, margin, PIECE_KM)
    if key in _FLEETS:
        _FLEETS.move_to_end(key)
        return _FLEETS[key]
    t0 = time.perf_counter()
    router = _router(observed, area.geometry, af)
    depot = np.array([af.lon, af.lat])
    fwd, bwd, rev = _pieces(ls, keep)
    ends_ll = np.array(
        [
            p
            for a, b in zip(fwd, bwd, strict=True)
            for p in (a.track[0], a.track[-1], b.track[0], b.track[-1])
        ]
    )
    uniq, inverse = np.unique(np.round(ends_ll, 9), axis=0, return_inverse=True)
    points = np.vstack([uniq, depot[None, :]])
    dist = router.distance_matrix(points)
    ends = inverse.reshape(-1, 4)
    hub = len(points) - 1
    # pieces no route from the airfield reaches (a corner cut off by a ragged border)
    out_ok = np.isfinite(dist[hub, ends[:, [0, 2]]]) & np.isfinite(dist[ends[:, [1, 3]], hub])
    out_ok[:, 1] &= np.asarray(rev, bool)
    reach = out_ok.any(axis=1)
    total_km = float(sum(it.length_km for it in fwd))
    lost_km = float(sum(it.length_km for it, ok in zip(fwd, reach, strict=True) if not ok))
    if lost_km > MAX_UNREACHABLE_FRACTION * total_km:
        at = fwd[int(np.flatnonzero(~reach)[0])].track[0]
        msg = (
            f"part of the area is out of reach: no route inside the observed territory leads "
            f"from the airfield to the lane at ({at[0]:.3f}, {at[1]:.3f}) and others "
            f"({lost_km:.0f} of {total_km:.0f} km of lanes); an exclave needs another airfield "
            "(or transit legs, not planned here)"
        )
        raise InfeasibleError(msg)
    if lost_km:
        logger.info("%.1f km of lanes dropped: no route inside the observed territory", lost_km)
    sel = np.flatnonzero(reach)
    fwd = [fwd[i] for i in sel]
    bwd = [bwd[i] for i in sel]
    rev_sel = [rev[i] for i in sel]
    case: _FleetCase

    def check(route: _fleet.Route) -> tuple[float, list[int]]:
        seq = [(case.forward if f else case.backward)[i] for i, f in route]
        pts, flags, owner = _assemble(seq, 0, len(seq) - 1, depot, router)
        # every rule but the budget: the fleet compares the length with each budget
        plan = _round_trip(pts, flags, af, reg, observed, reg.max_flight_distance_km(af.icao))
        case.assembled[route] = (pts, flags)
        viol = [v for v in plan.validate() if v.rule != "max_distance"]
        bad = [route[t][0] for t in _offenders(viol, owner)]
        if viol:
            logger.info(
                "flight over %d pieces breaks %s", len(route), sorted({v.rule for v in viol})
            )
        return plan.length_km, bad

    fleet = _fleet.Fleet(
        np.array([[a.length_km, b.length_km] for a, b in zip(fwd, bwd, strict=True)]),
        dist,
        ends=ends[sel],
        depot=hub,
        reversible=rev_sel,
        turn_margin=margin,
        check=check,
        tracks=[(a.track, b.track) for a, b in zip(fwd, bwd, strict=True)],
        depot_lonlat=(af.lon, af.lat),
    )
    case = _FleetCase(ls, fleet, fwd, bwd, lost_km)
    _FLEETS[key] = case
    while len(_FLEETS) > FLEET_CACHE_SIZE:
        _FLEETS.popitem(last=False)
    logger.info(
        "flight problem: %d pieces of %d lanes, %d points, %.1f s",
        len(fwd),
        len(keep),
        len(points),
        time.perf_counter() - t0,
    )
    return case


def _select(ls: LaneSet, target_fraction: float, depot: tuple[float, float]) -> set[int]:
    """Lanes kept for a partial target: drop the lanes farthest from the airfield first."""
    keep = set(range(len(ls.lanes)))
    if target_fraction >= 1.0:
        return keep
    dropped_allowed = (1.0 - target_fraction) * ls.area_km2
    est = []
    for lane in ls.lanes:
        mid = lane.fwd[len(lane.fwd) // 2]
        d = float(geodesy.distance_km(depot[0], depot[1], mid[0], mid[1]))
        est.append((d, lane.index, lane.length_km * ls.spacing_km))
    est.sort(reverse=True)
    dropped = 0.0
    for _, idx, a in est:
        if dropped + a > dropped_allowed:
            break
        dropped += a
        keep.discard(idx)
    return keep


def plan_full_coverage(
    territory: Territory | str | BaseGeometry,
    *,
    airfield: str,
    sensor: Sensor | str,
    budget_km: float | None = None,
    overlap: float = 0.1,
    target_fraction: float = 1.0,
    regime: Regime | None = None,
    refine_bound: bool | None = None,
) -> FlightSet:
    """Flights from an Open Skies airfield that together image an area.

    The lanes (:func:`lanes`, cached per area, swath and overlap) are ordered
    as blocks (each cell's serpentine, the headland ring) by nearest neighbour,
    2-opt and or-opt over block endpoints in a local projection; the sequence
    is then split into the fewest round trips from the airfield that fit the
    budget, by dynamic programming (the fewest for that order, then the
    shortest). Routes to, between and from lanes follow geodesics, bent where
    needed to stay :data:`ROUTE_MARGIN_KM` inside the observed territory.
    Every leg counts against the budget (none is transit); the sensor is on
    along the lanes only.

    Parameters
    ----------
    territory : Territory, str or shapely geometry
        Area to image (e.g. ``"BLR"``), (lon, lat) degrees; it must lie in the
        territory the airfield's flights observe (Kubinka: ``"BLR+RUS"``, so
        its legs across Russia are legal and counted).
    airfield : str
        ICAO code of an Open Skies airfield of the regime (designate a
        hypothetical one with ``Regime.designate``).
    sensor : Sensor or str
        Sensor or preset name (:func:`openskies.sensors.preset`).
    budget_km : float, optional
        Maximum flight distance, km; default the airfield's in the regime.
    overlap : float
        Side overlap of neighbouring lanes, fraction of the swath.
    target_fraction : float
        Share of the area to image, in (0, 1]; below 1 the lanes farthest from
        the airfield are dropped first (estimate: lane length x spacing).
    regime : Regime, optional
        Default :func:`openskies.data.regime` (2019).
    refine_bound : bool, optional
        Refine ``flights_lower_bound`` by column generation where the plan is more than
        ``max(1, 10 %)`` of flights above the radial bound (:meth:`Fleet.refined_bound
        <openskies._fleet.Fleet.refined_bound>`): ``None`` (default) where its pricing
        programme is small (seconds), ``True`` wherever it is needed (minutes on large
        problems, e.g. a 5 km swath over Belarus), ``False`` never.

    Returns
    -------
    FlightSet
        ``list[FlightPlan]`` with ``.summary`` (:class:`CoverageSummary`),
        ``.lanes``, ``.footprints``, ``.coverage`` and ``.violations``.

    Raises
    ------
    ValidationError
        Airfield not an OSA; area not observed from it; no area; bad budget,
        overlap or target.
    InfeasibleError
        Part of the area is beyond one flight's reach with ``target_fraction=1``.
    """
    t0 = time.perf_counter()
    reg = as_regime(regime)
    af = reg.require_osa(airfield)
    sen = as_sensor(sensor)
    area = _area(territory, reg)
    observed = _check_observable(area, reg, af)
    budget = reg.check_budget(af.icao, budget_km)
    tf = float(target_fraction)
    if not 0.0 < tf <= 1.0:
        msg = f"target_fraction={target_fraction!r} must be a fraction in (0, 1]"
        raise ValidationError(msg)
    if refine_bound is not None and not isinstance(refine_bound, bool):
        msg = f"refine_bound={refine_bound!r} must be True, False or None (automatic)"
        raise ValidationError(msg)
    margin = float(reg.parameter("max_flight_distance", "turn_margin"))

    ls = lanes(area.geometry if area.territory is None else area.territory, sen, overlap=overlap)
    keep = _select(ls, tf, (af.lon, af.lat))
    case = _fleet_case(ls, keep, af, observed, area, reg, margin)
    fleet = case.fleet
    solo = np.fmin(fleet.core.solo[0::2][: fleet.n], fleet.core.solo[1::2][: fleet.n])
    worst = int(np.argmax(solo))
    if solo[worst] * (1.0 + margin) > budget:
        at = case.forward[worst].track[0]
        msg = (
            f"part of the area is out of reach: the round trip to a lane at "
            f"({at[0]:.3f}, {at[1]:.3f}) alone is {solo[worst] * (1.0 + margin):.0f} km "
            f"(turn margin included), over the {budget:.0f} km budget; lower "
            "target_fraction, raise budget_km or choose a nearer airfield"
        )
        raise InfeasibleError(msg)
    best = fleet.plan(budget)
    n = len(best)
    flights: list[FlightPlan] = []
    footprints: list[BaseGeometry] = []
    violations: list[list[Violation]] = []
    for k, route in enumerate(best.flights):
        pts, flags = case.assembled[route]
        plan = _round_trip(
            pts,
            flags,
            af,
            reg,
            observed,
            budget,
            f"{area.code} coverage {k + 1}/{n} from {af.icao}",
        )
        viol = plan.validate()
        flights.append(plan)
        footprints.append(footprint(plan, sen))
        violations.append(viol)
        for v in viol:
            logger.warning("flight %d/%d: %s: %s", k + 1, n, v.rule, v.message)
    cov = coverage(footprints, area.territory if area.territory is not None else area.geometry)
    lane_km = float(sum(it.length_km for it in case.forward))
    least_rt = 2.0 * _nearest_km(area.geometry, af.lon, af.lat)
    capacity = budget / (1.0 + margin) - least_rt
    lb_lanes = max(1, math.ceil(lane_km / capacity - 1e-9)) if capacity > 0 else n
    if refine_bound is None:
        bound = fleet.refined_bound(budget, best.flights)
    elif refine_bound:
        bound = fleet.refined_bound(budget, best.flights, work_limit=None)
    else:
        bound = best.lower_bound
    lb = max(lb_lanes, bound.flights)
    lb_method = (
        bound.method
        if bound.flights >= lb_lanes
        else "lane km / (budget / (1 + turn margin) - least round trip)"
    )
    summary = CoverageSummary(
        area_code=area.code,
        airfield=af.icao,
        sensor=sen.name,
        swath_km=sen.width_km,
        overlap=float(overlap),
        spacing_km=ls.spacing_km,
        budget_km=budget,
        turn_margin=margin,
        n_flights=n,
        flights_lower_bound=lb,
        flights_ratio=n / lb,
        capacity_km=capacity,
        least_round_trip_km=least_rt,
        lane_km=lane_km,
        ideal_lane_km=ls.ideal_km,
        lane_ratio=lane_km / ls.ideal_km,
        flown_km=float(sum(p.length_km for p in flights)),
        area_km2=area.area_km2,
        covered_km2=cov.covered_km2,
        covered_fraction=cov.fraction,
        target_fraction=tf,
        violations=sum(len(v) for v in violations),
        runtime_s=time.perf_counter() - t0,
        lower_bound_method=lb_method,
        flights_threshold_km=best.threshold_km,
    )
    result = FlightSet(flights)
    result.summary = summary
    result.lanes = ls
    result.footprints = footprints
    result.coverage = cov
    result.violations = violations
    logger.info(
        "full coverage of %s from %s: %d flights (lower bound %d), lanes %.0f km "
        "(%.3f x area/effective swath), %.2f %% covered, %d violations, %.1f s",
        area.code,
        af.icao,
        n,
        lb,
        lane_km,
        summary.lane_ratio,
        100 * cov.fraction,
        summary.violations,
        summary.runtime_s,
    )
    return result


def _flown_with(fs: FlightSet, sen: Sensor, area: _Area, lower_bound: int) -> FlightSet:
    """The flights of ``fs`` (planned for a narrower strip) imaging with ``sen``."""
    footprints = [footprint(p, sen) for p in fs]
    cov = coverage(footprints, area.territory if area.territory is not None else area.geometry)
    s = fs.summary
    summary = replace(
        s,
        sensor=sen.name,
        swath_km=sen.width_km,
        flights_lower_bound=lower_bound,
        flights_ratio=s.n_flights / lower_bound,
        covered_km2=cov.covered_km2,
        covered_fraction=cov.fraction,
        lanes_sensor=s.lanes_sensor or s.sensor,
    )
    out = FlightSet(fs)
    out.summary = summary
    out.lanes = fs.lanes
    out.footprints = footprints
    out.coverage = cov
    out.violations = fs.violations
    return out


def plan_full_coverage_grid(
    territory: Territory | str | BaseGeometry,
    *,
    airfield: str,
    sensors: Sequence[Sensor | str],
    budgets_km: Sequence[float],
    overlap: float = 0.1,
    regime: Regime | None = None,
) -> dict[tuple[str, float], FlightSet | None]:
    """Full-coverage plans for every sensor and budget, monotone on the grid by construction.

    :func:`plan_full_coverage` never needs more flights for a larger budget (its
    optimiser's threshold ladders, :mod:`openskies._fleet`). Across sensors a single
    call cannot promise it: each swath has its own lanes. Here, for each sensor, the
    plans of every sensor of the grid whose strip lies within its strip (for the same
    budget) are candidates too: their flights image at least as much when flown with
    the wider sensor. The plan with the fewest flights, then the fewest km, is kept, so
    a wider strip never needs more flights than a narrower one and a larger budget
    never more than a smaller one, for every pair in the grid.

    Parameters
    ----------
    territory, airfield, overlap, regime
        As for :func:`plan_full_coverage`.
    sensors : sequence of Sensor or str
        Sensors or preset names (distinct names).
    budgets_km : sequence of float
        Maximum flight distances, km.

    Returns
    -------
    dict
        ``(sensor name, budget_km) -> FlightSet`` (``None`` where the area is out of
        reach). A plan flown on another sensor's lanes has that sensor's name in
        ``summary.lanes_sensor``, its own footprints and coverage, and as
        ``flights_lower_bound`` the least of the candidates' bounds (valid for any of
        their lane sets).
    """
    sens = [as_sensor(x, field="sensors") for x in sensors]
    names = [x.name for x in sens]
    if len(set(names)) != len(names):
        msg = f"sensors={names!r}: give each sensor once (names must differ)"
        raise ValidationError(msg)
    budgets = _validate.positive_budgets(budgets_km)
    reg = as_regime(regime)
    own: dict[tuple[str, float], FlightSet | None] = {}
    for x in sens:
        for b in budgets:
            try:
                own[(x.name, b)] = plan_full_coverage(
                    territory,
                    airfield=airfield,
                    sensor=x,
                    budget_km=b,
                    overlap=overlap,
                    regime=reg,
                )
            except InfeasibleError as exc:
                logger.info("%s at %g km: %s", x.name, b, exc)
                own[(x.name, b)] = None
    return combine_sensor_plans(territory, own, sens, regime=reg)


def strip_within(inner: Sensor, outer: Sensor) -> bool:
    """Whether ``inner``'s imaged strip lies within ``outer``'s (same side of the track)."""
    (a0, a1), (b0, b1) = inner.cross_track_km, outer.cross_track_km
    return b0 <= a0 + 1e-12 and a1 <= b1 + 1e-12


def combine_sensor_plans(
    territory: Territory | str | BaseGeometry,
    plans: Mapping[tuple[str, float], FlightSet | None],
    sensors: Sequence[Sensor | str],
    *,
    regime: Regime | None = None,
) -> dict[tuple[str, float], FlightSet | None]:
    """For each sensor and budget, the best plan among the sensors whose strip lies within.

    The step of :func:`plan_full_coverage_grid` after planning: ``plans`` holds each
    sensor's own plan per budget (``(sensor name, budget_km) -> FlightSet``, None where
    out of reach; a sensor or budget missing from it is skipped). For sensor ``x`` and
    budget ``b`` the candidates are the plans at ``b`` of every sensor whose strip lies
    within ``x``'s (:func:`strip_within`, ``x`` itself included): their flights image at
    least as much when flown with ``x``. The fewest flights win, then the fewest km, then
    ``x``'s own plan. A plan flown with another sensor gets ``x``'s footprints and
    coverage (``summary.lanes_sensor`` names the sensor whose lanes it flies) and as
    ``flights_lower_bound`` the least of the candidates' bounds.

    Returns
    -------
    dict
        ``(sensor name, budget_km) -> FlightSet or None`` for every key of ``plans`` whose
        sensor is in ``sensors``.
    """
    sens = [as_sensor(x, field="sensors") for x in sensors]
    reg = as_regime(regime)
    area = _area(territory, reg)
    out: dict[tuple[str, float], FlightSet | None] = {}
    for x in sens:
        for key in [k for k in plans if k[0] == x.name]:
            b = key[1]
            cands = [(t, plans[(t.name, b)]) for t in sens if (t.name, b) in plans]
            cands = [(t, fs) for t, fs in cands if strip_within(t, x)]
            found = [
                (len(fs), fs.summary.flown_km, t.name, fs) for t, fs in cands if fs is not None
            ]
            if not found:
                out[key] = None
                continue
            _, _, name, best = min(found, key=lambda v: (v[0], v[1], v[2] != x.name, v[2]))
            lower = min(fs.summary.flights_lower_bound for _, _, _, fs in found)
            if name == x.name and lower == best.summary.flights_lower_bound:
                out[key] = best
            else:
                out[key] = _flown_with(best, x, area, lower)
    return out


# --------------------------------------------------------------------------- reach


def _laea(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    crs = CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
    )
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


def reach(
    territory: Territory | str | BaseGeometry,
    airfield: str,
    *,
    cell_km: float = 10.0,
    sensor: Sensor | str | None = None,
    regime: Regime | None = None,
) -> gpd.GeoDataFrame:
    """Round trip needed to image each cell of an equal-area grid from an airfield.

    Cells are ``cell_km`` squares of a Lambert azimuthal equal-area projection
    centred on the territory, clipped to its land. Model: a cell is imaged
    once its farthest point from the airfield is within the sensor's reach
    ``r`` (:attr:`Sensor.reach_km`, 0 without a sensor) of the track, flown
    straight out along the geodesic and back, so
    ``round_trip_km = 2 * max(0, far_km - r)``. This is a lower bound: a real
    flight images the cell abeam, not ahead.

    Parameters
    ----------
    territory : Territory, str or shapely geometry
        Area, (lon, lat) degrees; it must be observed from the airfield.
    airfield : str
        ICAO code of an Open Skies airfield in the regime.
    cell_km : float
        Cell side, km (> 0).
    sensor : Sensor or str, optional
        Its :attr:`Sensor.reach_km` shortens the trip; None: overfly the cell.
    regime : Regime, optional
        Default :func:`openskies.data.regime` (2019).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per cell: ``cell``, ``lon``, ``lat`` (a point
        inside), ``area_km2`` (geodesic), ``clipped`` (cut by the border),
        ``distance_km`` (airfield to the
        nearest point of the cell, 0 if the airfield is inside), ``far_km``
        (to the farthest point), ``round_trip_km``. ``attrs`` holds
        ``airfield``, ``nearest_km``, ``farthest_km``, ``sensor_reach_km``.
    """
    import geopandas as gpd

    t0 = time.perf_counter()
    reg = as_regime(regime)
    af = reg.require_osa(airfield)
    area = _area(territory, reg)
    _check_observable(area, reg, af)
    size = _validate.positive(cell_km, f"cell_km={cell_km!r} must be a positive cell size in km")
    sen = as_sensor(sensor, allow_none=True)
    r_km = 0.0 if sen is None else sen.reach_km
    lon0, _ = geodesy.centre_of(area.geometry)
    _, inv, proj, _ = _reach_frame(area, size)  # capped before any cell is built
    proj = shapely.make_valid(proj)
    shapely.prepare(proj)
    s = size * 1000.0
    xmin, ymin, xmax, ymax = proj.bounds
    xs = np.arange(math.floor(xmin / s), math.ceil(xmax / s)) * s
    ys = np.arange(math.floor(ymin / s), math.ceil(ymax / s)) * s
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + s, gy.ravel() + s)
    hit = shapely.intersects(proj, boxes)
    boxes = boxes[hit]
    inside = shapely.contains(proj, boxes)
    cells = boxes.copy()
    edge = ~inside
    if np.any(edge):
        cells[edge] = shapely.intersection(boxes[edge], proj)
    keep = (shapely.get_type_id(cells) >= 3) & (shapely.area(cells) > 1e-6 * s * s)
    cells = cells[keep]
    clipped = edge[keep]
    cells = shapely.segmentize(cells, s / 4.0)

    def back(xy: NDArray) -> NDArray:
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([geodesy.unwrap_lon(np.asarray(lon), reference=lon0), lat])

    cells_ll = shapely.transform(cells, back)
    wide = (shapely.bounds(cells_ll)[:, 0] < -180.0) | (shapely.bounds(cells_ll)[:, 2] > 180.0)
    for k in np.flatnonzero(wide):
        cells_ll[k] = geodesy.split_antimeridian(cells_ll[k])
    # distances from the airfield in an AEQD projection centred on it: exact from the centre
    afwd, _, _ = geodesy.aeqd(round(af.lon, 4), round(af.lat, 4))

    def to_aeqd(xy: NDArray) -> NDArray:
        px, py = afwd.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([px, py])

    cells_af = shapely.transform(cells_ll, to_aeqd)
    origin = Point(0.0, 0.0)
    near = shapely.distance(cells_af, origin) / 1000.0
    near[shapely.contains_xy(cells_ll, af.lon, af.lat)] = 0.0
    coords, idx = shapely.get_coordinates(cells_af, return_index=True)
    rad = np.hypot(coords[:, 0], coords[:, 1]) / 1000.0
    far = np.full(len(cells_af), -np.inf)
    np.maximum.at(far, idx, rad)
    rep = shapely.point_on_surface(cells_ll)
    areas = np.array([geodesy.area_km2(c) for c in cells_ll])
    rt = 2.0 * np.maximum(0.0, far - r_km)
    df = gpd.GeoDataFrame(
        {
            "cell": np.arange(len(cells_ll)),
            "lon": shapely.get_x(rep),
            "lat": shapely.get_y(rep),
            "area_km2": areas,
            "clipped": clipped,
            "distance_km": near,
            "far_km": far,
            "round_trip_km": rt,
        },
        geometry=cells_ll,
        crs="EPSG:4326",
    )
    df.attrs.update(
        {
            "airfield": af.icao,
            "territory": area.code,
            "cell_km": size,
            "nearest_km": float(near.min()) if len(near) else float("nan"),
            "farthest_km": float(far.max()) if len(far) else float("nan"),
            "sensor_reach_km": r_km,
        }
    )
    logger.info(
        "reach of %s from %s: %d cells of %g km, nearest %.1f km, farthest %.1f km (%.1f s)",
        area.code,
        af.icao,
        len(df),
        size,
        df.attrs["nearest_km"],
        df.attrs["farthest_km"],
        time.perf_counter() - t0,
    )
    return df


def reach_curve(
    territory: Territory | str | BaseGeometry,
    airfield: str,
    *,
    budgets_km: Sequence[float] | None = None,
    cell_km: float = 10.0,
    sensor: Sensor | str | None = None,
    regime: Regime | None = None,
    cells: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Share of a territory imageable by one flight, as a function of the budget.

    A cell counts when its :func:`reach` round trip, with the regime's turn
    margin, fits the budget: ``round_trip_km * (1 + margin) <= budget_km``.
    This is an upper bound for "imageable in one flight" of any *single* cell;
    imaging all the counted cells together takes many flights.

    Parameters
    ----------
    territory, airfield, cell_km, sensor, regime
        As for :func:`reach`.
    budgets_km : sequence of float, optional
        Budgets to evaluate, km; default 41 steps from 0 to the largest round
        trip needed, plus the airfield's maximum flight distance.
    cells : GeoDataFrame, optional
        A :func:`reach` result to reuse.

    Returns
    -------
    pandas.DataFrame
        Columns ``budget_km``, ``area_km2`` (reachable) and ``fraction``.
    """
    reg = as_regime(regime)
    grid = (
        cells
        if cells is not None
        else reach(territory, airfield, cell_km=cell_km, sensor=sensor, regime=reg)
    )
    margin = float(reg.parameter("max_flight_distance", "turn_margin"))
    need = grid["round_trip_km"].to_numpy() * (1.0 + margin)
    area = grid["area_km2"].to_numpy()
    if budgets_km is None:
        top = float(need.max()) if len(need) else 0.0
        af = reg.airfield(airfield)
        extra = [af.max_flight_distance_km] if af.max_flight_distance_km else []
        budgets = np.unique(np.concatenate([np.linspace(0.0, top * 1.02, 41), extra]))
    else:
        budgets = np.asarray([float(b) for b in budgets_km], dtype=float)
        if np.any(~np.isfinite(budgets)) or np.any(budgets < 0):
            msg = f"budgets_km={budgets_km!r} must be non-negative numbers of kilometres"
            raise ValidationError(msg)
    order = np.argsort(need)
    cum = np.concatenate([[0.0], np.cumsum(area[order])])
    k = np.searchsorted(need[order], budgets, side="right")
    reachable = cum[k]
    total = float(area.sum())
    return pd.DataFrame(
        {
            "budget_km": budgets,
            "area_km2": reachable,
            "fraction": np.minimum(reachable / total, 1.0) if total > 0 else np.nan,
        }
    )
