"""Flight plans of Open Skies observation flights and their treaty legality check.

A :class:`FlightPlan` is an ordered sequence of waypoints flown along WGS84
geodesics ("a direct route between the co-ordinates ... in the declared
sequence", Art. VI Sec. II para 4(F)), from the Open Skies airfield (OSA) where
the flight commences to the one where it ends, with per-leg flags (sensors on,
transit, calibration), declared refuelling and rest stops and an aircraft.
:meth:`FlightPlan.validate` checks it against the treaty rules listed in
:data:`RULES` and returns the :class:`Violation` list (empty: legal).

Every geometric rule is checked along the legs densified along the geodesic
(points every :data:`DENSIFY_KM` km), never along straight lines in lon/lat: a
590 km leg along 53 deg N bulges about 9 km poleward of the straight lon/lat
line. Distances that count against a limit are WGS84 geodesic
(:data:`openskies.geodesy.GEOD`).

Coordinates are (lon, lat) degrees, WGS84 (EPSG:4326). Distances km, times h.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry

from . import _geodata, _segments, _validate, geodesy
from . import aircraft as _aircraft
from . import territory as _territory
from ._errors import ValidationError
from .airfields import Airfield, Regime, as_regime

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from .aircraft import Aircraft
    from .legality import RULES, Violation
    from .territory import Territory

logger = logging.getLogger(__name__)

__all__ = [
    "CIRCLING_RADIUS_KM",
    "DENSIFY_KM",
    "RULES",
    "SAME_POINT_TOLERANCE_KM",
    "TERMINAL_RADIUS_KM",
    "FlightPlan",
    "Stop",
    "Violation",
    "Waypoint",
    "read",
]

#: Spacing (km) of the points inserted along each geodesic leg for geometric checks and
#: for the leg geometries. At 5 km the straight lon/lat chord between two inserted points
#: departs from the geodesic by a few metres at most (below 10 m up to 80 deg latitude).
DENSIFY_KM = 5.0

#: A waypoint farther than this (km) from the nearest airfield cannot be taken as the
#: start or end airfield when none is given.
AIRFIELD_SNAP_KM = 10.0

#: When a start (end) airfield is given and the first (last) waypoint is farther than
#: this (km), the airfield position is prepended (appended) as a waypoint. Also the
#: distance within which rule 1 accepts the first/last waypoint as being at the airfield.
AIRFIELD_MATCH_KM = 5.0

#: Rule 6 (Art. VI Sec. II para 4(G)) tolerance: two passes closer than this (km) are
#: taken to go through "the same point". Assumption: about the navigation accuracy
#: of a declared route, far below the 10 km spacing of typical observation lines.
SAME_POINT_TOLERANCE_KM = 1.0

#: Rule 6 circling: a cumulative heading change of 360 deg or more made at waypoints that
#: all lie within this radius (km) of their centre is "circling around a single point".
#: Assumption: a 10 km radius covers a standard-rate orbit (2 min per 360 deg) of an
#: aircraft at up to ~900 km/h (radius ~5 km) with a margin.
CIRCLING_RADIUS_KM = 10.0

#: Rule 6 exemption of take-off and landing: the part of the first leg within this radius
#: (km) of the start airfield and of the last leg within it of the end airfield is not
#: checked for self-intersection or circling. Assumption (departure and approach area).
TERMINAL_RADIUS_KM = 20.0


_STOP_KINDS = ("refuel", "rest")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Waypoint:
    """A declared point of the route.

    Attributes
    ----------
    lon, lat : float
        Degrees, WGS84 (EPSG:4326); a longitude outside [-180, 180) (181.5 for a
        point east of the antimeridian given in unwrapped form) is normalised.
    name : str
        Optional label (airfields carry their ICAO code).
    altitude_m : float or None
        Planned altitude in metres, if declared.
    """

    lon: float
    lat: float
    name: str = ""
    altitude_m: float | None = None

    def __post_init__(self) -> None:
        what = f"waypoint {self.name!r}" if self.name else "waypoint"
        fast = type(self.lon) is float and type(self.lat) is float  # exact floats only
        if not (fast and abs(self.lat) <= 90.0 and abs(self.lon) <= 540.0):  # NaN fails too
            geodesy.check_lonlat(self.lon, self.lat, what=what)
        lon = float(self.lon)
        if not -180.0 <= lon < 180.0:  # unwrapped input (181.5 east of the antimeridian)
            lon = float(geodesy.normalize_lon(lon))
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", float(self.lat))
        object.__setattr__(self, "name", "" if self.name is None else str(self.name))
        if self.altitude_m is not None:
            alt = _validate.finite(self.altitude_m, f"{what} altitude_m")
            object.__setattr__(self, "altitude_m", alt)


@dataclass(frozen=True)
class Stop:
    """A declared refuelling stop or rest period (Art. VI Sec. II para 3).

    Attributes
    ----------
    waypoint : int
        Index of the waypoint (an airfield) where the stop is made.
    kind : str
        ``"refuel"`` or ``"rest"``.
    duration_h : float
        Time on the ground, hours.
    """

    waypoint: int
    kind: str
    duration_h: float

    def __post_init__(self) -> None:
        if self.kind not in _STOP_KINDS:
            msg = f"stop kind {self.kind!r} is not known: give 'refuel' or 'rest'"
            raise ValidationError(msg)
        dur = _validate.finite(self.duration_h, "stop duration_h")
        if dur < 0:
            msg = f"stop duration_h={self.duration_h!r} must be >= 0 hours"
            raise ValidationError(msg)
        object.__setattr__(self, "duration_h", dur)
        if isinstance(self.waypoint, bool) or not isinstance(self.waypoint, int | np.integer):
            msg = f"stop waypoint={self.waypoint!r} must be a waypoint index (int)"
            raise ValidationError(msg)
        object.__setattr__(self, "waypoint", int(self.waypoint))


# --------------------------------------------------------------------------- helpers


def _flags(values: Sequence[Any] | None, n: int, name: str, default: bool) -> list[bool]:
    if values is None:
        return [default] * n
    vals = list(values)
    if len(vals) != n:
        msg = (
            f"{name} has {len(vals)} values but the plan has {n} legs: give one flag per leg "
            "(leg i joins waypoints i and i + 1)"
        )
        raise ValidationError(msg)
    out = []
    for i, v in enumerate(vals):
        if isinstance(v, bool | np.bool_) or (isinstance(v, int | np.integer) and v in (0, 1)):
            out.append(bool(v))
        else:
            msg = f"{name}[{i}]={v!r} is not a boolean: give True or False"
            raise ValidationError(msg)
    return out


def _km(value: float) -> str:
    return f"{value:,.1f} km"


def _fmt_ll(lon: float, lat: float) -> str:
    return f"({lon:.4f}, {lat:.4f})"


def _lines_length_km(geometry: BaseGeometry) -> float:
    """Geodesic length (km) of the line parts of any geometry (points and areas ignored)."""
    if geometry is None or geometry.is_empty:
        return 0.0
    total = 0.0
    for part in shapely.get_parts(geometry):
        if isinstance(part, LineString):
            xy = shapely.get_coordinates(part)
            if len(xy) > 1:
                _, _, d = geodesy.GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
                total += float(np.sum(d))
        elif part.geom_type in ("MultiLineString", "GeometryCollection"):
            total += _lines_length_km(part) * 1000.0
    return total / 1000.0


def _snap_bbox(bounds: tuple[float, float, float, float], pad_deg: float = 1.0) -> tuple:
    xmin, ymin, xmax, ymax = bounds
    return (
        max(-180.0, math.floor(xmin - pad_deg)),
        max(-90.0, math.floor(ymin - pad_deg)),
        min(180.0, math.ceil(xmax + pad_deg)),
        min(90.0, math.ceil(ymax + pad_deg)),
    )


# --------------------------------------------------------------------------- geometry caches


def _region_geometry(kind: str, code: str, year: int) -> BaseGeometry:
    if kind == "treaty":
        return _territory.get(code, year=year).treaty_geometry
    if kind == "land":
        return _geodata.countries("land").loc[code].geometry
    msg = f"internal: unknown geometry kind {kind!r}"
    raise ValueError(msg)


@lru_cache(maxsize=64)
def _clipped(kind: str, code: str, year: int, bbox: tuple) -> BaseGeometry:
    """A region's geometry clipped to a (snapped) bbox, valid and prepared; cached."""
    geom = _region_geometry(kind, code, year)
    window = box(*bbox)
    if not geom.intersects(window):
        return shapely.Polygon()
    if window.contains(geom.envelope):
        out = geom
    else:
        out = shapely.make_valid(shapely.clip_by_rect(geom, *bbox))
        out = shapely.union_all(
            [g for g in shapely.get_parts(out) if g.geom_type in ("Polygon", "MultiPolygon")]
        )
    shapely.prepare(out)
    return out


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True, eq=False)
class FlightPlan:
    """An observation flight plan (Art. VI Sec. II).

    Build it with :meth:`from_waypoints` or :func:`read`; the direct constructor
    takes the complete, already resolved fields.

    Attributes
    ----------
    waypoints : tuple of Waypoint
        The full path: the first is the start airfield position, the last the end
        airfield position.
    start, end : str
        ICAO codes of the airfields where the flight commences and terminates.
    regime : Regime
        Treaty regime (airfields, budgets, parameters; hypothetical designations).
    territory : Territory
        Observed territory (default: the start airfield's group, e.g. ``"BLR+RUS"``).
    budget_km : float
        Distance (km) the plan is checked against (rule 2): the legal limit, the
        start OSA's maximum flight distance in the regime (or of its
        hypothetical designation), or a smaller planning budget. A budget above
        the legal limit is refused (:meth:`Regime.check_budget`).
    sensors_on, transit, calibration : tuple of bool
        Per-leg flags (leg i joins waypoints i and i + 1). A transit leg has its
        sensors off and is not counted against the budget (Art. VII).
    aircraft : Aircraft or None
        Aircraft profile; durations use :data:`openskies.aircraft.DEFAULT_PRESET` when None.
    stops : tuple of Stop
        Declared refuelling stops and rest periods.
    turn_margin : float
        Fraction added to the geodesic length for turns (rule 2 counting).
    name : str
        Plan name.
    preflight_h : float
        Hours from arrival at the point of entry to commencement of the flight,
        counted in the 96-hour window (default: the 24 h between submission of
        the mission plan and commencement, Art. VI Sec. II para 4(E)).
    budget_source : str
        Where ``budget_km`` comes from.
    notes : tuple of str
        Remarks a reader of the plan should see, made when the plan was built
        or read (e.g. a plan file that declared a limit above the regime's, or
        a CSV file without the openskies metadata block).
    """

    waypoints: tuple[Waypoint, ...]
    start: str
    end: str
    regime: Regime
    territory: Territory
    budget_km: float
    sensors_on: tuple[bool, ...]
    transit: tuple[bool, ...]
    calibration: tuple[bool, ...]
    aircraft: Aircraft | None = None
    stops: tuple[Stop, ...] = ()
    turn_margin: float = 0.02
    name: str = ""
    preflight_h: float = 24.0
    budget_source: str = field(default="given")
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        wps = tuple(self.waypoints)
        if len(wps) < 2:
            msg = (
                f"a flight plan needs at least 2 waypoints (start and end airfield), got {len(wps)}"
            )
            raise ValidationError(msg)
        if not all(isinstance(w, Waypoint) for w in wps):
            msg = "waypoints must be openskies.flightplan.Waypoint objects"
            raise ValidationError(msg)
        object.__setattr__(self, "waypoints", wps)
        n_legs = len(wps) - 1
        for name in ("sensors_on", "transit", "calibration"):
            object.__setattr__(self, name, tuple(_flags(getattr(self, name), n_legs, name, False)))
        bad = [i for i in range(n_legs) if self.transit[i] and self.sensors_on[i]]
        if bad:
            msg = (
                f"leg(s) {bad} are declared transit with sensors on: sensors stay covered on "
                "transit legs (Art. VII para 3); set sensors_on False for them"
            )
            raise ValidationError(msg)
        budget = _validate.finite(self.budget_km, "budget_km")
        if budget <= 0:
            msg = f"budget_km={self.budget_km!r} must be a positive number of kilometres"
            raise ValidationError(msg)
        object.__setattr__(self, "budget_km", budget)
        margin = _validate.finite(self.turn_margin, "turn_margin")
        if not 0 <= margin < 1:
            msg = f"turn_margin={self.turn_margin!r} must be a fraction in [0, 1), e.g. 0.02"
            raise ValidationError(msg)
        object.__setattr__(self, "turn_margin", margin)
        pre = _validate.finite(self.preflight_h, "preflight_h")
        if pre < 0:
            msg = f"preflight_h={self.preflight_h!r} must be >= 0 hours"
            raise ValidationError(msg)
        object.__setattr__(self, "preflight_h", pre)
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        stops = tuple(self.stops)
        for s in stops:
            if not isinstance(s, Stop):
                msg = f"stops must be openskies.flightplan.Stop objects, got {s!r}"
                raise ValidationError(msg)
            if not 0 <= s.waypoint < len(wps):
                msg = (
                    f"stop at waypoint {s.waypoint} is out of range: the plan has waypoints "
                    f"0..{len(wps) - 1}"
                )
                raise ValidationError(msg)
        object.__setattr__(self, "stops", stops)
        object.__setattr__(self, "start", str(self.start).strip().upper())
        object.__setattr__(self, "end", str(self.end).strip().upper())
        for code in (self.start, self.end):
            self.regime.airfield(code)  # UnknownCodeError for an unknown ICAO code
        limit = _limit_airfield(self.regime, self.start, self.territory)
        if limit is not None:  # the legal limit is the regime's: a larger budget is refused
            self.regime.check_budget(limit.icao, budget)

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return (
            f"FlightPlan({label}{self.start}->{self.end}, {len(self.waypoints)} waypoints, "
            f"territory={self.territory.code}, budget_km={self.budget_km:g})"
        )

    # ----------------------------------------------------------------------- construction
    @classmethod
    def from_waypoints(
        cls,
        coords: Sequence[Sequence[float]] | NDArray[np.float64],
        *,
        start: str | None = None,
        end: str | None = None,
        names: Sequence[str] | None = None,
        altitudes_m: Sequence[float | None] | None = None,
        sensors_on: Sequence[bool] | None = None,
        transit: Sequence[bool] | None = None,
        calibration: Sequence[bool] | None = None,
        regime: Regime | None = None,
        territory: str | Territory | None = None,
        budget_km: float | None = None,
        aircraft: Aircraft | str | None = None,
        stops: Iterable[Stop] = (),
        turn_margin: float | None = None,
        name: str = "",
        preflight_h: float | None = None,
    ) -> FlightPlan:
        """Build a plan from (lon, lat) waypoints.

        Parameters
        ----------
        coords : sequence of (lon, lat)
            At least 2 waypoints, degrees WGS84.
        start, end : str, optional
            ICAO codes. When None, the airfield of the regime nearest the first
            (last) waypoint within :data:`AIRFIELD_SNAP_KM` km. When given and
            the first (last) waypoint is more than :data:`AIRFIELD_MATCH_KM` km
            from it, the airfield position is prepended (appended), its leg
            taking the flags of the first (last) leg; stop indices refer to
            ``coords`` and are shifted accordingly.
        names, altitudes_m : sequence, optional
            One per waypoint (altitudes in metres, None where not declared).
        sensors_on, transit, calibration : sequence of bool, optional
            One per leg (``len(coords) - 1``). Defaults: no transit, no
            calibration, sensors on except on transit legs.
        regime : Regime, optional
            Default :func:`openskies.data.regime` (2019).
        territory : str or Territory, optional
            Observed territory; default the start airfield's group.
        budget_km : float, optional
            Default the start OSA's maximum flight distance in the regime, the
            legal limit. A smaller budget is a planning choice the plan is then
            checked against; a larger one raises :class:`ValidationError`
            (study a larger limit with :meth:`Regime.designate`). When the
            start is not an OSA (a rule 1 violation), the limit is the smallest
            maximum flight distance of the observed territory's OSAs, recorded
            in :attr:`budget_source`.
        aircraft : Aircraft or str, optional
            A profile or a preset name (:func:`openskies.aircraft.preset`).
        stops : iterable of Stop
            Declared stops (waypoint indices into ``coords``).
        turn_margin : float, optional
            Default the regime's ``max_flight_distance.turn_margin`` (0.02).
        name : str
            Plan name.
        preflight_h : float, optional
            Hours from arrival at the point of entry to commencement; default the
            regime's ``timing.mission_plan_lead`` (24 h).

        Returns
        -------
        FlightPlan
        """
        reg = as_regime(regime)
        xy = _coords_array(coords)
        n = len(xy)
        n_legs = n - 1
        names_l = _per_waypoint(names, n, "names", "")
        alts_l = _per_waypoint(altitudes_m, n, "altitudes_m", None)
        transit_l = _flags(transit, n_legs, "transit", False)
        sensors_l = (
            [not t for t in transit_l]
            if sensors_on is None
            else _flags(sensors_on, n_legs, "sensors_on", True)
        )
        calib_l = _flags(calibration, n_legs, "calibration", False)
        stops_l = list(stops)

        start_code = _resolve_airfield(reg, start, xy[0], "start", "first")
        end_code = _resolve_airfield(reg, end, xy[-1], "end", "last")
        wps = [
            Waypoint(float(x), float(y), nm, a)
            for (x, y), nm, a in zip(xy, names_l, alts_l, strict=True)
        ]
        a_start = reg.airfield(start_code)
        if geodesy.distance_km(a_start.lon, a_start.lat, *xy[0]) > AIRFIELD_MATCH_KM:
            wps.insert(0, Waypoint(a_start.lon, a_start.lat, a_start.icao))
            for flags in (transit_l, sensors_l, calib_l):
                flags.insert(0, flags[0])
            stops_l = [Stop(s.waypoint + 1, s.kind, s.duration_h) for s in stops_l]
        elif not wps[0].name:
            wps[0] = Waypoint(wps[0].lon, wps[0].lat, a_start.icao, wps[0].altitude_m)
        a_end = reg.airfield(end_code)
        if geodesy.distance_km(a_end.lon, a_end.lat, *xy[-1]) > AIRFIELD_MATCH_KM:
            wps.append(Waypoint(a_end.lon, a_end.lat, a_end.icao))
            for flags in (transit_l, sensors_l, calib_l):
                flags.append(flags[-1])
        elif not wps[-1].name:
            wps[-1] = Waypoint(wps[-1].lon, wps[-1].lat, a_end.icao, wps[-1].altitude_m)

        if territory is None:
            terr = reg.observed_territory(start_code)
        elif isinstance(territory, str):
            terr = _territory.get(territory, year=reg.year)
        else:
            terr = territory
        budget, budget_source = _resolve_budget(reg, start_code, terr, budget_km)
        ac = _aircraft.as_aircraft(aircraft, allow_none=True)
        margin = (
            float(reg.parameter("max_flight_distance", "turn_margin"))
            if turn_margin is None
            else turn_margin
        )
        pre = (
            float(reg.parameter("timing", "mission_plan_lead"))
            if preflight_h is None
            else (preflight_h)
        )
        plan = cls(
            waypoints=tuple(wps),
            start=start_code,
            end=end_code,
            regime=reg,
            territory=terr,
            budget_km=budget,
            sensors_on=tuple(sensors_l),
            transit=tuple(transit_l),
            calibration=tuple(calib_l),
            aircraft=ac,
            stops=tuple(stops_l),
            turn_margin=margin,
            name=name,
            preflight_h=pre,
            budget_source=budget_source,
        )
        logger.info(
            "flight plan %s: %d waypoints, %s -> %s over %s, %.1f km counted of %.0f km",
            name or "(unnamed)",
            len(wps),
            start_code,
            end_code,
            terr.code,
            plan.length_km,
            budget,
        )
        return plan

    # ----------------------------------------------------------------------- basic geometry
    @cached_property
    def coords(self) -> NDArray[np.float64]:
        """Waypoint (lon, lat) degrees as an (n, 2) array."""
        return np.array([(w.lon, w.lat) for w in self.waypoints], dtype=float)

    @cached_property
    def waypoint_labels(self) -> tuple[str, ...]:
        """Display name of each waypoint: its name, or ``WPnn`` (index) when unnamed."""
        width = max(2, len(str(len(self.waypoints) - 1)))
        return tuple(w.name or f"WP{i:0{width}d}" for i, w in enumerate(self.waypoints))

    @cached_property
    def _leg_inv(self) -> tuple[NDArray, NDArray, NDArray]:
        x, y = self.coords[:, 0], self.coords[:, 1]
        az12, az21, d = geodesy.GEOD.inv(x[:-1], y[:-1], x[1:], y[1:])
        return np.asarray(az12), np.asarray(az21), np.asarray(d) / 1000.0

    @property
    def leg_lengths_km(self) -> NDArray[np.float64]:
        """WGS84 geodesic length (km) of each leg."""
        return self._leg_inv[2]

    @cached_property
    def _dense(self) -> dict[str, NDArray]:
        return _densify(self.coords, self._leg_inv, DENSIFY_KM)

    @cached_property
    def _leg_lines(self) -> NDArray[np.object_]:
        """Per-leg densified geodesic lines with longitudes in [-180, 180] (split at +/-180)."""
        d = self._dense
        return _leg_lines(d["pts"], d["ptr"])

    def path_densified(self, max_segment_km: float = DENSIFY_KM) -> LineString:
        """The whole path densified along geodesics, longitudes unwrapped (continuous).

        Parameters
        ----------
        max_segment_km : float
            Longest segment in km.

        Returns
        -------
        shapely.LineString
            (lon, lat) degrees; longitudes may leave [-180, 180] for a path across
            the antimeridian (use :func:`openskies.geodesy.split_antimeridian`).
        """
        if max_segment_km == DENSIFY_KM:
            return LineString(self._dense["pts"])
        return LineString(_densify(self.coords, self._leg_inv, max_segment_km)["pts"])

    # ----------------------------------------------------------------------- lengths
    @property
    def geodesic_length_km(self) -> float:
        """Geodesic length (km) of all legs, transit included, without turn margin."""
        return float(np.sum(self.leg_lengths_km))

    @property
    def transit_length_km(self) -> float:
        """Geodesic length (km) of the transit legs."""
        return float(np.sum(self.leg_lengths_km[np.asarray(self.transit, bool)]))

    @property
    def counted_geodesic_km(self) -> float:
        """Geodesic length (km) of the non-transit legs, without turn margin."""
        return float(np.sum(self.leg_lengths_km[~np.asarray(self.transit, bool)]))

    @property
    def length_km(self) -> float:
        """Distance counted against the budget (rule 2), km.

        The sum of the WGS84 geodesic lengths of the non-transit legs times
        ``1 + turn_margin`` (treaty.yaml ``max_flight_distance.distance_formula``,
        an assumption: the treaty fixes no formula).
        """
        return self.counted_geodesic_km * (1.0 + self.turn_margin)

    @cached_property
    def _regions(self) -> dict[str, BaseGeometry]:
        """Treaty-area geometry of each member state and sub-region of the territory."""
        terr = self.territory
        if terr.parent is not None:
            return {terr.code: terr.treaty_geometry}
        out = {m: _territory.get(m, year=terr.year).treaty_geometry for m in terr.members}
        for code in terr.sub_regions:
            out[code] = _territory.get(code, year=terr.year).treaty_geometry
        return out

    @cached_property
    def _bbox(self) -> tuple:
        """Snapped bbox (lon, lat degrees, within [-180, 180]) of the densified path."""
        lines = self._leg_lines
        xmin, ymin, xmax, ymax = shapely.total_bounds(lines)
        return _snap_bbox((xmin, ymin, xmax, ymax))

    @cached_property
    def _leg_region_km(self) -> dict[str, NDArray[np.float64]]:
        """Per-leg geodesic km inside each member/sub-region's treaty area, and outside."""
        lines = self._leg_lines
        total = self.leg_lengths_km
        out: dict[str, NDArray[np.float64]] = {}
        members_sum = np.zeros(len(lines))
        subs = set(self.territory.sub_regions) if self.territory.parent is None else set()
        for code in self._regions:
            out[code] = _length_inside(lines, total, self._clip_region(code))
            if code not in subs:
                members_sum += out[code]
        out["outside"] = np.clip(total - members_sum, 0.0, None)
        return out

    def _clip_region(self, code: str) -> BaseGeometry:
        return _clipped("treaty", code, self.territory.year, self._bbox)

    @property
    def length_by_region_km(self) -> dict[str, float]:
        """Geodesic km flown in each part of the observed territory (no turn margin).

        Keys: each member (``"BLR"``, ``"RUS"``) and sub-region (``"RUS-KGD"``, also
        counted inside ``"RUS"``) for non-transit legs, measured inside their
        treaty areas (land and territorial sea) along the densified geodesic;
        ``"outside"``: non-transit km outside the treaty area; ``"transit"``: km
        of the transit legs.
        """
        counted = ~np.asarray(self.transit, bool)
        out = {k: float(np.sum(v[counted])) for k, v in self._leg_region_km.items()}
        out["transit"] = self.transit_length_km
        return out

    # ----------------------------------------------------------------------- time
    @property
    def effective_aircraft(self) -> Aircraft:
        """The plan's aircraft, or the default preset when none is given."""
        return _aircraft.as_aircraft(self.aircraft, default=_aircraft.DEFAULT_PRESET)

    @property
    def flight_time_h(self) -> float:
        """Time in the air (h): all legs at the aircraft's cruise speed, no wind."""
        return self.geodesic_length_km / self.effective_aircraft.cruise_speed_kmh

    @property
    def duration_h(self) -> float:
        """Mission duration (h): time in the air plus declared stop durations."""
        return self.flight_time_h + sum(s.duration_h for s in self.stops)

    # ----------------------------------------------------------------------- legs table
    @property
    def legs(self) -> gpd.GeoDataFrame:
        """One row per leg (GeoDataFrame, EPSG:4326).

        Columns: ``leg``, ``from_name``, ``to_name``, ``length_km`` (WGS84
        geodesic), ``sensors_on``, ``transit``, ``calibration``, ``region`` (the
        member, sub-region or ``"outside"`` where most of the leg lies) and
        ``geometry``: the geodesic densified every <= 5 km, split at the
        antimeridian.
        """
        import geopandas as gpd

        labels = self.waypoint_labels
        n = len(self.waypoints) - 1
        return gpd.GeoDataFrame(
            {
                "leg": np.arange(n),
                "from_name": list(labels[:-1]),
                "to_name": list(labels[1:]),
                "length_km": self.leg_lengths_km,
                "sensors_on": list(self.sensors_on),
                "transit": list(self.transit),
                "calibration": list(self.calibration),
                "region": self._dominant_regions(),
            },
            geometry=list(self._leg_lines),
            crs="EPSG:4326",
        )

    def _dominant_regions(self) -> list[str]:
        table = self._leg_region_km
        subs = self.territory.sub_regions if self.territory.parent is None else {}
        keys = [k for k in table if k not in subs]
        arr = np.vstack([table[k] for k in keys])
        out = []
        for i, j in enumerate(np.argmax(arr, axis=0)):
            code = keys[j]
            for sub, spec in subs.items():
                if spec.parent == code and table[sub][i] > 0.5 * table[code][i]:
                    code = sub
            out.append(code)
        return out

    # ----------------------------------------------------------------------- validation
    def validate(
        self,
        *,
        avoid: Any = None,
        standoff_tolerance_km: float | None = None,
    ) -> list[Violation]:
        """Check the plan against the treaty rules; an empty list means legal.

        Rules (ids in :data:`RULES`; the docs page ``docs/legality.md`` explains each):

        1. ``start_osa`` / ``end_osa``: starts and ends at an OSA of the observed
           Party or group, the first/last waypoint within 5 km of it.
        2. ``max_distance``: :attr:`length_km` <= :attr:`budget_km`, which is
           never above the regime's limit (the start OSA's maximum flight
           distance, or its hypothetical designation).
        3. ``sub_limit``: km over each sub-region (Kaliningrad 500 km), with the
           same turn margin, within its limit.
        4. ``standoff``: every leg (transit included) at least 10 km
           (treaty.yaml ``route.non_party_standoff``) plus the border-data
           tolerance (``route.border_data_tolerance``, 3 km: Natural Earth vs
           surveyed borders) from the land border of each adjacent non-party.
        5. ``outside_territory``: non-transit legs stay inside the treaty area.
        6. ``self_intersection`` (no point passed three or more times, within
           :data:`SAME_POINT_TOLERANCE_KM`) and ``circling`` (no cumulative turn
           of 360 deg at waypoints within :data:`CIRCLING_RADIUS_KM`); take-off
           and landing (:data:`TERMINAL_RADIUS_KM` around the start and end
           airfields and around each declared stop) and calibration legs exempt.
        7. ``time_window``: ``preflight_h + duration_h`` <= 96 h.
        8. ``avoid_zone``: no leg enters a user avoid zone.

        Parameters
        ----------
        avoid : shapely geometry, sequence of geometries, or GeoDataFrame, optional
            Avoid zones (polygons, lon/lat degrees WGS84); a GeoDataFrame's
            ``name`` column labels them.
        standoff_tolerance_km : float, optional
            Border-data tolerance added to the 10 km stand-off; default from
            treaty.yaml (3 km). Pass 0 to check the bare 10 km against Natural Earth.

        Returns
        -------
        list of Violation
            Ordered by rule number, then leg.
        """
        from . import legality

        return legality.validate(self, avoid=avoid, standoff_tolerance_km=standoff_tolerance_km)

    # ----------------------------------------------------------------------- summary
    @property
    def hypothetical(self) -> bool:
        """Whether the plan relies on a hypothetical designation (start or end airfield)."""
        return any(self.regime.airfield(c).hypothetical for c in (self.start, self.end))


# --------------------------------------------------------------------------- internals


def _coords_array(coords: Any) -> NDArray[np.float64]:
    try:
        xy = np.asarray(coords, dtype=float)
    except (TypeError, ValueError) as exc:
        msg = f"coords must be a sequence of (lon, lat) number pairs: {exc}"
        raise ValidationError(msg) from exc
    if xy.ndim != 2 or xy.shape[1] != 2:
        msg = f"coords must be a sequence of (lon, lat) pairs; got an array of shape {xy.shape}"
        raise ValidationError(msg)
    if len(xy) < 2:
        msg = (
            f"a flight plan needs at least 2 waypoints, got {len(xy)}: give the route from the "
            "start to the end airfield"
        )
        raise ValidationError(msg)
    lon, lat = xy[:, 0], xy[:, 1]
    if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 540.0)):  # NaN fails too
        for i, (x, y) in enumerate(xy):  # the first bad waypoint, named
            geodesy.check_lonlat(x, y, what=f"waypoint {i}")
    wrap = (xy[:, 0] < -180.0) | (xy[:, 0] >= 180.0)  # into [-180, 180); others unchanged
    xy[wrap, 0] = geodesy.normalize_lon(xy[wrap, 0])
    return xy


def _per_waypoint(values: Sequence[Any] | None, n: int, name: str, default: Any) -> list[Any]:
    if values is None:
        return [default] * n
    vals = list(values)
    if len(vals) != n:
        msg = f"{name} has {len(vals)} values for {n} waypoints: give one per waypoint"
        raise ValidationError(msg)
    return vals


def _resolve_airfield(
    regime: Regime, code: str | None, xy: NDArray[np.float64], role: str, which: str
) -> str:
    if code is not None and str(code).strip():
        return regime.airfield(code).icao
    table = regime.airfields()
    d = np.asarray(
        geodesy.distance_km(
            np.full(len(table), xy[0]), np.full(len(table), xy[1]), table["lon"], table["lat"]
        )
    )
    i = int(np.argmin(d))
    if d[i] > AIRFIELD_SNAP_KM:
        msg = (
            f"no {role} airfield given and the {which} waypoint {_fmt_ll(*xy)} is "
            f"{_km(float(d[i]))} from the nearest bundled airfield "
            f"({table['icao'].iloc[i]}); give {role}=ICAO (more than {AIRFIELD_SNAP_KM:g} km)"
        )
        raise ValidationError(msg)
    return str(table["icao"].iloc[i])


def _limit_airfield(regime: Regime, start: str, terr: Territory) -> Airfield | None:
    """The OSA whose maximum flight distance is the legal limit of a plan from ``start``.

    The start itself when it is an OSA with a recorded limit (or a hypothetical
    designation); otherwise (a rule 1 violation) the OSA observing ``terr`` with
    the smallest limit; None when there is none.
    """
    a = regime.airfield(start)
    if a.is_osa and a.max_flight_distance_km is not None:
        return a
    group = None
    for g in regime.osas():
        covers = set(terr.members) <= set(_territory.get(g.group, year=regime.year).members)
        if (
            covers
            and g.max_flight_distance_km is not None
            and (group is None or g.max_flight_distance_km < group.max_flight_distance_km)
        ):
            group = g
    return group


def _resolve_budget(
    regime: Regime, start: str, terr: Territory, budget_km: float | None
) -> tuple[float, str]:
    a = regime.airfield(start)
    limit = _limit_airfield(regime, start, terr)
    if budget_km is not None:  # FlightPlan refuses one above the legal limit
        return _validate.finite(budget_km, "budget_km"), "given"
    if limit is None:
        msg = (
            f"{a.label} is not an Open Skies airfield and no OSA of {terr.code} has a maximum "
            f"flight distance: give budget_km= or designate {a.icao} in the regime"
        )
        raise ValidationError(msg)
    if limit.icao == a.icao:
        return limit.max_flight_distance_km, f"{a.label}: {a.max_flight_distance_source}"
    logger.info("start %s is not an OSA: budget from %s", a.icao, limit.label)
    return limit.max_flight_distance_km, (
        f"{a.icao} is not an OSA; smallest maximum flight distance of the OSAs observing "
        f"{terr.code} ({limit.label})"
    )


def _densify(
    coords: NDArray[np.float64], inv: tuple[NDArray, NDArray, NDArray], max_km: float
) -> dict[str, NDArray]:
    """Points along every geodesic leg, at most ``max_km`` apart, longitudes unwrapped.

    Returns ``pts`` (m, 2), ``seg_leg`` (leg of each segment) and ``ptr`` (index in
    ``pts`` of the first point of each leg, plus the last point's index).
    """
    az12, _, d_km = inv
    n_legs = len(d_km)
    nseg = np.maximum(1, np.ceil(d_km / max_km - 1e-9).astype(int))
    leg_idx = np.repeat(np.arange(n_legs), nseg)
    starts = np.cumsum(nseg) - nseg
    k = np.arange(int(nseg.sum())) - np.repeat(starts, nseg)
    frac = k / nseg[leg_idx]
    lon0 = coords[leg_idx, 0]
    lat0 = coords[leg_idx, 1]
    plon, plat, _ = geodesy.GEOD.fwd(lon0, lat0, az12[leg_idx], d_km[leg_idx] * 1000.0 * frac)
    plon = np.where(k == 0, lon0, plon)
    plat = np.where(k == 0, lat0, plat)
    pts = np.vstack([np.column_stack([plon, plat]), coords[-1:]])
    pts[:, 0] = geodesy.unwrap_lon(pts[:, 0])
    ptr = np.append(starts, len(pts) - 1)
    return {"pts": pts, "seg_leg": leg_idx, "ptr": ptr}


def _leg_lines(pts: NDArray[np.float64], ptr: NDArray[np.int64]) -> NDArray[np.object_]:
    n_legs = len(ptr) - 1
    counts = ptr[1:] - ptr[:-1] + 1
    owner = np.repeat(np.arange(n_legs), counts)
    # the points ptr[i]..ptr[i + 1] of each leg i, on arrays (a recorded track has 100,000 legs)
    idx = ptr[owner] + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    xy = pts[idx].copy()
    first_x = xy[np.cumsum(counts) - counts, 0]
    shift = -360.0 * np.floor((first_x + 180.0) / 360.0)
    xy[:, 0] += shift[owner]
    lines = shapely.linestrings(xy, indices=owner)
    xmin = shapely.bounds(lines)[:, 0]
    xmax = shapely.bounds(lines)[:, 2]
    for i in np.flatnonzero((xmax > 180.0) | (xmin < -180.0)):
        lines[i] = geodesy.split_antimeridian(lines[i])
    return lines


def _length_inside(
    lines: NDArray[np.object_], total_km: NDArray[np.float64], region: BaseGeometry
) -> NDArray[np.float64]:
    out = np.zeros(len(lines))
    if region.is_empty:
        return out
    covered, hits = _segments.lines_in_region(lines, region)
    out[covered] = total_km[covered]
    partial = np.flatnonzero(~covered & hits)
    for i in partial:
        x0, y0, x1, y1 = lines[i].bounds
        local = shapely.clip_by_rect(region, x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01)
        if not local.is_valid:
            local = shapely.make_valid(local)
        out[i] = min(total_km[i], _lines_length_km(lines[i].intersection(local)))
    return out


def read(
    path: str | Path,
    *,
    territory: str | Territory | None = None,
    start: str | None = None,
    end: str | None = None,
    regime: Regime | None = None,
) -> FlightPlan:
    """Read a flight plan file: the project's GeoJSON, GPX (route or track) or CSV.

    The format follows the suffix (``.geojson``/``.json``, ``.gpx``, ``.csv``);
    see :func:`openskies.io.read_plan`. Missing start/end default to the
    airfields at the first and last waypoint.

    Parameters
    ----------
    path : str or Path
        The plan file.
    territory : str or Territory, optional
        Observed territory (default: the start airfield's group, or the file's).
    start, end : str, optional
        ICAO codes overriding those recorded in the file.
    regime : Regime, optional
        Treaty regime; default the file's year and hypothetical designations
        (GeoJSON/GPX written by openskies) or 2019.

    Returns
    -------
    FlightPlan
    """
    from . import io

    return io.read_plan(path, territory=territory, start=start, end=end, regime=regime)


#: Names that moved to :mod:`openskies.legality`, still importable from here.
_MOVED_TO_LEGALITY = frozenset(
    {
        "RULES",
        "Violation",
        "_avoid_zones",
        "_capped_query",
        "_ecef",
        "_ecef_to_lonlat",
        "_farthest_from",
        "_link_groups",
        "_nearest_in_local",
        "_point_seg_distance",
        "_seg_seg_distance",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_LEGALITY:
        from . import legality

        return getattr(legality, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
