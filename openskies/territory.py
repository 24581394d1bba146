"""Observed territories: national territories, treaty groups and sub-regions.

A :class:`Territory` is what an Open Skies flight observes: one State Party
(``"POL"``), a group of States Parties under Art. III Sec. II para 3 of the
treaty (``"BLR+RUS"``), or a named sub-region that carries a distance
sub-limit (``"RUS-KGD"``, the Kaliningrad region). Borders are Natural Earth
10m admin-0 v5.1.1 (public domain); see ``geodata/README.md``.

Coordinates are (lon, lat) in degrees, WGS84 (EPSG:4326). Areas are geodesic
(WGS84 ellipsoid) in km².
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from . import _geodata, geodesy
from ._errors import UnknownCodeError, ValidationError

logger = logging.getLogger(__name__)

__all__ = ["Neighbour", "SubRegion", "Territory", "get", "is_party", "parties"]

#: Default year of the modelled treaty regime.
DEFAULT_YEAR = 2019


@dataclass(frozen=True)
class Neighbour:
    """A state adjacent (by land) to a territory.

    Attributes
    ----------
    code : str
        ISO3 (Natural Earth ADM0_A3) code.
    name : str
        Country name.
    party : bool
        Whether it was a State Party to the treaty in the modelled year; the
        10 km stand-off of Art. VI Sec. II para 2 applies to non-parties.
    """

    code: str
    name: str
    party: bool


@dataclass(frozen=True)
class SubRegion:
    """A named part of a territory with its own distance sub-limit (e.g. Kaliningrad)."""

    code: str
    name: str
    parent: str
    limit_km: float | None
    source: str
    geometry: BaseGeometry = field(repr=False, compare=False)


# --------------------------------------------------------------------------- treaty parties


def parties(year: int = DEFAULT_YEAR) -> dict[str, str]:
    """States Parties in ``year``: ISO3 code -> name (from ``geodata/treaty.yaml``)."""
    out: dict[str, str] = {}
    for p in _geodata.treaty().get("parties", []):
        # "party_by": a year by which the state is known to have been a party, used when the
        # year of entry into force was not found (conservative for earlier years).
        start = int(p.get("from") or p.get("party_by") or 0)
        until = p.get("until")
        # A state that withdrew during year Y was a party through year Y - 1.
        if start <= year and (until in (None, "") or year < int(until)):
            out[str(p["iso3"])] = str(p.get("name", p["iso3"]))
    return out


def is_party(code: str, year: int = DEFAULT_YEAR) -> bool:
    """Whether the state ``code`` (ISO3) was a State Party in ``year``."""
    return code in parties(year)


def _groups() -> dict[str, dict]:
    return {str(g["code"]): g for g in _geodata.treaty().get("groups", [])}


def _sub_region_specs() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for g in _groups().values():
        for s in g.get("sub_regions", []) or []:
            out[str(s["code"])] = {**s, "group": g["code"]}
    return out


def known_codes() -> list[str]:
    """Every territory code accepted by :func:`get`."""
    return sorted({*_geodata.countries().index, *_groups(), *_sub_region_specs()})


# --------------------------------------------------------------------------- territory


class Territory:
    """An observed territory: a State Party, a treaty group or a sub-region.

    Build one with :func:`openskies.data.territory`. Geometries are shapely
    (multi)polygons in (lon, lat) degrees, WGS84; Russia is split at the
    antimeridian into parts none of which spans the globe.

    Attributes
    ----------
    code : str
        ``"BLR"``, ``"BLR+RUS"``, ``"RUS-KGD"``...
    name : str
        Human-readable name.
    members : tuple of str
        ISO3 codes of the member states (one for a single state).
    year : int
        Year of the treaty regime used for party status of the neighbours.
    """

    def __init__(
        self,
        code: str,
        name: str,
        members: tuple[str, ...],
        geometry: BaseGeometry,
        treaty_geometry: BaseGeometry,
        *,
        year: int = DEFAULT_YEAR,
        parent: str | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.members = members
        self.year = year
        self.parent = parent
        self._geometry = geometry
        self._treaty_geometry = treaty_geometry

    def __repr__(self) -> str:
        return f"Territory({self.code!r}, name={self.name!r}, members={self.members})"

    # -- geometry ----------------------------------------------------------------------------
    @property
    def geometry(self) -> MultiPolygon:
        """Land area, (lon, lat) degrees WGS84, valid, split at the antimeridian."""
        return self._geometry

    @property
    def treaty_geometry(self) -> MultiPolygon:
        """Treaty area (Art. II para 8): land plus 12 nm territorial sea, (lon, lat) WGS84."""
        return self._treaty_geometry

    @cached_property
    def area_km2(self) -> float:
        """Geodesic land area on the WGS84 ellipsoid, km²."""
        return geodesy.area_km2(self.geometry)

    @cached_property
    def parts(self) -> list[BaseGeometry]:
        """The polygons of the land geometry, none spanning more than 180 degrees of longitude."""
        return geodesy.explode_polygons(self.geometry)

    @cached_property
    def member_geometries(self) -> dict[str, BaseGeometry]:
        """Land geometry of each member state (and of each sub-region), by code."""
        out = {}
        land = _geodata.countries("land")
        for m in self.members:
            out[m] = land.loc[m].geometry
        for code, sub in self.sub_regions.items():
            out[code] = sub.geometry
        return out

    # -- relations ---------------------------------------------------------------------------
    @cached_property
    def neighbours(self) -> list[Neighbour]:
        """States sharing a land border with the territory, with their party status."""
        land = _geodata.countries("land")
        own = shapely.union_all([land.loc[m].geometry for m in self.members])
        probe = own.buffer(0.01)  # ~1 km in degrees: adjacency test only, not a measure
        idx = land.sindex.query(probe, predicate="intersects")
        out = []
        for i in idx:
            row = land.iloc[int(i)]
            code = str(row["adm0_a3"])
            if code in self.members:
                continue
            out.append(Neighbour(code, str(row["name"]), is_party(code, self.year)))
        return sorted(out, key=lambda n: n.code)

    @cached_property
    def sub_regions(self) -> dict[str, SubRegion]:
        """Sub-regions with their own distance limits inside this territory (e.g. RUS-KGD)."""
        out = {}
        for code, spec in _sub_region_specs().items():
            if spec["parent"] in self.members and code != self.code:
                out[code] = _sub_region(code)
        return out

    # -- point checks ------------------------------------------------------------------------
    def contains(self, lon: ArrayLike, lat: ArrayLike, *, treaty_area: bool = True) -> np.ndarray:
        """Whether points (lon, lat degrees) lie in the territory (treaty area by default)."""
        geom = self.treaty_geometry if treaty_area else self.geometry
        return shapely.contains_xy(geom, np.asarray(lon, float), np.asarray(lat, float))

    def check_inside(
        self, lon: ArrayLike, lat: ArrayLike, *, what: str = "point", treaty_area: bool = True
    ) -> None:
        """Raise :class:`ValidationError` for points outside the territory.

        When a point is outside but the swapped pair (lat, lon) is inside, the
        message says the order is probably (lat, lon).
        """
        lon_a = np.atleast_1d(np.asarray(lon, float))
        lat_a = np.atleast_1d(np.asarray(lat, float))
        geodesy.check_lonlat(lon_a, lat_a, what=what)
        inside = self.contains(lon_a, lat_a, treaty_area=treaty_area)
        if inside.all():
            return
        i = int(np.flatnonzero(~inside)[0])
        x, y = float(lon_a[i]), float(lat_a[i])
        msg = f"{what} ({x}, {y}) as (lon, lat) lies outside territory {self.code}"
        if abs(x) <= 90 and bool(self.contains(y, x, treaty_area=treaty_area)):
            msg += f"; the swapped pair ({y}, {x}) is inside: the order is probably (lat, lon)"
        else:
            msg += "; give (lon, lat) degrees of a point inside it"
        raise ValidationError(msg)

    def standoff_zone(self, km: float, *, near: BaseGeometry | None = None) -> BaseGeometry:
        """Land within ``km`` of the land of every non-party neighbour, (lon, lat) degrees.

        Art. VI Sec. II para 2: the flight path may come no closer than 10 km to
        the border of an adjacent State that is not a State Party. The band is the
        neighbours' land buffered on the WGS84 ellipsoid (``geodesy.buffer_km``, in
        cells of about 5 degrees, each cached), restricted to the cells that can
        reach ``near`` (a geometry or None for all). Empty when every neighbour
        was a party in the territory's year.
        """
        bounds = near.bounds if near is not None else None
        zones = [
            z for n in self.neighbours if not n.party for z in standoff_cells(n.code, km, bounds)
        ]
        return shapely.union_all(zones) if zones else MultiPolygon()

    def distance_to_km(self, lon: float, lat: float) -> float:
        """Geodesic distance (km) from a point to the territory's land (0 inside)."""
        if bool(self.contains(lon, lat, treaty_area=False)):
            return 0.0
        return _nearest_boundary(self.geometry, lon, lat)[0]


def _nearest_boundary(geometry: BaseGeometry, lon: float, lat: float) -> tuple[float, Point]:
    """Geodesic distance (km) and nearest point on the boundary of ``geometry``.

    The nearest point is found in an azimuthal equidistant projection centred
    on the query point, where distances from the centre are true geodesic
    distances; the returned distance is then recomputed on the WGS84 ellipsoid.
    """
    # In an azimuthal equidistant projection centred on the point, the distance of every
    # projected point from the origin is its exact geodesic distance from the centre.
    projected, inv = geodesy.to_local(geometry.boundary, centre=(lon, lat))
    near = nearest_points(projected, Point(0.0, 0.0))[0]
    nx, ny = inv.transform(near.x, near.y)
    return float(geodesy.distance_km(lon, lat, nx, ny)), Point(nx, ny)


def deg_margin(km: float, lat: float) -> tuple[float, float]:
    """Conservative (dlon, dlat) degrees covering ``km`` of ground distance at ``lat``.

    For bounding-box prefilters only, never for a measured distance.
    """
    dlat = km / 110.0
    c = math.cos(math.radians(min(abs(lat), 89.0)))
    return min(360.0, km / (111.0 * c)), dlat


@cache
def _land_cells(code: str) -> tuple[BaseGeometry, ...]:
    """A country's land cut into cells of about 5 degrees (see geodesy.split_cells)."""
    return tuple(geodesy.split_cells(_geodata.countries("land").loc[code].geometry))


@lru_cache(maxsize=2048)
def _standoff_cell(code: str, km: float, index: int) -> BaseGeometry:
    """One cell of a country's land buffered by ``km`` on the WGS84 ellipsoid; cached."""
    zone = geodesy.buffer_km(_land_cells(code)[index], km)
    shapely.prepare(zone)
    return zone


def standoff_cells(
    code: str, km: float, bounds: tuple[float, float, float, float] | None = None
) -> list[BaseGeometry]:
    """Cells of country ``code``'s land buffered by ``km`` that can reach ``bounds``.

    Parameters
    ----------
    code : str
        ISO3 code of the (non-party) neighbour.
    km : float
        Buffer distance in km (stand-off plus any tolerance).
    bounds : tuple, optional
        (min lon, min lat, max lon, max lat) of the area of interest; None for all.

    Returns
    -------
    list of shapely geometry
        (lon, lat) degrees; prepared; cached per (code, km, cell).
    """
    out = []
    for i, cell in enumerate(_land_cells(code)):
        if bounds is not None:
            xmin, ymin, xmax, ymax = bounds
            cx0, cy0, cx1, cy1 = cell.bounds
            dlon, dlat = deg_margin(km + 1.0, max(abs(cy0), abs(cy1)))
            if cx0 - dlon > xmax or cx1 + dlon < xmin or cy0 - dlat > ymax or cy1 + dlat < ymin:
                continue
        out.append(_standoff_cell(code, float(km), i))
    return out


@cache
def _sub_region(code: str) -> SubRegion:
    spec = _sub_region_specs()[code]
    land = _geodata.countries("land").loc[spec["parent"]].geometry
    window = shapely.box(*spec["bbox"])
    parts = [p for p in geodesy.explode_polygons(land) if window.contains(p.representative_point())]
    geom = MultiPolygon(parts)
    return SubRegion(
        code=code,
        name=str(spec.get("name", code)),
        parent=str(spec["parent"]),
        limit_km=float(spec["limit_km"]) if spec.get("limit_km") not in (None, "") else None,
        source=str(spec.get("source", "")),
        geometry=geom,
    )


def _unknown(code: object) -> UnknownCodeError:
    known = known_codes()
    msg = (
        f"unknown territory code {code!r}: give an ISO3 country code (e.g. 'BLR', 'POL', "
        f"'RUS'), a treaty group ('BLR+RUS') or a sub-region ('RUS-KGD'); "
        f"{len(known)} codes are bundled: {', '.join(known)}"
    )
    return UnknownCodeError(msg)


@cache
def get(code: str, *, year: int = DEFAULT_YEAR) -> Territory:
    """Load a territory by code (see :func:`openskies.data.territory`)."""
    if not isinstance(code, str):
        raise _unknown(code)
    key = code.strip().upper()
    land = _geodata.countries("land")
    treaty = _geodata.countries("treaty_area")
    groups = _groups()
    subs = _sub_region_specs()
    if key in groups:
        g = groups[key]
        members = tuple(str(m) for m in g["members"])
        geom = shapely.union_all([land.loc[m].geometry for m in members])
        tgeom = shapely.union_all([treaty.loc[m].geometry for m in members])
        name = str(g.get("name", key))
        t = Territory(key, name, members, _mp(geom), _mp(tgeom), year=year)
    elif key in subs:
        sub = _sub_region(key)
        tgeom = treaty.loc[sub.parent].geometry.intersection(
            geodesy.buffer_km(sub.geometry, 12 * 1.852 + 1.0)
        )
        t = Territory(
            key,
            sub.name,
            (sub.parent,),
            _mp(sub.geometry),
            _mp(tgeom),
            year=year,
            parent=sub.parent,
        )
    elif key in land.index:
        row = land.loc[key]
        t = Territory(
            key,
            str(row["name"]),
            (key,),
            _mp(row.geometry),
            _mp(treaty.loc[key].geometry),
            year=year,
        )
    else:
        raise _unknown(code)
    logger.info("territory %s: %.0f km² land, %d parts", t.code, t.area_km2, len(t.parts))
    return t


def _mp(geometry: BaseGeometry) -> MultiPolygon:
    geometry = shapely.make_valid(geometry)
    return geodesy.as_multipolygon(geometry)
