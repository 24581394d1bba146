"""The geospatial route planner: legality, the observation model, determinism, errors."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from openskies import coverage, data, geodesy, routing, sensors
from openskies._errors import InfeasibleError, UnknownCodeError, ValidationError
from openskies.flightplan import FlightPlan

ZAPAD = ("obuz", "domanov", "ruzhan", "brestsk")


@pytest.fixture(scope="module")
def minsk_regime():
    return data.regime().designate("UMMS", party="BLR", max_flight_distance_km=1500)


def _targets(points, values, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"T{i}" for i in range(len(points))], "value": values, **cols},
        geometry=[Point(p) for p in points],
        crs="EPSG:4326",
    )


def test_kubinka_plan_observes_the_zapad_grounds_and_validates() -> None:
    sites = data.sites("BLR")
    grounds = sites[
        (sites["kind"] == "training_ground")
        & sites["name"].str.lower().str.contains("|".join(ZAPAD))
    ]
    assert len(grounds) == 4
    plan = routing.plan_route(None, grounds, start="UUMB", sensor="optical_high_pan")
    assert plan.validate() == []
    assert plan.start == plan.end == "UUMB"
    assert plan.length_km <= 5500.0
    assert sorted(plan.route.observed) == sorted(grounds.index)
    # independent check of "observed": each uncertainty disc (clipped to the treaty area)
    # lies within half a swath of the sensor-on path, measured with WGS84 geodesics
    dense = np.vstack(
        [np.asarray(g.coords) for g in plan.legs.geometry for g in getattr(g, "geoms", [g])]
    )
    dense = geodesy.densify_coords(dense, 1.0)
    half = sensors.preset("optical_high_pan").width_km / 2.0
    treaty = data.territory("BLR+RUS").treaty_geometry
    for _, row in grounds.iterrows():
        disc = geodesy.buffer_km(row.geometry, float(row["position_uncertainty_km"]), quad_segs=8)
        ring = np.asarray(disc.intersection(treaty).exterior.coords)
        for x, y in ring[::4]:
            d = geodesy.distance_km(np.full(len(dense), x), np.full(len(dense), y), *dense.T)
            assert d.min() <= half + 0.2  # half the swath, 200 m for the chord


def test_target_inside_half_swath_counts_without_detour(minsk_regime) -> None:
    ums = minsk_regime.airfield("UMMS")
    far = geodesy.destination(ums.lon, ums.lat, 90.0, 150.0)  # 150 km east of Minsk
    mid = geodesy.destination(ums.lon, ums.lat, 90.0, 75.0)
    az = geodesy.azimuth_deg(ums.lon, ums.lat, *far)
    half = sensors.preset("optical_high_pan").width_km / 2.0
    inside = geodesy.destination(*mid, az - 90.0, half - 1.5)  # 1.5 km inside the half swath
    outside = geodesy.destination(*mid, az - 90.0, half + 1.5)  # 1.5 km beyond it
    alone = routing.plan_route(
        "BLR",
        _targets([far], [10.0]),
        start="UMMS",
        sensor="optical_high_pan",
        regime=minsk_regime,
        budget_km=400.0,
    )
    both = routing.plan_route(
        "BLR",
        _targets([far, inside], [10.0, 1.0]),
        start="UMMS",
        sensor="optical_high_pan",
        regime=minsk_regime,
        budget_km=400.0,
    )
    assert both.route.observed == [0, 1]
    assert both.length_km == pytest.approx(alone.length_km, rel=1e-6)  # no detour
    # the same straight flight does not observe a target beyond the half swath
    tt = _targets([far, outside], [10.0, 1.0])
    assert routing.observed_targets(alone, tt, sensor="optical_high_pan") == [0]


def test_uncertainty_disc_must_fit_in_the_swath(minsk_regime) -> None:
    ums = minsk_regime.airfield("UMMS")
    far = geodesy.destination(ums.lon, ums.lat, 60.0, 120.0)
    plan = FlightPlan.from_waypoints(
        [(ums.lon, ums.lat), far, (ums.lon, ums.lat)], start="UMMS", regime=minsk_regime
    )
    mid = geodesy.destination(ums.lon, ums.lat, 60.0, 60.0)
    off = geodesy.destination(*mid, 150.0, 10.0)  # 10 km off the track
    half = sensors.preset("optical_high_pan").width_km / 2.0
    radii = [half - 10.0 - 0.5, half - 10.0 + 0.5]
    tt = _targets([off, off], [1.0, 1.0], position_uncertainty_km=radii)
    # 10 km + radius: 0.5 km inside the half swath (whole disc inside), 0.5 km beyond it (not)
    assert routing.observed_targets(plan, tt, sensor="optical_high_pan") == [0]
    # without a sensor: within 1 km of the path
    on_track = _targets([mid], [1.0])
    assert routing.observed_targets(plan, on_track) == [0]
    assert routing.observed_targets(plan, _targets([off], [1.0])) == []


@pytest.mark.slow
def test_same_inputs_and_seed_give_the_same_route(minsk_regime) -> None:
    sites = data.sites("BLR")
    kw = {
        "start": "UMMS",
        "sensor": "optical_high_pan",
        "regime": minsk_regime,
        "budget_km": 1200.0,
    }
    a = routing.plan_route("BLR", sites, seed=3, **kw)
    b = routing.plan_route("BLR", sites, seed=3, **kw)
    assert [(w.lon, w.lat) for w in a.waypoints] == [(w.lon, w.lat) for w in b.waypoints]
    assert a.route.observed == b.route.observed
    assert a.validate() == []
    assert a.length_km <= 1200.0
    assert 0 < len(a.route.observed) < len(sites)  # the budget binds
    reasons = {s.reason.split(":")[0] for s in a.route.skipped}
    assert reasons <= {"not worth the distance", "unreachable within the budget"}


def test_detour_around_an_avoid_zone(minsk_regime) -> None:
    ums = minsk_regime.airfield("UMMS")
    far = geodesy.destination(ums.lon, ums.lat, 90.0, 200.0)
    zone = geodesy.buffer_km(Point(geodesy.destination(ums.lon, ums.lat, 90.0, 100.0)), 30.0)
    plan = routing.plan_route(
        "BLR",
        _targets([far], [5.0]),
        start="UMMS",
        regime=minsk_regime,
        avoid=zone,
        budget_km=800.0,
    )
    assert plan.route.observed == [0]
    assert plan.validate(avoid=zone) == []
    assert not plan.path_densified(2.0).intersects(zone)
    direct = 2 * geodesy.distance_km(ums.lon, ums.lat, *far) * 1.02
    assert plan.length_km > direct


def test_errors(minsk_regime) -> None:
    sites = data.sites("BLR")
    with pytest.raises(ValidationError, match="empty"):
        routing.plan_route(None, sites.iloc[:0], start="UUMB")
    with pytest.raises(ValidationError, match="budget_km"):
        routing.plan_route(None, sites, start="UUMB", budget_km=0)
    with pytest.raises(ValidationError, match="budget_km"):
        routing.plan_route(None, sites, start="UUMB", budget_km=-5)
    with pytest.raises(ValidationError, match="'value' column"):
        routing.plan_route(None, sites.drop(columns="value"), start="UUMB")
    with pytest.raises(ValidationError, match="outside territory BLR"):
        routing.plan_route(
            "BLR", _targets([(21.0, 52.2)], [1.0]), start="UMMS", regime=minsk_regime
        )
    with pytest.raises(ValidationError, match=r"probably \(lat, lon\)"):
        routing.plan_route(
            "BLR", _targets([(53.9, 27.56)], [1.0]), start="UMMS", regime=minsk_regime
        )
    with pytest.raises(ValidationError, match="not an Open Skies airfield"):
        routing.plan_route(None, sites, start="UMMS")  # not designated in 2019
    with pytest.raises(UnknownCodeError, match="unknown ICAO"):
        routing.plan_route(None, sites, start="ZZZZ")
    with pytest.raises(ValidationError, match="GeoDataFrame"):
        routing.plan_route(None, [(27.0, 53.0)], start="UUMB")  # type: ignore[arg-type]
    with pytest.raises(InfeasibleError, match="budget cannot reach the end airfield"):
        routing.plan_route(None, sites, start="UUMB", end="UUYW", budget_km=1000.0)
    poly = gpd.GeoDataFrame({"value": [1.0]}, geometry=[box(27, 53, 27.2, 53.2)], crs=None)
    with pytest.raises(ValidationError, match="no CRS"):
        routing.plan_route("BLR", poly, start="UMMS", regime=minsk_regime)


def test_polygon_target(minsk_regime) -> None:
    ums = minsk_regime.airfield("UMMS")
    c = geodesy.destination(ums.lon, ums.lat, 180.0, 120.0)
    small = geodesy.buffer_km(Point(c), 5.0)  # fits in one pass
    big = geodesy.buffer_km(Point(geodesy.destination(ums.lon, ums.lat, 45.0, 150.0)), 40.0)
    tt = gpd.GeoDataFrame({"value": [3.0, 4.0]}, geometry=[small, big], crs="EPSG:4326")
    plan = routing.plan_route(
        "BLR", tt, start="UMMS", sensor="optical_high_pan", regime=minsk_regime, budget_km=1500.0
    )
    assert plan.route.observed == [0, 1]
    assert plan.validate() == []


# --------------------------------------------------------------------------- one-sided sensors

#: the radar's mirror image: the same strip on the other side of the track
SAR_LEFT = sensors.Sensor("sar_left", swath_km=25.0, side="left", near_range_km=6.0, kind="sar")


def _beside(mid, az: float, offsets_km: list[float]) -> list[tuple[float, float]]:
    """Points at signed distances (km, positive right) across a leg of azimuth ``az``."""
    return [geodesy.destination(*mid, az + (90.0 if o > 0 else -90.0), abs(o)) for o in offsets_km]


def test_a_one_sided_strip_images_its_side_of_the_leg_only(minsk_regime) -> None:
    # The radar images 6-31 km right of the track. A leg 150 km east of Minsk flown with the
    # sensor on, the way back with it off: a point beside the middle of the leg is imaged
    # exactly when it lies 6-31 km to the right; flown back, the other side.
    sar = sensors.preset("sar")
    assert sar.cross_track_km == pytest.approx((6.0, 31.0))
    ums = minsk_regime.airfield("UMMS")
    home = (ums.lon, ums.lat)
    far = geodesy.destination(*home, 90.0, 150.0)
    mid = geodesy.destination(*home, 90.0, 75.0)
    az = geodesy.azimuth_deg(*mid, *far)
    offsets = [5.5, 6.5, 18.5, 30.5, 31.5, -5.5, -6.5, -18.5, -30.5, -31.5]
    tt = _targets(_beside(mid, az, offsets), [1.0] * len(offsets))
    out = FlightPlan.from_waypoints(
        [home, far, home], start="UMMS", regime=minsk_regime, sensors_on=[True, False]
    )
    back = FlightPlan.from_waypoints(
        [home, far, home], start="UMMS", regime=minsk_regime, sensors_on=[False, True]
    )
    right = [i for i, o in enumerate(offsets) if 6.0 < o < 31.0]
    left = [i for i, o in enumerate(offsets) if 6.0 < -o < 31.0]
    assert routing.observed_targets(out, tt, sensor=sar) == right
    assert routing.observed_targets(back, tt, sensor=sar) == left
    assert routing.observed_targets(out, tt, sensor=SAR_LEFT) == left
    # a centred strip of the same width images 12.5 km either side of the track
    centred = sensors.Sensor("c25", swath_km=25.0)
    both = [i for i, o in enumerate(offsets) if abs(o) < 12.5]
    assert routing.observed_targets(out, tt, sensor=centred) == both
    # an uncertainty disc must fit in the strip: 18.5 +- 12 km does, 18.5 +- 13 km does not
    discs = _targets(_beside(mid, az, [18.5, 18.5]), [1.0, 1.0], position_uncertainty_km=[12, 13])
    assert routing.observed_targets(out, discs, sensor=sar) == [0]


def _disc_imaged(footprint, point, radius_km: float, treaty) -> float:
    """Share of a target's uncertainty disc (clipped to the treaty area) inside a footprint."""
    if radius_km <= 0:
        return float(footprint.covers(point))
    disc = geodesy.buffer_km(point, radius_km, quad_segs=32).intersection(treaty)
    return geodesy.area_km2(disc.intersection(footprint)) / geodesy.area_km2(disc)


@pytest.mark.slow  # a radar route over Belarus, checked by its footprint
def test_radar_route_images_every_target_it_claims(minsk_regime) -> None:
    sites = data.sites("BLR")
    plan = routing.plan_route(
        "BLR", sites, start="UMMS", sensor="sar", regime=minsk_regime, budget_km=1200.0
    )
    assert plan.validate() == []
    assert plan.length_km <= 1200.0
    observed = plan.route.observed
    assert len(observed) >= 5
    assert any(sites.loc[i, "position_uncertainty_km"] > 10 for i in observed)  # swept ones
    # independent: the plan's footprint (coverage's strips of its sensor-on runs, in local
    # projections along the path) holds each observed target's whole disc, and the mirror
    # image of the sensor, looking left from the same legs, images none of them
    treaty = plan.territory.treaty_geometry
    fp = coverage.footprint(plan, "sar")
    mirror = coverage.footprint(plan, SAR_LEFT)
    for i in observed:
        row = sites.loc[i]
        u = float(row["position_uncertainty_km"])
        assert _disc_imaged(fp, row.geometry, u, treaty) >= routing.DISC_FRACTION, row["name"]
        assert not mirror.covers(row.geometry), row["name"]
    # what it does not claim it has not imaged
    for s in plan.route.skipped:
        row = sites.loc[s.index]
        u = float(row["position_uncertainty_km"])
        assert _disc_imaged(fp, row.geometry, u, treaty) < routing.DISC_FRACTION, row["name"]


def test_radar_polygon_targets(minsk_regime) -> None:
    ums = minsk_regime.airfield("UMMS")
    c = geodesy.destination(ums.lon, ums.lat, 180.0, 120.0)
    small = geodesy.buffer_km(Point(c), 5.0)  # fits in the strip: one pass
    big = geodesy.buffer_km(Point(geodesy.destination(ums.lon, ums.lat, 45.0, 150.0)), 40.0)
    tt = gpd.GeoDataFrame({"value": [3.0, 4.0]}, geometry=[small, big], crs="EPSG:4326")
    plan = routing.plan_route(
        "BLR", tt, start="UMMS", sensor="sar", regime=minsk_regime, budget_km=1500.0
    )
    assert plan.route.observed == [0, 1]
    assert plan.validate() == []
    fp = coverage.footprint(plan, "sar")
    for poly in (small, big):
        assert geodesy.area_km2(poly.intersection(fp)) >= 0.9 * geodesy.area_km2(poly)


def _random_sites(n: int, seed: int) -> gpd.GeoDataFrame:
    blr = data.territory("BLR").geometry
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = blr.bounds
    pts: list[Point] = []
    while len(pts) < n:
        p = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax))
        if blr.contains(p):
            pts.append(p)
    return _targets([(p.x, p.y) for p in pts], rng.integers(1, 11, n).astype(float))


@pytest.mark.slow
def test_a_route_over_many_close_targets_uses_more_of_its_budget(minsk_regime, monkeypatch):
    """300 sites over Belarus, more than Minsk's 1,500 km can observe. The waypoints cut
    corners within each target's radius, so the flight is shorter than the solver's
    target-to-target model: a legal route more than PASS_CAP_SLACK short of the budget is
    solved again with the solver's budget scaled up (a route then over it trimmed), and the
    best legal route kept. Against the search alone (PASS_CAP_RETRIES = 0, as before for
    this sensor): a longer flight within the budget, observing more."""
    sites = _random_sites(300, 5)

    def plan():
        return routing.plan_route(
            "BLR", sites, start="UMMS", regime=minsk_regime, sensor="optical_high_pan"
        )

    scaled = plan()
    monkeypatch.setattr(routing, "PASS_CAP_RETRIES", 0)
    alone = plan()
    for p in (scaled, alone):
        assert p.validate() == []
        assert len(p.route.observed) < len(sites)  # the budget binds
    assert alone.length_km < (1.0 - routing.PASS_CAP_SLACK) * alone.budget_km  # the gap
    assert alone.length_km < scaled.length_km <= scaled.budget_km
    assert scaled.route.value_observed > alone.route.value_observed


def test_a_route_with_no_target_in_reach_is_the_empty_round_trip(minsk_regime) -> None:
    # one target 300 km from Minsk and a 400 km budget: the round trip alone is too long, so
    # the route stays at the airfield (nothing to scale the solver's budget by)
    far = _targets([(23.75, 52.1)], [5.0])
    plan = routing.plan_route(
        "BLR", far, start="UMMS", regime=minsk_regime, sensor="optical_high_pan", budget_km=400
    )
    assert plan.validate() == []
    assert plan.route.observed == []
    assert plan.route.skipped[0].reason == "unreachable within the budget"
