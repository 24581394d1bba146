"""The treaty legality of a flight plan: the rules (:data:`RULES`), :class:`Violation`, the checks.

:meth:`openskies.flightplan.FlightPlan.validate` delegates to :func:`validate`; each rule's
check is a function of the plan (``docs/legality.md`` explains each, with its treaty article).
Coordinates are (lon, lat) degrees WGS84; lengths km.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from . import _segments, _validate, geodesy
from . import territory as _territory
from ._errors import ValidationError
from .flightplan import (
    AIRFIELD_MATCH_KM,
    CIRCLING_RADIUS_KM,
    DENSIFY_KM,
    SAME_POINT_TOLERANCE_KM,
    TERMINAL_RADIUS_KM,
    _clipped,
    _fmt_ll,
    _km,
    _limit_airfield,
    _lines_length_km,
    _region_geometry,
)

if TYPE_CHECKING:  # pragma: no cover
    from .flightplan import FlightPlan

logger = logging.getLogger(__name__)

__all__ = ["RULES", "Violation", "validate"]


#: Rule ids with their treaty basis. Messages of :class:`Violation` cite the same text.
RULES: dict[str, str] = {
    "start_osa": (
        "rule 1, Art. VI Sec. II para 1 and Art. II para 11: the flight commences at an Open "
        "Skies airfield of the observed Party or group"
    ),
    "end_osa": (
        "rule 1, Art. VI Sec. II para 3 and Art. II para 11: the flight terminates at an Open "
        "Skies airfield of the observed Party or group (it may differ from the start)"
    ),
    "max_distance": (
        "rule 2, Art. VI Sec. II para 4(A), Art. II para 11, Annex A Sec. III, Art. III "
        "Sec. II para 5: the distance over the observed territory from the start to the end "
        "OSA is within the maximum flight distance of the start OSA"
    ),
    "sub_limit": (
        "rule 3, sub-limit of the observed Party within its maximum flight distance "
        "(Kaliningrad 500 km: Russian MFA 2017, practice, not treaty text)"
    ),
    "standoff": (
        "rule 4, Art. VI Sec. II para 2: the flight path is not closer than 10 km to the border "
        "with an adjacent State that is not a State Party"
    ),
    "outside_territory": (
        "rule 5, Art. II para 8 and Art. VII: observation legs stay over the observed "
        "territory (land and territorial sea); other legs are declared transit, sensors off"
    ),
    "self_intersection": (
        "rule 6, Art. VI Sec. II para 4(G): the flight path does not intersect at the same "
        "point more than once (take-off, calibration and landing exempt)"
    ),
    "circling": (
        "rule 6, Art. VI Sec. II para 4(G): the aircraft does not circle around a single "
        "point (take-off, calibration and landing exempt)"
    ),
    "time_window": (
        "rule 7, Art. VI Sec. I para 9 and Sec. II paras 3, 4(E): from arrival at the point "
        "of entry to completion of the observation flight within 96 hours"
    ),
    "avoid_zone": (
        "rule 8, user-defined avoid zone (not a treaty rule: the observed Party may not "
        "exclude any point, Art. VI Sec. II paras 2 and 5)"
    ),
}


@dataclass(frozen=True)
class Violation:
    """A broken rule of :meth:`FlightPlan.validate`.

    Attributes
    ----------
    rule : str
        Rule id, a key of :data:`RULES` (``"max_distance"``...).
    message : str
        What is wrong, with the treaty article and the numbers.
    leg : int or None
        Index of the leg concerned (leg i joins waypoints i and i + 1).
    waypoint : int or None
        Index of the waypoint concerned.
    location : (float, float) or None
        (lon, lat) degrees of the place concerned.
    amount : float or None
        Size of the breach in the rule's unit (km over a limit, km too close, km outside,
        km inside an avoid zone, degrees of turn, passes through one point, hours over).
    """

    rule: str
    message: str
    leg: int | None = None
    waypoint: int | None = None
    location: tuple[float, float] | None = None
    amount: float | None = None

    @property
    def article(self) -> str:
        """The treaty basis of the rule (from :data:`RULES`)."""
        return RULES.get(self.rule, "")


def _avoid_zones(avoid: Any) -> list[tuple[str, BaseGeometry]]:
    if avoid is None:
        return []
    items: list[tuple[str, Any]]
    if hasattr(avoid, "geometry") and hasattr(avoid, "crs"):  # GeoDataFrame / GeoSeries
        frame = avoid
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        geoms = list(frame.geometry) if hasattr(frame, "columns") else list(frame)
        names = (
            [str(v) for v in frame["name"]]
            if hasattr(frame, "columns") and "name" in frame.columns
            else [f"zone {i}" for i in range(len(geoms))]
        )
        items = list(zip(names, geoms, strict=True))
    elif isinstance(avoid, BaseGeometry):
        items = [("zone 0", avoid)]
    else:
        items = [(f"zone {i}", g) for i, g in enumerate(avoid)]
    out = []
    for name, g in items:
        if not isinstance(g, BaseGeometry) or not g.geom_type.endswith("Polygon"):
            kind = g.geom_type if isinstance(g, BaseGeometry) else type(g).__name__
            msg = (
                f"avoid zone {name!r} is {kind}: give shapely (Multi)Polygons in (lon, lat) degrees"
            )
            raise ValidationError(msg)
        xy = shapely.get_coordinates(g)
        geodesy.check_lonlat(xy[:, 0], xy[:, 1], what=f"avoid zone {name!r} vertex")
        g = shapely.make_valid(g)
        shapely.prepare(g)
        out.append((name, g))
    return out


def _capped_query(
    tree: shapely.STRtree,
    geoms: NDArray[Any],
    distance: float | tuple[float, float],
    *,
    what: str,
    keep: Any = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The pairs whose bounding boxes come within ``distance``, in chunks, within the cap.

    A superset of ``tree.query(geoms, "dwithin", distance)``, found without GEOS
    distance computations (``_segments.box_query``) and sorted by (input, tree
    index): the callers filter by exact distances. A path that crowds one place
    (thousands of passes over a few km) has pairs in the square of its waypoints:
    the pairs examined are counted and capped before the check's time runs away,
    and ``keep(i, j)`` (a boolean mask) filters each chunk so that memory holds
    only the pairs kept.
    """
    chunk = 10_000
    parts_i, parts_j, total = [], [], 0
    for a in range(0, len(geoms), chunk):
        i, j = _segments.box_query(tree, geoms[a : a + chunk], distance)
        i = i + a
        total += i.size
        _count_pairs(total, what)
        if keep is not None:
            mask = keep(i, j)
            i, j = i[mask], j[mask]
        # path order, not the tree's: results independent of it
        i, j = _segments.sort_pairs(i, j, len(tree))
        parts_i.append(i)
        parts_j.append(j)
    if not parts_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(parts_i), np.concatenate(parts_j)


def _count_pairs(total: int, what: str) -> None:
    """Refuse, within the ``self_pairs`` cap, a path that comes close to itself too often."""
    from . import _limits

    cap = _limits.cap("self_pairs")
    if total > cap.value:
        cap.check(
            total,
            f"the plan's path comes close to itself too often for {what} (more than)",
            fix="thin the track (fewer waypoints where it circles one place)",
        )


def _ecef(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    """Earth-centred Cartesian coordinates (m) of points on the WGS84 ellipsoid."""
    a, es = geodesy.GEOD.a, geodesy.GEOD.es
    phi = np.radians(lat)
    lam = np.radians(lon)
    sphi = np.sin(phi)
    n = a / np.sqrt(1.0 - es * sphi * sphi)
    return np.column_stack(
        [n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam), n * (1.0 - es) * sphi]
    )


def _ecef_to_lonlat(xyz: NDArray[np.float64]) -> tuple[float, float]:
    """(lon, lat) of the surface point under an ECEF point (for points near the surface)."""
    x, y, z = (float(v) for v in xyz)
    lon = math.degrees(math.atan2(y, x))
    p = math.hypot(x, y)
    es = geodesy.GEOD.es
    lat = math.atan2(z, p * (1.0 - es))
    for _ in range(3):  # Bowring-like fixed point; converges to < 1e-9 rad near the surface
        n = geodesy.GEOD.a / math.sqrt(1.0 - es * math.sin(lat) ** 2)
        lat = math.atan2(z + es * n * math.sin(lat), p)
    return lon, math.degrees(lat)


def _ecef_to_lonlat_array(xyz: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`_ecef_to_lonlat` of many points, as an (n, 2) array (prefilters only)."""
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    lon = np.degrees(np.arctan2(y, x))
    p = np.hypot(x, y)
    es = geodesy.GEOD.es
    lat = np.arctan2(z, p * (1.0 - es))
    for _ in range(3):
        n = geodesy.GEOD.a / np.sqrt(1.0 - es * np.sin(lat) ** 2)
        lat = np.arctan2(z + es * n * np.sin(lat), p)
    return np.column_stack([lon, np.degrees(lat)])


def _farthest_from(piece: LineString, region: BaseGeometry) -> tuple[float, tuple[float, float]]:
    """Largest geodesic distance (km) from ``region`` of a point of ``piece``, and that point.

    The search runs in an azimuthal equidistant projection centred on a 0.5 deg grid
    node near the piece (so that the pieces of one plan share a few cached
    projections: building one costs tens of ms); the distance returned is geodesic.
    """
    pts = shapely.get_coordinates(shapely.segmentize(piece, 0.01))
    c = shapely.get_coordinates(piece.centroid)[0]
    centre = (round(float(c[0]) * 2.0) / 2.0, round(float(c[1]) * 2.0) / 2.0)
    half = _lines_length_km(piece) / 2.0 + 50.0
    lat_ref = float(np.max(np.abs(pts[:, 1])))
    for _ in range(6):
        dlon, dlat = _territory.deg_margin(half, lat_ref)
        x0, y0, x1, y1 = piece.bounds
        local = shapely.clip_by_rect(region, x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)
        if not local.is_empty:
            proj_pts, inv = geodesy.to_local(shapely.multipoints(pts), centre=centre)
            proj_reg, _ = geodesy.to_local(local, centre=centre)
            parts = shapely.get_parts(proj_pts)
            d = shapely.distance(parts, proj_reg)
            k = int(np.argmax(d))
            if d[k] / 1000.0 < half * 0.9:
                near = nearest_points(parts[k], proj_reg)[1]
                nx, ny = inv.transform(near.x, near.y)
                far = float(geodesy.distance_km(pts[k, 0], pts[k, 1], nx, ny))
                return far, (float(pts[k, 0]), float(pts[k, 1]))
        half *= 3.0
    return math.nan, (float(pts[0, 0]), float(pts[0, 1]))


def _link_groups(xyz: NDArray[np.float64], link: float) -> NDArray[np.int64]:
    """Single-linkage groups of 3-D points (chains of steps <= ``link``), exactly.

    Each point is labelled with the smallest index of its group. Points are
    bucketed in cubes of side ``link / sqrt(3)`` (all points of one cube are
    within ``link`` of each other, so they share a group at once), and two
    neighbouring cubes are compared point by point only while they are still in
    different groups: dense clusters (a track passing one place thousands of
    times) cost about linear time instead of the cubic cost of relabelling
    point by point.
    """
    n = len(xyz)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    side = link / math.sqrt(3.0)
    keys = np.floor(xyz / side).astype(np.int64)
    cubes, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.ravel()
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(len(cubes) + 1))
    members = [order[starts[c] : starts[c + 1]] for c in range(len(cubes))]
    index = {tuple(k): c for c, k in enumerate(cubes.tolist())}
    parent = list(range(len(cubes)))

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    reach = math.ceil(math.sqrt(3.0))  # a step of ``link`` spans at most this many cubes
    steps = [
        (dx, dy, dz)
        for dx in range(-reach, reach + 1)
        for dy in range(-reach, reach + 1)
        for dz in range(-reach, reach + 1)
        if (dx, dy, dz) > (0, 0, 0)
    ]
    block = 1024

    def linked(a_pts: NDArray[np.float64], b_pts: NDArray[np.float64]) -> bool:
        for i in range(0, len(a_pts), block):
            for j in range(0, len(b_pts), block):
                diff = a_pts[i : i + block, None, :] - b_pts[None, j : j + block, :]
                if np.any(np.einsum("ijk,ijk->ij", diff, diff) <= link * link):
                    return True
        return False

    for c, key in enumerate(cubes.tolist()):
        for dx, dy, dz in steps:
            d = index.get((key[0] + dx, key[1] + dy, key[2] + dz))
            if d is None or find(c) == find(d):
                continue
            if linked(xyz[members[c]], xyz[members[d]]):
                parent[find(c)] = find(d)
    root = np.array([find(int(c)) for c in inv])
    label = np.full(len(cubes), n, dtype=np.int64)
    np.minimum.at(label, root, np.arange(n))
    return label[root]


def _nearest_in_local(
    source: BaseGeometry, target: BaseGeometry, centre: tuple[float, float]
) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """Closest approach between two (lon, lat) geometries.

    The pair of nearest points is found in an azimuthal equidistant projection
    centred on ``centre`` (near the source), then their distance is recomputed on
    the WGS84 ellipsoid. Returns (km, source point, target point).
    """
    src, inv = geodesy.to_local(source, centre=centre)
    tgt, _ = geodesy.to_local(target, centre=centre)
    p_src, p_tgt = nearest_points(src, tgt)
    (sx, tx), (sy, ty) = inv.transform([p_src.x, p_tgt.x], [p_src.y, p_tgt.y])
    d = float(geodesy.distance_km(sx, sy, tx, ty))
    return d, (float(sx), float(sy)), (float(tx), float(ty))


def _point_seg_distance(p: NDArray, a: NDArray, b: NDArray) -> NDArray:
    d = b - a
    dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-12)
    t = np.clip(np.einsum("ij,ij->i", p - a, d) / dd, 0, 1)
    return np.linalg.norm(a + d * t[:, None] - p, axis=1)


def _seg_seg_distance(
    p1: NDArray, q1: NDArray, p2: NDArray, q2: NDArray
) -> tuple[NDArray, NDArray, NDArray]:
    """Closest distance between 3-D segments p1q1 and p2q2 (vectorised), and the points."""
    d1 = q1 - p1
    d2 = q2 - p2
    r = p1 - p2
    a = np.maximum(np.einsum("ij,ij->i", d1, d1), 1e-12)
    e = np.maximum(np.einsum("ij,ij->i", d2, d2), 1e-12)
    f = np.einsum("ij,ij->i", d2, r)
    c = np.einsum("ij,ij->i", d1, r)
    b = np.einsum("ij,ij->i", d1, d2)
    denom = a * e - b * b
    s = np.where(
        denom > 1e-9 * a * e, np.clip((b * f - c * e) / np.where(denom == 0, 1, denom), 0, 1), 0.0
    )
    t = (b * s + f) / e
    low = t < 0
    high = t > 1
    t = np.clip(t, 0, 1)
    s = np.where(low, np.clip(-c / a, 0, 1), np.where(high, np.clip((b - c) / a, 0, 1), s))
    c1 = p1 + d1 * s[:, None]
    c2 = p2 + d2 * t[:, None]
    return np.linalg.norm(c1 - c2, axis=1), c1, c2


def validate(
    self: FlightPlan,
    *,
    avoid: Any = None,
    standoff_tolerance_km: float | None = None,
) -> list[Violation]:
    """Check a plan against the treaty rules (:meth:`FlightPlan.validate` delegates here)."""
    zones = _avoid_zones(avoid)
    tol = (
        float(self.regime.parameter("route", "border_data_tolerance"))
        if standoff_tolerance_km is None
        else _validate.finite(standoff_tolerance_km, "standoff_tolerance_km")
    )
    if tol < 0:
        msg = f"standoff_tolerance_km={standoff_tolerance_km!r} must be >= 0 km"
        raise ValidationError(msg)
    out: list[Violation] = []
    out += _check_airfields(self)
    out += _check_distance(self)
    out += _check_sub_limits(self)
    out += _check_standoff(self, tol)
    out += _check_territory(self)
    out += _check_self_intersection(self)
    out += _check_circling(self)
    out += _check_time(self)
    out += _check_avoid(self, zones)
    logger.info(
        "validated %r: %s",
        self,
        "legal"
        if not out
        else f"{len(out)} violation(s): " + ", ".join(sorted({v.rule for v in out})),
    )
    return out


# -- rule 1
def _check_airfields(self) -> list[Violation]:
    out = []
    terr = self.territory
    for rule, code, wp_index in (("start_osa", self.start, 0), ("end_osa", self.end, -1)):
        a = self.regime.airfield(code)
        role = "commences" if rule == "start_osa" else "terminates"
        idx = 0 if wp_index == 0 else len(self.waypoints) - 1
        art = "Art. VI Sec. II para 1" if rule == "start_osa" else "Art. VI Sec. II para 3"
        problem = None
        if not a.is_osa:
            problem = (
                f"{a.label} is not an Open Skies airfield in the {self.regime.year} regime "
                f"(roles: {', '.join(a.roles) or 'none'}); to study it as one, designate it "
                f"(Regime.designate or --designate {a.icao}=KM)"
            )
        else:
            group = _territory.get(a.group, year=self.regime.year)
            if not set(terr.members) <= set(group.members):
                problem = (
                    f"{a.label} is an Open Skies airfield of {a.group}, not of the observed "
                    f"territory {terr.code}"
                )
        wp = self.waypoints[idx]
        gap = float(geodesy.distance_km(a.lon, a.lat, wp.lon, wp.lat))
        if problem is None and gap > AIRFIELD_MATCH_KM:
            problem = (
                f"the {'first' if idx == 0 else 'last'} waypoint is {_km(gap)} from "
                f"{a.label} (more than {AIRFIELD_MATCH_KM:g} km)"
            )
        if problem:
            out.append(
                Violation(
                    rule,
                    f"{art}: the flight {role} at an Open Skies airfield of the observed "
                    f"Party or group; {problem}",
                    waypoint=idx,
                    location=(wp.lon, wp.lat),
                )
            )
    return out


# -- rule 2
def _check_distance(self) -> list[Violation]:
    length = self.length_km
    a = _limit_airfield(self.regime, self.start, self.territory)
    legal = a.max_flight_distance_km if a is not None else None
    limit = self.budget_km if legal is None else min(self.budget_km, legal)
    if length <= limit:
        return []
    over = length - limit
    if a is None:
        a = self.regime.airfield(self.start)
    what = (
        f"the maximum flight distance {_km(limit)} of {a.label}"
        if legal is None or limit >= legal
        else f"the planning budget {_km(limit)} (the legal limit, the maximum flight "
        f"distance of {a.label}, is {_km(legal)})"
    )
    msg = (
        f"Art. VI Sec. II para 4(A), Art. II para 11: the distance over the observed "
        f"territory {_km(length)} ({_km(self.counted_geodesic_km)} geodesic + "
        f"{self.turn_margin:.0%} turn margin, transit legs excluded) exceeds {what} by "
        f"{_km(over)} ({over / limit:.2%}); a flight over several members of a group uses "
        f"the start OSA's limit (Art. III Sec. II para 5)"
    )
    last = len(self.waypoints) - 1
    return [Violation("max_distance", msg, waypoint=last, amount=over)]


# -- rule 3
def _check_sub_limits(self) -> list[Violation]:
    if self.territory.parent is not None:
        subs = {}
        sub = _territory._sub_region(self.territory.code)
        if sub.limit_km is not None:
            subs[sub.code] = sub
    else:
        subs = {c: s for c, s in self.territory.sub_regions.items() if s.limit_km is not None}
    out = []
    by_region = self.length_by_region_km
    for code, sub in subs.items():
        counted = by_region.get(code, 0.0) * (1.0 + self.turn_margin)
        if counted <= sub.limit_km:
            continue
        over = counted - sub.limit_km
        table = self._leg_region_km[code] * ~np.asarray(self.transit, bool)
        leg = int(np.argmax(table))
        msg = (
            f"sub-limit of {sub.name} ({code}): {_km(counted)} flown over it "
            f"(geodesic + {self.turn_margin:.0%} turn margin, non-transit legs) exceeds its "
            f"{_km(sub.limit_km)} limit by {_km(over)}; source: {sub.source}"
        )
        out.append(Violation("sub_limit", msg, leg=leg, amount=over))
    return out


# -- rule 4
def _check_standoff(self, tolerance_km: float) -> list[Violation]:
    base = float(self.regime.parameter("route", "non_party_standoff"))
    limit = base + tolerance_km
    lines = self._leg_lines
    bounds = shapely.total_bounds(lines)
    out = []
    for nb in self.territory.neighbours:
        if nb.party:
            continue
        zones = _territory.standoff_cells(nb.code, limit, tuple(bounds))
        if not zones:
            continue
        hit = np.zeros(len(lines), bool)
        for z in zones:
            hit |= shapely.intersects(lines, z)
        for leg in np.flatnonzero(hit):
            out.append(_standoff_violation(self, int(leg), nb, zones, base, tolerance_km))
    return out


def _standoff_violation(
    self, leg: int, nb: _territory.Neighbour, zones: list, base: float, tol: float
) -> Violation:
    line = self._leg_lines[leg]
    inside = shapely.union_all([line.intersection(z) for z in zones])
    if inside.is_empty:
        inside = line
    land = _region_geometry("land", nb.code, 0)
    lon0, lat0 = shapely.get_coordinates(inside.centroid)[0]
    x0, y0, x1, y1 = inside.bounds
    dlon, dlat = _territory.deg_margin(base + tol + 20.0, max(abs(y0), abs(y1)))
    window = (x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)
    near_land = shapely.clip_by_rect(land, *window)
    if near_land.is_empty:
        near_land = land
    pieces = [p for p in shapely.get_parts(inside) if not p.is_empty]
    best = (math.inf, (lon0, lat0), (lon0, lat0))
    for piece in pieces:
        c = shapely.get_coordinates(piece.centroid)[0]
        if bool(shapely.intersects(piece, near_land)):
            p = shapely.get_coordinates(shapely.intersection(piece, near_land))[0]
            res = (0.0, (float(p[0]), float(p[1])), (float(p[0]), float(p[1])))
        else:
            res = _nearest_in_local(piece, near_land, (float(c[0]), float(c[1])))
        if res[0] < best[0]:
            best = res
    dist, at, border_pt = best
    limit = base + tol
    tol_txt = (
        f"{base:g} km plus {tol:g} km border-data tolerance (Natural Earth borders) = {limit:g} km"
        if tol
        else f"{base:g} km (no border-data tolerance added)"
    )
    msg = (
        f"Art. VI Sec. II para 2: leg {leg} comes {dist:.1f} km from the border of "
        f"{nb.name} ({nb.code}, not a State Party in {self.regime.year}) at "
        f"{_fmt_ll(*at)} (border point {_fmt_ll(*border_pt)}); required distance {tol_txt}"
    )
    return Violation("standoff", msg, leg=leg, location=at, amount=limit - dist)


# -- rule 5
def _check_territory(self) -> list[Violation]:
    lines = self._leg_lines
    counted = np.flatnonzero(~np.asarray(self.transit, bool))
    if counted.size == 0:
        return []
    treaty = _clipped("treaty", self.territory.code, self.territory.year, self._bbox)
    inside = _segments.lines_in_region(lines[counted], treaty)[0]
    out = []
    for leg in counted[~inside]:
        v = _outside_violation(self, int(leg), treaty)
        if v is not None:
            out.append(v)
    return out


def _outside_violation(self, leg: int, treaty: BaseGeometry) -> Violation | None:
    line = self._leg_lines[leg]
    outside = line.difference(treaty)
    pieces = [p for p in shapely.get_parts(outside) if isinstance(p, LineString) and p.length > 0]
    length = sum(_lines_length_km(p) for p in pieces)
    if length < 1e-3:  # a graze below one metre: numerical noise at a vertex
        return None
    full = _region_geometry("treaty", self.territory.code, self.territory.year)
    best = (-1.0, (0.0, 0.0))
    for piece in pieces:
        far, at = _farthest_from(piece, full)
        if far > best[0]:
            best = (far, at)
    far, at = best
    exits = "; ".join(
        f"leaves at {_fmt_ll(*shapely.get_coordinates(p)[0])}, back at "
        f"{_fmt_ll(*shapely.get_coordinates(p)[-1])}"
        for p in pieces[:3]
    )
    tol = float(self.regime.parameter("route", "border_data_tolerance"))
    note = (
        f"; within the {tol:g} km border-data tolerance: check against surveyed borders"
        if far <= tol
        else ""
    )
    msg = (
        f"Art. II para 8, Art. VII: leg {leg} ({self.waypoint_labels[leg]} -> "
        f"{self.waypoint_labels[leg + 1]}) flies {_km(length)} outside the treaty area of "
        f"{self.territory.code} and is not declared transit ({exits}); farthest "
        f"{far:.1f} km out at {_fmt_ll(*at)}{note}"
    )
    return Violation("outside_territory", msg, leg=leg, location=at, amount=far)


# -- rule 6
def _segment_exempt(self) -> NDArray[np.bool_]:
    d = self._dense
    pts, seg_leg = d["pts"], d["seg_leg"]
    exempt = np.asarray(self.calibration, bool)[seg_leg].copy()
    n_legs = len(self.waypoints) - 1
    ends = [(0, self.waypoints[0]), (n_legs - 1, self.waypoints[-1])]
    # landing at and taking off from a declared stop's airfield (para 4(G) exempts both)
    for s in self.stops:
        wp = self.waypoints[s.waypoint]
        ends += [(leg, wp) for leg in (s.waypoint - 1, s.waypoint) if 0 <= leg < n_legs]
    for leg, wp in ends:
        sel = np.flatnonzero(seg_leg == leg)
        if sel.size == 0:
            continue
        a = pts[sel]
        b = pts[sel + 1]
        da = np.asarray(geodesy.distance_km(wp.lon, wp.lat, a[:, 0], a[:, 1]))
        db = np.asarray(geodesy.distance_km(wp.lon, wp.lat, b[:, 0], b[:, 1]))
        exempt[sel[np.minimum(da, db) <= TERMINAL_RADIUS_KM]] = True
    return exempt


def _check_self_intersection(self) -> list[Violation]:
    d = self._dense
    pts = d["pts"]
    n_seg = len(pts) - 1
    if n_seg < 3:
        return []
    exempt = _segment_exempt(self)
    xyz = _ecef(pts[:, 0], pts[:, 1])
    tol_m = SAME_POINT_TOLERANCE_KM * 1000.0
    segs = shapely.linestrings(
        np.stack([pts[:-1], pts[1:]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(n_seg), 2),
    )
    tree = shapely.STRtree(segs)
    max_lat = float(np.max(np.abs(pts[:, 1])))
    # (dlon, dlat) boxes: at 55 deg N a degree of longitude is 1.7 times shorter
    tol_deg = _territory.deg_margin(SAME_POINT_TOLERANCE_KM * 1.05, max_lat)
    what = "the self-intersection check (Art. VI Sec. II para 4(G))"
    i, j = _capped_query(
        tree,
        segs,
        tol_deg,
        what=f"{what}: segment pairs within 1 km",
        keep=lambda i, j: (j > i + 1) & ~exempt[i] & ~exempt[j],
    )
    if i.size == 0:
        return []
    # Events with at most two passes (two straight passes proved so, _segments) are
    # left out: they cannot be violations, and a dense track has ~70 per point.
    blocks = _segments.neighbour_blocks(
        tree,
        segs,
        _territory.deg_margin(1.5 * SAME_POINT_TOLERANCE_KM * 1.05, max_lat),
        xyz,
        count=lambda total: _count_pairs(total, f"{what}: segments near each segment"),
    )
    certified = _segments.two_pass_certificates(blocks, xyz, tol_m)
    # pairs whose every event is certified (straight passes and clean crossings:
    # most pairs of a dense track) need no closest approach
    todo = np.flatnonzero(~certified.regardless_of_event(i, j))
    i, j = i[todo], j[todo]
    parts, seg_of = [np.zeros((0, 3))], [np.zeros(0, np.int64)]
    for a in range(0, i.size, 500_000):
        ia, ja = i[a : a + 500_000], j[a : a + 500_000]
        dist, c1, c2 = _seg_seg_distance(xyz[ia], xyz[ia + 1], xyz[ja], xyz[ja + 1])
        close = np.flatnonzero(dist <= tol_m)
        ev = 0.5 * (c1[close] + c2[close])
        uncertain = ~certified(ia[close], ja[close], ev)
        parts.append(ev[uncertain])
        seg_of.append(ia[close][uncertain])
    events = np.concatenate(parts)
    if len(events) == 0:
        return []
    ev_ll = _ecef_to_lonlat_array(events)  # unwrapped as the segments are (antimeridian)
    ev_ll[:, 0] = geodesy.unwrap_lon(ev_ll[:, 0], reference=pts[np.concatenate(seg_of), 0])
    # Passes through each event point: maximal runs of consecutive segments within tol
    # (the box query's margin covers the rounding of the vectorised lon/lat).
    ev_pts = shapely.points(ev_ll)
    e_idx, s_idx = _capped_query(
        tree,
        ev_pts,
        tol_deg,
        what=f"{what}: passes near the points found",
        keep=lambda e, sg: _point_seg_distance(events[e], xyz[sg], xyz[sg + 1]) <= tol_m,
    )
    # (e_idx, s_idx) come sorted by event, then segment: _capped_query's order.
    # A pass is a run of consecutive segments near the event point (vectorized: a
    # track crowding one place gives many events, each near many segments).
    passes = np.zeros(len(events), int)
    new_run = np.ones(e_idx.size, bool)
    new_run[1:] = (e_idx[1:] != e_idx[:-1]) | (np.diff(s_idx) > 1)
    run_start = np.flatnonzero(new_run)
    run_e = e_idx[run_start]
    run_first = s_idx[run_start]
    run_counted = (
        np.logical_or.reduceat(~exempt[s_idx], run_start) if run_start.size else np.zeros(0, bool)
    )
    np.add.at(passes, run_e[run_counted], 1)

    def first_seg(k: int) -> list[int]:
        return [int(v) for v in run_first[(run_e == k) & run_counted]]

    out: list[Violation] = []
    bad = np.flatnonzero(passes >= 3)
    if bad.size == 0:
        return []
    # One violation per group of such points chained within two densification steps
    # (a long overlap is one violation).
    link_m = max(2 * tol_m, 2000.0 * DENSIFY_KM)
    label = _link_groups(events[bad], link_m)
    for group in np.unique(label):
        members = bad[label == group]
        k = int(members[np.argmax(passes[members])])
        legs = sorted({int(d["seg_leg"][s]) for s in first_seg(k)})
        lon, lat = _ecef_to_lonlat(events[k])
        lon = float(geodesy.normalize_lon(lon))
        extent = ""
        if members.size > 1:
            span = float(np.max(np.linalg.norm(events[members] - events[k], axis=1)) / 1000.0)
            extent = f" (and along {span:.0f} km around it)"
        msg = (
            f"Art. VI Sec. II para 4(G): the flight path passes {passes[k]} times through "
            f"the same point {_fmt_ll(lon, lat)}{extent} (within "
            f"{SAME_POINT_TOLERANCE_KM:g} km), on legs {legs}; one crossing is allowed, "
            "not a third pass"
        )
        out.append(
            Violation(
                "self_intersection",
                msg,
                leg=legs[-1],
                location=(lon, lat),
                amount=float(passes[k]),
            )
        )
    return out


def _check_circling(self) -> list[Violation]:
    n = len(self.waypoints)
    if n < 4:
        return []
    az12, az21, dist = self._leg_inv
    arrive = np.asarray(az21) + 180.0
    turn = (az12[1:] - arrive[:-1] + 180.0) % 360.0 - 180.0  # at waypoints 1..n-2
    turn[(dist[1:] < 1e-6) | (dist[:-1] < 1e-6)] = 0.0
    xyz = _ecef(self.coords[:, 0], self.coords[:, 1])
    calib = np.asarray(self.calibration, bool)
    exempt = np.zeros(n, bool)
    exempt[1:-1] = calib[:-1] | calib[1:]
    # take-off and landing at the ends, and at a declared stop
    for w in (
        self.waypoints[0],
        self.waypoints[-1],
        *(self.waypoints[s.waypoint] for s in self.stops),
    ):
        exempt |= _within_km(w.lon, w.lat, self.coords, xyz, TERMINAL_RADIUS_KM)
    radius_m = CIRCLING_RADIUS_KM * 1000.0
    out = []
    for k, j, cum, centre in _segments.circling_runs(xyz, turn, exempt, radius_m):
        lon, lat = _ecef_to_lonlat(centre)
        msg = (
            f"Art. VI Sec. II para 4(G): the aircraft circles around {_fmt_ll(lon, lat)}: "
            f"a cumulative turn of {abs(cum):.0f} deg at waypoints {k}..{j}, all within "
            f"{CIRCLING_RADIUS_KM:g} km of that point (circling = 360 deg or more)"
        )
        out.append(
            Violation("circling", msg, leg=k, waypoint=k, location=(lon, lat), amount=abs(cum))
        )
    return out


def _within_km(
    lon: float,
    lat: float,
    coords: NDArray[np.float64],
    xyz: NDArray[np.float64],
    radius_km: float,
) -> NDArray[np.bool_]:
    """``geodesy.distance_km(lon, lat, *coords.T) <= radius_km``, with fewer geodesics.

    ``coords`` are (lon, lat) degrees and ``xyz`` the same points in ECEF metres
    (:func:`_ecef`). The straight chord between two points of the ellipsoid is never
    longer than the geodesic joining them on its surface, so a point whose chord
    exceeds the radius by more than its rounding (1 m) is farther; the geodesic is
    computed for the other points only (a recorded track near one end of the plan).
    """
    centre = _ecef(np.array([lon]), np.array([lat]))[0]
    diff = xyz - centre
    chord_m = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    out = np.zeros(len(coords), bool)
    near = np.flatnonzero(chord_m <= radius_km * 1000.0 + 1.0)
    if near.size:
        d = np.asarray(geodesy.distance_km(lon, lat, coords[near, 0], coords[near, 1]))
        out[near] = d <= radius_km
    return out


# -- rule 7
def _check_time(self) -> list[Violation]:
    window = float(self.regime.parameter("timing", "observation_window"))
    total = self.preflight_h + self.duration_h
    if total <= window:
        return []
    ac = self.effective_aircraft
    stops = sum(s.duration_h for s in self.stops)
    msg = (
        f"Art. VI Sec. I para 9, Sec. II para 3: {total:.1f} h from arrival at the point of "
        f"entry to completion ({self.preflight_h:g} h before commencement + "
        f"{self.flight_time_h:.1f} h flying {_km(self.geodesic_length_km)} at "
        f"{ac.cruise_speed_kmh:g} km/h ({ac.name}) + {stops:g} h of stops) exceeds the "
        f"{window:g}-hour period by {total - window:.1f} h"
    )
    return [Violation("time_window", msg, waypoint=len(self.waypoints) - 1, amount=total - window)]


# -- rule 8
def _check_avoid(self, zones: list[tuple[str, BaseGeometry]]) -> list[Violation]:
    out = []
    lines = self._leg_lines
    for name, zone in zones:
        hit = shapely.intersects(lines, zone) & ~shapely.touches(lines, zone)
        for leg in np.flatnonzero(hit):
            piece = lines[leg].intersection(zone)
            km = _lines_length_km(piece)
            entry = shapely.get_coordinates(piece)[0]
            msg = (
                f"avoid zone {name!r} (user-defined; the treaty has no no-fly zones, "
                f"Art. VI Sec. II paras 2 and 5): leg {leg} enters it at "
                f"{_fmt_ll(*entry)} and flies {_km(km)} inside"
            )
            out.append(
                Violation(
                    "avoid_zone",
                    msg,
                    leg=int(leg),
                    location=(float(entry[0]), float(entry[1])),
                    amount=km,
                )
            )
    return out
