"""Flight plans: construction and geodesic lengths (the treaty rules: tests/test_legality.py).

Independent references (tests/_plan_reference.py): GeographicLib (Karney) for geodesic
distances and densification, and brute-force point sampling for lengths inside regions.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from _plan_reference import BELARUS_LOOP, KUB, WGS84
from _plan_reference import fwd as _fwd
from _plan_reference import geo_km as _geo_km
from _plan_reference import path_km as _path_km
from _plan_reference import sampled_km_inside as _sampled_km_inside

from openskies import aircraft, data
from openskies._errors import UnknownCodeError, ValidationError
from openskies.flightplan import FlightPlan, Stop, Waypoint

# --------------------------------------------------------------------------- construction


def test_defaults_from_regime_and_airfields() -> None:
    plan = FlightPlan.from_waypoints(BELARUS_LOOP)
    assert plan.start == "UUMB"
    assert plan.end == "UUMB"
    assert plan.territory.code == "BLR+RUS"
    assert plan.budget_km == 5500.0
    assert plan.turn_margin == 0.02
    assert plan.transit == (False,) * 5
    assert plan.sensors_on == (True,) * 5
    assert plan.waypoints[0].name == "UUMB"
    assert plan.validate() == []


def test_start_airfield_prepended_when_far_and_stops_shifted() -> None:
    coords = [(30.0, 54.5), (27.5, 53.9), (28.0, 52.5)]
    plan = FlightPlan.from_waypoints(
        coords,
        start="UUMB",
        end="UUMB",
        transit=[False, True],
        sensors_on=[True, False],
        stops=[Stop(1, "refuel", 1.5)],
    )
    assert len(plan.waypoints) == 5
    assert (plan.waypoints[0].lon, plan.waypoints[0].lat) == pytest.approx(KUB)
    assert plan.waypoints[0].name == "UUMB"
    assert plan.transit == (False, False, True, True)
    assert plan.sensors_on == (True, True, False, False)
    assert plan.stops[0].waypoint == 2


def test_waypoint_within_5_km_of_start_is_not_duplicated() -> None:
    near = _fwd(KUB, 45.0, 4.0)
    plan = FlightPlan.from_waypoints([near, (30.0, 54.5), KUB], start="UUMB")
    assert len(plan.waypoints) == 3


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"coords": [KUB]}, ValidationError, "at least 2 waypoints"),
        ({"coords": [KUB, (30.0, math.nan), KUB]}, ValidationError, "NaN"),
        ({"coords": [KUB, (54.5, 95.0), KUB]}, ValidationError, "swapped"),
        ({"coords": BELARUS_LOOP, "start": "ZZZZ"}, UnknownCodeError, "unknown ICAO code"),
        ({"coords": BELARUS_LOOP, "budget_km": 0.0}, ValidationError, "budget_km"),
        ({"coords": BELARUS_LOOP, "transit": [True]}, ValidationError, "5 legs"),
        (
            {"coords": BELARUS_LOOP, "transit": [True] * 5, "sensors_on": [True] * 5},
            ValidationError,
            "sensors stay covered",
        ),
        ({"coords": [(10.0, 10.0), KUB]}, ValidationError, "nearest bundled airfield"),
        (
            {"coords": BELARUS_LOOP, "stops": [Stop(9, "rest", 1.0)]},
            ValidationError,
            "out of range",
        ),
        ({"coords": BELARUS_LOOP, "calibration": ["yes"] * 5}, ValidationError, "not a boolean"),
    ],
)
def test_invalid_input_raises_with_message(kwargs, exc, match) -> None:
    coords = kwargs.pop("coords")
    with pytest.raises(exc, match=match):
        FlightPlan.from_waypoints(coords, **kwargs)


def test_stop_and_waypoint_validation() -> None:
    with pytest.raises(ValidationError, match="'refuel' or 'rest'"):
        Stop(1, "lunch", 1.0)
    with pytest.raises(ValidationError, match=">= 0"):
        Stop(1, "rest", -1.0)
    with pytest.raises(ValidationError, match="latitude"):
        Waypoint(10.0, 91.0)


# --------------------------------------------------------------------------- geometry


def test_leg_lengths_match_geographiclib() -> None:
    plan = FlightPlan.from_waypoints(BELARUS_LOOP)
    legs = plan.legs
    assert legs.crs.to_epsg() == 4326
    assert list(legs.columns[:8]) == [
        "leg",
        "from_name",
        "to_name",
        "length_km",
        "sensors_on",
        "transit",
        "calibration",
        "region",
    ]
    ref = [_geo_km(a, b) for a, b in itertools.pairwise(BELARUS_LOOP)]
    assert np.allclose(legs["length_km"], ref, atol=1e-6)
    assert plan.geodesic_length_km == pytest.approx(sum(ref), abs=1e-6)
    assert plan.length_km == pytest.approx(sum(ref) * 1.02, abs=1e-6)
    assert list(legs["region"]) == ["RUS", "BLR", "BLR", "BLR", "RUS"]
    # densified every <= 10 km along the geodesic
    for geom in legs.geometry:
        xy = shapely.get_coordinates(geom)
        steps = [_geo_km(a, b) for a, b in itertools.pairwise(xy)]
        assert max(steps) <= 10.0


def test_leg_follows_the_geodesic_not_the_lonlat_line() -> None:
    # A 590 km leg along 53 N bulges about 9 km poleward of the straight lon/lat line.
    a = (24.0, 53.0)
    b = _fwd(a, 90.0, 1.0)  # find the east point at 53 N 590 km away by bisection on lon
    lo, hi = 24.0, 40.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _geo_km(a, (mid, 53.0)) < 590.0 else (lo, mid)
    b = (lo, 53.0)
    plan = FlightPlan.from_waypoints([KUB, a, b, KUB])
    geom = plan.legs.geometry.iloc[1]
    line = WGS84.InverseLine(a[1], a[0], b[1], b[0])
    top = line.Position(line.s13 / 2)
    ours_max_lat = shapely.get_coordinates(geom)[:, 1].max()
    assert ours_max_lat == pytest.approx(top["lat2"], abs=2e-4)
    bulge_km = _geo_km((top["lon2"], top["lat2"]), (top["lon2"], 53.0))
    assert 8.0 < bulge_km < 10.0


def test_length_by_region_matches_sampling() -> None:
    plan = FlightPlan.from_waypoints(BELARUS_LOOP)
    by = plan.length_by_region_km
    blr = data.territory("BLR").treaty_geometry
    rus = data.territory("RUS").treaty_geometry
    assert by["BLR"] == pytest.approx(_sampled_km_inside(BELARUS_LOOP, blr), abs=1.0)
    assert by["RUS"] == pytest.approx(_sampled_km_inside(BELARUS_LOOP, rus), abs=1.0)
    assert by["outside"] == pytest.approx(0.0, abs=1e-6)
    assert by["transit"] == 0.0
    assert by["BLR"] + by["RUS"] == pytest.approx(plan.geodesic_length_km, abs=0.01)


def test_antimeridian_legs_are_split_and_measured() -> None:
    coords = [(150.72, 59.911), (175.0, 64.7), (-178.0, 65.5), (-175.0, 66.5), (150.72, 59.911)]
    plan = FlightPlan.from_waypoints(coords)
    assert plan.start == "UHMM"
    legs = plan.legs
    assert legs.geometry.iloc[1].geom_type == "MultiLineString"
    xmin, _, xmax, _ = legs.total_bounds
    assert xmin >= -180.0
    assert xmax <= 180.0
    assert plan.geodesic_length_km == pytest.approx(_path_km(coords), abs=1e-6)
    assert shapely.get_coordinates(plan.path_densified())[:, 0].max() > 180.0


def test_duration_uses_aircraft_speed_and_stops() -> None:
    plan = FlightPlan.from_waypoints(
        BELARUS_LOOP, aircraft="Tu-214ON", stops=[Stop(3, "refuel", 2.0)]
    )
    assert plan.duration_h == pytest.approx(_path_km(BELARUS_LOOP) / 830.0 + 2.0, rel=1e-9)
    default = FlightPlan.from_waypoints(BELARUS_LOOP)
    assert default.effective_aircraft.name == aircraft.DEFAULT_PRESET
