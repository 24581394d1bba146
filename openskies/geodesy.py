"""Exact geodesy on the WGS84 ellipsoid, and local projections for geometry work.

Every distance that counts against a treaty quota and every area in a report is
computed here, on the WGS84 ellipsoid with :class:`pyproj.Geod` (Karney's
algorithms, accurate to nanometres): never a spherical formula, never a planar
length in one projection.

Geometry work that needs a plane (buffers, swaths, lanes) happens in a
projection local to the region: an azimuthal equidistant (AEQD) projection
centred on the piece being processed. Large inputs (Russia spans 170 degrees of
longitude) are first cut into cells a few hundred kilometres across, each
processed in its own AEQD projection, because buffering distributes over union:
``buffer(A | B) == buffer(A) | buffer(B)``.

Coordinates are (lon, lat) in degrees, WGS84 (EPSG:4326), everywhere.
Longitudes may be "unwrapped" (beyond +/-180) inside computations; public
functions return geometries with longitudes in [-180, 180], split at the
antimeridian where they cross it.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from ._errors import ValidationError

logger = logging.getLogger(__name__)

#: The WGS84 ellipsoid used for every quota distance and report area.
GEOD = Geod(ellps="WGS84")

#: Cell size (degrees of latitude) used to cut large geometries before local
#: projection. A 5 degree cell is about 550 km: the AEQD scale error at its corners
#: is below 0.1 %.
CELL_DEG = 5.0
#: Grid (m) of the overlay that cuts a one-sided strip's near band out of its far band
#: (:func:`strip_local`).
STRIP_GRID_M = 1e-3

__all__ = [
    "GEOD",
    "aeqd",
    "area_km2",
    "azimuth_deg",
    "buffer_km",
    "centre_of",
    "densify",
    "destination",
    "distance_km",
    "local_crs",
    "normalize_lon",
    "path_length_km",
    "split_antimeridian",
    "strip_local",
    "to_local",
    "unwrap_lon",
]


# --------------------------------------------------------------------------- points


def _as_float_array(name: str, value: ArrayLike) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        msg = f"{name}={value!r} is not numeric: give degrees as numbers (lon, lat order)"
        raise ValidationError(msg) from exc
    if not np.all(np.isfinite(arr)):
        msg = f"{name} contains NaN or infinite values ({value!r}): give finite degrees"
        raise ValidationError(msg)
    return arr


def check_lonlat(lon: ArrayLike, lat: ArrayLike, *, what: str = "coordinate") -> None:
    """Raise :class:`ValidationError` for NaN, |lat| > 90 or |lon| > 540 degrees.

    Parameters
    ----------
    lon, lat : array-like
        Longitudes and latitudes in degrees (WGS84, EPSG:4326).
    what : str
        Name used in the error message (e.g. ``"waypoint 3"``).
    """
    lon_a = _as_float_array(f"{what} longitude", lon)
    lat_a = _as_float_array(f"{what} latitude", lat)
    bad = np.abs(lat_a) > 90.0
    if np.any(bad):
        idx = int(np.flatnonzero(np.atleast_1d(bad))[0])
        lat_v = float(np.atleast_1d(lat_a)[idx])
        lon_v = float(np.atleast_1d(lon_a)[idx])
        hint = ""
        if abs(lon_v) <= 90.0:
            hint = (
                f"; the pair looks swapped: openskies takes (lon, lat), so try ({lat_v}, {lon_v})"
            )
        msg = f"{what} latitude {lat_v} is outside [-90, 90]{hint}"
        raise ValidationError(msg)
    if np.any(np.abs(lon_a) > 540.0):
        msg = f"{what} longitude {lon!r} is outside [-180, 180] (or its unwrapped range)"
        raise ValidationError(msg)


def distance_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> float | NDArray[np.float64]:
    """Geodesic distance on the WGS84 ellipsoid, vectorised.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : float or array-like
        Degrees, WGS84 (EPSG:4326), (lon, lat) order. Arrays broadcast.

    Returns
    -------
    float or numpy.ndarray
        Distance in kilometres (a float for scalar input).
    """
    check_lonlat(lon1, lat1, what="first point")
    check_lonlat(lon2, lat2, what="second point")
    a = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    _, _, dist_m = GEOD.inv(a[0].ravel(), a[1].ravel(), a[2].ravel(), a[3].ravel())
    out = np.asarray(dist_m, dtype=float).reshape(a[0].shape) / 1000.0
    if out.ndim == 0:
        return float(out)
    return out


def distance_matrix_km(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """Square matrix of geodesic distances (km) between points given as (lon, lat) degrees."""
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    check_lonlat(lon_a, lat_a)
    n = lon_a.size
    i, j = np.triu_indices(n, k=1)
    d = np.zeros((n, n))
    if i.size:
        _, _, dist_m = GEOD.inv(lon_a[i], lat_a[i], lon_a[j], lat_a[j])
        d[i, j] = np.asarray(dist_m) / 1000.0
        d[j, i] = d[i, j]
    return d


def azimuth_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Forward azimuth (degrees clockwise from north) of the geodesic from point 1 to 2."""
    az, _, _ = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(az)


def destination(lon: float, lat: float, azimuth: float, dist_km: float) -> tuple[float, float]:
    """Point reached from (lon, lat) along the geodesic with ``azimuth`` (deg) after ``dist_km``."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, dist_km * 1000.0)
    return float(lon2), float(lat2)


# --------------------------------------------------------------------------- lines


def _line_coords(line: BaseGeometry | Sequence[Sequence[float]]) -> list[NDArray[np.float64]]:
    if isinstance(line, BaseGeometry):
        if isinstance(line, LineString):
            return [np.asarray(line.coords)[:, :2]]
        if isinstance(line, MultiLineString):
            return [np.asarray(g.coords)[:, :2] for g in line.geoms]
        msg = f"expected a LineString or MultiLineString, got {line.geom_type}"
        raise ValidationError(msg)
    arr = np.asarray(line, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        msg = f"expected a sequence of (lon, lat) pairs, got an array of shape {arr.shape}"
        raise ValidationError(msg)
    return [arr[:, :2]]


def path_length_km(line: BaseGeometry | Sequence[Sequence[float]]) -> float:
    """Geodesic length (km) of a polyline whose vertices are joined by geodesics.

    Parameters
    ----------
    line : shapely LineString / MultiLineString or sequence of (lon, lat)
        Vertices in degrees, WGS84. Each segment is the WGS84 geodesic between
        its ends (not the straight line in lon/lat).

    Returns
    -------
    float
        Length in kilometres.
    """
    total_m = 0.0
    for xy in _line_coords(line):
        check_lonlat(xy[:, 0], xy[:, 1], what="line vertex")
        if len(xy) < 2:
            continue
        _, _, d = GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        total_m += float(np.sum(d))
    return total_m / 1000.0


def densify_coords(coords: NDArray[np.float64], max_segment_km: float) -> NDArray[np.float64]:
    """Insert points along each geodesic segment so that none exceeds ``max_segment_km``.

    Returned longitudes are unwrapped (continuous, possibly beyond +/-180) so the
    result can be drawn or projected without a jump at the antimeridian.
    """
    if max_segment_km <= 0 or not math.isfinite(max_segment_km):
        msg = f"max_segment_km={max_segment_km!r} must be a positive number of kilometres"
        raise ValidationError(msg)
    coords = np.asarray(coords, dtype=float)[:, :2]
    out = [coords[0:1]]
    for (x1, y1), (x2, y2) in itertools.pairwise(coords):
        _, _, d = GEOD.inv(x1, y1, x2, y2)
        n_seg = math.ceil(d / 1000.0 / max_segment_km)
        if n_seg > 1:
            r = GEOD.inv_intermediate(
                x1,
                y1,
                x2,
                y2,
                npts=n_seg + 1,
                initial_idx=0,
                terminus_idx=0,
                return_back_azimuth=True,
            )
            out.append(np.column_stack([r.lons, r.lats])[1:-1])
        out.append(np.array([[x2, y2]]))
    res = np.vstack(out)
    res[:, 0] = unwrap_lon(res[:, 0])
    return res


def densify(line: LineString | Sequence[Sequence[float]], max_segment_km: float) -> LineString:
    """Densify a polyline along WGS84 geodesics.

    Parameters
    ----------
    line : LineString or sequence of (lon, lat)
        Degrees, WGS84.
    max_segment_km : float
        Longest allowed segment after densification, in km.

    Returns
    -------
    shapely.LineString
        With longitudes unwrapped (continuous across the antimeridian); pass it
        through :func:`split_antimeridian` for display.
    """
    (xy,) = _line_coords(line)[:1]
    check_lonlat(xy[:, 0], xy[:, 1], what="line vertex")
    return LineString(densify_coords(xy, max_segment_km))


def unwrap_lon(lon: ArrayLike, *, reference: float | None = None) -> NDArray[np.float64]:
    """Make a sequence of longitudes continuous (no jump larger than 180 degrees).

    With ``reference`` each value is instead moved to within 180 degrees of it.
    """
    a = np.asarray(lon, dtype=float)
    if reference is not None:
        return reference + (a - reference + 180.0) % 360.0 - 180.0
    if a.size < 2:
        return a.copy()
    return np.rad2deg(np.unwrap(np.deg2rad(a)))


def normalize_lon(lon: ArrayLike) -> NDArray[np.float64]:
    """Wrap longitudes into [-180, 180)."""
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


# --------------------------------------------------------------------------- areas


def _ring_area_m2(coords: NDArray[np.float64]) -> float:
    x = unwrap_lon(coords[:, 0])
    area, _ = GEOD.polygon_area_perimeter(x, coords[:, 1])
    return abs(float(area))


def _polygon_area_m2(poly: Polygon) -> float:
    a = _ring_area_m2(np.asarray(poly.exterior.coords))
    for ring in poly.interiors:
        a -= _ring_area_m2(np.asarray(ring.coords))
    return a


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if hasattr(geometry, "geoms"):
        out: list[Polygon] = []
        for g in geometry.geoms:
            out.extend(_polygons(g))
        return out
    return []


def area_km2(geometry: BaseGeometry) -> float:
    """Geodesic area of a (multi)polygon on the WGS84 ellipsoid, in km².

    Orientation-safe (each ring's absolute area; holes subtracted). Rings are
    taken in (lon, lat) degrees with geodesic edges; a ring that crosses the
    antimeridian is unwrapped first. Points and lines have zero area.
    """
    return sum(_polygon_area_m2(p) for p in _polygons(geometry)) / 1e6


# --------------------------------------------------------------------------- projections


@lru_cache(maxsize=4096)
def aeqd(lon0: float, lat0: float) -> tuple[Transformer, Transformer, CRS]:
    """Azimuthal equidistant projection centred on (lon0, lat0) degrees, cached.

    Returns the forward (EPSG:4326 -> metres) and inverse transformers (both
    ``always_xy``) and the CRS. Distances from the centre are exact WGS84
    geodesic distances. Round the centre (e.g. to 4 decimals) to share the cache.
    """
    crs = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
    )
    # the operation Transformer.from_crs("EPSG:4326", crs, always_xy=True) resolves to, given
    # directly: the same numbers, without a search of the PROJ database (about 0.1 s a centre)
    aeqd_ = f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +ellps=WGS84"
    fwd = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {aeqd_}"
    )
    inv = Transformer.from_pipeline(
        f"+proj=pipeline +step +inv {aeqd_} +step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    return fwd, inv, crs


def centre_of(geometry: BaseGeometry) -> tuple[float, float]:
    """Centre (lon, lat) degrees of a geometry's bounds, robust to the antimeridian.

    Longitudes are read in whichever frame (as is, or shifted by 360) gives the
    narrower span, so a piece across 180 degrees gets its centre near 180, not 0.
    Rounded to 4 decimals (about 10 m) so projections can be cached.
    """
    coords = shapely.get_coordinates(geometry)
    x = coords[:, 0]
    # Choose the frame (as is or shifted by 360) with the narrower longitude span.
    x2 = np.where(x < 0, x + 360.0, x)
    if np.ptp(x2) < np.ptp(x):
        x = x2
    lon0 = float(normalize_lon((x.min() + x.max()) / 2.0))
    lat0 = float((coords[:, 1].min() + coords[:, 1].max()) / 2.0)
    return round(lon0, 4), round(lat0, 4)


def local_crs(geometry: BaseGeometry, *, max_extent_km: float = 3000.0) -> CRS:
    """Azimuthal equidistant CRS centred on ``geometry``, for planar geometry work.

    Distances from the centre are exact; the scale error across the projection
    grows as (c / sin c) - 1 with the angular distance c from the centre: about
    0.1 % at 500 km, 0.5 % at 1,100 km. For geometries larger than
    ``max_extent_km`` (e.g. Russia) this raises: cut them with
    :func:`split_cells` and project each cell, as :func:`buffer_km` does.

    Parameters
    ----------
    geometry : shapely geometry
        In (lon, lat) degrees, WGS84.
    max_extent_km : float
        Largest allowed distance from the centre to any vertex, in km.

    Returns
    -------
    pyproj.CRS
    """
    lon0, lat0 = centre_of(geometry)
    coords = shapely.get_coordinates(geometry)
    d = distance_km(np.full(len(coords), lon0), np.full(len(coords), lat0), *coords.T)
    reach = float(np.max(d)) if len(coords) else 0.0
    if reach > max_extent_km:
        msg = (
            f"geometry reaches {reach:.0f} km from its centre ({lon0}, {lat0}), more than "
            f"max_extent_km={max_extent_km:.0f}: one projection would distort it; cut it into "
            f"cells with openskies.geodesy.split_cells() and project each"
        )
        raise ValidationError(msg)
    return aeqd(lon0, lat0)[2]


def to_local(
    geometry: BaseGeometry, *, centre: tuple[float, float] | None = None
) -> tuple[BaseGeometry, Transformer]:
    """Project a (lon, lat) geometry into the AEQD projection centred on it (or ``centre``).

    Returns the projected geometry (metres) and the inverse transformer to bring
    results back to (lon, lat). Longitudes are interpreted relative to the
    centre, so pieces near the antimeridian project without a jump.
    """
    lon0, lat0 = centre if centre is not None else centre_of(geometry)
    fwd, inv, _ = aeqd(round(lon0, 4), round(lat0, 4))
    projected = shapely.transform(geometry, lambda xy: np.column_stack(fwd.transform(*xy.T)))
    return projected, inv


def from_local(
    geometry: BaseGeometry, inv: Transformer, *, reference_lon: float, max_segment_m: float = 5000.0
) -> BaseGeometry:
    """Bring a projected geometry back to (lon, lat), densified, with unwrapped longitudes.

    Longitudes are made continuous around ``reference_lon`` (they may exceed
    +/-180); use :func:`split_antimeridian` to normalise them.
    """
    dense = shapely.segmentize(geometry, max_segment_m)

    def _back(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([unwrap_lon(lon, reference=reference_lon), lat])

    return shapely.transform(dense, _back)


def split_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """Cut a geometry with unwrapped longitudes at +/-180 and shift the pieces into range.

    Parameters
    ----------
    geometry : shapely geometry
        (lon, lat) degrees; longitudes may lie anywhere in [-540, 540].

    Returns
    -------
    shapely geometry
        The same area or line with every longitude in [-180, 180]; pieces that
        crossed the antimeridian become separate parts, none spanning the globe.
        The parts of a (Multi)LineString keep its direction and follow it in
        order (a westbound line lists its part east of 180 deg first).
    """
    if geometry.is_empty:
        return geometry
    xmin, _, xmax, _ = geometry.bounds
    if xmin >= -180.0 and xmax <= 180.0:
        return geometry
    if isinstance(geometry, LineString | MultiLineString):
        lines = [p for line in getattr(geometry, "geoms", [geometry]) for p in _cut_line(line)]
        return lines[0] if len(lines) == 1 else MultiLineString(lines)
    parts = []
    for k in range(-1, 2):
        window = box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0)
        if not window.intersects(geometry):
            continue
        piece = geometry.intersection(window)
        if piece.is_empty:
            continue
        parts.append(shapely.transform(piece, lambda xy, k=k: xy - np.array([360.0 * k, 0.0])))
    return shapely.union_all(parts) if geometry.geom_type.endswith("Polygon") else _merge(parts)


def _cut_line(line: LineString) -> list[LineString]:
    """Cut a line with unwrapped longitudes at every meridian 180 + 360 k, in order.

    Crossing points are interpolated linearly in (lon, lat), as a planar
    intersection with the windows would; each piece is shifted by whole turns
    into [-180, 180]. Pieces keep the line's direction; degenerate ones (a
    vertex touching a cut) are dropped.
    """
    xy = shapely.get_coordinates(line)
    pieces: list[list[tuple[float, float]]] = [[(float(xy[0, 0]), float(xy[0, 1]))]]
    for (x0, y0), (x1, y1) in itertools.pairwise(xy.tolist()):
        lo, hi = sorted((x0, x1))
        m_lo, m_hi = math.ceil((lo - 180.0) / 360.0), math.floor((hi - 180.0) / 360.0)
        cuts = [180.0 + 360.0 * m for m in range(m_lo, m_hi + 1)]
        for b in cuts if x1 >= x0 else cuts[::-1]:
            if x1 == x0:
                break
            t = (b - x0) / (x1 - x0)
            point = (b, y0 + t * (y1 - y0))
            if point != pieces[-1][-1]:
                pieces[-1].append(point)
            pieces.append([point])
        if (x1, y1) != pieces[-1][-1]:
            pieces[-1].append((x1, y1))
    out = []
    for pts in pieces:
        if len(pts) < 2:
            continue
        mid = (pts[0][0] + pts[1][0]) / 2.0
        shift = 360.0 * math.floor((mid + 180.0) / 360.0)
        out.append(LineString([(x - shift, y) for x, y in pts]))
    return out


def _merge(parts: list[BaseGeometry]) -> BaseGeometry:
    lines: list[LineString] = []
    for p in parts:
        lines.extend(g for g in getattr(p, "geoms", [p]) if isinstance(g, LineString))
    if len(lines) == 1:
        return lines[0]
    return MultiLineString(lines) if lines else shapely.union_all(parts)


def split_cells(geometry: BaseGeometry, *, cell_deg: float = CELL_DEG) -> list[BaseGeometry]:
    """Cut a (lon, lat) geometry into pieces no larger than about ``cell_deg`` degrees of latitude.

    Cells are ``cell_deg`` high and, at latitude phi, about ``cell_deg / cos(phi)``
    wide (so roughly square on the ground), capped at 60 degrees near the poles.
    Empty pieces are dropped. The union of the pieces is the input.
    """
    xmin, ymin, xmax, ymax = geometry.bounds
    pieces: list[BaseGeometry] = []
    lat = math.floor(ymin / cell_deg) * cell_deg
    shapely.prepare(geometry)
    dim = int(shapely.get_dimensions(geometry))
    while lat <= ymax:
        mid = min(abs(lat), abs(lat + cell_deg))
        width = min(60.0, cell_deg / max(math.cos(math.radians(mid)), 1e-6))
        width = 360.0 / math.ceil(360.0 / width)
        lon = math.floor(xmin / width) * width
        while lon <= xmax:
            cell = box(lon, lat, lon + width, lat + cell_deg)
            if geometry.intersects(cell):
                piece = geometry.intersection(cell)
                if not piece.is_empty and int(shapely.get_dimensions(piece)) == dim:
                    pieces.append(piece)
            lon += width
        lat += cell_deg
    return pieces


def buffer_km(
    geometry: BaseGeometry, km: float, *, cell_deg: float = CELL_DEG, quad_segs: int = 16
) -> BaseGeometry:
    """Buffer a (lon, lat) geometry by a ground distance, in local projections.

    The geometry is cut into cells (see :func:`split_cells`); each cell is
    buffered in an azimuthal equidistant projection centred on it and brought
    back to (lon, lat); the pieces are unioned. Because buffering distributes
    over union this equals the buffer of the whole, up to the projection scale
    error, below 0.5 % of ``km`` for cells of 5 degrees and buffers up to a few
    hundred kilometres, at any latitude and across the antimeridian.

    Parameters
    ----------
    geometry : shapely geometry
        (lon, lat) degrees, WGS84.
    km : float
        Buffer distance in kilometres; negative values erode polygons.
    cell_deg : float
        Cell size in degrees of latitude.
    quad_segs : int
        Segments per quarter circle of the buffer's rounded corners.

    Returns
    -------
    shapely geometry
        (lon, lat) degrees in [-180, 180], split at the antimeridian.
    """
    if not math.isfinite(km):
        msg = f"buffer distance km={km!r} must be a finite number of kilometres"
        raise ValidationError(msg)
    if geometry.is_empty:
        return geometry
    if km < 0:
        return _erode_km(geometry, -km, cell_deg=cell_deg, quad_segs=quad_segs)
    out = []
    for piece in split_cells(geometry, cell_deg=cell_deg):
        lon0, lat0 = centre_of(piece)
        centre = (lon0, lat0)
        ref = float(np.mean(shapely.get_coordinates(piece)[:, 0]))
        projected, inv = to_local(piece, centre=centre)
        buffered = projected.buffer(km * 1000.0, quad_segs=quad_segs)
        back = from_local(buffered, inv, reference_lon=ref)
        out.append(split_antimeridian(shapely.make_valid(back)))
    result = shapely.union_all(out)
    logger.debug("buffer_km: %d cells, %.1f km", len(out), km)
    return result


def _erode_km(
    geometry: BaseGeometry, km: float, *, cell_deg: float, quad_segs: int
) -> BaseGeometry:
    # erode(A) = A minus buffer(boundary of A); the boundary is a line, cut into cells like A.
    if not geometry.geom_type.endswith("Polygon"):
        return Polygon()
    band = buffer_km(geometry.boundary, km, cell_deg=cell_deg, quad_segs=quad_segs)
    return geometry.difference(band)


def strip_local(
    line: LineString, cross_track_m: tuple[float, float], *, ring: bool = True
) -> BaseGeometry:
    """The planar strip beside a projected line between two signed offsets.

    Parameters
    ----------
    line : LineString
        The track in a local projection (metres), in the direction of travel.
    cross_track_m : (float, float)
        Signed offsets ``lo < hi`` of the strip's edges, metres, positive to the
        right of the direction of travel.
    ring : bool
        What a closed line (last point on the first) is: a ring flown round, whose
        closing vertex is a turn like any other (round join; default, e.g. a headland
        pass), or a run that happens to end where it began, flat at both ends (False:
        a sensor run of a flight plan, e.g. out and back with the sensor on).

    Returns
    -------
    shapely geometry
        A strip centred on the line (``lo == -hi``) is its buffer with flat ends
        and round joins. Any other strip is the single-sided buffer to ``hi``
        less the one to ``lo`` (for ``lo < 0 < hi``: the union of the two sides),
        flat at the ends, round on the outside of the bends.

    Notes
    -----
    A single-sided buffer of a closed line is unreliable in GEOS (it may return
    the ring's interior), so a closed line is re-started in the middle of its
    longest segment and each side is buffered as the union of two open halves
    sharing one segment (every vertex keeps its join). The near
    band is cut out on a 1 mm grid (:data:`STRIP_GRID_M`): a plain difference
    leaves zero-width spikes along the flat ends that GEOS keeps as valid and
    its densifier (``shapely.segmentize``) then turns into an empty polygon.
    """
    lo, hi = cross_track_m
    xy = np.asarray(line.coords)
    closed = len(xy) > 2 and bool(np.allclose(xy[0], xy[-1], rtol=0.0, atol=1.0))
    parts = [line]
    if closed and not ring:
        # GEOS buffers a closed line as a ring (a round join where it closes): two open
        # halves sharing one segment keep every interior join and both flat ends
        if len(xy) == 3:  # out and back: a midpoint on each leg gives the halves a segment
            xy = np.vstack([xy[0], (xy[0] + xy[1]) / 2, xy[1], (xy[1] + xy[2]) / 2, xy[2]])
        k = len(xy) // 2
        parts = [LineString(xy[: k + 1]), LineString(xy[k - 1 :])]
    if lo < 0.0 < hi and abs(lo + hi) < 1e-6 * (hi - lo):
        strips = [p.buffer(hi, cap_style="flat", join_style="round", quad_segs=8) for p in parts]
        return strips[0] if len(strips) == 1 else shapely.union_all(strips)
    if closed and ring and len(xy) > 3:
        # re-start the ring in the middle of its longest segment (the flat ends meet on a
        # straight), then buffer two open halves sharing one segment
        seg = np.hypot(*np.diff(xy, axis=0).T)
        j = int(np.argmax(seg))
        mid = (xy[j] + xy[j + 1]) / 2.0
        loop = np.vstack([mid, xy[j + 1 : -1], xy[: j + 1], mid])
        k = len(loop) // 2
        parts = [LineString(loop[: k + 1]), LineString(loop[k - 1 :])]

    # shapely's single-sided buffer puts positive distances on the left
    def side(d: float) -> BaseGeometry:
        if d == 0.0:
            return Polygon()
        sides = [p.buffer(-d, single_sided=True, join_style="round", quad_segs=8) for p in parts]
        return sides[0] if len(sides) == 1 else shapely.union_all(sides)

    if lo >= 0.0:
        return side(hi).difference(side(lo), grid_size=STRIP_GRID_M) if lo > 0 else side(hi)
    if hi <= 0.0:
        return side(lo).difference(side(hi), grid_size=STRIP_GRID_M) if hi < 0 else side(lo)
    return side(lo).union(side(hi))


def explode_polygons(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of a (multi)polygon or collection, as a list."""
    return _polygons(geometry)


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """Return the polygonal part of ``geometry`` as a MultiPolygon."""
    return MultiPolygon(_polygons(geometry))
