"""The pydantic config schemas (``openskies.config``): bundled configs load, bad ones are refused.

Each bundled config is read twice, by :func:`openskies.config.load` and by ``yaml.safe_load``
directly, and every value it gives must come out of the model unchanged. Unusable configs
(unknown keys, wrong types, out-of-range values, unknown codes, repeated items) raise
:class:`~openskies._errors.ConfigError` whose message names the key path, its line and what
is wrong. The command-line side of the same refusals (exit 2, nothing written) is tested in
``tests/hostile/test_hostile_inputs.py``.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
import yaml

from openskies import _limits, config
from openskies._errors import ConfigError

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

#: Every bundled config: (file, model, section).
BUNDLED = {
    "belarus-entry-point.yaml": (config.StudyConfig, "study"),
    "belarus-siting.yaml": (config.RankConfig, "rank"),
    "plan-belarus-kubinka.yaml": (config.PlanConfig, "plan"),
    "plan-belarus-minsk.yaml": (config.PlanConfig, "plan"),
    "zapad-2021.yaml": (config.ExerciseConfig, None),
}


def _load(name: str) -> config.BaseModel:
    model, section = BUNDLED[name]
    path = config.bundled_config(name)
    if model is config.ExerciseConfig:
        return config.load_exercise_config(path)
    return config.load(path, model, section=section)


def _same(raw, value, where: str = "") -> None:
    """Every value of the YAML ``raw`` is in the model's ``value`` (defaults may add keys)."""
    if isinstance(raw, dict):
        if not isinstance(value, dict):
            value = value.model_dump()
        for k, v in raw.items():
            assert k in value, f"{where}.{k} dropped"
            _same(v, value[k], f"{where}.{k}")
    elif isinstance(raw, list):
        assert isinstance(value, tuple), f"{where}: {value!r} is not a tuple"
        assert len(raw) == len(value), where
        for i, (a, b) in enumerate(zip(raw, value, strict=True)):
            _same(a, b, f"{where}.{i}")
    elif isinstance(raw, dt.date):
        assert value == raw, where
    else:
        assert value == raw, f"{where}: {value!r} != {raw!r}"
        assert isinstance(value, bool) == isinstance(raw, bool), where


def _refused(tmp_path: Path, text: str, model, section: str | None) -> str:
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    if model is config.ExerciseConfig:
        load = config.load_exercise_config
    else:
        load = functools.partial(config.load, model=model, section=section)
    with pytest.raises(ConfigError) as exc:
        load(p)
    head, _, detail = str(exc.value).partition("\n")
    assert head == f"invalid config {str(p)!r}:"
    return detail.strip()


# --------------------------------------------------------------------------- bundled configs


def test_every_bundled_config_is_listed() -> None:
    assert {p.name for p in CONFIGS.glob("*.yaml")} == set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_config_loads_with_every_value_it_gives(name) -> None:
    model, section = BUNDLED[name]
    cfg = _load(name)
    assert isinstance(cfg, model)
    raw = yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))
    _same(raw[section] if section else raw, cfg.model_dump(), section or "")
    assert config.display_name(CONFIGS / name) == f"configs/{name}"


def test_designations_of_the_minsk_plan() -> None:
    cfg = _load("plan-belarus-minsk.yaml")
    (d,) = cfg.designate
    assert (d.icao, d.party, d.max_flight_distance_km) == ("UMMS", "BLR", 5500.0)
    assert d.roles == ("POE", "OSA")  # the default roles of a designation


def test_an_unknown_bundled_config_lists_the_bundled_ones() -> None:
    with pytest.raises(ConfigError) as exc:
        config.bundled_config("belarus.yaml")
    assert str(exc.value) == f"no bundled config 'belarus.yaml'; bundled: {', '.join(BUNDLED)}"


def test_config_hash_is_of_the_effective_config(tmp_path) -> None:
    spelled = tmp_path / "a.yaml"
    spelled.write_text("study:\n  territory: BLR\n  seed: 0\n", encoding="utf-8")
    empty = tmp_path / "b.yaml"
    empty.write_text("study: {}\n", encoding="utf-8")
    other = tmp_path / "c.yaml"
    other.write_text("study:\n  seed: 1\n", encoding="utf-8")
    a, b, c = (config.load(p, config.StudyConfig, section="study") for p in (spelled, empty, other))
    assert config.config_hash(a) == config.config_hash(b)  # defaults spelled out or not
    assert config.config_hash(a) != config.config_hash(c)
    assert config.display_name(spelled) == "a.yaml"


# --------------------------------------------------------------------------- refused configs

STUDY = (config.StudyConfig, "study")
PLAN = (config.PlanConfig, "plan")
RANK = (config.RankConfig, "rank")
EXERCISE = (config.ExerciseConfig, None)
EX = "exercise: {troops: 3, start: 2021-09-10, end: 2021-09-11, location: Brestsky}\n"


@pytest.mark.parametrize(
    ("text", "schema", "message"),
    [
        # unknown keys
        (
            "study:\n  colour: red\n",
            STUDY,
            "study.colour (line 2): unknown key; allowed keys here: "
            + ", ".join(sorted(config.StudyConfig.model_fields)),
        ),
        (
            EX + "colour: red\n",
            EXERCISE,
            "colour (line 2): unknown key; allowed keys here: "
            + ", ".join(sorted(config.ExerciseConfig.model_fields)),
        ),
        (
            EX + "time_to_image: {timeline: {dawn_h: 10}}\n",
            EXERCISE,
            "time_to_image.timeline.dawn_h (line 2): unknown key; allowed keys here: "
            + ", ".join(sorted(config.TimelineSpec.model_fields)),
        ),
        # wrong types
        (
            "study:\n  year: '2019'\n",
            STUDY,
            "study.year (line 2): Input should be a valid integer; got '2019' (a number, not "
            "text: write it without quotes)",
        ),
        (
            "study:\n  seed: 1.5\n",
            STUDY,
            "study.seed (line 2): Input should be a valid integer; got 1.5",
        ),
        (
            "study:\n  candidates: UUMB\n",
            STUDY,
            "study.candidates (line 2): Input should be a valid tuple; got 'UUMB'",
        ),
        (
            "study:\n  sensors: [5]\n",
            STUDY,
            "study.sensors.0 (line 2): Input should be a valid string; got 5",
        ),
        (
            "rank:\n  metrics: everything\n",
            RANK,
            "rank.metrics (line 2): Input should be 'reach', 'coverage' or 'full'; got "
            "'everything'",
        ),
        (
            EX + "year: 2019.0\n",
            EXERCISE,
            "year (line 2): Input should be a valid integer; got 2019.0",
        ),
        # out of range
        (
            "study:\n  year: 1980\n",
            STUDY,
            "study.year (line 2): Input should be greater than or equal to 1992; got 1980",
        ),
        (
            f"study:\n  overlap: {_limits.MAX_OVERLAP + 0.01}\n",
            STUDY,
            f"study.overlap (line 2): Input should be less than or equal to "
            f"{_limits.MAX_OVERLAP:g}; got {_limits.MAX_OVERLAP + 0.01!r}",
        ),
        (
            "study:\n  reach_cell_km: .inf\n",
            STUDY,
            "study.reach_cell_km (line 2): Input should be a finite number; got inf",
        ),
        (
            "study:\n  budgets_km: [5500, -5]\n",
            STUDY,
            "study.budgets_km.1 (line 2): Input should be greater than 0; got -5",
        ),
        (
            "plan:\n  start: UUMB\n  min_fraction: 1.5\n",
            PLAN,
            "plan.min_fraction (line 3): Input should be less than or equal to 1; got 1.5",
        ),
        (
            "rank:\n  retries: -1\n",
            RANK,
            "rank.retries (line 2): Input should be greater than or equal to 0; got -1",
        ),
        (
            "exercise:\n  troops: 3\n  tanks: -1\n  start: 2021-09-10\n  end: 2021-09-11\n"
            "  location: Brestsky\n",
            EXERCISE,
            "exercise.tanks (line 3): Input should be greater than or equal to 0; got -1",
        ),
        (
            EX + "time_to_image: {timeline: {sun_elevation_min_deg: 90}}\n",
            EXERCISE,
            "time_to_image.timeline.sun_elevation_min_deg (line 2): Input should be less than "
            "90; got 90",
        ),
        # the study's months and daylight threshold (issue 15)
        (
            "study:\n  months: [0, 6]\n",
            STUDY,
            "study.months (line 2): months contains 0: give whole months 1-12 (1 = January), "
            "e.g. [3, 6, 9, 12]",
        ),
        (
            "study:\n  months: [3, 3]\n",
            STUDY,
            "study.months (line 2): months lists 3 twice (items 0 and 1): give each value once",
        ),
        (
            "study:\n  months: march\n",
            STUDY,
            "study.months (line 2): months='march' must be a list of months 1-12, e.g. "
            "[3, 6, 9, 12] (or [] for the year only)",
        ),
        (
            "study:\n  min_sun_elevation_deg: 95\n",
            STUDY,
            "study.min_sun_elevation_deg (line 2): min_sun_elevation_deg=95.0 must be a solar "
            "elevation in degrees in [-5, 90), e.g. 15",
        ),
        # missing, repeated and unknown values
        ("plan:\n  name: x\n", PLAN, "plan.start (line 1): Field required"),
        (
            "study:\n  candidates: [UUMB, uumb]\n",
            STUDY,
            "study.candidates (line 2): 'UUMB' is listed twice (items 0 and 1): give each "
            "value once",
        ),
        (
            "study:\n  territory: ZZZ\n",
            STUDY,
            "study.territory (line 2): unknown territory code 'ZZZ': e.g. 'BLR', 'POL', "
            "'BLR+RUS', 'RUS-KGD'",
        ),
        (
            "plan:\n  start: UUMB\n  sensor: lidar\n",
            PLAN,
            "plan.sensor (line 3): unknown sensor preset 'lidar': choose from optical_low, "
            "optical_high_pan, ir, sar",
        ),
        (
            EX + "time_to_image: {aircraft: Concorde}\n",
            EXERCISE,
            "time_to_image.aircraft (line 2): unknown aircraft preset 'Concorde': choose one of "
            "An-30B, Saab 340, OC-135B, Tu-214ON, or build openskies.aircraft.Aircraft(name, "
            "cruise_speed_kmh=..., range_km=..., min_altitude_m=..., max_altitude_m=...)",
        ),
        # a misspelt "all": the message lists the five options
        (
            "study:\n  scenarios: al\n",
            STUDY,
            "study.scenarios (line 2): 'al' is neither 'all' nor a list of scenarios: give "
            "'all' or a list of some of status_quo, poe_only, added_osa, replacement, "
            "single_state (e.g. [status_quo, replacement])",
        ),
    ],
)
def test_unusable_config_names_the_key_its_line_and_the_problem(
    tmp_path, text, schema, message
) -> None:
    assert _refused(tmp_path, text, *schema) == message


def test_an_unknown_icao_code_lists_the_bundled_ones(tmp_path) -> None:
    from openskies import data

    detail = _refused(tmp_path, "study:\n  candidates: [UUMB, XXXX]\n", *STUDY)
    known = ", ".join(sorted(data.airfields().index))
    assert detail.startswith("study.candidates.1 (line 2): unknown ICAO code 'XXXX': ")
    assert f"({known})" in detail


def test_every_error_of_a_config_is_listed(tmp_path) -> None:
    detail = _refused(tmp_path, "study:\n  seed: x\n  year: 1980\n  colour: red\n", *STUDY)
    keys = [line.strip().split(" ", 1)[0] for line in detail.split("\n")]
    assert sorted(keys) == ["study.colour", "study.seed", "study.year"]


def test_an_objective_is_checked_against_its_metrics_level(tmp_path) -> None:
    detail = _refused(tmp_path, "rank:\n  objective: [nonsense]\n", *RANK)
    assert detail.startswith(
        "rank.objective (line 2): objective metric 'nonsense' is not computed at metrics='reach'"
    )
    assert "flights_lower_bound" in detail  # the available metrics are listed


# --------------------------------------------------------------------------- YAML reading


def test_yaml_ints_and_exponents_are_numbers() -> None:
    p = CONFIGS / "belarus-entry-point.yaml"
    cfg = config.load(p, config.StudyConfig, section="study")
    assert cfg.reach_cell_km == 10.0
    assert isinstance(cfg.reach_cell_km, float)
    loader = config._ConfigLoader("a: 1e6\nb: 2.5E-1\nc: '1e6'\nd: 12\n")
    assert loader.get_single_data() == {"a": 1e6, "b": 0.25, "c": "1e6", "d": 12}


def test_merge_keys_may_still_override(tmp_path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("base: &b {seed: 1, territory: BLR}\nstudy:\n  <<: *b\n  seed: 2\n", "utf-8")
    raw, _ = config._read_yaml(p)
    assert raw["study"] == {"seed": 2, "territory": "BLR"}


def test_allowed_keys_is_never_an_empty_list() -> None:
    # a key path through a list of models, and one through a non-model: a list or nothing
    assert config._allowed_keys(config.PlanConfig, ("designate", 0, "x")) == [
        "icao",
        "max_flight_distance_km",
        "party",
        "roles",
    ]
    assert config._allowed_keys(config.StudyConfig, ("candidates", 0, "x")) == []
