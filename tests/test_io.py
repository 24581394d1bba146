"""Flight plan exports and imports: formats read back through GDAL and XML, atomic writes."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from openskies import data, flightplan, io
from openskies._errors import UnknownCodeError, ValidationError
from openskies.flightplan import FlightPlan, Stop

FIXTURES = Path(__file__).parent / "fixtures"
KUB = (36.650002, 55.611695)
LOOP = [KUB, (30.0, 54.5), (27.5, 53.9), (28.0, 52.5), (31.0, 52.5), KUB]
GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def plan() -> FlightPlan:
    # awkward decimals to prove exact round trips
    coords = [KUB, (30.123456789, 54.5), (27.5, 53.987654321), (28.0, 52.5), (31.0, 52.5), KUB]
    return FlightPlan.from_waypoints(
        coords,
        names=["UUMB", "A", "B & <C>", "", "E", "UUMB"],
        altitudes_m=[None, 1500.0, 1500.0, 1200.0, None, None],
        transit=[False, False, True, False, False],
        calibration=[False, False, False, True, False],
        stops=[Stop(3, "refuel", 1.5)],
        aircraft="Saab 340",
        name="io-test",
    )


@pytest.fixture(scope="module")
def antimeridian_plan() -> FlightPlan:
    coords = [(150.72, 59.911), (175.0, 64.7), (-178.0, 65.5), (-175.0, 66.5), (150.72, 59.911)]
    return FlightPlan.from_waypoints(coords)


# --------------------------------------------------------------------------- coordinate forms


@pytest.mark.parametrize(
    ("lon", "lat", "dms", "icao", "icao_dm"),
    [
        # Annex E as printed: Kubinka N55-36-30 E036-39-10 (airfields.csv annex_e_lon/lat)
        (36.652778, 55.608333, "N55-36-30 E036-39-10", "553630N0363910E", "5536N03639E"),
        (107.45, 51.8, "N51-48-00 E107-27-00", "514800N1072700E", "5148N10727E"),
        (-0.5, -33.25, "S33-15-00 W000-30-00", "331500S0003000W", "3315S00030W"),
        (10.99999999, 0.0, "N00-00-00 E011-00-00", "000000N0110000E", "0000N01100E"),
        (-179.9999999, 89.9999999, "N90-00-00 W180-00-00", "900000N1800000W", "9000N18000W"),
    ],
)
def test_dms_and_icao_forms(lon, lat, dms, icao, icao_dm) -> None:
    assert io.format_dms(lon, lat) == dms
    assert io.format_icao(lon, lat) == icao
    assert io.format_icao(lon, lat, seconds=False) == icao_dm


def test_treaty_printed_positions_round_trip_through_dms() -> None:
    table = data.regime().airfields()
    raw = __import__("openskies._geodata", fromlist=["x"]).airfields_table()
    printed = raw[raw["annex_e_printed"] != ""].set_index("icao")
    for icao, row in printed.iterrows():
        if row["annex_e_lon"] == "":
            continue
        assert (
            io.format_dms(float(row["annex_e_lon"]), float(row["annex_e_lat"]))
            == (row["annex_e_printed"])
        ), icao
    assert "UUMB" in table.index


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_is_rfc7946_and_reads_back_through_gdal(plan, tmp_path) -> None:
    out = io.write_geojson(plan, tmp_path / "plan.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946: WGS84 lon/lat only
    assert doc["openskies"]["hypothetical"] is False
    assert doc["openskies"]["start"] == "UUMB"
    df = pyogrio.read_dataframe(out)
    wps = df[df["kind"] == "waypoint"].sort_values("index")
    xy = shapely.get_coordinates(wps.geometry)
    assert np.array_equal(xy, plan.coords)
    legs = df[df["kind"] == "leg"].sort_values("leg")
    assert np.allclose(legs["length_km"], plan.leg_lengths_km, atol=1e-6)
    assert list(legs["transit"].astype(bool)) == list(plan.transit)
    assert list(wps["dms"]) == [io.format_dms(x, y) for x, y in plan.coords]


def test_geojson_splits_legs_at_the_antimeridian(antimeridian_plan, tmp_path) -> None:
    out = io.write_geojson(antimeridian_plan, tmp_path / "chukotka.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    types = set()
    for f in doc["features"]:
        xy = shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))
        assert xy[:, 0].min() >= -180.0
        assert xy[:, 0].max() <= 180.0
        types.add(f["geometry"]["type"])
    assert "MultiLineString" in types
    df = pyogrio.read_dataframe(out)
    total = df.loc[df["kind"] == "leg", "length_km"].sum()
    assert total == pytest.approx(antimeridian_plan.geodesic_length_km, abs=1e-5)


def test_hypothetical_designation_recorded_and_restored(tmp_path) -> None:
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=4321.0)
    plan = FlightPlan.from_waypoints(
        [(28.0307, 53.8825), (28.0, 52.5), (31.0, 52.5), KUB], regime=reg
    )
    assert plan.hypothetical
    out = io.write_geojson(plan, tmp_path / "minsk.geojson")
    meta = json.loads(out.read_text(encoding="utf-8"))["openskies"]
    assert meta["hypothetical"] is True
    assert meta["designations"][0]["icao"] == "UMMS"
    assert meta["designations"][0]["max_flight_distance_km"] == 4321.0
    back = flightplan.read(out)
    assert back.hypothetical
    assert back.budget_km == 4321.0
    assert back.validate() == []
    text = io.mission_summary(plan)
    assert "HYPOTHETICAL" in text


# --------------------------------------------------------------------------- GPX / KML


def test_gpx_reads_back_through_gdal_and_xml(plan, tmp_path) -> None:
    out = io.write_gpx(plan, tmp_path / "plan.gpx")
    pts = pyogrio.read_dataframe(out, layer="route_points")
    assert np.array_equal(shapely.get_coordinates(pts.geometry), plan.coords)
    wpts = pyogrio.read_dataframe(out, layer="waypoints")
    assert len(wpts) == len(plan.waypoints)
    root = ET.parse(out).getroot()
    rtepts = root.findall("g:rte/g:rtept", GPX_NS)
    assert [p.findtext("g:name", namespaces=GPX_NS) for p in rtepts] == list(plan.waypoint_labels)
    assert [(float(p.get("lon")), float(p.get("lat"))) for p in rtepts] == [
        tuple(c) for c in plan.coords.tolist()
    ]
    assert len(root.findall("g:wpt", GPX_NS)) == len(plan.waypoints)


def test_kml_parses_and_holds_every_waypoint(plan, tmp_path) -> None:
    out = io.write_kml(plan, tmp_path / "plan.kml")
    root = ET.parse(out).getroot()
    points = root.findall(".//k:Placemark/k:Point/k:coordinates", KML_NS)
    xy = [tuple(float(v) for v in p.text.split(",")) for p in points]
    assert xy == [tuple(c) for c in plan.coords.tolist()]
    names = [
        pm.findtext("k:name", namespaces=KML_NS) for pm in root.findall(".//k:Placemark", KML_NS)
    ]
    assert "B & <C>" in names
    legs = root.findall(".//k:Placemark/k:LineString", KML_NS)
    assert len(legs) == len(plan.waypoints) - 1
    gdal = pyogrio.read_dataframe(out, layer="Waypoints")
    assert np.allclose(shapely.get_coordinates(gdal.geometry), plan.coords, atol=1e-12)
    gdal_legs = pyogrio.read_dataframe(out, layer="Legs")
    assert len(gdal_legs) == len(plan.waypoints) - 1


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".geojson", ".gpx", ".csv"])
def test_round_trip_is_exact(plan, tmp_path, suffix) -> None:
    out = io.write(plan, tmp_path / f"plan{suffix}")
    back = flightplan.read(out)
    assert np.max(np.abs(back.coords - plan.coords)) <= 1e-6
    assert np.array_equal(back.coords, plan.coords)
    assert back.start == plan.start
    assert back.end == plan.end
    assert back.transit == plan.transit
    assert back.sensors_on == plan.sensors_on
    assert back.calibration == plan.calibration
    assert [w.name for w in back.waypoints] == [w.name for w in plan.waypoints]
    assert [w.altitude_m for w in back.waypoints] == [w.altitude_m for w in plan.waypoints]
    assert back.stops == plan.stops
    assert back.length_km == pytest.approx(plan.length_km, abs=1e-9)
    if suffix != ".csv":
        assert back.aircraft == plan.aircraft
        assert back.name == plan.name


def test_read_gpx_track_with_two_segments() -> None:
    plan = flightplan.read(FIXTURES / "track.gpx")
    assert len(plan.waypoints) == 6
    assert plan.start == "UUMB"
    assert plan.waypoints[1].altitude_m == 1500.0
    assert plan.validate() == []


def test_read_plain_geojson_linestring_with_heights() -> None:
    plan = flightplan.read(FIXTURES / "route_linestring.geojson")
    assert np.allclose(plan.coords, np.array(LOOP))
    assert plan.waypoints[3].altitude_m == 1200.0


def test_read_csv_with_only_coordinates_and_overrides() -> None:
    plan = flightplan.read(FIXTURES / "minsk_start.csv")
    assert plan.start == "UMMS"
    assert plan.end == "UUMB"
    assert {v.rule for v in plan.validate()} == {"start_osa"}
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500.0)
    assert flightplan.read(FIXTURES / "minsk_start.csv", regime=reg).validate() == []
    terr = flightplan.read(FIXTURES / "minsk_start.csv", territory="BLR")
    assert terr.territory.code == "BLR"


@pytest.mark.parametrize(
    ("name", "exc", "match"),
    [
        ("empty.geojson", ValidationError, "empty"),
        ("one_point.csv", ValidationError, "1 waypoint"),
        ("nan.csv", ValidationError, "NaN"),
        ("lat_over_90.csv", ValidationError, "latitude 95.0"),
        ("unknown_icao.geojson", UnknownCodeError, "ZZZZ"),
        ("polygon.geojson", ValidationError, "Polygon"),
        ("truncated.geojson", ValidationError, "not valid JSON"),
        ("missing.csv", ValidationError, "does not exist"),
    ],
)
def test_unusable_files_raise_naming_the_problem(name, exc, match) -> None:
    with pytest.raises(exc, match=match):
        flightplan.read(FIXTURES / name)


# --------------------------------------------------------------------------- route / text


def test_icao_item15_route() -> None:
    plan = FlightPlan.from_waypoints(
        [KUB, (30.0, 54.5), (27.5, 53.9), KUB],
        altitudes_m=[None, 3000.0, 1500.0, None],
        aircraft="An-30B",
    )
    assert io.icao_route(plan) == "K0430M0300 DCT 5430N03000E DCT 5354N02730E/K0430M0150"
    assert io.icao_route(plan, seconds=True).split(" DCT ")[1] == "543000N0300000E"


def test_mission_summary_lists_waypoints_and_violations(plan) -> None:
    text = io.mission_summary(plan)
    for x, y in plan.coords:
        assert io.format_dms(x, y) in text
    assert "Saab 340" in text
    assert "refuel at waypoint 3" in text
    assert "Legality: " in text
    bad = FlightPlan.from_waypoints([KUB, (30.0, 54.5), (31.0, 51.0), (28.0, 52.5), KUB])
    text = io.mission_summary(bad)
    assert "ILLEGAL" in text
    assert "[outside_territory]" in text


# --------------------------------------------------------------------------- atomic writes


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_atomic_write_leaves_nothing_on_error(tmp_path) -> None:
    target = tmp_path / "out.txt"

    def write_then_fail(text: str) -> None:
        with io.atomic_write(target) as fh:
            fh.write(text)
            fh.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail("partial")
    assert _leftovers(tmp_path) == []
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_then_fail("new but partial")
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == ["out.txt"]


def test_atomic_write_replaces_and_sets_normal_permissions(tmp_path) -> None:
    target = tmp_path / "out.bin"
    with io.atomic_write(target, "wb") as fh:
        fh.write(b"abc")
    assert target.read_bytes() == b"abc"
    mask = os.umask(0)
    os.umask(mask)
    assert (target.stat().st_mode & 0o777) == (0o666 & ~mask)
    with (
        pytest.raises(ValidationError, match="does not exist"),
        io.atomic_write(tmp_path / "nodir" / "x.txt"),
    ):
        pass


def test_interrupted_csv_export_leaves_no_partial_file(plan, tmp_path, monkeypatch) -> None:
    calls = {"n": 0}
    real = io._csv_row

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(io, "_csv_row", flaky)
    with pytest.raises(OSError, match="simulated"):
        io.write_csv(plan, tmp_path / "plan.csv")
    assert calls["n"] == 3  # two rows were written to the temporary file before the failure
    assert _leftovers(tmp_path) == []


def test_interrupted_geojson_export_keeps_the_old_file(plan, tmp_path, monkeypatch) -> None:
    target = tmp_path / "plan.geojson"
    target.write_text("previous", encoding="utf-8")

    def half_dump(obj, fh, **kwargs):
        fh.write(json.dumps(obj)[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(io.json, "dump", half_dump)
    with pytest.raises(KeyboardInterrupt):
        io.write_geojson(plan, target)
    assert target.read_text(encoding="utf-8") == "previous"
    assert _leftovers(tmp_path) == ["plan.geojson"]


def test_write_dispatch_and_unknown_format(plan, tmp_path) -> None:
    for fmt in io.FORMATS:
        out = io.write(plan, tmp_path / f"p.{fmt}")
        assert out.stat().st_size > 0
    with pytest.raises(ValidationError, match="choose one of"):
        io.write(plan, tmp_path / "p.xyz", format="shp")
    with pytest.raises(ValidationError, match="suffix"):
        io.write(plan, tmp_path / "p.xyz")
