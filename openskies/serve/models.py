"""Request and response models of the workbench API (pydantic).

The field types that name bundled data are the configs' own
(:mod:`openskies.config`: ``IcaoCode``, ``TerritoryCode``, ``SensorName``,
``AircraftName``, ``Budget``, ``Designation``), so a code the CLI refuses is
refused here with the same message. Every list and text has a cap
(:data:`CAPS`), checked before any work.

Coordinates are ``[lon, lat]`` degrees WGS84 (EPSG:4326), as everywhere in
openskies; distances km, areas km², times h.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..config import AircraftName, Budget, Designation, IcaoCode, SensorName, TerritoryCode

__all__ = [
    "CAPS",
    "CheckOut",
    "CompareIn",
    "CompareResult",
    "ErrorItem",
    "ErrorOut",
    "ExportFormat",
    "FootprintIn",
    "FootprintOut",
    "ImportIn",
    "ImportOut",
    "JobOut",
    "PlanIn",
    "PlanSpec",
    "RouteIn",
    "RouteOut",
    "TargetIn",
    "TargetsImportIn",
    "TargetsOut",
]

#: Waypoints per plan. The workbench edits every vertex in the browser; larger recorded
#: tracks are checked with ``openskies validate`` (the library has no such cap).
MAX_WAYPOINTS = 10_000
#: Targets per route request or targets file.
MAX_TARGETS = 1_000
#: Characters of a name (plan, waypoint, target).
MAX_NAME_CHARS = 200
#: Characters of an uploaded plan or targets file (its text).
MAX_FILE_CHARS = 6_000_000
#: Hypothetical designations per request.
MAX_DESIGNATIONS = 16

#: Every cap of the API, reported by ``GET /api/options``.
CAPS: dict[str, int] = {
    "waypoints": MAX_WAYPOINTS,
    "targets": MAX_TARGETS,
    "name_chars": MAX_NAME_CHARS,
    "file_chars": MAX_FILE_CHARS,
    "designations": MAX_DESIGNATIONS,
}

Lon = Annotated[
    float,
    Field(
        strict=True,
        ge=-540.0,
        le=540.0,
        allow_inf_nan=False,
        description="Longitude, degrees (unwrapped values are normalised to [-180, 180)).",
    ),
]
Lat = Annotated[
    float,
    Field(strict=True, ge=-90.0, le=90.0, allow_inf_nan=False, description="Latitude, degrees."),
]
Position = tuple[Lon, Lat]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
Year = Annotated[int, Field(strict=True, ge=1992, le=2100, description="Treaty regime year.")]
ExportFormat = Literal["geojson", "kml", "gpx", "csv", "txt", "icao"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanContext(_In):
    """Where a flight is planned: regime, territory, airfields, aircraft."""

    territory: TerritoryCode | None = Field(
        None, description="Observed territory; default the start airfield's group (BLR+RUS)."
    )
    start: IcaoCode = Field(description="ICAO code of the airfield where the flight commences.")
    end: IcaoCode | None = Field(None, description="ICAO code of the end airfield; default start.")
    year: Year = 2019
    designate: list[Designation] = Field(
        default_factory=list,
        max_length=MAX_DESIGNATIONS,
        description="Hypothetical designations applied to the regime (e.g. Minsk National).",
    )
    aircraft: AircraftName | None = Field(None, description="Aircraft preset for durations.")


class PlanIn(PlanContext):
    """A flight plan to check, export or image (``POST /api/validate`` and others)."""

    waypoints: list[Position] = Field(
        min_length=2,
        max_length=MAX_WAYPOINTS,
        description="[lon, lat] pairs in flying order. The start (end) airfield is added "
        "when the first (last) point is more than 5 km from it.",
    )
    names: list[Name] | None = Field(None, max_length=MAX_WAYPOINTS)
    transit: list[bool] | None = Field(
        None, max_length=MAX_WAYPOINTS, description="Per leg: a transit leg is not counted."
    )
    sensors_on: list[bool] | None = Field(None, max_length=MAX_WAYPOINTS)
    name: Name = ""


class PlanSpec(PlanIn):
    """A plan as the page holds it (what ``/api/import`` returns)."""


class FootprintIn(PlanIn):
    """A plan and the sensor whose footprint is asked for."""

    sensor: SensorName = "optical_high_pan"


class TargetIn(_In):
    """A point target."""

    lon: Lon
    lat: Lat
    name: Name = ""
    value: float = Field(1.0, ge=0.0, allow_inf_nan=False)


class RouteIn(PlanContext):
    """Targets for ``plan_route``."""

    targets: list[TargetIn] = Field(min_length=1, max_length=MAX_TARGETS)
    sensor: SensorName | None = "optical_high_pan"
    budget_km: Budget | None = Field(
        None,
        description="A planning budget below the start airfield's maximum flight distance; "
        "never above it (the legal limit is the regime's).",
    )
    time_limit_s: float = Field(5.0, gt=0.0, le=30.0)
    name: Name = "best route"


class ImportIn(_In):
    """A plan file's text (the page reads the file; the server never opens a path)."""

    format: Literal["geojson", "gpx", "csv"]
    text: str = Field(max_length=MAX_FILE_CHARS)
    filename: Name = Field("", description="Shown in messages only; never used as a path.")
    start: IcaoCode | None = None
    end: IcaoCode | None = None
    territory: TerritoryCode | None = None


class TargetsImportIn(_In):
    """A targets file's text: CSV (lon, lat, name, value) or GeoJSON points."""

    format: Literal["geojson", "csv"]
    text: str = Field(max_length=MAX_FILE_CHARS)
    filename: Name = ""


class CompareIn(_In):
    """A reduced entry-point comparison (one sensor, one budget by default)."""

    territory: TerritoryCode = "BLR"
    candidates: list[IcaoCode] = Field(default=["UUMB", "UMMS"], min_length=1, max_length=4)
    budgets_km: list[Budget] = Field(default=[5500.0], min_length=1, max_length=3)
    sensors: list[SensorName] = Field(default=["optical_high_pan"], min_length=1, max_length=2)
    home_bases: list[IcaoCode] = Field(default=["EPWA"], max_length=3)
    aircraft: AircraftName = "An-30B"
    year: Year = 2019
    reach_cell_km: float = Field(25.0, ge=10.0, le=100.0)
    time_limit_s: float = Field(5.0, gt=0.0, le=30.0)


# --------------------------------------------------------------------------- responses


class ErrorItem(BaseModel):
    """One problem with a request: where (``loc``), what (``msg``) and how to fix it."""

    loc: list[str | int]
    msg: str
    type: str = "value_error"
    fix: str | None = None


class ErrorOut(BaseModel):
    """Body of every error answer (401, 403, 404, 409, 413, 422)."""

    detail: list[ErrorItem]


class ViolationOut(BaseModel):
    """A broken rule, with a place to show it."""

    rule: str
    article: str
    message: str
    leg: int | None = None
    waypoint: int | None = None
    location: Position | None = None
    where: Position | None = Field(
        None, description="Where to mark it: its location, else its leg's midpoint or waypoint."
    )
    amount: float | None = None


class RegionOut(BaseModel):
    """Kilometres flown in one part of the observed territory."""

    code: str
    name: str
    kind: Literal["member", "sub_region", "outside", "transit"]
    geodesic_km: float
    counted_km: float = Field(description="With the turn margin, as the limits count it.")
    limit_km: float | None = None


class WaypointOut(BaseModel):
    """A waypoint of the plan as checked (airfields added where needed)."""

    lon: float
    lat: float
    label: str


class LegOut(BaseModel):
    """A leg drawn as its densified geodesic (split at the antimeridian)."""

    leg: int
    length_km: float
    transit: bool
    region: str
    lines: list[list[Position]]


class CheckOut(BaseModel):
    """The legality check of a plan (``POST /api/validate``)."""

    legal: bool
    violations: list[ViolationOut]
    length_km: float = Field(description="Distance counted against the budget (rule 2), km.")
    budget_km: float = Field(description="Maximum flight distance of the start airfield, km.")
    budget_source: str
    geodesic_km: float
    transit_km: float
    turn_margin: float
    territory: str
    start_label: str
    end_label: str
    hypothetical: bool
    regions: list[RegionOut]
    waypoints: list[WaypointOut]
    legs: list[LegOut]
    flight_time_h: float
    duration_h: float
    elapsed_ms: float = Field(description="Server wall time spent on the check, ms.")
    cpu_ms: float = Field(description="CPU time of the check (its thread), ms.")


class SkippedOut(BaseModel):
    """A target the route does not observe, and why."""

    index: int
    name: str
    value: float
    reason: str


class RouteOut(BaseModel):
    """The best route (``plan_route``) and its check."""

    plan: PlanSpec
    observed: list[int]
    skipped: list[SkippedOut]
    value_observed: float
    value_total: float
    solver: dict[str, Any]
    check: CheckOut


class FootprintOut(BaseModel):
    """Ground imaged by a plan with a sensor (clipped to the treaty area)."""

    sensor: str
    area_km2: float = Field(description="Geodesic area on WGS84 of the exact footprint.")
    geometry: dict[str, Any] = Field(description="GeoJSON, simplified for display.")


class ImportOut(BaseModel):
    """A plan read from a file, as the page holds it, with its check."""

    plan: PlanSpec
    check: CheckOut
    notes: list[str]


class TargetsOut(BaseModel):
    """Targets read from a file."""

    targets: list[TargetIn]


class CompareResult(BaseModel):
    """The answer of an entry-point comparison."""

    territory: str
    labels: list[str]
    findings: list[str]
    summary: list[dict[str, Any]]
    routes: dict[str, Any] = Field(description="GeoJSON of the best single flights.")
    elapsed_s: float


class JobOut(BaseModel):
    """A background comparison."""

    id: str
    status: Literal["running", "done", "failed", "cancelled"]
    elapsed_s: float
    params: CompareIn
    result: CompareResult | None = None
    error: ErrorItem | None = None
