"""The one set of input coercions (``openskies._validate``) and the model bindings of it.

Every ``sensor=``, ``aircraft=`` and ``regime=`` argument of openskies goes through
:func:`openskies._validate.instance_or_preset` (bound once per model:
``sensors.as_sensor``, ``aircraft.as_aircraft``, ``airfields.as_regime``); every number
through :func:`~openskies._validate.finite` or :func:`~openskies._validate.positive`. The
last section checks that the public functions share the behaviour, message included.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass

import numpy as np
import pytest
from shapely.geometry import LineString

from openskies import (
    _validate,
    aircraft,
    airfields,
    coverage,
    csbm,
    data,
    flightplan,
    routing,
    sensors,
    study,
)
from openskies._errors import (
    UnknownCodeError,
    UnknownPresetError,
    ValidationError,
)

# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", [3, 3.0, np.float32(3.0), np.int64(3)])
def test_finite_accepts_numbers(value) -> None:
    v = _validate.finite(value, "x_km")
    assert v == 3.0
    assert type(v) is float


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, True, False, "3", b"3", None, [3], object()]
)
def test_finite_refuses_what_is_not_a_finite_number(value) -> None:
    with pytest.raises(ValidationError) as exc:
        _validate.finite(value, "x_km")
    assert str(exc.value) == f"x_km={value!r} must be a finite number"


def test_finite_refuses_an_integer_too_large_for_a_float() -> None:
    with pytest.raises(ValidationError, match="must be a finite number"):
        _validate.finite(10**400, "x_km")


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf, True, "5500", None])
def test_positive_refuses_with_the_callers_message(value) -> None:
    with pytest.raises(ValidationError) as exc:
        _validate.positive(value, "budget_km must be positive")
    assert str(exc.value) == "budget_km must be positive"


def test_positive_and_budgets() -> None:
    assert _validate.positive(np.float64(2.5), "m") == 2.5
    assert _validate.positive_budgets((5500, 2500.0)) == [5500.0, 2500.0]
    with pytest.raises(ValidationError) as exc:
        _validate.positive_budgets((5500, -1, 0))
    assert str(exc.value) == _validate.BUDGET_MSG.format(value=-1)


def test_number_is_nan_for_anything_but_a_number() -> None:
    assert _validate.number(7) == 7.0
    for value in (True, "7", None, {}, 10**400):
        assert math.isnan(_validate.number(value))


def test_shown_cuts_long_reprs() -> None:
    assert _validate.shown("abc") == "'abc'"
    long = list(range(100))
    text = _validate.shown(long)
    assert len(text) == _validate.MAX_SHOWN
    assert text.endswith("...")
    assert text[:-3] == repr(long)[: _validate.MAX_SHOWN - 3]


def test_unique_names_the_repeat_and_skips_unhashable_items() -> None:
    assert _validate.unique(iter("abc"), "sensors") == ["a", "b", "c"]
    with pytest.raises(ValidationError) as exc:
        _validate.unique(["UUMB", "UMMS", "UUMB"], "candidates")
    assert str(exc.value) == ("candidates lists 'UUMB' twice (items 0 and 2): give each value once")
    assert _validate.unique([[1], [1]], "rows") == [[1], [1]]


# --------------------------------------------------------------------------- the generic coercion


@dataclass(frozen=True)
class _Thing:
    name: str


_THINGS = {"alpha": _Thing("alpha"), "beta": _Thing("beta")}


def _lookup(name: str) -> _Thing:
    try:
        return _THINGS[name]
    except KeyError:
        raise UnknownCodeError(name) from None


def _coerce(value, **kw):
    return _validate.instance_or_preset(
        value,
        field=kw.pop("field", "thing"),
        cls=_Thing,
        kind="thing",
        instance="a _Thing",
        lookup=kw.pop("lookup", _lookup),
        names=_THINGS,
        **kw,
    )


def test_an_instance_is_returned_as_it_is_and_a_name_is_looked_up() -> None:
    mine = _Thing("mine")
    assert _coerce(mine) is mine
    assert _coerce("beta") is _THINGS["beta"]
    assert _coerce(np.str_("alpha")) is _THINGS["alpha"]  # a str subclass is a name


def test_none_only_where_the_caller_says_so() -> None:
    with pytest.raises(ValidationError) as exc:
        _coerce(None)
    assert str(exc.value) == (
        "thing=None is not a thing: give a preset name (alpha, beta) or a _Thing"
    )
    assert _coerce(None, allow_none=True) is None
    assert _coerce(None, default=lambda: _THINGS["alpha"]) is _THINGS["alpha"]
    # a default wins over allow_none
    assert _coerce(None, allow_none=True, default=lambda: _THINGS["beta"]) is _THINGS["beta"]


def test_an_unknown_name_is_both_an_unknown_code_and_a_validation_error() -> None:
    with pytest.raises(UnknownPresetError) as exc:
        _coerce("gamma", field="things")
    assert isinstance(exc.value, UnknownCodeError)
    assert isinstance(exc.value, KeyError)
    assert isinstance(exc.value, ValidationError)
    assert isinstance(exc.value, ValueError)
    # not quoted like a KeyError
    assert str(exc.value) == (
        "things='gamma' is an unknown thing preset: give a preset name (alpha, beta) or a _Thing"
    )


@pytest.mark.parametrize(
    "value",
    [5, 2.5, True, {"name": "alpha"}, ["alpha"], b"alpha", _THINGS, types.SimpleNamespace()],
)
def test_anything_else_is_refused_naming_field_value_and_fix(value) -> None:
    with pytest.raises(ValidationError) as exc:
        _coerce(value)
    assert not isinstance(exc.value, KeyError)
    assert str(exc.value) == (
        f"thing={_validate.shown(value)} is not a thing: give a preset name (alpha, beta) "
        "or a _Thing"
    )


def test_without_presets_a_string_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        _coerce("alpha", lookup=None)
    assert str(exc.value) == "thing='alpha' is not a thing: give a _Thing"


# --------------------------------------------------------------------------- the bindings

SENSOR_FIX = (
    "give a preset name (optical_low, optical_high_pan, ir, sar) or an openskies.sensors.Sensor"
)
AIRCRAFT_FIX = (
    "give a preset name (An-30B, Saab 340, OC-135B, Tu-214ON) or an "
    "openskies.aircraft.Aircraft(name, cruise_speed_kmh=..., range_km=..., ...)"
)
REGIME_FIX = "give an openskies.data.Regime, e.g. openskies.data.regime(2019)"


def test_fixes_list_the_real_preset_names() -> None:
    assert ", ".join(sensors.PRESETS) in SENSOR_FIX
    assert ", ".join(aircraft.presets()) in AIRCRAFT_FIX


@pytest.mark.parametrize("name", sensors.PRESETS)
def test_as_sensor_reads_each_preset(name) -> None:
    got = sensors.as_sensor(name)
    assert got == sensors.preset(name)
    assert sensors.as_sensor(name.upper()) == got
    assert sensors.as_sensor(got) is got


def test_as_sensor_errors() -> None:
    with pytest.raises(UnknownPresetError) as exc:
        sensors.as_sensor("lidar")
    assert str(exc.value) == f"sensor='lidar' is an unknown sensor preset: {SENSOR_FIX}"
    an30 = aircraft.preset("An-30B")
    for value in (35.0, {"swath_km": 35.0}, an30, None):
        with pytest.raises(ValidationError) as exc:
            sensors.as_sensor(value, field="lanes_sensor")
        assert str(exc.value) == (
            f"lanes_sensor={_validate.shown(value)} is not a sensor: {SENSOR_FIX}"
        )
    assert sensors.as_sensor(None, allow_none=True) is None


def test_as_aircraft() -> None:
    an30 = aircraft.preset("An-30B")
    assert aircraft.as_aircraft("an 30 b") == an30  # the preset's own name matching
    assert aircraft.as_aircraft(an30) is an30
    assert aircraft.as_aircraft(None, default=aircraft.DEFAULT_PRESET) == an30
    assert aircraft.as_aircraft(None, allow_none=True) is None
    with pytest.raises(UnknownPresetError) as exc:
        aircraft.as_aircraft("Il-76")
    assert str(exc.value) == f"aircraft='Il-76' is an unknown aircraft preset: {AIRCRAFT_FIX}"
    for value in (430.0, None, sensors.preset("sar"), {"name": "An-30B"}):
        with pytest.raises(ValidationError) as exc:
            aircraft.as_aircraft(value)
        assert (
            str(exc.value)
            == f"aircraft={_validate.shown(value)} is not an aircraft: {AIRCRAFT_FIX}"
        )


def test_as_regime() -> None:
    assert airfields.as_regime(None) is data.regime()  # cached: the very 2019 regime
    assert airfields.as_regime(None).year == 2019
    hyp = data.regime(2021).designate("UMMS", party="BLR", max_flight_distance_km=900)
    assert airfields.as_regime(hyp) is hyp
    for value in (2019, "2019", {"year": 2019}):
        with pytest.raises(ValidationError) as exc:
            airfields.as_regime(value)
        assert not isinstance(exc.value, KeyError)
        assert str(exc.value) == f"regime={value!r} is not a regime: {REGIME_FIX}"
    with pytest.raises(ValidationError, match=r"^regime=None is not a regime"):
        airfields.as_regime(None, allow_none=False)


def test_the_presets_themselves_raise_the_dual_error() -> None:
    with pytest.raises(UnknownPresetError, match="unknown sensor preset 'lidar'"):
        sensors.preset("lidar")
    with pytest.raises(UnknownPresetError, match="unknown aircraft preset 'Il-76'"):
        aircraft.preset("Il-76")


# --------------------------------------------------------------------------- the callers

BAD_SENSOR = 35.0
LINE = LineString([(27.0, 53.0), (28.0, 53.0)])
EXERCISE = csbm.Exercise(troops=1, start="2021-09-10", end="2021-09-16", location="Brestsky")

#: Every public function with a ``sensor=`` argument, given the same unusable sensor.
SENSOR_CALLERS = {
    "coverage.footprint_lines": lambda s: coverage.footprint_lines(LINE, s),
    "coverage.lanes": lambda s: coverage.lanes(LINE.buffer(0.5), s),
    "coverage.estimate_lane_km": lambda s: coverage.estimate_lane_km("BLR", s),
    "coverage.plan_full_coverage": lambda s: coverage.plan_full_coverage(
        "BLR", airfield="UUMB", sensor=s
    ),
    "coverage.reach": lambda s: coverage.reach("BLR", "UUMB", cell_km=50.0, sensor=s),
    "routing.plan_route": lambda s: routing.plan_route(None, None, start="UUMB", sensor=s),
    "csbm.time_to_image": lambda s: csbm.time_to_image(EXERCISE, sensor=s),
}


@pytest.mark.parametrize("caller", SENSOR_CALLERS)
def test_every_sensor_argument_behaves_the_same(caller) -> None:
    with pytest.raises(ValidationError) as exc:
        SENSOR_CALLERS[caller](BAD_SENSOR)
    assert str(exc.value) == f"sensor=35.0 is not a sensor: {SENSOR_FIX}"
    with pytest.raises(UnknownPresetError, match=r"^sensor='lidar' is an unknown sensor preset"):
        SENSOR_CALLERS[caller]("lidar")


def test_plan_full_coverage_grid_names_its_sensors_argument() -> None:
    with pytest.raises(ValidationError) as exc:
        coverage.plan_full_coverage_grid(
            "BLR", airfield="UUMB", sensors=["optical_low", BAD_SENSOR], budgets_km=[5500]
        )
    assert str(exc.value) == f"sensors=35.0 is not a sensor: {SENSOR_FIX}"


def test_routing_refuses_what_it_used_to_pass_through() -> None:
    # a look-alike with a swath was taken as a sensor, unchecked
    fake = types.SimpleNamespace(name="fake", swath_km=10.0, side="both")
    with pytest.raises(ValidationError, match=r"^sensor=namespace\(.*is not a sensor"):
        routing.plan_route(None, None, start="UUMB", sensor=fake)


#: Every public function with an ``aircraft=`` argument, given the same unusable aircraft.
AIRCRAFT_CALLERS = {
    "sensors.preset": lambda a: sensors.preset("sar", aircraft=a),
    "Sensor.operating_height_m": lambda a: sensors.preset("ir").operating_height_m(a),
    "FlightPlan.from_waypoints": lambda a: flightplan.FlightPlan.from_waypoints(
        [(36.65, 55.61), (30.0, 54.0), (36.65, 55.61)], start="UUMB", aircraft=a
    ),
    "study.compare_entry_points": lambda a: study.compare_entry_points(
        "BLR", ("UUMB",), sensors=("optical_low",), aircraft=a, progress=False
    ),
}


@pytest.mark.parametrize("caller", AIRCRAFT_CALLERS)
def test_every_aircraft_argument_behaves_the_same(caller) -> None:
    bad = {"cruise_speed_kmh": 430}
    with pytest.raises(ValidationError) as exc:
        AIRCRAFT_CALLERS[caller](bad)
    assert str(exc.value) == f"aircraft={bad!r} is not an aircraft: {AIRCRAFT_FIX}"
    with pytest.raises(UnknownPresetError, match=r"^aircraft='Il-76' is an unknown aircraft"):
        AIRCRAFT_CALLERS[caller]("Il-76")


def test_time_to_image_also_takes_a_speed_and_says_so() -> None:
    with pytest.raises(ValidationError) as exc:
        csbm.time_to_image(EXERCISE, aircraft={"cruise_speed_kmh": 430})
    assert str(exc.value) == (
        f"aircraft={{'cruise_speed_kmh': 430}} is not an aircraft: {AIRCRAFT_FIX}, "
        "or a cruise speed in km/h"
    )
    with pytest.raises(UnknownPresetError, match=r"^aircraft='Il-76'"):
        csbm.time_to_image(EXERCISE, aircraft="Il-76")


#: Every public function with a ``regime=`` argument, given a year instead of a regime.
REGIME_CALLERS = {
    "data.airfield": lambda r: data.airfield("UUMB", regime=r),
    "coverage.reach": lambda r: coverage.reach("BLR", "UUMB", regime=r),
    "coverage.plan_full_coverage": lambda r: coverage.plan_full_coverage(
        "BLR", airfield="UUMB", sensor="sar", regime=r
    ),
    "routing.plan_route": lambda r: routing.plan_route(None, None, start="UUMB", regime=r),
    "csbm.time_to_image": lambda r: csbm.time_to_image(EXERCISE, regime=r),
    "study.compare_entry_points": lambda r: study.compare_entry_points(
        "BLR", regime=r, progress=False
    ),
}


@pytest.mark.parametrize("caller", REGIME_CALLERS)
def test_every_regime_argument_behaves_the_same(caller) -> None:
    with pytest.raises(ValidationError) as exc:
        REGIME_CALLERS[caller](2021)
    assert str(exc.value) == f"regime=2021 is not a regime: {REGIME_FIX}"


def test_none_is_the_2019_regime_for_the_callers() -> None:
    assert data.airfield("UUMB", regime=None) == data.regime(2019).airfield("UUMB")
    # Kubinka's flights observe Belarus and Russia in 2019, not in 2022 (Russia left in 2021)
    assert data.airfield("UUMB").is_osa
    assert not data.regime(2022).is_osa("UUMB")
