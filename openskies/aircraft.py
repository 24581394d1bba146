"""Aircraft profiles: cruise speed, unrefuelled range and usable altitude band.

A flight plan uses its aircraft for the mission duration (rule 7 of
:meth:`openskies.flightplan.FlightPlan.validate`, the 96-hour window) and for
the ICAO route string. The presets are aircraft flown under the Treaty on Open
Skies. Every value carries its source; a value that is an engineering choice
rather than a published figure is flagged as an assumption (see
:attr:`Aircraft.assumptions`), so that reports can say how firm a duration is.

Units: speeds km/h, distances km, altitudes metres above ground (the band in
which observation flights are planned, not a certified ceiling unless the
source says so).

Besides the four performance values each profile carries the operating values
a refuelling and altitude model needs (:data:`OPS_FIELDS`): the fuel reserve
(a fraction of the range and a minimum in minutes of cruise; the larger
applies), the ground time of a refuelling stop, and the margin kept below the
top of the altitude band when a sensor is flown as high as the aircraft allows.
None of them is published for an Open Skies aircraft: each is an assumption,
recorded in :attr:`Aircraft.ops_sources`. The model and every source:
``docs/sensors-and-aircraft.md``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from . import _validate
from ._errors import UnknownPresetError, ValidationError

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_PRESET", "OPS_FIELDS", "Aircraft", "as_aircraft", "preset", "presets"]

#: Preset used when a plan names no aircraft: the slowest preset, so that a
#: duration computed without an aircraft is not optimistic (an assumption).
DEFAULT_PRESET = "An-30B"

_VALUE_FIELDS = ("cruise_speed_kmh", "range_km", "min_altitude_m", "max_altitude_m")
#: Operating values with a default (assumptions unless a preset cites a source).
OPS_FIELDS = ("reserve_fraction", "reserve_min", "ground_time_per_stop_h", "ceiling_margin_m")

_OPS_DEFAULT_SOURCES = {
    "reserve_fraction": (
        "assumption: 10 % of the range kept as fuel reserve (no Open Skies figure published)"
    ),
    "reserve_min": (
        "assumption: at least 45 min at cruise speed kept as reserve (a common planning "
        "reserve; no Open Skies figure published)"
    ),
    "ground_time_per_stop_h": (
        "assumption: 1.5 h block to block for a refuelling stop with flight monitors aboard "
        "(fuel and paperwork, no customs inside the observed territory); no source found"
    ),
    "ceiling_margin_m": (
        "assumption: observation legs are planned 300 m (about 1,000 ft) below the top of the "
        "altitude band when that top is a service ceiling"
    ),
}


@dataclass(frozen=True)
class Aircraft:
    """Performance profile of an observation aircraft.

    Attributes
    ----------
    name : str
        Type name, e.g. ``"An-30B"``.
    cruise_speed_kmh : float
        Cruise (true air) speed used for durations, km/h. No wind is modelled.
    range_km : float
        Unrefuelled range, km.
    min_altitude_m, max_altitude_m : float
        Usable altitude band for observation legs, metres.
    sources : Mapping[str, str]
        For each of the four values above, where it comes from. A value whose
        source starts with ``"assumption"`` is an engineering choice.
    reserve_fraction : float
        Fuel reserve as a fraction of ``range_km``, in [0, 1).
    reserve_min : float
        Fuel reserve as minutes of cruise, >= 0; :attr:`reserve_km` takes the
        larger of the two reserves.
    ground_time_per_stop_h : float
        Block-to-block time of one refuelling stop, hours (>= 0).
    ceiling_margin_m : float
        Height (m, >= 0) kept below ``max_altitude_m`` when a sensor is flown
        as high as the aircraft allows
        (:meth:`openskies.sensors.Sensor.operating_height_m`).
    ops_sources : Mapping[str, str]
        For each operating value, where it comes from (``"assumption: ..."``).
    """

    name: str
    cruise_speed_kmh: float
    range_km: float
    min_altitude_m: float
    max_altitude_m: float
    sources: Any = field(default_factory=dict, compare=False)
    reserve_fraction: float = 0.10
    reserve_min: float = 45.0
    ground_time_per_stop_h: float = 1.5
    ceiling_margin_m: float = 300.0
    ops_sources: Any = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in _VALUE_FIELDS:
            value = getattr(self, name)
            v = _validate.number(value)
            if not math.isfinite(v) or (v <= 0 and name != "min_altitude_m") or v < 0:
                msg = (
                    f"aircraft {self.name!r}: {name}={value!r} must be a finite positive "
                    "number (km/h, km or m)"
                )
                raise ValidationError(msg)
            object.__setattr__(self, name, v)
        if self.min_altitude_m > self.max_altitude_m:
            msg = (
                f"aircraft {self.name!r}: min_altitude_m={self.min_altitude_m} is above "
                f"max_altitude_m={self.max_altitude_m}; give the band low to high"
            )
            raise ValidationError(msg)
        src = {k: str(self.sources.get(k, "assumption: not given")) for k in _VALUE_FIELDS}
        object.__setattr__(self, "sources", MappingProxyType(src))
        self._check_ops()
        ops = {k: str(self.ops_sources.get(k, _OPS_DEFAULT_SOURCES[k])) for k in OPS_FIELDS}
        object.__setattr__(self, "ops_sources", MappingProxyType(ops))

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # the read-only source mappings do not pickle: rebuild from plain dicts (workers of
        # a parallel study receive the aircraft)
        kw = {f.name: getattr(self, f.name) for f in fields(self)}
        kw["sources"] = dict(self.sources)
        kw["ops_sources"] = dict(self.ops_sources)
        return (_rebuild, (kw,))

    def _check_ops(self) -> None:
        ranges = {
            "reserve_fraction": (0.0, 1.0, "a fraction in [0, 1), e.g. 0.1 for 10 %"),
            "reserve_min": (0.0, math.inf, "minutes of cruise >= 0"),
            "ground_time_per_stop_h": (0.0, math.inf, "hours >= 0"),
            "ceiling_margin_m": (0.0, self.max_altitude_m, "metres >= 0, below max_altitude_m"),
        }
        for name, (lo, hi, what) in ranges.items():
            value = getattr(self, name)
            v = _validate.number(value)
            if not (math.isfinite(v) and lo <= v < hi):
                msg = f"aircraft {self.name!r}: {name}={value!r} must be {what}"
                raise ValidationError(msg)
            object.__setattr__(self, name, v)

    @property
    def assumptions(self) -> tuple[str, ...]:
        """Names of the values that are assumptions rather than published figures."""
        return tuple(k for k, v in self.sources.items() if v.lower().startswith("assumption"))

    @property
    def ops_assumptions(self) -> tuple[str, ...]:
        """Names of the operating values (:data:`OPS_FIELDS`) that are assumptions."""
        return tuple(k for k, v in self.ops_sources.items() if v.lower().startswith("assumption"))

    @property
    def reserve_km(self) -> float:
        """Fuel reserve as distance (km): the larger of the fraction and the minutes at cruise."""
        return max(
            self.reserve_fraction * self.range_km,
            self.reserve_min / 60.0 * self.cruise_speed_kmh,
        )

    @property
    def usable_range_km(self) -> float:
        """Distance (km) flyable between refuellings: ``range_km - reserve_km`` (>= 0)."""
        return max(self.range_km - self.reserve_km, 0.0)

    @property
    def top_height_m(self) -> float:
        """Highest planned height (m): ``max_altitude_m - ceiling_margin_m``."""
        return self.max_altitude_m - self.ceiling_margin_m

    def with_values(self, **values: float) -> Aircraft:
        """A copy with some values replaced; replaced values are marked as user-given.

        Any of the four performance values and of :data:`OPS_FIELDS` may be given.
        """
        known = _VALUE_FIELDS + OPS_FIELDS
        unknown = sorted(set(values) - set(known))
        if unknown:
            msg = f"unknown aircraft value(s) {unknown}: give any of {', '.join(known)}"
            raise ValidationError(msg)
        sources = dict(self.sources)
        sources.update(dict.fromkeys(set(values) & set(_VALUE_FIELDS), "user-given"))
        ops = dict(self.ops_sources)
        ops.update(dict.fromkeys(set(values) & set(OPS_FIELDS), "user-given"))
        return replace(self, **values, sources=sources, ops_sources=ops)


_TASS_2019 = "TASS 2019-04-22 (airrecognition.com): Tu-214 cruising speed 830-850 km/h"
_PRESETS: dict[str, dict[str, Any]] = {
    "An-30B": {
        "cruise_speed_kmh": 430.0,
        "range_km": 2630.0,
        "min_altitude_m": 300.0,
        "max_altitude_m": 8300.0,
        "sources": {
            "cruise_speed_kmh": "An-30 cruise speed 430 km/h (docnhanh.vn, An-30 type description)",
            "range_km": "An-30 range 2,630 km (docnhanh.vn, An-30 type description)",
            "min_altitude_m": (
                "assumption: 300 m, a low-altitude floor for planning; the treaty sets the "
                "minimum height from sensor calibration (Annex D)"
            ),
            "max_altitude_m": "An-30 service ceiling 8,300 m (docnhanh.vn, An-30 type description)",
        },
        "ops_sources": {
            "ceiling_margin_m": (
                "assumption: observation legs 300 m below the 8,300 m service ceiling, i.e. "
                "8,000 m above ground over low ground (no An-30B photographic band published)"
            ),
        },
    },
    "Saab 340": {
        "cruise_speed_kmh": 524.0,
        "range_km": 1350.0,
        "min_altitude_m": 300.0,
        "max_altitude_m": 7620.0,
        "sources": {
            "cruise_speed_kmh": "Saab 340B cruise speed 283 kn = 524 km/h (Wikipedia, Saab 340)",
            "range_km": "Saab 340B range 730 nmi = 1,350 km (Wikipedia, Saab 340)",
            "min_altitude_m": "assumption: 300 m planning floor (see An-30B)",
            "max_altitude_m": (
                "assumption: 25,000 ft = 7,620 m, the commonly quoted Saab 340 ceiling, "
                "not confirmed in the sources used here"
            ),
        },
    },
    "OC-135B": {
        "cruise_speed_kmh": 800.0,
        "range_km": 4800.0,
        "min_altitude_m": 900.0,
        "max_altitude_m": 10668.0,
        "sources": {
            "cruise_speed_kmh": (
                "assumption: 800 km/h (about Mach 0.65 at altitude) for a C-135B airframe; "
                "no published OC-135B cruise speed was found"
            ),
            "range_km": (
                "assumption: 4,800 km; no published OC-135B range was found (its planned "
                "replacement was specified with 7,200 km, key.aero)"
            ),
            "min_altitude_m": (
                "KS-87E framing cameras flown at about 3,000 ft = 900 m (key.aero; sbap.be 2015)"
            ),
            "max_altitude_m": (
                "KA-91C panoramic camera flown at about 35,000 ft = 10,668 m (key.aero)"
            ),
        },
        "ceiling_margin_m": 0.0,
        "ops_sources": {
            "ceiling_margin_m": (
                "0 m: the top of the band is the height the KA-91C panoramic camera was "
                "flown at (key.aero), not a service ceiling"
            ),
        },
    },
    "Tu-214ON": {
        "cruise_speed_kmh": 830.0,
        "range_km": 6500.0,
        "min_altitude_m": 500.0,
        "max_altitude_m": 12100.0,
        "sources": {
            "cruise_speed_kmh": _TASS_2019 + " (lower bound taken)",
            "range_km": "TASS 2019-04-22 (airrecognition.com): practical flight range 6,500 km",
            "min_altitude_m": "assumption: 500 m planning floor for a jet airliner airframe",
            "max_altitude_m": (
                "assumption: 12,100 m, the Tu-204/214 family ceiling commonly quoted; "
                "not confirmed in the sources used here"
            ),
        },
    },
}


def presets() -> dict[str, Aircraft]:
    """All bundled aircraft presets, by name."""
    return {name: Aircraft(name=name, **spec) for name, spec in _PRESETS.items()}


def preset(name: str) -> Aircraft:
    """A bundled aircraft preset by name (case- and punctuation-insensitive).

    Parameters
    ----------
    name : str
        ``"An-30B"``, ``"Saab 340"``, ``"OC-135B"`` or ``"Tu-214ON"``.

    Returns
    -------
    Aircraft
    """
    key = _norm(name)
    for preset_name, spec in _PRESETS.items():
        if _norm(preset_name) == key:
            return Aircraft(name=preset_name, **spec)
    msg = (
        f"unknown aircraft preset {name!r}: choose one of {', '.join(_PRESETS)}, or build "
        "openskies.aircraft.Aircraft(name, cruise_speed_kmh=..., range_km=..., "
        "min_altitude_m=..., max_altitude_m=...)"
    )
    raise UnknownPresetError(msg)


def as_aircraft(
    value: Any, *, field: str = "aircraft", allow_none: bool = False, default: str | None = None
) -> Aircraft | None:
    """An aircraft argument as an :class:`Aircraft`: an instance, or a preset name (:func:`preset`).

    The one coercion of every ``aircraft=`` argument of openskies
    (:func:`openskies._validate.instance_or_preset`).

    Parameters
    ----------
    value : Aircraft, str or None
        An Aircraft (returned as it is) or a preset name (case- and
        punctuation-insensitive: ``"an30b"`` is the An-30B).
    field : str
        The argument's name, as the error message shows it.
    allow_none : bool
        Whether None (no aircraft) is accepted and returned as None; ignored
        when ``default`` is given.
    default : str, optional
        The preset None stands for (e.g. :data:`DEFAULT_PRESET`).

    Returns
    -------
    Aircraft or None
        None only when ``value`` is None, ``allow_none`` and no ``default``.

    Raises
    ------
    UnknownPresetError
        An unknown preset name (an :class:`UnknownCodeError` and a
        :class:`ValidationError`); the message lists the presets.
    ValidationError
        A number, a mapping, another object, or None where it is not allowed.
    """
    return _validate.instance_or_preset(
        value,
        field=field,
        cls=Aircraft,
        kind="aircraft",
        instance="an openskies.aircraft.Aircraft(name, cruise_speed_kmh=..., range_km=..., ...)",
        lookup=preset,
        names=_PRESETS,
        allow_none=allow_none,
        default=None if default is None else (lambda: preset(default)),
    )


def _norm(name: object) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _rebuild(kw: dict[str, Any]) -> Aircraft:
    """An :class:`Aircraft` from its fields (unpickling)."""
    return Aircraft(**kw)
