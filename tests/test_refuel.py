"""Refuelling stops (openskies.refuel): cases with known answers, checked with GeographicLib."""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from openskies import data, flightplan, io, refuel
from openskies._errors import ValidationError
from openskies.aircraft import Aircraft
from openskies.flightplan import FlightPlan, Stop

GL = Geodesic.WGS84
KUB = (36.650002, 55.611695)  # Kubinka (UUMB), OSA of the Belarus-Russia group
TURN = 1.02  # treaty.yaml max_flight_distance.turn_margin


def _gl_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic km by GeographicLib (Karney), independent of pyproj."""
    return GL.Inverse(a[1], a[0], b[1], b[0])["s12"] / 1000.0


def _direct(a: tuple[float, float], azimuth: float, km: float) -> tuple[float, float]:
    r = GL.Direct(a[1], a[0], azimuth, km * 1000.0)
    return (r["lon2"], r["lat2"])


def _azimuth(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GL.Inverse(a[1], a[0], b[1], b[0])["azi1"]


def _jet(usable_km: float, *, ground_h: float = 2.0, cruise: float = 500.0) -> Aircraft:
    """An aircraft whose usable range is ``usable_km`` exactly (no reserve)."""
    return Aircraft(
        "test jet",
        cruise_speed_kmh=cruise,
        range_km=usable_km,
        min_altitude_m=300.0,
        max_altitude_m=10_000.0,
        reserve_fraction=0.0,
        reserve_min=0.0,
        ground_time_per_stop_h=ground_h,
    )


def _with_refuel(*airfields: tuple[str, tuple[float, float]]):
    reg = data.regime()
    for code, (lon, lat) in airfields:
        reg = reg.designate(
            code,
            party="RUS",
            roles=("REFUEL",),
            max_flight_distance_km=None,
            lon=lon,
            lat=lat,
            name=f"test airfield {code}",
        )
    return reg


# An out-and-back line from Kubinka, 1,500 km to the north-east and back (inside Russia,
# legal: tests below check it), with a refuelling airfield 100 km from its far end.
FAR = _direct(KUB, 60.0, 1500.0)
NEAR_FAR = _direct(FAR, 150.0, 100.0)


def _line(reg, ac, *, budget_km=None, sensors_on=None) -> FlightPlan:
    return FlightPlan.from_waypoints(
        [KUB, FAR, KUB],
        start="UUMB",
        end="UUMB",
        regime=reg,
        aircraft=ac,
        budget_km=budget_km,
        sensors_on=sensors_on,
        name="out and back",
    )


@pytest.fixture(scope="module")
def one_return() -> refuel.Refuelling:
    reg = _with_refuel(("ZZRF", NEAR_FAR))
    plan = _line(reg, _jet(2000.0))
    assert plan.validate() == []  # the line itself is legal
    return refuel.plan_refuelling(plan)


# --------------------------------------------------------------------------- known answers


def test_one_stop_goes_to_the_airfield_with_the_geodesic_detour(one_return) -> None:
    r = one_return
    assert r.feasible, r.reason
    assert [s.airfield for s in r.stops] == ["ZZRF"]
    s = r.stops[0]
    # every leg has sensors on (kept): the stop is a return from the far end, 2 d(FAR, Q)
    assert s.kind == "return"
    assert (s.leaves_from, s.rejoins_at) == (1, 1)
    d = _gl_km(FAR, NEAR_FAR)
    assert d == pytest.approx(100.0, abs=1e-9)
    assert r.added_km == pytest.approx(2.0 * d, abs=1e-6)
    assert s.detour_km == pytest.approx(2.0 * d, abs=1e-6)
    plan = r.plan
    assert plan.geodesic_length_km == pytest.approx(3000.0 + 2.0 * d, abs=1e-6)
    # the stop is declared at the airfield waypoint, with the aircraft's ground time
    assert plan.stops == (Stop(s.waypoint, "refuel", 2.0),)
    assert plan.waypoints[s.waypoint].name == "ZZRF"
    assert (plan.waypoints[s.waypoint].lon, plan.waypoints[s.waypoint].lat) == NEAR_FAR
    # stretches: take-off to the stop, the stop to landing
    assert r.fuel.stretches_km == pytest.approx((1500.0 + d, d + 1500.0), abs=1e-6)
    assert r.fuel.mission_h == pytest.approx(24.0 + (3000.0 + 2.0 * d) / 500.0 + 2.0, abs=1e-9)
    assert r.ground_time_h == 2.0
    # the detour counts against the maximum flight distance (treaty.yaml default)
    assert r.counted_km == pytest.approx((3000.0 + 2.0 * d) * TURN, abs=1e-6)
    assert plan.length_km == pytest.approx(r.counted_km, abs=1e-9)
    # detour legs have their sensors off; the declared legs are flown as they were
    assert plan.sensors_on == (True, False, False, True)
    assert {"ZZRF", "UUMB"} <= set(r.candidates)


def test_refuelled_plan_is_legal_and_images_the_same_legs(one_return) -> None:
    assert one_return.violations == ()
    assert one_return.plan.validate() == []
    on = [i for i, v in enumerate(one_return.plan.sensors_on) if v]
    legs = one_return.plan.legs
    assert list(legs.loc[on, "length_km"]) == pytest.approx(
        list(_line(one_return.plan.regime, one_return.plan.aircraft).leg_lengths_km), abs=1e-9
    )


def test_a_via_detour_adds_exactly_the_triangle_excess() -> None:
    # refuelling airfield 50 km off the outbound line, 1,000 km out; legs may be replaced
    on_line = _direct(KUB, 60.0, 1000.0)
    q = _direct(on_line, _azimuth(on_line, FAR) - 90.0, 50.0)
    reg = _with_refuel(("ZZVI", q))
    plan = _line(reg, _jet(2100.0))
    r = refuel.plan_refuelling(plan, keep_legs="none")
    assert r.feasible, r.reason
    (s,) = r.stops
    assert (s.airfield, s.kind) == ("ZZVI", "via")
    # out and back along one geodesic: leg 0 and its mirror, leg 1, add the same
    assert (s.leaves_from, s.rejoins_at) in ((0, 1), (1, 2))
    excess = _gl_km(KUB, q) + _gl_km(q, FAR) - _gl_km(KUB, FAR)
    assert 0.0 < excess < 10.0
    assert r.added_km == pytest.approx(excess, abs=1e-6)
    assert r.plan.geodesic_length_km == pytest.approx(3000.0 + excess, abs=1e-6)
    assert max(r.fuel.stretches_km) <= 2100.0
    assert r.plan.validate() == []
    # with the legs kept, the airfield is reached by a return from the far end, which runs
    # within 1 km of the route for some km: a third and fourth pass (rule 6), so the
    # placement is excluded after validation and nothing else is within range
    kept = refuel.plan_refuelling(plan)
    assert not kept.feasible
    assert kept.rounds == 2
    assert kept.excluded == ("return to ZZVI from waypoint 1 (self_intersection)",)
    assert "usable range" in kept.reason


def test_two_stops_when_the_line_is_more_than_twice_the_range() -> None:
    far = _direct(KUB, 60.0, 2500.0)  # 5,000 km out and back, 2,000 km usable range
    on_line = _direct(KUB, 60.0, 1800.0)
    q = _direct(on_line, _azimuth(on_line, far) + 90.0, 20.0)
    reg = _with_refuel(("ZZQ1", q))
    plan = FlightPlan.from_waypoints(
        [KUB, far, KUB], start="UUMB", end="UUMB", regime=reg, aircraft=_jet(2000.0)
    )
    r = refuel.plan_refuelling(plan, keep_legs="none")
    assert r.feasible, r.reason
    assert [(s.airfield, s.kind) for s in r.stops] == [("ZZQ1", "via"), ("ZZQ1", "via")]
    excess = _gl_km(KUB, q) + _gl_km(q, far) - _gl_km(KUB, far)
    assert r.added_km == pytest.approx(2.0 * excess, abs=1e-6)
    assert len(r.fuel.stretches_km) == 3
    assert r.fuel.stretches_km == pytest.approx(
        (_gl_km(KUB, q), 2.0 * _gl_km(q, far), _gl_km(q, KUB)), abs=1e-6
    )
    assert max(r.fuel.stretches_km) <= 2000.0
    assert r.fuel.mission_h == pytest.approx(24.0 + (5000.0 + 2 * excess) / 500.0 + 4.0)
    assert r.plan.validate() == []
    assert r.counted_km <= 5500.0


def test_no_stop_when_the_flight_is_within_range() -> None:
    plan = _line(data.regime(), _jet(3100.0))
    r = refuel.plan_refuelling(plan)
    assert r.feasible
    assert r.stops == ()
    assert r.plan.waypoints == plan.waypoints
    assert "no stop needed" in r.reason


# --------------------------------------------------------------------------- not feasible


def test_no_airfield_within_range_is_not_feasible() -> None:
    plan = _line(data.regime(), _jet(1400.0))  # only the group's OSAs: all too far
    r = refuel.plan_refuelling(plan)
    assert not r.feasible
    assert "usable range of 1,400.0 km" in r.reason
    assert "no placement gets farther than" in r.reason
    assert r.stops == ()
    assert r.plan.stops == ()
    assert not refuel.check(r.plan).feasible
    assert set(r.candidates) == {"UUMB", "UIUU", "UHMM", "UUYW"}


def test_the_96_hour_window_can_make_the_only_stop_impossible() -> None:
    reg = _with_refuel(("ZZRF", NEAR_FAR))
    # 3,000 km at 100 km/h = 30 h, + 24 h before: 42 h spare; a 41 h stop fits alone but
    # its 200 km detour (2 h) brings the mission to 97 h
    r = refuel.plan_refuelling(_line(reg, _jet(2000.0, ground_h=41.0, cruise=100.0)))
    assert not r.feasible
    assert "96-hour period" in r.reason
    assert "1 stop(s)" in r.reason
    assert "97.0 h" in r.reason
    assert r.stops == ()
    # a ground time longer than the spare time: no stop fits at all
    r = refuel.plan_refuelling(_line(reg, _jet(2000.0, ground_h=43.0, cruise=100.0)))
    assert not r.feasible
    assert "no stop fits" in r.reason


def test_detours_count_against_the_maximum_flight_distance() -> None:
    reg = _with_refuel(("ZZRF", NEAR_FAR))
    # a 3,100 km planning budget: 3,000 km x 1.02 fits, with the 200 km detour it does not
    plan = _line(reg, _jet(2000.0), budget_km=3100.0)
    assert plan.validate() == []
    r = refuel.plan_refuelling(plan)
    assert not r.feasible
    assert "maximum flight distance 3,100.0 km" in r.reason
    assert "counted 3,264.0 km > 3,100.0 km" in r.reason
    # read as not counting (a parameter): the detour legs are transit and the plan fits
    r = refuel.plan_refuelling(plan, detours_count=False)
    assert r.feasible, r.reason
    assert r.plan.transit == (False, True, True, False)
    assert r.counted_km == pytest.approx(3000.0 * TURN, abs=1e-6)
    assert r.plan.validate() == []


def test_treaty_yaml_documents_the_detour_reading() -> None:
    reg = data.regime()
    assert reg.parameter("max_flight_distance", "refuel_detours_count") is True
    node = reg.parameters["max_flight_distance"]["refuel_detours_count"]
    assert node["assumption"] is True
    assert "Art. VIII Sec. II para 7" in node["source"]
    assert reg.parameter("timing", "observation_window") == 96


# --------------------------------------------------------------------------- airfields


def test_refuel_airfields_are_the_observed_partys_and_designated_ones() -> None:
    reg = data.regime()
    codes = {a.icao for a in refuel.refuel_airfields(reg, "BLR+RUS")}
    assert codes == {"UUMB", "UIUU", "UHMM", "UUYW"}
    assert {a.icao for a in refuel.refuel_airfields(reg, "BLR")} == codes
    # no Belarusian site unless the scenario designates it
    assert all(reg.airfield(c).party == "RUS" for c in codes)
    grodno = reg.designate("UMMG", party="BLR", roles=("REFUEL",), max_flight_distance_km=None)
    assert "UMMG" in {a.icao for a in refuel.refuel_airfields(grodno, "BLR+RUS")}
    assert grodno.airfield("UMMG").max_flight_distance_km is None
    assert not grodno.airfield("UMMG").is_osa
    # Ukraine's 1992 refuelling airfields (Lviv, Odesa) serve flights over Ukraine only
    assert {a.icao for a in refuel.refuel_airfields(reg, "UKR")} == {"UKBB", "UKLL", "UKOO"}
    assert {a.icao for a in refuel.refuel_airfields(reg, "POL")} == {"EPWA"}


def test_an_osa_designation_still_needs_a_maximum_flight_distance() -> None:
    with pytest.raises(ValidationError, match="an Open Skies airfield needs one"):
        data.regime().designate("UMMG", party="BLR", max_flight_distance_km=None)


def test_airfields_option_must_name_allowed_airfields() -> None:
    plan = _line(data.regime(), _jet(2000.0))
    with pytest.raises(ValidationError, match="UMMS"):
        refuel.plan_refuelling(plan, airfields=["UMMS"])
    with pytest.raises(ValidationError, match="keep_legs"):
        refuel.plan_refuelling(plan, keep_legs="some")
    with pytest.raises(ValidationError, match=r"leg indices 0\.\.1"):
        refuel.plan_refuelling(plan, keep_legs=[5])


# --------------------------------------------------------------------------- exactness


def test_programme_equals_brute_force_over_every_placement() -> None:
    """The dynamic programme's least added km, per number of stops, against enumeration."""
    rng = np.random.default_rng(7)
    route = (
        [KUB]
        + [
            _direct(KUB, float(az), float(km))
            for az, km in zip(rng.uniform(40, 90, 5), rng.uniform(400, 1500, 5), strict=True)
        ]
        + [KUB]
    )
    fields = [("ZZA1", _direct(KUB, 55.0, 700.0)), ("ZZA2", _direct(KUB, 75.0, 1100.0))]
    reg = _with_refuel(*fields)
    usable = 1900.0
    plan = FlightPlan.from_waypoints(
        route,
        start="UUMB",
        end="UUMB",
        regime=reg,
        aircraft=_jet(usable),
        sensors_on=[True, False, True, False, False, True],
    )
    allowed = refuel.refuel_airfields(reg, plan.territory)
    replaceable = refuel._replaceable(plan, "sensors_on")
    opt = refuel._options(plan, allowed, replaceable, usable)
    cum = np.concatenate([[0.0], np.cumsum(plan.leg_lengths_km)])
    least, _ = refuel._solve(opt, cum, usable, 4, track=True)
    # enumeration, with GeographicLib distances: a stop per slot at most
    pts = [(w.lon, w.lat) for w in plan.waypoints]
    legs = [_gl_km(a, b) for a, b in itertools.pairwise(pts)]
    afs = [(a.lon, a.lat) for a in allowed]
    choices = []  # (slot, w_in, w_out, d_in, d_out, cost)
    for j in range(1, len(pts) - 1):
        for a in afs:
            d = _gl_km(pts[j], a)
            choices.append((2 * j, j, j, d, d, 2 * d))
    for k in range(len(legs)):
        if replaceable[k]:
            for a in afs:
                d0, d1 = _gl_km(pts[k], a), _gl_km(a, pts[k + 1])
                choices.append((2 * k + 1, k, k + 1, d0, d1, d0 + d1 - legs[k]))
    gl_cum = np.concatenate([[0.0], np.cumsum(legs)])
    best = [math.inf] * 5
    for s in range(5):
        for combo in itertools.combinations(choices, s):
            if len({c[0] for c in combo}) < s:
                continue
            combo = sorted(combo)
            out, d_out, ok = 0, 0.0, True
            for c in [*combo, (None, len(pts) - 1, None, 0.0, None, None)]:
                if d_out + gl_cum[c[1]] - gl_cum[out] + c[3] > usable:
                    ok = False
                    break
                out, d_out = c[2], c[4]
            if ok:
                best[s] = min(best[s], sum(c[5] for c in combo))
    assert [math.isfinite(b) for b in best] == [False, False, True, True, True]
    for s in range(5):
        if math.isinf(best[s]):
            assert math.isinf(least[-1, s]), s
        else:
            assert least[-1, s] == pytest.approx(best[s], abs=1e-6), s


def test_a_return_that_would_cross_the_route_is_never_a_candidate() -> None:
    # K -> W1 -> W2 -> W3 -> K; a return from W1 to Q (south) crosses the leg W2 -> W3
    w1, w2, w3, q = (50.0, 58.0), (46.0, 56.0), (54.0, 56.0), (50.0, 54.0)
    reg = _with_refuel(("ZZX1", q))
    plan = FlightPlan.from_waypoints(
        [KUB, w1, w2, w3, KUB], start="UUMB", end="UUMB", regime=reg, aircraft=_jet(5000.0)
    )
    assert plan.validate() == []
    a = reg.airfield("ZZX1")
    xy = np.array([[KUB[0], KUB[1]], [KUB[0], KUB[1]]])
    tree = __import__("shapely").STRtree(plan._leg_lines)
    assert refuel._crosses_route(plan, 1, a, xy, tree)
    assert not refuel._crosses_route(plan, 3, a, xy, tree)
    # the excluded return is indeed illegal: three passes where it crosses W2 -> W3
    bad = FlightPlan.from_waypoints(
        [KUB, w1, q, w1, w2, w3, KUB],
        start="UUMB",
        end="UUMB",
        regime=reg,
        aircraft=_jet(5000.0),
        names=["UUMB", "", "ZZX1", "", "", "", "UUMB"],
        stops=[Stop(2, "refuel", 2.0)],
    )
    rules = {v.rule for v in bad.validate()}
    assert "self_intersection" in rules


def test_declared_refuelling_stops_cut_the_stretches_and_rest_stops_do_not() -> None:
    reg = _with_refuel(("ZZRF", NEAR_FAR))
    plan = FlightPlan.from_waypoints(
        [KUB, FAR, NEAR_FAR, FAR, KUB],
        start="UUMB",
        end="UUMB",
        regime=reg,
        aircraft=_jet(2000.0),
        names=["UUMB", "", "ZZRF", "", "UUMB"],
        stops=[Stop(2, "refuel", 2.0), Stop(1, "rest", 8.0)],
    )
    d = _gl_km(FAR, NEAR_FAR)
    assert refuel.stretches_km(plan) == pytest.approx((1500.0 + d, d + 1500.0), abs=1e-6)
    fuel = refuel.check(plan)
    assert fuel.feasible, fuel.reason
    assert fuel.mission_h == pytest.approx(24.0 + plan.geodesic_length_km / 500.0 + 10.0)
    r = refuel.plan_refuelling(plan)
    assert r.stops == ()
    assert r.feasible
    # landing and taking off at the stop are exempt from rule 6 (out and back to it)
    assert plan.validate() == []


def test_landing_and_taking_off_at_a_stop_are_exempt_from_rule_6() -> None:
    # out to Q and back, and a later leg crossing that line 12 km from Q: three passes,
    # within the approach and departure of the refuelling stop (Art. VI Sec. II para 4(G))
    q, x, z1, z2, w = (50.0, 54.0), (50.0, 58.0), (48.0, 54.09), (52.0, 54.09), (52.0, 53.0)
    reg = _with_refuel(("ZZX2", q))
    pts = [KUB, x, q, x, z1, z2, w, KUB]
    names = ["UUMB", "", "ZZX2", "", "", "", "", "UUMB"]

    def plan(stops):
        return FlightPlan.from_waypoints(
            pts,
            start="UUMB",
            end="UUMB",
            regime=reg,
            aircraft=_jet(9000.0),
            names=names,
            stops=stops,
        )

    assert plan([Stop(2, "refuel", 2.0)]).validate() == []
    (v,) = plan([]).validate()  # without the stop the same path passes one point 3 times
    assert v.rule == "self_intersection"
    assert _gl_km(v.location, q) == pytest.approx(12.0, abs=1.0)


# --------------------------------------------------------------------------- exports


def test_geojson_has_refuel_points_and_the_feasible_flag(one_return, tmp_path) -> None:
    plan = one_return.plan
    (s,) = one_return.stops
    doc = io.to_geojson(plan)
    points = [f for f in doc["features"] if f["properties"]["kind"] == "refuel"]
    assert len(points) == 1
    p = points[0]
    assert p["geometry"] == {"type": "Point", "coordinates": list(NEAR_FAR)}
    assert p["properties"]["airfield"] == "ZZRF"
    assert p["properties"]["waypoint"] == s.waypoint
    assert p["properties"]["ground_time_h"] == 2.0
    assert doc["openskies"]["feasible"] is True
    assert doc["openskies"]["fuel"]["stretches_km"] == pytest.approx(one_return.fuel.stretches_km)
    # written and read back: the same stops, aircraft (with its reserve) and designation
    back = flightplan.read(io.write_geojson(plan, tmp_path / "p.geojson"))
    assert back.stops == plan.stops
    assert len(back.waypoints) == len(plan.waypoints)  # the refuel Point is no waypoint
    assert back.aircraft.usable_range_km == 2000.0
    assert back.regime.airfield("ZZRF").roles == ("REFUEL",)
    assert refuel.check(back).feasible
    assert back.validate() == []


def test_routes_layer_has_a_flight_and_its_stops(one_return, tmp_path) -> None:
    infeasible = _line(data.regime(), _jet(1400.0))
    doc = io.routes_layer([one_return.plan, infeasible])
    out = io.write_feature_collection(doc, tmp_path / "routes.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    flights = [f for f in doc["features"] if f["properties"]["kind"] == "flight"]
    assert [f["properties"]["feasible"] for f in flights] == [True, False]
    assert [f["properties"]["stops"] for f in flights] == [1, 0]
    assert "usable range" in flights[1]["properties"]["reason"]
    assert flights[0]["geometry"]["type"] == "LineString"
    stops = [f for f in doc["features"] if f["properties"]["kind"] == "refuel"]
    assert [(f["properties"]["flight"], f["properties"]["airfield"]) for f in stops] == [
        (1, "ZZRF")
    ]
    assert stops[0]["properties"]["ground_time_h"] == 2.0
    assert stops[0]["properties"]["feasible"] is True


def test_gpx_kml_csv_and_text_show_the_stop(one_return, tmp_path) -> None:
    plan = one_return.plan
    (s,) = one_return.stops
    ns = {"g": "http://www.topografix.com/GPX/1/1", "k": "http://www.opengis.net/kml/2.2"}
    gpx = ET.parse(io.write_gpx(plan, tmp_path / "p.gpx")).getroot()
    wpts = gpx.findall("g:wpt", ns)
    assert wpts[s.waypoint].findtext("g:type", namespaces=ns) == "refuel"
    assert "refuelling stop, 2 h" in wpts[s.waypoint].findtext("g:desc", namespaces=ns)
    assert flightplan.read(tmp_path / "p.gpx").stops == plan.stops
    kml = ET.parse(io.write_kml(plan, tmp_path / "p.kml")).getroot()
    marks = kml.findall(".//k:Folder", ns)[0].findall("k:Placemark", ns)
    assert "refuelling stop, 2 h" in marks[s.waypoint].findtext("k:description", namespaces=ns)
    text = io.write_csv(plan, tmp_path / "p.csv").read_text(encoding="utf-8")
    row = next(r for r in text.splitlines() if r.startswith(f"{s.waypoint},ZZRF,"))
    assert row.endswith(",refuel,2.0")
    assert flightplan.read(tmp_path / "p.csv").stops == plan.stops
    txt = io.mission_summary(plan)
    assert f"Stop: refuel at waypoint {s.waypoint} (ZZRF), 2 h" in txt
    assert "Feasible: yes" in txt
