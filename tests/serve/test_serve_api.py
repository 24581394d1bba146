"""The workbench API over real HTTP: every endpoint, its answers and its refusals.

Figures are checked against independent calculations (geographiclib geodesics, an
analytic strip area) or the library's own CLI-facing functions on the same input.
"""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import httpx
import pytest
from geographiclib.geodesic import Geodesic

from openskies import coverage, data, flightplan, geodesy, io, sensors

GEOD = Geodesic.WGS84
KUB = data.airfield("UUMB")
KUBINKA = (KUB.lon, KUB.lat)
MINSK = data.airfield("UMMS")
TURN_MARGIN = float(data.regime().parameter("max_flight_distance", "turn_margin"))

#: Kubinka -> Minsk area -> Kubinka: a legal plan over the group.
SMALL = {
    "territory": "BLR+RUS",
    "start": "UUMB",
    "end": "UUMB",
    "waypoints": [KUBINKA, (28.0, 53.9), KUBINKA],
}
#: Loops over Kaliningrad: more than its 500 km sub-limit, and legs over Lithuania.
KGD_LOOP = [(20.5, 54.7), (22.5, 54.9), (20.3, 54.95), (22.6, 54.5), (20.6, 54.4), (22.0, 54.7)]
KALININGRAD = {
    "start": "UUMB",
    "waypoints": [
        KUBINKA,
        (27.5, 53.9),
        (23.9, 54.1),
        *KGD_LOOP,
        (23.9, 54.1),
        (27.5, 53.9),
        KUBINKA,
    ],
}
#: A zigzag over Belarus and western Russia longer than Kubinka's 5,500 km.
ZIGZAG = {
    "start": "UUMB",
    "waypoints": [KUBINKA, *[(27 + (i % 2) * 8, 53.0 + 0.25 * i) for i in range(12)], KUBINKA],
}


def geodesic_km(points: list[tuple[float, float]]) -> float:
    """Independent WGS84 path length (geographiclib)."""
    return (
        sum(GEOD.Inverse(a[1], a[0], b[1], b[0])["s12"] for a, b in itertools.pairwise(points))
        / 1000.0
    )


def validate(client, body):
    r = client.post("/api/validate", json=body)
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------- the page


def test_page_answers_200_with_the_token_and_sets_the_cookie(workbench, anon):
    r = anon.get(f"/?token={workbench.token}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<main id="map"' in r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"openskies-token-{workbench.port}={workbench.token};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    # the cookie alone (what the page's own requests carry) is enough afterwards
    with httpx.Client(base_url=workbench.base_url) as fresh:
        header = {"cookie": f"openskies-token-{workbench.port}={workbench.token}"}
        assert fresh.get("/api/options", headers=header).status_code == 200
        assert fresh.get("/api/options").status_code == 401


def test_docs_and_openapi(client):
    doc = client.get("/openapi.json").json()
    for path in (
        "/api/validate",
        "/api/route",
        "/api/footprint",
        "/api/import",
        "/api/targets/import",
        "/api/export/{fmt}",
        "/api/compare",
        "/api/compare/{job_id}",
        "/api/options",
        "/api/borders",
        "/api/territory/{code}",
        "/api/sites",
    ):
        assert path in doc["paths"], path
    schemas = doc["components"]["schemas"]
    assert {"PlanIn", "CheckOut", "ErrorOut", "ViolationOut"} <= set(schemas)
    assert "waypoints" in schemas["PlanIn"]["required"]
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/docs.js" in page.text


def test_unknown_path_is_json_404(client):
    r = client.get("/api/nope")
    assert r.status_code == 404
    assert r.json()["detail"][0]["loc"] == ["path"]


# --------------------------------------------------------------------------- validate


def test_validate_contract_legal_plan(client):
    out = validate(client, SMALL)
    assert out["legal"] is True
    assert out["violations"] == []
    expected = geodesic_km(SMALL["waypoints"]) * (1 + TURN_MARGIN)
    assert out["length_km"] == pytest.approx(expected, rel=1e-9)
    # Kubinka's practice value since 2013 (rg.ru 2013-03-25; sputniknews 2017-09-29)
    assert out["budget_km"] == 5500.0
    assert out["start_label"] == "Kubinka (UUMB)"
    assert out["hypothetical"] is False
    regions = {r["code"]: r for r in out["regions"]}
    assert regions["RUS-KGD"]["limit_km"] == 500.0
    assert regions["RUS-KGD"]["counted_km"] == 0.0
    assert regions["BLR"]["kind"] == "member"
    assert regions["BLR"]["limit_km"] is None
    total = sum(r["counted_km"] for r in out["regions"] if r["kind"] == "member")
    assert total == pytest.approx(out["length_km"], rel=1e-6)


def test_legs_are_densified_geodesics(client):
    out = validate(client, SMALL)
    assert len(out["legs"]) == 2
    for leg, (a, b) in zip(
        out["legs"], [SMALL["waypoints"][:2], SMALL["waypoints"][1:]], strict=True
    ):
        pts = [p for line in leg["lines"] for p in line]
        direct = GEOD.Inverse(a[1], a[0], b[1], b[0])["s12"]
        assert leg["length_km"] == pytest.approx(direct / 1000, rel=1e-9)
        assert len(pts) > direct / 5000  # at least one point every 5 km
        for p in pts[1:-1]:
            # on the geodesic: the detour through the point is at most the rounding (~1 m)
            via = (
                GEOD.Inverse(a[1], a[0], p[1], p[0])["s12"]
                + GEOD.Inverse(p[1], p[0], b[1], b[0])["s12"]
            )
            assert via - direct < 3.0
        # a straight lon/lat line would sit ~km off: the midpoint is the geodesic's
        mid = GEOD.InverseLine(a[1], a[0], b[1], b[0]).Position(direct / 2)
        nearest = min(GEOD.Inverse(mid["lat2"], mid["lon2"], p[1], p[0])["s12"] for p in pts)
        assert nearest < 2600  # within half of the 5 km spacing


def test_validate_over_budget_names_the_breach(client):
    out = validate(client, ZIGZAG)
    assert out["legal"] is False
    (v,) = [v for v in out["violations"] if v["rule"] == "max_distance"]
    expected = geodesic_km(ZIGZAG["waypoints"]) * (1 + TURN_MARGIN)
    assert out["length_km"] == pytest.approx(expected, rel=1e-9)
    assert v["amount"] == pytest.approx(expected - 5500.0, rel=1e-9)
    assert "Art. VI Sec. II para 4(A)" in v["article"]
    assert v["where"] == pytest.approx(list(KUBINKA), abs=1e-6)


def test_validate_kaliningrad_sub_limit(client):
    out = validate(client, KALININGRAD)
    rules = [v["rule"] for v in out["violations"]]
    assert "sub_limit" in rules
    assert "outside_territory" in rules
    kgd = next(r for r in out["regions"] if r["code"] == "RUS-KGD")
    loop_km = geodesic_km(KGD_LOOP)
    # the loop lies inside the region (plus the km from its border to the first point)
    assert kgd["geodesic_km"] > loop_km
    assert kgd["counted_km"] > kgd["limit_km"] == 500.0
    sub = next(v for v in out["violations"] if v["rule"] == "sub_limit")
    assert sub["amount"] == pytest.approx(kgd["counted_km"] - 500.0, rel=1e-9)
    kaliningrad = data.territory("RUS-KGD")
    for v in out["violations"]:
        assert v["where"] is not None, v  # every violation has a place on the map
    assert kaliningrad.contains(*sub["where"])  # sub-limit marked on its longest leg inside


def test_hypothetical_minsk_is_labelled(client):
    body = {
        "start": "UMMS",
        "designate": [{"icao": "UMMS", "party": "BLR", "max_flight_distance_km": 1500}],
        "waypoints": [(MINSK.lon, MINSK.lat), (30.0, 53.0), (MINSK.lon, MINSK.lat)],
    }
    out = validate(client, body)
    assert out["legal"] is True
    assert out["hypothetical"] is True
    assert out["budget_km"] == 1500.0
    assert out["start_label"].endswith("(hypothetical)")
    # without the designation Minsk is no Open Skies airfield: rule 1
    plain = validate(client, {**body, "designate": []})
    assert {"start_osa", "end_osa"} <= {v["rule"] for v in plain["violations"]}


def test_antimeridian_plan_from_magadan(client):
    mag = data.airfield("UHMM")
    body = {
        "start": "UHMM",
        "waypoints": [
            (mag.lon, mag.lat),
            (170.0, 64.5),
            (181.5, 65.5),
            (178.0, 66.0),
            (mag.lon, mag.lat),
        ],
    }
    out = validate(client, body)
    assert out["waypoints"][2]["lon"] == pytest.approx(-178.5)  # normalised, not refused
    crossing = [leg for leg in out["legs"] if len(leg["lines"]) == 2]
    assert len(crossing) == 2  # both legs across 180 deg are split in two lines
    for leg in out["legs"]:
        for line in leg["lines"]:
            assert all(-180.0 <= p[0] <= 180.0 for p in line)
    expected = geodesic_km(
        [(mag.lon, mag.lat), (170.0, 64.5), (-178.5, 65.5), (178.0, 66.0), (mag.lon, mag.lat)]
    )
    assert out["geodesic_km"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("waypoints", "loc", "word"),
    [
        ([KUBINKA, (28.0, 95.0)], ["body", "waypoints", 1, 1], "latitude"),
        ([KUBINKA, (600.0, 53.0)], ["body", "waypoints", 1, 0], "longitude"),
        ([KUBINKA, ("28.0", 53.0)], ["body", "waypoints", 1, 0], "number"),
        ([KUBINKA], ["body", "waypoints"], "items"),
        ([KUBINKA, (28.0, None)], ["body", "waypoints", 1, 1], "number"),
    ],
)
def test_unusable_plan_is_422_naming_the_field(client, waypoints, loc, word):
    r = client.post("/api/validate", json={"start": "UUMB", "waypoints": waypoints})
    assert r.status_code == 422
    items = r.json()["detail"]
    assert items[0]["loc"] == loc
    assert word in (items[0]["msg"] + " " + (items[0].get("fix") or "")).lower()


def test_nan_latitude_is_refused(client):
    raw = '{"start": "UUMB", "waypoints": [[36.6, 55.6], [28.0, NaN]]}'
    r = client.post("/api/validate", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("patch", "loc", "needle"),
    [
        ({"start": "XXXX"}, ["body", "start"], "unknown ICAO code 'XXXX'"),
        ({"territory": "ATLANTIS"}, ["body", "territory"], "unknown territory code"),
        ({"aircraft": "Concorde"}, ["body", "aircraft"], "unknown aircraft preset"),
        ({"year": 1980}, ["body", "year"], "1992"),
        ({"budget_km": 20000}, ["body", "budget_km"], "Extra inputs"),
        ({"transit": [True]}, ["body", "waypoints"], "transit has 1 values"),
        (
            {"designate": [{"icao": "EPWA", "party": "BLR", "max_flight_distance_km": 5500}]},
            ["body", "designate", 0, "party"],
            "lies in POL",
        ),
        (
            {"designate": [{"icao": "UMMS", "party": "BLR", "max_flight_distance_km": -5}]},
            ["body", "designate", 0, "max_flight_distance_km"],
            "greater than 0",
        ),
    ],
)
def test_refusals_name_the_field_and_the_fix(client, patch, loc, needle):
    r = client.post("/api/validate", json={**SMALL, **patch})
    assert r.status_code == 422, r.text
    item = r.json()["detail"][0]
    assert item["loc"] == loc
    assert needle in item["msg"]
    assert (
        item.get("fix") or "choose" in item["msg"] or "give" in item["msg"] or "add" in item["msg"]
    )


def test_a_user_budget_above_the_limit_is_not_accepted(client):
    """The legal limit is the regime's: validate takes no budget at all."""
    r = client.post("/api/validate", json={**ZIGZAG, "budget_km": 20000})
    assert r.status_code == 422
    assert validate(client, ZIGZAG)["budget_km"] == 5500.0


def test_waypoint_cap(client):
    from openskies.serve.models import MAX_WAYPOINTS

    wps = [(28.0 + i * 1e-4, 53.9) for i in range(MAX_WAYPOINTS + 1)]
    r = client.post("/api/validate", json={"start": "UUMB", "waypoints": wps})
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["loc"] == ["body", "waypoints"]
    assert item["type"] == "too_long"
    assert "caps" in item["fix"]


def test_name_cap(client):
    r = client.post("/api/validate", json={**SMALL, "name": "x" * 10_000})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "name"]


# --------------------------------------------------------------------------- exports, imports


def _plan(body):
    return flightplan.FlightPlan.from_waypoints(
        body["waypoints"], start=body["start"], end=body.get("end"), territory=body.get("territory")
    )


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("geojson", "application/geo+json"),
        ("kml", "application/vnd.google-earth.kml+xml"),
        ("gpx", "application/gpx+xml"),
        ("csv", "text/csv"),
        ("txt", "text/plain"),
        ("icao", "text/plain"),
    ],
)
def test_export_every_format_as_the_library_writes_it(client, tmp_path, fmt, media):
    r = client.post(f"/api/export/{fmt}", json={**SMALL, "name": "route 1/../x"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    disp = r.headers["content-disposition"]
    assert disp.startswith('attachment; filename="route_1_x.')
    assert "/" not in disp
    plan = flightplan.FlightPlan.from_waypoints(
        SMALL["waypoints"], start="UUMB", end="UUMB", territory="BLR+RUS", name="route 1/../x"
    )
    if fmt == "icao":
        assert r.text == io.icao_route(plan) + "\n"
    else:
        expected = io.write(plan, tmp_path / f"p.{fmt}", format=fmt).read_bytes()
        assert r.content == expected


def test_export_format_must_be_known(client):
    r = client.post("/api/export/shp", json=SMALL)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["path", "fmt"]


@pytest.mark.parametrize("fmt", ["gpx", "geojson", "csv"])
def test_export_then_import_round_trips(client, fmt):
    body = {**KALININGRAD, "name": "kgd"}
    text = client.post(f"/api/export/{fmt}", json=body).text
    r = client.post("/api/import", json={"format": fmt, "text": text, "filename": f"kgd.{fmt}"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["plan"]["waypoints"] == [list(p) for p in body["waypoints"]]  # exact floats
    assert out["plan"]["start"] == out["plan"]["end"] == "UUMB"
    assert out["plan"]["name"] == "kgd"
    again = validate(client, body)
    assert out["check"]["length_km"] == pytest.approx(again["length_km"], rel=1e-12)
    assert [v["rule"] for v in out["check"]["violations"]] == [
        v["rule"] for v in again["violations"]
    ]


def test_import_keeps_a_hypothetical_designation(client):
    body = {
        "start": "UMMS",
        "designate": [{"icao": "UMMS", "party": "BLR", "max_flight_distance_km": 2000}],
        "waypoints": [(MINSK.lon, MINSK.lat), (30.0, 53.0), (MINSK.lon, MINSK.lat)],
    }
    text = client.post("/api/export/geojson", json=body).text
    out = client.post("/api/import", json={"format": "geojson", "text": text}).json()
    assert out["plan"]["designate"] == [
        {"icao": "UMMS", "party": "BLR", "max_flight_distance_km": 2000.0, "roles": ["POE", "OSA"]}
    ]
    assert out["check"]["hypothetical"] is True
    assert out["check"]["legal"] is True


def test_import_of_a_bad_file_names_the_file_not_a_temp_path(client):
    r = client.post(
        "/api/import",
        json={"format": "geojson", "text": '{"type": "Feature', "filename": "mine.geojson"},
    )
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["loc"] == ["body", "text"]
    assert "mine.geojson" in item["msg"]
    assert "openskies-serve-" not in item["msg"]
    assert "GEOJSON" in item["fix"]


def test_import_fixture_files(client):
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    ok = client.post(
        "/api/import",
        json={
            "format": "gpx",
            "text": (fixtures / "track.gpx").read_text(),
            "filename": "track.gpx",
        },
    )
    assert ok.status_code == 200, ok.text
    bad = client.post(
        "/api/import",
        json={
            "format": "csv",
            "text": (fixtures / "lat_over_90.csv").read_text(),
            "filename": "x.csv",
        },
    )
    assert bad.status_code == 422
    assert "latitude" in bad.json()["detail"][0]["msg"]


def test_targets_import_csv_and_geojson(client):
    csv_text = "name,lon,lat,value\nA,27.5,53.9,3\nB,30.1,54.2,\n"
    out = client.post("/api/targets/import", json={"format": "csv", "text": csv_text}).json()
    assert out["targets"] == [
        {"lon": 27.5, "lat": 53.9, "name": "A", "value": 3.0},
        {"lon": 30.1, "lat": 54.2, "name": "B", "value": 1.0},
    ]
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "C", "value": 2},
                "geometry": {"type": "Point", "coordinates": [28, 53]},
            }
        ],
    }
    import json

    out = client.post(
        "/api/targets/import", json={"format": "geojson", "text": json.dumps(gj)}
    ).json()
    assert out["targets"] == [{"lon": 28.0, "lat": 53.0, "name": "C", "value": 2.0}]


@pytest.mark.parametrize(
    ("fmt", "text", "needle"),
    [
        ("csv", "x,y\n1,2\n", "no lon and lat columns"),
        ("csv", "lon,lat\n27,95\n", "row 2"),
        ("csv", "lon,lat,value\n27,53,-1\n", "row 2"),
        (
            "geojson",
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"geometry": {"type": "Polygon", "coordinates": []}}]}',
            "feature 0 is a Polygon",
        ),
        ("geojson", "[1, 2", "not JSON"),
    ],
)
def test_targets_import_refusals(client, fmt, text, needle):
    r = client.post("/api/targets/import", json={"format": fmt, "text": text, "filename": "t"})
    assert r.status_code == 422
    assert needle in r.json()["detail"][0]["msg"]


def test_targets_cap(client):
    from openskies.serve.models import MAX_TARGETS

    text = "lon,lat\n" + "27.5,53.9\n" * (MAX_TARGETS + 1)
    r = client.post("/api/targets/import", json={"format": "csv", "text": text})
    assert r.status_code == 422
    assert f"{MAX_TARGETS:,}" in r.json()["detail"][0]["msg"]


# --------------------------------------------------------------------------- data


def test_options(client):
    out = client.get("/api/options").json()
    air = {a["icao"]: a for a in out["airfields"]}
    assert air["UUMB"]["is_osa"]
    assert air["UUMB"]["max_flight_distance_km"] == 5500.0
    assert not air["UMMS"]["is_osa"]
    assert air["UMMS"]["group"] == "BLR+RUS"
    terr = {t["code"]: t for t in out["territories"]}
    assert terr["BLR+RUS"]["sub_regions"] == [
        {"code": "RUS-KGD", "name": "Kaliningrad region", "limit_km": 500.0}
    ]
    assert {"BLR", "RUS", "RUS-KGD", "POL", "UKR"} <= set(terr)
    assert out["export_formats"] == ["geojson", "kml", "gpx", "csv", "txt", "icao"]
    assert out["caps"]["waypoints"] > 0
    assert client.get("/api/options?year=1980").status_code == 422


def test_borders_and_territory_layers(client):
    b = client.get("/api/borders").json()
    codes = {f["properties"]["code"] for f in b["features"]}
    assert codes == set(data.countries().index)
    t = client.get("/api/territory/BLR+RUS").json()
    kinds = [(f["properties"]["kind"], f["properties"]["code"]) for f in t["features"]]
    assert kinds == [("territory", "BLR+RUS"), ("sub_region", "RUS-KGD")]
    assert client.get("/api/territory/XYZ").status_code == 422


def test_sites(client):
    out = client.get("/api/sites?territory=BLR").json()["targets"]
    assert len(out) == len(data.sites("BLR"))
    assert client.get("/api/sites?territory=POL").status_code == 422


# --------------------------------------------------------------------------- route, footprint


def test_route_to_targets_is_legal_and_within_the_budget(client):
    sites = client.get("/api/sites?territory=BLR").json()["targets"][:4]
    body = {
        "start": "UUMB",
        "territory": "BLR+RUS",
        "targets": sites,
        "sensor": "optical_high_pan",
        "budget_km": 3000,
    }
    r = client.post("/api/route", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["check"]["legal"] is True
    wps = out["plan"]["waypoints"]
    assert wps[0] == pytest.approx(list(KUBINKA))
    assert wps[-1] == pytest.approx(list(KUBINKA))
    counted = geodesic_km([tuple(p) for p in wps]) * (1 + TURN_MARGIN)
    assert counted <= 3000.0 + 1e-6  # the planning budget, below the legal limit
    assert sorted(out["observed"] + [s["index"] for s in out["skipped"]]) == list(range(4))


def test_route_refuses_a_budget_above_the_legal_limit(client):
    body = {"start": "UUMB", "targets": [{"lon": 27.5, "lat": 53.9}], "budget_km": 20000}
    r = client.post("/api/route", json=body)
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["loc"] == ["body", "budget_km"]
    assert "5,500" in item["msg"]
    assert "5500" in item["fix"]


def test_route_refuses_a_target_outside_the_territory(client):
    body = {
        "start": "UUMB",
        "territory": "BLR",
        "targets": [{"lon": 21.0, "lat": 52.2, "name": "Warsaw"}],
    }
    r = client.post("/api/route", json=body)
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["loc"] == ["body", "targets"]
    assert "Warsaw" in item["msg"]


def _minsk_out_and_back(**extra):
    return {
        "start": "UMMS",
        "designate": [{"icao": "UMMS", "party": "BLR", "max_flight_distance_km": 1500}],
        "waypoints": [(MINSK.lon, MINSK.lat), FAR, (MINSK.lon, MINSK.lat)],
        "sensor": "optical_high_pan",
        **extra,
    }


FAR = (29.5, 53.2)
SWATH_KM = sensors.preset("optical_high_pan").width_km  # flown at 8,000 m on the An-30B


def test_footprint_area_matches_the_analytic_strip(client):
    """Sensors on out to FAR only (the return is transit): a flat-ended 35 km strip."""
    out = client.post("/api/footprint", json=_minsk_out_and_back(transit=[False, True])).json()
    leg = GEOD.Inverse(MINSK.lat, MINSK.lon, FAR[1], FAR[0])["s12"] / 1000
    assert out["area_km2"] == pytest.approx(leg * SWATH_KM, rel=0.005)
    assert out["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_footprint_of_an_out_and_back_run(client):
    """Out and back with sensors on: the strip plus a half disc at the turn, flat at Minsk."""
    out = client.post("/api/footprint", json=_minsk_out_and_back()).json()
    leg = GEOD.Inverse(MINSK.lat, MINSK.lon, FAR[1], FAR[0])["s12"] / 1000
    analytic = leg * SWATH_KM + math.pi * (SWATH_KM / 2) ** 2 / 2
    assert out["area_km2"] == pytest.approx(analytic, rel=0.01)


def test_footprint_equals_the_library(client):
    out = client.post("/api/footprint", json={**SMALL, "sensor": "optical_low"}).json()
    plan = _plan(SMALL)
    assert out["area_km2"] == pytest.approx(
        geodesy.area_km2(coverage.footprint(plan, "optical_low")), rel=1e-12
    )


# --------------------------------------------------------------------------- comparison


@pytest.mark.parametrize(
    ("patch", "loc", "needle"),
    [
        ({"territory": "BLR+RUS"}, ["body", "territory"], "km²"),
        ({"candidates": ["UUMB", "EPWA"]}, ["body", "candidates", 1], "cannot be an entry point"),
        ({"candidates": ["UUMB", "UUMB"]}, ["body", "candidates", 1], "repeats"),
        ({"budgets_km": [5500, 5500]}, ["body", "budgets_km", 1], "repeats"),
        ({"sensors": ["optical_low", "optical_low"]}, ["body", "sensors", 1], "repeats"),
        ({"reach_cell_km": 0.01}, ["body", "reach_cell_km"], "greater than or equal"),
        ({"sensors": ["laser"]}, ["body", "sensors", 0], "unknown sensor preset"),
    ],
)
def test_compare_refusals(client, patch, loc, needle):
    r = client.post("/api/compare", json={"territory": "BLR", **patch})
    assert r.status_code == 422, r.text
    item = r.json()["detail"][0]
    assert item["loc"] == loc
    assert needle in item["msg"]


def test_compare_job_unknown_id(client):
    assert client.get("/api/compare/0123abcd").status_code == 404
    assert client.delete("/api/compare/0123abcd").status_code == 404


def _wait(client, job_id, timeout_s=300):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/api/compare/{job_id}").json()
        if job["status"] != "running":
            return job
        time.sleep(0.5)
    pytest.fail(f"comparison {job_id} still running after {timeout_s} s")


@pytest.mark.slow
def test_compare_runs_in_a_worker_and_answers_as_the_library(client):
    from openskies import study

    params = {"territory": "LTU", "candidates": ["EYSA"], "budgets_km": [715], "reach_cell_km": 25}
    r = client.post("/api/compare", json=params)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "running"
    # a second one is refused while the first runs
    busy = client.post("/api/compare", json=params)
    assert busy.status_code == 409
    assert job["id"] in busy.json()["detail"][0]["msg"]
    # the server stays responsive: validations are answered while the worker computes
    t0 = time.perf_counter()
    assert client.post("/api/validate", json=SMALL).status_code == 200
    during_ms = (time.perf_counter() - t0) * 1000
    done = _wait(client, job["id"])
    assert done["status"] == "done", done
    res = done["result"]
    assert during_ms < done["elapsed_s"] * 1000  # answered before the comparison ended
    direct = study.compare_entry_points(
        "LTU",
        ("EYSA",),
        budgets_km=[715],
        sensors=("optical_high_pan",),
        progress=False,
        reach_cell_km=25,
        time_limit_s=5.0,
    )
    expected = direct.summary("optical_high_pan").to_dict("records")
    assert len(res["summary"]) == len(expected) == 1
    for key, value in expected[0].items():
        got = res["summary"][0][key]
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-9), key
        else:
            assert got == value, key
    assert res["findings"] == direct.findings()
    assert res["routes"]["features"][0]["properties"]["icao"] == "EYSA"


@pytest.mark.slow
def test_compare_can_be_cancelled(client):
    r = client.post(
        "/api/compare", json={"territory": "LTU", "candidates": ["EYSA"], "budgets_km": [715]}
    )
    assert r.status_code == 202
    job_id = r.json()["id"]
    c = client.delete(f"/api/compare/{job_id}")
    assert c.status_code == 200
    assert c.json()["status"] == "cancelled"
    assert _wait(client, job_id)["status"] == "cancelled"
    # and the next one may start
    again = client.post(
        "/api/compare", json={"territory": "LTU", "candidates": ["EYSA"], "budgets_km": [715]}
    )
    assert again.status_code == 202
    client.delete(f"/api/compare/{again.json()['id']}")
