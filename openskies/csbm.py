"""Exercise observation: CSBM obligations and the time to image an exercise area.

Two questions a planner asks when an exercise is announced (or a snap exercise
starts) at a training ground in Belarus:

1. which confidence- and security-building regimes oblige the host to notify
   it or to invite observers, by which threshold and by when
   (:func:`obligations`); the thresholds are data (``geodata/csbm.yaml``), each
   with its source and its comparison ("exceeding" versus "equal to or
   exceeding") so that the edges are right;
2. how soon an Open Skies flight can image the area from each point of entry
   (Kubinka versus a hypothetical Minsk), step by step on the treaty's
   timeline (:func:`time_to_image`).

Times are UTC (timezone-aware). Coordinates are (lon, lat) degrees, WGS84
(EPSG:4326); distances are WGS84 geodesic km; speeds km/h.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import itertools
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import yaml

from . import _geodata, _limits, _validate, geodesy
from ._errors import UnknownCodeError, ValidationError
from ._sun import (  # noqa: F401 - moved, still importable from here
    _LONGEST_DAYLIGHT_H,
    _ceil_minute,
    _Daylight,
    _daylight_start,
    _julian_day,
    _refraction_deg,
    _solar_elevation_at,
    _solar_elevation_deg,
    _sun_declination_eot,
)
from ._text import format_number

logger = logging.getLogger(__name__)

__all__ = [
    "COUNTS",
    "Exercise",
    "Timeline",
    "obligations",
    "regime_keys",
    "thresholds",
    "time_to_image",
]

#: Data file holding the thresholds (in ``geodata/``).
DATA_FILE = "csbm.yaml"

#: Equipment and personnel counts an exercise may give, as named in ``csbm.yaml``.
COUNTS = ("troops", "tanks", "acv", "artillery")

_OPERATORS = {">=": "≥", ">": ">"}
_UTC = dt.UTC


# --------------------------------------------------------------------------- data


@cache
def _raw() -> dict[str, Any]:
    with _geodata.path(DATA_FILE).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


@cache
def _spec(key: str) -> dict[str, Any]:
    regs = _raw()["regimes"]
    spec = regs[key]
    parent = spec.get("inherits")
    if parent:
        base = _spec(parent)
        merged = _merge(base, {k: v for k, v in spec.items() if k != "inherits"})
        merged["inherits"] = parent
        return merged
    return copy.deepcopy(spec)


def regime_keys() -> list[str]:
    """Keys of the bundled CSBM regimes (``"vd2011"``, ``"vd_reform_2019"``, ...)."""
    return list(_raw()["regimes"])


def _operator(comparison: str, *, where: str) -> str:
    table = _raw()["comparisons"]
    if comparison not in table:
        msg = (
            f"{where}: comparison {comparison!r} is not known; use one of "
            f"{', '.join(repr(c) for c in table)}"
        )
        raise ValidationError(msg)
    return str(table[comparison])


def _resolve_regimes(regimes: str | Iterable[str] | None) -> list[str]:
    known = regime_keys()
    if regimes is None:
        return known
    items = [regimes] if isinstance(regimes, str) else list(regimes)
    if not items:
        msg = f"regimes is empty: give one or more of {', '.join(known)}, or None for all"
        raise ValidationError(msg)
    out = []
    for r in items:
        key = str(r).strip().lower()
        if key not in known:
            close = difflib.get_close_matches(key, known, n=2, cutoff=0.5)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            msg = f"unknown CSBM regime {r!r}: bundled regimes are {', '.join(known)}{hint}"
            raise UnknownCodeError(msg)
        out.append(key)
    return _validate.unique(out, "regimes")


def thresholds(regimes: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Every bundled threshold with its comparison, source and verification status.

    Parameters
    ----------
    regimes : str or list of str, optional
        Regime keys (:func:`regime_keys`); all by default.

    Returns
    -------
    pandas.DataFrame
        One row per (regime, measure, count): ``regime``, ``measure``
        (``"notification"`` or ``"observation"``), ``count`` (one of
        :data:`COUNTS`), ``value``, ``comparison`` (source wording),
        ``operator`` (``">="`` or ``">"``), ``source``, ``verified``,
        ``inherited_from`` (the regime the value comes from).
    """
    rows = []
    for key in _resolve_regimes(regimes):
        spec = _spec(key)
        own = _raw()["regimes"][key]
        for measure in ("notification", "observation"):
            block = spec.get(measure) or {}
            own_block = own.get(measure) or {}
            for count, th in (block.get("thresholds") or {}).items():
                inherited = count not in (own_block.get("thresholds") or {})
                rows.append(
                    {
                        "regime": key,
                        "measure": measure,
                        "count": count,
                        "value": int(th["value"]),
                        "comparison": th["comparison"],
                        "operator": _operator(th["comparison"], where=f"{key}.{measure}.{count}"),
                        "source": str(th.get("source", "")),
                        "verified": bool(th.get("verified", False)),
                        "inherited_from": spec.get("inherits", "") if inherited else "",
                    }
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- exercises


def _as_datetime(value: Any, *, field_name: str, end: bool = False) -> dt.datetime:
    """A UTC datetime from a date, datetime or ISO string (a date's end is the next midnight)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                dt.date.fromisoformat(text) if len(text) <= 10 else dt.datetime.fromisoformat(text)
            )
        except ValueError:
            msg = (
                f"{field_name}={value!r} is not an ISO date or date-time: give e.g. "
                "'2021-09-10' or '2021-09-10T06:00Z'"
            )
            raise ValidationError(msg) from None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.date):
        lo, hi = _limits.EXERCISE_YEARS
        if not lo <= value.year <= hi:
            msg = (
                f"{field_name}={_show(value)} is outside the years {lo} to {hi} that openskies "
                "computes exercises in (it adds up to a year of hours on either side): give "
                "the real date"
            )
            raise ValidationError(msg)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)
    if isinstance(value, dt.date):
        base = dt.datetime(value.year, value.month, value.day, tzinfo=_UTC)
        return base + dt.timedelta(days=1) if end else base
    msg = f"{field_name}={value!r} is not a date: give an ISO date such as '2021-09-10'"
    raise ValidationError(msg)


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _count(name: str, value: Any, *, required: bool) -> int | None:
    if value is None:
        if required:
            msg = f"{name} is required: give the number of {name} (an integer >= 0)"
            raise ValidationError(msg)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        msg = f"{name}={value!r} is not a number: give a count (an integer >= 0) or null if unknown"
        raise ValidationError(msg)
    if not math.isfinite(float(value)) or float(value) != int(value):
        msg = f"{name}={value!r} is not a whole number: give a count (an integer >= 0)"
        raise ValidationError(msg)
    if value < 0:
        msg = f"{name}={value!r} is negative: a count must be >= 0"
        raise ValidationError(msg)
    return int(value)


_NAME_NOISE = re.compile(
    r"\([^)]*\)|\btraining ground\b|\baviation range\b|\bpractice range\b|\brange\b|\bpolygon\b"
)


def _norm_name(name: str) -> str:
    text = _NAME_NOISE.sub(" ", str(name).lower())
    text = re.sub(r"[^a-z0-9\- ]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Ground:
    """One located part of an exercise area: a disc of ``radius_km`` around (lon, lat).

    Attributes
    ----------
    name : str
    lon, lat : float
        Centre, degrees WGS84.
    radius_km : float
        Position uncertainty (the area to image is the disc), km.
    source : str
    """

    name: str
    lon: float
    lat: float
    radius_km: float
    source: str = ""


def _sites(host: str) -> pd.DataFrame:
    from . import data

    return pd.DataFrame(data.sites(host).drop(columns="geometry"))


def _find_ground(name: str, host: str) -> Ground:
    sites = _sites(host)
    norms = [_norm_name(n) for n in sites["name"]]
    q = _norm_name(name)
    hits = [i for i, n in enumerate(norms) if n == q]
    if not hits and q:
        hits = [i for i, n in enumerate(norms) if n.startswith(q)]
    if len(hits) == 1:
        row = sites.iloc[hits[0]]
        return Ground(
            name=str(row["name"]),
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            radius_km=float(row["position_uncertainty_km"]),
            source=str(row["source"]),
        )
    if len(hits) > 1:
        names = ", ".join(repr(str(sites.iloc[i]["name"])) for i in hits)
        msg = f"training ground {name!r} is ambiguous: it matches {names}; give the full name"
        raise ValidationError(msg)
    close = difflib.get_close_matches(q, norms, n=3, cutoff=0.5)
    grounds = sites.loc[sites["kind"] == "training_ground", "name"].tolist()
    if close:
        hint = "did you mean " + " or ".join(
            repr(str(sites["name"][norms.index(c)])) for c in close
        )
    else:
        hint = "bundled training grounds: " + "; ".join(grounds)
    msg = (
        f"unknown training ground {name!r} in {host}: {hint}? Give a bundled site name "
        "(openskies.data.sites()) or the location as (lon, lat) with radius_km"
    )
    raise UnknownCodeError(msg)


_EXERCISE_KEYS = (
    "troops",
    "tanks",
    "acv",
    "artillery",
    "start",
    "end",
    "snap",
    "location",
    "radius_km",
    "name",
    "host",
)


@dataclass(frozen=True, kw_only=True)
class Exercise:
    """A military exercise: its size, dates and place.

    Parameters
    ----------
    troops : int
        Troops including support troops (>= 0).
    tanks, acv, artillery : int or None
        Battle tanks; armoured combat vehicles; artillery pieces, mortars and
        multiple rocket launchers of 100 mm and above. ``None`` means not
        reported (such a count triggers nothing and is listed as unknown).
    start, end : date, datetime or ISO string
        First and last day of the exercise. A date covers the whole UTC day:
        the window is ``[start 00:00 UTC, end + 1 day 00:00 UTC)``.
    snap : bool
        Carried out without advance notice to the troops (a snap exercise).
    location : str, sequence of str, or (lon, lat)
        Bundled site name(s) (``openskies.data.sites(host)``; matched
        case-insensitively, ``"Obuz-Lesnovsky"`` is enough), or a point in
        degrees WGS84, (lon, lat) order.
    radius_km : float or None
        For a point location: radius of the area to image, km (default 0).
        For named grounds: overrides their ``position_uncertainty_km``.
    name : str
        Label used in reports.
    host : str
        ISO3 code of the host state (default ``"BLR"``).

    Raises
    ------
    ValidationError
        Negative or non-integer counts, end before start, malformed dates or
        coordinates, a point outside the host territory.
    UnknownCodeError
        An unknown training ground (the message suggests close names).
    """

    troops: int
    tanks: int | None = 0
    acv: int | None = 0
    artillery: int | None = 0
    start: dt.datetime
    end: dt.datetime
    snap: bool = False
    location: Any
    radius_km: float | None = None
    name: str = "exercise"
    host: str = "BLR"
    grounds: tuple[Ground, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "troops", _count("troops", self.troops, required=True))
        for key in ("tanks", "acv", "artillery"):
            object.__setattr__(self, key, _count(key, getattr(self, key), required=False))
        start = _as_datetime(self.start, field_name="start")
        end = _as_datetime(self.end, field_name="end", end=True)
        if end <= start:
            msg = (
                f"end={_show(self.end)} is before start={_show(self.start)}: the exercise must "
                "end on or after the day it starts"
            )
            raise ValidationError(msg)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if not isinstance(self.snap, bool):
            msg = f"snap={self.snap!r} must be true or false"
            raise ValidationError(msg)
        if self.radius_km is not None:
            r = float(self.radius_km)
            if not math.isfinite(r) or r < 0:
                msg = f"radius_km={self.radius_km!r} must be a finite distance >= 0 km"
                raise ValidationError(msg)
            _limits.cap("radius_km").check(
                r, f"radius_km={self.radius_km!r}", fix="give the position uncertainty of a ground"
            )
        host = str(self.host).strip().upper()
        object.__setattr__(self, "host", host)
        if isinstance(self.location, list):
            object.__setattr__(self, "location", tuple(self.location))
        object.__setattr__(self, "grounds", self._resolve_location())

    def _resolve_location(self) -> tuple[Ground, ...]:
        loc = self.location
        if isinstance(loc, str):
            names: list[str] = [loc]
        elif (
            isinstance(loc, Sequence)
            and len(loc) == 2
            and all(
                isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
                for v in loc
            )
        ):
            lon, lat = float(loc[0]), float(loc[1])
            geodesy.check_lonlat(lon, lat, what="exercise location")
            from . import data

            data.territory(self.host).check_inside(
                lon, lat, what="exercise location", treaty_area=False
            )
            r = float(self.radius_km) if self.radius_km is not None else 0.0
            return (Ground(self.name or "exercise area", lon, lat, r, "user-given"),)
        elif isinstance(loc, Sequence) and loc and all(isinstance(v, str) for v in loc):
            names = list(loc)
        else:
            msg = (
                f"location={loc!r} is not usable: give a training ground name, a list of names, "
                "or (lon, lat) degrees"
            )
            raise ValidationError(msg)
        out = []
        for n in names:
            g = _find_ground(n, self.host)
            if self.radius_km is not None:
                g = replace(g, radius_km=float(self.radius_km))
            out.append(g)
        if len({g.name for g in out}) != len(out):
            msg = f"location lists the same training ground twice: {names}"
            raise ValidationError(msg)
        return tuple(out)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Exercise:
        """Build an exercise from a plain mapping with the constructor's fields."""
        if isinstance(spec, Exercise):
            return spec
        if not isinstance(spec, Mapping):
            msg = f"an exercise must be an Exercise or a mapping of its fields, got {spec!r}"
            raise ValidationError(msg)
        unknown = sorted(set(spec) - set(_EXERCISE_KEYS))
        if unknown:
            accepted = ", ".join(_EXERCISE_KEYS)
            msg = f"unknown exercise field(s) {unknown}: accepted fields are {accepted}"
            raise ValidationError(msg)
        missing = [k for k in ("troops", "start", "end", "location") if k not in spec]
        if missing:
            msg = f"exercise is missing required field(s) {missing}"
            raise ValidationError(msg)
        return cls(**dict(spec))

    @property
    def counts(self) -> dict[str, int | None]:
        """The counts by name (:data:`COUNTS`); ``None`` where not reported."""
        return {k: getattr(self, k) for k in COUNTS}

    @property
    def duration_h(self) -> float:
        """Length of the exercise window, hours."""
        return (self.end - self.start).total_seconds() / 3600.0

    @property
    def centre(self) -> tuple[float, float]:
        """Mean (lon, lat) of the grounds' centres, degrees."""
        return (
            float(np.mean([g.lon for g in self.grounds])),
            float(np.mean([g.lat for g in self.grounds])),
        )

    def area(self) -> Any:
        """The area to image: one disc per ground (GeoDataFrame, EPSG:4326).

        Discs are geodesic buffers (local azimuthal equidistant projection) of
        ``radius_km`` around each centre; a ground with radius 0 is a point.
        """
        import geopandas as gpd
        from shapely.geometry import Point

        geoms = [
            geodesy.buffer_km(Point(g.lon, g.lat), g.radius_km)
            if g.radius_km > 0
            else Point(g.lon, g.lat)
            for g in self.grounds
        ]
        df = pd.DataFrame(
            {
                "name": [g.name for g in self.grounds],
                "lon": [g.lon for g in self.grounds],
                "lat": [g.lat for g in self.grounds],
                "radius_km": [g.radius_km for g in self.grounds],
                "source": [g.source for g in self.grounds],
            }
        )
        return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")


def _exercise(exercise: Exercise | Mapping[str, Any]) -> Exercise:
    return exercise if isinstance(exercise, Exercise) else Exercise.from_dict(exercise)


# --------------------------------------------------------------------------- obligations


def _evaluate(
    block: Mapping[str, Any] | None, counts: Mapping[str, int | None], *, where: str
) -> tuple[bool | None, list[str], list[str], list[str]]:
    """(triggered, trigger texts, unknown counts, unverified values) for one measure."""
    if not block or not block.get("thresholds"):
        return None, [], [], []
    hits, unknown, unverified = [], [], []
    for key, th in block["thresholds"].items():
        if key not in COUNTS:
            msg = f"{DATA_FILE}: {where}.{key} is not a known count ({', '.join(COUNTS)})"
            raise ValidationError(msg)
        op = _operator(th["comparison"], where=f"{where}.{key}")
        value = int(th["value"])
        if not th.get("verified", False):
            unverified.append(f"{where}.{key} = {format_number(value)}")
        n = counts.get(key)
        if n is None:
            unknown.append(key)
            continue
        met = n >= value if op == ">=" else n > value
        if met:
            hits.append(f"{key} {format_number(n)} {_OPERATORS[op]} {format_number(value)}")
    return bool(hits), hits, unknown, unverified


def _lead(block: Mapping[str, Any] | None) -> dt.timedelta | None:
    if not block:
        return None
    unit = str(block.get("unit", "days"))
    value = float(block["value"])
    if unit == "days":
        return dt.timedelta(days=value)
    if unit == "h":
        return dt.timedelta(hours=value)
    msg = f"{DATA_FILE}: lead unit {unit!r} is not 'days' or 'h'"
    raise ValidationError(msg)


def obligations(
    exercise: Exercise | Mapping[str, Any], *, regimes: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """Which regimes require notification and/or an invitation of observers, and by when.

    Parameters
    ----------
    exercise : Exercise or mapping
        The exercise, or a mapping of :class:`Exercise` fields.
    regimes : str or list of str, optional
        Regime keys (:func:`regime_keys`); all bundled regimes by default.

    Returns
    -------
    pandas.DataFrame
        One row per regime: ``regime``, ``name``, ``status``, ``notify``
        (True/False; ``None`` if the regime records no notification rule),
        ``notify_by`` (UTC deadline), ``notify_trigger`` (the thresholds met,
        e.g. ``"troops 12,800 ≥ 9,000"``), ``notify_rule``, ``observe``,
        ``invite_by``, ``observe_trigger``, ``observe_rule``, ``unknown_counts``
        (counts not reported that a threshold refers to), ``unverified``
        (threshold values used that are not verified in their source) and
        ``source``.

    Raises
    ------
    UnknownCodeError
        An unknown regime key.
    ValidationError
        An unusable exercise (see :class:`Exercise`).
    """
    ex = _exercise(exercise)
    keys = _resolve_regimes(regimes)
    counts = ex.counts
    rows = []
    for key in keys:
        spec = _spec(key)
        n_ok, n_hits, n_unknown, n_unver = _evaluate(
            spec.get("notification"), counts, where=f"{key}.notification"
        )
        o_ok, o_hits, o_unknown, o_unver = _evaluate(
            spec.get("observation"), counts, where=f"{key}.observation"
        )
        notify_by, notify_rule = _notification_deadline(spec, ex, n_ok)
        observe, invite_by, observe_rule = _observation_rule(spec, ex, o_ok)
        unverified = list(n_unver) + list(o_unver)
        rows.append(
            {
                "regime": key,
                "name": spec.get("name", key),
                "status": spec.get("status", ""),
                "notify": n_ok,
                "notify_by": notify_by,
                "notify_trigger": "; ".join(n_hits),
                "notify_rule": notify_rule,
                "observe": observe,
                "invite_by": invite_by,
                "observe_trigger": "; ".join(o_hits),
                "observe_rule": observe_rule,
                "unknown_counts": ", ".join(sorted(set(n_unknown) | set(o_unknown))),
                "unverified": "; ".join(unverified),
                "source": spec.get("source", ""),
            }
        )
        logger.info("%s: notify=%s observe=%s (%s)", key, n_ok, observe, ex.name)
    df = pd.DataFrame(rows)
    for col in ("notify_by", "invite_by"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


def _notification_deadline(
    spec: Mapping[str, Any], ex: Exercise, required: bool | None
) -> tuple[dt.datetime | None, str]:
    block = spec.get("notification")
    if not block:
        return None, "no notification rule recorded for this regime"
    if not required:
        return None, "below every notification threshold"
    if ex.snap:
        un = block.get("unannounced") or {}
        rule = un.get("rule")
        if rule == "at_start":
            return ex.start, f"snap: notified when the troops commence ({un.get('source', '')})"
        if rule == "lead":
            lead = _lead(un.get("lead"))
            assert lead is not None
            return ex.start - lead, (
                f"snap: {lead.days} days before the start ({un.get('source', '')})"
            )
        return None, "snap: no rule recorded"
    lead = _lead(block.get("lead"))
    if lead is None:
        return None, "no notice period recorded"
    return ex.start - lead, f"{lead.days} days before the start ({block['lead'].get('source', '')})"


def _observation_rule(
    spec: Mapping[str, Any], ex: Exercise, triggered: bool | None
) -> tuple[bool | None, dt.datetime | None, str]:
    block = spec.get("observation")
    if not block:
        return None, None, "no observation rule recorded for this regime"
    if not triggered:
        return False, None, "below every observation threshold"
    lead_block = block.get("invitation_lead")
    lead = _lead(lead_block)
    deadline_note = "" if lead is not None else "; invitation deadline not recorded"
    if ex.snap:
        un = block.get("unannounced")
        if un is None:
            return True, None, "snap: no rule recorded; thresholds applied as for any exercise"
        rule = un.get("rule")
        if rule == "always":
            return True, ex.start, f"snap: observed regardless of duration ({un.get('source', '')})"
        if rule == "longer_than":
            min_h = float(un["min_duration_h"])
            if ex.duration_h > min_h:
                when = ex.start + dt.timedelta(hours=min_h)
                return (
                    True,
                    when,
                    (
                        f"snap lasting {ex.duration_h:.0f} h > {min_h:.0f} h: its "
                        f"continuation beyond {min_h:.0f} h is observed ({un.get('source', '')})"
                    ),
                )
            return (
                False,
                None,
                (
                    f"snap lasting {ex.duration_h:.0f} h <= {min_h:.0f} h: not subject to "
                    f"observation ({un.get('source', '')})"
                ),
            )
        return True, None, "snap: rule not recognised; thresholds applied"
    if lead is None:
        return True, None, "invitation required" + deadline_note
    src = lead_block.get("source") or ("assumption" if lead_block.get("assumption") else "")
    return True, ex.start - lead, f"invitation {lead.days} days before the start ({src})"


# --------------------------------------------------------------------------- timeline


def _treaty_h(*path: str) -> float:
    from . import data

    return float(data.regime().parameter(*path))


@dataclass(frozen=True, kw_only=True)
class Timeline:
    """Named parameters of the time-to-image model, each with its treaty article.

    Build with :meth:`from_treaty` (treaty values from ``geodata/treaty.yaml``)
    and override any field: ``Timeline.from_treaty(busy_h=20)``.

    Attributes
    ----------
    notification_lead_h : float
        Notice given before the estimated arrival at the point of entry, h
        (72; Art. VI Sec. I para 5).
    poe_to_osa_max_h : float
        An Open Skies airfield other than the point of entry must be reachable
        from it within this time, h (5; Annex E para 1). A longer transfer is
        reported as a violation.
    mission_plan_lead_h : float
        The observation flight starts no earlier than this after the mission
        plan is submitted, h (24; Art. VI Sec. II para 4(E)).
    observation_period_h : float
        From the estimated arrival at the point of entry to the completion of
        the observation flight, at most, h (96; Art. VI Sec. I para 9).
    decision_delay_h : float
        Assumption: from the trigger (announcement, or start of a snap
        exercise) to the notification being sent, h (default 0).
    mission_plan_after_arrival_h : float
        Assumption: from arrival at the Open Skies airfield to submission of
        the mission plan, h (default 0: submitted on arrival).
    busy_h : float
        The observed party need accept only one observation flight at a time
        (Art. VI Sec. I para 3): hours after the trigger until a flight
        already under way is completed; the new flight cannot take off earlier
        (default 0: none under way).
    sun_elevation_min_deg : float
        Assumption: optical and video sensors image only with the sun at least
        this high above the horizon, degrees (default 15).
    overlap : float
        Assumption: side overlap of adjacent sensor lanes, fraction in [0, 1)
        (default 0.1).
    """

    notification_lead_h: float
    poe_to_osa_max_h: float
    mission_plan_lead_h: float
    observation_period_h: float
    decision_delay_h: float = 0.0
    mission_plan_after_arrival_h: float = 0.0
    busy_h: float = 0.0
    sun_elevation_min_deg: float = 15.0
    overlap: float = 0.1

    #: Field -> (source article or "assumption", description), for reports.
    RULES: ClassVar[dict[str, tuple[str, str]]] = {
        "notification_lead_h": ("Art. VI Sec. I para 5", "notice before arrival at the POE"),
        "poe_to_osa_max_h": ("Annex E para 1", "longest POE -> OSA transfer"),
        "mission_plan_lead_h": ("Art. VI Sec. II para 4(E)", "mission plan to commencement"),
        "observation_period_h": ("Art. VI Sec. I para 9", "arrival at POE to completion"),
        "decision_delay_h": ("assumption", "trigger to notification sent"),
        "mission_plan_after_arrival_h": ("assumption", "arrival at OSA to mission plan"),
        "busy_h": ("Art. VI Sec. I para 3", "one flight at a time: flight under way"),
        "sun_elevation_min_deg": ("assumption", "lowest sun for optical imaging"),
        "overlap": ("assumption", "side overlap of sensor lanes"),
    }

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            try:
                v = float(value)
            except (TypeError, ValueError):
                v = math.nan
            if not math.isfinite(v) or isinstance(value, bool):
                msg = f"timeline {f.name}={value!r} must be a finite number"
                raise ValidationError(msg)
            if f.name == "sun_elevation_min_deg":
                if not -90.0 <= v < 90.0:
                    msg = f"timeline sun_elevation_min_deg={value!r} must be in [-90, 90) degrees"
                    raise ValidationError(msg)
            elif f.name == "overlap":
                if not 0.0 <= v <= _limits.MAX_OVERLAP:
                    msg = (
                        f"timeline overlap={value!r} must be a fraction in [0, "
                        f"{_limits.MAX_OVERLAP:g}], e.g. 0.1"
                    )
                    raise ValidationError(msg)
            elif v < 0:
                msg = f"timeline {f.name}={value!r} must be >= 0 hours"
                raise ValidationError(msg)
            else:
                _limits.cap("hours").check(v, f"timeline {f.name}={value!r}")
            object.__setattr__(self, f.name, v)

    @classmethod
    def from_treaty(cls, **overrides: float) -> Timeline:
        """Treaty values from ``geodata/treaty.yaml`` (section ``timing``), then ``overrides``."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            msg = f"unknown timeline parameter(s) {unknown}: known are {', '.join(sorted(names))}"
            raise ValidationError(msg)
        base = {
            "notification_lead_h": _treaty_h("timing", "notification_lead"),
            "poe_to_osa_max_h": _treaty_h("timing", "poe_to_osa_max"),
            "mission_plan_lead_h": _treaty_h("timing", "mission_plan_lead"),
            "observation_period_h": _treaty_h("timing", "observation_window"),
        }
        base.update(overrides)
        return cls(**base)

    def table(self) -> pd.DataFrame:
        """The parameters as a table: ``parameter``, ``value``, ``source``, ``meaning``."""
        return pd.DataFrame(
            [
                {
                    "parameter": f.name,
                    "value": getattr(self, f.name),
                    "source": self.RULES[f.name][0],
                    "meaning": self.RULES[f.name][1],
                }
                for f in fields(self)
            ]
        )


def _timeline(timeline: Timeline | Mapping[str, float] | None) -> Timeline:
    if timeline is None:
        return Timeline.from_treaty()
    if isinstance(timeline, Timeline):
        return timeline
    if isinstance(timeline, Mapping):
        return Timeline.from_treaty(**dict(timeline))
    msg = f"timeline={timeline!r} must be a Timeline, a mapping of overrides, or None"
    raise ValidationError(msg)


# --------------------------------------------------------------------------- area sweep


def _disc_sweep_km(radius_km: float, lane_km: float) -> tuple[float, int]:
    """Length (km) of a boustrophedon sweep covering a disc, and its number of lanes.

    ``n = ceil(2 r / w)`` parallel lanes, evenly spaced (spacing ``2 r / n <= w``),
    each as long as the disc's extent across the band of ground it images (so
    that the band is covered to its widest point, not only along its centre
    line); the turn between two lanes is taken as one spacing. A disc no wider
    than a lane is one pass through the centre. Planar geometry: the discs are
    at most tens of km across.
    """
    if radius_km <= 0:
        return 0.0, 1
    n = max(1, math.ceil(2 * radius_km / lane_km - 1e-12))
    spacing = 2 * radius_km / n
    total = 0.0
    for k in range(n):
        lo = -radius_km + k * spacing
        hi = lo + spacing
        nearest = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
        total += 2 * math.sqrt(max(radius_km**2 - nearest**2, 0.0))
    return total + (n - 1) * spacing, n


@dataclass(frozen=True)
class _AreaPlan:
    order: tuple[int, ...]
    total_km: float
    approach_km: float
    imaging_km: float
    return_km: float
    lanes: int


def _plan_area(osa: tuple[float, float], grounds: Sequence[Ground], lane_km: float) -> _AreaPlan:
    """Estimate one flight from the OSA over every ground and back (geodesic legs, km).

    The tour visits the disc centres in the order of least geodesic length
    (exhaustive up to 7 grounds, nearest neighbour beyond); inside each disc
    the two radii the tour flies are replaced by the disc's sweep.
    """
    pts = [osa, *((g.lon, g.lat) for g in grounds)]
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    d = geodesy.distance_matrix_km(lon, lat)
    idx = list(range(1, len(pts)))

    def cost(order: Sequence[int]) -> float:
        path = [0, *order, 0]
        return float(sum(d[a, b] for a, b in itertools.pairwise(path)))

    if len(idx) <= 7:
        order = min(itertools.permutations(idx), key=cost)
    else:
        order_l: list[int] = []
        cur = 0
        rest = set(idx)
        while rest:
            nxt = min(rest, key=lambda j: d[cur, j])
            order_l.append(nxt)
            rest.remove(nxt)
            cur = nxt
        order = tuple(order_l)
    tour = cost(order)
    extra = 0.0
    lanes = 0
    for j in order:
        g = grounds[j - 1]
        sweep, n = _disc_sweep_km(g.radius_km, lane_km)
        extra += max(sweep - 2 * g.radius_km, 0.0)
        lanes += n
    first, last = grounds[order[0] - 1], grounds[order[-1] - 1]
    approach = max(d[0, order[0]] - first.radius_km, 0.0)
    back = max(d[order[-1], 0] - last.radius_km, 0.0)
    total = tour + extra
    return _AreaPlan(
        order=tuple(j - 1 for j in order),
        total_km=total,
        approach_km=approach,
        imaging_km=total - approach - back,
        return_km=back,
        lanes=lanes,
    )


# --------------------------------------------------------------------------- time to image


def _speed_kmh(aircraft: Any) -> tuple[float, str]:
    if isinstance(aircraft, int | float | np.integer | np.floating) and not isinstance(
        aircraft, bool
    ):
        v = float(aircraft)
        label = f"{v:g} km/h"
    else:
        from ._errors import UnknownPresetError
        from .aircraft import as_aircraft

        try:
            ac = as_aircraft(aircraft)
        except UnknownPresetError:
            raise
        except ValidationError as exc:  # the one message, and the speed this function takes
            msg = f"{exc}, or a cruise speed in km/h"
            raise ValidationError(msg) from None
        v, label = float(ac.cruise_speed_kmh), f"{ac.name} ({ac.cruise_speed_kmh:g} km/h)"
    if not math.isfinite(v) or v <= 0:
        msg = f"aircraft cruise speed {v!r} km/h must be a positive number"
        raise ValidationError(msg)
    return v, label


def _entry_point(
    regime: Any, icao: str, host: str, hypothetical_party: str, hypothetical_km: float
) -> tuple[Any, Any]:
    """The point of entry ``icao`` for observing ``host``, designated if it is not one.

    An airfield of another party is refused: Warsaw's flights observe Poland,
    not Belarus. A bundled airfield of the host's party or group that is not a
    point of entry (Minsk National) is designated hypothetically as a POE and
    OSA of ``hypothetical_party`` with ``hypothetical_km``.

    Returns
    -------
    (Regime, Airfield)
        The regime (with the designation, if made) and the entry point.

    Raises
    ------
    ValidationError
        The airfield, or ``hypothetical_party``, is not of the host's party or group.
    """
    ep = regime.check_observes(icao, host, role="entry point")
    if "POE" in ep.roles:
        return regime, ep
    reg = regime.designate(
        ep.icao, party=hypothetical_party, max_flight_distance_km=hypothetical_km
    )
    try:
        return reg, reg.check_observes(ep.icao, host, role="hypothetical entry point")
    except ValidationError as exc:
        msg = f"{exc}; hypothetical_party={hypothetical_party!r} must be a party of {host}'s group"
        raise ValidationError(msg) from None


#: Hours after the arrival over the area within which imaging must start (daylight search).
DAYLIGHT_HORIZON_H = 96.0


def _not_imageable(sun: _Daylight, angle_deg: float, imaging_h: float) -> str:
    """The note for an area that no daylight period of the window lets the sensor image."""
    if not math.isfinite(sun.max_elevation_deg):
        why = "longer than any daylight period"
    elif sun.max_elevation_deg < angle_deg:
        why = f"the sun reaches at most {sun.max_elevation_deg:.1f} deg there"
    else:
        why = f"the longest such period lasts {sun.longest_h:.1f} h"
    return (
        f"not imageable in the window: no daylight period of {imaging_h:.1f} h or more with the "
        f"sun at least {angle_deg:g} deg above the horizon over the area begins within "
        f"{DAYLIGHT_HORIZON_H:g} h of the arrival over it ({why})"
    )


def _hours(td: dt.timedelta) -> float:
    return td.total_seconds() / 3600.0


def time_to_image(
    exercise: Exercise | Mapping[str, Any],
    *,
    entry_points: Sequence[str] = ("UUMB", "UMMS"),
    home_base: str = "EPWA",
    sensor: Any = "optical_high_pan",
    timeline: Timeline | Mapping[str, float] | None = None,
    regime: Any = None,
    aircraft: Any = "An-30B",
    trigger_at: Any = None,
    hypothetical_party: str = "BLR",
    hypothetical_max_flight_distance_km: float | None = None,
    steps: bool = True,
) -> pd.DataFrame:
    """The earliest time each point of entry lets an observing party image the exercise area.

    For each entry point, the treaty's timeline step by step: the trigger;
    the notification, 72 h before arrival at the point of entry (POE); the
    ferry from the home base to the POE (geodesic, at cruise speed; it flies
    during the notice period); the transfer to the Open Skies airfield (OSA)
    if the POE is not one (at most 5 h, Annex E para 1); the mission plan and
    the 24 h before the flight may start; a flight already under way (one at a
    time, Art. VI Sec. I para 3); the flight to the area at cruise speed; the
    wait for daylight (optical and video sensors only: sun at least
    ``timeline.sun_elevation_min_deg`` above the horizon over the area centre,
    NOAA solar-position algorithm), which can push imaging to the next morning;
    imaging of the whole area; the return. Every duration is a named parameter
    of :class:`Timeline`.

    The area is one disc per training ground (radius = its position
    uncertainty). Whether it fits one flight is judged on an estimate: the
    geodesic tour OSA -> ground centres -> OSA in the shortest order, with each
    disc's boustrophedon sweep (lanes one effective swath apart) replacing the
    two radii the tour flies through it, plus the regime's turn margin, against
    the OSA's maximum flight distance.

    Parameters
    ----------
    exercise : Exercise or mapping
        The exercise (see :class:`Exercise`).
    entry_points : sequence of str
        ICAO codes of points of entry to compare, airfields of the host's
        party or group (an airfield of another party, such as Warsaw for an
        exercise in Belarus, raises :class:`ValidationError`). One that is not a
        POE in the regime (Minsk National, ``"UMMS"``) is designated
        hypothetically as a POE and OSA of ``hypothetical_party`` with
        ``hypothetical_max_flight_distance_km``, and labelled hypothetical.
    home_base : str
        ICAO code where the observing aircraft starts (default Warsaw, EPWA).
    sensor : str or Sensor
        Sensor preset name or :class:`openskies.sensors.Sensor`; its swath sets
        the lane spacing, its kind whether daylight is needed.
    timeline : Timeline or mapping, optional
        Timeline parameters, or overrides of :meth:`Timeline.from_treaty`.
    regime : Regime, optional
        Treaty regime (default ``openskies.data.regime(2019)``).
    aircraft : str, Aircraft or float
        Preset name, :class:`openskies.aircraft.Aircraft` or cruise speed km/h.
    trigger_at : date, datetime or ISO string, optional
        When the clock starts (the observing party decides to fly): default
        the exercise start (the earliest a snap exercise is known; for an
        announced exercise, pass the announcement time to plan ahead).
    hypothetical_party : str
        Party of a hypothetical designation (default ``"BLR"``).
    hypothetical_max_flight_distance_km : float, optional
        Maximum flight distance of a hypothetical OSA, km (default the
        ``max_flight_distance.minsk_first_case`` of ``treaty.yaml``, 5,500).
    steps : bool
        True: one row per entry point and step. False: one summary row per
        entry point.

    Returns
    -------
    pandas.DataFrame
        With ``steps=True``: ``entry_point``, ``label``, ``hypothetical``,
        ``step``, ``event``, ``time_utc``, ``duration_h``, ``distance_km``,
        ``hours_after_trigger``, ``rule``. With ``steps=False``:
        ``entry_point``, ``label``, ``hypothetical``, ``osa``, ``budget_km``,
        ``flight_km`` (counted, with the turn margin), ``fits_one_flight``,
        ``approach_km``, ``imaging_km``, ``lanes``, ``route`` (the estimated
        order of the grounds), ``ferry_km``, ``imageable``,
        ``earliest_imaging_utc``, ``hours_to_image``, ``daylight_wait_h``,
        ``imaging_complete_utc``, ``inside_window`` (imaging starts inside the
        exercise window), ``complete_inside_window``,
        ``within_observation_period`` (96 h), ``transfer_ok`` (5 h),
        ``daylight_fits`` (same as ``imageable``), ``notes``. An optical
        sensor needs one daylight period long enough to image the whole area,
        starting within :data:`DAYLIGHT_HORIZON_H` hours of the arrival over
        it; when there is none, ``imageable`` is False, the times are NaT (the
        hours NaN) and the notes say "not imageable in the window" and why.

    Raises
    ------
    UnknownCodeError
        Unknown ICAO code, sensor or aircraft preset.
    ValidationError
        Unusable exercise, timeline or parameters; an entry point of another
        party than the host's.
    """
    from .airfields import as_regime
    from .sensors import as_sensor

    ex = _exercise(exercise)
    tl = _timeline(timeline)
    reg = as_regime(regime)
    speed, speed_label = _speed_kmh(aircraft)
    sens = as_sensor(sensor)
    lane_km = float(sens.effective_swath_km(tl.overlap))
    daylight = sens.kind in ("optical", "video")
    t0 = ex.start if trigger_at is None else _as_datetime(trigger_at, field_name="trigger_at")
    if isinstance(entry_points, str):
        entry_points = (entry_points,)
    if not entry_points:
        msg = "entry_points is empty: give one or more ICAO codes, e.g. ('UUMB', 'UMMS')"
        raise ValidationError(msg)
    _validate.unique([reg.airfield(c).icao for c in entry_points], "entry_points")
    hyp_km = (
        float(hypothetical_max_flight_distance_km)
        if hypothetical_max_flight_distance_km is not None
        else float(reg.parameter("max_flight_distance", "minsk_first_case"))
    )
    home = reg.airfield(home_base)
    margin = float(reg.parameter("max_flight_distance", "turn_margin"))
    lon_c, lat_c = ex.centre

    step_rows: list[dict[str, Any]] = []
    summary_rows: list[dict[str, Any]] = []
    for ep_code in entry_points:
        reg, ep = _entry_point(reg, ep_code, ex.host, hypothetical_party, hyp_km)
        if ep.is_osa:
            osa = ep
        else:
            cands = reg.osas(ep.group)
            if not cands:
                msg = (
                    f"no Open Skies airfield observes {ep.group} in the regime: cannot fly "
                    f"from {ep.label}"
                )
                raise ValidationError(msg)
            osa = min(cands, key=lambda a: geodesy.distance_km(ep.lon, ep.lat, a.lon, a.lat))
        budget = reg.max_flight_distance_km(osa.icao)
        notes: list[str] = []
        territory = reg.observed_territory(osa.icao)
        inside = territory.contains(
            [g.lon for g in ex.grounds], [g.lat for g in ex.grounds], treaty_area=True
        )
        if not bool(np.all(inside)):
            notes.append(
                f"part of the area lies outside {territory.code}, observed from {osa.icao}"
            )

        ferry_km = float(geodesy.distance_km(home.lon, home.lat, ep.lon, ep.lat))
        ferry_h = ferry_km / speed
        transfer_km = (
            0.0
            if osa.icao == ep.icao
            else float(geodesy.distance_km(ep.lon, ep.lat, osa.lon, osa.lat))
        )
        transfer_h = transfer_km / speed
        transfer_ok = transfer_h <= tl.poe_to_osa_max_h + 1e-9
        if not transfer_ok:
            notes.append(
                f"POE -> OSA transfer {transfer_h:.1f} h exceeds {tl.poe_to_osa_max_h:g} h "
                "(Annex E para 1)"
            )
        plan = _plan_area((osa.lon, osa.lat), ex.grounds, lane_km)
        flight_km = plan.total_km * (1.0 + margin)
        fits = flight_km <= budget + 1e-9
        approach_h = plan.approach_km / speed
        imaging_h = plan.imaging_km / speed
        return_h = plan.return_km / speed

        t_notify = t0 + dt.timedelta(hours=tl.decision_delay_h)
        t_poe = t_notify + dt.timedelta(hours=max(tl.notification_lead_h, ferry_h))
        t_ferry = t_poe - dt.timedelta(hours=ferry_h)
        t_osa = t_poe + dt.timedelta(hours=transfer_h)
        t_plan = t_osa + dt.timedelta(hours=tl.mission_plan_after_arrival_h)
        t_rule = t_plan + dt.timedelta(hours=tl.mission_plan_lead_h)
        t_free = t0 + dt.timedelta(hours=tl.busy_h)
        t_commence = max(t_rule, t_free)
        t_arrive = t_commence + dt.timedelta(hours=approach_h)
        t_img: dt.datetime | None = t_arrive
        if daylight:
            sun = _daylight_start(
                t_arrive,
                lon_c,
                lat_c,
                min_elevation_deg=tl.sun_elevation_min_deg,
                duration_h=imaging_h,
                horizon_h=DAYLIGHT_HORIZON_H,
            )
            t_img = sun.start
            if t_img is None:
                notes.append(_not_imageable(sun, tl.sun_elevation_min_deg, imaging_h))
        imageable = t_img is not None
        if t_img is not None:
            wait_h = _hours(t_img - t_arrive)
            t_takeoff: dt.datetime | None = t_commence + (t_img - t_arrive)
            t_done: dt.datetime | None = t_img + dt.timedelta(hours=imaging_h)
            t_land: dt.datetime | None = t_done + dt.timedelta(hours=return_h)
            within_96 = _hours(t_land - t_poe) <= tl.observation_period_h + 1e-9
        else:  # not imageable in the window: no time is reported
            wait_h, t_takeoff, t_done, t_land, within_96 = math.nan, None, None, None, False
        if imageable and not within_96:
            notes.append(
                f"flight ends {_hours(t_land - t_poe):.1f} h after arrival at the POE, over "
                f"{tl.observation_period_h:g} h (Art. VI Sec. I para 9)"
            )
        if not fits:
            notes.append(
                f"area needs {flight_km:.0f} km, over the {budget:.0f} km maximum flight distance"
            )
        label = ep.label
        events = [
            (
                t0,
                0.0,
                None,
                "trigger: exercise start" if trigger_at is None else "trigger",
                "input",
            ),
            (
                t_notify,
                tl.decision_delay_h,
                None,
                "notification sent",
                "assumption (decision_delay_h)",
            ),
            (
                t_ferry,
                ferry_h,
                ferry_km,
                f"ferry {home.icao} -> {ep.icao} departs ({speed_label}; transit, not counted)",
                "Art. VI Sec. I para 5 (arrival >= 72 h after notification)",
            ),
            (
                t_poe,
                _hours(t_poe - t_notify),
                None,
                f"arrival at POE {ep.icao}",
                "Art. VI Sec. I para 5",
            ),
            (
                t_osa,
                transfer_h,
                transfer_km,
                f"at OSA {osa.icao}" + (" (transfer)" if transfer_km else " (POE is the OSA)"),
                "Annex E para 1 (<= 5 h)",
            ),
            (
                t_plan,
                tl.mission_plan_after_arrival_h,
                None,
                "mission plan submitted",
                "assumption (mission_plan_after_arrival_h)",
            ),
            (
                t_commence,
                _hours(t_commence - t_plan),
                None,
                "earliest commencement of the observation flight"
                + (" (after the flight under way)" if t_free > t_rule else ""),
                "Art. VI Sec. II para 4(E) (24 h); Art. VI Sec. I para 3",
            ),
            (
                t_takeoff,
                wait_h,
                None,
                "take-off"
                + (" (waits for daylight over the area)" if wait_h > 0 else "")
                + ("" if imageable else ": none, not imageable in the window"),
                f"assumption: sun >= {tl.sun_elevation_min_deg:g} deg (NOAA)"
                if daylight
                else "non-optical sensor: no daylight needed",
            ),
            (
                t_img,
                approach_h,
                plan.approach_km,
                "imaging starts (arrival over the area)",
                "cruise speed",
            ),
            (t_done, imaging_h, plan.imaging_km, "imaging complete (whole area)", "estimate"),
            (
                t_land,
                return_h,
                plan.return_km,
                f"landing at {osa.icao}",
                "Art. VI Sec. I para 9 (96 h)",
            ),
        ]
        for k, (when, dur, dist, event, rule) in enumerate(events, start=1):
            step_rows.append(
                {
                    "entry_point": ep.icao,
                    "label": label,
                    "hypothetical": ep.hypothetical,
                    "step": k,
                    "event": event,
                    "time_utc": when,
                    "duration_h": round(float(dur), 3),
                    "distance_km": None if dist is None else round(float(dist), 1),
                    "hours_after_trigger": math.nan
                    if when is None
                    else round(_hours(when - t0), 3),
                    "rule": rule,
                }
            )
        summary_rows.append(
            {
                "entry_point": ep.icao,
                "label": label,
                "hypothetical": ep.hypothetical,
                "osa": osa.icao,
                "budget_km": budget,
                "flight_km": round(flight_km, 1),
                "fits_one_flight": fits,
                "approach_km": round(plan.approach_km, 1),
                "imaging_km": round(plan.imaging_km, 1),
                "lanes": plan.lanes,
                "route": " -> ".join(
                    [osa.icao, *(ex.grounds[i].name for i in plan.order), osa.icao]
                ),
                "ferry_km": round(ferry_km, 1),
                "imageable": imageable,
                "earliest_imaging_utc": t_img,
                "hours_to_image": math.nan if t_img is None else round(_hours(t_img - t0), 3),
                "daylight_wait_h": round(wait_h, 3),
                "imaging_complete_utc": t_done,
                "inside_window": t_img is not None and ex.start <= t_img < ex.end,
                "complete_inside_window": t_done is not None and t_done <= ex.end,
                "within_observation_period": within_96,
                "transfer_ok": transfer_ok,
                "daylight_fits": imageable,
                "notes": "; ".join(notes),
            }
        )
        logger.info(
            "%s: imaging from %s (%.1f h after trigger), flight %.0f/%.0f km",
            label,
            "(not imageable in the window)" if t_img is None else t_img.isoformat(),
            math.nan if t_img is None else _hours(t_img - t0),
            flight_km,
            budget,
        )
    if steps:
        df = pd.DataFrame(step_rows)
        df["time_utc"] = pd.to_datetime(df["time_utc"], utc=True).dt.round("s")
        return df
    df = pd.DataFrame(summary_rows)
    for col in ("earliest_imaging_utc", "imaging_complete_utc"):
        df[col] = pd.to_datetime(df[col], utc=True).dt.round("s")
    return df
