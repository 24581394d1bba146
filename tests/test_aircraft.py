"""Aircraft profiles: presets, their sources, the fuel reserve and the usable range.

The reserve arithmetic is checked on hand-made profiles whose answers are worked out in the
comments (which reserve applies, and the clamp at zero), and on every preset against the
definition in ``docs/sensors-and-aircraft.md``: the larger of ``reserve_fraction`` of the
range and ``reserve_min`` minutes at cruise speed.
"""

from __future__ import annotations

import math

import pytest

from openskies import aircraft
from openskies._errors import UnknownCodeError, ValidationError


def _profile(**kw: float) -> aircraft.Aircraft:
    base = {"cruise_speed_kmh": 600.0, "range_km": 1000.0, "min_altitude_m": 0.0}
    base.update(kw)
    return aircraft.Aircraft("test", max_altitude_m=8000.0, **base)


# --------------------------------------------------------------------------- presets


def test_aircraft_presets_have_sources_and_flag_assumptions() -> None:
    ps = aircraft.presets()
    assert set(ps) == {"An-30B", "Saab 340", "OC-135B", "Tu-214ON"}
    for ac in ps.values():
        assert 300.0 < ac.cruise_speed_kmh < 1000.0
        assert ac.min_altitude_m < ac.max_altitude_m
        assert set(ac.sources) == {
            "cruise_speed_kmh",
            "range_km",
            "min_altitude_m",
            "max_altitude_m",
        }
    assert "cruise_speed_kmh" in ps["OC-135B"].assumptions
    assert "cruise_speed_kmh" not in ps["Tu-214ON"].assumptions
    assert aircraft.preset("tu214on").name == "Tu-214ON"
    with pytest.raises(UnknownCodeError, match="An-30B"):
        aircraft.preset("Il-76")
    faster = ps["An-30B"].with_values(cruise_speed_kmh=500.0)
    assert faster.sources["cruise_speed_kmh"] == "user-given"
    with pytest.raises(ValidationError, match="cruise_speed_kmh"):
        aircraft.Aircraft("x", cruise_speed_kmh=-1, range_km=1, min_altitude_m=0, max_altitude_m=1)


@pytest.mark.parametrize(
    ("spelling", "name"),
    [("an-30b", "An-30B"), ("AN30B", "An-30B"), ("saab-340", "Saab 340"), ("OC 135 B", "OC-135B")],
)
def test_preset_names_ignore_case_and_punctuation(spelling, name) -> None:
    assert aircraft.preset(spelling) == aircraft.presets()[name]
    assert aircraft.preset(spelling).name == name


def test_presets_are_fresh_equal_objects_and_the_default_is_one() -> None:
    assert aircraft.presets() == aircraft.presets()
    assert aircraft.presets()["An-30B"] is not aircraft.presets()["An-30B"]
    assert aircraft.DEFAULT_PRESET in aircraft.presets()
    # the default is the slowest preset, so a duration computed without one is not optimistic
    slowest = min(aircraft.presets().values(), key=lambda a: a.cruise_speed_kmh)
    assert slowest.name == aircraft.DEFAULT_PRESET


# --------------------------------------------------------------------------- reserve and range


def test_the_minutes_reserve_applies_to_a_short_range() -> None:
    # 10 % of 1,000 km = 100 km; 45 min at 600 km/h = 450 km: the larger, 450 km, applies
    ac = _profile(range_km=1000.0, reserve_fraction=0.10, reserve_min=45.0)
    assert ac.reserve_km == pytest.approx(450.0)
    assert ac.usable_range_km == pytest.approx(550.0)


def test_the_fraction_reserve_applies_to_a_long_range() -> None:
    # 10 % of 6,000 km = 600 km > 450 km
    ac = _profile(range_km=6000.0, reserve_fraction=0.10, reserve_min=45.0)
    assert ac.reserve_km == pytest.approx(600.0)
    assert ac.usable_range_km == pytest.approx(5400.0)


def test_the_two_reserves_meet_at_the_break_even_range() -> None:
    # f R = m/60 v  ->  R = 45/60 * 600 / 0.1 = 4,500 km, reserve 450 km either way
    ac = _profile(range_km=4500.0, reserve_fraction=0.10, reserve_min=45.0)
    assert ac.reserve_fraction * ac.range_km == pytest.approx(450.0)
    assert ac.reserve_min / 60.0 * ac.cruise_speed_kmh == pytest.approx(450.0)
    assert ac.reserve_km == pytest.approx(450.0)
    assert ac.usable_range_km == pytest.approx(4050.0)


def test_usable_range_is_never_negative() -> None:
    # 45 min at 600 km/h = 450 km of reserve, more than the 300 km range
    ac = _profile(range_km=300.0)
    assert ac.reserve_km == pytest.approx(450.0)
    assert ac.usable_range_km == 0.0


def test_no_reserve_leaves_the_whole_range() -> None:
    ac = _profile(range_km=1234.0, reserve_fraction=0.0, reserve_min=0.0)
    assert ac.reserve_km == 0.0
    assert ac.usable_range_km == 1234.0


@pytest.mark.parametrize("name", list(aircraft.presets()))
def test_every_preset_reserve_by_its_definition(name) -> None:
    ac = aircraft.preset(name)
    by_fraction = ac.reserve_fraction * ac.range_km
    by_minutes = ac.reserve_min * ac.cruise_speed_kmh / 60.0
    assert ac.reserve_km == pytest.approx(max(by_fraction, by_minutes), rel=1e-12)
    assert ac.usable_range_km == pytest.approx(ac.range_km - ac.reserve_km, rel=1e-12)
    assert 0.0 < ac.usable_range_km < ac.range_km
    assert ac.top_height_m == ac.max_altitude_m - ac.ceiling_margin_m


def test_aircraft_operating_values_and_reserve() -> None:
    an30 = aircraft.preset("An-30B")
    # reserve: the larger of 10 % of 2,630 km and 45 min at 430 km/h
    assert an30.reserve_km == pytest.approx(max(0.10 * 2630.0, 0.75 * 430.0))
    assert an30.usable_range_km == pytest.approx(2630.0 - an30.reserve_km)
    assert set(an30.ops_sources) == set(aircraft.OPS_FIELDS)
    assert "ground_time_per_stop_h" in an30.ops_assumptions
    oc = aircraft.preset("OC-135B")
    assert oc.ceiling_margin_m == 0.0
    assert "ceiling_margin_m" not in oc.ops_assumptions
    longer = an30.with_values(ground_time_per_stop_h=2.5, range_km=3000.0)
    assert longer.ops_sources["ground_time_per_stop_h"] == "user-given"
    assert longer.sources["range_km"] == "user-given"
    with pytest.raises(ValidationError, match=r"reserve_fraction=1\.5"):
        an30.with_values(reserve_fraction=1.5)
    with pytest.raises(ValidationError, match="ceiling_margin_m"):
        an30.with_values(ceiling_margin_m=9000.0)


def test_with_values_recomputes_the_reserve() -> None:
    an30 = aircraft.preset("An-30B")
    # 20 % of 3,000 km = 600 km > 45 min at 430 km/h (322.5 km)
    longer = an30.with_values(range_km=3000.0, reserve_fraction=0.2)
    assert longer.reserve_km == pytest.approx(600.0)
    assert longer.usable_range_km == pytest.approx(2400.0)
    assert an30.range_km != longer.range_km  # the preset itself is unchanged
    with pytest.raises(ValidationError, match=r"unknown aircraft value\(s\) \['fuel_kg'\]"):
        an30.with_values(fuel_kg=1000.0)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cruise_speed_kmh", 0.0),
        ("cruise_speed_kmh", math.nan),
        ("cruise_speed_kmh", "430"),
        ("range_km", True),
        ("range_km", math.inf),
        ("min_altitude_m", -1.0),
    ],
)
def test_unusable_performance_values_name_the_field(field, value) -> None:
    with pytest.raises(ValidationError) as exc:
        _profile(**{field: value})
    assert str(exc.value) == (
        f"aircraft 'test': {field}={value!r} must be a finite positive number (km/h, km or m)"
    )


def test_the_altitude_band_runs_low_to_high() -> None:
    with pytest.raises(ValidationError, match=r"min_altitude_m=9000\.0 is above max_altitude_m"):
        _profile(min_altitude_m=9000.0)


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("reserve_fraction", 1.0, "a fraction in [0, 1)"),
        ("reserve_min", -5.0, "minutes of cruise >= 0"),
        ("ground_time_per_stop_h", math.nan, "hours >= 0"),
        ("ceiling_margin_m", 8000.0, "metres >= 0, below max_altitude_m"),
    ],
)
def test_unusable_operating_values_name_the_field(field, value, what) -> None:
    with pytest.raises(ValidationError) as exc:
        _profile(**{field: value})
    assert str(exc.value).startswith(f"aircraft 'test': {field}={value!r} must be {what}")


@pytest.mark.parametrize("name", sorted(aircraft.presets()))
def test_aircraft_pickle_round_trip(name) -> None:
    """Workers of a parallel study receive the aircraft: it pickles, sources and all."""
    import pickle

    a = aircraft.preset(name)
    b = pickle.loads(pickle.dumps(a))
    assert b == a
    assert dict(b.sources) == dict(a.sources)
    assert dict(b.ops_sources) == dict(a.ops_sources)
    with pytest.raises(TypeError):
        b.sources["cruise_speed_kmh"] = "changed"  # still read-only
