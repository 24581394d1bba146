"""What the workbench's endpoints do, in terms of the public library API.

Each function takes a validated request model (:mod:`openskies.serve.models`)
and returns a response model. A library error caused by the request
(:class:`~openskies._errors.OpenSkiesError`) becomes a :class:`FieldError`
naming the request field and the fix; the app answers it with 422.

Files: no function opens a path given by a client. Uploads arrive as text and
downloads leave as bytes; where the library's readers and writers need a file
name, a private temporary directory (mode 0700, removed at once) holds it.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io as _stdio
import json
import logging
import math
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping

from .. import aircraft as _aircraft
from .. import coverage, data, geodesy, io, routing, sensors
from .._errors import OpenSkiesError
from ..config import Designation
from ..flightplan import FlightPlan
from . import models as m

if TYPE_CHECKING:  # pragma: no cover
    from ..airfields import Regime

logger = logging.getLogger(__name__)

#: Tolerances (degrees) of the simplified geometries sent for display only; every
#: figure (areas, lengths) is computed on the exact geometry.
BORDER_SIMPLIFY_DEG = 0.01
FOOTPRINT_SIMPLIFY_DEG = 0.002
#: Decimals of display coordinates (1e-5 deg is about 1 m).
DISPLAY_DECIMALS = 5
#: Largest territory (geodesic km²) a workbench comparison runs on; larger ones (the
#: whole BLR+RUS group) take far longer than an interactive answer: use ``openskies compare``.
COMPARE_MAX_AREA_KM2 = 1_000_000.0

MEDIA_TYPES = {
    "geojson": ("application/geo+json", ".geojson"),
    "kml": ("application/vnd.google-earth.kml+xml", ".kml"),
    "gpx": ("application/gpx+xml", ".gpx"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "txt": ("text/plain; charset=utf-8", ".txt"),
    "icao": ("text/plain; charset=utf-8", ".icao.txt"),
}


class FieldError(Exception):
    """A request that the library refused: where, what, and how to fix it."""

    def __init__(self, loc: Sequence[str | int], msg: str, fix: str | None = None) -> None:
        super().__init__(msg)
        self.loc = list(loc)
        self.msg = msg
        self.fix = fix

    def item(self) -> m.ErrorItem:
        """The error as an API error item."""
        return m.ErrorItem(loc=self.loc, msg=self.msg, type="value_error", fix=self.fix)


def _text(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


@contextlib.contextmanager
def refused_as(loc: Sequence[str | int], fix: str | None = None) -> Iterator[None]:
    """Turn an openskies error raised inside the block into a :class:`FieldError` at ``loc``."""
    try:
        yield
    except FieldError:
        raise
    except OpenSkiesError as exc:
        raise FieldError(loc, _text(exc), fix) from exc


def _round(xy: Any) -> list[list[float]]:
    arr = np.round(np.asarray(xy, dtype=float)[:, :2], DISPLAY_DECIMALS)
    return arr.tolist()


def _geojson(geometry: Any, tolerance_deg: float) -> dict[str, Any]:
    """GeoJSON of a geometry simplified for display, coordinates rounded."""
    if geometry is None or geometry.is_empty:
        return {"type": "GeometryCollection", "geometries": []}
    simple = shapely.simplify(geometry, tolerance_deg, preserve_topology=True)
    simple = shapely.set_precision(simple, 10.0**-DISPLAY_DECIMALS)
    return mapping(simple)


def _safe_stem(name: str, default: str = "plan") -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_.")[:60]
    return stem or default


# --------------------------------------------------------------------------- regime and plan


@functools.lru_cache(maxsize=64)
def _regime(year: int, designations: tuple[Designation, ...]) -> Regime:
    reg = data.regime(year)
    for d in designations:
        reg = reg.designate(
            d.icao,
            party=d.party,
            roles=d.roles,
            max_flight_distance_km=d.max_flight_distance_km,
        )
    return reg


def regime_for(req: m.PlanContext) -> Regime:
    """The regime of the request's year with its hypothetical designations."""
    base = data.regime(req.year)  # the model admits years from 1992 only
    for i, d in enumerate(req.designate):
        if d.icao in base:
            a = base.airfield(d.icao)
            if d.party.strip().upper() not in (a.party, a.group):
                msg = (
                    f"{a.label} lies in {a.party}: it cannot be designated for "
                    f"{d.party.strip().upper()}"
                )
                raise FieldError(["body", "designate", i, "party"], msg, f"give party {a.party!r}")
        with refused_as(
            ["body", "designate", i],
            "give the ISO3 party of the airfield (e.g. BLR) and a positive distance in km",
        ):
            _regime(req.year, tuple(req.designate[: i + 1]))
    with refused_as(["body", "year"], "give a year from 1992 on, e.g. 2019"):
        return _regime(req.year, tuple(req.designate))


def build_plan(req: m.PlanIn) -> FlightPlan:
    """The :class:`~openskies.flightplan.FlightPlan` of a request (the regime's budget)."""
    reg = regime_for(req)
    for key in ("start", "end"):
        code = getattr(req, key)
        if code is not None:
            with refused_as(["body", key], "choose an airfield listed by GET /api/options"):
                reg.airfield(code)
    aircraft = None
    if req.aircraft is not None:
        aircraft = _aircraft.preset(req.aircraft)
    with refused_as(
        ["body", "waypoints"],
        "give [lon, lat] degrees in flying order, one flag per leg in transit/sensors_on",
    ):
        return FlightPlan.from_waypoints(
            req.waypoints,
            start=req.start,
            end=req.end,
            names=req.names,
            transit=req.transit,
            sensors_on=req.sensors_on,
            regime=reg,
            territory=req.territory,
            aircraft=aircraft,
            name=req.name,
        )


def _sub_limits(plan: FlightPlan) -> dict[str, Any]:
    """Sub-regions (with limits) that apply to the plan's territory, by code."""
    terr = plan.territory
    if terr.parent is not None:
        return {
            k: v
            for k, v in data.territory(terr.parent, year=terr.year).sub_regions.items()
            if k == terr.code
        }
    return dict(terr.sub_regions)


def _where(plan: FlightPlan, v: Any) -> tuple[float, float] | None:
    if v.location is not None:
        return (float(v.location[0]), float(v.location[1]))
    xy = plan.coords
    if v.leg is not None and 0 <= v.leg < len(xy) - 1:
        (x1, y1), (x2, y2) = xy[v.leg], xy[v.leg + 1]
        az = geodesy.azimuth_deg(x1, y1, x2, y2)
        half = float(geodesy.distance_km(x1, y1, x2, y2)) / 2.0
        return geodesy.destination(x1, y1, az, half)
    if v.waypoint is not None and -len(xy) <= v.waypoint < len(xy):
        x, y = xy[v.waypoint]
        return (float(x), float(y))
    return None


def _finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def check(plan: FlightPlan) -> m.CheckOut:
    """Validate a plan and describe it for the page: meter, violations, legs."""
    t0 = time.perf_counter()
    c0 = time.thread_time()
    with refused_as(["body"], "fix the plan's waypoints or airfields"):
        violations = plan.validate()
    margin = plan.turn_margin
    by_region = plan.length_by_region_km
    subs = _sub_limits(plan)
    regions = []
    for code, km in by_region.items():
        if code in ("outside", "transit"):
            if km > 0:
                regions.append(
                    m.RegionOut(
                        code=code,
                        name="outside the treaty area" if code == "outside" else "transit legs",
                        kind=code,
                        geodesic_km=km,
                        counted_km=km * (1.0 + margin) if code == "outside" else 0.0,
                    )
                )
            continue
        sub = subs.get(code)
        regions.append(
            m.RegionOut(
                code=code,
                name=sub.name if sub is not None else data.territory(code).name,
                kind="sub_region" if sub is not None else "member",
                geodesic_km=km,
                counted_km=km * (1.0 + margin),
                limit_km=None if sub is None else sub.limit_km,
            )
        )
    legs = plan.legs
    leg_out = []
    for row in legs.itertuples():
        parts = shapely.get_parts(row.geometry)
        leg_out.append(
            m.LegOut(
                leg=int(row.leg),
                length_km=float(row.length_km),
                transit=bool(row.transit),
                region=str(row.region),
                lines=[_round(shapely.get_coordinates(p)) for p in parts],
            )
        )
    reg = plan.regime
    labels = plan.waypoint_labels
    out = m.CheckOut(
        legal=not violations,
        violations=[
            m.ViolationOut(
                rule=v.rule,
                article=v.article,
                message=v.message,
                leg=v.leg,
                waypoint=v.waypoint,
                location=v.location,
                where=_where(plan, v),
                amount=_finite_or_none(v.amount),
            )
            for v in violations
        ],
        length_km=plan.length_km,
        budget_km=plan.budget_km,
        budget_source=plan.budget_source,
        geodesic_km=plan.geodesic_length_km,
        transit_km=plan.transit_length_km,
        turn_margin=margin,
        territory=plan.territory.code,
        start_label=reg.airfield(plan.start).label,
        end_label=reg.airfield(plan.end).label,
        hypothetical=plan.hypothetical,
        regions=regions,
        waypoints=[
            m.WaypointOut(lon=w.lon, lat=w.lat, label=lab)
            for w, lab in zip(plan.waypoints, labels, strict=True)
        ],
        legs=leg_out,
        flight_time_h=plan.flight_time_h,
        duration_h=plan.duration_h,
        elapsed_ms=0.0,
        cpu_ms=0.0,
    )
    out.elapsed_ms = (time.perf_counter() - t0) * 1000.0
    out.cpu_ms = (time.thread_time() - c0) * 1000.0
    return out


def spec_of(plan: FlightPlan) -> tuple[m.PlanSpec, list[str]]:
    """The request that rebuilds ``plan`` in the workbench, and notes on what it drops."""
    notes: list[str] = []
    reg = plan.regime
    designate = []
    base = data.regime(reg.year)
    for a in map(reg.airfield, reg.airfields()["icao"]):
        if not a.hypothetical:
            continue
        added = tuple(
            r for r in a.roles if a.icao not in base or r not in base.airfield(a.icao).roles
        )
        try:
            designate.append(
                Designation(
                    icao=a.icao,
                    party=a.party,
                    max_flight_distance_km=a.max_flight_distance_km,
                    roles=added or ("POE", "OSA"),
                )
            )
        except ValueError as exc:
            msg = (
                f"hypothetical airfield {a.icao} of the file: the workbench designates bundled "
                f"airfields only ({exc})"
            )
            raise FieldError(
                ["body", "text"], msg, "designate other airfields with the library or the CLI"
            ) from exc
    if plan.budget_source == "given":
        notes.append(
            f"the file declares a limit of {plan.budget_km:,.1f} km; the workbench checks the "
            "maximum flight distance of the start airfield in the regime"
        )
    if plan.stops:
        notes.append(
            f"{len(plan.stops)} declared stop(s) in the file are not kept by the workbench: the "
            "96-hour rule is checked without their ground time (use `openskies validate` for it)"
        )
    aircraft = None
    if plan.aircraft is not None:
        try:
            if _aircraft.preset(plan.aircraft.name) == plan.aircraft:
                aircraft = plan.aircraft.name
        except OpenSkiesError:
            pass
        if aircraft is None:
            notes.append(
                f"aircraft {plan.aircraft.name!r} of the file is not a preset: the default "
                "preset is used for times"
            )
    spec = m.PlanSpec(
        territory=plan.territory.code,
        start=plan.start,
        end=plan.end,
        year=reg.year,
        designate=designate,
        aircraft=aircraft,
        waypoints=[(float(x), float(y)) for x, y in plan.coords],
        names=[w.name[: m.MAX_NAME_CHARS] for w in plan.waypoints],
        transit=list(plan.transit),
        sensors_on=list(plan.sensors_on),
        name=plan.name[: m.MAX_NAME_CHARS],
    )
    return spec, notes


# --------------------------------------------------------------------------- files


def export(req: m.PlanIn, fmt: str) -> tuple[bytes, str, str]:
    """A plan file in ``fmt`` (every CLI format, plus the bare ICAO route).

    Returns
    -------
    (bytes, media type, file name)
    """
    plan = build_plan(req)
    media, suffix = MEDIA_TYPES[fmt]
    filename = _safe_stem(req.name or f"{plan.start}-{plan.end}") + suffix
    with refused_as(["body"], "fix the plan before exporting it"):
        if fmt == "icao":
            return (io.icao_route(plan) + "\n").encode(), media, filename
        with tempfile.TemporaryDirectory(prefix="openskies-serve-") as tmp:
            path = io.write(plan, Path(tmp) / f"plan{suffix}", format=fmt)
            return path.read_bytes(), media, filename


def import_plan(req: m.ImportIn) -> m.ImportOut:
    """Read an uploaded plan (GeoJSON, GPX, CSV) with :func:`openskies.io.read_plan`."""
    shown = req.filename or f"upload.{req.format}"
    stem = _safe_stem(Path(req.filename).stem if req.filename else "", default="imported")
    with tempfile.TemporaryDirectory(prefix="openskies-serve-") as tmp:
        path = Path(tmp) / f"{stem}.{req.format}"
        path.write_text(req.text, encoding="utf-8")
        try:
            plan = io.read_plan(
                path, format=req.format, start=req.start, end=req.end, territory=req.territory
            )
        except OpenSkiesError as exc:
            msg = _text(exc).replace(str(path), shown)
            raise FieldError(
                ["body", "text"],
                msg,
                f"give a {req.format.upper()} plan as openskies writes it (see `openskies export`)",
            ) from exc
    if len(plan.waypoints) > m.MAX_WAYPOINTS:
        msg = (
            f"{shown} holds {len(plan.waypoints):,} waypoints; the workbench edits at most "
            f"{m.MAX_WAYPOINTS:,}"
        )
        raise FieldError(["body", "text"], msg, "check large plans with `openskies validate`")
    spec, notes = spec_of(plan)
    return m.ImportOut(plan=spec, check=check(build_plan(spec)), notes=notes)


def _row_value(row: dict[str, str], names: Sequence[str]) -> str | None:
    for k, v in row.items():
        if k is not None and k.strip().lower() in names:
            return v
    return None


def import_targets(req: m.TargetsImportIn) -> m.TargetsOut:
    """Point targets from CSV (``lon``, ``lat``, ``name``, ``value``) or GeoJSON points."""
    shown = req.filename or f"targets.{req.format}"
    rows: list[dict[str, Any]] = []
    if req.format == "csv":
        reader = csv.DictReader(_stdio.StringIO(req.text.lstrip("\ufeff")))
        fields = [(f or "").strip().lower() for f in reader.fieldnames or []]
        if not ({"lon", "longitude"} & set(fields) and {"lat", "latitude"} & set(fields)):
            msg = f"{shown} has no lon and lat columns (found {fields})"
            raise FieldError(["body", "text"], msg, "name the columns lon, lat, name, value")
        for k, row in enumerate(reader):
            rows.append(
                {
                    "where": f"row {k + 2}",
                    "lon": _row_value(row, ("lon", "longitude")),
                    "lat": _row_value(row, ("lat", "latitude")),
                    "name": _row_value(row, ("name",)) or "",
                    "value": _row_value(row, ("value",)) or 1.0,
                }
            )
    else:
        try:
            doc = json.loads(req.text)
        except json.JSONDecodeError as exc:
            msg = f"{shown} is not JSON: {exc.msg} at line {exc.lineno}"
            raise FieldError(["body", "text"], msg, "give a GeoJSON FeatureCollection") from exc
        feats = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(feats, list):
            msg = f"{shown} is not a GeoJSON FeatureCollection"
            raise FieldError(["body", "text"], msg, "give a FeatureCollection of Point features")
        for k, f in enumerate(feats):
            geom = f.get("geometry") if isinstance(f, dict) else None
            props = (f.get("properties") or {}) if isinstance(f, dict) else {}
            if not isinstance(geom, dict) or geom.get("type") != "Point":
                kind = geom.get("type") if isinstance(geom, dict) else None
                msg = f"{shown}: feature {k} is a {kind or 'feature without geometry'}"
                raise FieldError(
                    ["body", "text"],
                    msg,
                    "the workbench takes point targets; plan polygon targets with `openskies plan`",
                )
            coords = geom.get("coordinates") or [None, None]
            rows.append(
                {
                    "where": f"feature {k}",
                    "lon": coords[0] if len(coords) > 0 else None,
                    "lat": coords[1] if len(coords) > 1 else None,
                    "name": str(props.get("name") or ""),
                    "value": props.get("value", 1.0),
                }
            )
    if len(rows) > m.MAX_TARGETS:
        msg = f"{shown} holds {len(rows):,} targets; the workbench takes at most {m.MAX_TARGETS:,}"
        raise FieldError(["body", "text"], msg, "split the file")
    if not rows:
        raise FieldError(["body", "text"], f"{shown} holds no targets", "add at least one row")
    out = []
    for r in rows:
        try:
            out.append(
                m.TargetIn(
                    lon=float(r["lon"]),
                    lat=float(r["lat"]),
                    name=str(r["name"])[: m.MAX_NAME_CHARS],
                    value=float(r["value"]),
                )
            )
        except (TypeError, ValueError) as exc:
            detail = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
            msg = f"{shown} {r['where']}: {detail} (lon={r['lon']!r}, lat={r['lat']!r})"
            raise FieldError(
                ["body", "text"], msg, "give decimal degrees and a value >= 0"
            ) from exc
    return m.TargetsOut(targets=out)


# --------------------------------------------------------------------------- planning


def _legal_limit(reg: Regime, start: str) -> float:
    with refused_as(
        ["body", "start"],
        "start at an Open Skies airfield, or designate it hypothetically (designate)",
    ):
        return float(reg.max_flight_distance_km(start))


def route(req: m.RouteIn) -> m.RouteOut:
    """The most valuable legal route to the targets (:func:`openskies.routing.plan_route`)."""
    import geopandas as gpd

    reg = regime_for(req)
    limit = _legal_limit(reg, req.start)
    if req.budget_km is not None and req.budget_km > limit:
        msg = (
            f"budget_km={req.budget_km:g} is above the maximum flight distance of "
            f"{reg.airfield(req.start).label}, {limit:,.0f} km: the legal limit is the regime's"
        )
        raise FieldError(
            ["body", "budget_km"], msg, f"give at most {limit:g} km, or leave it out for the limit"
        )
    gdf = gpd.GeoDataFrame(
        {
            "name": [t.name or f"target {i}" for i, t in enumerate(req.targets)],
            "value": [t.value for t in req.targets],
        },
        geometry=gpd.points_from_xy([t.lon for t in req.targets], [t.lat for t in req.targets]),
        crs="EPSG:4326",
    )
    with refused_as(["body", "targets"], "move or remove the target named in the message"):
        plan = routing.plan_route(
            req.territory,
            gdf,
            start=req.start,
            end=req.end,
            budget_km=req.budget_km,
            sensor=req.sensor,
            regime=reg,
            time_limit_s=req.time_limit_s,
            aircraft=req.aircraft,
            name=req.name,
        )
    spec, _ = spec_of(plan)
    r = plan.route
    return m.RouteOut(
        plan=spec,
        observed=[int(i) for i in r.observed],
        skipped=[
            m.SkippedOut(index=int(s.index), name=s.name, value=s.value, reason=s.reason)
            for s in r.skipped
        ],
        value_observed=r.value_observed,
        value_total=r.value_total,
        solver=r.summary(),
        check=check(build_plan(spec)),
    )


def footprint(req: m.FootprintIn) -> m.FootprintOut:
    """Ground imaged by the plan with the sensor (:func:`openskies.coverage.footprint`)."""
    plan = build_plan(req)
    with refused_as(["body", "sensor"], "choose a sensor listed by GET /api/options"):
        fp = coverage.footprint(plan, req.sensor)
    return m.FootprintOut(
        sensor=req.sensor,
        area_km2=geodesy.area_km2(fp) if not fp.is_empty else 0.0,
        geometry=_geojson(fp, FOOTPRINT_SIMPLIFY_DEG),
    )


# --------------------------------------------------------------------------- reference data


def _years() -> list[int]:
    return list(range(1992, 2022))


@functools.lru_cache(maxsize=8)
def options(year: int) -> dict[str, Any]:
    """Everything the page offers: years, territories, airfields, sensors, aircraft, caps."""
    reg = data.regime(year)
    groups = sorted({a.group for a in reg.osas()})
    territories: dict[str, dict[str, Any]] = {}
    for g in groups:
        t = data.territory(g, year=year)
        codes = [g] + ([*t.members] if len(t.members) > 1 else []) + [*t.sub_regions]
        for code in codes:
            tt = data.territory(code, year=year)
            territories[code] = {
                "code": code,
                "name": tt.name,
                "group": g,
                "members": list(tt.members),
                "sub_regions": [
                    {"code": s.code, "name": s.name, "limit_km": s.limit_km}
                    for s in tt.sub_regions.values()
                ],
                "area_km2": tt.area_km2,
            }
    airfields = []
    for a in sorted(
        (a for a in map(reg.airfield, reg.airfields()["icao"]) if a.group in groups),
        key=lambda a: (a.group, not a.is_osa, a.icao),
    ):
        airfields.append(
            {
                "icao": a.icao,
                "name": a.name,
                "label": a.label,
                "lon": a.lon,
                "lat": a.lat,
                "party": a.party,
                "group": a.group,
                "roles": list(a.roles),
                "is_osa": a.is_osa,
                "max_flight_distance_km": a.max_flight_distance_km,
                "max_flight_distance_source": a.max_flight_distance_source,
            }
        )
    sens = []
    for name in sensors.PRESETS:
        s = sensors.preset(name)
        sens.append({"name": s.name, "width_km": s.width_km, "side": s.side, "note": s.note})
    planes = [
        {"name": a.name, "cruise_speed_kmh": a.cruise_speed_kmh, "range_km": a.range_km}
        for a in _aircraft.presets().values()
    ]
    return {
        "year": year,
        "years": _years(),
        "default": {
            "territory": "BLR+RUS",
            "start": "UUMB",
            "sensor": "optical_high_pan",
            "compare_territory": "BLR",
            "compare_candidates": ["UUMB", "UMMS"],
        },
        "territories": list(territories.values()),
        "airfields": airfields,
        "sensors": sens,
        "aircraft": planes,
        "default_aircraft": _aircraft.DEFAULT_PRESET,
        "export_formats": list(MEDIA_TYPES),
        "import_formats": ["geojson", "gpx", "csv"],
        "caps": m.CAPS,
    }


@functools.cache
def borders() -> dict[str, Any]:
    """Bundled country borders (Natural Earth 10m), simplified for the base layer."""
    land = data.countries()
    feats = [
        {
            "type": "Feature",
            "properties": {"code": str(code), "name": str(row["name"])},
            "geometry": _geojson(row.geometry, BORDER_SIMPLIFY_DEG),
        }
        for code, row in land.iterrows()
    ]
    return {
        "type": "FeatureCollection",
        "features": feats,
        "attribution": "Borders: Natural Earth 10m v5.1.1 (public domain), simplified for display",
    }


@functools.lru_cache(maxsize=32)
def territory_layer(code: str, year: int) -> dict[str, Any]:
    """The treaty area of a territory and its sub-regions (GeoJSON, simplified)."""
    with refused_as(["path", "code"], "choose a territory listed by GET /api/options"):
        t = data.territory(code, year=year)
    feats = [
        {
            "type": "Feature",
            "properties": {"kind": "territory", "code": t.code, "name": t.name},
            "geometry": _geojson(t.treaty_geometry, BORDER_SIMPLIFY_DEG),
        }
    ]
    for s in t.sub_regions.values():
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "sub_region",
                    "code": s.code,
                    "name": s.name,
                    "limit_km": s.limit_km,
                },
                "geometry": _geojson(s.geometry, BORDER_SIMPLIFY_DEG),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def sites(code: str) -> m.TargetsOut:
    """Bundled sites of interest of a territory, as targets."""
    with refused_as(["query", "territory"], "choose a territory with bundled sites, e.g. BLR"):
        df = data.sites(code)
    return m.TargetsOut(
        targets=[
            m.TargetIn(lon=float(r.lon), lat=float(r.lat), name=str(r.name), value=float(r.value))
            for r in df.itertuples()
        ]
    )


def warm_up() -> None:
    """Load the bundled data and fill the caches the first requests need."""
    t0 = time.perf_counter()
    borders()
    options(2019)
    territory_layer("BLR+RUS", 2019)
    kub = data.airfield("UUMB")
    plan = FlightPlan.from_waypoints(
        [(kub.lon, kub.lat), (28.0, 53.9), (kub.lon, kub.lat)], start="UUMB", territory="BLR+RUS"
    )
    check(plan)
    logger.info("workbench warmed up in %.1f s", time.perf_counter() - t0)


def check_compare(req: m.CompareIn) -> None:
    """Refuse a comparison the workbench cannot answer quickly or that makes no sense."""
    with refused_as(["body", "year"], "give a year from 1992 on, e.g. 2019"):
        reg = data.regime(req.year)
    t = data.territory(req.territory, year=req.year)
    if t.area_km2 > COMPARE_MAX_AREA_KM2:
        msg = (
            f"territory {t.code} covers {t.area_km2:,.0f} km²; the workbench compares entry "
            f"points over at most {COMPARE_MAX_AREA_KM2:,.0f} km²"
        )
        raise FieldError(
            ["body", "territory"],
            msg,
            "choose one state (e.g. BLR), or run `openskies compare` with a config",
        )
    for key in ("candidates", "budgets_km", "sensors", "home_bases"):
        values = list(getattr(req, key))
        seen = set()
        for i, v in enumerate(values):
            if v in seen:
                msg = f"{key}[{i}]={v!r} repeats an earlier entry"
                raise FieldError(["body", key, i], msg, "give each entry once")
            seen.add(v)
    for i, code in enumerate(req.candidates):
        a = reg.airfield(code)
        group = data.territory(a.group, year=req.year)
        if not set(t.members) <= set(group.members):
            msg = (
                f"candidate {a.label} is an airfield of {a.group}; it cannot be an entry point "
                f"for observing {t.code}"
            )
            raise FieldError(
                ["body", "candidates", i], msg, f"choose airfields of {t.code}'s party"
            )
