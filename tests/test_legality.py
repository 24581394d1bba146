"""The treaty legality rules (openskies.legality): the rules table and each rule's check.

Independent references: GeographicLib (Karney) for geodesic distances and lengths inside
regions (tests/_plan_reference.py), a brute-force distance to a densified border, and
hand-built geometry (lines through one point, circles, a lemniscate). ``RULES`` and
``Violation`` are imported through the re-export of ``openskies.flightplan``, as before they
moved to ``openskies.legality``, so that import path stays exercised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from _plan_reference import BELARUS_LOOP, KUB, WGS84
from _plan_reference import fwd as _fwd
from _plan_reference import geo_km as _geo_km
from _plan_reference import path_km as _path_km
from _plan_reference import sampled_km_inside as _sampled_km_inside
from shapely.geometry import box
from shapely.ops import nearest_points

from openskies import _geodata, data, geodesy, legality
from openskies._errors import ValidationError
from openskies.flightplan import (
    CIRCLING_RADIUS_KM,
    RULES,
    FlightPlan,
    Stop,
    Violation,
)

EPWA = (20.9671, 52.1657)
UMMS = (28.0307, 53.8825)


def _rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def _min_km_to_boundary(point, geometry, window_deg=2.0) -> float:
    """Brute force: GeographicLib distance from point to the densified boundary nearby."""
    x, y = point
    local = shapely.clip_by_rect(
        geometry.boundary, x - window_deg, y - window_deg, x + window_deg, y + window_deg
    )
    xy = shapely.get_coordinates(shapely.segmentize(local, 0.002))
    return min(WGS84.Inverse(y, x, b, a)["s12"] for a, b in xy) / 1000.0


def test_rules_table_cites_an_article_for_each_rule() -> None:
    assert set(RULES) == {
        "start_osa",
        "end_osa",
        "max_distance",
        "sub_limit",
        "standoff",
        "outside_territory",
        "self_intersection",
        "circling",
        "time_window",
        "avoid_zone",
    }
    for rule, text in RULES.items():
        assert "rule" in text, rule
        assert "Art." in text or "MFA" in text, rule


@pytest.mark.parametrize(
    "coords",
    [
        BELARUS_LOOP,
        [EPWA, (19.0, 53.5), (22.5, 50.5), EPWA],
    ],
    ids=["kubinka-belarus", "warsaw-poland"],
)
def test_legal_plans_have_no_violation(coords) -> None:
    assert FlightPlan.from_waypoints(coords).validate() == []


def test_rule1_start_not_an_osa() -> None:
    plan = FlightPlan.from_waypoints([UMMS, (28.0, 52.5), (31.0, 52.5), KUB])
    v = plan.validate()
    assert _rules(v) == {"start_osa"}
    assert "not an Open Skies airfield" in v[0].message
    assert "Art. VI Sec. II para 1" in v[0].message
    assert v[0].waypoint == 0
    assert "not an OSA" in plan.budget_source


def test_rule1_start_osa_of_another_party() -> None:
    plan = FlightPlan.from_waypoints(
        [EPWA, (24.0, 52.7), (28.0, 52.5), (31.0, 52.5), KUB],
        territory="BLR+RUS",
        transit=[True, False, False, False],
    )
    v = plan.validate()
    assert _rules(v) == {"start_osa"}
    assert "of POL, not of the observed territory BLR+RUS" in v[0].message


def test_rule1_end_not_an_osa_and_designation_fixes_it() -> None:
    coords = [KUB, (31.0, 52.5), (28.0, 52.5), UMMS]
    v = FlightPlan.from_waypoints(coords).validate()
    assert _rules(v) == {"end_osa"}
    assert v[0].waypoint == 3
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500.0)
    assert FlightPlan.from_waypoints(coords, regime=reg).validate() == []


# Kubinka -> zigzag over Belarus; the last turn point is placed by GeographicLib so that the
# counted distance (geodesic x 1.02) is a chosen fraction of Kubinka's 5,500 km.
LAWNMOWER = [
    (30.567, 55.55),
    (26.925, 55.4),
    (27.015, 55.22),
    (30.53, 55.07),
    (30.477, 54.89),
    (26.171, 54.74),
    (26.083, 54.56),
    (30.765, 54.41),
    (30.974, 54.23),
    (26.135, 54.08),
    (24.768, 53.9),
    (31.465, 53.75),
    (32.072, 53.57),
    (23.963, 53.42),
    (24.154, 53.24),
    (32.108, 53.09),
    (31.015, 52.91),
    (24.253, 52.76),
    (23.902, 52.58),
    (31.227, 52.43),
    (31.348, 52.25),
    (23.544, 52.1),
]


def _lawnmower(fraction_of_budget: float) -> list[tuple[float, float]]:
    target = 5500.0 * fraction_of_budget / 1.02
    head = [KUB, *LAWNMOWER[:21]]
    a, b = LAWNMOWER[20], LAWNMOWER[21]
    inv = WGS84.Inverse(a[1], a[0], b[1], b[0])
    lo, hi = 0.0, inv["s12"]
    for _ in range(80):
        mid = (lo + hi) / 2
        d = WGS84.Direct(a[1], a[0], inv["azi1"], mid)
        q = (d["lon2"], d["lat2"])
        lo, hi = (mid, hi) if _path_km([*head, q, KUB]) < target else (lo, mid)
    return [*head, q, KUB]


def test_rule2_kubinka_over_belarus_exceeds_budget_by_half_a_percent() -> None:
    coords = _lawnmower(1.005)
    plan = FlightPlan.from_waypoints(coords)
    v = plan.validate()
    assert _rules(v) == {"max_distance"}
    expected_over = _path_km(coords) * 1.02 - 5500.0
    assert v[0].amount == pytest.approx(expected_over, abs=1e-6)
    assert 0.0 < v[0].amount / 5500.0 < 0.01
    assert v[0].amount == pytest.approx(27.5, abs=1e-3)
    assert "Art. II para 11" in v[0].message
    assert plan.length_by_region_km["BLR"] > 4000.0
    # the same route 0.5 % under the budget is legal
    assert FlightPlan.from_waypoints(_lawnmower(0.995)).validate() == []


def test_rule2_transit_legs_are_not_counted() -> None:
    coords = _lawnmower(1.005)
    transit = [False] * (len(coords) - 1)
    transit[0] = True  # Kubinka -> Belarus as a transit leg
    plan = FlightPlan.from_waypoints(coords, transit=transit)
    first = _geo_km(coords[0], coords[1])
    assert plan.length_by_region_km["transit"] == pytest.approx(first, abs=1e-6)
    assert plan.length_km == pytest.approx((_path_km(coords) - first) * 1.02, abs=1e-6)
    assert plan.validate() == []


KGD_ROUTE = [
    KUB,
    (24.2, 53.8),  # over Russia and Belarus to near Grodno
    (22.6, 54.45),
    (20.1, 54.6),
    (21.2, 54.95),
    (22.6, 54.9),
    (20.6, 54.8),
    (22.3, 54.65),
    (25.2, 54.0),
    KUB,
]
KGD_TRANSIT = [False, True, False, False, False, False, False, True, False]


def test_rule3_kaliningrad_sub_limit_with_transit_across_lithuania() -> None:
    plan = FlightPlan.from_waypoints(KGD_ROUTE, transit=KGD_TRANSIT)
    v = plan.validate()
    assert _rules(v) == {"sub_limit"}
    kgd = data.territory("RUS-KGD").treaty_geometry
    inside = _sampled_km_inside(KGD_ROUTE, kgd, legs={2, 3, 4, 5, 6})
    assert plan.length_by_region_km["RUS-KGD"] == pytest.approx(inside, abs=1.0)
    assert v[0].amount == pytest.approx(inside * 1.02 - 500.0, abs=1.5)
    assert "Kaliningrad" in v[0].message
    # without the transit declaration the legs over Lithuania/Poland are outside the territory
    plain = FlightPlan.from_waypoints(KGD_ROUTE)
    assert _rules(plain.validate()) == {"sub_limit", "outside_territory"}


def _toward_interior(target: tuple[float, float], km: float) -> tuple[float, float]:
    kaz = _geodata.countries("land").loc["KAZ"].geometry
    b = nearest_points(kaz.boundary, shapely.Point(target))[0]
    inv = WGS84.Inverse(b.y, b.x, target[1], target[0])
    return _fwd((b.x, b.y), inv["azi1"], km)


def test_rule4_standoff_breach_on_russia_kazakhstan_border() -> None:
    p = _toward_interior((50.0, 51.5), 8.0)
    plan = FlightPlan.from_waypoints([KUB, p, (45.0, 53.5), KUB])
    v = plan.validate()
    assert _rules(v) == {"standoff"}
    assert {x.leg for x in v} == {0, 1}
    kaz = _geodata.countries("land").loc["KAZ"].geometry
    ref = _min_km_to_boundary(p, kaz)
    closest = 13.0 - v[0].amount  # 10 km + 3 km border-data tolerance
    assert closest == pytest.approx(ref, abs=0.2)
    assert "Kazakhstan" in v[0].message
    assert "border-data tolerance" in v[0].message
    assert _geo_km(v[0].location, p) < 1.0


def test_rule4_tolerance_is_added_to_the_10_km() -> None:
    p = _toward_interior((50.0, 51.5), 11.5)
    plan = FlightPlan.from_waypoints([KUB, p, (45.0, 53.5), KUB])
    assert _rules(plan.validate()) == {"standoff"}
    assert plan.validate(standoff_tolerance_km=0.0) == []
    far = _toward_interior((50.0, 51.5), 25.0)
    assert FlightPlan.from_waypoints([KUB, far, (45.0, 53.5), KUB]).validate() == []


def test_rule5_outside_territory_reports_how_far() -> None:
    coords = [KUB, (30.0, 54.5), (31.0, 51.0), (28.0, 52.5), KUB]  # (31, 51) is in Ukraine
    v = FlightPlan.from_waypoints(coords).validate()
    assert _rules(v) == {"outside_territory"}
    assert {x.leg for x in v} == {1, 2}
    terr = data.territory("BLR+RUS").treaty_geometry
    ref = _min_km_to_boundary((31.0, 51.0), terr)
    for x in v:
        assert x.amount == pytest.approx(ref, abs=0.3)
        assert x.location == pytest.approx((31.0, 51.0), abs=1e-6)
        assert "not declared transit" in x.message
    transit = FlightPlan.from_waypoints(coords, transit=[False, True, True, False])
    assert transit.validate() == []


def test_rule5_sea_leg_outside_territorial_sea() -> None:
    # Magadan -> out over the Sea of Okhotsk (beyond 12 nm) -> back
    coords = [(150.72, 59.911), (148.0, 57.0), (150.72, 59.911)]
    v = FlightPlan.from_waypoints(coords).validate()
    assert _rules(v) == {"outside_territory"}


STAR_CENTRE = (27.5, 53.5)


def _star(azimuths=(90.0, 30.0, 150.0), km=60.0) -> list[tuple[float, float]]:
    out = [KUB]
    for az in azimuths:
        out += [_fwd(STAR_CENTRE, az, km), _fwd(STAR_CENTRE, az + 180.0, km)]
    return [*out, KUB]


def test_rule6_path_through_one_point_three_times() -> None:
    v = FlightPlan.from_waypoints(_star()).validate()
    assert _rules(v) == {"self_intersection"}
    assert len(v) == 1
    assert v[0].amount == 3.0
    assert _geo_km(v[0].location, STAR_CENTRE) < 1.0
    assert "4(G)" in v[0].message


def test_rule6_two_passes_are_allowed_and_calibration_is_exempt() -> None:
    assert FlightPlan.from_waypoints(_star((90.0, 30.0))).validate() == []
    coords = _star()
    calibration = [False] * (len(coords) - 1)
    calibration[5] = True  # the third line is a calibration-target overflight
    assert FlightPlan.from_waypoints(coords, calibration=calibration).validate() == []


def test_rule6_circle_is_circling() -> None:
    centre = (28.5, 53.9)
    circle = [_fwd(centre, 360.0 * k / 16, 5.0) for k in range(21)]  # 1.25 turns, r = 5 km
    v = FlightPlan.from_waypoints([KUB, *circle, KUB]).validate()
    assert _rules(v) == {"circling"}
    assert v[0].amount >= 360.0
    assert _geo_km(v[0].location, centre) < 1.0
    # a wider circle (r = 15 km) is a loop, not circling around a point
    wide = [_fwd(centre, 360.0 * k / 16, 15.0) for k in range(21)]
    assert CIRCLING_RADIUS_KM < 15.0
    assert FlightPlan.from_waypoints([KUB, *wide, KUB]).validate() == []


def test_rule6_figure_of_eight_is_legal() -> None:
    centre = (28.5, 53.2)
    eight = []
    for k in range(41):  # lemniscate of Bernoulli, half-width 8 km: one crossing
        t = 2 * math.pi * k / 40
        x = 8.0 * math.cos(t) / (1 + math.sin(t) ** 2)
        y = 8.0 * math.sin(t) * math.cos(t) / (1 + math.sin(t) ** 2)
        eight.append(_fwd(centre, math.degrees(math.atan2(x, y)), math.hypot(x, y)))
    assert FlightPlan.from_waypoints([KUB, *eight, KUB]).validate() == []


def test_terminal_radius_test_is_the_geodesic_one() -> None:
    """legality._within_km (chord prefilter) equals GeographicLib's distance <= radius."""
    rng = np.random.default_rng(5)
    for lon0, lat0 in [(36.65, 55.61), (179.99, 65.0), (-179.9, -70.0), (10.0, 89.9)]:
        az = rng.uniform(-180.0, 180.0, 400)
        # around the 20 km radius to 1 cm, and far (the chord prefilter's side)
        s_m = np.concatenate([20_000.0 + rng.choice([-0.01, 0.01], 300), rng.uniform(0, 9e5, 100)])
        pts = [WGS84.Direct(lat0, lon0, a, s) for a, s in zip(az, s_m, strict=True)]
        coords = np.array([(q["lon2"], q["lat2"]) for q in pts])
        coords[:, 0] = geodesy.normalize_lon(coords[:, 0])
        xyz = legality._ecef(coords[:, 0], coords[:, 1])
        got = legality._within_km(lon0, lat0, coords, xyz, 20.0)
        want = np.array([WGS84.Inverse(lat0, lon0, y, x)["s12"] <= 20_000.0 for x, y in coords])
        assert np.array_equal(got, want)
        assert 0 < got.sum() < len(got)


def test_rule7_time_window() -> None:
    plan = FlightPlan.from_waypoints(BELARUS_LOOP, stops=[Stop(3, "rest", 70.0)])
    v = plan.validate()
    assert _rules(v) == {"time_window"}
    flying = _path_km(BELARUS_LOOP) / 430.0  # An-30B default preset
    assert v[0].amount == pytest.approx(24.0 + flying + 70.0 - 96.0, abs=1e-6)
    ok = FlightPlan.from_waypoints(BELARUS_LOOP, stops=[Stop(3, "rest", 60.0)])
    assert ok.validate() == []


def test_rule8_avoid_zone() -> None:
    plan = FlightPlan.from_waypoints(BELARUS_LOOP)
    zone = box(28.5, 54.0, 29.0, 54.4)
    v = plan.validate(avoid=[zone])
    assert _rules(v) == {"avoid_zone"}
    assert v[0].leg == 1
    inside = _sampled_km_inside(BELARUS_LOOP, zone, legs={1})
    assert v[0].amount == pytest.approx(inside, abs=0.5)
    assert plan.validate(avoid=[box(20.0, 40.0, 21.0, 41.0)]) == []
    with pytest.raises(ValidationError, match="Polygon"):
        plan.validate(avoid=[shapely.Point(28.0, 54.0)])
