"""Hostile and careless input against the treaty semantics and the plan file formats.

Issue 12 items 5 (the legal limit is the regime's, never the caller's), 6 (an airfield of
another party is not an entry point), 7 (a stricter sun limit never gives a better answer),
11 (exports at the antimeridian; CSV metadata) and 13 (no "inf km" when no legal path
exists). Independent references: GeographicLib (Karney) for every distance asserted, a
low-precision almanac (Astronomical Almanac, section C) for the sun, and the analytic bound
90 - |lat| + 23.45 deg on the solar elevation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _almanac import almanac_elevation_deg as _almanac_elevation_deg
from geographiclib.geodesic import Geodesic
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from typer.testing import CliRunner

from openskies import coverage, csbm, data, flightplan, geodesy, io, routing, study
from openskies._errors import InfeasibleError, ValidationError
from openskies.cli import app
from openskies.flightplan import FlightPlan, Waypoint

G = Geodesic.WGS84
UTC = dt.UTC
runner = CliRunner()

KUB = (36.650002, 55.611695)  # Kubinka (UUMB), OurAirports
MINSK = (28.0307, 53.8825)  # Minsk National (UMMS)
MAGADAN = (150.72, 59.911)  # Magadan Sokol (UHMM), an OSA with 6,500 km (Annex A 1992)
#: A Kubinka triangle over Russia: only rule 2 is broken (5,748 km counted, > 5,500 km).
LONG_ROUTE = [KUB, (82.0, 61.0), (60.0, 66.5), KUB]
#: Magadan -> Chukotka across the antimeridian and back: eastbound leg 1, westbound leg 3.
CHUKOTKA = [MAGADAN, (175.0, 64.7), (-178.0, 65.5), (-175.0, 66.5), MAGADAN]
#: A loop from Minsk over Belarus (legal from a hypothetical Minsk OSA).
MINSK_LOOP = [MINSK, (28.0, 52.5), (31.0, 52.5), MINSK]
TURN = 1.02  # the regime's turn margin (treaty.yaml max_flight_distance.turn_margin)


def _gl_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return G.Inverse(a[1], a[0], b[1], b[0])["s12"] / 1000.0


def _path_km(coords) -> float:
    return sum(_gl_km(a, b) for a, b in itertools.pairwise(coords))


def _counted_km(plan: FlightPlan) -> float:
    """Rule 2 distance by GeographicLib: non-transit legs x (1 + turn margin)."""
    xy = [(w.lon, w.lat) for w in plan.waypoints]
    legs = [_gl_km(a, b) for a, b in itertools.pairwise(xy)]
    return sum(d for d, t in zip(legs, plan.transit, strict=True) if not t) * (
        1.0 + plan.turn_margin
    )


def _minsk(km: float):
    return data.regime().designate("UMMS", party="BLR", max_flight_distance_km=km)


def _text(result) -> str:
    return " ".join(result.output.split())


# =========================================================================== item 5


def test_from_waypoints_refuses_a_budget_above_the_regime_limit() -> None:
    counted = _path_km(LONG_ROUTE) * TURN
    assert 5500.0 < counted < 20000.0  # GeographicLib: the route breaks Kubinka's 5,500 km
    with pytest.raises(ValidationError) as err:
        FlightPlan.from_waypoints(LONG_ROUTE, budget_km=20000)
    msg = str(err.value)
    for part in ("budget_km=20,000 km", "Kubinka (UUMB)", "5,500 km", "2019 regime", "designate"):
        assert part in msg
    # the direct constructor refuses it too: no path around the check
    plan = FlightPlan.from_waypoints(LONG_ROUTE)
    with pytest.raises(ValidationError, match="legal limit"):
        dataclasses.replace(plan, budget_km=20000.0)
    # with the regime's limit the plan is illegal, by the independent excess
    assert plan.budget_km == 5500.0
    v = plan.validate()
    assert [x.rule for x in v] == ["max_distance"]
    assert v[0].amount == pytest.approx(counted - 5500.0, abs=1e-6)


def test_a_smaller_budget_is_a_planning_choice_checked_as_such() -> None:
    plan = FlightPlan.from_waypoints([*LONG_ROUTE[:2], KUB], budget_km=3000.0)
    counted = _path_km([KUB, LONG_ROUTE[1], KUB]) * TURN
    assert 3000.0 < counted < 5500.0
    assert plan.budget_km == 3000.0
    (v,) = plan.validate()
    assert v.rule == "max_distance"
    assert v.amount == pytest.approx(counted - 3000.0, abs=1e-6)
    assert "planning budget 3,000.0 km" in v.message
    assert "is 5,500.0 km" in v.message  # the legal limit, named beside it
    assert FlightPlan.from_waypoints([KUB, LONG_ROUTE[1], KUB]).validate() == []


def test_a_hypothetical_designation_sets_the_legal_limit() -> None:
    big = data.regime().designate("UUMB", party="RUS", max_flight_distance_km=20000)
    plan = FlightPlan.from_waypoints(LONG_ROUTE, regime=big)
    assert plan.hypothetical
    assert plan.budget_km == 20000.0
    assert plan.validate() == []
    small = _minsk(1500.0)
    with pytest.raises(ValidationError, match=r"hypothetical designation is 1,500 km"):
        FlightPlan.from_waypoints(MINSK_LOOP, regime=small, budget_km=2000.0)
    # a designation can also lower a limit: Kubinka at 3,000 km refuses 5,000
    low = data.regime().designate("UUMB", party="RUS", max_flight_distance_km=3000)
    with pytest.raises(ValidationError, match="3,000 km"):
        routing.plan_route(None, data.sites("BLR").head(2), start="UUMB", regime=low, budget_km=5e3)


def test_planners_refuse_a_budget_above_the_limit() -> None:
    sites = data.sites("BLR").head(3)
    with pytest.raises(ValidationError, match=r"Kubinka \(UUMB\).*5,500 km.*2019"):
        routing.plan_route(None, sites, start="UUMB", budget_km=20000)
    with pytest.raises(ValidationError, match=r"Kubinka \(UUMB\).*5,500 km.*2019"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor="optical_low", budget_km=2e4)
    plan = routing.plan_route(None, sites, start="UUMB")
    assert plan.budget_km == 5500.0
    assert _counted_km(plan) <= 5500.0 + 1e-6
    assert plan.validate() == []


def _declare(path, budget_km: float, source: str = "given") -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["openskies"]["budget_km"] = budget_km
    doc["openskies"]["budget_source"] = source
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_validate_cli_uses_the_regime_limit_not_the_files(tmp_path) -> None:
    plan = FlightPlan.from_waypoints(LONG_ROUTE, name="long")
    f = io.write_geojson(plan, tmp_path / "long.geojson")
    _declare(f, 20000.0)  # as a hand-edited file (or an old export) would declare it
    back = flightplan.read(f)
    assert back.budget_km == 5500.0
    assert any("declares a maximum flight distance of 20,000.0 km" in n for n in back.notes)
    r = runner.invoke(app, ["validate", str(f)])
    assert r.exit_code == 1, r.output
    text = _text(r)
    assert "declares a maximum flight distance of 20,000.0 km" in text
    assert "checked against the regime's limit" in text
    assert "max_distance" in text
    assert "ILLEGAL" in text
    # the same from GPX and CSV (their metadata carry the same budget)
    gpx = io.write_gpx(back, tmp_path / "long.gpx")
    tree = ET.parse(gpx)
    el = next(e for e in tree.iter() if e.tag.endswith("}plan"))
    meta = json.loads(el.text)
    meta.update(budget_km=20000.0, budget_source="given")
    el.text = json.dumps(meta)
    tree.write(gpx, encoding="UTF-8", xml_declaration=True)
    csv_path = io.write_csv(back, tmp_path / "long.csv")
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines = ["#,budget_km,20000.0" if ln.startswith("#,budget_km,") else ln for ln in lines]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for p in (gpx, csv_path):
        r = runner.invoke(app, ["validate", str(p)])
        assert r.exit_code == 1, (p, r.output)
        assert "declares a maximum flight distance of 20,000.0 km" in _text(r)
    # a legal plan stays legal (exit 0) with the note; unusable metadata is exit 2
    short = FlightPlan.from_waypoints([KUB, LONG_ROUTE[1], KUB])
    ok = io.write_geojson(short, tmp_path / "ok.json")
    _declare(ok, 20000.0)
    r = runner.invoke(app, ["validate", str(ok)])
    assert r.exit_code == 0, r.output
    assert "declares a maximum flight distance" in _text(r)
    _declare(ok, "lots")  # type: ignore[arg-type]
    r = runner.invoke(app, ["validate", str(ok)])
    assert r.exit_code == 2
    assert "budget_km" in _text(r)


def test_a_smaller_declared_budget_is_kept_and_a_raised_osa_limit_is_not(tmp_path) -> None:
    plan = FlightPlan.from_waypoints([KUB, LONG_ROUTE[1], KUB], budget_km=3000.0)
    back = flightplan.read(io.write_geojson(plan, tmp_path / "small.geojson"))
    assert back.budget_km == 3000.0
    assert back.notes == ()
    assert [v.rule for v in back.validate()] == ["max_distance"]
    # a file that re-designates Kubinka with a larger limit: not applied, and said
    big = data.regime().designate("UUMB", party="RUS", max_flight_distance_km=20000)
    f = io.write_geojson(FlightPlan.from_waypoints(LONG_ROUTE, regime=big), tmp_path / "re.json")
    r = runner.invoke(app, ["validate", str(f)])
    assert r.exit_code == 1, r.output
    text = _text(r)
    assert "designates UUMB hypothetically with a maximum flight distance of 20,000.0 km" in text
    assert "not applied" in text
    assert "max_distance" in text
    assert not flightplan.read(f).hypothetical
    # the user may study it, explicitly: then legal, and labelled hypothetical
    r = runner.invoke(app, ["validate", str(f), "--designate", "UUMB=20000"])
    assert r.exit_code == 0, r.output
    assert "(hypothetical designation)" in _text(r)
    # a Minsk designation (no OSA of the regime) from a file is applied: the Minsk scenario
    minsk = FlightPlan.from_waypoints(MINSK_LOOP, regime=_minsk(1500.0))
    back = flightplan.read(io.write_geojson(minsk, tmp_path / "minsk.json"))
    assert back.hypothetical
    assert back.budget_km == 1500.0
    assert back.validate() == []


def test_plan_cli_refuses_a_config_budget_above_the_limit(tmp_path) -> None:
    cfg = tmp_path / "p.yaml"
    cfg.write_text("plan:\n  start: UUMB\n  budget_km: 20000\n", encoding="utf-8")
    out = tmp_path / "out"
    r = runner.invoke(app, ["plan", str(cfg), "-o", str(out)])
    assert r.exit_code == 2, r.output
    assert "Kubinka (UUMB)" in _text(r)
    assert "5,500 km" in _text(r)
    assert not out.exists()


@pytest.mark.slow
def test_ranking_budget_above_the_limit_is_a_hypothetical_designation() -> None:
    df = study.rank_entry_points(
        "BLR", candidates=["EPWA"], budgets_km=[2e4, 5500.0], executor="sync", reach_cell_km=50.0
    )
    kub = df[df["icao"] == "UUMB"].set_index("budget_km")
    assert bool(kub.loc[20000.0, "hypothetical"])  # the budget designates Kubinka hypothetically
    assert not bool(kub.loc[5500.0, "hypothetical"])
    failed = df.attrs["ranking"]["failed"]  # item 6: an airfield of another party
    assert "EPWA" in failed
    assert "POL" in failed["EPWA"]
    assert "BLR" in failed["EPWA"]


# --------------------------------------------------------------------------- property tests

MINSK_TARGETS = gpd.GeoDataFrame(
    {"name": ["a", "b", "c", "d"], "value": [4.0, 3.0, 2.0, 1.0]},
    geometry=[
        Point(geodesy.destination(*MINSK, az, km))
        for az, km in ((200.0, 120.0), (120.0, 180.0), (300.0, 160.0), (30.0, 220.0))
    ],
    crs="EPSG:4326",
)
DISC = geodesy.buffer_km(Point(geodesy.destination(*MINSK, 180.0, 80.0)), 30.0)


def _check_plans_within(plan_fn, limit: float, budget: float) -> None:
    """Call a planner with ``budget``: refused above ``limit``, else every plan within both.

    Lengths are recomputed with GeographicLib (not ``plan.length_km``); an
    ``InfeasibleError`` (the area or targets beyond the budget's reach) is allowed.
    """
    if budget > limit:  # refused, with the limit named
        with pytest.raises(ValidationError, match=re.escape(f"is {limit:,.6g} km in the 2019")):
            plan_fn(budget)
        return
    try:
        plans = plan_fn(budget)
    except InfeasibleError:
        return
    assert len(plans) >= 1
    for plan in plans:
        assert plan.start == "UMMS"
        assert _counted_km(plan) <= min(budget, limit) + 1e-6
        assert plan.validate() == []


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.floats(min_value=400.0, max_value=3000.0),
    ratio=st.floats(min_value=0.3, max_value=2.5),
)
@example(limit=1500.0, ratio=0.5)
@example(limit=1500.0, ratio=1.0)
@example(limit=600.0, ratio=20000.0 / 600.0)
def test_property_plan_route_never_longer_than_the_regime_limit(limit, ratio) -> None:
    reg = _minsk(limit)
    _check_plans_within(
        lambda b: [routing.plan_route("BLR", MINSK_TARGETS, start="UMMS", regime=reg, budget_km=b)],
        limit,
        limit * ratio,
    )


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.floats(min_value=250.0, max_value=2500.0),
    ratio=st.floats(min_value=0.3, max_value=2.5),
)
@example(limit=300.0, ratio=1.0)
@example(limit=2000.0, ratio=0.4)
@example(limit=600.0, ratio=20000.0 / 600.0)
def test_property_full_coverage_never_longer_than_the_regime_limit(limit, ratio) -> None:
    reg = _minsk(limit)
    _check_plans_within(
        lambda b: coverage.plan_full_coverage(
            DISC, airfield="UMMS", sensor="optical_low", regime=reg, budget_km=b
        ),
        limit,
        limit * ratio,
    )


@pytest.mark.slow
def test_property_study_plans_never_longer_than_the_regime_limit() -> None:
    """Budgets above Kubinka's limit only designate Minsk; no study plan exceeds its start's."""
    grounds = data.sites("BLR")
    grounds = grounds[grounds["kind"] == "training_ground"].head(2)
    st_ = study.compare_entry_points(
        "BLR",
        ("UUMB", "UMMS"),
        budgets_km=[900.0, 20000.0],
        sensors=("optical_high_pan",),
        targets=grounds,
        progress=False,
        reach_cell_km=50.0,
    )
    limit = {("UUMB", b): 5500.0 for b in (5500.0,)}
    limit.update({("UMMS", b): b for b in (900.0, 20000.0)})
    assert set(zip(st_.routes["icao"], st_.routes["budget_km"], strict=True)) == set(limit)
    for frame in (st_.routes, st_.site_routes):
        assert len(frame)
        for rec in frame.itertuples():
            cap = limit[(rec.icao, rec.budget_km)]
            assert rec.length_km <= cap + 1e-6
            # independent: the densified path's points lie on the geodesic legs
            xy = shapely.get_coordinates(rec.geometry)
            parts = shapely.get_parts(rec.geometry)
            km = sum(_path_km(shapely.get_coordinates(p).tolist()) for p in parts)
            assert km * TURN == pytest.approx(rec.length_km, rel=1e-6)
            assert km * TURN <= cap + 1e-6
            assert len(xy) >= 2


# =========================================================================== item 6

EX = {"troops": 1, "start": "2021-09-10", "end": "2021-09-16", "location": "Brestsky"}


def test_time_to_image_refuses_an_airfield_of_another_party() -> None:
    ex = csbm.Exercise(**EX)
    with pytest.raises(ValidationError) as err:
        csbm.time_to_image(ex, entry_points=("UUMB", "EPWA"))
    msg = str(err.value)
    assert "EPWA" in msg
    assert "POL" in msg
    assert "BLR" in msg
    with pytest.raises(ValidationError, match="hypothetical_party='POL'"):
        csbm.time_to_image(ex, entry_points=("UMMS",), hypothetical_party="POL")
    # a hypothetical designation for the observed party keeps working
    df = csbm.time_to_image(ex, entry_points=("UUMB", "UMMS"), steps=False).set_index("entry_point")
    assert df.loc["UMMS", "hypothetical"]
    assert not df.loc["UUMB", "hypothetical"]


def test_exercise_cli_refuses_an_entry_point_of_another_party(tmp_path) -> None:
    cfg = tmp_path / "ex.yaml"
    cfg.write_text(
        "exercise: {troops: 12800, start: 2021-09-10, end: 2021-09-16, location: Brestsky}\n"
        "time_to_image:\n  entry_points: [UUMB, EPWA]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    r = runner.invoke(app, ["exercise", str(cfg), "-o", str(out)])
    assert r.exit_code == 2, r.output
    text = _text(r)
    assert "time_to_image.entry_points.1" in text
    assert "EPWA" in text
    assert "BLR" in text
    assert not out.exists()


def test_every_start_airfield_chooser_refuses_another_party() -> None:
    sites = data.sites("BLR").head(2)
    with pytest.raises(ValidationError, match=r"EPWA.*POL"):
        routing.plan_route(None, sites, start="UUMB", end="EPWA")
    with pytest.raises(ValidationError, match="EPWA"):
        routing.plan_route("BLR", sites, start="EPWA")
    with pytest.raises(ValidationError, match=r"EPWA.*POL"):
        coverage.plan_full_coverage("BLR", airfield="EPWA", sensor="optical_high_pan")
    with pytest.raises(ValidationError, match=r"EPWA.*POL.*BLR"):
        study.compare_entry_points("BLR", ("UUMB", "EPWA"), progress=False)
    plan = FlightPlan.from_waypoints([KUB, (30.0, 54.0), (20.9671, 52.1657)], end="EPWA")
    assert "end_osa" in {v.rule for v in plan.validate()}


# =========================================================================== item 7


def test_a_stricter_sun_limit_never_images_earlier() -> None:
    ex = csbm.Exercise(**EX)
    base = csbm.time_to_image(ex, entry_points=("UUMB",), steps=False).iloc[0]
    strict = csbm.time_to_image(
        ex, entry_points=("UUMB",), steps=False, timeline={"sun_elevation_min_deg": 80}
    ).iloc[0]
    assert base["imageable"]
    assert not strict["imageable"]
    assert pd.isna(strict["earliest_imaging_utc"])
    assert math.isnan(strict["hours_to_image"])
    assert "not imageable in the window" in strict["notes"]
    # Brest, September: the sun never reaches 80 deg (analytic: at most 90 - 52.1 + 23.45)
    assert 90.0 - 52.1 + 23.45 < 80.0
    steps = csbm.time_to_image(
        ex, entry_points=("UUMB",), timeline={"sun_elevation_min_deg": 80}
    ).set_index("step")
    assert steps.loc[[8, 9, 10, 11], "time_utc"].isna().all()
    assert "not imageable in the window" in steps.loc[8, "event"]
    # December at Brest: 15 deg is above the highest sun of the window (the old answer was
    # imaging at night, the arrival time itself)
    dec = csbm.time_to_image(
        ex, entry_points=("UUMB",), steps=False, trigger_at="2021-12-10T18:00Z"
    ).iloc[0]
    top = max(
        _almanac_elevation_deg(
            dt.datetime(2021, 12, 14, tzinfo=UTC) + dt.timedelta(minutes=m), 23.72, 52.11
        )
        for m in range(0, 5 * 24 * 60, 10)
    )
    assert top < 15.0 - 0.1
    assert not dec["imageable"]
    assert "at most" in dec["notes"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    day=st.integers(min_value=0, max_value=364),
    hour=st.floats(min_value=0.0, max_value=23.99),
    lat=st.floats(min_value=51.3, max_value=56.1),
    lon=st.floats(min_value=23.2, max_value=32.7),
    low=st.floats(min_value=-5.0, max_value=65.0),
    extra=st.floats(min_value=0.0, max_value=30.0),
    duration_h=st.floats(min_value=0.0, max_value=8.0),
)
def test_property_raising_the_sun_limit_never_gives_an_earlier_time(
    day, hour, lat, lon, low, extra, duration_h
) -> None:
    earliest = dt.datetime(2021, 1, 1, tzinfo=UTC) + dt.timedelta(days=day, hours=hour)
    kw = {"duration_h": duration_h, "horizon_h": 96.0}
    a = csbm._daylight_start(earliest, lon, lat, min_elevation_deg=low, **kw)
    b = csbm._daylight_start(earliest, lon, lat, min_elevation_deg=min(low + extra, 89.9), **kw)
    if b.start is not None:
        assert a.start is not None
        assert a.start <= b.start
        assert b.start >= earliest
        # the answer has the sun up (independent almanac; refraction <= 1 deg above -1 deg)
        assert _almanac_elevation_deg(b.start, lon, lat) >= min(low + extra, 89.9) - 1.0
    # above the highest sun of the window (analytic bound) the area is never imageable
    bound = 90.0 - lat + 23.45 + 0.1
    above = csbm._daylight_start(earliest, lon, lat, min_elevation_deg=bound, **kw)
    assert above.start is None
    assert above.max_elevation_deg < bound


# =========================================================================== item 11


@pytest.fixture(scope="module")
def chukotka() -> FlightPlan:
    return FlightPlan.from_waypoints(CHUKOTKA, name="Chukotka, across 180")


@pytest.fixture(scope="module")
def minsk_plan() -> FlightPlan:
    return FlightPlan.from_waypoints(
        MINSK_LOOP, regime=_minsk(4321.0), name="Minsk loop, hypothetical", aircraft="Saab 340"
    )


def test_gpx_longitudes_are_in_gpx_range(tmp_path) -> None:
    plan = FlightPlan.from_waypoints([MAGADAN, (180.0, 65.5), (181.5, 66.0), MAGADAN])
    assert plan.coords[1, 0] == -180.0
    assert plan.coords[2, 0] == -178.5
    assert Waypoint(181.5, 66.0).lon == -178.5
    out = io.write_gpx(plan, tmp_path / "p.gpx")
    lons = [float(e.attrib["lon"]) for e in ET.parse(out).iter() if "lon" in e.attrib]
    assert lons
    assert all(-180.0 <= x < 180.0 for x in lons)  # GPX 1.1 longitudeType


def _unwrap_parts(parts: list[list[list[float]]]) -> list[tuple[float, float]]:
    """Concatenate line parts into one continuous (lon, lat) sequence, in the given order."""
    out: list[tuple[float, float]] = []
    for part in parts:
        for x, y in part:
            if out:
                x = out[-1][0] + ((x - out[-1][0] + 180.0) % 360.0) - 180.0
            if not out or (x, y) != out[-1]:
                out.append((x, y))
    return out


def _check_leg_order(parts, a, b, length_km) -> None:
    pts = _unwrap_parts(parts)
    assert (pts[0][0] - a[0]) % 360.0 == pytest.approx(0.0, abs=1e-6)
    assert pts[0][1] == pytest.approx(a[1], abs=1e-6)
    assert ((pts[-1][0] - b[0] + 180.0) % 360.0) - 180.0 == pytest.approx(0.0, abs=1e-6)
    assert pts[-1][1] == pytest.approx(b[1], abs=1e-6)
    # continuous: the sum of the pieces is the leg (GeographicLib), nothing reversed
    assert _path_km(pts) == pytest.approx(length_km, rel=1e-6)


def test_split_legs_keep_flight_order_in_geojson_and_kml(chukotka, tmp_path) -> None:
    wps = [(w.lon, w.lat) for w in chukotka.waypoints]
    lengths = [_gl_km(a, b) for a, b in itertools.pairwise(wps)]
    doc = json.loads(io.write_geojson(chukotka, tmp_path / "c.geojson").read_text("utf-8"))
    legs = sorted(
        (f for f in doc["features"] if f["properties"]["kind"] == "leg"),
        key=lambda f: f["properties"]["leg"],
    )
    split = [f["properties"]["leg"] for f in legs if f["geometry"]["type"] == "MultiLineString"]
    assert split == [1, 3]  # leg 1 eastbound, leg 3 westbound across 180 deg
    for f in legs:
        g = f["geometry"]
        parts = g["coordinates"] if g["type"] == "MultiLineString" else [g["coordinates"]]
        k = f["properties"]["leg"]
        _check_leg_order(parts, wps[k], wps[k + 1], lengths[k])
    kml = ET.parse(io.write_kml(chukotka, tmp_path / "c.kml"))
    ns = "{http://www.opengis.net/kml/2.2}"
    placemarks = [pm for pm in kml.iter(f"{ns}Placemark") if pm.find(f"{ns}styleUrl") is not None]
    assert len(placemarks) == len(legs)
    for k, pm in enumerate(placemarks):
        parts = [
            [[float(v) for v in c.split(",")] for c in ls.find(f"{ns}coordinates").text.split()]
            for ls in pm.iter(f"{ns}LineString")
        ]
        _check_leg_order(parts, wps[k], wps[k + 1], lengths[k])


def test_geojson_bbox_across_the_antimeridian_is_rfc7946(chukotka, minsk_plan) -> None:
    west, south, east, north = io.to_geojson(chukotka)["bbox"]
    assert west > east  # RFC 7946 sec. 5.2
    assert west == pytest.approx(MAGADAN[0], abs=1e-9)  # the westernmost point, Magadan
    assert east == pytest.approx(-175.0, abs=1e-9)  # the easternmost, in Chukotka
    doc = io.to_geojson(chukotka)
    for f in doc["features"]:
        for x, y in shapely.get_coordinates(shapely.geometry.shape(f["geometry"])):
            assert x >= west or x <= east
            assert south <= y <= north
    w2, _, e2, _ = io.to_geojson(minsk_plan)["bbox"]
    assert w2 < e2  # an ordinary plan keeps the ordinary box
    assert w2 == pytest.approx(28.0, abs=1e-9)
    assert e2 == pytest.approx(31.0, abs=1e-9)


def test_unwrapped_longitudes_are_normalised_by_every_reader(tmp_path) -> None:
    wrapped = [MAGADAN, (175.0, 64.7), (-178.5, 65.5), (-175.0, 66.5), MAGADAN]
    unwrapped = [MAGADAN, (175.0, 64.7), (181.5, 65.5), (185.0, 66.5), MAGADAN]
    ref = FlightPlan.from_waypoints(wrapped)
    assert np.array_equal(FlightPlan.from_waypoints(unwrapped).coords, ref.coords)
    (tmp_path / "u.csv").write_text(
        "lon,lat\n" + "".join(f"{x},{y}\n" for x, y in unwrapped), encoding="utf-8"
    )
    (tmp_path / "u.geojson").write_text(
        json.dumps({"type": "LineString", "coordinates": [list(p) for p in unwrapped]}),
        encoding="utf-8",
    )
    pts = "".join(f'<rtept lat="{y}" lon="{x}"/>' for x, y in unwrapped)
    (tmp_path / "u.gpx").write_text(
        f'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><rte>{pts}</rte></gpx>',
        encoding="utf-8",
    )
    for name in ("u.csv", "u.geojson", "u.gpx"):
        back = flightplan.read(tmp_path / name)
        assert np.array_equal(back.coords, ref.coords), name
        assert back.length_km == pytest.approx(_path_km(wrapped) * TURN, rel=1e-9)
        assert back.validate() == ref.validate() == []


def _meta_view(plan: FlightPlan) -> dict:
    m = io._plan_meta(plan)
    return {
        k: m[k]
        for k in (
            "name",
            "start",
            "end",
            "regime_year",
            "territory",
            "budget_km",
            "budget_source",
            "turn_margin",
            "preflight_h",
            "hypothetical",
            "designations",
            "aircraft",
            "stops",
            "names",
            "sensors_on",
            "transit",
            "calibration",
        )
    }


@pytest.mark.parametrize("fmt", ["geojson", "gpx", "csv"])
@pytest.mark.parametrize("which", ["minsk_plan", "chukotka"])
def test_round_trip_preserves_validation_and_metadata(fmt, which, request, tmp_path) -> None:
    plan = request.getfixturevalue(which)
    before = [(v.rule, v.amount) for v in plan.validate()]
    back = flightplan.read(io.write(plan, tmp_path / f"plan.{fmt}"))
    assert [(v.rule, v.amount) for v in back.validate()] == before
    assert _meta_view(back) == _meta_view(plan)
    assert np.array_equal(back.coords, plan.coords)
    assert back.notes == ()
    assert back.length_km == pytest.approx(_counted_km(plan), rel=1e-9)


def test_csv_without_its_metadata_block_warns_and_the_cli_can_supply_it(
    minsk_plan, tmp_path, caplog
) -> None:
    assert minsk_plan.validate() == []
    path = io.write_csv(minsk_plan, tmp_path / "m.csv")
    text = path.read_text(encoding="utf-8")
    assert "#,territory,BLR+RUS" in text
    assert '"[{""icao"": ""UMMS""' in text  # the designation travels with the file
    bare = tmp_path / "bare.csv"
    bare.write_text(
        "".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith("#")),
        encoding="utf-8",
    )
    with caplog.at_level("WARNING", logger="openskies.io"):
        plan = flightplan.read(bare)
    assert any("no openskies metadata block" in r.getMessage() for r in caplog.records)
    assert any("no openskies metadata block" in n for n in plan.notes)
    assert "start_osa" in {v.rule for v in plan.validate()}  # Minsk is no OSA by default
    r = runner.invoke(app, ["validate", str(bare)])
    assert r.exit_code == 1
    assert "no openskies metadata block" in _text(r)
    r = runner.invoke(app, ["validate", str(bare), "--designate", "UMMS=4321"])
    assert r.exit_code == 0, r.output
    # pandas reads the table with comment="#"; a spreadsheet's TRUE is read as true
    df = pd.read_csv(path, comment="#")
    assert np.allclose(df[["lon", "lat"]].to_numpy(), minsk_plan.coords, rtol=0, atol=1e-12)
    path.write_text(text.replace("#,hypothetical,true", "#,hypothetical,TRUE"), encoding="utf-8")
    assert flightplan.read(path).validate() == []
    path.write_text(text.replace("#,turn_margin,0.02", "#,turn_margin,two"), encoding="utf-8")
    with pytest.raises(ValidationError, match="turn_margin"):
        flightplan.read(path)


# =========================================================================== item 13


@pytest.mark.slow
def test_no_legal_path_to_the_end_airfield_is_said_plainly() -> None:
    sites = data.sites("BLR")
    with pytest.raises(InfeasibleError) as err:
        routing.plan_route(None, sites, start="UUMB", end="UIUU")
    msg = str(err.value)
    assert "inf" not in msg
    assert "no legal path from Kubinka (UUMB) to Ulan-Ude (UIUU)" in msg
    with pytest.raises(InfeasibleError) as err:
        routing.plan_route(None, sites.head(2), start="UUMB", end="UUYW", budget_km=1000.0)
    msg = str(err.value)
    assert "inf" not in msg
    assert "the budget cannot reach the end airfield" in msg
    km = float(msg.split("is ")[1].split(" km")[0].replace(",", ""))
    assert km >= _gl_km(KUB, (63.9931, 67.4886)) - 0.5  # no shorter than the geodesic


@pytest.mark.slow
def test_plan_cli_end_without_a_legal_path_exits_2_without_inf(tmp_path) -> None:
    cfg = tmp_path / "p.yaml"
    cfg.write_text("plan:\n  start: UUMB\n  end: UIUU\n", encoding="utf-8")
    out = tmp_path / "out"
    r = runner.invoke(app, ["plan", str(cfg), "-o", str(out)])
    assert r.exit_code == 2, r.output
    text = _text(r)
    assert "no legal path from Kubinka (UUMB) to Ulan-Ude (UIUU)" in text
    assert "inf km" not in text
    assert not out.exists()


def test_fixture_data_is_what_the_tests_assume() -> None:
    """treaty-facts.md section 1: Kubinka 5,500 km (practice), Magadan 6,500 km (1992)."""
    reg = data.regime()
    assert reg.airfield("UUMB").max_flight_distance_km == 5500.0
    assert reg.airfield("UHMM").max_flight_distance_km == 6500.0
    assert (reg.airfield("UHMM").lon, reg.airfield("UHMM").lat) == MAGADAN
    assert not reg.airfield("UMMS").is_osa
