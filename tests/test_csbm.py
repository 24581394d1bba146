"""CSBM thresholds, obligations, the solar position and the time-to-image timeline."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
from _almanac import almanac_elevation_deg as _almanac_elevation_deg
from geographiclib.geodesic import Geodesic

from openskies import csbm, data, sensors
from openskies._errors import UnknownCodeError, ValidationError

UTC = dt.UTC
START = dt.datetime(2021, 9, 10, tzinfo=UTC)

# --------------------------------------------------------------------------- threshold edges
# The thresholds as the sources state them, typed in here by hand (not read from the data
# file): (regime, measure, count, value, inclusive). inclusive=True is "equal to or exceeding".
EDGES = [
    ("vd2011", "notification", "troops", 9000, True),
    ("vd2011", "notification", "tanks", 250, True),
    ("vd2011", "notification", "acv", 500, True),
    ("vd2011", "notification", "artillery", 250, True),
    ("vd2011", "observation", "troops", 13000, True),
    ("vd2011", "observation", "tanks", 300, True),
    ("vd2011", "observation", "acv", 500, True),
    ("vd2011", "observation", "artillery", 250, True),
    # the reform keeps VD 2011's notification thresholds and lowers observation
    ("vd_reform_2019", "notification", "troops", 9000, True),
    ("vd_reform_2019", "notification", "tanks", 250, True),
    ("vd_reform_2019", "notification", "acv", 500, True),
    ("vd_reform_2019", "notification", "artillery", 250, True),
    ("vd_reform_2019", "observation", "troops", 9000, True),
    ("vd_reform_2019", "observation", "tanks", 250, True),
    ("vd_reform_2019", "observation", "acv", 500, True),
    ("vd_reform_2019", "observation", "artillery", 250, True),
    # "observers invited above 6,000 troops or 150 tanks"
    ("pol_blr_bilateral", "observation", "troops", 6000, False),
    ("pol_blr_bilateral", "observation", "tanks", 150, False),
]
COLUMN = {"notification": "notify", "observation": "observe"}


def _exercise(**counts: int | None) -> csbm.Exercise:
    base: dict = {"troops": 0, "tanks": 0, "acv": 0, "artillery": 0}
    base.update(counts)
    return csbm.Exercise(**base, start="2021-09-10", end="2021-09-16", location="Obuz-Lesnovsky")


def test_edge_table_covers_every_bundled_threshold() -> None:
    table = csbm.thresholds()
    got = {
        (r.regime, r.measure, r.count, r.value, r.operator == ">=")
        for r in table.itertuples(index=False)
    }
    assert got == set(EDGES)
    assert set(table["regime"]) == set(csbm.regime_keys())


@pytest.mark.parametrize(("regime", "measure", "count", "value", "inclusive"), EDGES)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_threshold_edges(
    regime: str, measure: str, count: str, value: int, inclusive: bool, delta: int
) -> None:
    n = value + delta
    expected = n > value or (n == value and inclusive)
    row = csbm.obligations(_exercise(**{count: n}), regimes=regime).iloc[0]
    assert bool(row[COLUMN[measure]]) is expected, (regime, measure, count, n)
    if expected:
        assert f"{count} {n:,}" in row[f"{COLUMN[measure]}_trigger"]


def test_any_one_threshold_triggers_and_zero_triggers_nothing() -> None:
    df = csbm.obligations(_exercise())
    assert not df["notify"].fillna(False).any()
    assert not df["observe"].any()
    row = csbm.obligations(_exercise(artillery=250), regimes="vd2011").iloc[0]
    assert row["notify"]  # 250 artillery meets both VD thresholds
    assert row["observe"]


def test_unreported_counts_trigger_nothing_and_are_listed() -> None:
    row = csbm.obligations(_exercise(troops=100, tanks=None), regimes="vd2011").iloc[0]
    assert not row["notify"]
    assert row["unknown_counts"] == "tanks"


def test_zapad_2021_obligations() -> None:
    ex = csbm.Exercise(
        troops=12800,
        tanks=140,
        acv=None,
        artillery=110,
        start="2021-09-10",
        end="2021-09-16",
        location=["Obuz-Lesnovsky", "Domanovsky", "Ruzhansky", "Brestsky"],
    )
    df = csbm.obligations(ex).set_index("regime")
    # VD 2011: notified (12,800 >= 9,000), not observed (12,800 < 13,000)
    assert df.loc["vd2011", "notify"]
    assert not df.loc["vd2011", "observe"]
    # 42 days before 10 Sept: 10 days back to 31 Aug, 31 more to 31 Jul, 1 more to 30 Jul
    assert df.loc["vd2011", "notify_by"] == dt.datetime(2021, 7, 30, tzinfo=UTC)
    assert df.loc["vd_reform_2019", "observe"]
    assert df.loc["pol_blr_bilateral", "observe"]  # 12,800 > 6,000 (140 tanks alone would not)
    assert df.loc["pol_blr_bilateral", "notify"] is None
    assert "troops 12,800 > 6,000" in df.loc["pol_blr_bilateral", "observe_trigger"]


def test_snap_rules() -> None:
    def snap(days: int) -> csbm.Exercise:
        end = (START + dt.timedelta(days=days - 1)).date()
        return csbm.Exercise(
            troops=20000, start="2021-09-10", end=end, snap=True, location="Brestsky"
        )

    three = csbm.obligations(snap(3)).set_index("regime")  # 72 h exactly
    four = csbm.obligations(snap(4)).set_index("regime")  # 96 h
    # VD 2011: notified when the troops commence; observed only beyond 72 h
    assert three.loc["vd2011", "notify_by"] == START
    assert not three.loc["vd2011", "observe"]
    assert four.loc["vd2011", "observe"]
    assert four.loc["vd2011", "invite_by"] == START + dt.timedelta(hours=72)
    # reform: snap notified 7 days ahead, observed whatever the duration
    assert three.loc["vd_reform_2019", "notify_by"] == START - dt.timedelta(days=7)
    assert three.loc["vd_reform_2019", "observe"]


# --------------------------------------------------------------------------- unusable input


def test_negative_and_malformed_counts() -> None:
    with pytest.raises(ValidationError, match="troops=-1 is negative"):
        _exercise(troops=-1)
    with pytest.raises(ValidationError, match="tanks=-5 is negative"):
        _exercise(tanks=-5)
    with pytest.raises(ValidationError, match="not a whole number"):
        _exercise(troops=10.5)
    with pytest.raises(ValidationError, match="not a number"):
        _exercise(acv=True)


def test_end_before_start() -> None:
    with pytest.raises(ValidationError, match="before start"):
        csbm.Exercise(troops=1, start="2021-09-16", end="2021-09-10", location="Brestsky")
    with pytest.raises(ValidationError, match="not an ISO date"):
        csbm.Exercise(troops=1, start="10/09/2021", end="2021-09-16", location="Brestsky")


def test_unknown_training_ground_suggests_close_names() -> None:
    with pytest.raises(UnknownCodeError, match=r"did you mean 'Obuz-Lesnovsky training ground"):
        csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Obuz-Lesnovskiy")
    with pytest.raises(UnknownCodeError, match=r"bundled training grounds: .*Domanovsky"):
        csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Zzyzx")


def test_names_match_case_insensitively_and_point_locations() -> None:
    ex = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-10", location="brestsky")
    assert ex.grounds[0].name.startswith("Brestsky training ground")
    assert ex.grounds[0].radius_km == 20
    pt = csbm.Exercise(
        troops=1, start="2021-09-10", end="2021-09-10", location=(27.5, 53.9), radius_km=5
    )
    assert (pt.grounds[0].lon, pt.grounds[0].lat, pt.grounds[0].radius_km) == (27.5, 53.9, 5.0)
    with pytest.raises(ValidationError, match="swapped pair"):
        csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-10", location=(53.9, 27.5))


def test_unknown_regime_and_fields() -> None:
    with pytest.raises(
        UnknownCodeError, match=r"unknown CSBM regime 'vd2012'.*did you mean 'vd2011'"
    ):
        csbm.obligations(_exercise(), regimes=["vd2012"])
    with pytest.raises(ValidationError, match="regimes is empty"):
        csbm.obligations(_exercise(), regimes=[])
    spec = {"troops": 1, "start": "2021-09-10", "end": "2021-09-11", "location": "Brestsky"}
    with pytest.raises(ValidationError, match=r"unknown exercise field\(s\) \['tankz'\]"):
        csbm.obligations({**spec, "tankz": 3})
    assert bool(csbm.obligations({**spec, "troops": 9000}, regimes="vd2011")["notify"].iloc[0])
    with pytest.raises(ValidationError, match=r"unknown timeline parameter\(s\) \['busy'\]"):
        csbm.Timeline.from_treaty(busy=3)
    with pytest.raises(ValidationError, match="busy_h=-1 must be >= 0"):
        csbm.Timeline.from_treaty(busy_h=-1)


# --------------------------------------------------------------------------- the sun


def test_solar_position_against_meeus_examples() -> None:
    # Meeus, Astronomical Algorithms (2nd ed.), 1992 October 13 at 0h:
    # Example 25.a declination -7deg47'06" = -7.78507 deg; Example 28.b equation of time
    # 0.059825 rad = 13 min 42.6 s.
    jd = csbm._julian_day(dt.datetime(1992, 10, 13, tzinfo=UTC))
    assert jd == 2448908.5
    decl, eot = csbm._sun_declination_eot(jd)
    assert decl == pytest.approx(-7.78507, abs=5e-4)
    assert eot == pytest.approx(0.059825 * 180 / math.pi * 4, abs=0.02)
    # Hence the sun culminates at 0h UT on the meridian where true solar time is 12:00,
    # lon = (720 - 13.711) / 4 = 176.572 E; on the equator its elevation there is
    # 90 - 7.785 = 82.215 deg (geometric).
    when = dt.datetime(1992, 10, 13, tzinfo=UTC)
    lon = (720 - 0.059825 * 180 / math.pi * 4) / 4
    assert csbm._solar_elevation_deg(when, lon, 0.0, refraction=False) == pytest.approx(
        90 - 7.78507, abs=2e-3
    )


def test_solar_declination_at_2021_equinox_and_solstice() -> None:
    # March equinox 2021-03-20 09:37 UTC: declination 0; June solstice 2021-06-21 03:32 UTC:
    # declination = obliquity of the ecliptic, 23.44 deg (23 deg 26').
    eq = csbm._sun_declination_eot(csbm._julian_day(dt.datetime(2021, 3, 20, 9, 37, tzinfo=UTC)))
    so = csbm._sun_declination_eot(csbm._julian_day(dt.datetime(2021, 6, 21, 3, 32, tzinfo=UTC)))
    assert eq[0] == pytest.approx(0.0, abs=0.01)
    assert so[0] == pytest.approx(23.4365, abs=0.01)


@pytest.mark.parametrize(
    ("when", "lon", "lat"),
    [
        (dt.datetime(2021, 9, 14, 5, 38, tzinfo=UTC), 24.99, 52.70),
        (dt.datetime(2021, 9, 14, 10, 0, tzinfo=UTC), 27.56, 53.90),
        (dt.datetime(2021, 12, 21, 9, 0, tzinfo=UTC), 36.65, 55.61),
        (dt.datetime(2021, 6, 21, 16, 30, tzinfo=UTC), 21.0, 52.2),
    ],
)
def test_solar_elevation_against_an_independent_formula(
    when: dt.datetime, lon: float, lat: float
) -> None:
    ours = csbm._solar_elevation_deg(when, lon, lat, refraction=False)
    assert ours == pytest.approx(_almanac_elevation_deg(when, lon, lat), abs=0.03)


# --------------------------------------------------------------------------- timeline


def _geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return Geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"] / 1000.0


KUBINKA = (36.650002, 55.611695)
MINSK = (28.0307, 53.8825)
WARSAW = (20.9671, 52.1657)
BREST = (23.71749, 52.10894)  # sites_blr.csv, disc of 20 km


def test_timeline_arithmetic_by_hand_non_optical() -> None:
    ex = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Brestsky")
    steps = csbm.time_to_image(ex, sensor="sar", entry_points=("UUMB",))
    s = steps.set_index("step")
    v = 430.0  # An-30B cruise speed, km/h
    d = _geodesic_km(KUBINKA, BREST)
    ferry = _geodesic_km(WARSAW, KUBINKA)
    # SAR: 25 km swath, 10 % overlap -> 22.5 km lanes; 40 km disc -> 2 lanes 20 km apart,
    # each 40 km long (both bands reach the centre line), one 20 km turn: 100 km of imaging.
    imaging = 100.0
    t_poe = START + dt.timedelta(hours=72)
    t_commence = t_poe + dt.timedelta(hours=24)
    t_img = t_commence + dt.timedelta(hours=(d - 20) / v)
    t_done = t_img + dt.timedelta(hours=imaging / v)
    t_land = t_done + dt.timedelta(hours=(d - 20) / v)
    expect = {
        3: t_poe - dt.timedelta(hours=ferry / v),
        4: t_poe,
        7: t_commence,
        9: t_img,
        10: t_done,
        11: t_land,
    }
    for k, t in expect.items():
        assert abs((s.loc[k, "time_utc"] - t).total_seconds()) <= 1, (k, s.loc[k, "event"])
    assert s.loc[3, "distance_km"] == pytest.approx(ferry, abs=0.1)
    assert s.loc[9, "distance_km"] == pytest.approx(d - 20, abs=0.1)
    summary = csbm.time_to_image(ex, sensor="sar", entry_points=("UUMB",), steps=False).iloc[0]
    assert summary["flight_km"] == pytest.approx((2 * d + 60) * 1.02, abs=0.1)  # 2 % turns
    assert summary["budget_km"] == 5500
    assert summary["fits_one_flight"]
    assert summary["hours_to_image"] == pytest.approx(96 + (d - 20) / v, abs=1e-3)


def test_optical_imaging_waits_for_daylight() -> None:
    ex = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Brestsky")
    row = csbm.time_to_image(ex, entry_points=("UUMB",), steps=False).iloc[0]
    t = row["earliest_imaging_utc"].to_pydatetime()
    arrive = START + dt.timedelta(hours=96 + (_geodesic_km(KUBINKA, BREST) - 20) / 430)
    assert t > arrive  # 14 Sept about 01:40 UTC is night at Brest: wait for the sun
    assert t.date() == dt.date(2021, 9, 14)
    # at the returned time the sun is 15 deg up (an independent formula, +- its accuracy)
    assert _almanac_elevation_deg(t, *BREST) + 0.06 == pytest.approx(15.0, abs=0.05)
    assert row["daylight_wait_h"] == pytest.approx((t - arrive).total_seconds() / 3600, abs=2e-3)
    # a trigger at 18:00 UTC brings the aircraft over the area after dark: next morning
    late = csbm.time_to_image(
        ex, entry_points=("UUMB",), steps=False, trigger_at="2021-09-10T18:00Z"
    ).iloc[0]
    assert late["earliest_imaging_utc"].date() == dt.date(2021, 9, 15)
    assert late["inside_window"]
    # a lower sun angle lets imaging start earlier
    low = csbm.time_to_image(
        ex, entry_points=("UUMB",), steps=False, timeline={"sun_elevation_min_deg": 5}
    ).iloc[0]
    assert low["earliest_imaging_utc"] < row["earliest_imaging_utc"]


def test_one_flight_at_a_time_delays_take_off() -> None:
    ex = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Brestsky")
    steps = csbm.time_to_image(
        ex, sensor="sar", entry_points=("UUMB",), timeline={"busy_h": 120}
    ).set_index("step")
    assert steps.loc[7, "time_utc"] == START + dt.timedelta(hours=120)  # not 96 h
    assert "flight under way" in steps.loc[7, "event"]


def test_minsk_is_designated_hypothetically() -> None:
    ex = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Brestsky")
    df = csbm.time_to_image(ex, steps=False).set_index("entry_point")
    assert not df.loc["UUMB", "hypothetical"]
    assert df.loc["UMMS", "hypothetical"]
    assert "(hypothetical)" in df.loc["UMMS", "label"]
    assert df.loc["UMMS", "budget_km"] == 5500
    d = _geodesic_km(MINSK, BREST)
    assert df.loc["UMMS", "approach_km"] == pytest.approx(d - 20, abs=0.1)
    small = csbm.time_to_image(
        ex, entry_points=("UMMS",), steps=False, hypothetical_max_flight_distance_km=500
    ).iloc[0]
    assert small["budget_km"] == 500
    assert not small["fits_one_flight"]  # 2 x 314 km + 60 km > 500 km
    assert "over the 500 km" in small["notes"]
    # the input regime is not changed
    assert not data.regime().airfield("UMMS").is_osa


def test_transfer_from_a_poe_that_is_not_an_osa() -> None:
    reg = data.regime().designate("UMMS", party="BLR", roles=("POE",), max_flight_distance_km=1)
    ex = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Brestsky")
    fast = csbm.time_to_image(ex, entry_points=("UMMS",), regime=reg, steps=False).iloc[0]
    assert fast["osa"] == "UUMB"  # the group's nearest OSA
    assert fast["transfer_ok"]  # 587 km at 430 km/h = 1.4 h <= 5 h
    slow = csbm.time_to_image(
        ex, entry_points=("UMMS",), regime=reg, aircraft=100.0, steps=False
    ).iloc[0]
    assert not slow["transfer_ok"]  # 5.9 h > 5 h (Annex E para 1)
    assert "Annex E para 1" in slow["notes"]


def test_zapad_route_estimate_by_hand() -> None:
    ex = csbm.Exercise(
        troops=12800,
        start="2021-09-10",
        end="2021-09-16",
        location=["Obuz-Lesnovsky", "Domanovsky", "Ruzhansky", "Brestsky"],
    )
    # a 35 km panoramic strip (the hand numbers below; the preset now follows its height)
    pan35 = sensors.preset("optical_high_pan").with_swath(35.0)
    df = csbm.time_to_image(ex, sensor=pan35, steps=False).set_index("entry_point")
    g = {x.name.split()[0]: x for x in ex.grounds}
    order = ["Obuz-Lesnovsky", "Ruzhansky", "Brestsky", "Domanovsky"]
    assert df.loc["UUMB", "route"].split(" -> ")[1].startswith(order[0])
    # 35 km swath, 10 % overlap -> 31.5 km lanes. Discs 20, 15, 20, 25 km:
    # 2 lanes (100 km), 1 lane (30 km), 2 lanes (100 km), 2 lanes (125 km); each replaces the
    # 2 r the tour flies through the disc.
    extra = (100 - 40) + (30 - 30) + (100 - 40) + (125 - 50)
    pts = [(g[n].lon, g[n].lat) for n in order]
    for code, home in (("UUMB", KUBINKA), ("UMMS", MINSK)):
        legs = [home, *pts, home]
        tour = sum(_geodesic_km(a, b) for a, b in itertools.pairwise(legs))
        assert df.loc[code, "flight_km"] == pytest.approx((tour + extra) * 1.02, abs=0.2)
        inner = sum(_geodesic_km(a, b) for a, b in itertools.pairwise(pts))
        assert df.loc[code, "imaging_km"] == pytest.approx(inner + extra + 20 + 25, abs=0.2)
