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
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ._errors import UnknownCodeError, ValidationError

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_PRESET", "Aircraft", "preset", "presets"]

#: Preset used when a plan names no aircraft: the slowest preset, so that a
#: duration computed without an aircraft is not optimistic (an assumption).
DEFAULT_PRESET = "An-30B"

_VALUE_FIELDS = ("cruise_speed_kmh", "range_km", "min_altitude_m", "max_altitude_m")


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
    """

    name: str
    cruise_speed_kmh: float
    range_km: float
    min_altitude_m: float
    max_altitude_m: float
    sources: Any = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in _VALUE_FIELDS:
            value = getattr(self, name)
            try:
                v = float(value)
            except (TypeError, ValueError):
                v = math.nan
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

    @property
    def assumptions(self) -> tuple[str, ...]:
        """Names of the values that are assumptions rather than published figures."""
        return tuple(k for k, v in self.sources.items() if v.lower().startswith("assumption"))

    def with_values(self, **values: float) -> Aircraft:
        """A copy with some values replaced; replaced values are marked as user-given."""
        unknown = sorted(set(values) - set(_VALUE_FIELDS))
        if unknown:
            msg = f"unknown aircraft value(s) {unknown}: give any of {', '.join(_VALUE_FIELDS)}"
            raise ValidationError(msg)
        sources = dict(self.sources)
        sources.update(dict.fromkeys(values, "user-given"))
        return replace(self, **values, sources=sources)


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
    raise UnknownCodeError(msg)


def _norm(name: object) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())
