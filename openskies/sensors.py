"""Observation sensors: swath geometry, treaty limits and the assumed presets.

A :class:`Sensor` describes the strip of ground imaged beside the flight path:
its width (the swath, km), whether it is centred on the track or lies on one
side (sideways-looking radar), the gap between the track and the near edge of a
one-sided swath, and the ground resolution. The treaty limits of Art. IV
para 2 are enforced when a sensor is built (see :data:`LIMITS`):

- optical panoramic and framing cameras: ground resolution no better than
  0.30 m, coverage up to 50 km each side of the flight path;
- video cameras: no better than 0.30 m;
- infra-red line scanners: no better than 0.50 m;
- sideways-looking synthetic aperture radar (SAR): no better than 3.0 m, swath
  no more than 25 km, on one side at a time.

No swath width of a certified sensor is public, so the presets of
:func:`preset` are documented assumptions (``geodata/treaty.yaml``,
``swath_presets``). The treaty states no coverage limit for video and
infra-red sensors; the optical 50 km per side is applied to them as well (an
assumption: no real line scanner or video camera comes near it).

Distances are km unless the name ends in ``_m``; angles are degrees.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from . import _geodata
from . import _limits as _caps
from ._errors import UnknownCodeError, ValidationError

logger = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "LIMITS",
    "PRESETS",
    "SIDES",
    "Sensor",
    "min_height_m",
    "preset",
    "swath_from_fov_km",
]

SensorKind = Literal["optical", "video", "ir", "sar"]
Side = Literal["both", "left", "right"]

#: Sensor categories of Art. IV para 1.
KINDS: tuple[str, ...] = ("optical", "video", "ir", "sar")
#: Where the swath lies relative to the direction of flight.
SIDES: tuple[str, ...] = ("both", "left", "right")
#: Names accepted by :func:`preset`.
PRESETS: tuple[str, ...] = ("optical_low", "optical_high_pan", "ir", "sar")

_PRESET_KIND: dict[str, str] = {
    "optical_low": "optical",
    "optical_high_pan": "optical",
    "ir": "ir",
    "sar": "sar",
}
_YAML_KIND = {"optical": "optical", "video": "video", "ir": "infrared", "sar": "sar"}


@dataclass(frozen=True)
class _Limit:
    resolution_m: float
    max_each_side_km: float | None
    max_swath_km: float | None
    one_side_only: bool
    source: str


def _limits() -> dict[str, _Limit]:
    sens = _geodata.treaty().get("sensors", {})

    def val(kind: str, *keys: str) -> Any:
        node: Any = sens.get(_YAML_KIND[kind], {})
        for k in keys:
            node = node.get(k, {}) if isinstance(node, dict) else {}
        return node.get("value") if isinstance(node, dict) else None

    each_side = float(val("optical", "coverage_each_side") or 50.0)
    return {
        "optical": _Limit(
            float(val("optical", "resolution_limit") or 0.30),
            each_side,
            None,
            False,
            "Art. IV para 2(A)",
        ),
        "video": _Limit(
            float(val("video", "resolution_limit") or 0.30),
            each_side,
            None,
            False,
            "Art. IV para 2(B); 50 km per side assumed as for optical",
        ),
        "ir": _Limit(
            float(val("ir", "resolution_limit") or 0.50),
            each_side,
            None,
            False,
            "Art. IV para 2(C); 50 km per side assumed as for optical",
        ),
        "sar": _Limit(
            float(val("sar", "resolution_limit") or 3.0),
            None,
            float(val("sar", "swath") or 25.0),
            True,
            "Art. IV para 2(D)",
        ),
    }


#: Treaty limits per sensor kind (from ``geodata/treaty.yaml``): best allowed ground
#: resolution (m), largest coverage each side of the path (km), largest swath (km).
LIMITS: dict[str, _Limit] = _limits()


def _finite(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        msg = f"{name}={value!r} is not a number"
        raise ValidationError(msg) from None
    if not math.isfinite(v):
        msg = f"{name}={value!r} must be a finite number"
        raise ValidationError(msg)
    return v


def swath_from_fov_km(height_agl_m: float, fov_deg: float) -> float:
    """Swath width (km) of a frame camera or scanner centred on nadir.

    ``swath = 2 * H * tan(FOV / 2)`` on flat ground.

    Parameters
    ----------
    height_agl_m : float
        Height above ground level, metres (> 0).
    fov_deg : float
        Full across-track field of view, degrees, in (0, 180).

    Returns
    -------
    float
        Swath width in km.
    """
    h = _finite("height_agl_m", height_agl_m)
    fov = _finite("fov_deg", fov_deg)
    if h <= 0:
        msg = f"height_agl_m={height_agl_m!r} must be a positive height above ground in metres"
        raise ValidationError(msg)
    if not 0.0 < fov < 180.0:
        msg = f"fov_deg={fov_deg!r} must be a full field of view in degrees, in (0, 180)"
        raise ValidationError(msg)
    return 2.0 * h * math.tan(math.radians(fov / 2.0)) / 1000.0


def min_height_m(
    calibration_height_m: float, measured_resolution_m: float, *, kind: str = "optical"
) -> float:
    """Minimum height above ground allowed for a sensor after calibration.

    Ground resolution grows in proportion to height, so a sensor that resolved
    ``measured_resolution_m`` at ``calibration_height_m`` reaches the treaty
    limit at ``H_min = H * (limit / measured)`` (Art. IV; Annex D).

    Parameters
    ----------
    calibration_height_m : float
        Height above ground (m) of the calibration flight.
    measured_resolution_m : float
        Ground resolution (m) measured over the calibration target.
    kind : {"optical", "video", "ir", "sar"}
        Sensor category, selecting the resolution limit of :data:`LIMITS`.

    Returns
    -------
    float
        Minimum height above ground level, metres.
    """
    lim = _limit(kind)
    h = _finite("calibration_height_m", calibration_height_m)
    r = _finite("measured_resolution_m", measured_resolution_m)
    if h <= 0 or r <= 0:
        msg = (
            f"calibration_height_m={calibration_height_m!r} and measured_resolution_m="
            f"{measured_resolution_m!r} must both be positive (metres)"
        )
        raise ValidationError(msg)
    return h * lim.resolution_m / r


def _limit(kind: str) -> _Limit:
    if kind not in LIMITS:
        msg = f"sensor kind={kind!r} is not known: choose from {', '.join(KINDS)}"
        raise ValidationError(msg)
    return LIMITS[kind]


@dataclass(frozen=True)
class Sensor:
    """An imaging sensor, reduced to the strip of ground it images beside the track.

    Give either ``swath_km`` or both ``height_agl_m`` and ``fov_deg``.

    Parameters
    ----------
    name : str
        Label used in reports.
    swath_km : float, optional
        Width of the imaged strip on the ground, km (> 0). For a one-sided
        sensor, the width of the strip on that side.
    height_agl_m : float, optional
        Flying height above ground, metres. With ``fov_deg`` it derives the
        swath as ``2 * H * tan(FOV / 2)``; with ``resolution_m`` it gives
        :attr:`min_height_agl_m`.
    fov_deg : float, optional
        Full across-track field of view, degrees.
    side : {"both", "left", "right"}
        ``"both"``: the strip is centred on the track. ``"left"``/``"right"``:
        it lies on that side of the direction of flight (SAR must be one-sided).
    near_range_km : float
        One-sided sensors: distance from the track to the near edge of the
        strip, km (>= 0). Must be 0 for a centred sensor.
    resolution_m : float, optional
        Ground resolution as flown (at ``height_agl_m`` if given), metres; must
        not be better (smaller) than the treaty limit of its kind.
    kind : {"optical", "video", "ir", "sar"}
        Sensor category (Art. IV para 1).
    note : str
        Where the numbers come from (assumption or source).

    Raises
    ------
    ValidationError
        Zero, negative or non-finite swath; a swath over the treaty cap (50 km
        each side of the path for optical, 25 km on one side for SAR); a SAR
        looking to both sides; a resolution better than the limit.
    """

    name: str
    swath_km: float | None = None
    height_agl_m: float | None = None
    fov_deg: float | None = None
    side: Side = "both"
    near_range_km: float = 0.0
    resolution_m: float | None = None
    kind: SensorKind = "optical"
    note: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        lim = _limit(self.kind)
        if self.side not in SIDES:
            msg = f"side={self.side!r} is not known: choose from {', '.join(SIDES)}"
            raise ValidationError(msg)
        if self.swath_km is None:
            if self.height_agl_m is None or self.fov_deg is None:
                msg = (
                    f"sensor {self.name!r}: give swath_km, or height_agl_m and fov_deg to "
                    "derive it (swath = 2 H tan(FOV/2))"
                )
                raise ValidationError(msg)
            object.__setattr__(self, "swath_km", swath_from_fov_km(self.height_agl_m, self.fov_deg))
        swath = _finite("swath_km", self.swath_km)
        object.__setattr__(self, "swath_km", swath)
        if swath <= 0:
            msg = f"sensor {self.name!r}: swath_km={self.swath_km!r} must be a positive width in km"
            raise ValidationError(msg)
        near = _finite("near_range_km", self.near_range_km)
        if near < 0:
            msg = f"sensor {self.name!r}: near_range_km={near!r} must be >= 0 km"
            raise ValidationError(msg)
        if self.side == "both" and near != 0:
            msg = (
                f"sensor {self.name!r}: near_range_km={near!r} applies only to a one-sided "
                "sensor; give side='left' or 'right', or near_range_km=0"
            )
            raise ValidationError(msg)
        if lim.one_side_only and self.side == "both":
            msg = (
                f"sensor {self.name!r}: a {self.kind} sensor images one side at a time "
                f"({lim.source}); give side='left' or side='right'"
            )
            raise ValidationError(msg)
        if lim.max_swath_km is not None and swath > lim.max_swath_km + 1e-9:
            msg = (
                f"sensor {self.name!r}: swath_km={swath:g} exceeds the treaty cap of "
                f"{lim.max_swath_km:g} km for {self.kind} ({lim.source}); give at most "
                f"{lim.max_swath_km:g}"
            )
            raise ValidationError(msg)
        if lim.max_each_side_km is not None:
            each_side = swath / 2.0 if self.side == "both" else near + swath
            if each_side > lim.max_each_side_km + 1e-9:
                allowed = (
                    2 * lim.max_each_side_km if self.side == "both" else lim.max_each_side_km - near
                )
                msg = (
                    f"sensor {self.name!r}: coverage reaches {each_side:g} km from the flight "
                    f"path, over the treaty cap of {lim.max_each_side_km:g} km each side for "
                    f"{self.kind} ({lim.source}); give swath_km <= {allowed:g}"
                )
                raise ValidationError(msg)
        if self.resolution_m is not None:
            res = _finite("resolution_m", self.resolution_m)
            if res <= 0:
                msg = f"sensor {self.name!r}: resolution_m={res!r} must be positive (metres)"
                raise ValidationError(msg)
            if res < lim.resolution_m - 1e-12:
                hint = ""
                if self.height_agl_m is not None:
                    hmin = self.height_agl_m * lim.resolution_m / res
                    hint = f" (fly at least {hmin:.0f} m above ground)"
                msg = (
                    f"sensor {self.name!r}: resolution_m={res:g} is better than the treaty "
                    f"limit of {lim.resolution_m:g} m for {self.kind} ({lim.source}); fly "
                    f"higher{hint} or give resolution_m >= {lim.resolution_m:g}"
                )
                raise ValidationError(msg)
        if self.height_agl_m is not None and _finite("height_agl_m", self.height_agl_m) <= 0:
            msg = f"sensor {self.name!r}: height_agl_m={self.height_agl_m!r} must be positive"
            raise ValidationError(msg)

    # -- geometry ---------------------------------------------------------------------------
    @property
    def width_km(self) -> float:
        """Swath width in km (``swath_km`` as a float)."""
        return float(self.swath_km)  # type: ignore[arg-type]

    @property
    def cross_track_km(self) -> tuple[float, float]:
        """Signed offsets (km) of the strip's edges from the track, positive to the right."""
        w = self.width_km
        if self.side == "both":
            return (-w / 2.0, w / 2.0)
        if self.side == "right":
            return (self.near_range_km, self.near_range_km + w)
        return (-(self.near_range_km + w), -self.near_range_km)

    @property
    def centre_offset_km(self) -> float:
        """Signed offset (km, positive to the right) of the strip's centre line from the track."""
        lo, hi = self.cross_track_km
        return (lo + hi) / 2.0

    @property
    def reach_km(self) -> float:
        """Largest distance (km) from the track at which the sensor images the ground."""
        lo, hi = self.cross_track_km
        return max(abs(lo), abs(hi))

    def effective_swath_km(self, overlap: float = 0.0) -> float:
        """Lane spacing (km) for a side overlap fraction: ``swath_km * (1 - overlap)``."""
        ov = _finite("overlap", overlap)
        if not 0.0 <= ov <= _caps.MAX_OVERLAP:
            msg = (
                f"overlap={overlap!r} must be a fraction in [0, {_caps.MAX_OVERLAP:g}], e.g. "
                "0.1 for 10 % (above it the lanes grow without bound; docs/security.md, Caps)"
            )
            raise ValidationError(msg)
        return self.width_km * (1.0 - ov)

    # -- resolution -------------------------------------------------------------------------
    @property
    def resolution_limit_m(self) -> float:
        """Best ground resolution (m) the treaty allows for this sensor's kind."""
        return LIMITS[self.kind].resolution_m

    @property
    def min_height_agl_m(self) -> float | None:
        """Lowest legal height above ground (m): ``H * limit / resolution``, if both are known."""
        if self.height_agl_m is None or self.resolution_m is None:
            return None
        return self.height_agl_m * self.resolution_limit_m / float(self.resolution_m)

    def with_swath(self, swath_km: float) -> Sensor:
        """A copy with another swath width (km), validated again."""
        return replace(self, swath_km=swath_km, height_agl_m=None, fov_deg=None)


def preset(name: str) -> Sensor:
    """One of the documented sensor presets (assumptions, ``geodata/treaty.yaml``).

    ============================  ========  ===========  ==============================
    name                          swath km  geometry     derivation (assumption)
    ============================  ========  ===========  ==============================
    ``optical_low``               5         centred      framing camera, H = 3 km,
                                                         FOV 80 deg: 2 * 3 * tan 40 deg
    ``optical_high_pan``          35        centred      panoramic (KA-91C) at ~11 km,
                                                         60 deg half scan gives 38 km;
                                                         35 km conservative
    ``ir``                        4         centred      placeholder (no public value)
    ``sar``                       25        right side   the treaty maximum swath,
                                                         near range 0 km
    ============================  ========  ===========  ==============================

    Resolutions are set to the treaty limits (0.30, 0.30, 0.50, 3.0 m).

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.

    Returns
    -------
    Sensor
    """
    key = str(name).strip().lower()
    presets = _geodata.treaty().get("swath_presets", {})
    if key not in PRESETS or key not in presets:
        msg = f"unknown sensor preset {name!r}: choose from {', '.join(PRESETS)}"
        raise UnknownCodeError(msg)
    spec = presets[key]
    kind = _PRESET_KIND[key]
    one_side = str(spec.get("geometry", "centred")) == "one_side"
    note = " ".join(str(spec.get("note", "")).split())
    sensor = Sensor(
        name=key,
        swath_km=float(spec["value"]),
        side="right" if one_side else "both",
        near_range_km=float(spec.get("near_range_km", 0.0)) if one_side else 0.0,
        resolution_m=LIMITS[kind].resolution_m,
        kind=kind,  # type: ignore[arg-type]
        note=f"assumption: {note}" if spec.get("assumption") else note,
    )
    logger.debug("sensor preset %s: %.1f km %s", key, sensor.width_km, sensor.side)
    return sensor
