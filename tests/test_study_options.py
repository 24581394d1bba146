"""The study of the five legal options (issue 14): output contract, rules, break-even, sensitivity.

Small territories (a part of eastern Belarus) and cheap sensors keep these fast; the whole of
Belarus is in the ``slow`` tests. Independent checks: GeographicLib distances, the legal
rules of :mod:`openskies._entry_options` called directly, plans built here with
:func:`openskies.coverage.plan_full_coverage` and the bisection of
:func:`openskies._entry_options.break_even_km` run on them.
"""

from __future__ import annotations

import io
import itertools
import math
from concurrent.futures import Executor, Future

import numpy as np
import pandas as pd
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import _entry_options as eo
from openskies import _sweep, aircraft, coverage, data, daylight, geodesy, sensors, study, territory
from openskies._errors import InfeasibleError, ValidationError

G = Geodesic.WGS84
GRID = (500.0, 1000.0, 1500.0)
CONTRACT_COLUMNS = [
    "scenario",
    "icao",
    "entry_point",
    "name",
    "budget_km",
    "sensor",
    "month",
    "metric",
    "value",
    "unit",
    "hypothetical",
    "delta_abs",
    "delta_rel",
]


def _gl_km(a, b) -> float:
    return G.Inverse(a.lat, a.lon, b.lat, b.lon)["s12"] / 1000.0


def _part_of_belarus(box: tuple[float, float, float, float], code: str) -> territory.Territory:
    blr = data.territory("BLR")
    cut = shapely.box(*box)
    return territory.Territory(
        code,
        f"Belarus within {box}",
        ("BLR",),
        geodesy.as_multipolygon(blr.geometry.intersection(cut)),
        geodesy.as_multipolygon(blr.treaty_geometry.intersection(cut)),
    )


@pytest.fixture(scope="module")
def east():
    """About 3,500 km² of eastern Belarus, 250-300 km from Minsk, 400 km from Kubinka."""
    return _part_of_belarus((30.4, 53.3, 31.2, 53.9), "BLR-EAST")


@pytest.fixture(scope="module")
def options(east):
    return study.compare_entry_points(
        east,
        ("UUMB", "UMMS"),
        scenarios="all",
        budgets_km=GRID,
        sensors=("optical_high_pan",),
        targets="none",
        reach_cell_km=25.0,
        progress=False,
    )


def _rows(st_, scenario, metric, sensor="optical_high_pan"):
    m = st_.month_metrics(None)  # the year's rows: the flights as planned
    return m[(m["scenario"] == scenario) & (m["metric"] == metric) & (m["sensor"] == sensor)]


def _one(st_, scenario, metric, budget=None, sensor="optical_high_pan") -> float:
    r = _rows(st_, scenario, metric, sensor)
    if budget is not None:
        r = r[r["budget_km"] == budget]
    assert len(r) == 1, (scenario, metric, budget)
    return float(r["value"].iloc[0])


# --------------------------------------------------------------------------- contract


def test_output_contract_columns_and_keys(options) -> None:
    m = options.metrics
    assert list(m.columns) == CONTRACT_COLUMNS  # no boolean status_quo column any more
    assert list(dict.fromkeys(m["scenario"])) == list(eo.SCENARIOS)
    header = options.to_csv().splitlines()[0].split(",")
    assert header == CONTRACT_COLUMNS
    m = options.month_metrics(None)
    reg = data.regime(2019)
    kub_budget = reg.max_flight_distance_km("UUMB")
    for name in eo.SCENARIOS:
        rows = m[m["scenario"] == name]
        expect_icao = "UUMB" if name in ("status_quo", "poe_only") else "UMMS"
        expect_entry = "UUMB" if name == "status_quo" else "UMMS"
        assert set(rows["icao"]) == {expect_icao}, name
        assert set(rows["entry_point"]) == {expect_entry}, name
        assert set(rows["hypothetical"]) == {name != "status_quo"}, name
        budgets = sorted(set(rows["budget_km"]))
        if name in ("status_quo", "poe_only"):
            assert budgets == [kub_budget]
        elif name == "replacement":
            floor = _one(options, name, "min_budget_annex_e_km", budget=GRID[0])
            assert budgets[: len(GRID)] == list(GRID)
            assert max(budgets) >= floor  # the grid reaches the Annex E floor
            assert max(budgets) == math.ceil(floor / 500.0) * 500.0
        else:
            assert budgets == list(GRID)
        # every (budget, sensor) has annex_e_ok as 0 or 1 and the quota metrics
        for metric in ("annex_e_ok", "observer_quota_flights_per_year"):
            vals = rows[rows["metric"] == metric]
            assert len(vals) == len(budgets), (name, metric)
        assert set(rows.loc[rows["metric"] == "annex_e_ok", "value"]) <= {0.0, 1.0}
    assert "transit_round_trip_km" not in set(m["metric"])  # replaced
    for metric in (
        "km_outside_target_per_flight",
        "treaty_transit_km_per_flight",
        "years_of_observer_quota_100pct",
        "flights_100pct",
        "flights_lower_bound",
    ):
        assert metric in set(m["metric"]), metric
    assert set(m.loc[m["metric"] == "min_budget_annex_e_km", "scenario"]) == {
        "replacement",
        "single_state",
    }


def test_flight_counts_are_bounded_and_years_follow(options) -> None:
    m = options.month_metrics(None)
    up = m[m["metric"] == "flights_100pct"].set_index(["scenario", "budget_km"])["value"]
    lo = m[m["metric"] == "flights_lower_bound"].set_index(["scenario", "budget_km"])["value"]
    yrs = m[m["metric"] == "years_of_observer_quota_100pct"].set_index(["scenario", "budget_km"])
    per = m[m["metric"] == "observer_quota_flights_per_year"].set_index(["scenario", "budget_km"])
    assert len(up)
    for key, n in up.items():
        assert 1 <= lo[key] <= n, key
        # Poland over the group: min(ceil(3/2), ceil(42/2)) = 2 (Art. III Sec. I para 10)
        assert per.loc[key, "value"] == 2.0
        assert yrs.loc[key, "value"] == pytest.approx(n / 2.0)


def test_annex_e_flags_against_the_rules(options) -> None:
    """annex_e_ok of every row, and the floors, recomputed with the option rules themselves."""
    reg = data.regime(2019)
    for name in eo.SCENARIOS:
        opt = eo.option(name)
        rows = _rows(options, name, "annex_e_ok")
        for b, v in zip(rows["budget_km"], rows["value"], strict=True):
            expect = opt.annex_e_ok(reg, budget_km=b if opt.uses_minsk_distance else None)
            assert v == float(expect), (name, b)
    floors = eo.replacement_floors(reg)
    rep = _one(options, "replacement", "min_budget_annex_e_km", budget=GRID[0])
    assert rep == pytest.approx(floors["kubinka_share"].budget_km, rel=1e-9)
    assert rep == pytest.approx(5830.0, abs=5.0)  # docs/legal-options.md
    flags = _rows(options, "replacement", "annex_e_ok")
    for b, v in zip(flags["budget_km"], flags["value"], strict=True):
        assert v == float(b >= rep)
    single = _one(options, "single_state", "min_budget_annex_e_km", budget=GRID[0])
    assert single == pytest.approx(398.0 / 0.35, rel=0.01)  # treaty-facts.md §2


def test_poe_only_five_hours_transit_and_ferry_against_geographiclib(options) -> None:
    reg = data.regime(2019)
    kub, minsk, epwa = reg.airfield("UUMB"), reg.airfield("UMMS"), reg.airfield("EPWA")
    d = _gl_km(minsk, kub)
    assert _one(options, "poe_only", "poe_to_osa_hours") == pytest.approx(d / 430.0, rel=1e-6)
    assert _one(options, "poe_only", "five_hour_ok") == 1.0  # 1.37 h < 5 h
    assert _one(options, "poe_only", "treaty_transit_km_per_flight") == pytest.approx(
        2 * d, rel=1e-6
    )
    assert _one(options, "status_quo", "treaty_transit_km_per_flight") == 0.0
    assert _one(options, "poe_only", "ferry_km_EPWA") == pytest.approx(
        2 * _gl_km(epwa, minsk), rel=1e-6
    )
    assert _one(options, "status_quo", "ferry_km_EPWA") == pytest.approx(
        2 * _gl_km(epwa, kub), rel=1e-6
    )
    # the observer saves the ferry, not the budget: the flights are Kubinka's
    for metric in ("flights_100pct", "best_flight_fraction", "km_outside_target_per_flight"):
        assert _one(options, "poe_only", metric) == _one(options, "status_quo", metric)
    for b in GRID:
        assert _one(options, "replacement", "treaty_transit_km_per_flight", b) == 0.0


def test_added_osa_is_never_worse_than_the_status_quo(options) -> None:
    for b in GRID:
        assert _one(options, "added_osa", "flights_100pct", b) <= _one(
            options, "status_quo", "flights_100pct"
        )
        assert _one(options, "added_osa", "flights_90pct", b) <= _one(
            options, "status_quo", "flights_90pct"
        )
        assert _one(options, "added_osa", "best_flight_fraction", b) >= _one(
            options, "status_quo", "best_flight_fraction"
        )
        # and never worse than Minsk alone either
        assert _one(options, "added_osa", "flights_100pct", b) <= _one(
            options, "replacement", "flights_100pct", b
        )
        assert _one(options, "added_osa", "flights_lower_bound", b) <= _one(
            options, "added_osa", "flights_100pct", b
        )


def test_minsk_only_flights_are_shared_and_planned_once(options) -> None:
    m = options.month_metrics(None)
    shared = [
        "flights_100pct",
        "flights_lower_bound",
        "best_flight_fraction",
        "km_outside_target_per_flight",
        "flights_90pct",
    ]
    for b in GRID:
        for metric in shared:
            assert _one(options, "replacement", metric, b) == _one(
                options, "single_state", metric, b
            )
    # one unit of work for all the Minsk distances in this process, one for Kubinka
    units = [k for k in options.timings["cpu_seconds"] if k.startswith(("UMMS", "UUMB"))]
    assert len(units) == 2, units
    # the Minsk flights never leave Belarus (planned in the single_state regime), so they are
    # legal in replacement and added_osa as well
    blr = data.territory("BLR").treaty_geometry.buffer(1e-6)
    r = options.routes
    minsk = r[r["icao"] == "UMMS"]
    assert len(minsk)
    assert all(blr.contains(g) for g in minsk.geometry)
    assert set(minsk["flown_in"]) == {"added_osa,replacement,single_state"}
    assert m["value"].notna().all()


def test_km_outside_target_against_an_independent_sum(options, east) -> None:
    """Recompute the counted km outside the target from the route layer (1 km steps)."""
    r = options.routes
    kub = r[(r["icao"] == "UUMB") & (r["kind"] == "full coverage")]
    assert len(kub)
    shapely.prepare(east.geometry)
    per_flight = []
    for geom in kub.geometry:
        outside = 0.0
        for part in getattr(geom, "geoms", [geom]):
            xy = np.asarray(part.coords)
            for (x0, y0), (x1, y1) in itertools.pairwise(xy):
                line = G.InverseLine(y0, x0, y1, x1)
                n = max(1, math.ceil(line.s13 / 1000.0))
                for k in range(n):
                    mid = line.Position((k + 0.5) * line.s13 / n)
                    if not east.geometry.contains(shapely.Point(mid["lon2"], mid["lat2"])):
                        outside += line.s13 / n / 1000.0
        per_flight.append(outside)
    got = _one(options, "status_quo", "km_outside_target_per_flight")
    assert got == pytest.approx(float(np.mean(per_flight)), rel=0.01)
    # a Kubinka flight flies at least there and back from the nearest point of the area
    kub = data.airfield("UUMB")
    ring = shapely.segmentize(east.geometry.boundary, 0.01)  # <= 1.1 km steps
    near = min(
        G.Inverse(kub.lat, kub.lon, y, x)["s12"] / 1000.0 for x, y in shapely.get_coordinates(ring)
    )
    assert got >= 2 * (near - 1.0)


# --------------------------------------------------------------------------- break-even


def _independent_values(terr, sen, icao, reg, budget, overlap=0.1):
    try:
        fs = coverage.plan_full_coverage(
            terr, airfield=icao, sensor=sen, budget_km=budget, overlap=overlap, regime=reg
        )
    except InfeasibleError:  # part of the area is out of reach at this budget
        return math.inf, 0.0
    best = max(coverage.coverage(f, terr).covered_km2 for f in fs.footprints)
    return float(len(fs)), best / terr.area_km2


def test_break_even_against_an_independent_bisection(options, east) -> None:
    reg = data.regime(2019)
    sen = sensors.preset("optical_high_pan")
    kub_n, kub_f = _independent_values(east, sen, "UUMB", reg, 5500.0)
    res = 1e-4  # shares are compared to 0.01 % of the territory (docs/methodology.md)
    kub_f = round(kub_f / res) * res
    grid_rep = sorted({*GRID, *_rows(options, "replacement", "flights_100pct")["budget_km"]})
    top = eo.option("single_state").regime_for(reg, "UMMS", max(grid_rep))
    cache = {}

    def minsk(d):
        if d not in cache:
            cache[d] = _independent_values(east, sen, "UMMS", top, d)
        return cache[d]

    per_year = eo.observer_quota_flights_per_year("POL", "BLR+RUS")
    be = options.break_even.set_index(["scenario", "metric"])
    assert list(options.break_even.columns[:6]) == list(study.BREAK_EVEN_COLUMNS)
    for name, grid in (("replacement", grid_rep), ("single_state", GRID), ("added_osa", GRID)):
        for metric, better, ref, fn in (
            ("flights_100pct", "lower", kub_n, lambda d: minsk(d)[0]),
            ("best_flight_fraction", "higher", kub_f, lambda d: round(minsk(d)[1] / res) * res),
            (
                "years_of_observer_quota_100pct",
                "lower",
                kub_n / per_year,
                lambda d: minsk(d)[0] / per_year,
            ),
        ):
            if name == "added_osa":
                f = (
                    (lambda d, fn=fn, ref=ref: min(fn(d), ref))
                    if better == "lower"
                    else (lambda d, fn=fn, ref=ref: max(fn(d), ref))
                )
            else:
                f = fn

            def finite(d, f=f):
                v = f(d)
                return 1e9 if math.isinf(v) else v

            want = eo.break_even_km(finite, grid, ref, tol_km=50.0, better=better)
            got = be.loc[(name, metric)]
            for col in ("break_even_km", "low_km", "high_km"):
                g, w = got[col], getattr(want, col)
                assert (w is None and pd.isna(g)) or g == pytest.approx(w), (name, metric, col)
    # the CSV leaves break_even_km blank where Minsk never breaks even, low_km where the
    # first grid point already does
    text = options.break_even_csv()
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == list(study.BREAK_EVEN_COLUMNS)
    never = options.break_even["status"] == "never"
    assert frame.loc[never.to_numpy(), "break_even_km"].isna().all()
    start = options.break_even["status"] == "at_grid_start"
    assert frame.loc[start.to_numpy(), "low_km"].isna().all()
    assert start.any()  # added_osa: already at the first grid point


# --------------------------------------------------------------------------- sensitivity


def test_sensitivity_columns_flips_and_a_flip_recomputed(options, east) -> None:
    sens = options.sensitivity
    assert list(sens.columns) == list(study.SENSITIVITY_COLUMNS)
    assert set(zip(sens["assumption"], sens["setting"], strict=True)) == {
        (a, s) for a, s, _ in _sweep.SENSITIVITY
    }
    assert set(sens["flips"]) <= {0, 1}
    res = 1e-4

    def ok(v, ref, metric):
        if not (math.isfinite(v) and math.isfinite(ref)):
            return False
        if metric == "flights_100pct":
            return v <= ref
        return round(v / res) >= round(ref / res)

    # flips recomputed from the table's own values and its status quo rows
    for (a, s, _, metric), grp in sens.groupby(["assumption", "setting", "sensor", "metric"]):
        sq = grp[grp["scenario"] == "status_quo"].iloc[0]
        assert sq["flips"] == 0
        for r in grp[grp["scenario"] != "status_quo"].itertuples():
            flips = ok(r.value, sq["value"], metric) != ok(r.baseline, sq["baseline"], metric)
            assert r.flips == int(flips), (a, s, r.scenario, r.budget_km, metric)
    # one flip, planned again here: a 20 % wider swath at the smallest Minsk distance
    reg = data.regime(2019)
    base = sensors.preset("optical_high_pan")
    wide = sensors.Sensor("optical_high_pan", swath_km=base.width_km * 1.2)
    top = eo.option("single_state").regime_for(reg, "UMMS", 6000.0)
    k0 = _independent_values(east, base, "UUMB", reg, 5500.0)[0]
    k1 = _independent_values(east, wide, "UUMB", reg, 5500.0)[0]
    m0 = _independent_values(east, base, "UMMS", top, GRID[0])[0]
    m1 = _independent_values(east, wide, "UMMS", top, GRID[0])[0]
    assert (m0 <= k0) != (m1 <= k1)  # the conclusion flips at 500 km ...
    row = sens[
        (sens["assumption"] == "swath width")
        & (sens["setting"] == "20 % wider")
        & (sens["scenario"] == "replacement")
        & (sens["metric"] == "flights_100pct")
        & (sens["budget_km"] == GRID[0])
    ]
    assert len(row) == 1
    assert row["flips"].iloc[0] == 1  # ... and the table says so
    assert (row["value"].iloc[0], row["baseline"].iloc[0]) == (m1, m0)
    # the runs are written to sensitivity.csv, not to metrics.csv
    assert not set(options.metrics["metric"]) & {"flips", "baseline"}
    frame = pd.read_csv(io.StringIO(options.sensitivity_csv()))
    assert list(frame.columns) == list(study.SENSITIVITY_COLUMNS)
    assert len(frame) == len(sens)


# --------------------------------------------------------------------------- properties


def _flights(st_, scenario, sensor):
    r = _rows(st_, scenario, "flights_100pct", sensor)
    return dict(zip(r["budget_km"], r["value"], strict=True))


@pytest.mark.slow  # a long property run (five small studies)
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    budgets=st.lists(
        st.sampled_from([600.0, 800.0, 1000.0, 1300.0, 1700.0, 2200.0]),
        min_size=2,
        max_size=3,
        unique=True,
    ),
    swath=st.sampled_from([12.0, 20.0, 30.0]),
)
def test_more_minsk_budget_never_needs_more_flights(east, budgets, swath) -> None:
    sen = sensors.Sensor("test_strip", swath_km=swath)
    st_ = study.compare_entry_points(
        east,
        scenarios=("added_osa", "replacement", "single_state"),
        budgets_km=budgets,
        sensors=(sen,),
        targets="none",
        reach_cell_km=25.0,
        progress=False,
        sensitivity=False,
    )
    for name in ("added_osa", "replacement", "single_state"):
        f = _flights(st_, name, "test_strip")
        grid = sorted(b for b in f if b in budgets)
        assert grid == sorted(budgets)
        values = [f[b] for b in grid]
        assert all(b >= a for a, b in zip(values[1:], values[:-1], strict=True)), (name, f)


@pytest.mark.slow  # a long property run (five small studies)
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    swaths=st.lists(
        st.sampled_from([6.0, 9.0, 14.0, 20.0, 27.7]), min_size=2, max_size=2, unique=True
    ),
    budget=st.sampled_from([700.0, 1000.0, 1600.0]),
)
def test_a_wider_swath_never_needs_more_flights(east, swaths, budget) -> None:
    narrow, wide = sorted(swaths)
    sens = (sensors.Sensor("narrow", swath_km=narrow), sensors.Sensor("wide", swath_km=wide))
    st_ = study.compare_entry_points(
        east,
        scenarios=("status_quo", "added_osa", "replacement"),
        budgets_km=[budget],
        sensors=sens,
        targets="none",
        reach_cell_km=25.0,
        progress=False,
        sensitivity=False,
    )
    for name in ("status_quo", "added_osa", "replacement"):
        n, w = _flights(st_, name, "narrow"), _flights(st_, name, "wide")
        assert set(n) == set(w)
        for b in n:
            assert w[b] <= n[b], (name, b, narrow, wide)


# --------------------------------------------------------------------------- runs


class _FreshProcessExecutor(Executor):
    """Runs each task at once in this process, with the flight-problem cache emptied first:
    every unit of work starts as in a fresh worker process."""

    def submit(self, fn, /, *args, **kwargs):
        coverage._FLEETS.clear()
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # pragma: no cover - reported by the executor
            fut.set_exception(exc)
        return fut


def test_results_do_not_depend_on_how_the_grid_is_split(east) -> None:
    """Each Minsk distance in a unit of its own, planned cold, gives the same tables."""
    kw = {
        "scenarios": ("status_quo", "replacement"),
        "budgets_km": (700.0, 1200.0),
        "sensors": ("optical_high_pan",),
        "targets": "none",
        "reach_cell_km": 25.0,
        "progress": False,
        "sensitivity": False,
    }
    one = study.compare_entry_points(east, **kw)  # one unit, in order, caches warm
    split = study.compare_entry_points(east, executor=_FreshProcessExecutor(), workers=3, **kw)
    # one unit per Minsk distance: the grid, replacement's extension and the months' daylight
    # caps below the top of the grid (optical_high_pan needs daylight)
    p = split.params
    grid = {float(b) for b in p["budgets_km"]["UMMS"]}
    caps = {
        v
        for mo, v in p["daylight_caps_km"]["UMMS"].items()
        if int(mo) in p["months"] and p["daylight"][mo]["imageable"] and v < max(grid)
    }
    units = [k for k in split.timings["cpu_seconds"] if k.startswith("UMMS")]
    assert len(units) == len(grid | caps) == 3 + len(caps - grid)
    assert one.to_csv() == split.to_csv()
    assert one.break_even_csv() == split.break_even_csv()


@pytest.mark.slow
def test_local_processes_give_the_same_tables(east) -> None:
    kw = {
        "scenarios": "all",
        "budgets_km": (800.0, 1500.0),
        "sensors": ("optical_high_pan",),
        "targets": "none",
        "reach_cell_km": 25.0,
        "progress": False,
    }
    a = study.compare_entry_points(east, **kw)
    b = study.compare_entry_points(east, executor="local", workers=2, **kw)
    assert a.to_csv() == b.to_csv()
    assert a.break_even_csv() == b.break_even_csv()
    assert a.sensitivity_csv() == b.sensitivity_csv()
    assert b.timings["phase1"]["workers"] == 2


@pytest.mark.parametrize(
    "names",
    [
        ("status_quo",),
        ("poe_only",),
        ("replacement",),
        ("added_osa", "single_state"),
        ("status_quo", "single_state"),
    ],
)
def test_reports_render_any_subset_of_scenarios(east, names, tmp_path) -> None:
    st_ = study.compare_entry_points(
        east,
        scenarios=names,
        budgets_km=(900.0,),
        sensors=("optical_high_pan",),
        targets="none",
        reach_cell_km=25.0,
        progress=False,
        sensitivity=False,
    )
    assert set(st_.metrics["scenario"]) == set(names)
    md = st_.to_markdown()
    html = st_.to_html(tmp_path / "r.html").read_text()
    swept = any(eo.option(n).uses_minsk_distance for n in names)
    assert ("Break-even Minsk distance" in md) == swept
    assert ("Break-even Minsk distance" in html) == swept
    assert st_.findings()
    assert st_.summary().shape[0] >= 1


def test_five_option_inputs_are_checked_before_any_work(east) -> None:
    with pytest.raises(ValidationError, match="scenarios contains 'moon_base'"):
        study.compare_entry_points(east, scenarios=("status_quo", "moon_base"), progress=False)
    with pytest.raises(ValidationError, match="scenarios is empty"):
        study.compare_entry_points(east, scenarios=(), progress=False)
    with pytest.raises(ValidationError, match="'status_quo'"):
        study.compare_entry_points(east, scenarios=("status_quo", "status_quo"), progress=False)
    with pytest.raises(ValidationError, match="compare Kubinka"):
        study.compare_entry_points(east, ("UMMS", "UUMB"), scenarios="all", progress=False)
    with pytest.raises(ValidationError, match="airfield of Belarus"):
        study.compare_entry_points(east, ("UUMB", "EPWA"), scenarios="all", progress=False)
    with pytest.raises(ValidationError, match="territory='LVA'"):
        study.compare_entry_points("LVA", scenarios="all", progress=False)
    with pytest.raises(ValidationError, match="executor="):
        study.compare_entry_points(east, scenarios="all", executor="nowhere", progress=False)


@pytest.mark.slow
def test_notebook_view_shows_the_reports_answer(options, tmp_path) -> None:
    import html

    from openskies.report import _summary

    view = options._repr_html_()
    page = options.to_html(tmp_path / "r.html").read_text()
    sentences = _summary.summary(options).sentences
    assert 2 <= len(sentences) <= 4
    for s in sentences:
        assert html.escape(s.text) in view
        assert html.escape(s.text) in page
    assert 'id="fig-flights"' in view
    assert "<script" not in view
    sq = _one(options, "status_quo", "flights_100pct")
    assert f"against {sq:.0f} " in sentences[0].text


# --------------------------------------------------------------------------- months (issue 15)

#: An aircraft whose usable range (range less reserve) is shorter than the flights around
#: Minsk, so that they need a refuelling stop; cruise and ceiling as the An-30B.
SHORT_RANGE = aircraft.Aircraft(
    "short-range",
    cruise_speed_kmh=430.0,
    range_km=700.0,
    min_altitude_m=300.0,
    max_altitude_m=8300.0,
)
#: A threshold at which the December sun over the area around Minsk clears it for less than
#: an hour (its noon sun is about 13 deg): the December cap binds, June's does not.
LOW_SUN_DEG = 12.8


@pytest.fixture(scope="module")
def around_minsk():
    """About 7,000 km² of central Belarus around Minsk (53.6-54.2 N)."""
    return _part_of_belarus((27.2, 53.6, 28.8, 54.2), "BLR-MINSK")


@pytest.fixture(scope="module")
def seasons(around_minsk):
    return study.compare_entry_points(
        around_minsk,
        ("UUMB", "UMMS"),
        scenarios="all",
        budgets_km=(600.0, 1200.0),
        sensors=("optical_high_pan",),
        targets="none",
        reach_cell_km=25.0,
        progress=False,
        months=(6, 12),
        min_sun_elevation_deg=LOW_SUN_DEG,
        sensitivity=False,
        aircraft=SHORT_RANGE,
    )


def _by_case(st_, metric, month):
    rows = st_.month_metrics(month)
    rows = rows[rows["metric"] == metric]
    return {
        (r.scenario, r.budget_km, r.sensor): (math.inf if pd.isna(r.value) else r.value)
        for r in rows.itertuples()
    }


@pytest.mark.parametrize("which", ["options", "seasons"])
def test_december_never_needs_fewer_flights_than_june(which, request) -> None:
    """For every case, December's flights (blank: none possible) are at least June's."""
    st_ = request.getfixturevalue(which)
    for metric in ("flights_100pct", "expected_flights_100pct"):
        june, dec = _by_case(st_, metric, 6), _by_case(st_, metric, 12)
        assert june.keys() == dec.keys()
        assert june
        for case, n in june.items():
            assert math.isfinite(n), case
            assert dec[case] >= n, (metric, case)
    dark = st_.params["daylight"]["12"]
    if which == "options":
        # 15 deg: the December noon sun over eastern Belarus stays below it: blank, imageable 0
        assert not dark["imageable"]
        assert dark["lowest_noon_sun_deg"] < 15.0
        rows = st_.month_metrics(12)
        assert set(rows.loc[rows["metric"] == "imageable", "value"]) == {0.0}
        assert rows.loc[rows["metric"] == "flights_100pct", "value"].isna().all()
        assert any("December: no optical imaging" in f for f in st_.findings())
    else:
        # the December cap binds: some case needs strictly more flights than in June
        june, dec = _by_case(st_, "flights_100pct", 6), _by_case(st_, "flights_100pct", 12)
        assert dark["imageable"]
        assert any(dec[c] > june[c] for c in june)


def test_month_flights_are_the_plans_within_the_daylight_cap(seasons, around_minsk) -> None:
    """A month's Minsk flights are the fleet plan at min(budget, cap), cap from the window."""
    p = seasons.params
    reg = data.regime(2019)
    minsk = eo.option("single_state").regime_for(reg, "UMMS", 6000.0)
    margin = float(reg.parameter("max_flight_distance", "turn_margin"))
    x0, y0, x1, y1 = around_minsk.geometry.bounds
    for mo in ("6", "12"):
        d = p["daylight"][mo]
        # the shortest window over the area's latitudes, from the hour angle of the threshold
        # (cos H = (sin h - sin phi sin delta) / (cos phi cos delta)), at the two edges
        day = pd.Timestamp(d["date"]).date()
        import datetime as dt

        delta = math.radians(
            daylight.solar_declination_deg(
                dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
            )
        )
        hours = []
        for phi in (math.radians(y0), math.radians(y1)):
            c = (math.sin(math.radians(LOW_SUN_DEG)) - math.sin(phi) * math.sin(delta)) / (
                math.cos(phi) * math.cos(delta)
            )
            hours.append(0.0 if c >= 1 else 2.0 * math.degrees(math.acos(c)) / 15.0)
        # refraction (NOAA, about 0.07 deg at 13 deg) lengthens the ephemeris' window a little
        assert min(hours) <= d["shortest_window_h"] <= min(hours) + (0.35 if mo == "12" else 0.05)
        common = d["shortest_window_h"] - (x1 - x0) / 15.0
        assert d["common_window_h"] == pytest.approx(common)
        cap = math.floor((1.0 + margin) * common * SHORT_RANGE.cruise_speed_kmh)  # Minsk inside
        assert p["daylight_caps_km"]["UMMS"][mo] == cap
        sen = sensors.preset("optical_high_pan", aircraft=SHORT_RANGE)
        for b in (600.0, 1200.0):
            fs = coverage.plan_full_coverage(
                around_minsk,
                airfield="UMMS",
                sensor=sen,
                budget_km=min(b, cap),
                overlap=0.1,
                regime=minsk,
            )
            assert _one_month(seasons, "single_state", "flights_100pct", b, int(mo)) == len(fs)
            assert max(f.length_km for f in fs) <= min(b, cap) + 1e-6


def _one_month(st_, scenario, metric, budget, month) -> float:
    m = st_.month_metrics(month)
    r = m[(m["scenario"] == scenario) & (m["metric"] == metric) & (m["budget_km"] == budget)]
    assert len(r) == 1
    return float(r["value"].iloc[0])


@pytest.mark.parametrize("which", ["options", "seasons"])
def test_no_planned_flight_above_the_ceiling_or_below_the_resolution_height(which, request) -> None:
    """Every row's sensor height lies in its aircraft's band, above the treaty-limit height."""
    st_ = request.getfixturevalue(which)
    ac = SHORT_RANGE if which == "seasons" else aircraft.preset("An-30B")
    m = st_.metrics
    for name in st_.params["sensors"]:
        sen = sensors.preset(name)
        h = m[(m["sensor"] == name) & (m["metric"] == "altitude_agl_m")]["value"]
        w = m[(m["sensor"] == name) & (m["metric"] == "swath_km")]["value"]
        assert len(h)
        assert h.notna().all()
        assert (h <= ac.max_altitude_m - ac.ceiling_margin_m).all()
        assert (h >= max(ac.min_altitude_m, sen.min_height_agl_m)).all()
        # the swath follows from the height: 2 H tan(FOV / 2)
        expect = 2.0 * h / 1000.0 * math.tan(math.radians(sen.fov_deg / 2.0))
        assert np.allclose(w.to_numpy(), expect.to_numpy())
        # the resolution at that height is no finer than the treaty limit (Art. IV para 2)
        for v in set(h):
            assert sen.nadir_gsd_m(v) >= sen.resolution_limit_m * (1 - 1e-12)


def test_refuelling_stops_are_points_of_the_routes_layer(seasons, around_minsk, tmp_path) -> None:
    """Flights beyond the usable range get stops at allowed airfields, as refuel Points."""
    import json

    from openskies import io, refuel

    usable = SHORT_RANGE.range_km - max(
        SHORT_RANGE.reserve_fraction * SHORT_RANGE.range_km,
        SHORT_RANGE.reserve_min / 60.0 * SHORT_RANGE.cruise_speed_kmh,
    )
    path = io.write_geojson_layer(seasons.routes, tmp_path / "routes.geojson")
    feats = json.loads(path.read_text())["features"]
    lines = [f for f in feats if f["properties"]["kind"] != "refuel"]
    points = [f for f in feats if f["properties"]["kind"] == "refuel"]
    assert lines
    assert points
    assert all(isinstance(f["properties"]["feasible"], bool) for f in feats)
    allowed = {
        a.icao
        for a in refuel.refuel_airfields(
            eo.option("single_state").regime_for(data.regime(2019), "UMMS", 6000.0), around_minsk
        )
    }
    assert {p["properties"]["airfield"] for p in points} <= allowed
    for f in lines:
        pr = f["properties"]
        km = geodesy.path_length_km(shapely.geometry.shape(f["geometry"]))
        if pr["feasible"]:
            # a flight within the usable range needs no stop; a longer one needs one at least
            assert (pr["refuel_stops"] == 0) == (km <= usable + 1e-6), pr
            mine = [
                p
                for p in points
                if p["properties"]["flight"] == pr["flight"]
                and p["properties"]["flight_kind"] == pr["kind"]
                and p["properties"]["sensor"] == pr["sensor"]
                and p["properties"]["budget_km"] == pr["budget_km"]
                and p["properties"]["icao"] == pr["icao"]
            ]
            assert len(mine) == pr["refuel_stops"]
    # Kubinka's flights (about 1,500 km) cannot refuel over central Belarus in the 2019 regime
    kub = [f for f in lines if f["properties"]["icao"] == "UUMB"]
    assert kub
    assert not any(f["properties"]["feasible"] for f in kub)
    # the metric counts the best flight's stops, blank where it cannot be flown
    for f in lines:
        pr = f["properties"]
        if pr["kind"] != "best single flight":
            continue
        scen = "status_quo" if pr["icao"] == "UUMB" else "single_state"
        if pr["icao"] == "UMMS" and pr["budget_km"] not in (600.0, 1200.0):
            continue
        v = _one(seasons, scen, "refuel_stops_best_flight", pr["budget_km"])
        assert (v == pr["refuel_stops"]) if pr["feasible"] else math.isnan(v)
        assert _one(seasons, scen, "best_flight_feasible", pr["budget_km"]) == pr["feasible"]
