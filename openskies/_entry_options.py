"""The legal options for a Minsk point of entry, and the treaty rules that bound them.

A Polish policy paper (PISM Bulletin 173, Dec 2019) asks to move the point of
entry (POE) of the Belarus-Russia group from Kubinka to Minsk. An analyst must
compare five legal options (issue 14), each a treaty regime built from the 2019
one (``openskies.data.regime``):

=================  ===========  =====================  =============================
option             entry point  flights start at       role of the Minsk distance
=================  ===========  =====================  =============================
``status_quo``     Kubinka      Kubinka                unused (Minsk not designated)
``poe_only``       Minsk        Kubinka                unused (Minsk is POE/POX only)
``added_osa``      Minsk        Kubinka or Minsk       Minsk's own OSA limit
``replacement``    Minsk        Minsk (Kubinka gone)   Minsk's own OSA limit
``single_state``   Minsk        Minsk (Belarus alone)  Minsk's own OSA limit
=================  ===========  =====================  =============================

The rules, with their sources (treaty text: Dutch treaty database
BWBV0001051, English text; ``/work/shared/domain/treaty-facts.md``):

Annex E para 1, the five-hour rule
    "if an Open Skies airfield is different from a point of entry, the Open
    Skies airfield shall be designated so that the observing Party can reach
    [it] within five hours from the point of entry". :func:`osa_reachable_h`
    computes the time as the WGS84 geodesic POE -> OSA divided by a cruise
    speed (the aircraft's, :mod:`openskies.aircraft`; the slowest preset,
    An-30B at 430 km/h, by default) times a route factor (1.0: direct, an
    assumption; airways are longer). The limit is ``timing.poe_to_osa_max``
    in ``geodata/treaty.yaml``. It binds ``poe_only`` (POE Minsk, OSA Kubinka).

Annex E para 5(A), the 35 % rule
    "for its mainland territory, Open Skies airfields shall be designated in
    such a way that no point on its territory is farther from one or more
    such airfields than 35 per cent of the maximum flight distance". Each OSA
    of the observed party or group covers a WGS84 geodesic disk of radius
    ``0.35 x`` its own maximum flight distance (``max_flight_distance.
    osa_coverage_fraction`` in ``treaty.yaml``); the union must reach every
    point of the MAINLAND territory. :func:`annex_e_ok` checks a regime;
    :func:`min_budget_annex_e_km` gives the smallest maximum flight distance
    of one airfield that makes the rule hold with the others unchanged: the
    farthest point from it of (mainland - the other OSAs' disks), over 0.35.

    *Mainland* (a documented, configurable choice, :func:`mainland`): the
    largest connected land mass of the observed party or group in Natural
    Earth 10m, with the pieces cut at the antimeridian joined first (Russia's
    Chukotka east of 180 deg is mainland). For BLR+RUS that is Belarus and
    continental Russia. Everything else is "separated from the mainland
    territory" in the sense of para 5(B) and excluded by default: islands
    (Sakhalin, Novaya Zemlya, the Kurils...) and the Kaliningrad exclave,
    which para 5(B)(1)-(3) lets a party cover by the same rule, by special
    procedures (more than 600 km away) or by a separate distance. Pass
    ``separated=("RUS-KGD",)`` to hold Kaliningrad to para 5(A) too, or
    ``separated=True`` for all land.

    The 1992 designations (Kubinka 5,500 km in practice, Ulan-Ude 5,000,
    Vorkuta and Magadan 6,500) leave a corner of Primorye uncovered, so the
    absolute rule fails for every option of the group whatever Minsk's
    distance. ``annex_e_ok(..., baseline=regime)`` is the relative rule used
    for the study's metric: an option may not uncover a mainland point the
    designations as they stood covered (:meth:`EntryOption.annex_e_ok`).
    :func:`replacement_floors` gives the replacement floor both ways.

Art. III Sec. I para 10, the observer's share
    "No State Party shall conduct more observation flights over the territory
    of another State Party than a number equal to 50 per cent, rounded up to
    the nearest whole number, of its own total active quota, or of the total
    passive quota of that other State Party, whichever is less." A party's
    total active quota may not exceed its total passive quota (Art. III Sec. I
    para 5); the yearly distributions after the first (Annex A Sec. II) are
    OSCC decisions not found in public sources, so the observer's total active
    quota is the one reported in practice where ``quotas.active_practice``
    records it (Poland: 3, of which 2 over Belarus-Russia; defence24.pl), and
    otherwise that ceiling, its passive quota (an assumption); either way a
    parameter of :func:`observer_quota_flights_per_year`. The first
    distribution (Annex A Sec. II para 1, ``quotas.first_distribution``) is
    the treaty's own worked example: every individual quota in it satisfies
    the rule when a total active quota is read as the passive-quota ceiling
    (read as the sum of the first distribution, Germany's 3 over the group
    would break it).

Single-state analogues
    Maximum flight distances of single states of a size like Belarus, read
    with their sources from ``geodata/airfields.csv``: Warsaw (EPWA, 1,400 km),
    Boryspil (UKBB, 2,100 km), Koeln/Bonn (EDDK, 1,300 km).

Break-even
    :func:`break_even_km` brackets, on a grid of Minsk distances, the smallest
    one at which a metric for Minsk is at least as good as a reference value
    (Kubinka's), and refines it by bisection; a metric that is not monotone in
    the distance is reported as such, never hidden.

Coordinates are (lon, lat) degrees WGS84 (EPSG:4326); distances km (WGS84
geodesics); areas geodesic km²; times hours; speeds km/h.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from . import _geodata, _validate, geodesy, territory
from . import aircraft as _aircraft
from ._errors import UnknownCodeError, ValidationError
from .airfields import Airfield, Regime, as_regime

logger = logging.getLogger(__name__)

__all__ = [
    "ANALOGUE_ICAOS",
    "KUBINKA",
    "MINSK",
    "OPTIONS",
    "SCENARIOS",
    "Analogue",
    "AnnexEFloor",
    "BreakEven",
    "EntryOption",
    "FiveHourCheck",
    "annex_e_floor",
    "annex_e_ok",
    "annex_e_uncovered",
    "break_even_km",
    "five_hour_check",
    "geodesic_disk",
    "mainland",
    "min_budget_annex_e_km",
    "observer_quota_flights_per_year",
    "observer_total_active_quota",
    "option",
    "osa_reachable_h",
    "poe_only_check",
    "replacement_floors",
    "single_state_analogues",
    "years_of_quota",
]

#: The five legal options, in the order reports list them.
SCENARIOS = ("status_quo", "poe_only", "added_osa", "replacement", "single_state")

#: ICAO of the group's point of entry in practice (Kubinka).
KUBINKA = "UUMB"
#: ICAO of the default Minsk candidate (Minsk National); any bundled code may replace it.
MINSK = "UMMS"
#: Observed territory of the group.
GROUP = "BLR+RUS"

#: Single states of a size like Belarus whose OSA distances serve ``single_state``.
ANALOGUE_ICAOS = ("EPWA", "UKBB", "EDDK")

#: Disk vertices: with 1,440 the inscribed polygon lies within 2e-6 x r of the circle.
DISK_VERTICES = 1440


# --------------------------------------------------------------------------- the options


@dataclass(frozen=True)
class EntryOption:
    """One legal option for the entry point, as data.

    Codes are written with Kubinka (``"UUMB"``) and Minsk National (``"UMMS"``);
    methods taking ``minsk_icao`` put another Minsk candidate in its place.

    Attributes
    ----------
    name : str
        One of :data:`SCENARIOS`.
    description : str
        What the option is, in one sentence.
    entry_point : str
        ICAO of the point of entry (and exit) of the mission.
    start_osas : tuple of str
        The Open Skies airfields flights may commence at (Art. II para 27);
        with two, each flight starts where it does best.
    minsk_distance_role : str
        ``"unused"``: the Minsk maximum flight distance plays no part (the
        flights start at Kubinka with Kubinka's distance); ``"osa_limit"``: it
        is the legal limit of flights commencing at Minsk (Annex A Sec. III).
    annex_e_group : str
        Observed party or group whose mainland Annex E para 5(A) binds
        (``"BLR+RUS"``, or ``"BLR"`` for Belarus alone).
    row_icao : str
        ``icao`` of the option's rows in ``metrics.csv``: the starting OSA the
        row describes (for ``added_osa`` the combination, written as Minsk).
    row_budget : str
        Whose distance is the row's ``budget_km``: ``"kubinka"`` (Kubinka's
        own value) or ``"minsk"`` (the swept Minsk distance).
    sources : str
        Treaty provisions the option rests on.
    """

    name: str
    description: str
    entry_point: str
    start_osas: tuple[str, ...]
    minsk_distance_role: str
    annex_e_group: str
    row_icao: str
    row_budget: str
    sources: str

    @property
    def uses_minsk_distance(self) -> bool:
        """Whether the Minsk maximum flight distance is a parameter of this option."""
        return self.minsk_distance_role == "osa_limit"

    def entry_point_icao(self, minsk_icao: str = MINSK) -> str:
        """ICAO of the point of entry, with ``minsk_icao`` for Minsk."""
        return _sub(self.entry_point, minsk_icao)

    def start_icaos(self, minsk_icao: str = MINSK) -> tuple[str, ...]:
        """ICAO codes of the OSAs flights may commence at."""
        return tuple(_sub(c, minsk_icao) for c in self.start_osas)

    def regime_for(
        self, regime: Regime, minsk_icao: str = MINSK, budget_km: float | None = None
    ) -> Regime:
        """The treaty regime of this option, built from ``regime`` (normally 2019's).

        Parameters
        ----------
        regime : Regime
            The regime as it stood (Minsk not designated).
        minsk_icao : str
            The Minsk candidate (a bundled airfield of Belarus).
        budget_km : float, optional
            Minsk's maximum flight distance, km (> 0). Required when
            :attr:`uses_minsk_distance`; ignored otherwise.

        Returns
        -------
        Regime
            ``status_quo``: ``regime`` itself. ``poe_only``: Minsk designated
            POE/POX (not an OSA). ``added_osa``: Minsk designated POE/POX/OSA
            with ``budget_km``, Kubinka unchanged. ``replacement``: the same,
            and Kubinka withdrawn (no role left). ``single_state``: Minsk the
            POE/POX/OSA of Belarus alone (group ``"BLR"``), Russia's airfields
            observing Russia alone (group ``"RUS"``). Changed airfields are
            flagged ``hypothetical``.
        """
        minsk = _sub(MINSK, minsk_icao)
        if self.uses_minsk_distance:
            if budget_km is None:
                msg = f"option {self.name!r} needs budget_km=, the Minsk maximum flight distance"
                raise ValidationError(msg)
            budget = _positive_km(budget_km, "budget_km")
        if self.name == "status_quo":
            return regime
        base = regime.airfield(minsk)
        if base.party != "BLR":
            msg = (
                f"minsk_icao={minsk_icao!r} is {base.label} in {base.party}: the Minsk options "
                "need an airfield of Belarus (e.g. 'UMMS' Minsk National or 'UMLI' Machulishchi)"
            )
            raise ValidationError(msg)
        changes: dict[str, Airfield] = {}
        if self.name == "poe_only":
            changes[minsk] = _hypothetical(base, ("POE", "POX"), GROUP, None)
        elif self.name in ("added_osa", "replacement"):
            changes[minsk] = _hypothetical(base, ("POE", "POX", "OSA"), GROUP, budget)
            if self.name == "replacement":
                kub = regime.airfield(KUBINKA)
                changes[KUBINKA] = replace(
                    kub,
                    roles=tuple(r for r in kub.roles if r == "CANDIDATE"),
                    max_flight_distance_km=None,
                    max_flight_distance_source="withdrawn (replacement option, hypothetical)",
                    hypothetical=True,
                )
        elif self.name == "single_state":
            changes[minsk] = _hypothetical(base, ("POE", "POX", "OSA"), "BLR", budget)
            for a in _all_airfields(regime):
                if a.group == GROUP and a.party == "RUS":
                    changes[a.icao] = replace(a, group="RUS")
        return _with(regime, changes)

    def annex_e_ok(
        self,
        regime: Regime,
        *,
        minsk_icao: str = MINSK,
        budget_km: float | None = None,
        separated: bool | Iterable[str] = (),
    ) -> bool:
        """The ``annex_e_ok`` metric of this option with Minsk at ``budget_km``.

        For the group options, the relative rule of :func:`annex_e_ok` against
        ``regime`` (the designations as they stood): the option may not leave
        uncovered a mainland point that was covered (``added_osa``,
        ``poe_only`` and ``status_quo`` always pass; ``replacement`` passes
        from the ``"kubinka_share"`` floor of :func:`replacement_floors`). For
        ``single_state`` the absolute rule over Belarus alone (from about
        1,140 km).
        """
        mine = self.regime_for(regime, minsk_icao, budget_km)
        base = None if self.annex_e_group != GROUP else regime
        return annex_e_ok(mine, self.annex_e_group, baseline=base, separated=separated)

    def row_fields(
        self, regime: Regime, *, minsk_icao: str = MINSK, budget_km: float | None = None
    ) -> dict[str, Any]:
        """``scenario``, ``icao``, ``entry_point`` and ``budget_km`` of a ``metrics.csv`` row.

        ``budget_km`` is the Minsk distance of the row, or Kubinka's own
        maximum flight distance in ``regime`` for the options that do not use
        the Minsk distance (issue 14's output contract).
        """
        if self.row_budget == "kubinka":
            budget = regime.max_flight_distance_km(KUBINKA)
        else:
            if budget_km is None:
                msg = f"option {self.name!r}: give budget_km=, the row's Minsk distance"
                raise ValidationError(msg)
            budget = _positive_km(budget_km, "budget_km")
        return {
            "scenario": self.name,
            "icao": _sub(self.row_icao, minsk_icao),
            "entry_point": self.entry_point_icao(minsk_icao),
            "budget_km": float(budget),
        }


_P1 = "Annex E para 1 (POE/OSA designation; five hours)"
_P5 = "Annex E para 5(A) (35 % rule)"
OPTIONS: dict[str, EntryOption] = {
    "status_quo": EntryOption(
        "status_quo",
        "Enter at Kubinka and fly from Kubinka (practice 2002-2020).",
        KUBINKA,
        (KUBINKA,),
        "unused",
        GROUP,
        KUBINKA,
        "kubinka",
        "Annex E App. 1 (Kubinka POE/OSA); Annex A Sec. III (distance)",
    ),
    "poe_only": EntryOption(
        "poe_only",
        "Enter at Minsk; flights still commence at Kubinka, which must be reachable from "
        "the point of entry within five hours: the observer saves the ferry, not the budget.",
        MINSK,
        (KUBINKA,),
        "unused",
        GROUP,
        KUBINKA,
        "kubinka",
        _P1,
    ),
    "added_osa": EntryOption(
        "added_osa",
        "Minsk added as POE and OSA alongside Kubinka; each flight commences where it does "
        "best, so it is never worse than the status quo.",
        MINSK,
        (KUBINKA, MINSK),
        "osa_limit",
        GROUP,
        MINSK,
        "minsk",
        f"Annex E para 4 (changes to App. 1); {_P5}; Art. III Sec. II para 5 (group limit)",
    ),
    "replacement": EntryOption(
        "replacement",
        "Minsk replaces Kubinka as POE and OSA; the 35 % rule then binds Minsk's distance "
        "over the whole group with the remaining OSAs (Ulan-Ude, Vorkuta, Magadan).",
        MINSK,
        (MINSK,),
        "osa_limit",
        GROUP,
        MINSK,
        "minsk",
        f"Annex E para 4; {_P5}",
    ),
    "single_state": EntryOption(
        "single_state",
        "A Belarus-only POE/OSA at Minsk with a distance like single states of a similar "
        "size (Warsaw 1,400 km, Boryspil 2,100, Koeln/Bonn 1,300).",
        MINSK,
        (MINSK,),
        "osa_limit",
        "BLR",
        MINSK,
        "minsk",
        f"{_P5}; Annex A Sec. III (analogue distances)",
    ),
}


def option(name: str) -> EntryOption:
    """The :class:`EntryOption` called ``name`` (one of :data:`SCENARIOS`)."""
    key = str(name).strip().lower()
    if key not in OPTIONS:
        msg = f"unknown scenario {name!r}: choose one of {', '.join(SCENARIOS)}"
        raise UnknownCodeError(msg)
    return OPTIONS[key]


def _sub(code: str, minsk_icao: str) -> str:
    return str(minsk_icao).strip().upper() if code == MINSK else code


def _positive_km(value: Any, name: str) -> float:
    msg = f"{name}={_validate.shown(value)} must be a positive number of kilometres"
    return _validate.positive(value, msg)


def _all_airfields(regime: Regime) -> list[Airfield]:
    return [regime.airfield(i) for i in regime.airfields()["icao"]]


def _hypothetical(
    base: Airfield, roles: tuple[str, ...], group: str, mfd_km: float | None
) -> Airfield:
    return replace(
        base,
        roles=tuple(dict.fromkeys((*base.roles, *roles))),
        group=group,
        max_flight_distance_km=mfd_km,
        max_flight_distance_source="hypothetical (study parameter)" if mfd_km else "",
        hypothetical=True,
    )


def _with(regime: Regime, changes: dict[str, Airfield]) -> Regime:
    airfields = [changes.get(a.icao, a) for a in _all_airfields(regime)]
    return Regime(regime.year, tuple(airfields))


def _airfield(regime: Regime | None, value: str | Airfield) -> Airfield:
    if isinstance(value, Airfield):
        return value
    reg = as_regime(regime)
    return reg.airfield(value)


# --------------------------------------------------------------------------- Annex E para 1


@dataclass(frozen=True)
class FiveHourCheck:
    """Annex E para 1 for one point of entry and one OSA.

    Attributes
    ----------
    poe, osa : str
        ICAO codes.
    distance_km : float
        WGS84 geodesic POE -> OSA, km.
    speed_kmh : float
        Speed assumed for the ferry, km/h.
    speed_source : str
        Where the speed comes from (aircraft preset and its source, or user-given).
    route_factor : float
        Flown distance / geodesic distance assumed (1.0: direct).
    hours : float
        ``distance_km * route_factor / speed_kmh``.
    limit_h : float
        The treaty limit (5 h, ``timing.poe_to_osa_max``).
    ok : bool
        ``hours <= limit_h``.
    """

    poe: str
    osa: str
    distance_km: float
    speed_kmh: float
    speed_source: str
    route_factor: float
    hours: float
    limit_h: float
    ok: bool


def five_hour_check(
    poe: str | Airfield,
    osa: str | Airfield,
    *,
    aircraft: str | _aircraft.Aircraft = _aircraft.DEFAULT_PRESET,
    speed_kmh: float | None = None,
    route_factor: float = 1.0,
    regime: Regime | None = None,
) -> FiveHourCheck:
    """Whether ``osa`` can be reached from the point of entry ``poe`` within five hours.

    Parameters
    ----------
    poe, osa : str or Airfield
        ICAO codes (looked up in ``regime``) or airfields.
    aircraft : str or Aircraft
        Aircraft whose cruise speed is used (a preset name of
        :mod:`openskies.aircraft` or an :class:`~openskies.aircraft.Aircraft`);
        default the slowest preset, An-30B, 430 km/h: a conservative choice.
    speed_kmh : float, optional
        Ground speed in km/h, overriding the aircraft's (no wind is modelled).
    route_factor : float
        Flown distance over the geodesic distance (>= 1; 1.0 = direct, an
        assumption: airways add some distance).
    regime : Regime, optional
        Regime to look ICAO codes up in (default 2019's).

    Returns
    -------
    FiveHourCheck
    """
    a = _airfield(regime, poe)
    b = _airfield(regime, osa)
    if speed_kmh is not None:
        msg = f"speed_kmh={_validate.shown(speed_kmh)} must be a positive speed in km/h"
        speed = _validate.positive(speed_kmh, msg)
        source = "user-given"
    else:
        ac = _aircraft.as_aircraft(aircraft)
        speed = ac.cruise_speed_kmh
        source = f"{ac.name} cruise speed: {ac.sources['cruise_speed_kmh']}"
    factor = float(route_factor)
    if not math.isfinite(factor) or factor < 1.0:
        msg = f"route_factor={route_factor!r} must be a number >= 1 (flown / geodesic distance)"
        raise ValidationError(msg)
    dist = float(geodesy.distance_km(a.lon, a.lat, b.lon, b.lat))
    hours = dist * factor / speed
    limit = float(_geodata.treaty()["timing"]["poe_to_osa_max"]["value"])
    check = FiveHourCheck(a.icao, b.icao, dist, speed, source, factor, hours, limit, hours <= limit)
    logger.info(
        "Annex E para 1: %s -> %s %.1f km at %.0f km/h = %.2f h (limit %.0f h)",
        a.icao,
        b.icao,
        dist,
        speed,
        hours,
        limit,
    )
    return check


def osa_reachable_h(poe: str | Airfield, osa: str | Airfield, **options: Any) -> float:
    """Hours from the point of entry ``poe`` to the OSA ``osa``.

    Keyword options (``aircraft``, ``speed_kmh``, ``route_factor``,
    ``regime``) are those of :func:`five_hour_check`, which also says whether
    the five-hour limit holds.
    """
    return five_hour_check(poe, osa, **options).hours


def poe_only_check(
    regime: Regime | None = None, minsk_icao: str = MINSK, **kwargs: Any
) -> FiveHourCheck:
    """Annex E para 1 for the ``poe_only`` option: Minsk (POE) -> Kubinka (OSA).

    Keyword arguments are those of :func:`five_hour_check`.
    """
    reg = as_regime(regime)
    return five_hour_check(minsk_icao, KUBINKA, regime=reg, **kwargs)


# --------------------------------------------------------------------------- Annex E para 5(A)


def _osa_fraction(value: float | None) -> float:
    if value is None:
        node = _geodata.treaty()["max_flight_distance"]["osa_coverage_fraction"]
        return float(node["value"])
    v = float(value)
    if not 0 < v <= 1:
        msg = f"osa_fraction={value!r} must be a fraction in (0, 1] (Annex E: 0.35)"
        raise ValidationError(msg)
    return v


@lru_cache(maxsize=32)
def _mainland_cached(code: str, year: int, separated: bool | tuple[str, ...]) -> MultiPolygon:
    terr = territory.get(code, year=year)
    land = terr.geometry
    if separated is True:
        return land
    # Join the pieces cut at the antimeridian: shift the western hemisphere by +360 deg
    # where the territory also reaches 180 deg (Russia), so that Chukotka's two halves
    # form one polygon, then keep the largest connected mass.
    parts = geodesy.explode_polygons(land)
    reaches_180 = any(p.bounds[2] >= 180.0 - 1e-9 for p in parts)
    if reaches_180:
        parts = [_shift_east(p) if p.bounds[0] <= -180.0 + 1e-7 else p for p in parts]
    merged = geodesy.explode_polygons(shapely.union_all(parts))
    biggest = max(merged, key=geodesy.area_km2)
    keep: list[BaseGeometry] = [geodesy.split_antimeridian(biggest)]
    for sub in separated or ():
        keep.append(territory.get(sub, year=year).geometry)
    out = geodesy.as_multipolygon(shapely.union_all(keep))
    logger.info(
        "mainland of %s: %.0f km² of %.0f km² land (separated: %s)",
        code,
        geodesy.area_km2(out),
        terr.area_km2,
        separated or "excluded",
    )
    return out


def _shift_east(polygon: BaseGeometry) -> BaseGeometry:
    """Move a piece west of the antimeridian by +360 deg, snapping its cut edge to 180 exactly."""

    def shift(xy: np.ndarray) -> np.ndarray:
        out = xy + np.array([360.0, 0.0])
        out[np.abs(out[:, 0] - 180.0) < 1e-7, 0] = 180.0
        return out

    return shapely.transform(polygon, shift)


def mainland(
    code: str, *, year: int = territory.DEFAULT_YEAR, separated: bool | Iterable[str] = ()
) -> MultiPolygon:
    """Mainland territory of a party or group for Annex E para 5(A), (lon, lat) degrees WGS84.

    Parameters
    ----------
    code : str
        Observed party or group (``"BLR+RUS"``, ``"BLR"``...).
    year : int
        Regime year (party status only).
    separated : bool or iterable of str
        Portions "separated from the mainland territory" (para 5(B)) to hold
        to the 35 % rule as well: ``()`` (default) none, the mainland is the
        largest connected land mass (pieces cut at the antimeridian joined);
        a tuple of sub-region codes (``("RUS-KGD",)``, Kaliningrad) adds those;
        ``True`` takes all land, islands included.

    Returns
    -------
    shapely.MultiPolygon
        Split at the antimeridian, longitudes in [-180, 180].
    """
    sep: bool | tuple[str, ...] = (
        True if separated is True else tuple(str(s).upper() for s in (separated or ()))
    )
    return _mainland_cached(str(code).strip().upper(), int(year), sep)


def geodesic_disk(
    lon: float, lat: float, radius_km: float, *, n_vertices: int = DISK_VERTICES
) -> BaseGeometry:
    """The set of points within ``radius_km`` (WGS84 geodesic) of (lon, lat), as a polygon.

    Vertices lie exactly on the geodesic circle (``Geod.fwd`` at ``n_vertices``
    azimuths); the polygon is built with longitudes continuous around the
    centre, closed through the pole when it contains one, and split at the
    antimeridian.

    Parameters
    ----------
    lon, lat : float
        Centre, degrees WGS84.
    radius_km : float
        Radius in km (> 0, less than half the Earth's circumference).
    n_vertices : int
        Vertices on the circle.

    Returns
    -------
    shapely Polygon or MultiPolygon
        (lon, lat) degrees in [-180, 180].
    """
    r = _positive_km(radius_km, "radius_km")
    if r >= 19_900.0:
        msg = f"radius_km={radius_km!r} reaches the antipode: give less than 19,900 km"
        raise ValidationError(msg)
    geodesy.check_lonlat(lon, lat, what="disk centre")
    az = np.linspace(0.0, 360.0, n_vertices, endpoint=False)
    x, y, _ = geodesy.GEOD.fwd(
        np.full(n_vertices, float(lon)),
        np.full(n_vertices, float(lat)),
        az,
        np.full(n_vertices, r * 1000.0),
    )
    x = geodesy.unwrap_lon(np.asarray(x))  # continuous along the ring
    y = np.asarray(y)
    pole = next(
        (p for p in (90.0, -90.0) if float(geodesy.distance_km(lon, lat, lon, p)) < r), None
    )
    if pole is None:
        x = x - 360.0 * round((float(np.mean(x)) - float(lon)) / 360.0)
        ring = np.column_stack([x, y])
    else:
        # The circle winds once around the pole: close the ring through the pole.
        turn = 360.0 if x[-1] > x[0] else -360.0
        ring = np.vstack(
            [np.column_stack([x, y]), [[x[0] + turn, y[0]], [x[0] + turn, pole], [x[0], pole]]]
        )
    poly = shapely.make_valid(Polygon(ring))
    return geodesy.split_antimeridian(poly)


def _osa_disks(
    osas: Sequence[Airfield], fraction: float, *, n_vertices: int = DISK_VERTICES
) -> list[BaseGeometry]:
    out = []
    for a in osas:
        if a.max_flight_distance_km is None:
            msg = f"OSA {a.label} has no maximum flight distance: its 35 % radius is unknown"
            raise ValidationError(msg)
        out.append(
            geodesic_disk(a.lon, a.lat, fraction * a.max_flight_distance_km, n_vertices=n_vertices)
        )
    return out


def annex_e_uncovered(
    regime: Regime,
    group: str,
    *,
    exclude: Iterable[str] = (),
    separated: bool | Iterable[str] = (),
    osa_fraction: float | None = None,
    within: BaseGeometry | None = None,
) -> MultiPolygon:
    """Mainland of ``group`` farther than 35 % of every OSA's distance from it.

    Parameters
    ----------
    regime : Regime
        The regime whose OSAs of ``group`` (``regime.osas(group)``) count.
    group : str
        Observed party or group (``"BLR+RUS"``, ``"BLR"``).
    exclude : iterable of str
        ICAO codes of OSAs to leave out.
    separated : bool or iterable of str
        See :func:`mainland`.
    osa_fraction : float, optional
        Share of the maximum flight distance an OSA covers (default 0.35 from
        ``treaty.yaml``).
    within : shapely geometry, optional
        Only this part of the mainland, (lon, lat) degrees (e.g. the disk a
        replaced OSA covered).

    Returns
    -------
    shapely.MultiPolygon
        (lon, lat) degrees; empty when the rule holds.
    """
    fraction = _osa_fraction(osa_fraction)
    skip = {str(c).strip().upper() for c in exclude}
    osas = [a for a in regime.osas(group) if a.icao not in skip]
    land = mainland(group, year=regime.year, separated=separated)
    if within is not None:
        land = geodesy.as_multipolygon(shapely.make_valid(land.intersection(within)))
    if not osas:
        return land
    covered = shapely.union_all(_osa_disks(osas, fraction))
    return geodesy.as_multipolygon(shapely.make_valid(land.difference(covered)))


def annex_e_ok(
    regime: Regime,
    group: str,
    *,
    baseline: Regime | None = None,
    separated: bool | Iterable[str] = (),
    osa_fraction: float | None = None,
    tolerance_km2: float = 1.0,
) -> bool:
    """Whether the OSAs of ``group`` satisfy Annex E para 5(A) in ``regime``.

    Parameters
    ----------
    regime : Regime
        The regime to check.
    group : str
        Observed party or group (``"BLR+RUS"``, ``"BLR"``).
    baseline : Regime, optional
        None: the absolute rule, True when no more than ``tolerance_km2`` of
        the mainland lies beyond 35 % of the distance of every OSA. A regime
        (the designations as they stood, e.g. 2019's): the relative rule, True
        when ``regime`` leaves no more than ``tolerance_km2`` uncovered that
        ``baseline`` covered. The 1992 designations themselves leave a corner
        of Primorye uncovered, so the absolute rule fails for every option of
        the group whatever Minsk's distance; the relative rule asks whether an
        option makes it worse.
    separated : bool or iterable of str
        See :func:`mainland`.
    osa_fraction : float, optional
        Default 0.35 (``treaty.yaml``).
    tolerance_km2 : float
        Geodesic km² ignored (slivers between the polygonal disks and the circles).

    Returns
    -------
    bool
    """
    kw: dict[str, Any] = {"separated": separated, "osa_fraction": osa_fraction}
    left = annex_e_uncovered(regime, group, **kw)
    if baseline is not None:
        before = annex_e_uncovered(baseline, group, **kw)
        left = geodesy.as_multipolygon(shapely.make_valid(left.difference(before)))
    area = geodesy.area_km2(left)
    logger.info(
        "Annex E para 5(A) over %s: %.1f km² of mainland uncovered%s",
        group,
        area,
        " that the baseline covered" if baseline is not None else "",
    )
    return area <= tolerance_km2


@dataclass(frozen=True)
class AnnexEFloor:
    """The smallest maximum flight distance of one airfield that Annex E para 5(A) allows.

    Attributes
    ----------
    airfield : str
        ICAO of the airfield whose distance is sought.
    group : str
        Observed party or group.
    budget_km : float
        ``farthest_km / osa_fraction`` (0.0 when the other OSAs cover the
        whole mainland).
    farthest_km : float
        Geodesic distance from the airfield to the farthest mainland point
        the other OSAs leave uncovered, km.
    farthest_lonlat : tuple of float or None
        That point, (lon, lat) degrees.
    osa_fraction : float
        0.35 by default.
    others : tuple of str
        The other OSAs of the group, with their own distances, that count.
    uncovered_area_km2 : float
        Geodesic area the other OSAs leave uncovered.
    resolution_km : float
        Largest spacing of the boundary points evaluated: the true farthest
        point is within ``resolution_km / 2`` of one of them.
    """

    airfield: str
    group: str
    budget_km: float
    farthest_km: float
    farthest_lonlat: tuple[float, float] | None
    osa_fraction: float
    others: tuple[str, ...]
    uncovered_area_km2: float
    resolution_km: float
    separated: Any = field(default=(), compare=False)


def annex_e_floor(
    regime: Regime,
    group: str,
    airfield: str | Airfield,
    *,
    separated: bool | Iterable[str] = (),
    osa_fraction: float | None = None,
    max_segment_km: float = 1.0,
    within: BaseGeometry | None = None,
) -> AnnexEFloor:
    """The smallest maximum flight distance of ``airfield`` for which Annex E para 5(A) holds.

    The other OSAs of ``group`` in ``regime`` keep their own distances (each
    covers a geodesic disk of radius ``osa_fraction x`` its distance). The
    floor is the geodesic distance from ``airfield`` to the farthest point of
    S = mainland - union(other disks), over ``osa_fraction``. Geodesic
    distance from a point has no local maximum inside S (short of the
    antipode), so the farthest point lies on S's boundary, which is densified
    to ``max_segment_km`` and evaluated in full on the WGS84 ellipsoid.

    Parameters
    ----------
    regime : Regime
        Regime whose other OSAs of ``group`` count (``airfield`` itself is
        left out whether or not it is an OSA there).
    group : str
        Observed party or group whose mainland must be covered.
    airfield : str or Airfield
        The airfield (ICAO in ``regime``, or an Airfield) whose distance is sought.
    separated : bool or iterable of str
        See :func:`mainland`.
    osa_fraction : float, optional
        Default 0.35 (``treaty.yaml``).
    max_segment_km : float
        Spacing of the boundary points evaluated, km (the achieved spacing is
        returned as ``resolution_km``).
    within : shapely geometry, optional
        Only the mainland inside this geometry must be covered (see
        :func:`replacement_floors`).

    Returns
    -------
    AnnexEFloor
    """
    fraction = _osa_fraction(osa_fraction)
    step = _positive_km(max_segment_km, "max_segment_km")
    a = _airfield(regime, airfield)
    others = [o for o in regime.osas(group) if o.icao != a.icao]
    left = annex_e_uncovered(
        regime, group, exclude=(a.icao,), separated=separated, osa_fraction=fraction, within=within
    )
    area = geodesy.area_km2(left)
    if left.is_empty:
        floor = AnnexEFloor(a.icao, group, 0.0, 0.0, None, fraction, _names(others), 0.0, 0.0)
        logger.info("Annex E floor of %s over %s: the other OSAs cover all", a.icao, group)
        return floor
    # Densify in degrees so that no step exceeds max_segment_km on the ground: one
    # degree of latitude is >= 110.57 km, one of longitude at most that.
    dense = shapely.segmentize(left.boundary, step / 111.32)
    xy = shapely.get_coordinates(dense)
    n = len(xy)
    _, _, d_m = geodesy.GEOD.inv(np.full(n, a.lon), np.full(n, a.lat), xy[:, 0], xy[:, 1])
    d_km = np.asarray(d_m) / 1000.0
    i = int(np.argmax(d_km))
    far = float(d_km[i])
    floor = AnnexEFloor(
        airfield=a.icao,
        group=group,
        budget_km=far / fraction,
        farthest_km=far,
        farthest_lonlat=(float(xy[i, 0]), float(xy[i, 1])),
        osa_fraction=fraction,
        others=_names(others),
        uncovered_area_km2=area,
        resolution_km=_max_step_km(dense),
        separated=separated,
    )
    logger.info(
        "Annex E floor of %s over %s: farthest uncovered point %.1f km at (%.3f, %.3f) "
        "-> %.0f km (others: %s)",
        a.icao,
        group,
        far,
        *floor.farthest_lonlat,
        floor.budget_km,
        ", ".join(floor.others) or "none",
    )
    return floor


def min_budget_annex_e_km(
    regime: Regime,
    group: str,
    airfield: str | Airfield,
    *,
    separated: bool | Iterable[str] = (),
    osa_fraction: float | None = None,
) -> float:
    """Smallest maximum flight distance (km) of ``airfield`` that Annex E para 5(A) allows.

    See :func:`annex_e_floor` (which also returns the farthest point).
    """
    return annex_e_floor(
        regime, group, airfield, separated=separated, osa_fraction=osa_fraction
    ).budget_km


def replacement_floors(
    regime: Regime,
    minsk_icao: str = MINSK,
    *,
    separated: bool | Iterable[str] = (),
    osa_fraction: float | None = None,
) -> dict[str, AnnexEFloor]:
    """The Annex E para 5(A) floors of the ``replacement`` option, two ways.

    Parameters
    ----------
    regime : Regime
        The regime as it stood (with Kubinka, e.g. 2019's).
    minsk_icao : str
        The Minsk candidate.
    separated, osa_fraction
        See :func:`annex_e_floor`.

    Returns
    -------
    dict
        ``"whole_group"``: the floor of :func:`min_budget_annex_e_km` over the
        whole mainland of the group with Ulan-Ude, Vorkuta and Magadan at their
        own distances. ``"kubinka_share"``: Minsk must cover only what Kubinka
        covered (its 35 % disk) and the others do not: the smallest distance at
        which replacing Kubinka leaves no point uncovered that was covered.
        ``"status_quo_kubinka"``: Kubinka's own floor in ``regime``, for
        comparison (when it is below Kubinka's distance, the gaps elsewhere
        are not Kubinka's to close either).
    """
    fraction = _osa_fraction(osa_fraction)
    kub = regime.require_osa(KUBINKA)
    rep = option("replacement").regime_for(regime, minsk_icao, kub.max_flight_distance_km)
    minsk = _sub(MINSK, minsk_icao)
    disk = geodesic_disk(kub.lon, kub.lat, fraction * regime.max_flight_distance_km(KUBINKA))
    kw: dict[str, Any] = {"separated": separated, "osa_fraction": fraction}
    return {
        "whole_group": annex_e_floor(rep, GROUP, minsk, **kw),
        "kubinka_share": annex_e_floor(rep, GROUP, minsk, within=disk, **kw),
        "status_quo_kubinka": annex_e_floor(regime, GROUP, KUBINKA, **kw),
    }


def _names(osas: Sequence[Airfield]) -> tuple[str, ...]:
    return tuple(f"{o.icao} {o.max_flight_distance_km:g} km" for o in osas)


def _max_step_km(lines: BaseGeometry) -> float:
    worst = 0.0
    for g in getattr(lines, "geoms", [lines]):
        xy = shapely.get_coordinates(g)
        if len(xy) < 2:
            continue
        _, _, d = geodesy.GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
        worst = max(worst, float(np.max(d)) / 1000.0)
    return worst


# --------------------------------------------------------------------------- quotas


def _passive(code: str) -> float:
    passive = _geodata.treaty()["quotas"]["passive"]
    key = str(code).strip().upper()
    if key not in passive:
        missing = _geodata.treaty()["quotas"].get("passive_not_found", {}).get("value", [])
        hint = (
            "; its passive quota was set by an OSCC decision not found in the sources used "
            "here: pass total_active_quota= and passive_quota_observed= explicitly"
            if key in missing
            else ""
        )
        msg = (
            f"no passive quota is recorded for {code!r} in geodata/treaty.yaml (known: "
            f"{', '.join(sorted(passive))}){hint}"
        )
        raise UnknownCodeError(msg)
    return float(passive[key]["value"])


def observer_total_active_quota(observer: str) -> tuple[float, str]:
    """The observer's total active quota (flights/year) and where the figure comes from.

    The value reported in practice (``quotas.active_practice`` in
    ``treaty.yaml``) where one is recorded; otherwise the ceiling of Art. III
    Sec. I para 5, the observer's total passive quota (an assumption: the
    yearly OSCC distributions were not found).
    """
    quotas = _geodata.treaty()["quotas"]
    key = str(observer).strip().upper()
    practice = quotas.get("active_practice", {})
    if key in practice:
        return float(practice[key]["value"]), f"practice: {practice[key]['source']}"
    return _passive(key), "assumption: total passive quota, the ceiling of Art. III Sec. I para 5"


def observer_quota_flights_per_year(
    observer: str,
    observed: str,
    *,
    total_active_quota: float | None = None,
    passive_quota_observed: float | None = None,
) -> int:
    """Most observation flights a year ``observer`` may conduct over ``observed``.

    Art. III Sec. I para 10: 50 % rounded up of the observer's total active
    quota, or of the observed party's total passive quota, whichever is less
    (``quotas.active_share_limit`` in ``treaty.yaml``).

    Parameters
    ----------
    observer : str
        ISO3 code or group of the observing party (``"POL"``).
    observed : str
        Observed party or group (``"BLR+RUS"``).
    total_active_quota : float, optional
        The observer's total active quota, flights/year. Default: see
        `observer_total_active_quota` (Poland: 3, reported in practice).
    passive_quota_observed : float, optional
        The observed party's total passive quota (default from ``treaty.yaml``).

    Returns
    -------
    int
        Flights per year.
    """
    node = _geodata.treaty()["quotas"]["active_share_limit"]
    share = float(node["value"])
    if total_active_quota is None:
        active, active_source = observer_total_active_quota(observer)
    else:
        active, active_source = float(total_active_quota), "user-given"
    passive = (
        _passive(observed) if passive_quota_observed is None else float(passive_quota_observed)
    )
    for name, v in (("total_active_quota", active), ("passive_quota_observed", passive)):
        if not math.isfinite(v) or v < 0:
            msg = f"{name}={v!r} must be a non-negative number of flights per year"
            raise ValidationError(msg)
    # Round half-quotas like 1.5 up; the epsilon keeps 3.0000000001 from becoming 4.
    cap = min(math.ceil(share * active - 1e-9), math.ceil(share * passive - 1e-9))
    logger.info(
        "Art. III Sec. I para 10: %s over %s at most %d flights/year "
        "(total active quota %g, %s; passive quota of the observed %g)",
        observer,
        observed,
        cap,
        active,
        active_source,
        passive,
    )
    return int(cap)


def years_of_quota(flights: float, per_year: float, *, whole_years: bool = False) -> float:
    """Years of a yearly quota that ``flights`` observation flights use.

    Parameters
    ----------
    flights : float
        Flights needed (>= 0).
    per_year : float
        Flights the quota allows per year (> 0).
    whole_years : bool
        Round up to whole years (the calendar years the flights span).

    Returns
    -------
    float
        ``flights / per_year`` (or its ceiling).
    """
    try:
        f, p = float(flights), float(per_year)
    except (TypeError, ValueError):
        f, p = math.nan, math.nan
    if not math.isfinite(f) or f < 0:
        msg = f"flights={flights!r} must be a non-negative number"
        raise ValidationError(msg)
    if not math.isfinite(p) or p <= 0:
        msg = f"per_year={per_year!r} must be a positive number of flights per year"
        raise ValidationError(msg)
    years = f / p
    return float(math.ceil(years - 1e-12)) if whole_years else years


# --------------------------------------------------------------------------- analogues


@dataclass(frozen=True)
class Analogue:
    """A single State Party's OSA whose distance serves as a ``single_state`` analogue."""

    icao: str
    name: str
    party: str
    max_flight_distance_km: float
    source: str
    area_km2: float


def single_state_analogues(
    regime: Regime | None = None, icaos: Sequence[str] = ANALOGUE_ICAOS
) -> list[Analogue]:
    """Maximum flight distances of single states of a size like Belarus, with sources.

    Read from ``geodata/airfields.csv`` through the regime (default 2019).
    Raises if one has no distance or no source, so an unsourced figure never
    reaches a report.
    """
    reg = as_regime(regime)
    out = []
    for code in icaos:
        a = reg.require_osa(code)
        mfd = a.max_flight_distance_km
        src = a.max_flight_distance_source
        if mfd is None or not src:
            msg = f"{a.label}: no sourced maximum flight distance in geodata/airfields.csv"
            raise ValidationError(msg)
        area = territory.get(a.party, year=reg.year).area_km2
        out.append(Analogue(a.icao, a.name, a.party, float(mfd), src, float(area)))
    return out


# --------------------------------------------------------------------------- break-even


@dataclass(frozen=True)
class BreakEven:
    """Smallest Minsk distance at which Minsk does at least as well as a reference.

    Unpacks as ``(break_even_km, low_km, high_km)``.

    Attributes
    ----------
    break_even_km : float or None
        Smallest distance known to do at least as well (``high_km``), or None
        when no grid point does.
    low_km, high_km : float or None
        Bracket: ``low_km`` fails, ``high_km`` succeeds; ``low_km`` is None
        when the first grid point already succeeds, ``high_km`` None when none
        does.
    status : str
        ``"bracketed"``, ``"at_grid_start"`` (the first grid point succeeds:
        the break-even is at or below it) or ``"never"``.
    monotone : bool
        Whether every evaluated value (grid and bisection) is monotone in the
        distance in the ``better`` direction. When False the result is the
        last crossing on the grid (from which every grid point succeeds) and
        ``crossings`` lists every bracket where success starts.
    crossings : tuple of (float, float)
        Grid brackets (fail, succeed) where the comparison flips to success.
    evaluations : tuple of (float, float)
        Every (distance_km, value) evaluated, sorted by distance.
    reference : float
    better : str
    """

    break_even_km: float | None
    low_km: float | None
    high_km: float | None
    status: str
    monotone: bool
    crossings: tuple[tuple[float, float], ...]
    evaluations: tuple[tuple[float, float], ...]
    reference: float
    better: str

    def __iter__(self) -> Iterator[float | None]:
        return iter((self.break_even_km, self.low_km, self.high_km))


def break_even_km(
    evaluate: Callable[[float], float],
    grid_km: Iterable[float],
    reference: float,
    *,
    tol_km: float = 50.0,
    better: str = "lower",
) -> BreakEven:
    """Bracket and bisect the smallest Minsk distance at which Minsk matches ``reference``.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(distance_km) -> value`` of the metric with Minsk at that
        maximum flight distance (expected monotone: more distance is never worse).
    grid_km : iterable of float
        Distances to evaluate first, km (positive, distinct; sorted here).
    reference : float
        The reference value (Kubinka's).
    tol_km : float
        Bisection stops when ``high_km - low_km <= tol_km``.
    better : {"lower", "higher"}
        Whether a lower (flights, years) or higher (covered share) value is better.
        "At least as well" is ``value <= reference`` or ``value >= reference``.

    Returns
    -------
    BreakEven
        Unpacks as ``(break_even_km, low_km, high_km)``; ``status``,
        ``monotone`` and ``crossings`` say how far to trust it.
    """
    if better not in ("lower", "higher"):
        msg = f"better={better!r} must be 'lower' or 'higher'"
        raise ValidationError(msg)
    tol = _positive_km(tol_km, "tol_km")
    grid = sorted({_positive_km(g, "grid_km value") for g in grid_km})
    if not grid:
        msg = "grid_km is empty: give the Minsk distances to evaluate (e.g. 500 to 5,500 km)"
        raise ValidationError(msg)
    ref = float(reference)
    if not math.isfinite(ref):
        msg = f"reference={reference!r} must be a finite number"
        raise ValidationError(msg)
    values: dict[float, float] = {}

    def value(d: float) -> float:
        if d not in values:
            v = float(evaluate(d))
            if not math.isfinite(v):
                msg = f"evaluate({d:g}) returned {v!r}: the metric must be a finite number"
                raise ValidationError(msg)
            values[d] = v
        return values[d]

    def ok(d: float) -> bool:
        v = value(d)
        return v <= ref if better == "lower" else v >= ref

    flags = [ok(d) for d in grid]
    crossings = tuple(
        (grid[k - 1], grid[k]) for k in range(1, len(grid)) if flags[k] and not flags[k - 1]
    )
    if not flags[-1]:
        status, low, high = "never", grid[-1], None
    elif all(flags):
        status, low, high = "at_grid_start", None, grid[0]
    else:
        # The last crossing: every grid point above it succeeds.
        status = "bracketed"
        low, high = crossings[-1]
        while high - low > tol:
            mid = 0.5 * (low + high)
            if ok(mid):
                high = mid
            else:
                low = mid
    ev = tuple(sorted(values.items()))
    vals = np.array([v for _, v in ev])
    diffs = np.diff(vals)
    monotone = bool(np.all(diffs <= 0) if better == "lower" else np.all(diffs >= 0))
    result = BreakEven(
        break_even_km=high,
        low_km=low,
        high_km=high,
        status=status,
        monotone=monotone,
        crossings=crossings,
        evaluations=ev,
        reference=ref,
        better=better,
    )
    if not monotone:
        logger.warning(
            "break_even_km: the metric is not monotone in the distance (%d evaluations); "
            "result is the last crossing on the grid; crossings: %s",
            len(ev),
            crossings,
        )
    return result
