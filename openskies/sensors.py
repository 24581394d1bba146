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

Sensors at altitude: a sensor keeps its geometry (:attr:`Sensor.fov_deg`, the
full across-track angle or scan angle, and :attr:`Sensor.ifov_mrad`, the angle
of one ground-resolution element, which fixes the ground sample distance
``GSD = H * ifov`` at nadir) and derives swath and ground resolution from the
flying height above ground H (:meth:`Sensor.at_height`):

- swath ``2 * H * tan(FOV / 2)`` (flat ground, centred on nadir);
- frame camera: a uniform ground sample distance ``H * p / f`` across the frame;
- panoramic camera and line scanner: at scan angle theta from nadir the ground
  element is ``GSD / cos^2(theta)`` across track and ``GSD / cos(theta)`` along
  track (Gao, *Digital Analysis of Remotely Sensed Imagery*, 2009, eqs. 5.4-5.8);
- sideways-looking radar: resolution independent of height; the near edge of
  its one-sided swath lies ``H * tan(near_range_angle)`` from the track.

:attr:`Sensor.min_height_agl_m` is the height where the treaty resolution
limit of its kind is reached (Art. IV para 2, Annex D: a sensor may not
resolve finer), :meth:`Sensor.resolution_widths_km` the imaged width per
ground-resolution class, and :meth:`Sensor.operating_height_m` the height it
is flown at on an aircraft (:mod:`openskies.aircraft`). Every formula and
source: ``docs/sensors-and-aircraft.md``.

Distances are km unless the name ends in ``_m``; angles are degrees.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

from . import _geodata, _validate
from . import _limits as _caps
from . import aircraft as _aircraft
from ._errors import UnknownPresetError, ValidationError

logger = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "LIMITS",
    "PRESETS",
    "RESOLUTION_CLASSES_M",
    "SCANS",
    "SIDES",
    "GroundSample",
    "Sensor",
    "as_sensor",
    "min_height_m",
    "preset",
    "swath_from_fov_km",
]

SensorKind = Literal["optical", "video", "ir", "sar"]
Side = Literal["both", "left", "right"]
Scan = Literal["frame", "panoramic", "line_scanner", "side_looking"]

#: Sensor categories of Art. IV para 1.
KINDS: tuple[str, ...] = ("optical", "video", "ir", "sar")
#: Where the swath lies relative to the direction of flight.
SIDES: tuple[str, ...] = ("both", "left", "right")
#: How the ground resolution varies across the swath: ``"frame"`` uniform (a vertical
#: frame camera over flat ground), ``"panoramic"`` and ``"line_scanner"`` 1/cos^2 across and
#: 1/cos along track, ``"side_looking"`` (radar) independent of height.
SCANS: tuple[str, ...] = ("frame", "panoramic", "line_scanner", "side_looking")
_DEFAULT_SCAN = {"optical": "frame", "video": "frame", "ir": "line_scanner", "sar": "side_looking"}
#: Upper bounds (m) of the ground-resolution classes of :meth:`Sensor.resolution_widths_km`.
RESOLUTION_CLASSES_M: tuple[float, ...] = (0.5, 1.0)
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
    h = _validate.finite(height_agl_m, "height_agl_m")
    fov = _validate.finite(fov_deg, "fov_deg")
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
    h = _validate.finite(calibration_height_m, "calibration_height_m")
    r = _validate.finite(measured_resolution_m, "measured_resolution_m")
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
    scan : {"frame", "panoramic", "line_scanner", "side_looking"}, optional
        How ground resolution varies across the swath (:data:`SCANS`); default
        by kind: frame for optical and video, line scanner for infra-red,
        side-looking for SAR.
    ifov_mrad : float, optional
        Angle of one ground-resolution element, milliradians (pixel pitch /
        focal length for a digital frame camera, ``1 / (2 f R)`` for film of
        resolving power R, the instantaneous field of view of a scanner):
        the nadir ground resolution at height H is ``H * ifov``. With it,
        :attr:`min_height_agl_m` is ``limit / ifov``, and ``resolution_m`` is
        derived when ``height_agl_m`` is given without it.
    nominal_height_agl_m : float, optional
        Height above ground (m) the sensor is meant to be flown at
        (:meth:`operating_height_m` keeps it within the aircraft's band);
        None: as high as the aircraft allows.
    near_range_angle_deg : float, optional
        One-sided sensors: angle from vertical of the swath's near edge, in
        [0, 90); :meth:`at_height` places the near edge at ``H * tan(angle)``.

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
    scan: Scan | None = None
    ifov_mrad: float | None = None
    nominal_height_agl_m: float | None = None
    near_range_angle_deg: float | None = None

    def __post_init__(self) -> None:
        lim = _limit(self.kind)
        if self.side not in SIDES:
            msg = f"side={self.side!r} is not known: choose from {', '.join(SIDES)}"
            raise ValidationError(msg)
        self._check_geometry()
        if self.swath_km is None:
            if self.height_agl_m is None or self.fov_deg is None:
                msg = (
                    f"sensor {self.name!r}: give swath_km, or height_agl_m and fov_deg to "
                    "derive it (swath = 2 H tan(FOV/2))"
                )
                raise ValidationError(msg)
            object.__setattr__(self, "swath_km", swath_from_fov_km(self.height_agl_m, self.fov_deg))
        swath = _validate.finite(self.swath_km, "swath_km")
        object.__setattr__(self, "swath_km", swath)
        if swath <= 0:
            msg = f"sensor {self.name!r}: swath_km={self.swath_km!r} must be a positive width in km"
            raise ValidationError(msg)
        near = _validate.finite(self.near_range_km, "near_range_km")
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
            res = _validate.finite(self.resolution_m, "resolution_m")
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
        h = self.height_agl_m
        if h is not None and _validate.finite(h, "height_agl_m") <= 0:
            msg = f"sensor {self.name!r}: height_agl_m={self.height_agl_m!r} must be positive"
            raise ValidationError(msg)

    def _check_geometry(self) -> None:
        """Validate the at-height geometry and derive ``resolution_m`` from ``ifov_mrad``."""
        scan = _DEFAULT_SCAN[self.kind] if self.scan is None else self.scan
        if scan not in SCANS:
            msg = (
                f"sensor {self.name!r}: scan={scan!r} is not known: choose from {', '.join(SCANS)}"
            )
            raise ValidationError(msg)
        if (scan == "side_looking") != (self.kind == "sar"):
            msg = (
                f"sensor {self.name!r}: scan={scan!r} does not fit kind={self.kind!r}: "
                "'side_looking' is the radar's scan (kind='sar') and only the radar's"
            )
            raise ValidationError(msg)
        object.__setattr__(self, "scan", scan)
        for name in ("ifov_mrad", "nominal_height_agl_m", "fov_deg"):
            value = getattr(self, name)
            if value is None:
                continue
            v = _validate.finite(value, name)
            if v <= 0 or (name == "fov_deg" and v >= 180.0):
                what = "in (0, 180) degrees" if name == "fov_deg" else "positive"
                msg = f"sensor {self.name!r}: {name}={value!r} must be {what}"
                raise ValidationError(msg)
            object.__setattr__(self, name, v)
        if self.near_range_angle_deg is not None:
            a = _validate.finite(self.near_range_angle_deg, "near_range_angle_deg")
            if not 0.0 <= a < 90.0 or self.side == "both":
                msg = (
                    f"sensor {self.name!r}: near_range_angle_deg={self.near_range_angle_deg!r} "
                    "must be in [0, 90) degrees from vertical, on a one-sided sensor "
                    "(side='left' or 'right')"
                )
                raise ValidationError(msg)
            object.__setattr__(self, "near_range_angle_deg", a)
        if self.resolution_m is None and self.ifov_mrad is not None and self.height_agl_m:
            h = _validate.finite(self.height_agl_m, "height_agl_m")
            object.__setattr__(self, "resolution_m", h * self.ifov_mrad / 1000.0)

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
        ov = _validate.finite(overlap, "overlap")
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
        """Lowest legal height above ground (m), where the treaty resolution limit is reached.

        ``limit / ifov`` when :attr:`ifov_mrad` is known (Art. IV para 2: optical
        0.30 m, infra-red 0.50 m), else ``H * limit / resolution`` from the
        height and resolution as flown (the OSCC calibration rule
        ``H_min = H * L_a / L``), else None. None for a radar: its resolution
        does not depend on height.
        """
        if self.scan == "side_looking":
            return None
        if self.ifov_mrad is not None:
            return self.resolution_limit_m / (self.ifov_mrad / 1000.0)
        if self.height_agl_m is None or self.resolution_m is None:
            return None
        return self.height_agl_m * self.resolution_limit_m / float(self.resolution_m)

    def with_swath(self, swath_km: float) -> Sensor:
        """A copy with another swath width (km), validated again."""
        return replace(self, swath_km=swath_km, height_agl_m=None, fov_deg=None)

    # -- at a height above ground -----------------------------------------------------------
    def swath_at_km(self, height_agl_m: float) -> float:
        """Swath width (km) at a height above ground: ``2 * H * tan(FOV / 2)``.

        A radar's swath (``swath_km``) does not scale with height.

        Parameters
        ----------
        height_agl_m : float
            Height above ground level, metres (> 0).

        Raises
        ------
        ValidationError
            A non-radar sensor without ``fov_deg``, or a bad height.
        """
        h = _height(height_agl_m)
        if self.scan == "side_looking":
            return self.width_km
        if self.fov_deg is None:
            msg = (
                f"sensor {self.name!r} has no fov_deg: give its full across-track field of view "
                "(or scan angle) in degrees to derive its swath from a height"
            )
            raise ValidationError(msg)
        return swath_from_fov_km(h, self.fov_deg)

    def nadir_gsd_m(self, height_agl_m: float) -> float:
        """Ground resolution (m) at nadir at a height above ground: ``H * ifov``.

        Without :attr:`ifov_mrad`, scaled from the resolution as flown
        (``resolution_m * H / height_agl_m``). A radar returns ``resolution_m``.
        """
        h = _height(height_agl_m)
        if self.scan == "side_looking" and self.resolution_m is not None:
            return float(self.resolution_m)
        if self.ifov_mrad is not None:
            return h * self.ifov_mrad / 1000.0
        if self.height_agl_m is not None and self.resolution_m is not None:
            return float(self.resolution_m) * h / float(self.height_agl_m)
        msg = (
            f"sensor {self.name!r}: its ground resolution at a height is unknown: give "
            "ifov_mrad, or height_agl_m with resolution_m"
        )
        raise ValidationError(msg)

    def gsd_m(self, height_agl_m: float, *, offset_km: float = 0.0) -> GroundSample:
        """Ground sample distance (m) across and along track, ``offset_km`` from the track.

        Frame camera: uniform, the nadir value ``g0 = H * ifov``. Panoramic
        camera or line scanner at scan angle ``theta = atan(offset / H)``:
        ``g0 / cos^2(theta)`` across track and ``g0 / cos(theta)`` along track
        (slant range ``H / cos(theta)``; Gao 2009, eqs. 5.4-5.8). Radar: its
        ``resolution_m`` in both directions.

        Parameters
        ----------
        height_agl_m : float
            Height above ground level, metres (> 0), flat ground.
        offset_km : float
            Ground distance from the track, km (either sign).

        Returns
        -------
        GroundSample
            ``(across_m, along_m)``.
        """
        g0 = self.nadir_gsd_m(height_agl_m)
        if self.scan in ("frame", "side_looking"):
            return GroundSample(g0, g0)
        offset_m = abs(_validate.finite(offset_km, "offset_km")) * 1000.0
        c = math.cos(math.atan(offset_m / height_agl_m))
        return GroundSample(g0 / (c * c), g0 / c)

    def at_height(self, height_agl_m: float) -> Sensor:
        """A copy flown at a height above ground: swath, resolution and near range derived.

        The swath is ``2 * H * tan(FOV / 2)`` (a radar keeps its swath), the
        resolution the nadir value (:meth:`nadir_gsd_m`), a one-sided sensor
        with ``near_range_angle_deg`` gets its near edge at ``H * tan(angle)``.

        Raises
        ------
        ValidationError
            Below :attr:`min_height_agl_m` (the resolution would be better than
            the treaty allows), or a swath beyond the treaty caps.
        """
        h = _height(height_agl_m)
        hmin = self.min_height_agl_m
        if hmin is not None and h < hmin * (1.0 - 1e-12):
            msg = (
                f"sensor {self.name!r}: height_agl_m={height_agl_m!r} is below {hmin:,.0f} m, "
                f"where it reaches the treaty limit of {self.resolution_limit_m:g} m for "
                f"{self.kind} ({LIMITS[self.kind].source}); fly at least {hmin:,.0f} m above "
                "ground"
            )
            raise ValidationError(msg)
        near = self.near_range_km
        if self.near_range_angle_deg is not None:
            near = h * math.tan(math.radians(self.near_range_angle_deg)) / 1000.0
        res = max(self.nadir_gsd_m(h), self.resolution_limit_m) if hmin is not None else None
        return replace(
            self,
            swath_km=self.swath_at_km(h),
            height_agl_m=h,
            near_range_km=near,
            resolution_m=res if res is not None else self.resolution_m,
        )

    def resolution_widths_km(
        self, height_agl_m: float, *, classes_m: tuple[float, ...] = RESOLUTION_CLASSES_M
    ) -> dict[str, float]:
        """Imaged width (km) per ground-resolution class at a height above ground.

        A point of the strip falls in the first class whose upper bound its
        across-track ground sample distance (the coarser of the two
        directions, :meth:`gsd_m`) does not exceed. For a panoramic camera or
        line scanner with nadir value ``g0`` the bound ``b`` is met out to
        ``H * tan(acos(sqrt(g0 / b)))`` from the track; a frame camera or radar
        puts its whole swath in one class.

        Parameters
        ----------
        height_agl_m : float
            Height above ground level, metres; at least :attr:`min_height_agl_m`.
        classes_m : tuple of float
            Increasing upper bounds of the classes, metres (default 0.5, 1).

        Returns
        -------
        dict
            ``{"<= 0.5 m": km, "<= 1 m": km, "coarser": km}``, summing to the swath.
        """
        bounds = [_validate.finite(b, "classes_m") for b in classes_m]
        if not bounds or any(b <= 0 for b in bounds) or bounds != sorted(set(bounds)):
            msg = f"classes_m={classes_m!r} must be increasing positive bounds in metres"
            raise ValidationError(msg)
        flown = self.at_height(height_agl_m)
        lo, hi = flown.cross_track_km
        g0 = self.nadir_gsd_m(height_agl_m)
        out: dict[str, float] = {}
        done = 0.0
        for b in bounds:
            if g0 > b * (1.0 + 1e-12):
                reach = -1.0
            elif self.scan in ("frame", "side_looking"):
                reach = math.inf
            else:
                reach = height_agl_m * math.tan(math.acos(math.sqrt(g0 / b))) / 1000.0
            inside = 0.0 if reach < 0 else _overlap_km(lo, hi, -reach, reach)
            out[f"<= {b:g} m"] = inside - done
            done = inside
        out["coarser"] = (hi - lo) - done
        return out

    def operating_height_m(self, aircraft: Any = None, *, ground_elevation_m: float = 0.0) -> float:
        """Height above ground (m) this sensor is flown at on an aircraft.

        The band is ``[max(aircraft.min_altitude_m, min_height_agl_m),
        aircraft.top_height_m - ground_elevation_m]`` (the top is the
        aircraft's ``max_altitude_m`` less its ``ceiling_margin_m``, a height
        above sea level, so the ground under the track lowers it). Within it
        the sensor flies at :attr:`nominal_height_agl_m`, or as high as the
        band allows when that is None or above the band.

        Parameters
        ----------
        aircraft : Aircraft or str, optional
            The aircraft or a preset name (:func:`openskies.aircraft.preset`);
            default :data:`openskies.aircraft.DEFAULT_PRESET`.
        ground_elevation_m : float
            Elevation of the ground under the observation legs, metres above
            sea level (>= 0; 0 = the band read as heights above ground).

        Raises
        ------
        ValidationError
            The band is empty: the aircraft cannot fly high enough for the
            sensor's minimum height (the message gives both heights).
        """
        ac = _aircraft.as_aircraft(aircraft, default=_aircraft.DEFAULT_PRESET)
        ground = _validate.finite(ground_elevation_m, "ground_elevation_m")
        if ground < 0:
            msg = f"ground_elevation_m={ground_elevation_m!r} must be >= 0 m above sea level"
            raise ValidationError(msg)
        top = ac.top_height_m - ground
        low = max(ac.min_altitude_m, self.min_height_agl_m or 0.0)
        if low > top:
            msg = (
                f"sensor {self.name!r} must fly at least {low:,.0f} m above ground (treaty "
                f"resolution limit {self.resolution_limit_m:g} m, or the aircraft's floor) but "
                f"the {ac.name} flies at most {top:,.0f} m above ground here (max_altitude_m "
                f"{ac.max_altitude_m:,.0f} - ceiling_margin_m {ac.ceiling_margin_m:,.0f} - "
                f"ground {ground:,.0f}); choose an aircraft with a higher ceiling or a sensor "
                "with a lower minimum height"
            )
            raise ValidationError(msg)
        want = self.nominal_height_agl_m if self.nominal_height_agl_m is not None else top
        return min(max(want, low), top)

    def flown_on(
        self,
        aircraft: Any = None,
        *,
        ground_elevation_m: float = 0.0,
        height_agl_m: float | None = None,
    ) -> Sensor:
        """A copy flown on an aircraft: :meth:`at_height` of :meth:`operating_height_m`.

        Give ``height_agl_m`` to choose the height yourself; it must lie in the
        band of :meth:`operating_height_m`.
        """
        h = self.operating_height_m(aircraft, ground_elevation_m=ground_elevation_m)
        if height_agl_m is not None:
            ac = _aircraft.as_aircraft(aircraft, default=_aircraft.DEFAULT_PRESET)
            want = _height(height_agl_m)
            low = max(ac.min_altitude_m, self.min_height_agl_m or 0.0)
            top = ac.top_height_m - float(ground_elevation_m)
            if not low * (1 - 1e-12) <= want <= top * (1 + 1e-12):
                msg = (
                    f"sensor {self.name!r} on the {ac.name}: height_agl_m={height_agl_m!r} is "
                    f"outside the band {low:,.0f}-{top:,.0f} m above ground; give a height in it"
                )
                raise ValidationError(msg)
            h = want
        return self.at_height(h)


class GroundSample(NamedTuple):
    """Ground sample distance (m) of a sensor at a point: across and along the track."""

    across_m: float
    along_m: float


def _height(value: Any) -> float:
    h = _validate.finite(value, "height_agl_m")
    if h <= 0:
        msg = f"height_agl_m={value!r} must be a positive height above ground in metres"
        raise ValidationError(msg)
    return h


def _overlap_km(lo: float, hi: float, a: float, b: float) -> float:
    return max(0.0, min(hi, b) - max(lo, a))


def preset(name: str, *, aircraft: Any = None, ground_elevation_m: float = 0.0) -> Sensor:
    """One of the documented sensor presets, flown at its operating height on an aircraft.

    Each preset carries its geometry (``at_height`` in ``geodata/treaty.yaml``,
    assumptions): :attr:`Sensor.fov_deg`, :attr:`Sensor.ifov_mrad` (hence
    :attr:`Sensor.min_height_agl_m`), :attr:`Sensor.scan` and
    :attr:`Sensor.nominal_height_agl_m`; the swath and the nadir resolution follow
    from the height it is flown at (:meth:`Sensor.flown_on`), by default on the
    default aircraft (:data:`openskies.aircraft.DEFAULT_PRESET`, the An-30B):

    ======================  ============  =======  =============  ============
    name                    scan          FOV deg  min height m   flown at m
    ======================  ============  =======  =============  ============
    ``optical_low``         frame         80       900            3,000
    ``optical_high_pan``    panoramic     120      7,315 (film)   10,668
    ``ir``                  line scanner  120      500 (1 mrad)   1,000
    ``sar``                 side-looking  --       --             6,000
    ======================  ============  =======  =============  ============

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.
    aircraft : Aircraft or str, optional
        The aircraft it is flown on (:meth:`Sensor.flown_on`); None: the
        default aircraft (An-30B: the panoramic camera at 8,000 m, 27.7 km).
    ground_elevation_m : float
        Ground elevation under the legs, metres above sea level.

    Returns
    -------
    Sensor
    """
    key = str(name).strip().lower()
    presets = _geodata.treaty().get("swath_presets", {})
    if key not in PRESETS or key not in presets:
        msg = f"unknown sensor preset {name!r}: choose from {', '.join(PRESETS)}"
        raise UnknownPresetError(msg)
    spec = presets[key]
    kind = _PRESET_KIND[key]
    one_side = str(spec.get("geometry", "centred")) == "one_side"
    note = " ".join(str(spec.get("note", "")).split())
    geo = _preset_geometry(spec.get("at_height") or {}, LIMITS[kind].resolution_m)
    if "value" in spec:  # a radar: its swath does not follow from the height
        swath = float(spec["value"])
    else:  # replaced below by the swath at the operating height
        swath = swath_from_fov_km(geo.get("nominal_height_agl_m", 1000.0), geo["fov_deg"])
    sensor = Sensor(
        name=key,
        swath_km=swath,
        side="right" if one_side else "both",
        near_range_km=float(spec.get("near_range_km", 0.0)) if one_side else 0.0,
        resolution_m=LIMITS[kind].resolution_m,
        kind=kind,  # type: ignore[arg-type]
        note=f"assumption: {note}" if spec.get("assumption") else note,
        **geo,
    )
    sensor = sensor.flown_on(aircraft, ground_elevation_m=ground_elevation_m)
    logger.debug("sensor preset %s: %.1f km %s", key, sensor.width_km, sensor.side)
    return sensor


def as_sensor(value: Any, *, field: str = "sensor", allow_none: bool = False) -> Sensor | None:
    """A sensor argument as a :class:`Sensor`: an instance, or a preset name (:func:`preset`).

    The one coercion of every ``sensor=`` argument of openskies
    (:func:`openskies._validate.instance_or_preset`).

    Parameters
    ----------
    value : Sensor, str or None
        A Sensor (returned as it is) or one of :data:`PRESETS` (flown on the
        default aircraft).
    field : str
        The argument's name, as the error message shows it.
    allow_none : bool
        Whether None (no sensor) is accepted; it is returned as None.

    Returns
    -------
    Sensor or None
        None only when ``value`` is None and ``allow_none``.

    Raises
    ------
    UnknownPresetError
        An unknown preset name (an :class:`UnknownCodeError` and a
        :class:`ValidationError`); the message lists :data:`PRESETS`.
    ValidationError
        A number, a mapping, another object, or None where it is not allowed.
    """
    return _validate.instance_or_preset(
        value,
        field=field,
        cls=Sensor,
        kind="sensor",
        instance="an openskies.sensors.Sensor",
        lookup=preset,
        names=PRESETS,
        allow_none=allow_none,
    )


def _preset_geometry(spec: dict[str, Any], limit_m: float) -> dict[str, Any]:
    """Sensor keywords from a preset's ``at_height`` block of ``treaty.yaml``.

    The angle of one resolution element comes from ``ifov_mrad``, from a film
    camera's ``focal_length_mm`` and ``resolving_power_lp_mm`` (bar width
    ``H / (2 f R)``, so ``ifov = 1 / (2 f R)``), or from ``min_height_agl_m``
    (``ifov = limit / H_min``).
    """
    out: dict[str, Any] = {}
    for key in ("scan", "fov_deg", "nominal_height_agl_m", "near_range_angle_deg"):
        if spec.get(key) is not None:
            out[key] = spec[key] if key == "scan" else float(spec[key])
    if spec.get("ifov_mrad") is not None:
        out["ifov_mrad"] = float(spec["ifov_mrad"])
    elif spec.get("focal_length_mm") is not None:
        f_mm, r_lp_mm = float(spec["focal_length_mm"]), float(spec["resolving_power_lp_mm"])
        out["ifov_mrad"] = 1000.0 / (2.0 * f_mm * r_lp_mm)
    elif spec.get("min_height_agl_m") is not None:
        out["ifov_mrad"] = 1000.0 * limit_m / float(spec["min_height_agl_m"])
    return out
