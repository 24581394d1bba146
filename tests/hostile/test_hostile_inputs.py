"""Hostile and careless inputs (issue 12, the input side): every config, target and plan file
is untrusted.

Each case gives an input that is unusable and checks that the command exits 2 with a
message naming the input (key path, line, value, the fix or the cap), that no output
directory appears and that nothing else in the working directory changed. Library
functions behind the commands refuse the same inputs with ``ValidationError``. The caps
are those of ``openskies/_limits.py``, documented in ``docs/security.md``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from openskies import _limits, cli, sensors
from openskies._errors import ValidationError
from openskies.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- helpers


def _tree(root: Path) -> dict[str, tuple[int, float]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def refused(tmp_path, monkeypatch):
    """Run a command in ``tmp_path``; assert exit 2, nothing written, the message's parts.

    Returns the message (whitespace normalised). ``args`` may use ``{out}`` for the output
    directory ``tmp_path / "out"``.
    """
    monkeypatch.chdir(tmp_path)  # a stray relative write would land here and be seen
    monkeypatch.setattr(cli.err_console, "_width", 4000)  # restored to None
    monkeypatch.setattr(cli.console, "_width", 4000)

    def run(args: list[str], *expect: str, code: int = 2) -> str:
        out = tmp_path / "out"
        before = _tree(tmp_path)
        r = runner.invoke(app, [a.replace("{out}", str(out)) for a in args])
        text = " ".join(r.output.split())
        assert r.exit_code == code, text
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.output
        assert not out.exists(), "an output directory was created"
        assert _tree(tmp_path) == before, "a file changed outside the output directory"
        for part in expect:
            assert part in text, f"{part!r} not in: {text}"
        return text

    return run


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- item 13: config


def test_budget_as_text_is_refused(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "s.yaml", 'study:\n  budgets_km: ["5500"]\n')
    text = refused(["compare", str(cfg), "-o", "{out}", "--no-progress"])
    assert "study.budgets_km.0 (line 2): Input should be a valid number; got '5500'" in text
    assert "sweep" not in text  # the other member of the union is not noise in the message


def test_budget_as_boolean_is_refused(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "s.yaml", "study:\n  budgets_km: [true]\n")
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "study.budgets_km.0 (line 2)",
        "got True (true/false is not a number)",
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("seed", "true"), ("year", '"2019"'), ("time_limit_s", '"10"'), ("reach_cell_km", "yes")],
)
def test_every_config_number_is_strict(tmp_path, refused, key, value) -> None:
    cfg = _write(tmp_path, "s.yaml", f"study:\n  {key}: {value}\n")
    refused(["compare", str(cfg), "-o", "{out}", "--no-progress"], f"study.{key} (line 2)")


def test_duplicate_yaml_key_names_the_key_and_both_lines(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "s.yaml", "study:\n  territory: BLR\n  seed: 1\n  territory: POL\n")
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "study.territory: the key 'territory' is given twice (lines 2 and 4)",
    )


def test_section_that_is_not_a_mapping_is_named(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "p.yaml", "plan: [1, 2]\n")
    text = refused(
        ["plan", str(cfg), "-o", "{out}"],
        "plan (line 1): must be a mapping of the plan keys",
        "got list [1, 2]",
    )
    assert "unknown key" not in text


def test_unknown_nested_key_lists_the_allowed_keys(tmp_path, refused) -> None:
    cfg = _write(
        tmp_path,
        "p.yaml",
        "plan:\n  start: UUMB\n  designate:\n"
        "    - {icao: UMMS, party: BLR, max_flight_distance_km: 5500, colour: red}\n",
    )
    text = refused(
        ["plan", str(cfg), "-o", "{out}"],
        "plan.designate.0.colour (line 4): unknown key; allowed keys here: icao, "
        "max_flight_distance_km, party, roles",
    )
    assert not re.search(r"allowed keys here:\s*($|\n)", text)


# --------------------------------------------------------------------------- YAML parsing


def test_yaml_nested_5000_deep_is_refused(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "s.yaml", "study:\n  name: " + "[" * 5000 + "]" * 5000 + "\n")
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "(line 2): nesting deeper than the cap of 50 levels",
        "OPENSKIES_MAX_YAML_DEPTH",
    )


def test_dev_zero_as_a_config_is_refused(refused) -> None:
    if not Path("/dev/zero").exists():  # pragma: no cover - not Linux
        pytest.skip("no /dev/zero")
    refused(
        ["compare", "/dev/zero", "-o", "{out}", "--no-progress"],
        "config file '/dev/zero' is not a regular file and gives more than 1,048,576 bytes",
    )


def test_a_directory_as_a_config_is_refused(tmp_path, refused) -> None:
    (tmp_path / "d").mkdir()
    refused(["compare", str(tmp_path / "d"), "-o", "{out}", "--no-progress"], "cannot be read")


def test_config_larger_than_the_cap_is_refused_before_parsing(tmp_path, refused) -> None:
    big = _write(tmp_path, "big.yaml", "study:\n  seed: 1\n" + "# padding\n" * 110_000)
    size = big.stat().st_size
    assert size > _limits.CAPS["config_bytes"].default
    refused(
        ["compare", str(big), "-o", "{out}", "--no-progress"],
        f"config file {str(big)!r}: {size:,} bytes exceeds the cap of 1,048,576 bytes",
        "OPENSKIES_MAX_CONFIG_BYTES",
    )


def test_config_cap_is_raised_by_its_environment_variable(tmp_path, monkeypatch) -> None:
    from openskies import config

    p = _write(tmp_path, "s.yaml", "study:\n  seed: 1\n" + "# padding\n" * 300)
    monkeypatch.setenv("OPENSKIES_MAX_CONFIG_BYTES", "1000")
    with pytest.raises(ValidationError, match="exceeds the cap of 1,000 bytes"):
        config.load(p, config.StudyConfig, section="study")
    monkeypatch.setenv("OPENSKIES_MAX_CONFIG_BYTES", "10000")
    assert config.load(p, config.StudyConfig, section="study").seed == 1
    monkeypatch.setenv("OPENSKIES_MAX_CONFIG_BYTES", "lots")
    with pytest.raises(ValidationError, match="OPENSKIES_MAX_CONFIG_BYTES='lots' must be"):
        config.load(p, config.StudyConfig, section="study")


def test_billion_laughs_is_measured_not_expanded(tmp_path, refused) -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, 9):
        prev, cur = chr(ord("a") + k - 1), chr(ord("a") + k)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines.append("study:\n  candidates: *i")
    cfg = _write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "(aliases expanded)",
        "exceeds the cap of 200,000 nodes",
    )


def test_recursive_alias_is_refused(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "r.yaml", "study:\n  candidates: &a [UUMB, *a]\n")
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "study.candidates.1 (line 2): a recursive alias",
    )


def test_python_tags_never_run(tmp_path, refused) -> None:
    marker = tmp_path / "pwned"
    cfg = _write(
        tmp_path,
        "t.yaml",
        f'study:\n  name: !!python/object/apply:os.mkdir ["{marker}"]\n',
    )
    refused(["compare", str(cfg), "-o", "{out}", "--no-progress"], "is not valid YAML (line 2")
    assert not marker.exists()


def test_list_longer_than_the_cap_is_refused(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "s.yaml", "study:\n  budgets_km: [" + ", ".join(["5500"] * 1001) + "]\n")
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "study.budgets_km (line 2): 1,001 items exceeds the cap of 1,000 items",
        "OPENSKIES_MAX_LIST_ITEMS",
    )


def test_655000_duplicate_candidates_are_refused_before_validation(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "s.yaml", "study:\n  candidates: [" + "UUMB, " * 655_000 + "UUMB]\n")
    refused(["compare", str(cfg), "-o", "{out}", "--no-progress"], "exceeds the cap of 1,048,576")


def test_long_names_and_strings_are_capped(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "p.yaml", "plan:\n  start: UUMB\n  name: " + "x" * 501 + "\n")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        "plan.name (line 3): 501 characters exceeds the cap of 500 characters",
    )
    cfg = _write(tmp_path, "p.yaml", "plan:\n  start: UUMB\n  targets_territory: " + "y" * 2001)
    refused(["plan", str(cfg), "-o", "{out}"], "2,001 characters exceeds the cap of 2,000")


# --------------------------------------------------------------------------- item 8: duplicates

DUPLICATES = {
    "compare candidates": ("compare", "study", "candidates: [UUMB, UMMS, uumb]", "'UUMB'"),
    "compare budgets": ("compare", "study", "budgets_km: [5500, 5500]", "5500.0"),
    "compare sensors": ("compare", "study", "sensors: [optical_low, optical_low]", "'optical_low'"),
    "compare home bases": ("compare", "study", "home_bases: [EPWA, EPWA]", "'EPWA'"),
    "rank candidates": ("rank", "rank", "candidates: [UMMS, UMMS]", "'UMMS'"),
    "rank budgets": ("rank", "rank", "budgets_km: [2500, 2500.0]", "2500.0"),
    "rank sensors": ("rank", "rank", "sensors: [optical_low, optical_low]", "'optical_low'"),
    "rank highlight": ("rank", "rank", "highlight: [UMMS, UMMS]", "'UMMS'"),
    "rank home bases": ("rank", "rank", "home_bases: [EPWA, EPWA]", "'EPWA'"),
    "rank objective": (
        "rank",
        "rank",
        "objective: [flights_lower_bound, flights_lower_bound]",
        "'flights_lower_bound'",
    ),
    "plan designations": (
        "plan",
        "plan",
        "start: UUMB\n  designate:\n"
        "    - {icao: UMMS, party: BLR, max_flight_distance_km: 5500}\n"
        "    - {icao: UMMS, party: BLR, max_flight_distance_km: 4000}",
        "'UMMS'",
    ),
    "plan designation roles": (
        "plan",
        "plan",
        "start: UUMB\n  designate:\n"
        "    - {icao: UMMS, party: BLR, max_flight_distance_km: 5500, roles: [OSA, OSA]}",
        "'OSA'",
    ),
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_duplicates_are_refused_naming_key_and_value(tmp_path, refused, case) -> None:
    command, section, body, value = DUPLICATES[case]
    cfg = _write(tmp_path, "c.yaml", f"{section}:\n  {body}\n")
    args = [command, str(cfg), "-o", "{out}"]
    if command != "plan":
        args.append("--no-progress")
    text = refused(args, f"{value} is listed twice (items")
    key = body.split(":")[0] if "designate" not in body else "designate"
    assert f"{section}.{key}" in text


EXERCISE = (
    "exercise:\n  troops: 12800\n  start: 2021-09-10\n  end: 2021-09-16\n"
    "  location: [Obuz-Lesnovsky]\n{extra_ex}"
    "time_to_image:\n  entry_points: [UUMB]\n  trigger_offsets_h: [0]\n{extra_tti}"
)


def _exercise(tmp_path: Path, *, ex: str = "", tti: str = "", replace: tuple = ()) -> Path:
    text = EXERCISE.format(extra_ex=ex, extra_tti=tti)
    for old, new in replace:
        text = text.replace(old, new)
    return _write(tmp_path, "ex.yaml", text)


@pytest.mark.parametrize(
    ("replace", "expect"),
    [
        (("entry_points: [UUMB]", "entry_points: [UUMB, UUMB]"), "time_to_image.entry_points"),
        (("trigger_offsets_h: [0]", "trigger_offsets_h: [0, 6, 0.0]"), "trigger_offsets_h"),
        (("[Obuz-Lesnovsky]", "[Brestsky, Brestsky]"), "exercise.location"),
        (("troops: 12800", "troops: 12800\n  sources: [a, a]"), "exercise.sources"),
        (("exercise:", "regimes: [vd2011, vd2011]\nexercise:"), "regimes"),
    ],
)
def test_exercise_duplicates_are_refused(tmp_path, refused, replace, expect) -> None:
    cfg = _exercise(tmp_path, replace=(replace,))
    refused(["exercise", str(cfg), "-o", "{out}"], expect, "is listed twice")


def test_library_refuses_duplicates_before_any_work() -> None:
    from openskies import csbm, study
    from openskies._ranking import rank_entry_points

    cases = [
        (lambda: study.compare_entry_points(budgets_km=[5500, 5500], progress=False), "5500"),
        (lambda: study.compare_entry_points(candidates=("UUMB", "uumb"), progress=False), "'UUMB'"),
        (lambda: study.compare_entry_points(sensors=("optical_low",) * 2, progress=False), "low"),
        (lambda: study.compare_entry_points(home_bases=("EPWA", "epwa"), progress=False), "EPWA"),
        (lambda: rank_entry_points("BLR", budgets_km=[5500, 5500.0], executor="sync"), "5500"),
        (lambda: rank_entry_points("BLR", sensors=["optical_low"] * 2, executor="sync"), "low"),
        (lambda: csbm.obligations(_zapad(), regimes=["vd2011", "VD2011"]), "'vd2011'"),
        (lambda: csbm.time_to_image(_zapad(), entry_points=("UUMB", "uumb")), "'UUMB'"),
    ]
    for call, value in cases:
        with pytest.raises(ValidationError, match=f"lists .*{re.escape(value)}.* twice"):
            call()


def _zapad():
    from openskies import csbm

    return csbm.Exercise.from_dict(
        {"troops": 12800, "start": "2021-09-10", "end": "2021-09-16", "location": "Brestsky"}
    )


def test_designate_option_twice_is_refused(refused) -> None:
    refused(
        [
            "validate",
            str(REPO / "tests" / "fixtures" / "minsk_start.csv"),
            "--designate",
            "UMMS=5500",
            "--designate",
            "umms=4000",
        ],
        "--designate names UMMS twice ('UMMS=5500' and 'umms=4000')",
    )


# --------------------------------------------------------------------------- item 8: rank


@pytest.mark.slow
def test_rank_exits_2_when_every_candidate_failed(tmp_path, refused) -> None:
    cfg = _write(
        tmp_path,
        "r.yaml",
        "rank:\n  territory: LTU\n  candidates: [UMMS, UMMG]\n  grid_km: null\n"
        "  reference: null\n  highlight: []\n  reach_cell_km: 50\n",
    )
    refused(
        ["rank", str(cfg), "-o", "{out}", "--scheduler", "sync", "--no-progress"],
        "every candidate failed (2 of 2); nothing was ranked and nothing written",
        "UMMG: ValidationError: candidate UMMG (party BLR) observes BLR+RUS, not LTU",
    )


def test_rank_reach_cell_inf_is_refused(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "r.yaml", "rank:\n  reach_cell_km: .inf\n")
    refused(
        ["rank", str(cfg), "-o", "{out}", "--scheduler", "sync", "--no-progress"],
        "rank.reach_cell_km (line 2): Input should be a finite number; got inf",
    )
    from openskies._ranking import rank_entry_points

    with pytest.raises(ValidationError, match="reach_cell_km=inf"):
        rank_entry_points("BLR", reach_cell_km=math.inf, executor="sync")


def test_quiet_dask_sets_distributed_loggers_to_warning(monkeypatch) -> None:
    from openskies.cli import rank as _cli_rank

    root = logging.getLogger()
    dist = logging.getLogger("distributed")
    saved = dist.level
    try:
        monkeypatch.setattr(root, "level", logging.WARNING)
        dist.setLevel(logging.INFO)
        _cli_rank._quiet_dask()
        assert dist.getEffectiveLevel() == logging.WARNING
        assert not logging.getLogger("distributed.scheduler").isEnabledFor(logging.INFO)
        # -v keeps them
        monkeypatch.setattr(root, "level", logging.INFO)
        dist.setLevel(logging.INFO)
        _cli_rank._quiet_dask()
        assert dist.getEffectiveLevel() == logging.INFO
    finally:
        dist.setLevel(saved)


# --------------------------------------------------------------------------- item 9: plan


def _plan_cfg(tmp_path: Path, extra: str) -> Path:
    return _write(tmp_path, "plan.yaml", f"plan:\n  start: UUMB\n  time_limit_s: 2\n{extra}")


def _targets(tmp_path: Path, props: dict, coords=(28.0, 53.9), name="t.geojson") -> Path:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": coords},
            }
        ],
    }
    return _write(tmp_path, name, json.dumps(fc))


@pytest.mark.slow
def test_plan_budget_that_reaches_no_target(tmp_path, refused) -> None:
    _targets(tmp_path, {"name": "far", "value": 1})
    cfg = _plan_cfg(tmp_path, "  budget_km: 100\n  targets: t.geojson\n")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        "no target can be observed from UUMB with plan.budget_km=100",
        "1 unreachable within the budget",
        "raise plan.budget_km",
    )


@pytest.mark.parametrize("key", ["targets", "avoid"])
def test_plan_missing_file(tmp_path, refused, key) -> None:
    cfg = _plan_cfg(tmp_path, f"  {key}: nothere.geojson\n")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        f"{key} file (plan.{key}) {str(tmp_path / 'nothere.geojson')!r} not found",
    )


@pytest.mark.parametrize("key", ["targets", "avoid"])
def test_plan_truncated_file(tmp_path, refused, key) -> None:
    good = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature"}] * 3})
    _write(tmp_path, "cut.geojson", good[: len(good) // 2])
    cfg = _plan_cfg(tmp_path, f"  {key}: cut.geojson\n")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        f"{key} file (plan.{key})",
        "cannot be read as a vector file (Failed to read GeoJSON data",
        "give a complete GeoJSON",
    )


def test_plan_targets_etc_passwd(tmp_path, refused) -> None:
    if not Path("/etc/passwd").is_file():  # pragma: no cover
        pytest.skip("no /etc/passwd")
    cfg = _plan_cfg(tmp_path, "  targets: /etc/passwd\n")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        "targets file (plan.targets) '/etc/passwd' cannot be read as a vector file",
        "not recognized as being in a supported file format",
    )


@pytest.mark.parametrize("value", ["high", True, None])
def test_plan_target_value_that_is_not_a_number(tmp_path, refused, value) -> None:
    _targets(tmp_path, {"name": "Baranovichi", "value": value})
    cfg = _plan_cfg(tmp_path, "  targets: t.geojson\n")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        f"target 'Baranovichi' has value {value!r}: a value must be a number >= 0",
    )


def test_targets_above_the_cap_are_refused_before_reading(tmp_path, refused, monkeypatch) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {"name": f"t{k}", "value": 1},
            "geometry": {"type": "Point", "coordinates": [27 + k / 100, 53.5]},
        }
        for k in range(12)
    ]
    _write(tmp_path, "t.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))
    cfg = _plan_cfg(tmp_path, "  targets: t.geojson\n")
    monkeypatch.setenv("OPENSKIES_MAX_TARGETS", "10")
    refused(
        ["plan", str(cfg), "-o", "{out}"],
        "12 targets exceeds the cap of 10 targets",
        "OPENSKIES_MAX_TARGETS",
    )


def test_defaults_admit_1000_targets_and_100000_waypoints() -> None:
    assert _limits.cap("targets").value >= 1000
    assert _limits.cap("waypoints").value >= 100_000


def test_long_target_names_are_capped() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from openskies import routing

    t = gpd.GeoDataFrame(
        {"name": ["x" * 1_000_000], "value": [1.0]}, geometry=[Point(28, 53.9)], crs="EPSG:4326"
    )
    with pytest.raises(ValidationError, match="1,000,000 characters exceeds the cap of 500"):
        routing.plan_route(None, t, start="UUMB")


# --------------------------------------------------------------------------- item 9: compare


def test_compare_russia_is_refused_with_the_supported_size(tmp_path, refused) -> None:
    cfg = _write(
        tmp_path,
        "s.yaml",
        "study:\n  territory: RUS\n  candidates: [UUMB]\n  budgets_km: [5500]\n"
        "  sensors: [optical_high_pan]\n  targets: none\n  reach_cell_km: 200\n",
    )
    # the preset's swath follows from its flying height: the effective swath is computed
    eff_km = sensors.preset("optical_high_pan").effective_swath_km(0.1)
    text = refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "imaging the whole of RUS",
        f"optical_high_pan ({eff_km:g} km effective swath at overlap 0.1)",
        f"with this sensor and overlap openskies images areas up to {150_000 * eff_km:,.0f} km²",
        "exceeds the cap of 150,000 km",
        "OPENSKIES_MAX_LANE_KM",
    )
    area = float(re.search(r"RUS \(([\d,]+) km²\)", text).group(1).replace(",", ""))
    lanes = float(re.search(r"needs about ([\d,]+) km of lanes", text).group(1).replace(",", ""))
    assert lanes == pytest.approx(area / eff_km, abs=1.0)  # area / effective swath


def test_compare_reach_cell_that_would_take_gigabytes(tmp_path, refused) -> None:
    cfg = _write(
        tmp_path, "s.yaml", "study:\n  reach_cell_km: 0.01\n  budgets_km: [5500]\n  targets: none\n"
    )
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "a reach grid of 0.01 km cells over BLR",
        "exceeds the cap of 1,000,000 cells",
        "choose a larger cell size",
    )


@pytest.mark.parametrize("command", ["compare", "rank"])
def test_overlap_near_one_is_refused(tmp_path, refused, command) -> None:
    section = "study" if command == "compare" else "rank"
    cfg = _write(tmp_path, "s.yaml", f"{section}:\n  overlap: 0.999\n")
    args = [command, str(cfg), "-o", "{out}", "--no-progress"]
    if command == "rank":
        args += ["--scheduler", "sync"]
    refused(args, f"{section}.overlap (line 2): Input should be less than or equal to 0.9")


def test_rank_fine_grid_is_refused_before_work(tmp_path, refused) -> None:
    cfg = _write(tmp_path, "r.yaml", "rank:\n  grid_km: 0.5\n")
    refused(
        ["rank", str(cfg), "-o", "{out}", "--scheduler", "sync", "--no-progress"],
        "a site grid of grid_km=0.5 over BLR",
        "exceeds the cap of 1,000,000 cells",
        "choose a coarser grid_km",
    )


def test_rank_evaluations_are_capped(tmp_path, refused, monkeypatch) -> None:
    monkeypatch.setenv("OPENSKIES_MAX_RANK_EVALUATIONS", "3")
    cfg = _write(
        tmp_path,
        "r.yaml",
        "rank:\n  candidates: [UMMS, UMMG]\n  grid_km: null\n  budgets_km: [5500, 2500]\n",
    )
    refused(
        ["rank", str(cfg), "-o", "{out}", "--scheduler", "sync", "--no-progress"],
        "a ranking of 3 sites x 2 budgets x 1 sensors: 6 evaluations exceeds the cap of 3",
    )


def test_study_scenarios_are_capped(tmp_path, refused) -> None:
    budgets = ", ".join(str(2500 + 10 * k) for k in range(201))
    cfg = _write(
        tmp_path, "s.yaml", f"study:\n  budgets_km: [{budgets}]\n  sensors: [optical_high_pan]\n"
    )
    refused(
        ["compare", str(cfg), "-o", "{out}", "--no-progress"],
        "exceeds the cap of 200 scenarios",
    )


def test_library_caps_before_work() -> None:
    from openskies import coverage, sensors

    with pytest.raises(_limits.LimitError, match="lane"):
        coverage.lanes("RUS", "optical_high_pan")
    with pytest.raises(_limits.LimitError, match="cells"):
        coverage.reach("BLR", "UUMB", cell_km=0.01)
    with pytest.raises(ValidationError, match=r"\[0, 0.9\]"):
        sensors.preset("optical_low").effective_swath_km(0.95)
    est = coverage.estimate_lane_km("BLR", "optical_high_pan", overlap=0.1)
    from openskies import data

    # swath = 2 H tan(FOV / 2) at the preset's flying height (issue 15)
    pan = sensors.preset("optical_high_pan")
    swath_km = 2.0 * pan.height_agl_m / 1000.0 * math.tan(math.radians(pan.fov_deg / 2.0))
    assert est == pytest.approx(data.territory("BLR").area_km2 / (swath_km * 0.9), rel=1e-9)


# --------------------------------------------------------------------------- item 9: exercise


@pytest.mark.parametrize(
    ("case", "kw", "expect"),
    [
        (
            "busy_h 1e300",
            {"tti": "  timeline:\n    busy_h: 1e300\n"},
            "time_to_image.timeline.busy_h (line 10): 1e+300 h: 1e+300 hours exceeds the cap of "
            "8,760 hours",
        ),
        (
            "trigger offset inf",
            {"replace": (("trigger_offsets_h: [0]", "trigger_offsets_h: [.inf]"),)},
            "time_to_image.trigger_offsets_h.0 (line 8): Input should be a finite number; got inf",
        ),
        (
            "trigger offset 1e6",
            {"replace": (("trigger_offsets_h: [0]", "trigger_offsets_h: [-1e6]"),)},
            "time_to_image.trigger_offsets_h (line 8): -1000000.0 h",
        ),
        (
            "radius 1e6",
            {"ex": "  radius_km: 1e6\n"},
            "exercise.radius_km (line 6): 1000000.0 km: 1,000,000 km exceeds the cap of 1,000 km",
        ),
        (
            "year 1",
            {"replace": (("2021-09-10", "0001-01-01"), ("2021-09-16", "0001-01-05"))},
            "exercise.start (line 3): date=0001-01-01 is outside the years 1900 to 2200",
        ),
        (
            "year 9999",
            {"replace": (("2021-09-10", "9999-12-25"), ("2021-09-16", "9999-12-31"))},
            "exercise.end (line 4): date=9999-12-31 is outside the years 1900 to 2200",
        ),
        (
            "trigger in year 9999",
            {"tti": "  trigger_at: 9999-12-31\n"},
            "time_to_image.trigger_at (line 9)",
        ),
        (
            "overlap 0.999",
            {"tti": "  timeline:\n    overlap: 0.999\n"},
            "time_to_image.timeline.overlap (line 10): Input should be less than or equal to 0.9",
        ),
    ],
)
def test_exercise_values_that_overflowed(tmp_path, refused, case, kw, expect) -> None:
    cfg = _exercise(tmp_path, **kw)
    refused(["exercise", str(cfg), "-o", "{out}"], expect)


def test_exercise_library_refuses_the_same_values() -> None:
    from openskies import csbm

    spec = {"troops": 1, "start": "2021-09-10", "end": "2021-09-16", "location": "Brestsky"}
    with pytest.raises(_limits.LimitError, match="radius_km"):
        csbm.Exercise.from_dict({**spec, "radius_km": 1e6})
    with pytest.raises(ValidationError, match="outside the years 1900 to 2200"):
        csbm.Exercise.from_dict({**spec, "start": "0001-01-01"})
    with pytest.raises(_limits.LimitError, match="busy_h"):
        csbm.Timeline.from_treaty(busy_h=1e300)
    with pytest.raises(ValidationError, match="outside the years"):
        csbm.time_to_image(_zapad(), trigger_at="9999-12-31", entry_points=("UUMB",))


# --------------------------------------------------------------------------- plan files


def _csv_plan(tmp_path: Path, n: int, name: str = "p.csv") -> Path:
    rows = ["lon,lat,name", "36.650002,55.611695,UUMB"]
    rows += [f"{28 + k * 0.01:.4f},53.9," for k in range(n - 2)]
    rows.append("36.650002,55.611695,UUMB")
    return _write(tmp_path, name, "\n".join(rows) + "\n")


def test_plan_file_waypoints_cap(tmp_path, refused, monkeypatch) -> None:
    p = _csv_plan(tmp_path, 12)
    monkeypatch.setenv("OPENSKIES_MAX_WAYPOINTS", "10")
    refused(
        ["validate", str(p)],
        f"plan file {str(p)!r}: 12 waypoints exceeds the cap of 10 waypoints",
        "OPENSKIES_MAX_WAYPOINTS",
    )


def test_plan_file_size_cap(tmp_path, refused, monkeypatch) -> None:
    p = _csv_plan(tmp_path, 12)
    monkeypatch.setenv("OPENSKIES_MAX_DATA_FILE_BYTES", "100")
    refused(["validate", str(p)], "bytes exceeds the cap of 100 bytes")


def test_plan_file_with_a_long_name(tmp_path, refused) -> None:
    wps = [
        {
            "type": "Feature",
            "properties": {"kind": "waypoint", "index": k, "name": "UUMB"},
            "geometry": {"type": "Point", "coordinates": [36.650002, 55.611695]},
        }
        for k in range(2)
    ]
    meta = {"format": "openskies-flightplan", "version": 1, "name": "n" * 1_000_000}
    doc = {"type": "FeatureCollection", "openskies": meta, "features": wps}
    p = _write(tmp_path, "p.geojson", json.dumps(doc))
    refused(["validate", str(p)], "the plan name: 1,000,000 characters exceeds the cap of 500")


def test_plan_file_nested_too_deep(tmp_path, refused) -> None:
    p = _write(tmp_path, "p.geojson", "[" * 100_000 + "]" * 100_000)
    refused(["validate", str(p)], "nests JSON too deeply")


@pytest.mark.parametrize("index", ["first", None, 1.5])
def test_plan_file_waypoint_index_not_a_number(tmp_path, refused, index) -> None:
    wps = [
        {
            "type": "Feature",
            "properties": {"kind": "waypoint", "index": index if k else 0, "name": "UUMB"},
            "geometry": {"type": "Point", "coordinates": [36.650002, 55.611695]},
        }
        for k in range(2)
    ]
    p = _write(tmp_path, "p.geojson", json.dumps({"type": "FeatureCollection", "features": wps}))
    refused(["validate", str(p)], "waypoint feature 1 index=")


def test_crowded_plan_is_checked_in_bounded_time(tmp_path, refused, monkeypatch) -> None:
    # 200 waypoints zigzagging inside 1 km x 2 km: the self-intersection check used to
    # relabel its event points in cubic time (minutes); now it is capped and fast
    rows = ["lon,lat,name", "36.650002,55.611695,UUMB"]
    rows += [f"{30 + 0.00003 * k:.6f},{54 + 0.01 * math.sin(k):.6f}," for k in range(200)]
    rows.append("36.650002,55.611695,UUMB")
    p = _write(tmp_path, "crowded.csv", "\n".join(rows) + "\n")
    monkeypatch.setenv("OPENSKIES_MAX_SELF_PAIRS", "10000")
    refused(
        ["validate", str(p)],
        "the plan's path comes close to itself too often for the self-intersection check",
        "exceeds the cap of 10,000 pairs",
        "OPENSKIES_MAX_SELF_PAIRS",
    )


def test_link_groups_equals_the_pairwise_definition() -> None:
    from openskies.flightplan import _link_groups

    def brute(pts: np.ndarray, link: float) -> np.ndarray:
        # independent: connected components of the "within link" graph by flooding
        n = len(pts)
        label = np.full(n, -1)
        for s in range(n):
            if label[s] >= 0:
                continue
            label[s] = s
            stack = [s]
            while stack:
                a = stack.pop()
                near = np.flatnonzero(np.linalg.norm(pts - pts[a], axis=1) <= link)
                for b in near[label[near] < 0]:
                    label[b] = s
                    stack.append(b)
        return label

    rng = np.random.default_rng(12)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        scale = float(rng.choice([1e3, 1e4, 4e4, 1e5]))
        pts = rng.uniform(-scale, scale, size=(n, 3)) + np.array([3.8e6, 2.0e6, 4.9e6])
        assert np.array_equal(_link_groups(pts, 10_000.0), brute(pts, 10_000.0))
    dense = rng.uniform(-2000, 2000, size=(20_000, 3)) + np.array([3.8e6, 2.0e6, 4.9e6])
    assert np.all(_link_groups(dense, 10_000.0) == 0)  # one group, found without n² work


# --------------------------------------------------------------------------- last resort


def test_an_escaped_exception_is_an_internal_error_exit_3(monkeypatch, capsys) -> None:
    def boom() -> None:
        msg = "a bug"
        raise RuntimeError(msg)

    monkeypatch.setattr(cli._app, "app", boom)
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == cli.EXIT_INTERNAL == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "internal error, please report it" in err
    assert "RuntimeError: a bug" in err


# --------------------------------------------------------------------------- docs


def test_every_cap_is_documented_with_its_default() -> None:
    text = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("## Caps", 1)[1].split("\n## ", 1)[0]
    for c in _limits.CAPS.values():
        row = next((ln for ln in section.splitlines() if f"`{c.env}`" in ln), None)
        assert row is not None, f"{c.env} is not in docs/security.md ## Caps"
        assert f"{c.default:,.0f}" in row, f"{c.env}: default {c.default:,.0f} not in {row!r}"
    assert f"{_limits.MAX_OVERLAP:g}" in section
    lo, hi = _limits.EXERCISE_YEARS
    assert f"{lo}" in section
    assert f"{hi}" in section
    assert "## What is trusted" in text


def test_lane_cap_admits_every_airfield_territory_but_russia() -> None:
    # docs/security.md: with the optical presets every bundled territory with an airfield is
    # within the lane_km cap except RUS and BLR+RUS (computed here, not typed in the docs)
    from openskies import coverage, data, sensors

    reg = data.regime()
    afs = reg.airfields()
    codes = set(afs["party"]) | {reg.observed_territory(i).code for i in afs.index[afs.is_osa]}
    optical = [n for n in sensors.PRESETS if sensors.preset(n).kind == "optical"]
    assert optical
    refused_codes = set()
    for code in sorted(codes):
        for name in optical:
            try:
                coverage.estimate_lane_km(code, name, overlap=0.1)
            except _limits.LimitError:
                refused_codes.add(code)
    assert refused_codes == {"RUS", "BLR+RUS"}


@pytest.mark.parametrize("key", ["avoid", "targets"])
def test_plan_self_intersecting_polygon(tmp_path, refused, key) -> None:
    bowtie = [[[27, 53], [28, 54], [28, 53], [27, 54], [27, 53]]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "bow", "value": 1},
                "geometry": {"type": "Polygon", "coordinates": bowtie},
            }
        ],
    }
    _write(tmp_path, "bow.geojson", json.dumps(fc))
    cfg = _plan_cfg(tmp_path, f"  {key}: bow.geojson\n")
    refused(["plan", str(cfg), "-o", "{out}"], "has an invalid", "geometry", "fix it")


def test_cut_line_without_cuts_shorter_than_a_piece() -> None:
    # the zip error of issue 12 (compare territory: RUS): a headland shorter than one piece
    # with no cut gave zip() arguments of different lengths
    from openskies import _lanes

    xy = np.array([[0.0, 0.0], [300.0, 0.0], [300.0, 400.0]])
    pieces, ends = _lanes._cut_line_at(xy, 10_000.0, [])
    assert len(pieces) == 1
    assert np.allclose(pieces[0], xy)
    assert np.allclose(ends, [700.0])  # the line's length, 300 + 400
