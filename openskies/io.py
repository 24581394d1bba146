"""Flight-plan file formats: reading and writing plans (every write atomic, through ``_files``).

Exports (:func:`write` dispatches on ``format`` or the file suffix):

- GeoJSON (RFC 7946): waypoints as Points and legs as the densified geodesic
  LineStrings (split at the antimeridian) with their lengths; the plan's
  metadata (airfields, regime year, hypothetical designations, budget, stops)
  in the foreign member ``"openskies"``.
- KML 2.2 (Google Earth, GDAL): a folder of waypoints and one of legs.
- GPX 1.1: every waypoint as ``wpt`` and the route as ``rte``/``rtept``.
- CSV: one row per waypoint with decimal degrees, the treaty's DMS form
  (``N55-36-30 E036-39-10``) and the ICAO form (``553630N0363910E``), after a
  header block of ``#,key,value`` rows carrying the plan's metadata.
- The ICAO flight plan route (Item 15, ICAO Doc 4444) and a plain-text
  mission-plan summary.

Imports (:func:`read_plan`): the project's GeoJSON (or any GeoJSON holding
one LineString or Point waypoints), GPX (a route, else a track, else the
waypoints) and CSV (the ``lon``/``lat`` decimal columns, and the metadata block
when present; without it a warning says that the defaults are used). Coordinates
round-trip exactly (floats are written with ``repr``); longitudes are read in any
unwrapped form (181.5 for a leg continued east of the antimeridian) and written
in [-180, 180). A metadata budget above the regime's legal limit is not used (a
note on the plan, :attr:`FlightPlan.notes`, says so).

Every writer goes through :func:`atomic_write` (:mod:`openskies._files`): a
temporary file next to the target, flushed and synced, then moved over the target
with :func:`os.replace`; on any error the temporary file is removed and an existing
target is left untouched. Unusable input raises before anything is opened.

Coordinates are (lon, lat) degrees WGS84 (EPSG:4326); distances km.
"""

from __future__ import annotations

import csv
import html
import io as _stdio
import json
import logging
import math
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import _files, _limits
from ._errors import OpenSkiesError, ValidationError
from ._text import csv_text, csv_untext

if TYPE_CHECKING:  # pragma: no cover
    from .airfields import Regime
    from .flightplan import FlightPlan, Violation
    from .territory import Territory

logger = logging.getLogger(__name__)

__all__ = [
    "FORMATS",
    "atomic_path",
    "atomic_write",
    "format_dms",
    "format_icao",
    "icao_route",
    "mission_summary",
    "read_csv",
    "read_geojson",
    "read_gpx",
    "read_plan",
    "routes_layer",
    "stop_features",
    "to_geojson",
    "write",
    "write_csv",
    "write_feature_collection",
    "write_geojson",
    "write_geojson_layer",
    "write_gpx",
    "write_kml",
    "write_txt",
]

#: Export formats of :func:`write`, with their usual suffixes.
FORMATS = {
    "geojson": (".geojson", ".json"),
    "kml": (".kml",),
    "gpx": (".gpx",),
    "csv": (".csv",),
    "txt": (".txt",),
}

_GPX_NS = "http://www.topografix.com/GPX/1/1"
_KML_NS = "http://www.opengis.net/kml/2.2"
_OS_NS = "urn:openskies:flightplan:1"
_META_KEY = "openskies"
_FORMAT_ID = "openskies-flightplan"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


# --------------------------------------------------------------------------- atomic output

# The one atomic writer of openskies lives in openskies._files; these names stay here.
atomic_path = _files.atomic_path
atomic_write = _files.atomic_write


def write_geojson_layer(gdf: Any, path: str | os.PathLike[str]) -> Path:
    """Write a GeoDataFrame as GeoJSON (GDAL), atomically; the layer is named after ``path``.

    GDAL names the FeatureCollection (its ``"name"`` member) after the file it writes, which
    for an atomic write is a random temporary name: the layer name is given explicitly (the
    target's stem, ``routes`` for ``routes.geojson``), so the same data gives the same bytes.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        gdf.to_file(tmp, driver="GeoJSON", layer=target.stem)
    return target


# --------------------------------------------------------------------------- coordinate forms


def _dms_parts(value: float, width: int) -> tuple[int, int, int]:
    total = round(abs(value) * 3600.0)
    d, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return int(d), int(m), int(s)


def _dm_parts(value: float) -> tuple[int, int]:
    total = round(abs(value) * 60.0)
    d, m = divmod(total, 60)
    return int(d), int(m)


def format_dms(lon: float, lat: float) -> str:
    """Treaty form of a position, to the nearest second: ``N55-36-30 E036-39-10``.

    Parameters
    ----------
    lon, lat : float
        Degrees WGS84.
    """
    lon = float((lon + 180.0) % 360.0 - 180.0) if abs(lon) > 180 else float(lon)
    ld, lm, ls = _dms_parts(lat, 2)
    od, om, os_ = _dms_parts(lon, 3)
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{ns}{ld:02d}-{lm:02d}-{ls:02d} {ew}{od:03d}-{om:02d}-{os_:02d}"


def format_icao(lon: float, lat: float, *, seconds: bool = True) -> str:
    """ICAO coordinate waypoint: ``553630N0363910E`` (or ``5536N03639E`` without seconds).

    Parameters
    ----------
    lon, lat : float
        Degrees WGS84.
    seconds : bool
        True: degrees, minutes and seconds (15 characters, the treaty's ICAO
        form); False: degrees and minutes (11 characters), the form ICAO Doc
        4444 prescribes in Item 15, rounded to the nearest minute (up to about
        0.9 km north-south).
    """
    lon = float((lon + 180.0) % 360.0 - 180.0) if abs(lon) > 180 else float(lon)
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    if seconds:
        ld, lm, ls = _dms_parts(lat, 2)
        od, om, os_ = _dms_parts(lon, 3)
        return f"{ld:02d}{lm:02d}{ls:02d}{ns}{od:03d}{om:02d}{os_:02d}{ew}"
    ld, lm = _dm_parts(lat)
    od, om = _dm_parts(lon)
    return f"{ld:02d}{lm:02d}{ns}{od:03d}{om:02d}{ew}"


def _norm_lon(lon: float) -> float:
    """Longitude in [-180, 180) (GPX 1.1 ``longitudeType``); in-range values unchanged."""
    return float(lon) if -180.0 <= lon < 180.0 else float((lon + 180.0) % 360.0 - 180.0)


# --------------------------------------------------------------------------- metadata


def _plan_meta(plan: FlightPlan) -> dict[str, Any]:
    """The plan's non-geometric content, for the GeoJSON foreign member and GPX extension."""
    reg = plan.regime
    table = reg.airfields()
    hyp = table[table["hypothetical"]]
    designations = [
        {
            "icao": str(r["icao"]),
            "name": str(r["name"]),
            "party": str(r["party"]),
            "group": str(r["group"]),
            "roles": str(r["roles"]).split(";"),
            "max_flight_distance_km": None
            if r["max_flight_distance_km"] is None or math.isnan(r["max_flight_distance_km"])
            else float(r["max_flight_distance_km"]),
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
        }
        for _, r in hyp.iterrows()
    ]
    ac = plan.aircraft
    fuel = _fuel(plan)
    return {
        "format": _FORMAT_ID,
        "version": 1,
        "name": plan.name,
        "start": plan.start,
        "end": plan.end,
        "regime_year": reg.year,
        "territory": plan.territory.code,
        "budget_km": plan.budget_km,
        "budget_source": plan.budget_source,
        "turn_margin": plan.turn_margin,
        "preflight_h": plan.preflight_h,
        "hypothetical": plan.hypothetical,
        "designations": designations,
        "aircraft": None
        if ac is None
        else {
            "name": ac.name,
            "cruise_speed_kmh": ac.cruise_speed_kmh,
            "range_km": ac.range_km,
            "min_altitude_m": ac.min_altitude_m,
            "max_altitude_m": ac.max_altitude_m,
            **{k: getattr(ac, k) for k in _OPS_FIELDS},
        },
        "stops": [
            {"waypoint": s.waypoint, "kind": s.kind, "duration_h": s.duration_h} for s in plan.stops
        ],
        "names": [w.name for w in plan.waypoints],
        "sensors_on": list(plan.sensors_on),
        "transit": list(plan.transit),
        "calibration": list(plan.calibration),
        "n_waypoints": len(plan.waypoints),
        "length_km": plan.length_km,
        "geodesic_length_km": plan.geodesic_length_km,
        "length_by_region_km": plan.length_by_region_km,
        "duration_h": plan.duration_h,
        "feasible": fuel.feasible,
        "fuel": {k: v for k, v in fuel.as_dict().items() if k != "feasible"},
    }


#: Operating values of an aircraft recorded with a plan (:data:`openskies.aircraft.OPS_FIELDS`).
_OPS_FIELDS = ("reserve_fraction", "reserve_min", "ground_time_per_stop_h", "ceiling_margin_m")


def _fuel(plan: FlightPlan) -> Any:
    """Whether the plan as declared can be flown (:func:`openskies.refuel.check`)."""
    from . import refuel

    return refuel.check(plan)


# --------------------------------------------------------------------------- GeoJSON


def _round_coords(geometry: Any, ndigits: int = 7) -> Any:
    return shapely.transform(geometry, lambda xy: np.round(xy, ndigits))


def to_geojson(plan: FlightPlan) -> dict[str, Any]:
    """The plan as an RFC 7946 GeoJSON FeatureCollection (a dict).

    Waypoint features (Point, exact coordinates) carry ``kind="waypoint"``,
    ``index``, ``name``, ``altitude_m``, ``dms``, ``icao`` and
    ``cumulative_km``; leg features (the geodesic densified every <= 5 km,
    MultiLineString where split at the antimeridian, 1e-7 degree precision)
    carry ``kind="leg"``, ``leg``, ``from``, ``to``, ``length_km``,
    ``sensors_on``, ``transit``, ``calibration`` and ``region``. The member
    ``"openskies"`` records the airfields, regime year, hypothetical
    designations (``"hypothetical": true`` when the plan uses one), budget,
    aircraft and stops.
    """
    labels = plan.waypoint_labels
    cum = np.concatenate([[0.0], np.cumsum(plan.leg_lengths_km)])
    features: list[dict[str, Any]] = []
    for i, w in enumerate(plan.waypoints):
        lon = _norm_lon(w.lon)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, w.lat]},
                "properties": {
                    "kind": "waypoint",
                    "index": i,
                    "name": w.name,
                    "label": labels[i],
                    "altitude_m": w.altitude_m,
                    "dms": format_dms(lon, w.lat),
                    "icao": format_icao(lon, w.lat),
                    "cumulative_km": round(float(cum[i]), 6),
                },
            }
        )
    legs = plan.legs
    for row in legs.itertuples():
        geom = shapely.geometry.mapping(_round_coords(row.geometry))
        features.append(
            {
                "type": "Feature",
                "geometry": _jsonable(geom),
                "properties": {
                    "kind": "leg",
                    "leg": int(row.leg),
                    "from": row.from_name,
                    "to": row.to_name,
                    "length_km": round(float(row.length_km), 6),
                    "sensors_on": bool(row.sensors_on),
                    "transit": bool(row.transit),
                    "calibration": bool(row.calibration),
                    "region": row.region,
                },
            }
        )
    features += stop_features(plan)
    return {
        "type": "FeatureCollection",
        "name": plan.name or f"{plan.start}-{plan.end}",
        "bbox": _bbox(plan),
        _META_KEY: _plan_meta(plan),
        "features": features,
    }


def stop_features(plan: FlightPlan, **properties: Any) -> list[dict[str, Any]]:
    """The declared stops of a plan as GeoJSON Point features (dicts), in waypoint order.

    One feature per :class:`~openskies.flightplan.Stop`, at its waypoint, with
    ``kind`` (``"refuel"`` or ``"rest"``), ``airfield`` (the waypoint's name: the ICAO code
    of an airfield placed by :func:`openskies.refuel.plan_refuelling`), ``waypoint``
    (index), ``label``, ``ground_time_h`` and any ``properties`` given (e.g. the flight's
    number in a layer of several flights).
    """
    labels = plan.waypoint_labels
    out = []
    for s in sorted(plan.stops, key=lambda s: (s.waypoint, s.kind)):
        w = plan.waypoints[s.waypoint]
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [_norm_lon(w.lon), w.lat]},
                "properties": {
                    "kind": s.kind,
                    "airfield": w.name,
                    "waypoint": s.waypoint,
                    "label": labels[s.waypoint],
                    "ground_time_h": s.duration_h,
                    **properties,
                },
            }
        )
    return out


def routes_layer(plans: Any) -> dict[str, Any]:
    """Flights as one RFC 7946 FeatureCollection: a LineString per flight, a Point per stop.

    Each flight feature (``kind="flight"``, the path densified along its geodesics every
    10 km, split at the antimeridian) carries ``flight`` (1-based), ``name``, ``start``,
    ``end``, ``length_km`` (counted against the maximum flight distance),
    ``geodesic_km``, ``stops`` (refuelling stops declared), ``mission_h`` and
    ``feasible`` with its ``reason`` (:func:`openskies.refuel.check`: every stretch
    within the aircraft's usable range and the mission within the 96-hour window). Each
    declared stop is a Point (:func:`stop_features`, ``kind="refuel"`` or ``"rest"``) with
    the ``flight`` it belongs to. ``openskies plan`` writes it as ``routes.geojson``.

    Parameters
    ----------
    plans : iterable of FlightPlan
        The flights, numbered from 1 in this order.

    Returns
    -------
    dict
        The FeatureCollection (write it with :func:`write_feature_collection`).
    """
    from . import geodesy

    features: list[dict[str, Any]] = []
    for k, plan in enumerate(plans, start=1):
        fuel = _fuel(plan)
        path = geodesy.split_antimeridian(plan.path_densified(10.0))
        features.append(
            {
                "type": "Feature",
                "geometry": _jsonable(shapely.geometry.mapping(_round_coords(path))),
                "properties": {
                    "kind": "flight",
                    "flight": k,
                    "name": plan.name,
                    "start": plan.start,
                    "end": plan.end,
                    "length_km": round(plan.length_km, 6),
                    "geodesic_km": round(plan.geodesic_length_km, 6),
                    "stops": sum(1 for s in plan.stops if s.kind == "refuel"),
                    "mission_h": round(fuel.mission_h, 6),
                    "feasible": fuel.feasible,
                    "reason": fuel.reason,
                },
            }
        )
        features += stop_features(plan, flight=k, feasible=fuel.feasible)
    return {"type": "FeatureCollection", "name": "routes", "features": features}


def write_feature_collection(doc: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a GeoJSON document (a dict) atomically, UTF-8, NaN refused. Returns the path."""
    with atomic_write(path) as fh:
        json.dump(doc, fh, ensure_ascii=False, allow_nan=False)
        fh.write("\n")
    return Path(path)


def _bbox(plan: FlightPlan) -> list[float]:
    """RFC 7946 bbox of the waypoints and densified legs; west > east across 180 deg (sec. 5.2).

    The path is continuous, so the longitudes it does not cover form one arc:
    the largest gap between its sorted longitudes on the circle. When that gap
    is the one through 180 deg, the box is the ordinary [min, max]; otherwise
    the path crosses the antimeridian and the box runs from the east end of the
    gap (west) to its west end (east).
    """
    xy = np.vstack([shapely.get_coordinates(plan._leg_lines), plan.coords])
    xs = np.unique(xy[:, 0])
    gaps = np.diff(np.append(xs, xs[0] + 360.0))
    k = int(np.argmax(gaps))
    west, east = (xs[0], xs[-1]) if k == len(xs) - 1 else (xs[k + 1], xs[k])
    return [float(west), float(xy[:, 1].min()), float(east), float(xy[:, 1].max())]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def write_geojson(plan: FlightPlan, path: str | os.PathLike[str]) -> Path:
    """Write the plan as GeoJSON (see :func:`to_geojson`), atomically. Returns the path."""
    return write_feature_collection(to_geojson(plan), path)


def _stop_text(plan: FlightPlan, i: int) -> str:
    """``"; refuelling stop, 1.5 h on the ground"`` for the stops declared at waypoint ``i``."""
    words = {"refuel": "refuelling stop", "rest": "rest period"}
    return "".join(
        f"; {words[s.kind]}, {s.duration_h:g} h on the ground"
        for s in plan.stops
        if s.waypoint == i
    )


# --------------------------------------------------------------------------- KML


def _kml_coords(geometry: Any) -> list[str]:
    out = []
    for part in shapely.get_parts(geometry):
        xy = np.round(shapely.get_coordinates(part), 7)
        out.append(" ".join(f"{x!r},{y!r}" for x, y in xy.tolist()))
    return out


def _kml_tree(plan: FlightPlan) -> ET.ElementTree:
    ET.register_namespace("", _KML_NS)
    q = f"{{{_KML_NS}}}"
    kml = ET.Element(f"{q}kml")
    doc = ET.SubElement(kml, f"{q}Document")
    ET.SubElement(doc, f"{q}name").text = plan.name or f"{plan.start}-{plan.end}"
    hyp = " HYPOTHETICAL designation used." if plan.hypothetical else ""
    # KML viewers show <description> as HTML: the codes (a designated airfield's code is
    # free text) are escaped for HTML as well as for XML
    start, end, code = (html.escape(c) for c in (plan.start, plan.end, plan.territory.code))
    fuel = _fuel(plan)
    ET.SubElement(doc, f"{q}description").text = (
        f"Open Skies observation flight {start} -> {end} over {code}, "
        f"{plan.regime.year} regime; {plan.length_km:.1f} km counted of "
        f"{plan.budget_km:.1f} km.{hyp} "
        + html.escape(f"{'Feasible' if fuel.feasible else 'NOT FEASIBLE'}: {fuel.reason}.")
    )
    for style_id, color, width in (
        ("observation", "ff0000ff", "3"),
        ("sensors_off", "ff00a5ff", "2"),
        ("transit", "ff888888", "2"),
    ):
        style = ET.SubElement(doc, f"{q}Style", id=style_id)
        ls = ET.SubElement(style, f"{q}LineStyle")
        ET.SubElement(ls, f"{q}color").text = color
        ET.SubElement(ls, f"{q}width").text = width
    wfolder = ET.SubElement(doc, f"{q}Folder")
    ET.SubElement(wfolder, f"{q}name").text = "Waypoints"
    labels = plan.waypoint_labels
    for i, w in enumerate(plan.waypoints):
        lon = _norm_lon(w.lon)
        pm = ET.SubElement(wfolder, f"{q}Placemark")
        ET.SubElement(pm, f"{q}name").text = labels[i]
        alt = "" if w.altitude_m is None else f", altitude {w.altitude_m:g} m"
        ET.SubElement(pm, f"{q}description").text = (
            f"waypoint {i}: {format_dms(lon, w.lat)} ({format_icao(lon, w.lat)}){alt}"
            + _stop_text(plan, i)
        )
        pt = ET.SubElement(pm, f"{q}Point")
        ET.SubElement(pt, f"{q}coordinates").text = f"{lon!r},{w.lat!r}"
    lfolder = ET.SubElement(doc, f"{q}Folder")
    ET.SubElement(lfolder, f"{q}name").text = "Legs"
    for row in plan.legs.itertuples():
        pm = ET.SubElement(lfolder, f"{q}Placemark")
        ET.SubElement(pm, f"{q}name").text = f"leg {row.leg}: {row.from_name} -> {row.to_name}"
        ET.SubElement(pm, f"{q}description").text = (
            f"{row.length_km:.3f} km geodesic; sensors {'on' if row.sensors_on else 'off'}"
            f"{'; transit' if row.transit else ''}{'; calibration' if row.calibration else ''}"
        )
        style = "transit" if row.transit else ("observation" if row.sensors_on else "sensors_off")
        ET.SubElement(pm, f"{q}styleUrl").text = f"#{style}"
        ext = ET.SubElement(pm, f"{q}ExtendedData")
        for key in ("leg", "length_km", "sensors_on", "transit", "calibration", "region"):
            data = ET.SubElement(ext, f"{q}Data", name=key)
            ET.SubElement(data, f"{q}value").text = str(getattr(row, key))
        parts = _kml_coords(row.geometry)
        parent = ET.SubElement(pm, f"{q}MultiGeometry") if len(parts) > 1 else pm
        for coords in parts:
            ls = ET.SubElement(parent, f"{q}LineString")
            ET.SubElement(ls, f"{q}tessellate").text = "1"
            ET.SubElement(ls, f"{q}coordinates").text = coords
    ET.indent(kml)
    return ET.ElementTree(kml)


def _write_xml(tree: ET.ElementTree, path: str | os.PathLike[str]) -> Path:
    """Write an XML tree (UTF-8, with declaration) atomically."""
    with atomic_write(path, "wb") as fh:
        tree.write(fh, encoding="UTF-8", xml_declaration=True)
    return Path(path)


def write_kml(plan: FlightPlan, path: str | os.PathLike[str]) -> Path:
    """Write the plan as KML 2.2 (waypoints and densified geodesic legs), atomically."""
    return _write_xml(_kml_tree(plan), path)


# --------------------------------------------------------------------------- GPX


def _gpx_tree(plan: FlightPlan) -> ET.ElementTree:
    from . import __version__

    ET.register_namespace("", _GPX_NS)
    ET.register_namespace("os", _OS_NS)
    q = f"{{{_GPX_NS}}}"
    gpx = ET.Element(f"{q}gpx", version="1.1", creator=f"openskies {__version__}")
    meta = ET.SubElement(gpx, f"{q}metadata")
    ET.SubElement(meta, f"{q}name").text = plan.name or f"{plan.start}-{plan.end}"
    ET.SubElement(meta, f"{q}desc").text = (
        f"Open Skies observation flight {plan.start} -> {plan.end} over {plan.territory.code}"
        f" ({plan.regime.year} regime{', HYPOTHETICAL designation' if plan.hypothetical else ''})"
    )
    ext = ET.SubElement(meta, f"{q}extensions")
    ET.SubElement(ext, f"{{{_OS_NS}}}plan").text = json.dumps(_plan_meta(plan), allow_nan=False)
    labels = plan.waypoint_labels

    def _point(tag: str, parent: ET.Element, i: int) -> None:
        w = plan.waypoints[i]
        el = ET.SubElement(parent, f"{q}{tag}", lat=repr(w.lat), lon=repr(_norm_lon(w.lon)))
        if w.altitude_m is not None:
            ET.SubElement(el, f"{q}ele").text = repr(w.altitude_m)
        ET.SubElement(el, f"{q}name").text = labels[i]
        here = [st for st in plan.stops if st.waypoint == i]
        if here:  # GPX 1.1 wptType: name, cmt, desc, src, link, sym, type
            ET.SubElement(el, f"{q}desc").text = _stop_text(plan, i).lstrip("; ")
            ET.SubElement(el, f"{q}type").text = here[0].kind

    for i in range(len(plan.waypoints)):
        _point("wpt", gpx, i)
    rte = ET.SubElement(gpx, f"{q}rte")
    ET.SubElement(rte, f"{q}name").text = plan.name or f"{plan.start}-{plan.end}"
    for i in range(len(plan.waypoints)):
        _point("rtept", rte, i)
    ET.indent(gpx)
    return ET.ElementTree(gpx)


def write_gpx(plan: FlightPlan, path: str | os.PathLike[str]) -> Path:
    """Write the plan as GPX 1.1 (waypoints and a route), atomically."""
    return _write_xml(_gpx_tree(plan), path)


# --------------------------------------------------------------------------- CSV

_CSV_COLUMNS = (
    "index",
    "name",
    "lon",
    "lat",
    "altitude_m",
    "dms",
    "icao",
    "leg_km",
    "cumulative_km",
    "sensors_on",
    "transit",
    "calibration",
    "stop_kind",
    "stop_h",
)


def _csv_row(plan: FlightPlan, i: int, cum_km: float) -> list[str]:
    w = plan.waypoints[i]
    lon = _norm_lon(w.lon)
    last = i == len(plan.waypoints) - 1
    stop = next((s for s in plan.stops if s.waypoint == i), None)
    return [
        str(i),
        csv_text(w.name),
        repr(lon),
        repr(w.lat),
        "" if w.altitude_m is None else repr(w.altitude_m),
        format_dms(lon, w.lat),
        format_icao(lon, w.lat),
        "" if last else f"{plan.leg_lengths_km[i]:.6f}",
        f"{cum_km:.6f}",
        "" if last else str(plan.sensors_on[i]).lower(),
        "" if last else str(plan.transit[i]).lower(),
        "" if last else str(plan.calibration[i]).lower(),
        "" if stop is None else stop.kind,
        "" if stop is None else repr(stop.duration_h),
    ]


#: First cell of a metadata row of the CSV header block.
_CSV_META = "#"
#: Plan metadata that the CSV rows carry themselves (not repeated in the header block).
_CSV_ROW_KEYS = ("names", "sensors_on", "transit", "calibration", "stops")
#: Metadata values written as text; every other value is JSON.
_CSV_TEXT_KEYS = ("format", "name", "start", "end", "territory", "budget_source")


def _csv_meta_rows(plan: FlightPlan) -> list[list[str]]:
    rows = [
        [
            "# openskies flight plan: rows starting with # hold its metadata (key; value); "
            "the waypoint table follows"
        ]
    ]
    for key, value in _plan_meta(plan).items():
        if key in _CSV_ROW_KEYS:
            continue
        text = csv_text(str(value)) if key in _CSV_TEXT_KEYS else json.dumps(value, allow_nan=False)
        rows.append([_CSV_META, key, text])
    return rows


def write_csv(plan: FlightPlan, path: str | os.PathLike[str]) -> Path:
    """Write the waypoint table as CSV, atomically, after a metadata header block.

    The block comes first: a comment row, then one row per metadata item,
    ``#,key,value`` (the name, airfields, regime year, territory, hypothetical
    designations, budget, aircraft...: the ``"openskies"`` member of the
    GeoJSON export without its per-waypoint lists; JSON values except for
    names and codes). Spreadsheets show them as rows above the table; pandas
    skips them with ``pandas.read_csv(path, comment="#")``; :func:`read_csv`
    restores the plan from them.

    Table columns: ``index, name, lon, lat`` (decimal degrees, exact, longitude
    in [-180, 180)), ``altitude_m``, ``dms`` (treaty form), ``icao`` (ICAO form
    with seconds), ``leg_km`` and the flags ``sensors_on, transit,
    calibration`` of the leg that starts at the row's waypoint,
    ``cumulative_km``, and ``stop_kind, stop_h`` for a declared stop there.
    A text cell a spreadsheet would run as a formula (``=...``, ``+``, ``-``, ``@``), in the
    table or the block, is written with a leading apostrophe
    (:func:`openskies._text.csv_text`), which :func:`read_csv` removes again.
    """
    cum = np.concatenate([[0.0], np.cumsum(plan.leg_lengths_km)])
    with atomic_write(path, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerows(_csv_meta_rows(plan))
        writer.writerow(_CSV_COLUMNS)
        for i in range(len(plan.waypoints)):
            writer.writerow(_csv_row(plan, i, float(cum[i])))
    return Path(path)


# --------------------------------------------------------------------------- ICAO / text


def icao_route(plan: FlightPlan, *, seconds: bool = False) -> str:
    """The ICAO flight plan route (Item 15 of ICAO Doc 4444) with coordinate waypoints.

    ``K0430M0850 DCT 5400N03000E DCT 5330N02800E/K0430M0600 ...``: cruising
    speed in km/h (``K`` + 4 digits, from the aircraft), level in tens of metres
    (``M`` + 4 digits, from the declared waypoint altitudes; ``VFR`` when none is
    declared, to be replaced by the cruising level when filing), then the
    intermediate waypoints joined by ``DCT`` with a speed/level change where the
    declared altitude changes. The departure and destination aerodromes are
    Items 13 and 16, not part of the route.

    Parameters
    ----------
    plan : FlightPlan
        The plan; its aircraft gives the speed, its waypoint altitudes the level.
    seconds : bool
        False (default): points to the nearest minute, the Doc 4444 form
        (11 characters). True: with seconds, the treaty's ICAO form.
    """
    speed = f"K{round(plan.effective_aircraft.cruise_speed_kmh):04d}"

    def level(alt: float | None) -> str:
        return "VFR" if alt is None else f"M{max(0, round(alt / 10.0)):04d}"

    alts = [w.altitude_m for w in plan.waypoints]
    first = next((a for a in alts if a is not None), None)
    items = [speed + level(first)]
    current = first
    for w in plan.waypoints[1:-1]:
        point = format_icao(w.lon, w.lat, seconds=seconds)
        if w.altitude_m is not None and w.altitude_m != current:
            current = w.altitude_m
            point += "/" + speed + level(current)
        items += ["DCT", point]
    return " ".join(items)


def mission_summary(plan: FlightPlan, *, violations: list[Violation] | None = None) -> str:
    """A plain-text mission-plan summary (airfields, distances, time, waypoints, legality)."""
    if violations is None:
        violations = plan.validate()
    reg = plan.regime
    a0, a1 = reg.airfield(plan.start), reg.airfield(plan.end)
    ac = plan.effective_aircraft
    lines = [f"OPEN SKIES MISSION PLAN: {plan.name or f'{plan.start}-{plan.end}'}"]
    if plan.hypothetical:
        lines.append(
            "*** HYPOTHETICAL: uses an airfield designation that is a study assumption, "
            "not treaty fact ***"
        )
    lines += [
        f"Treaty regime: {reg.year}",
        f"Observed territory: {plan.territory.code} ({plan.territory.name})",
        f"Start: {a0.label} {format_dms(a0.lon, a0.lat)}",
        f"End:   {a1.label} {format_dms(a1.lon, a1.lat)}",
        f"Maximum flight distance: {plan.budget_km:,.1f} km ({plan.budget_source})",
        f"Distance counted: {plan.length_km:,.1f} km = {plan.counted_geodesic_km:,.1f} km "
        f"geodesic (WGS84) + {plan.turn_margin:.0%} turn margin; transit "
        f"{plan.transit_length_km:,.1f} km (not counted)",
        "By region (km): "
        + ", ".join(f"{k} {v:,.1f}" for k, v in plan.length_by_region_km.items()),
        f"Aircraft: {ac.name}{' (default preset)' if plan.aircraft is None else ''}, cruise "
        f"{ac.cruise_speed_kmh:g} km/h, range {ac.range_km:,.0f} km"
        + (f" (assumed: {', '.join(ac.assumptions)})" if ac.assumptions else ""),
        f"Time: {plan.preflight_h:g} h before commencement + {plan.flight_time_h:.1f} h flying + "
        f"{sum(s.duration_h for s in plan.stops):g} h stops = "
        f"{plan.preflight_h + plan.duration_h:.1f} h of the 96 h window",
    ]
    for s in plan.stops:
        lines.append(
            f"Stop: {s.kind} at waypoint {s.waypoint} ({plan.waypoint_labels[s.waypoint]}), "
            f"{s.duration_h:g} h"
        )
    fuel = _fuel(plan)
    lines += [
        f"Range: usable {fuel.usable_range_km:,.1f} km ({ac.name}: range less reserve); "
        "stretches between refuellings (km): " + ", ".join(f"{x:,.1f}" for x in fuel.stretches_km),
        f"Feasible: {'yes' if fuel.feasible else 'NO'} ({fuel.reason})",
    ]
    lines += ["", "ICAO route (Item 15):", icao_route(plan), "", "Waypoints:"]
    cum = np.concatenate([[0.0], np.cumsum(plan.leg_lengths_km)])
    lines.append(
        f"{'#':>4}  {'name':<12} {'position (treaty)':<22} {'ICAO':<16} {'alt m':>7} {'cum km':>9}"
    )
    for i, w in enumerate(plan.waypoints):
        alt = "" if w.altitude_m is None else f"{w.altitude_m:.0f}"
        lines.append(
            f"{i:>4}  {plan.waypoint_labels[i]:<12} {format_dms(w.lon, w.lat):<22} "
            f"{format_icao(w.lon, w.lat):<16} {alt:>7} {cum[i]:>9.1f}"
        )
    lines += ["", "Legs:"]
    for row in plan.legs.itertuples():
        flags = ", ".join(
            f
            for f, on in (
                ("sensors on" if row.sensors_on else "sensors off", True),
                ("transit", row.transit),
                ("calibration", row.calibration),
            )
            if on
        )
        lines.append(
            f"{row.leg:>4}  {row.from_name} -> {row.to_name}: {row.length_km:,.1f} km, "
            f"{row.region}; {flags}"
        )
    lines.append("")
    if not violations:
        lines.append("Legality: LEGAL (no rule broken)")
    else:
        lines.append(f"Legality: ILLEGAL ({len(violations)} violation(s))")
        lines += [f"  - [{v.rule}] {v.message}" for v in violations]
    return "\n".join(lines) + "\n"


def write_txt(
    plan: FlightPlan,
    path: str | os.PathLike[str],
    *,
    violations: list[Violation] | None = None,
) -> Path:
    """Write the plain-text mission-plan summary (:func:`mission_summary`), atomically."""
    text = mission_summary(plan, violations=violations)
    with atomic_write(path) as fh:
        fh.write(text)
    return Path(path)


_WRITERS = {
    "geojson": write_geojson,
    "kml": write_kml,
    "gpx": write_gpx,
    "csv": write_csv,
    "txt": write_txt,
}


def write(plan: FlightPlan, path: str | os.PathLike[str], *, format: str | None = None) -> Path:
    """Export a plan, atomically; ``format`` (one of :data:`FORMATS`) or from the suffix."""
    fmt = _format_of(path, format, FORMATS)
    return _WRITERS[fmt](plan, path)


def _format_of(path: str | os.PathLike[str], fmt: str | None, table: dict) -> str:
    if fmt is not None:
        key = str(fmt).strip().lower().lstrip(".")
        if key == "json":
            key = "geojson"
        if key not in table:
            msg = f"unknown format {fmt!r}: choose one of {', '.join(table)}"
            raise ValidationError(msg)
        return key
    suffix = Path(path).suffix.lower()
    for key, suffixes in table.items():
        if suffix in suffixes:
            return key
    known = ", ".join(s for v in table.values() for s in v)
    msg = f"cannot tell the format of {str(path)!r} from its suffix: use one of {known}"
    raise ValidationError(msg)


# --------------------------------------------------------------------------- readers

_READ_FORMATS = {"geojson": (".geojson", ".json"), "gpx": (".gpx",), "csv": (".csv",)}


def _read_text(path: str | os.PathLike[str]) -> str:
    p = Path(path)
    if not p.is_file():
        msg = f"plan file {str(p)!r} does not exist (or is not a file)"
        raise ValidationError(msg)
    _limits.cap("data_file_bytes").check(
        p.stat().st_size, f"plan file {str(p)!r}", fix="give a smaller file"
    )
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"plan file {str(p)!r} is not UTF-8 text: {exc}"
        raise ValidationError(msg) from exc
    if not text.strip():
        msg = f"plan file {str(p)!r} is empty: it holds no waypoints"
        raise ValidationError(msg)
    return text


def _whole(value: Any, what: str) -> int:
    """A whole number from a plan file's property, else ``ValidationError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{what}={value!r}: give a whole number (the position in the flight)"
        raise ValidationError(msg)
    if value != int(value):
        msg = f"{what}={value!r} is not a whole number"
        raise ValidationError(msg)
    return int(value)


def _bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    msg = f"{what}={value!r} is not a boolean: write true or false"
    raise ValidationError(msg)


def _float(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        msg = f"{what}={value!r} is not a number"
        raise ValidationError(msg) from exc


def _regime_from_meta(meta: dict[str, Any], notes: list[str]) -> Regime:
    """The regime a plan file records: its year and hypothetical designations.

    A file may designate an airfield that is not an OSA of that regime (the
    Minsk scenario), or lower a limit; it may not raise the maximum flight
    distance of an airfield that is already an OSA of the regime: such a
    designation is not applied, and noted (the user may apply it, ``--designate``).
    """
    from . import data

    year = meta.get("regime_year")
    reg = data.regime(int(year)) if year is not None else data.regime()
    for d in meta.get("designations", []) or []:
        code = str(d["icao"]).strip().upper()
        raw_km = d.get("max_flight_distance_km")
        km = None if raw_km is None else float(raw_km)
        real = reg.airfield(code).max_flight_distance_km if code in reg else None
        if km is not None and real is not None and reg.airfield(code).is_osa and km > real:
            notes.append(
                f"the file designates {code} hypothetically with a maximum flight distance of "
                f"{km:,.1f} km, more than its {real:,.1f} km in the {reg.year} regime: not "
                f"applied, the regime's limit is checked (to study the larger one, pass "
                f"--designate {code}={km:g}, or regime= in Python)"
            )
            continue
        reg = reg.designate(
            str(d["icao"]),
            party=str(d.get("group") or d["party"]),
            roles=tuple(d.get("roles") or ("POE", "OSA")),
            max_flight_distance_km=km,
            lon=float(d["lon"]),
            lat=float(d["lat"]),
            name=str(d.get("name") or d["icao"]),
        )
    return reg


def _aircraft_from_meta(spec: Any) -> Any:
    from . import aircraft

    if not spec:
        return None
    values = {k: float(spec[k]) for k in aircraft._VALUE_FIELDS}
    ops = {k: float(spec[k]) for k in aircraft.OPS_FIELDS if spec.get(k) is not None}
    try:
        pre = aircraft.preset(spec["name"])
    except KeyError:
        pre = None
    if pre is not None and all(getattr(pre, k) == v for k, v in {**values, **ops}.items()):
        return pre
    return aircraft.Aircraft(
        str(spec["name"]),
        **values,
        **ops,
        sources=dict.fromkeys(values, "from the plan file"),
        ops_sources=dict.fromkeys(ops, "from the plan file"),
    )


def _declared_budget(plan: FlightPlan, meta: dict[str, Any], notes: list[str]) -> FlightPlan:
    """Apply the budget a plan file declares, never above the regime's legal limit.

    ``plan`` was built with the regime's limit. A smaller planning budget the
    file records as given is kept; a declared budget above the limit is not
    used, and noted: the legal limit is the regime's, not the file's.
    """
    declared = meta.get("budget_km")
    if declared is None:
        return plan
    value = _float(declared, "metadata budget_km")
    if not (math.isfinite(value) and value > 0):
        msg = f"metadata budget_km={declared!r} must be a positive number of kilometres"
        raise ValidationError(msg)
    if value > plan.budget_km:
        source = meta.get("budget_source") or "no source given"
        notes.append(
            f"the file declares a maximum flight distance of {value:,.1f} km ({source}), more "
            f"than the legal limit of {plan.budget_km:,.1f} km in the {plan.regime.year} "
            f"regime ({plan.budget_source}): the declared value is not used, the plan is "
            "checked against the regime's limit"
        )
        return plan
    if meta.get("budget_source") == "given" and value < plan.budget_km:
        return replace(plan, budget_km=value, budget_source="given")
    return plan


def _build(
    path: str | os.PathLike[str],
    coords: list[tuple[float, float]],
    *,
    names: list[str] | None = None,
    altitudes: list[float | None] | None = None,
    meta: dict[str, Any] | None = None,
    flags: dict[str, list[bool]] | None = None,
    stops: list[Any] | None = None,
    territory: str | Territory | None,
    start: str | None,
    end: str | None,
    regime: Regime | None,
    notes: list[str] | None = None,
) -> FlightPlan:
    from .flightplan import FlightPlan, Stop

    meta = meta or {}
    notes: list[str] = list(notes or [])
    n = len(coords)
    label = f"plan file {str(path)!r}"
    _limits.cap("waypoints").check(n, label, fix="split the track or thin it")
    name_cap = _limits.cap("name_chars")
    if meta.get("name") is not None:
        name_cap.check(len(str(meta["name"])), f"{label}: the plan name", fix="shorten it")
    name_limit = name_cap.value  # read once: a recorded track has 100,000 names
    for k, wp_name in enumerate(names or ()):
        if len(str(wp_name)) > name_limit:
            what = f"{label}: the name of waypoint {k}"
            name_cap.check(len(str(wp_name)), what, fix="shorten it")
    if n < 2:
        msg = (
            f"plan file {str(path)!r} has {n} waypoint{'s' if n != 1 else ''}: a flight plan "
            "needs at least 2 (from the start to the end airfield)"
        )
        raise ValidationError(msg)
    if meta and int(meta.get("n_waypoints", n)) != n:
        logger.warning(
            "plan file %s: metadata describes %s waypoints but %d were read; "
            "per-leg flags and stops from the metadata are ignored",
            path,
            meta.get("n_waypoints"),
            n,
        )
        per_point = ("names", "sensors_on", "transit", "calibration", "stops")
        meta = {k: v for k, v in meta.items() if k not in per_point}
    if meta.get("names") is not None:
        names = [str(v) for v in meta["names"]]
    flags = dict(flags or {})
    for key in ("sensors_on", "transit", "calibration"):
        if key not in flags and meta.get(key) is not None:
            flags[key] = [bool(v) for v in meta[key]]
    try:
        if stops is None:
            stops = [
                Stop(int(s["waypoint"]), str(s["kind"]), float(s["duration_h"]))
                for s in meta.get("stops", []) or []
            ]
        reg = regime if regime is not None else _regime_from_meta(meta, notes)
        plan = FlightPlan.from_waypoints(
            coords,
            start=start or meta.get("start"),
            end=end or meta.get("end"),
            names=names,
            altitudes_m=altitudes,
            sensors_on=flags.get("sensors_on"),
            transit=flags.get("transit"),
            calibration=flags.get("calibration"),
            regime=reg,
            territory=territory or meta.get("territory"),
            aircraft=_aircraft_from_meta(meta.get("aircraft")),
            stops=stops,
            turn_margin=meta.get("turn_margin"),
            name=str(meta.get("name") or Path(path).stem),
            preflight_h=meta.get("preflight_h"),
        )
        plan = _declared_budget(plan, meta, notes)
        for note in notes:
            logger.warning("plan file %s: %s", path, note)
        return replace(plan, notes=(*plan.notes, *notes)) if notes else plan
    except KeyError as exc:  # UnknownCodeError and friends: say which file
        msg = f"plan file {str(path)!r}: {exc}"
        err = type(exc)(msg) if isinstance(exc, OpenSkiesError) else ValidationError(msg)
        raise err from exc
    except (ValueError, TypeError) as exc:
        msg = f"plan file {str(path)!r}: {exc}"
        raise ValidationError(msg) from exc


def read_geojson(
    path: str | os.PathLike[str],
    *,
    territory: str | Territory | None = None,
    start: str | None = None,
    end: str | None = None,
    regime: Regime | None = None,
) -> FlightPlan:
    """Read a plan from GeoJSON.

    Accepts the project's export (waypoint Point features ordered by
    ``index``, leg flags and the ``"openskies"`` metadata) or any GeoJSON
    holding one LineString (its vertices are the waypoints) or Point features
    (the waypoints, in order; ``name`` and ``altitude_m`` properties used).
    Other geometry types raise :class:`ValidationError`.
    """
    text = _read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = (
            f"plan file {str(path)!r} is not valid JSON (truncated or corrupt?): {exc.msg} at "
            f"line {exc.lineno} column {exc.colno}"
        )
        raise ValidationError(msg) from exc
    except RecursionError:
        msg = f"plan file {str(path)!r} nests JSON too deeply to be a GeoJSON flight plan"
        raise ValidationError(msg) from None
    if not isinstance(doc, dict) or "type" not in doc:
        msg = f"plan file {str(path)!r} is not a GeoJSON object (no 'type' member)"
        raise ValidationError(msg)
    meta = doc.get(_META_KEY) if isinstance(doc.get(_META_KEY), dict) else {}
    kind = doc["type"]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            msg = f"plan file {str(path)!r}: FeatureCollection without a 'features' list"
            raise ValidationError(msg)
    elif kind == "Feature":
        feats = [doc]
    else:
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    waypoints: list[tuple[int, dict, list]] = []
    lines: list[tuple[dict, list]] = []
    flags: dict[str, dict[int, bool]] = {"sensors_on": {}, "transit": {}, "calibration": {}}
    for k, f in enumerate(feats):
        geom = (f or {}).get("geometry") if isinstance(f, dict) else None
        props = (f.get("properties") or {}) if isinstance(f, dict) else {}
        if not isinstance(geom, dict) or "type" not in geom:
            msg = f"plan file {str(path)!r}: feature {k} has no geometry"
            raise ValidationError(msg)
        gtype = geom["type"]
        coords = geom.get("coordinates")
        if props.get("kind") in ("refuel", "rest"):  # a declared stop: in the metadata
            continue
        if props.get("kind") == "leg":
            leg = _whole(props.get("leg", -1), f"plan file {str(path)!r}: feature {k} leg")
            for key in flags:
                if key in props:
                    flags[key][leg] = _bool(props[key], f"feature {k} {key}")
            continue
        if gtype == "Point":
            order = (
                _whole(props.get("index"), f"plan file {str(path)!r}: waypoint feature {k} index")
                if props.get("kind") == "waypoint"
                else k
            )
            waypoints.append((order, props, coords))
        elif gtype == "LineString":
            lines.append((props, coords))
        else:
            msg = (
                f"plan file {str(path)!r}: feature {k} has geometry type {gtype}, which is not a "
                "flight plan: give one LineString (its vertices are the waypoints) or Point "
                "features (the waypoints, in order)"
            )
            raise ValidationError(msg)
    if waypoints and lines:
        msg = (
            f"plan file {str(path)!r} mixes Point waypoints and a LineString: give one or the other"
        )
        raise ValidationError(msg)
    if len(lines) > 1:
        msg = f"plan file {str(path)!r} holds {len(lines)} LineStrings: give one route"
        raise ValidationError(msg)
    names: list[str] | None = None
    alts: list[float | None] = []
    if lines:
        pts = _positions(path, lines[0][1])
        alts = [p[2] if len(p) > 2 else None for p in pts]
    else:
        waypoints.sort(key=lambda t: t[0])
        pts = [_positions(path, [c])[0] for _, _, c in waypoints]
        names = [str(p.get("name") or "") for _, p, _ in waypoints]
        for (_, props, _), p in zip(waypoints, pts, strict=True):
            alt = props.get("altitude_m", p[2] if len(p) > 2 else None)
            alts.append(None if alt is None else _float(alt, "altitude_m"))
    coords = [(p[0], p[1]) for p in pts]
    leg_flags = {}
    n_legs = len(coords) - 1
    for key, table in flags.items():
        if table:
            leg_flags[key] = [table.get(i, key == "sensors_on") for i in range(n_legs)]
    alts_arg = None if all(a is None for a in alts) else alts
    return _build(
        path,
        coords,
        names=names,
        altitudes=alts_arg,
        meta=meta,
        flags=leg_flags,
        territory=territory,
        start=start,
        end=end,
        regime=regime,
    )


def _positions(path: str | os.PathLike[str], coords: Any) -> list[tuple[float, ...]]:
    if not isinstance(coords, list):
        msg = f"plan file {str(path)!r}: coordinates {coords!r} are not a list of positions"
        raise ValidationError(msg)
    out = []
    for c in coords:
        if not isinstance(c, list) or len(c) < 2:
            msg = f"plan file {str(path)!r}: position {c!r} is not [lon, lat]"
            raise ValidationError(msg)
        vals = tuple(_float(v, "coordinate") if v is not None else math.nan for v in c)
        out.append(vals)
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_gpx(
    path: str | os.PathLike[str],
    *,
    territory: str | Territory | None = None,
    start: str | None = None,
    end: str | None = None,
    regime: Regime | None = None,
) -> FlightPlan:
    """Read a plan from GPX 1.0/1.1: the first route, else the first track, else the waypoints.

    A track's segments are joined in order. ``ele`` gives the altitude (m) and
    ``name`` the waypoint name. Plans written by :func:`write_gpx` also restore
    their metadata (airfields, flags, designations) from the ``os:plan`` extension.
    """
    text = _read_text(path)
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        msg = f"plan file {str(path)!r} is not well-formed XML (truncated?): {exc}"
        raise ValidationError(msg) from exc
    if _local(root.tag) != "gpx":
        msg = f"plan file {str(path)!r} is XML but not GPX (root element {_local(root.tag)!r})"
        raise ValidationError(msg)
    meta: dict[str, Any] = {}
    for el in root.iter():
        if _local(el.tag) == "plan" and el.text:
            try:
                meta = json.loads(el.text)
            except json.JSONDecodeError:
                logger.warning("plan file %s: unreadable openskies metadata ignored", path)
            break
    points: list[ET.Element] = []
    for el in root:
        if _local(el.tag) == "rte":
            points = [p for p in el if _local(p.tag) == "rtept"]
            if points:
                break
    if not points:
        for el in root:
            if _local(el.tag) == "trk":
                points = [
                    p
                    for seg in el
                    if _local(seg.tag) == "trkseg"
                    for p in seg
                    if _local(p.tag) == "trkpt"
                ]
                if points:
                    break
    if not points:
        points = [el for el in root if _local(el.tag) == "wpt"]
    coords, names, alts = [], [], []
    for k, p in enumerate(points):
        if "lat" not in p.attrib or "lon" not in p.attrib:
            msg = f"plan file {str(path)!r}: point {k} lacks a lat or lon attribute"
            raise ValidationError(msg)
        coords.append(
            (_float(p.attrib["lon"], f"point {k} lon"), _float(p.attrib["lat"], f"point {k} lat"))
        )
        name = ""
        alt = None
        for child in p:
            if _local(child.tag) == "name" and child.text:
                name = child.text.strip()
            elif _local(child.tag) == "ele" and child.text:
                alt = _float(child.text, f"point {k} ele")
        names.append(name)
        alts.append(alt)
    return _build(
        path,
        coords,
        names=names,
        altitudes=None if all(a is None for a in alts) else alts,
        meta=meta if meta.get("format") == _FORMAT_ID else {},
        territory=territory,
        start=start,
        end=end,
        regime=regime,
    )


def read_csv(
    path: str | os.PathLike[str],
    *,
    territory: str | Territory | None = None,
    start: str | None = None,
    end: str | None = None,
    regime: Regime | None = None,
) -> FlightPlan:
    """Read a plan from a CSV waypoint table.

    Required columns ``lon`` and ``lat`` (or ``longitude``/``latitude``) in
    decimal degrees; optional ``name``, ``altitude_m``, the flags
    ``sensors_on``, ``transit``, ``calibration`` of the leg starting at the row
    (true/false), and ``stop_kind``/``stop_h`` (the format :func:`write_csv`
    writes; its DMS and ICAO columns are for filing and are not read).
    """
    from .flightplan import Stop

    text = _read_text(path)
    buf = _stdio.StringIO(text)
    head = csv.reader(buf)  # reads one line at a time: buf stays at the table's header
    raw_meta: dict[str, str] = {}
    header: list[str] = []
    for row in head:
        first = row[0].strip() if row else ""
        if not first.startswith("#"):
            header = row
            break
        if first == _CSV_META and len(row) >= 3 and row[1].strip():
            raw_meta[row[1].strip()] = csv_untext(row[2])
    header_line = head.line_num
    meta = _csv_meta(path, raw_meta)
    notes: list[str] = []
    if not meta and regime is None:
        notes.append(
            "the CSV file has no openskies metadata block (written by another tool, or its "
            "rows starting with # were removed): the territory, regime year, hypothetical "
            "designations, budget, aircraft and name are the defaults; give them (CLI "
            "--territory, --year, --designate; territory=, regime=) if the plan needs "
            "others, e.g. a plan from a hypothetical Minsk OSA"
        )
    reader = csv.DictReader(buf, fieldnames=header)
    fields = {(f or "").strip().lower(): f for f in (reader.fieldnames or [])}
    lon_col = fields.get("lon") or fields.get("longitude")
    lat_col = fields.get("lat") or fields.get("latitude")
    if lon_col is None or lat_col is None:
        msg = (
            f"plan file {str(path)!r} has no 'lon' and 'lat' columns (found "
            f"{list(fields)}): give decimal degrees in columns named lon and lat"
        )
        raise ValidationError(msg)
    coords, names, alts, stops = [], [], [], []
    flags: dict[str, list[bool]] = {}
    rows = [r for r in reader if any((v or "").strip() for v in r.values() if isinstance(v, str))]
    for k, row in enumerate(rows):
        line = header_line + k + 1
        coords.append(
            (_float(row[lon_col], f"row {line} lon"), _float(row[lat_col], f"row {line} lat"))
        )
        names.append(csv_untext((row.get(fields.get("name", ""), "") or "").strip()))
        alt = (row.get(fields.get("altitude_m", ""), "") or "").strip()
        alts.append(_float(alt, f"row {line} altitude_m") if alt else None)
        last = k == len(rows) - 1
        for key in ("sensors_on", "transit", "calibration"):
            col = fields.get(key)
            if col is None or last:
                continue
            raw = (row.get(col) or "").strip()
            default = key == "sensors_on" and not _bool(
                (row.get(fields.get("transit", "")) or "false").strip(), "transit"
            )
            flags.setdefault(key, []).append(_bool(raw, f"row {line} {key}") if raw else default)
        kind = (row.get(fields.get("stop_kind", ""), "") or "").strip()
        if kind:
            hours = (row.get(fields.get("stop_h", ""), "") or "").strip()
            stops.append(Stop(k, kind, _float(hours or "nan", f"row {line} stop_h")))
    return _build(
        path,
        coords,
        names=names,
        altitudes=None if all(a is None for a in alts) else alts,
        meta=meta,
        flags=flags,
        stops=stops,
        territory=territory,
        start=start,
        end=end,
        regime=regime,
        notes=notes,
    )


def _csv_meta(path: str | os.PathLike[str], raw: dict[str, str]) -> dict[str, Any]:
    """The metadata of a CSV header block (``#,key,value`` rows), typed; {} if absent."""
    if raw.get("format", "").strip() != _FORMAT_ID:
        if raw:
            logger.warning("plan file %s: '#' rows are not an openskies metadata block", path)
        return {}
    meta: dict[str, Any] = {}
    for key, text in raw.items():
        if key in _CSV_TEXT_KEYS:
            meta[key] = text
            continue
        try:
            meta[key] = json.loads(text)
        except json.JSONDecodeError:
            s = text.strip().lower()  # a spreadsheet may have rewritten true as TRUE
            if s in ("true", "false"):
                meta[key] = s == "true"
            else:
                msg = (
                    f"plan file {str(path)!r}: metadata row {key!r} has the value {text!r}, "
                    "which is not JSON: correct it or remove the row"
                )
                raise ValidationError(msg) from None
    return meta


_READERS = {"geojson": read_geojson, "gpx": read_gpx, "csv": read_csv}


def read_plan(
    path: str | os.PathLike[str],
    *,
    territory: str | Territory | None = None,
    start: str | None = None,
    end: str | None = None,
    regime: Regime | None = None,
    format: str | None = None,
) -> FlightPlan:
    """Read a flight plan file; the format from ``format`` or the suffix (geojson, gpx, csv).

    See :func:`openskies.flightplan.read`. Raises :class:`ValidationError` (or
    :class:`~openskies._errors.UnknownCodeError` for an unknown ICAO code) with
    a message naming the file and the problem.
    """
    fmt = _format_of(path, format, _READ_FORMATS)
    plan = _READERS[fmt](path, territory=territory, start=start, end=end, regime=regime)
    logger.info("read %s plan %s: %d waypoints", fmt, path, len(plan.waypoints))
    return plan
