"""Lane machinery of the coverage engine: swath strips, headlands, decomposition, lanes, routes.

Everything planar happens in azimuthal equidistant (AEQD) projections local to
the piece of work (a strip piece, a region of the area), never in one global
projection; results come back as (lon, lat) degrees WGS84.

Pipeline (after Fields2Cover: headland -> cells -> swaths -> route):

1. The area is cut into regions that one AEQD projection holds with a small
   scale error (a whole country the size of Belarus is one region).
2. Headland: a pass along the inside of the area's border, ``headland_offset``
   inside it (a fraction of the swath), so that lanes never have to leave the
   area to image its border: lanes laid across the area end in ragged steps
   (the "sawtooth") along a slanted border, and the observed territory may end
   there.
3. The rest (area minus the headland's strip) is decomposed into boustrophedon
   cells: the lanes at the region's best sweep angle are grouped into runs
   where each band meets exactly one band component above and below; each cell
   then gets its own sweep angle.
4. Lanes: each cell is cut into bands one effective swath ``swath * (1 -
   overlap)`` high, centred on the cell (so the first lane is about half a
   swath inside and no last lane is ever dropped, the Fields2Cover bug); each
   connected piece of a band becomes a lane long enough that its strip covers
   the whole piece.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.ops
from numpy.typing import NDArray
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from . import _paths, geodesy
from ._errors import ValidationError

logger = logging.getLogger(__name__)

#: Longest piece (km) of a sensor run buffered in one AEQD projection.
MAX_PIECE_KM = 400.0
#: Spacing (km) of the points inserted along a geodesic before buffering.
DENSIFY_KM = 5.0
#: Largest distance (km) from its centre for an area processed in one projection.
REGION_EXTENT_KM = 900.0
#: Headland rings smaller than this (radius, m) are left to the lanes: flown as a
#: ring they would circle around a point (treaty no-circling rule, 10 km radius).
MIN_RING_RADIUS_M = 15_000.0
#: Boustrophedon cells this many bands high or less, and at most MERGE_CELL_SPACINGS
#: lane spacings long, are merged into a neighbour.
MERGE_CELL_BANDS = 2
MERGE_CELL_SPACINGS = 4.0
#: A cell is cut where its lanes' length changes by this factor between bands, if the
#: parts cost less than JUMP_GAIN of the whole (see _split_at_jumps).
JUMP_RATIO = 2.0
JUMP_GAIN = 0.98
#: A small cell between the headland and the border (a bulge of the border the headland's
#: strip does not reach) whose lanes total at most ATTACH_MAX_SWATHS swaths +
#: ATTACH_EXTRA_M metres and lie within ATTACH_DISTANCE_SWATHS swaths of the headland is
#: flown as an excursion from the headland; the headland piece after the excursion starts
#: ATTACH_BACKSTEP_M before it, so that the strips still join without a gap at the bend.
ATTACH_MAX_SWATHS = 4.0
ATTACH_EXTRA_M = 20_000.0
ATTACH_DISTANCE_SWATHS = 2.0
ATTACH_BACKSTEP_M = 2000.0
#: A cell inside the headland ring (a gap the contour passes leave at a corner) is flown
#: as an excursion only if its lanes total at most this many swaths.
ATTACH_INSIDE_MAX_SWATHS = 1.0
#: Pieces of the interior smaller than this (m²) get no lanes: slivers along a ragged
#: border, whose lanes would crowd the headland (and the treaty's rule 6).
MIN_CELL_M2 = 20e6
#: One-sided sensors: a cell's lanes must keep this share of their length with a track
#: inside the area, else other sweep angles are tried every ONE_SIDED_ANGLE_STEP_DEG.
ONE_SIDED_MIN_KEPT = 0.99
ONE_SIDED_ANGLE_STEP_DEG = 5.0
#: Route legs must stay this far (m) inside the allowed region.
CHECK_MARGIN_M = 50.0
#: Where closed rings open (see build_lanes).
RING_OPENINGS = ("longest", "aligned")


#: A cell's lane before it is made: (band, centre line (2, 2) projected, reversible).
_LaneSpec = tuple[int, NDArray[np.float64], bool]
#: A cell, its sweep angle and its lanes.
_CellSpec = tuple[BaseGeometry, float, list[_LaneSpec]]


# --------------------------------------------------------------------------- strips


def _pieces(n: int, idx_len: int) -> list[tuple[int, int]]:
    """Index ranges [a, b] (inclusive) overlapping by one segment, each <= idx_len points."""
    if n <= idx_len:
        return [(0, n - 1)]
    out = []
    a = 0
    while True:
        b = min(a + idx_len - 1, n - 1)
        out.append((a, b))
        if b >= n - 1:
            break
        a = b - 1
    return out


_strip_local = geodesy.strip_local


def strip(
    coords: NDArray[np.float64], cross_track_km: tuple[float, float], *, ring: bool = True
) -> BaseGeometry:
    """Ground strip imaged along a continuous sensor run (polyline of geodesic legs).

    Parameters
    ----------
    coords : (n, 2) array
        Vertices (lon, lat) in degrees WGS84, joined by geodesics; longitudes may
        be unwrapped.
    cross_track_km : (float, float)
        Signed offsets (km, positive to the right of the direction of travel) of
        the strip's edges.
    ring : bool
        A closed run is a ring flown round (True, the default: lanes) or a run that
        ends where it began, flat at both ends (False: a flight plan's sensor run);
        see :func:`openskies.geodesy.strip_local`.

    Returns
    -------
    shapely geometry
        (lon, lat) degrees in [-180, 180], split at the antimeridian. The strip
        has flat ends and round joins at the run's interior vertices; each
        piece of at most :data:`MAX_PIECE_KM` is buffered in an AEQD projection
        centred on it (scale error below 0.2 %).
    """
    xy = np.asarray(coords, dtype=float)[:, :2]
    if len(xy) < 2:
        return Polygon()
    dense = geodesy.densify_coords(xy, DENSIFY_KM)
    # Drop repeated points (zero-length legs).
    keep = np.ones(len(dense), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(dense, axis=0)) > 1e-9, axis=1)
    dense = dense[keep]
    if len(dense) < 2:
        return Polygon()
    per_piece = max(3, int(MAX_PIECE_KM / DENSIFY_KM))
    ct_m = (cross_track_km[0] * 1000.0, cross_track_km[1] * 1000.0)
    parts = []
    for a, b in _pieces(len(dense), per_piece):
        seg = dense[a : b + 1]
        mid = seg[len(seg) // 2]
        # centres snapped to a 0.5 degree grid (< 40 km from the piece's middle, scale
        # error still below 0.1 %) so that the projections are reused across pieces
        centre = (
            float(geodesy.normalize_lon(round(mid[0] * 2.0) / 2.0)),
            float(np.clip(round(mid[1] * 2.0) / 2.0, -89.5, 89.5)),
        )
        local, inv = geodesy.to_local(LineString(seg), centre=centre)
        poly = _strip_local(local, ct_m, ring=ring)
        back = geodesy.from_local(poly, inv, reference_lon=float(mid[0]))
        parts.append(geodesy.split_antimeridian(shapely.make_valid(back)))
    return _polygonal(shapely.union_all(parts))


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    polys = geodesy.explode_polygons(geometry)
    if not polys:
        return Polygon()
    if len(polys) == 1:
        return polys[0]
    return shapely.MultiPolygon(polys)


def strips(
    runs: list[NDArray[np.float64]], cross_track_km: tuple[float, float], *, ring: bool = True
) -> BaseGeometry:
    """Union of :func:`strip` over several runs (lon, lat) degrees."""
    parts = [strip(r, cross_track_km, ring=ring) for r in runs]
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return Polygon()
    return _polygonal(shapely.union_all(parts))


# --------------------------------------------------------------------------- lanes


@dataclass(frozen=True)
class Lane:
    """One lane: a polyline whose strip images part of the area.

    Attributes
    ----------
    index : int
        Position in :attr:`LaneSet.lanes`.
    group : int
        Cell or headland ring it belongs to (index into :attr:`LaneSet.groups`).
    order : int
        Position within the group (lanes of a cell bottom to top, pieces of a ring).
    band : int
        Band of a cell's lane (several lanes share a band where the cell is
        concave across it); -1 for the headland.
    kind : str
        ``"lane"`` (a cell's sweep line) or ``"headland"``.
    centre : numpy.ndarray
        (n, 2) (lon, lat) of the strip's centre line, degrees (unwrapped).
    fwd, rev : numpy.ndarray
        The flight track (lon, lat) when the lane is flown forwards / backwards;
        for a one-sided sensor the track is offset from the strip's centre.
    reversible : bool
        Whether the lane may be flown backwards (False for the headland of a
        one-sided sensor, which must keep the border on its looking side).
    length_km : float
        Geodesic length of the track, km.
    """

    index: int
    group: int
    order: int
    band: int
    kind: str
    centre: NDArray[np.float64] = field(repr=False)
    fwd: NDArray[np.float64] = field(repr=False)
    rev: NDArray[np.float64] = field(repr=False)
    reversible: bool
    length_km: float

    def track(self, forward: bool = True) -> NDArray[np.float64]:
        """Track (lon, lat) for the given direction."""
        return self.fwd if forward else self.rev


@dataclass
class Group:
    """A cell (``kind="cell"``) or a headland ring (``kind="headland"``) of a lane set."""

    index: int
    kind: str
    region: int
    angle_deg: float | None
    closed: bool
    geometry: BaseGeometry = field(repr=False)
    #: (headland group, piece) after which a small cell is flown as an excursion
    anchor: tuple[int, int] | None = None


@dataclass
class LaneSet:
    """Lanes covering an area for one swath and overlap (see :func:`build_lanes`).

    Attributes
    ----------
    lanes : tuple of Lane
    groups : list of Group
    area : shapely geometry
        The area to image, (lon, lat) degrees.
    area_km2 : float
        Its geodesic area.
    swath_km, spacing_km, overlap, headland_offset_km : float
        Swath, lane spacing ``swath * (1 - overlap)``, overlap fraction and
        the headland's distance inside the border.
    cross_track_km : (float, float)
        Strip edges relative to the track (positive right).
    dropped_km2 : float
        Area left to no lane (slivers along the border the headland's strip
        does not reach), km², estimated in the local projections.
    """

    lanes: tuple[Lane, ...]
    groups: list[Group]
    area: BaseGeometry = field(repr=False)
    area_km2: float
    swath_km: float
    spacing_km: float
    overlap: float
    headland_offset_km: float
    cross_track_km: tuple[float, float]
    dropped_km2: float
    _footprint: BaseGeometry | None = field(default=None, repr=False)

    @property
    def total_km(self) -> float:
        """Total geodesic length of the lanes (tracks), km."""
        return float(sum(lane.length_km for lane in self.lanes))

    @property
    def ideal_km(self) -> float:
        """Area divided by the lane spacing (effective swath), km: the classic lower bound."""
        return self.area_km2 / self.spacing_km

    def footprint(self) -> BaseGeometry:
        """Union of the strips of every lane flown forwards, (lon, lat) degrees (cached)."""
        if self._footprint is None:
            runs = _runs_of(self.lanes)
            self._footprint = strips(runs, self.cross_track_km)
        return self._footprint

    def to_gdf(self) -> Any:
        """The lanes as a GeoDataFrame (EPSG:4326), tracks split at the antimeridian."""
        import geopandas as gpd

        rows = []
        for lane in self.lanes:
            g = self.groups[lane.group]
            rows.append(
                {
                    "lane": lane.index,
                    "group": lane.group,
                    "order": lane.order,
                    "band": lane.band,
                    "kind": lane.kind,
                    "angle_deg": g.angle_deg,
                    "length_km": lane.length_km,
                    "geometry": geodesy.split_antimeridian(LineString(lane.fwd)),
                }
            )
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _runs_of(lanes: tuple[Lane, ...] | list[Lane]) -> list[NDArray[np.float64]]:
    """Merge consecutive lanes of a headland ring into continuous runs (forward tracks)."""
    runs: list[NDArray[np.float64]] = []
    for lane in lanes:
        tr = lane.fwd
        if runs and lane.kind == "headland" and np.allclose(runs[-1][-1], tr[0], atol=1e-9):
            runs[-1] = np.vstack([runs[-1], tr[1:]])
        else:
            runs.append(tr)
    return runs


@dataclass
class _Region:
    piece: BaseGeometry  # part of the area, lon/lat
    centre: tuple[float, float]
    ref_lon: float
    fwd: Transformer
    inv: Transformer
    clip: BaseGeometry | None  # projected clip window (None: whole area)
    window: BaseGeometry  # projected area around the region (for the headland)


def _project(geometry: BaseGeometry, centre: tuple[float, float]) -> BaseGeometry:
    projected, _ = geodesy.to_local(geometry, centre=centre)
    return projected


def _regions(area: BaseGeometry) -> list[_Region]:
    try:
        geodesy.local_crs(area, max_extent_km=REGION_EXTENT_KM)
        pieces = [area]
        whole = True
    except ValidationError:
        pieces = geodesy.split_cells(area)
        whole = False
    out = []
    for piece in pieces:
        centre = geodesy.centre_of(piece)
        ref = float(np.mean(shapely.get_coordinates(piece)[:, 0]))
        fwd, inv, _ = geodesy.aeqd(round(centre[0], 4), round(centre[1], 4))
        if whole:
            window = _project(area, centre)
            clip = None
        else:
            xmin, ymin, xmax, ymax = piece.bounds
            pad_lat = 1.0
            pad_lon = min(20.0, 1.0 / max(math.cos(math.radians(max(abs(ymin), abs(ymax)))), 0.05))
            big = box(
                xmin - pad_lon, max(ymin - pad_lat, -90), xmax + pad_lon, min(ymax + pad_lat, 90)
            )
            near = [area.intersection(big)]
            for k in (-1, 1):
                shifted = shapely.transform(big, lambda xy, k=k: xy + np.array([360.0 * k, 0.0]))
                if area.intersects(shifted):
                    cut = area.intersection(shifted)
                    near.append(
                        shapely.transform(cut, lambda xy, k=k: xy - np.array([360.0 * k, 0]))
                    )
            window = _project(shapely.make_valid(shapely.union_all(near)), centre)
            cell_box = box(xmin, ymin, xmax, ymax).segmentize(0.1)
            clip = _project(cell_box, centre)
        out.append(_Region(piece, centre, ref, fwd, inv, clip, window))
    return out


def _to_lonlat(xy: NDArray[np.float64], region: _Region) -> NDArray[np.float64]:
    lon, lat = region.inv.transform(xy[:, 0], xy[:, 1])
    lon = geodesy.unwrap_lon(np.asarray(lon), reference=region.ref_lon)
    return np.column_stack([lon, np.asarray(lat)])


def _lines(geometry: BaseGeometry) -> list[LineString]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, LineString):
        return [geometry]
    out: list[LineString] = []
    for g in getattr(geometry, "geoms", []):
        out.extend(_lines(g))
    return out


def _band_components(
    poly_r: BaseGeometry, spacing: float, phase: float = 0.5
) -> list[list[tuple[Polygon, float]]]:
    """Connected pieces of each band (rotated frame) with the band's centre ordinate.

    ``n = ceil(height / spacing)`` bands of height ``spacing`` cover the polygon;
    ``phase`` in [0, 1] places the excess ``n * spacing - height`` below (1) or
    above (0) it; 0.5 centres the bands. No band that touches the polygon is
    dropped (Fields2Cover's missing-last-lane bug).
    """
    if poly_r.is_empty:
        return []
    xmin, ymin, xmax, ymax = poly_r.bounds
    height = ymax - ymin
    n = max(1, math.ceil(height / spacing - 1e-9))
    y0 = ymin - (n * spacing - height) * phase
    edges = y0 + spacing * np.arange(n + 1)
    boxes = shapely.box(xmin - 1.0, edges[:-1], xmax + 1.0, edges[1:])
    shapely.prepare(poly_r)
    inter = shapely.intersection(boxes, poly_r)
    out = []
    tiny = 1e-6 * spacing * spacing
    for k, g in enumerate(inter):
        comps = [p for p in geodesy.explode_polygons(g) if p.area > tiny]
        out.append([(p, float((edges[k] + edges[k + 1]) / 2.0)) for p in comps])
    return out


#: Above this many bands the sweep search estimates lane lengths from centre lines.
_EXACT_BANDS_MAX = 40
_PHASES = (0.0, 0.25, 0.5, 0.75, 1.0)
_COARSE_DEG = 5.0
_EXHAUSTIVE_BANDS_MAX = 20


def _estimate(
    poly: BaseGeometry,
    angle: float,
    spacing: float,
    turn_m: float,
    min_len: float,
    exact_max: int = _EXACT_BANDS_MAX,
) -> tuple[float, float]:
    """Cost (m) of sweeping ``poly`` at ``angle`` and the best band phase.

    Cost = total lane length + ``turn_m`` per lane. With few bands the lanes are
    laid exactly (band pieces, including the extension a lane needs to cover
    its piece) for each phase; with many, centre lines give the estimate.
    """
    pr = affinity.rotate(poly, -angle, origin=(0.0, 0.0))
    xmin, ymin, xmax, ymax = pr.bounds
    height = ymax - ymin
    n = max(1, math.ceil(height / spacing - 1e-9))
    if n <= exact_max:
        best = (math.inf, 0.5)
        for phase in _PHASES:
            cost = 0.0
            for band in _band_components(pr, spacing, phase):
                for p, _ in band:
                    bx0, _, bx1, _ = p.bounds
                    cost += max(bx1 - bx0, min_len) + turn_m
            if cost < best[0] - 1e-6:
                best = (cost, phase)
        return best
    y0 = ymin - (n * spacing - height) / 2.0
    ys = y0 + spacing * (np.arange(n) + 0.5)
    lines = shapely.multilinestrings(
        np.stack(
            [
                np.column_stack([np.full(n, xmin - 1.0), ys]),
                np.column_stack([np.full(n, xmax + 1.0), ys]),
            ],
            axis=1,
        )
    )
    inter = shapely.intersection(lines, pr)
    count = max(1, int(shapely.get_num_geometries(inter)))
    return float(inter.length) + count * turn_m, 0.5


def best_angle(
    poly: BaseGeometry,
    spacing: float,
    *,
    step_deg: float = 1.0,
    min_len: float = 0.0,
    exact_max: int = _EXACT_BANDS_MAX,
    exhaustive: bool = True,
) -> tuple[float, float, float]:
    """Sweep angle (deg, counter-clockwise from local east), band phase and cost (m).

    Every angle is tried every ``step_deg`` for a polygon a few lanes across;
    for wider ones coarsely every 5 degrees, then every ``step_deg`` around the
    best. The cost is lane length plus twice the spacing per lane
    (a turn).
    """
    turn_m = spacing * 2.0
    shapely.prepare(poly)
    rect = np.asarray(poly.minimum_rotated_rectangle.exterior.coords)
    narrow = float(np.min(np.hypot(*np.diff(rect[:3], axis=0).T)))
    if exhaustive and narrow / spacing <= _EXHAUSTIVE_BANDS_MAX:
        # few lanes: the ragged ends matter, so try every angle
        angles = np.arange(0.0, 180.0, step_deg)
        res = [_estimate(poly, a, spacing, turn_m, min_len, exact_max) for a in angles]
        k = int(np.argmin([r[0] for r in res]))
        return float(angles[k]), res[k][1], res[k][0]
    coarse = np.arange(0.0, 180.0, _COARSE_DEG)
    res = [_estimate(poly, a, spacing, turn_m, min_len, exact_max) for a in coarse]
    k = int(np.argmin([r[0] for r in res]))
    best = (res[k][0], float(coarse[k]), res[k][1])
    for a in np.arange(coarse[k] - _COARSE_DEG, coarse[k] + _COARSE_DEG + 1e-9, step_deg):
        cost, phase = _estimate(poly, a % 180.0, spacing, turn_m, min_len, exact_max)
        if cost < best[0] - 1e-6:
            best = (cost, float(a % 180.0), phase)
    return best[1], best[2], best[0]


def _cells(q: BaseGeometry, spacing: float, angle: float) -> list[BaseGeometry]:
    """Boustrophedon cells of ``q`` (projected) for a sweep ``angle``: unrotated polygons."""
    qr = affinity.rotate(q, -angle, origin=(0.0, 0.0))
    bands = _band_components(qr, spacing)
    comps: list[Polygon] = []
    band_of: list[int] = []
    for k, band in enumerate(bands):
        for p, _ in band:
            comps.append(p)
            band_of.append(k)
    parent = list(range(len(comps)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # adjacency between consecutive bands: they share an edge of positive length
    ups: dict[int, list[int]] = {i: [] for i in range(len(comps))}
    downs: dict[int, list[int]] = {i: [] for i in range(len(comps))}
    by_band: dict[int, list[int]] = {}
    for i, k in enumerate(band_of):
        by_band.setdefault(k, []).append(i)
    min_shared = max(1.0, 1e-3 * spacing)
    for k, members in by_band.items():
        above = by_band.get(k + 1, [])
        for i in members:
            gi = comps[i].buffer(min_shared / 4.0)
            for j in above:
                if gi.intersects(comps[j]) and gi.intersection(comps[j]).area > min_shared**2:
                    ups[i].append(j)
                    downs[j].append(i)
    for i in range(len(comps)):
        if len(ups[i]) == 1 and len(downs[ups[i][0]]) == 1:
            parent[find(i)] = find(ups[i][0])
    # Cells only a band or two high (dips of a ragged outline) join their largest
    # neighbour: a few short lanes flown on their own make tangled routes.
    changed = True
    while changed:
        changed = False
        groups: dict[int, list[int]] = {}
        for i in range(len(comps)):
            groups.setdefault(find(i), []).append(i)
        for root, members in groups.items():
            if len({band_of[i] for i in members}) > MERGE_CELL_BANDS:
                continue
            x0 = min(comps[i].bounds[0] for i in members)
            x1 = max(comps[i].bounds[2] for i in members)
            if x1 - x0 > MERGE_CELL_SPACINGS * spacing:
                continue  # long lanes (an arm of the area): a cell of its own
            neigh: dict[int, float] = {}
            for i in members:
                for j in ups[i] + downs[i]:
                    rj = find(j)
                    if rj != root:
                        neigh[rj] = neigh.get(rj, 0.0) + comps[j].area
            if neigh:
                target = max(neigh, key=lambda r: sum(comps[k].area for k in groups.get(r, [])))
                parent[root] = target
                changed = True
                break
    groups = {}
    for i in range(len(comps)):
        groups.setdefault(find(i), []).append(i)
    cells = []
    for members in groups.values():
        cell_r = shapely.union_all([comps[i] for i in members], grid_size=1e-3)
        cells.append(affinity.rotate(cell_r, angle, origin=(0.0, 0.0)))
    # biggest first, for stable numbering
    cells.sort(key=lambda c: -c.area)
    return cells


def _split_at_jumps(
    cell: BaseGeometry, spacing: float, angle: float, *, step_deg: float, min_len: float
) -> list[BaseGeometry]:
    """A cell cut between bands where its lanes' length jumps, if that is cheaper.

    A cell can be monotone along the sweep and still be two shapes, an arm
    meeting a body (an L swept across one arm: its lanes there are short, each
    with a turn). The cell is cut between consecutive bands (at ``angle``)
    whose lane lengths differ by more than :data:`JUMP_RATIO` and two spacings;
    the parts are kept when their costs at their own best angles (plus a turn
    per extra part) are below :data:`JUMP_GAIN` of the whole cell's.
    """
    cr = affinity.rotate(cell, -angle, origin=(0.0, 0.0))
    bands = _band_components(cr, spacing)
    lengths = [sum(p.bounds[2] - p.bounds[0] for p, _ in band) for band in bands]
    cuts = [
        k
        for k in range(1, len(bands))
        if min(lengths[k - 1], lengths[k]) > 0
        and max(lengths[k - 1], lengths[k]) > JUMP_RATIO * min(lengths[k - 1], lengths[k])
        and abs(lengths[k] - lengths[k - 1]) > 2.0 * spacing
    ]
    if not cuts:
        return [cell]
    parts = []
    for a, b in itertools.pairwise([0, *cuts, len(bands)]):
        pieces = [p for band in bands[a:b] for p, _ in band]
        part_r = shapely.union_all(pieces, grid_size=1e-3)
        parts.append(affinity.rotate(part_r, angle, origin=(0.0, 0.0)))
    _, _, whole = best_angle(cell, spacing, step_deg=step_deg, min_len=min_len)
    split = sum(
        best_angle(p, spacing, step_deg=step_deg, min_len=min_len)[2] for p in parts
    ) + 2.0 * spacing * (len(parts) - 1)
    return parts if split < JUMP_GAIN * whole else [cell]


def _drop_redundant(
    cell_specs: list[_CellSpec],
    head_fp: BaseGeometry,
    target: BaseGeometry,
    cross_track_km: tuple[float, float],
    spacing: float,
) -> float:
    """Drop short lanes whose strips image almost nothing new; returns the area lost (m²).

    A cell's bands do not know the neighbouring cells' strips: where two cells
    meet at an angle (the corner of an L) a band can reach into ground that the
    other cell's lanes image anyway, and its lane is a stub that costs a transfer.
    A lane shorter than two spacings whose strip adds less than
    :data:`MIN_CELL_M2` to the headland's and the other lanes' strips is
    removed (cells left without lanes go too); the area it alone imaged is
    counted as dropped. Edits ``cell_specs`` in place. ``cross_track_km`` is the
    strip of a lane's centre line (centred on it, also for a one-sided sensor).
    """
    ct_m = (cross_track_km[0] * 1000.0, cross_track_km[1] * 1000.0)
    flat = [(c, k) for c, (_, _, segs) in enumerate(cell_specs) for k in range(len(segs))]
    if not flat:
        return 0.0
    strips_all = [_strip_local(LineString(cell_specs[c][2][k][1]), ct_m) for c, k in flat]
    tree = shapely.STRtree(strips_all)
    alive = [True] * len(flat)
    lost = 0.0
    order = sorted(
        range(len(flat)),
        key=lambda i: float(
            np.hypot(*np.diff(cell_specs[flat[i][0]][2][flat[i][1]][1], axis=0)[0])
        ),
    )
    for i in order:
        c, k = flat[i]
        seg = cell_specs[c][2][k][1]
        if float(np.hypot(*(seg[1] - seg[0]))) >= 2.0 * spacing:
            break
        own = strips_all[i].intersection(target)
        others = [strips_all[j] for j in tree.query(strips_all[i]) if j != i and alive[j]]
        if not head_fp.is_empty:
            others.append(head_fp)
        new = own.difference(shapely.union_all(others)) if others else own
        if new.area < MIN_CELL_M2:
            alive[i] = False
            lost += new.area
    keep: dict[int, list[int]] = {}
    for i, (c, k) in enumerate(flat):
        if alive[i]:
            keep.setdefault(c, []).append(k)
    specs = [
        (cell, angle, [segs[k] for k in keep[c]])
        for c, (cell, angle, segs) in enumerate(cell_specs)
        if c in keep
    ]
    cell_specs[:] = specs
    return lost


def _cell_lanes(
    cell: BaseGeometry, spacing: float, angle: float, phase: float, min_len: float
) -> list[tuple[int, NDArray[np.float64]]]:
    """(band, lane) for one cell at ``angle``, bottom to top; lanes projected (2, 2) arrays."""
    cr = affinity.rotate(cell, -angle, origin=(0.0, 0.0))
    out = []
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rot = np.array([[c, -s], [s, c]])
    for k, band in enumerate(_band_components(cr, spacing, phase)):
        for p, yc in sorted(band, key=lambda t: t[0].bounds[0]):
            x0, _, x1, _ = p.bounds
            if x1 - x0 < min_len:
                mid = (x0 + x1) / 2.0
                x0, x1 = mid - min_len / 2.0, mid + min_len / 2.0
            seg = np.array([[x0, yc], [x1, yc]])
            out.append((k, seg @ rot.T))
    return out


def _track(centre_xy: NDArray[np.float64], offset_m: float, forward: bool) -> NDArray[np.float64]:
    """Track (projected) whose strip centre is ``centre_xy`` flown in the given direction.

    ``offset_m`` is the strip centre's offset to the right of the track.
    """
    xy = centre_xy if forward else centre_xy[::-1]
    if abs(offset_m) < 1e-6:
        return xy.copy()
    line = LineString(xy)
    # the track lies to the left of the strip centre by offset_m (right-looking sensor)
    off = line.offset_curve(offset_m, join_style="round", quad_segs=4)
    return np.asarray(off.coords) if isinstance(off, LineString) and not off.is_empty else xy


def _radius(line: LineString) -> float:
    """Largest distance (projected units) of a line's vertices from their mean."""
    xy = np.asarray(line.coords)
    return float(np.max(np.hypot(*(xy - xy.mean(axis=0)).T)))


def _open_ring_at_straight(
    xy: NDArray[np.float64], near: NDArray[np.float64] | None = None, margin: float = 0.0
) -> NDArray[np.float64]:
    """Re-start a closed ring on a straight stretch: its longest segment, or near a point.

    Flights split the headland where its pieces meet; a split on a straight
    stretch leaves no gap between the flat ends of the two strips, a split at a
    bend would leave a wedge. Without ``near`` the ring opens at the middle of
    its longest segment. With ``near`` (projected, the opening of the ring
    around it) it opens at its point nearest ``near``, moved along that segment
    to keep ``margin`` (projected units; half the swath: the flat strip ends then
    meet square on a straight stretch) or half the segment from its ends: nested
    rings open side by side, and a path flying them one after the other hops one
    spacing between them instead of travelling round to the next opening.
    """
    seg = np.hypot(*np.diff(xy, axis=0).T)
    if near is None:
        k = int(np.argmax(seg))
        point = (xy[k] + xy[k + 1]) / 2.0
    else:
        d = xy[1:] - xy[:-1]
        t = np.einsum("ij,ij->i", near - xy[:-1], d) / np.maximum(seg**2, 1e-12)
        lo = np.minimum(margin / np.maximum(seg, 1e-12), 0.5)
        t = np.clip(t, lo, 1.0 - lo)
        foot = xy[:-1] + d * t[:, None]
        k = int(np.argmin(np.hypot(*(foot - near).T)))
        point = foot[k]
    body = np.vstack([xy[k + 1 : -1], xy[: k + 1]])
    return np.vstack([point, body, point])


def _clip_segment(
    seg: NDArray[np.float64], inside: BaseGeometry, min_len: float
) -> list[NDArray[np.float64]]:
    """Pieces (projected (2, 2) arrays) of a straight lane inside ``inside``, in its direction."""
    line = LineString(seg)
    if inside.covers(line):
        return [seg]
    d = seg[1] - seg[0]
    length = float(np.hypot(*d))
    out = []
    for piece in _lines(line.intersection(inside)):
        c = np.asarray(piece.coords)
        t = (c - seg[0]) @ d / max(length, 1e-9)
        a, b = c[int(np.argmin(t))], c[int(np.argmax(t))]
        if np.hypot(*(b - a)) >= min_len:
            out.append(np.array([a, b]))
    out.sort(key=lambda xy: float((xy[0] - seg[0]) @ d))
    return out


def _intervals_inside(
    seg: NDArray[np.float64], shift: NDArray[np.float64], inside: BaseGeometry
) -> list[tuple[float, float]]:
    """Intervals (m along ``seg``) where the segment moved by ``shift`` lies inside ``inside``."""
    d = seg[1] - seg[0]
    length = float(np.hypot(*d))
    line = LineString(seg + shift)
    if inside.covers(line):
        return [(0.0, length)]
    unit = d / max(length, 1e-9)
    out = []
    for piece in _lines(line.intersection(inside)):
        t = (np.asarray(piece.coords) - shift - seg[0]) @ unit
        out.append((float(np.min(t)), float(np.max(t))))
    return _union_intervals(out)


def _union_intervals(items: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(items):
        if merged and a <= merged[-1][1] + 1e-6:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _open_rings(
    sources: list[tuple[NDArray[np.float64], bool]],
    margin: float,
    lane_ends: list[NDArray[np.float64]],
) -> list[tuple[NDArray[np.float64], bool]]:
    """Open the closed rings of ``sources`` (projected, outermost first) side by side.

    Of several rings the innermost opens next to the lane end (projected, of the
    cells' lanes) nearest it; a single ring, or one without lanes near, on its
    longest segment (:func:`_open_ring_at_straight`); each ring around it opens next to the opening
    of the ring nearest it, inside out: a ring one spacing outside another has a
    point one spacing from any of the inner ring's (the inner ring is the outer
    one's level shrunk by a spacing), not the other way round. A path flying the
    rings one after the other then hops about a spacing from each to the next.
    """
    out = list(sources)
    openings: list[NDArray[np.float64]] = []
    closed_idx = [k for k, (_, closed) in enumerate(out) if closed]
    for k in range(len(out) - 1, -1, -1):
        xy, closed = out[k]
        if not closed:
            continue
        line = LineString(xy)
        # nested rings: the innermost opens next to the core's lanes (flown just before
        # or after it); a ring on its own opens on its longest segment
        targets = openings or (lane_ends if len(closed_idx) > 1 else [])
        near = min(targets, key=lambda p, line=line: line.distance(Point(p))) if targets else None
        opened = _open_ring_at_straight(xy, near, margin)
        openings.append(opened[0])
        out[k] = (opened, closed)
    return out


def _cut_intervals(
    items: list[tuple[float, float]], holes: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """``items`` minus ``holes`` (both sorted, disjoint intervals)."""
    out = []
    for a, b in items:
        pieces = [(a, b)]
        for h0, h1 in holes:
            pieces = [
                part
                for p0, p1 in pieces
                for part in ((p0, min(p1, h0)), (max(p0, h1), p1))
                if part[1] - part[0] > 1e-6
            ]
        out.extend(pieces)
    return out


def _clip_one_sided(
    seg: NDArray[np.float64], inside: BaseGeometry, offset_m: float, min_len: float
) -> list[tuple[NDArray[np.float64], bool]]:
    """Pieces of a straight lane of a one-sided sensor whose track lies inside ``inside``.

    ``seg`` (projected (2, 2)) is the centre line of the lane's strip; flown
    along ``seg`` the track lies ``offset_m`` to its left (a right-looking
    sensor, ``offset_m > 0``; negative: to the right), flown backwards as far to
    the other side. Where both tracks lie inside, a piece may be flown either
    way (``True``); where only one does, the piece is returned in that direction
    (``False``: not reversible). Pieces shorter than ``min_len`` are dropped.
    """
    d = seg[1] - seg[0]
    length = float(np.hypot(*d))
    if length <= 0:
        return []
    left = np.array([-d[1], d[0]]) / length
    fwd = _intervals_inside(seg, left * offset_m, inside)
    bwd = _intervals_inside(seg, -left * offset_m, inside)
    both = [
        (max(a0, b0), min(a1, b1))
        for a0, a1 in fwd
        for b0, b1 in bwd
        if min(a1, b1) - max(a0, b0) > 1e-6
    ]
    # a piece one track cannot fly is flown the other way, as a whole where it can be
    fwd_only = _cut_intervals(fwd, both)
    bwd_only = _cut_intervals(bwd, both)
    pieces: list[tuple[float, float, int]] = [(a, b, 0) for a, b in both]
    pieces += [(a, b, 1) for a, b in fwd_only] + [(a, b, -1) for a, b in bwd_only]
    pieces.sort()
    # merge a reversible piece into a one-way neighbour it touches (one lane, not two)
    merged: list[list[float]] = []
    for a, b, way in pieces:
        if merged and a <= merged[-1][1] + 1e-6:
            prev = merged[-1][2]
            if 0 in (prev, way) or prev == way:
                merged[-1][1] = b
                merged[-1][2] = prev if prev != 0 else way
                continue
        merged.append([a, b, way])
    out = []
    unit = d / length
    for a, b, way in merged:
        if b - a < min_len:
            continue
        piece = np.array([seg[0] + unit * a, seg[0] + unit * b])
        out.append((piece if way >= 0 else piece[::-1], way == 0))
    return out


def _one_sided_cell_lanes(
    cell: BaseGeometry,
    spacing: float,
    angle: float,
    phase: float,
    min_len: float,
    inside: BaseGeometry,
    offset_m: float,
) -> tuple[float, list[_LaneSpec]]:
    """A cell's lanes for a one-sided sensor: (sweep angle, [(band, lane, reversible)]).

    The track of a lane lies ``offset_m`` beside its strip's centre line, on
    one side or the other by direction (:func:`_clip_one_sided`); a lane whose
    tracks both leave the area is dropped. Where that loses more than
    :data:`ONE_SIDED_MIN_KEPT` of the lane length at the cheapest angle (a
    corner swept along its diagonal: both tracks lie outside), every
    :data:`ONE_SIDED_ANGLE_STEP_DEG` is tried and the angle keeping the most
    (then the cheapest) wins.
    """

    def lay(a: float, ph: float) -> tuple[float, list[_LaneSpec]]:
        raw = _cell_lanes(cell, spacing, a, ph, min_len)
        segs = [
            (band, piece, way)
            for band, seg in raw
            for piece, way in _clip_one_sided(seg, inside, offset_m, min_len)
        ]
        full = sum(float(np.hypot(*(xy[1] - xy[0]))) for _, xy in raw)
        kept = sum(float(np.hypot(*(xy[1] - xy[0]))) for _, xy, _ in segs)
        return (kept / full if full > 0 else 1.0), segs

    kept, segs = lay(angle, phase)
    if kept >= ONE_SIDED_MIN_KEPT:
        return angle, segs
    best = (1.0 - kept, 0.0, angle, segs)
    turn_m = 2.0 * spacing
    for a in np.arange(0.0, 180.0, ONE_SIDED_ANGLE_STEP_DEG):
        cost, ph = _estimate(cell, float(a), spacing, turn_m, min_len)
        k, s = lay(float(a), ph)
        key = (max(ONE_SIDED_MIN_KEPT - k, 0.0), cost)
        if key < best[:2]:
            best = (key[0], key[1], float(a), s)
    return best[2], best[3]


def _cut_line_at(
    xy: NDArray[np.float64], piece_m: float, cuts: list[float], *, backstep: float = 0.0
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
    """Cut a polyline into pieces of at most about ``piece_m`` and also at ``cuts`` (m along).

    The piece after a cut of ``cuts`` starts ``backstep`` before it (the pieces
    overlap there). Returns the pieces and the position (m along) where each ends.
    """
    line = LineString(xy)
    total = line.length
    n = max(1, math.ceil(total / piece_m - 1e-9))
    regular = [total * k / n for k in range(1, n)]
    snap = min(1000.0, 0.01 * total)
    extra = [c for c in cuts if snap < c < total - snap]
    points = sorted(regular + extra)
    merged: list[float] = []
    for p in points:
        if not merged or p - merged[-1] > snap:
            merged.append(p)
    bounds = [0.0, *merged, total]
    seg_len = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    special = [min(extra, key=lambda c, m=m: abs(c - m)) if extra else None for m in merged]
    starts = [0.0] + [
        max(prev, m - backstep) if sp is not None and abs(sp - m) <= snap else m
        for prev, m, sp in zip([0.0, *merged][: len(merged)], merged, special, strict=True)
    ]
    out = []
    for a, b in zip(starts, bounds[1:], strict=True):
        inner = xy[(cum > a + 1e-6) & (cum < b - 1e-6)]
        pa = np.asarray(line.interpolate(a).coords)[0]
        pb = np.asarray(line.interpolate(b).coords)[0]
        out.append(np.vstack([pa, inner, pb]))
    return out, np.array(bounds[1:])


def _cut_line(xy: NDArray[np.float64], piece_m: float) -> list[NDArray[np.float64]]:
    """Cut a projected polyline into consecutive pieces of at most about ``piece_m``."""
    line = LineString(xy)
    total = line.length
    n = max(1, math.ceil(total / piece_m - 1e-9))
    if n == 1:
        return [xy]
    seg_len = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    out = []
    for k in range(n):
        a, b = total * k / n, total * (k + 1) / n
        inner = xy[(cum > a + 1e-6) & (cum < b - 1e-6)]
        pa = np.asarray(line.interpolate(a).coords)[0]
        pb = np.asarray(line.interpolate(b).coords)[0]
        out.append(np.vstack([pa, inner, pb]))
    return out


def _ring_lines(level: BaseGeometry) -> list[LineString]:
    """Boundary lines of ``level`` that do not fit in a small circle.

    A ring that fits in a small circle would be flown as a circle: the treaty's
    no-circling rule (Art. VI Sec. II para 4(G)); its area is left to the lanes.
    """
    return [ln for ln in _lines(level.boundary) if _radius(ln) >= MIN_RING_RADIUS_M]


def _contours(
    eroded: BaseGeometry, spacing: float, tol: float, rings: int | None
) -> list[LineString]:
    """Centre lines (projected) of the headland and of the contour passes inside it.

    The headland is the boundary of ``eroded`` (the area shrunk by the headland
    offset); contour pass ``k`` is the boundary of ``eroded`` shrunk by ``k``
    lane spacings, so that neighbouring passes are one spacing apart like
    neighbouring lanes. Each level is simplified by ``tol`` (at most 5 % of the
    swath: the strips of neighbouring passes still overlap). ``rings`` caps the
    number of contour passes inside the headland (None: as many as fit).

    Why: lanes that end on a slanted border overshoot it by up to ``spacing /
    tan(angle)`` (the sawtooth, which the headland's strip images twice); over
    a round area that adds about half the border's extent across the lanes,
    whatever the sweep angle (over Belarus about 500 km, 8 % of the lanes at a
    35 km swath). A contour pass has no ends: its strip images ``spacing`` per
    km like an ideal lane, so passing around the area until the core is small
    brings the lanes close to area / spacing.
    """
    lines = _ring_lines(eroded)
    level = eroded
    k = 0
    while lines and (rings is None or k < rings):
        level = shapely.make_valid(level.buffer(-spacing, quad_segs=8).simplify(tol))
        level = shapely.orient_polygons(level)
        more = _ring_lines(level) if not level.is_empty else []
        if not more:
            break
        lines.extend(more)
        k += 1
    return lines


_CACHE: OrderedDict[tuple, LaneSet] = OrderedDict()
_CACHE_SIZE = 16


def build_lanes(
    area: BaseGeometry,
    *,
    cross_track_km: tuple[float, float],
    overlap: float,
    headland_offset: float = 0.4,
    headland_piece_km: float = 100.0,
    angle_step_deg: float = 1.0,
    min_lane_km: float = 1.0,
    min_cell_frac: float = 0.02,
    border_margin_km: float = 0.5,
    rings: int | None = None,
    ring_openings: str = "longest",
) -> LaneSet:
    """Lanes covering ``area`` (lon, lat) for a swath; cached per (area, swath, overlap).

    Parameters
    ----------
    area : shapely (multi)polygon
        Area to image, (lon, lat) degrees WGS84.
    cross_track_km : (float, float)
        Signed offsets of the strip edges from the track (km, positive right).
    overlap : float
        Side overlap between neighbouring lanes, fraction of the swath.
    headland_offset : float
        Distance of the headland pass inside the border, as a fraction of the
        swath (0.3: its strip reaches 0.2 swath beyond the border and catches
        the small bulges of a ragged border).
    headland_piece_km : float
        Length of the pieces the headland is cut into (flights split there).
    angle_step_deg : float
        Resolution of the sweep angle search.
    min_lane_km : float
        Shortest lane (a band piece narrower than this gets a lane this long).
    min_cell_frac : float
        Pieces of the interior smaller than this many ``swath x spacing`` (and
        than :data:`MIN_CELL_M2`) get no lanes (slivers; their area is reported
        in ``dropped_km2``).
    border_margin_km : float
        Lanes are cut to stay this far inside the area.
    rings : int or None
        Contour passes inside the headland, one spacing apart (None: as many as
        fit; 0: the headland alone, the interior swept by lanes). They are
        lanes of kind ``"headland"``.
    ring_openings : {"longest", "aligned"}
        Where a closed ring starts (its pieces are cut from there): each in the
        middle of its longest segment, or nested rings side by side
        (:func:`_open_rings`), for a lane set flown as one path.
    """
    if ring_openings not in RING_OPENINGS:
        msg = f"ring_openings={ring_openings!r}: use one of {', '.join(RING_OPENINGS)}"
        raise ValidationError(msg)
    key = (
        shapely.to_wkb(area),
        tuple(round(v, 9) for v in cross_track_km),
        round(overlap, 9),
        headland_offset,
        headland_piece_km,
        angle_step_deg,
        min_lane_km,
        min_cell_frac,
        border_margin_km,
        rings,
        ring_openings,
    )
    if key in _CACHE:
        _CACHE.move_to_end(key)
        logger.debug("lanes: cache hit")
        return _CACHE[key]
    result = _build(
        area,
        cross_track_km=cross_track_km,
        overlap=overlap,
        headland_offset=headland_offset,
        headland_piece_km=headland_piece_km,
        angle_step_deg=angle_step_deg,
        min_lane_km=min_lane_km,
        min_cell_frac=min_cell_frac,
        border_margin_km=border_margin_km,
        rings=rings,
        ring_openings=ring_openings,
    )
    _CACHE[key] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget every cached lane set."""
    _CACHE.clear()


def _build(
    area: BaseGeometry,
    *,
    cross_track_km: tuple[float, float],
    overlap: float,
    headland_offset: float,
    headland_piece_km: float,
    angle_step_deg: float,
    min_lane_km: float,
    min_cell_frac: float,
    border_margin_km: float,
    rings: int | None,
    ring_openings: str,
) -> LaneSet:
    lo, hi = cross_track_km
    width_m = (hi - lo) * 1000.0
    spacing = width_m * (1.0 - overlap)
    centre_off_m = (lo + hi) / 2.0 * 1000.0
    off = headland_offset * width_m
    tol = min(0.05 * width_m, 1000.0)
    lanes: list[Lane] = []
    groups: list[Group] = []
    dropped_m2 = 0.0
    one_sided = abs(centre_off_m) > 1e-6
    track_m = (lo * 1000.0, hi * 1000.0)
    # A straight lane's strip is centred on its centre line whichever way it is flown; the
    # centre lines of the cells are buffered with this.
    centre_strip_km = (lo, hi) if not one_sided else (-(hi - lo) / 2.0, (hi - lo) / 2.0)
    # The headland of a one-sided sensor is laid as its track: the track lies |offset|
    # farther inside than the strip's centre line, flown with the border on the looking side.
    head_inset = off + (abs(centre_off_m) if one_sided else 0.0)

    def add_lane(
        xy: NDArray[np.float64],
        region: _Region,
        group: int,
        order: int,
        band: int,
        kind: str,
        reversible: bool,
    ) -> None:
        if one_sided and kind == "headland":  # xy is the track, the strip on its side
            fwd, rev = _to_lonlat(xy, region), _to_lonlat(xy[::-1], region)
            centre = _to_lonlat(_track(xy, -centre_off_m, True), region)
        else:
            fwd = _to_lonlat(_track(xy, centre_off_m, True), region)
            rev = _to_lonlat(_track(xy, centre_off_m, False), region)
            centre = _to_lonlat(xy, region)
        length = geodesy.path_length_km(fwd)
        lanes.append(
            Lane(len(lanes), group, order, band, kind, centre, fwd, rev, reversible, length)
        )

    for r_idx, region in enumerate(_regions(area)):
        target = region.window if region.clip is None else region.window.intersection(region.clip)
        target = shapely.make_valid(target)
        # ---- headland rings (lanes are made below, once the excursions are known)
        eroded = region.window.buffer(-head_inset, quad_segs=8)
        eroded = shapely.orient_polygons(shapely.make_valid(eroded.simplify(tol)))
        ring_lines = _contours(eroded, spacing, tol, rings)
        if centre_off_m < -1e-6:  # left-looking: fly the rings with the border on the left
            ring_lines = [ln.reverse() for ln in ring_lines]
        head_fp = (
            shapely.union_all([_strip_local(ln, track_m) for ln in ring_lines])
            if ring_lines
            else Polygon()
        )
        sources: list[tuple[NDArray[np.float64], bool]] = []
        for ln in ring_lines:
            pieces_src = [ln] if region.clip is None else _lines(ln.intersection(region.clip))
            for src in pieces_src:
                xy = np.asarray(src.coords)
                if len(xy) < 2 or src.length < min_lane_km * 1000.0:
                    continue
                sources.append((xy, bool(src.is_closed)))
        # ---- interior cells and their lanes (projected)
        inside = region.window.buffer(-border_margin_km * 1000.0, quad_segs=4)
        shapely.prepare(inside)
        rest = target.difference(head_fp) if not head_fp.is_empty else target
        eps = 0.02 * width_m
        opened = rest.buffer(-eps, quad_segs=4).buffer(eps, quad_segs=4)
        opened = opened.intersection(rest)
        keep = [
            p
            for p in geodesy.explode_polygons(opened)
            if p.area > max(min_cell_frac * width_m * spacing, MIN_CELL_M2)
        ]
        kept = shapely.union_all(keep) if keep else Polygon()
        dropped_m2 += max(0.0, rest.area - kept.area)
        min_len = min_lane_km * 1000.0
        cell_specs: list[_CellSpec] = []
        if not kept.is_empty:
            kept = kept.simplify(0.01 * width_m)
            angle0, _, _ = best_angle(kept, spacing, step_deg=angle_step_deg, min_len=min_len)
            cells = [
                part
                for c in _cells(kept, spacing, angle0)
                for part in _split_at_jumps(
                    c, spacing, angle0, step_deg=angle_step_deg, min_len=min_len
                )
            ]
            for cell in cells:
                if cell.area <= 0:
                    continue
                angle, phase, cost = best_angle(
                    cell,
                    spacing,
                    step_deg=angle_step_deg,
                    min_len=min_len,
                    exhaustive=cell.area >= 0.05 * kept.area,
                )
                cost0, phase0 = _estimate(cell, angle0, spacing, 2.0 * spacing, min_len)
                if cost0 <= 1.02 * cost:
                    angle, phase = angle0, phase0
                if one_sided:
                    angle, segs = _one_sided_cell_lanes(
                        cell, spacing, angle, phase, min_len, inside, centre_off_m
                    )
                else:
                    segs = [
                        (band, piece, True)
                        for band, seg in _cell_lanes(cell, spacing, angle, phase, min_len)
                        for piece in _clip_segment(seg, inside, min_len)
                    ]
                cell_specs.append((cell, angle, segs))
        dropped_m2 += _drop_redundant(cell_specs, head_fp, target, centre_strip_km, spacing)
        if ring_openings == "aligned":
            ends = [xy[j] for _, _, segs in cell_specs for _, xy, _ in segs for j in (0, -1)]
            sources = _open_rings(sources, width_m / 2.0, ends)
        else:
            sources = [(_open_ring_at_straight(xy) if c else xy, c) for xy, c in sources]
        # ---- excursions: a small cell next to the headland is flown from it, out and back
        # from one point of the ring, rather than as a separate trip (which would pass the
        # ring's corridor a third time)
        anchors: dict[int, tuple[int, float]] = {}
        src_lines = [LineString(xy) for xy, _ in sources]
        shapely.prepare(eroded)
        for c_idx, (cell, _, segs) in enumerate(cell_specs):
            total = sum(float(np.hypot(*(xy[1] - xy[0]))) for _, xy, _ in segs)
            if not segs or total > ATTACH_MAX_SWATHS * width_m + ATTACH_EXTRA_M:
                continue
            if total > ATTACH_INSIDE_MAX_SWATHS * width_m and eroded.intersects(
                cell.representative_point()
            ):
                continue  # inside the ring and not a stub: an ordinary cell
            lanes_geom = shapely.MultiLineString([LineString(xy) for _, xy, _ in segs])
            best: tuple[float, int] | None = None
            for s_idx, sl in enumerate(src_lines):
                d = float(sl.distance(lanes_geom))
                if best is None or d < best[0]:
                    best = (d, s_idx)
            if best is None or best[0] > ATTACH_DISTANCE_SWATHS * width_m:
                continue
            sl = src_lines[best[1]]
            pos = float(sl.project(shapely.ops.nearest_points(sl, lanes_geom)[0]))
            anchors[c_idx] = (best[1], pos)
        # ---- headland lanes, cut where excursions leave
        anchor_piece: dict[int, tuple[int, int]] = {}
        for s_idx, (xy, closed) in enumerate(sources):
            g = len(groups)
            groups.append(
                Group(
                    g,
                    "headland",
                    r_idx,
                    None,
                    closed,
                    geodesy.split_antimeridian(LineString(_to_lonlat(xy, region))),
                )
            )
            cuts = {c: pos for c, (si, pos) in anchors.items() if si == s_idx}
            pieces, ends = _cut_line_at(
                xy, headland_piece_km * 1000.0, list(cuts.values()), backstep=ATTACH_BACKSTEP_M
            )
            for k, piece in enumerate(pieces):
                add_lane(piece, region, g, k, -1, "headland", not one_sided)
            for c, pos in cuts.items():
                k = int(np.argmin(np.abs(ends - pos)))
                anchor_piece[c] = (g, k)
        # ---- cell lanes
        for c_idx, (cell, angle, segs) in enumerate(cell_specs):
            g = len(groups)
            groups.append(
                Group(
                    g,
                    "cell",
                    r_idx,
                    angle,
                    True,
                    geodesy.split_antimeridian(
                        shapely.make_valid(
                            geodesy.from_local(cell, region.inv, reference_lon=region.ref_lon)
                        )
                    ),
                    anchor=anchor_piece.get(c_idx),
                )
            )
            for order, (band, piece, way) in enumerate(segs):
                add_lane(piece, region, g, order, band, "lane", way)
    result = LaneSet(
        lanes=tuple(lanes),
        groups=groups,
        area=area,
        area_km2=geodesy.area_km2(area),
        swath_km=hi - lo,
        spacing_km=spacing / 1000.0,
        overlap=overlap,
        headland_offset_km=off / 1000.0,
        cross_track_km=(lo, hi),
        dropped_km2=dropped_m2 / 1e6,
    )
    logger.info(
        "lanes: %d lanes in %d cells and %d headland rings, %.0f km (area/spacing %.0f km)",
        len(lanes),
        sum(g.kind == "cell" for g in groups),
        sum(g.kind == "headland" for g in groups),
        result.total_km,
        result.ideal_km,
    )
    return result


# --------------------------------------------------------------------------- routing


class Router(_paths.Router):
    """Shortest flight paths inside an allowed region: coverage's use of the one router.

    :class:`openskies._paths.Router` with coverage's margins: legs may come within
    :data:`CHECK_MARGIN_M` of the border (a lane may end closer to it than the routing
    margin), paths bend at corners ``margin_km`` inside it, simplified by
    ``simplify_km``.

    Parameters
    ----------
    allowed : shapely (multi)polygon
        Where the path may go, (lon, lat) degrees (e.g. the observed
        territory's treaty area near the work).
    centre : (float, float)
        Centre (lon, lat) of the AEQD projection used for the geometry tests.
    margin_km : float
        The region is shrunk by this much before routing (border data tolerance).
    simplify_km : float
        Simplification of the shrunk region (vertices of the graph).
    """

    def __init__(
        self,
        allowed: BaseGeometry,
        centre: tuple[float, float],
        *,
        margin_km: float = 1.0,
        simplify_km: float = 1.0,
    ) -> None:
        local, _ = geodesy.to_local(allowed, centre=centre)
        local = shapely.make_valid(local)
        region = shapely.make_valid(local.buffer(-margin_km * 1000.0, quad_segs=4))
        corners = region.buffer(-simplify_km * 1000.0, quad_segs=2).simplify(simplify_km * 1000.0)
        super().__init__(
            local.buffer(-CHECK_MARGIN_M, quad_segs=4), shapely.make_valid(corners), centre
        )


def lonlat_lines(geometry: BaseGeometry) -> list[LineString]:
    """The LineStrings of a (multi)line geometry."""
    if isinstance(geometry, MultiLineString):
        return list(geometry.geoms)
    return _lines(geometry)
