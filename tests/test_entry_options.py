"""The legal options for a Minsk entry point and the treaty rules that bound them.

Geodesic figures are checked against an independent implementation, GeographicLib
(Karney's reference code in pure Python), on grids of the territory; published values
carry their source (treaty-facts.md, the treaty text).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from shapely.geometry import Point

from openskies import _entry_options as eo
from openskies import _geodata, data
from openskies._errors import UnknownCodeError, ValidationError

WGS84 = Geodesic.WGS84


def gl_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """GeographicLib geodesic distance, km."""
    return WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"] / 1000.0


@pytest.fixture(scope="module")
def reg():
    return data.regime(2019)


def _grid(bounds, step_deg):
    xmin, ymin, xmax, ymax = bounds
    xs = np.arange(xmin, xmax + step_deg, step_deg)
    ys = np.arange(ymin, ymax + step_deg, step_deg)
    gx, gy = np.meshgrid(xs, ys)
    return gx.ravel(), gy.ravel()


def _brute_farthest(geom, centre, others, bounds, step_deg):
    """Farthest grid point of (geom - others' disks) from centre, all by GeographicLib.

    ``others`` are (lon, lat, radius_km). Returns (distance_km, lon, lat) or None.
    """
    x, y = _grid(bounds, step_deg)
    x = (x + 180.0) % 360.0 - 180.0
    inside = shapely.contains_xy(geom, x, y)
    best = None
    for lon, lat in zip(x[inside], y[inside], strict=True):
        if any(gl_km(o[0], o[1], lon, lat) <= o[2] for o in others):
            continue
        d = gl_km(centre[0], centre[1], lon, lat)
        if best is None or d > best[0]:
            best = (d, float(lon), float(lat))
    return best


# --------------------------------------------------------------------------- the options


def test_five_options_in_order():
    assert eo.SCENARIOS == ("status_quo", "poe_only", "added_osa", "replacement", "single_state")
    assert tuple(eo.OPTIONS) == eo.SCENARIOS
    with pytest.raises(UnknownCodeError, match="status_quo"):
        eo.option("minsk_only")


def test_row_fields_follow_the_output_contract(reg):
    kub = reg.max_flight_distance_km("UUMB")
    rows = {s: eo.option(s).row_fields(reg, budget_km=2500.0) for s in eo.SCENARIOS}
    assert rows["status_quo"] == {
        "scenario": "status_quo",
        "icao": "UUMB",
        "entry_point": "UUMB",
        "budget_km": kub,
    }
    assert rows["poe_only"] == {
        "scenario": "poe_only",
        "icao": "UUMB",
        "entry_point": "UMMS",
        "budget_km": kub,
    }
    for s in ("added_osa", "replacement", "single_state"):
        assert rows[s] == {
            "scenario": s,
            "icao": "UMMS",
            "entry_point": "UMMS",
            "budget_km": 2500.0,
        }
    alt = eo.option("replacement").row_fields(reg, minsk_icao="UMLI", budget_km=3000)
    assert (alt["icao"], alt["entry_point"]) == ("UMLI", "UMLI")


def test_regimes_of_the_options(reg):
    def osas(r, group="BLR+RUS"):
        return sorted(a.icao for a in r.osas(group))

    group_osas = osas(reg)
    assert "UUMB" in group_osas
    assert "UMMS" not in group_osas
    assert eo.option("status_quo").regime_for(reg) is reg

    poe = eo.option("poe_only").regime_for(reg)
    assert osas(poe) == group_osas
    assert set(poe.airfield("UMMS").roles) >= {"POE", "POX"}
    assert not poe.is_osa("UMMS")
    assert poe.airfield("UMMS").hypothetical

    added = eo.option("added_osa").regime_for(reg, budget_km=4000)
    assert osas(added) == sorted([*group_osas, "UMMS"])
    assert added.max_flight_distance_km("UMMS") == 4000
    assert added.max_flight_distance_km("UUMB") == reg.max_flight_distance_km("UUMB")

    rep = eo.option("replacement").regime_for(reg, budget_km=4000)
    assert osas(rep) == sorted([*(c for c in group_osas if c != "UUMB"), "UMMS"])
    assert not rep.airfield("UUMB").roles
    assert rep.airfield("UUMB").hypothetical

    single = eo.option("single_state").regime_for(reg, budget_km=1400)
    assert osas(single, "BLR") == ["UMMS"]
    assert "UUMB" in osas(single, "RUS")
    assert not single.osas("BLR+RUS")
    assert single.max_flight_distance_km("UMMS") == 1400
    # the input regime is untouched
    assert not reg.airfield("UMMS").hypothetical
    assert "UMMS" not in osas(reg)


def test_options_reject_bad_inputs(reg):
    with pytest.raises(ValidationError, match="budget_km"):
        eo.option("added_osa").regime_for(reg)
    with pytest.raises(ValidationError, match="budget_km"):
        eo.option("replacement").regime_for(reg, budget_km=-5)
    with pytest.raises(ValidationError, match="Belarus"):
        eo.option("added_osa").regime_for(reg, "EPWA", 1400)


# --------------------------------------------------------------------------- Annex E para 1


def test_five_hour_rule_minsk_to_kubinka_against_geographiclib(reg):
    check = eo.poe_only_check(reg)
    minsk, kub = reg.airfield("UMMS"), reg.airfield("UUMB")
    ref_km = gl_km(minsk.lon, minsk.lat, kub.lon, kub.lat)
    assert check.distance_km == pytest.approx(ref_km, abs=1e-6)
    # published: Kubinka -> Minsk National about 587 km (treaty-facts.md section 6)
    assert round(check.distance_km) == 587
    assert check.speed_kmh == 430.0  # An-30B, the slowest preset (aircraft.py)
    assert check.hours == pytest.approx(ref_km / 430.0, rel=1e-12)
    assert check.limit_h == 5.0
    assert check.ok
    assert eo.osa_reachable_h("UMMS", "UUMB", regime=reg) == pytest.approx(check.hours)
    # a jet is faster; a slow ferry at 100 km/h or an airway route 4x longer breaks the rule
    assert eo.osa_reachable_h("UMMS", "UUMB", aircraft="Tu-214ON") < check.hours
    assert not eo.five_hour_check("UMMS", "UUMB", speed_kmh=100.0).ok
    assert not eo.five_hour_check("UMMS", "UUMB", route_factor=4.0).ok


def test_five_hour_rule_rejects_bad_parameters():
    with pytest.raises(ValidationError, match="route_factor"):
        eo.five_hour_check("UMMS", "UUMB", route_factor=0.5)
    with pytest.raises(ValidationError, match="speed_kmh"):
        eo.five_hour_check("UMMS", "UUMB", speed_kmh=0)


# --------------------------------------------------------------------------- geodesic disks


@pytest.mark.parametrize(
    ("lon", "lat", "radius_km"),
    [
        (178.5, 65.0, 600.0),  # across the antimeridian
        (-179.0, -30.0, 900.0),  # across it, southern hemisphere, centre west of 180
        (20.0, 84.0, 1200.0),  # contains the North Pole
        (150.72, 59.911, 2275.0),  # Magadan's 35 % disk: reaches Chukotka east of 180
    ],
)
def test_geodesic_disk_membership_against_geographiclib(lon, lat, radius_km):
    disk = eo.geodesic_disk(lon, lat, radius_km)
    xmin, _ymin, xmax, _ymax = disk.bounds
    assert xmin >= -180.0
    assert xmax <= 180.0
    rng = np.random.default_rng(7)
    # points around the circle, from 0.97 r to 1.03 r, at random azimuths
    for _ in range(300):
        az = float(rng.uniform(0, 360))
        frac = float(rng.uniform(0.97, 1.03))
        p = WGS84.Direct(lat, lon, az, frac * radius_km * 1000.0)
        px = (p["lon2"] + 180.0) % 360.0 - 180.0
        inside = bool(shapely.contains_xy(disk, px, p["lat2"]))
        d = gl_km(lon, lat, px, p["lat2"])
        if d < radius_km - 1.0:
            assert inside, (px, p["lat2"], d)
        elif d > radius_km + 1.0:
            assert not inside, (px, p["lat2"], d)


def test_geodesic_disk_with_pole_contains_it():
    disk = eo.geodesic_disk(20.0, 84.0, 1200.0)
    assert disk.buffer(1e-9).contains(Point(0.0, 89.999))
    assert not eo.geodesic_disk(20.0, 70.0, 1200.0).contains(Point(0.0, 89.999))


# --------------------------------------------------------------------------- mainland


def test_mainland_of_the_group(reg):
    land = eo.mainland("BLR+RUS")
    shapely.prepare(land)

    def has(lon, lat):
        return bool(shapely.contains_xy(land, lon, lat))

    assert has(27.56, 53.90)  # Minsk
    assert has(37.62, 55.75)  # Moscow
    assert has(131.9, 43.12)  # Vladivostok
    assert has(-173.2, 66.0)  # Chukotka east of 180 deg: mainland, joined across it
    assert not has(142.7, 47.0)  # Sakhalin: an island
    assert not has(55.0, 73.5)  # Novaya Zemlya: islands
    assert not has(20.5, 54.7)  # Kaliningrad: separated from the mainland (para 5(B))
    with_kgd = eo.mainland("BLR+RUS", separated=("RUS-KGD",))
    assert shapely.contains_xy(with_kgd, 20.5, 54.7)
    everything = eo.mainland("BLR+RUS", separated=True)
    assert shapely.contains_xy(everything, 142.7, 47.0)


# --------------------------------------------------------------------------- Annex E para 5(A)


def test_belarus_floor_against_published_value_and_geographiclib(reg):
    single = eo.option("single_state").regime_for(reg, budget_km=1400)
    floor = eo.annex_e_floor(single, "BLR", "UMMS")
    assert floor.others == ()
    # published: farthest point of Belarus about 398 km from Minsk National, so the budget
    # of a Minsk-only OSA must be at least about 1,140 km (treaty-facts.md section 2)
    assert round(floor.farthest_km) == 398
    assert floor.budget_km == pytest.approx(floor.farthest_km / 0.35)
    assert round(floor.budget_km, -1) == 1140
    assert floor.resolution_km <= 1.0 + 1e-6
    # independent: farthest grid point of Belarus from Minsk by GeographicLib, coarse then fine
    minsk = reg.airfield("UMMS")
    blr = eo.mainland("BLR")
    coarse = _brute_farthest(blr, (minsk.lon, minsk.lat), [], blr.bounds, 0.1)
    _d0, x0, y0 = coarse
    fine = _brute_farthest(
        blr, (minsk.lon, minsk.lat), [], (x0 - 0.3, y0 - 0.3, x0 + 0.3, y0 + 0.3), 0.005
    )
    assert fine[0] <= floor.farthest_km + 1e-6  # the boundary maximum bounds every point
    assert floor.farthest_km - fine[0] < 0.6  # and is reached within the grid spacing
    assert gl_km(minsk.lon, minsk.lat, *floor.farthest_lonlat) == pytest.approx(
        floor.farthest_km, abs=1e-6
    )
    # the rule holds just above the floor and fails just below it
    ok = eo.option("single_state").regime_for(reg, budget_km=floor.budget_km + 5)
    short = eo.option("single_state").regime_for(reg, budget_km=floor.budget_km - 30)
    assert eo.annex_e_ok(ok, "BLR")
    assert not eo.annex_e_ok(short, "BLR")


def _others(regime, exclude):
    return [
        (a.lon, a.lat, 0.35 * a.max_flight_distance_km)
        for a in regime.osas("BLR+RUS")
        if a.icao != exclude
    ]


@pytest.mark.slow
@pytest.mark.parametrize("share", ["whole_group", "kubinka_share"])
def test_replacement_floor_against_geographiclib(reg, share):
    floors = eo.replacement_floors(reg)
    floor = floors[share]
    rep = eo.option("replacement").regime_for(reg, budget_km=5500)
    minsk = reg.airfield("UMMS")
    others = _others(rep, "UMMS")
    assert len(others) == 3  # Ulan-Ude, Magadan, Vorkuta at their own distances
    land = eo.mainland("BLR+RUS")
    if share == "kubinka_share":
        kub = reg.airfield("UUMB")
        land = land.intersection(eo.geodesic_disk(kub.lon, kub.lat, 0.35 * 5500))
    x, y = floor.farthest_lonlat
    # the reported point: on the uncovered part's boundary, at the stated distance
    assert land.buffer(1e-6).contains(Point(x, y))
    assert all(gl_km(o[0], o[1], x, y) >= o[2] - 0.05 for o in others)
    assert gl_km(minsk.lon, minsk.lat, x, y) == pytest.approx(floor.farthest_km, abs=1e-6)
    # independent brute force: coarse grid of the (restricted) mainland, then a fine one
    coarse = _brute_farthest(land, (minsk.lon, minsk.lat), others, land.bounds, 0.5)
    assert coarse[0] <= floor.farthest_km + 1e-6
    assert floor.farthest_km - coarse[0] < 80.0  # half a 0.5 deg cell's diagonal, and some
    fine = _brute_farthest(
        land, (minsk.lon, minsk.lat), others, (x - 0.4, y - 0.4, x + 0.4, y + 0.4), 0.01
    )
    assert fine[0] <= floor.farthest_km + 1e-6
    assert floor.farthest_km - fine[0] < 1.5


@pytest.mark.slow
def test_status_quo_and_replacement_against_the_35_percent_rule(reg):
    # The 1992 designations leave a corner of Primorye (south of Vladivostok) uncovered:
    # find such a point independently with GeographicLib.
    assert not eo.annex_e_ok(reg, "BLR+RUS")
    land = eo.mainland("BLR+RUS")
    osas = _others(reg, exclude=None)
    hit = _brute_farthest(land, (131.0, 42.8), osas, (130.3, 42.3, 131.7, 43.4), 0.05)
    assert hit is not None  # a mainland point farther than 35 % from every OSA
    floors = eo.replacement_floors(reg)
    share = floors["kubinka_share"].budget_km
    assert floors["whole_group"].budget_km > share > reg.max_flight_distance_km("UUMB")
    # Minsk at the Kubinka-share floor leaves exactly the status quo's gap, no more
    rep = eo.option("replacement").regime_for(reg, budget_km=share + 5)
    left_rep = eo.annex_e_uncovered(rep, "BLR+RUS")
    left_sq = eo.annex_e_uncovered(reg, "BLR+RUS")
    from openskies import geodesy

    assert geodesy.area_km2(left_rep.difference(left_sq)) < 1.0
    short = eo.option("replacement").regime_for(reg, budget_km=share - 60)
    assert geodesy.area_km2(eo.annex_e_uncovered(short, "BLR+RUS").difference(left_sq)) > 1.0


def test_added_osa_never_weakens_the_rule(reg):
    from openskies import geodesy

    base = geodesy.area_km2(eo.annex_e_uncovered(reg, "BLR+RUS"))
    for budget in (500.0, 5500.0):
        added = eo.option("added_osa").regime_for(reg, budget_km=budget)
        assert geodesy.area_km2(eo.annex_e_uncovered(added, "BLR+RUS")) <= base + 1e-6


def test_osa_fraction_is_validated(reg):
    with pytest.raises(ValidationError, match="osa_fraction"):
        eo.annex_e_ok(reg, "BLR+RUS", osa_fraction=1.5)


# --------------------------------------------------------------------------- quotas


def test_poland_over_the_group_against_reported_quota():
    # Poland's total active quota of 3 (defence24.pl, in treaty.yaml) gives at most
    # ceil(0.5 * 3) = 2 over one party (Art. III Sec. I para 10), and 2 is what Poland
    # was reported to fly over Russia and Belarus each year.
    q = _geodata.treaty()["quotas"]
    reported = q["active_practice"]["POL"]["over"]["BLR+RUS"]
    cap = eo.observer_quota_flights_per_year("POL", "BLR+RUS")
    assert cap == reported == 2
    # with the ceiling of Art. III Sec. I para 5 (total active = passive quota, 6): 3
    assert eo.observer_quota_flights_per_year("POL", "BLR+RUS", total_active_quota=6) == 3


@pytest.mark.parametrize(
    ("active", "passive", "expected"),
    [(5, 42, 3), (6, 4, 2), (7, 7, 4), (1, 42, 1), (0, 42, 0), (42, 1, 1)],
)
def test_quota_formula_rounding(active, passive, expected):
    got = eo.observer_quota_flights_per_year(
        "X", "Y", total_active_quota=active, passive_quota_observed=passive
    )
    assert got == expected == min(math.ceil(active / 2), math.ceil(passive / 2))


def test_first_distribution_is_consistent_with_the_treaty_rules():
    q = _geodata.treaty()["quotas"]
    first = q["first_distribution"]["value"]
    passive = {k: v["value"] for k, v in q["passive"].items()}
    # Annex A Sec. II para 1: each party is obliged to accept no more than 75 % (rounded down)
    # of its passive quota. The distribution keeps to it for every party but Poland, which
    # accepts 5 flights against an obligation of 4 (the paragraph caps the obligation, not
    # what a party agrees to); none exceeds its passive quota (Art. III Sec. I para 4).
    received: dict[str, float] = {}
    for flights in first.values():
        for observed, n in flights.items():
            received[observed] = received.get(observed, 0) + n
    above = {o for o, n in received.items() if n > math.floor(0.75 * passive[o])}
    assert above == {"POL"}
    assert received["POL"] == 5
    assert all(n <= passive[o] for o, n in received.items())
    assert received["BLR+RUS"] == 28
    # Art. III Sec. I para 10 holds for every pair when the total active quota is read as the
    # observer's entitlement (its passive quota, the ceiling of para 5): the default reading.
    for observer, flights in first.items():
        for observed, n in flights.items():
            assert n <= eo.observer_quota_flights_per_year(
                observer, observed, total_active_quota=passive[observer]
            ), (observer, observed)
    # Read as the sum of the first-distribution quotas, it would not: Germany flies 3 over the
    # group with a total of 4 (ceil(0.5 * 4) = 2). Hence the documented reading.
    deu_total = sum(first["DEU"].values())
    assert first["DEU"]["BLR+RUS"] > eo.observer_quota_flights_per_year(
        "DEU", "BLR+RUS", total_active_quota=deu_total
    )


def test_quota_errors_name_the_fix():
    with pytest.raises(UnknownCodeError, match="OSCC"):
        eo.observer_quota_flights_per_year("FIN", "BLR+RUS")
    with pytest.raises(ValidationError, match="total_active_quota"):
        eo.observer_quota_flights_per_year("POL", "BLR+RUS", total_active_quota=-1)


def test_years_of_quota():
    assert eo.years_of_quota(13, 2) == 6.5
    assert eo.years_of_quota(13, 2, whole_years=True) == 7.0
    assert eo.years_of_quota(4, 2, whole_years=True) == 2.0
    assert eo.years_of_quota(0, 2) == 0.0
    with pytest.raises(ValidationError, match="per_year"):
        eo.years_of_quota(3, 0)
    with pytest.raises(ValidationError, match="flights"):
        eo.years_of_quota(-1, 2)


# --------------------------------------------------------------------------- analogues


def test_single_state_analogues_are_sourced(reg):
    got = {a.icao: a for a in eo.single_state_analogues(reg)}
    assert {k: v.max_flight_distance_km for k, v in got.items()} == {
        "EPWA": 1400.0,
        "UKBB": 2100.0,
        "EDDK": 1300.0,
    }
    assert "sputniknews" in got["EPWA"].source
    assert "Annex A" in got["UKBB"].source
    assert "sputniknews" in got["EDDK"].source
    assert "2020" in got["EDDK"].source
    blr = data.territory("BLR").area_km2
    for a in got.values():  # single states of a size like Belarus (within a factor of 3)
        assert blr / 3 < a.area_km2 < 3 * blr


# --------------------------------------------------------------------------- break-even

GRID = np.arange(500.0, 5501.0, 500.0)


@pytest.mark.parametrize("step_at", [620.0, 3217.0, 5480.0])
def test_break_even_of_a_step(step_at):
    res = eo.break_even_km(lambda d: 0.0 if d >= step_at else 1.0, GRID, 0.0)
    be, low, high = res
    assert res.status == "bracketed"
    assert res.monotone
    assert low < step_at <= high == be
    assert high - low <= 50.0


def test_break_even_of_linear_functions():
    be, low, high = eo.break_even_km(lambda d: 10_000.0 - d, GRID, 10_000.0 - 2345.0)
    assert abs(be - 2345.0) <= 50.0
    assert low < 2345.0 <= high
    res = eo.break_even_km(lambda d: d / 5500.0, GRID, 0.6, better="higher", tol_km=10)
    assert abs(res.break_even_km - 3300.0) <= 10.0
    assert res.monotone


def test_break_even_outside_the_grid():
    never = eo.break_even_km(lambda d: 10.0, GRID, 5.0)
    assert tuple(never) == (None, 5500.0, None)
    assert never.status == "never"
    start = eo.break_even_km(lambda d: 1.0, GRID, 5.0)
    assert tuple(start) == (500.0, None, 500.0)
    assert start.status == "at_grid_start"


def test_break_even_reports_a_non_monotone_metric():
    def dip(d):
        return 0.0 if d <= 1000 or d >= 2800 else 1.0

    res = eo.break_even_km(dip, GRID, 0.0)
    assert not res.monotone
    assert res.crossings == ((2500.0, 3000.0),)
    assert res.status == "bracketed"
    assert 2500.0 < res.break_even_km <= 3000.0
    assert abs(res.break_even_km - 2800.0) <= 50.0


def test_break_even_rejects_bad_inputs():
    with pytest.raises(ValidationError, match="finite"):
        eo.break_even_km(lambda d: math.nan, GRID, 0.0)
    with pytest.raises(ValidationError, match="better"):
        eo.break_even_km(lambda d: d, GRID, 0.0, better="more")
    with pytest.raises(ValidationError, match="grid_km"):
        eo.break_even_km(lambda d: d, [], 0.0)
    with pytest.raises(ValidationError, match="tol_km"):
        eo.break_even_km(lambda d: d, GRID, 0.0, tol_km=0)


def test_annex_e_metric_of_each_option(reg):
    floor = eo.replacement_floors(reg)["kubinka_share"].budget_km
    blr = eo.annex_e_floor(eo.option("single_state").regime_for(reg, budget_km=1400), "BLR", "UMMS")
    expect = {
        ("status_quo", 5500.0): True,
        ("poe_only", 5500.0): True,
        ("added_osa", 500.0): True,  # never worse than the status quo
        ("replacement", floor + 10.0): True,
        ("replacement", floor - 60.0): False,
        ("single_state", blr.budget_km + 5.0): True,
        ("single_state", blr.budget_km - 30.0): False,
    }
    got = {(s, b): eo.option(s).annex_e_ok(reg, budget_km=b) for (s, b) in expect}
    assert got == expect
    # the absolute rule fails for the group whatever Minsk's distance (the Primorye gap)
    added = eo.option("added_osa").regime_for(reg, budget_km=5500)
    assert not eo.annex_e_ok(added, "BLR+RUS")
