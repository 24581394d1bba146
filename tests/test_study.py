"""The entry-point study end to end, on a reduced configuration, against independent checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from typer.testing import CliRunner

from openskies import _scenario, data, geodesy, study
from openskies._errors import UnknownCodeError, ValidationError
from openskies.cli import app

G = Geodesic.WGS84


def _gl_km(a, b) -> float:
    return G.Inverse(a[1], a[0], b[1], b[0])["s12"] / 1000.0


@pytest.fixture(scope="module")
def reduced():
    sites = data.sites("BLR")
    grounds = sites[sites["kind"] == "training_ground"].head(4)
    return study.compare_entry_points(
        "BLR",
        ("UUMB", "UMMS"),
        budgets_km=[5500.0],
        sensors=("optical_high_pan",),
        targets=grounds,
        home_bases=("EPWA",),
        progress=False,
        reach_cell_km=25.0,
    )


#: The scenario whose rows describe an airfield's own flights: Kubinka's are the status
#: quo's, Minsk's the single_state option's (Minsk-only flights).
_OWN = {"UUMB": "status_quo", "UMMS": "single_state"}


def _value(st, icao, metric, sensor="optical_high_pan", scenario=None):
    m = st.metrics
    scen = scenario or _OWN[icao]
    row = m[
        (m["icao"] == icao)
        & (m["scenario"] == scen)
        & (m["metric"] == metric)
        & (m["sensor"] == sensor)
    ]
    assert len(row) == 1, (icao, scen, metric)
    return float(row["value"].iloc[0])


@pytest.mark.slow
def test_transit_against_independent_geodesics(reduced) -> None:
    blr = data.territory("BLR")
    ring = geodesy.densify(shapely.get_coordinates(blr.geometry.boundary), 1.0)
    xy = np.asarray(ring.coords)
    kub = data.airfield("UUMB")
    minsk = data.airfield("UMMS")
    near_kub = min(_gl_km((kub.lon, kub.lat), p) for p in xy[::3])
    far_minsk = max(_gl_km((minsk.lon, minsk.lat), p) for p in xy[::3])
    assert _value(reduced, "UUMB", "transit_nearest_km") == pytest.approx(near_kub, rel=0.01)
    assert _value(reduced, "UUMB", "transit_nearest_km") == pytest.approx(343.0, rel=0.02)
    assert _value(reduced, "UMMS", "transit_nearest_km") == 0.0  # Minsk lies in Belarus
    assert _value(reduced, "UMMS", "transit_farthest_km") == pytest.approx(far_minsk, rel=0.01)
    assert _value(reduced, "UMMS", "transit_farthest_km") == pytest.approx(398.0, rel=0.02)
    # counted km outside Belarus: at least the round trip to the nearest border from Kubinka
    assert _value(reduced, "UUMB", "km_outside_target_per_flight") >= 2 * near_kub * 0.99
    assert _value(reduced, "UMMS", "km_outside_target_per_flight") == pytest.approx(0.0, abs=5.0)
    # treaty transit (uncounted): poe_only ferries Minsk -> Kubinka and back
    kub, minsk_ = data.airfield("UUMB"), data.airfield("UMMS")
    ferry = 2 * _gl_km((kub.lon, kub.lat), (minsk_.lon, minsk_.lat))
    assert _value(
        reduced, "UUMB", "treaty_transit_km_per_mission", scenario="poe_only"
    ) == pytest.approx(ferry, rel=1e-6)
    assert _value(reduced, "UUMB", "treaty_transit_km_per_mission") == 0.0
    assert _value(reduced, "UUMB", "poe_to_osa_hours", scenario="poe_only") <= 5.0
    epwa = data.airfield("EPWA")
    for icao, published in (("UUMB", 1097.0), ("UMMS", 511.0)):
        a = data.airfield(icao)
        ref = 2 * _gl_km((epwa.lon, epwa.lat), (a.lon, a.lat))
        scen = "status_quo" if icao == "UUMB" else "single_state"
        assert _value(reduced, icao, "ferry_km_EPWA", scenario=scen) == pytest.approx(ref, rel=1e-6)
        assert ref / 2 == pytest.approx(published, rel=0.01)  # treaty-facts.md §6


@pytest.mark.slow
def test_coverage_metrics_are_consistent(reduced) -> None:
    blr = data.territory("BLR")
    for icao in ("UUMB", "UMMS"):
        n100 = _value(reduced, icao, "flights_100pct")
        assert n100 >= _value(reduced, icao, "flights_lower_bound") >= 1
        assert _value(reduced, icao, "flights_50pct") <= _value(reduced, icao, "flights_90pct")
        assert _value(reduced, icao, "flights_90pct") <= n100
        assert _value(reduced, icao, "full_coverage_fraction") >= 0.995
        assert _value(reduced, icao, "flights_100pct_quota_share") == pytest.approx(n100 / 42)
        # best single flight: recompute its imaged share of Belarus with GeographicLib areas
        fp = reduced.footprints[reduced.footprints["icao"] == icao].geometry.iloc[0]
        inter = fp.intersection(blr.geometry)
        area = 0.0
        for poly in geodesy.explode_polygons(inter):
            for k, ring in enumerate([poly.exterior, *poly.interiors]):
                p = G.Polygon()
                for x, y in list(ring.coords)[:-1]:
                    p.AddPoint(y, x)
                a = abs(p.Compute(False, True)[2]) / 1e6
                area += a if k == 0 else -a
        assert _value(reduced, icao, "best_flight_area_km2") == pytest.approx(area, rel=0.002)
        assert _value(reduced, icao, "best_flight_fraction") == pytest.approx(
            area / blr.area_km2, rel=0.002
        )
    # a flight from Minsk is all over Belarus; from Kubinka ~2 x 343 km is spent outside it
    assert _value(reduced, "UMMS", "budget_share_over_territory") == pytest.approx(
        1 / 1.02, rel=0.01
    )
    assert _value(reduced, "UUMB", "budget_share_over_territory") < 0.95


@pytest.mark.slow
def test_sites_time_and_labels(reduced) -> None:
    for icao in ("UUMB", "UMMS"):
        assert _value(reduced, icao, "sites_total") == 4
        assert _value(reduced, icao, "sites_observed_best_route") == 4
        assert _value(reduced, icao, "flights_all_sites") == 1
        assert _value(reduced, icao, "fits_96h_window") == 1
    m = reduced.metrics
    assert not m[m["scenario"] == "status_quo"]["hypothetical"].any()
    assert m[m["scenario"] != "status_quo"]["hypothetical"].all()
    # deltas from the status quo
    for metric in ("transit_nearest_km", "flights_100pct"):
        base = _value(reduced, "UUMB", metric)
        row = m[(m["scenario"] == "single_state") & (m["metric"] == metric)].iloc[0]
        assert row["delta_abs"] == pytest.approx(row["value"] - base)
    assert "(hypothetical)" in reduced.to_markdown()
    assert "hypothetical" in reduced.to_csv().splitlines()[0]
    assert reduced._repr_html_().startswith("<table")


def test_default_budget_sweep_respects_the_35_percent_floor() -> None:
    blr = data.territory("BLR")
    budgets = study.default_budgets(blr, data.airfield("UMMS"))
    assert budgets[0] == 5500.0
    floor = budgets[-1]
    assert floor >= 398.0 / 0.35  # treaty-facts.md §2: about 1,140 km
    assert floor < 1300.0


def test_bad_inputs() -> None:
    with pytest.raises(UnknownCodeError):
        study.compare_entry_points("BLR", ("UUMB", "XXXX"), progress=False)
    with pytest.raises(ValidationError, match="positive"):
        study.compare_entry_points("BLR", budgets_km=[-5.0], progress=False)
    with pytest.raises(UnknownCodeError):
        study.compare_entry_points("BLRR", progress=False)
    with pytest.raises(ValidationError, match="Belarus"):
        study.compare_entry_points("BLR", ("UUMB", "EPWA"), progress=False)
    with pytest.raises(ValidationError, match="scenarios contains 'moved'"):
        study.compare_entry_points("BLR", scenarios=("moved",), progress=False)
    with pytest.raises(ValidationError, match="Kubinka"):
        study.compare_entry_points("BLR", ("UMMS", "UUMB"), progress=False)
    with pytest.raises(UnknownCodeError, match="sensor"):
        study.compare_entry_points("BLR", sensors=("radar9000",), progress=False)


runner = CliRunner()

BAD_CONFIGS = {
    "unknown key": "study:\n  territory: BLR\n  colour: red\n",
    "negative budget": "study:\n  territory: BLR\n  budgets_km: [5500, -1]\n",
    "unknown sensor": "study:\n  sensors: [optical_high_pan, lidar]\n",
    "territory typo": "study:\n  territory: BLRR\n",
    "malformed yaml": "study:\n  territory: [BLR\n",
    "unknown icao": "study:\n  candidates: [UUMB, UMMX]\n",
    "unknown scenario": "study:\n  scenarios: [status_quo, moved]\n",
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_compare_rejects_unusable_configs(tmp_path, case) -> None:
    cfg = tmp_path / "study.yaml"
    cfg.write_text(BAD_CONFIGS[case])
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 2, r.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [cfg]  # no partial directory either
    text = " ".join(r.output.split())
    expect = {
        "unknown key": "study.colour (line 3): unknown key",
        "negative budget": "study.budgets_km",
        "unknown sensor": "lidar",
        "territory typo": "BLRR",
        "malformed yaml": "not valid YAML (line",
        "unknown icao": "UMMX",
        "unknown scenario": "study.scenarios.1",
    }[case]
    assert expect in text


@pytest.mark.slow
def test_compare_cli_small_end_to_end(tmp_path) -> None:
    cfg = tmp_path / "small.yaml"
    cfg.write_text(
        "study:\n  territory: BLR\n  candidates: [UUMB, UMMS]\n  budgets_km: [5500]\n"
        "  sensors: [optical_high_pan]\n  targets: none\n  reach_cell_km: 25\n"
    )
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {
        "report.html",
        "metrics.csv",
        "break_even.csv",
        "metrics.md",
        "provenance.json",
        "routes.geojson",
        "reach.geojson",
    } <= names
    prov = json.loads((out / "provenance.json").read_text())
    assert set(prov["data_sha256"]) >= {"countries.gpkg", "airfields.csv"}
    assert len(prov["config_sha256"]) == 64
    # identical configs give identical metrics
    out2 = tmp_path / "out2"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out2), "--no-progress"])
    assert r.exit_code == 0
    assert (out / "metrics.csv").read_text() == (out2 / "metrics.csv").read_text()
    assert (out / "report.html").read_bytes() == (out2 / "report.html").read_bytes()


@pytest.mark.slow
def test_times_use_the_study_aircraft(reduced) -> None:
    from openskies import aircraft

    ac = aircraft.preset("An-30B")
    for icao in ("UUMB", "UMMS"):
        best = reduced.routes[
            (reduced.routes["icao"] == icao) & (reduced.routes["kind"] == "best single flight")
        ]
        km = geodesy.path_length_km(best.geometry.iloc[0])
        assert _value(reduced, icao, "flight_hours_best_flight") == pytest.approx(
            km / ac.cruise_speed_kmh, rel=0.01
        )
        assert _value(reduced, icao, "refuel_stops_best_flight") == max(
            0, int(np.ceil(km / ac.range_km)) - 1
        )


@pytest.mark.slow
def test_targets_none_means_the_bundled_sites(monkeypatch) -> None:
    """The contract: targets=None takes the territory's bundled sites; "none" skips them."""
    seen = {}

    def fake_site_metrics(terr, sites, sc, sensor, **kw):
        seen[sc.icao] = None if sites is None else len(sites)
        return {}, None

    monkeypatch.setattr(_scenario, "_site_metrics", fake_site_metrics)
    kw = {
        "budgets_km": [5500.0],
        "sensors": ("optical_high_pan",),
        "progress": False,
        "reach_cell_km": 50.0,
    }
    kw["scenarios"] = ("status_quo",)
    study.compare_entry_points("BLR", ("UUMB",), targets=None, **kw)
    assert seen["UUMB"] == len(data.sites("BLR"))
    study.compare_entry_points("BLR", ("UUMB",), targets="none", **kw)
    assert seen["UUMB"] is None
    with pytest.raises(ValidationError, match="targets="):
        study.compare_entry_points("BLR", ("UUMB",), targets="all", **kw)


@pytest.mark.slow
def test_metrics_csv_contract(reduced) -> None:
    """Issue 14's output contract: scenario, entry_point, icao, budget_km per row."""
    import io

    import pandas as pd

    df = pd.read_csv(io.StringIO(reduced.to_csv()))
    assert {"scenario", "entry_point", "icao", "budget_km", "sensor", "metric", "value"} <= set(
        df.columns
    )
    assert "status_quo" not in df.columns  # the boolean column is replaced by `scenario`
    assert list(dict.fromkeys(df["scenario"])) == [
        "status_quo",
        "poe_only",
        "added_osa",
        "replacement",
        "single_state",
    ]
    kub_km = data.regime().max_flight_distance_km("UUMB")
    for scen, icao, entry in (
        ("status_quo", "UUMB", "UUMB"),
        ("poe_only", "UUMB", "UMMS"),
        ("added_osa", "UMMS", "UMMS"),
        ("replacement", "UMMS", "UMMS"),
        ("single_state", "UMMS", "UMMS"),
    ):
        rows = df[df["scenario"] == scen]
        assert set(rows["icao"]) == {icao}
        assert set(rows["entry_point"]) == {entry}
        expect_km = kub_km if scen in ("status_quo", "poe_only") else 5500.0
        assert set(rows["budget_km"]) == {expect_km}
        for metric in (
            "flights_100pct",
            "flights_lower_bound",
            "annex_e_ok",
            "km_outside_target_per_flight",
            "observer_quota_flights_per_year",
            "years_of_observer_quota_100pct",
            "flights_all_sites",
        ):
            assert (rows["metric"] == metric).sum() == 1, (scen, metric)
        v = rows.set_index("metric")["value"]
        assert v["flights_100pct"] >= v["flights_lower_bound"] >= 1
        # Poland over the group: min(ceil(3/2), ceil(42/2)) = 2 (Art. III Sec. I para 10)
        assert v["observer_quota_flights_per_year"] == 2
        assert v["years_of_observer_quota_100pct"] == pytest.approx(v["flights_100pct"] / 2)
    # the replacement floor (Kubinka's share, docs/legal-options.md: 5,830 km) is above 5,500
    rep = df[(df["scenario"] == "replacement")].set_index("metric")["value"]
    assert rep["min_budget_annex_e_km"] > 5500.0
    assert rep["annex_e_ok"] == 0
    single = df[(df["scenario"] == "single_state")].set_index("metric")["value"]
    assert single["annex_e_ok"] == 1  # floor about 1,140 km (treaty-facts.md §2)


@pytest.mark.slow
def test_added_osa_never_worse_than_status_quo(reduced) -> None:
    m = reduced.metrics
    for metric in _scenario._LOWER_BETTER + _scenario._HIGHER_BETTER:
        sq = m[(m["scenario"] == "status_quo") & (m["metric"] == metric)]
        ad = m[(m["scenario"] == "added_osa") & (m["metric"] == metric)]
        if sq.empty:
            continue
        a, b = float(sq["value"].iloc[0]), float(ad["value"].iloc[0])
        if metric in _scenario._LOWER_BETTER:
            assert b <= a, metric
        else:
            assert b >= a, metric
    # and never worse than Minsk alone
    for metric in ("flights_100pct", "best_flight_fraction"):
        single = _value(reduced, "UMMS", metric)
        added = _value(reduced, "UMMS", metric, scenario="added_osa")
        assert added <= single if metric == "flights_100pct" else added >= single


@pytest.mark.slow
def test_break_even_table_contract(reduced) -> None:
    import io

    import pandas as pd

    be = pd.read_csv(io.StringIO(reduced.break_even_csv()))
    assert list(be.columns) == list(study.BREAK_EVEN_COLUMNS)
    assert set(be["scenario"]) == {"added_osa", "replacement", "single_state"}
    assert set(be["metric"]) >= {
        "flights_100pct",
        "best_flight_fraction",
        "years_of_observer_quota_100pct",
    }
    # brute force on the grid: the break-even is a grid point (or bracket) where Minsk does at
    # least as well as Kubinka, and every grid point at or above it does too
    for r in reduced.break_even.itertuples():
        if r.metric != "flights_100pct":
            continue
        ref = _value(reduced, "UUMB", "flights_100pct")
        v = _value(reduced, "UMMS", "flights_100pct", scenario=r.scenario)
        if v <= ref:
            assert r.break_even_km is not None
            assert r.break_even_km <= 5500.0
        else:
            assert r.break_even_km is None or np.isnan(r.break_even_km)
    # added_osa does at least as well as Kubinka at every distance
    added = reduced.break_even[reduced.break_even["scenario"] == "added_osa"]
    assert added["break_even_km"].notna().all()


def test_break_even_table_against_brute_force() -> None:
    """Bisection of flights_100pct against a brute force on a 1 km grid (synthetic flights)."""
    import math

    blr = data.territory("BLR")
    box = shapely.box(27.0, 53.0, 27.5, 53.5)  # inside Belarus

    class _Plans(list):
        footprints = (box,)

    def flights(d: float) -> float:  # monotone: more distance, never more flights
        return float(math.ceil(11000.0 / d))

    def plan(sensor: str, d: float):
        return _Plans([None] * int(flights(d)))

    grid = [float(b) for b in range(500, 6001, 500)]
    minsk = {("s", b): {"flights_100pct": flights(b), "best_flight_fraction": 0.1} for b in grid}
    kub = {"s": {"flights_100pct": 3.0, "best_flight_fraction": 0.1}}
    table = study._break_even_table(
        blr,
        ["replacement"],
        {"s": None},
        grid,
        kub,
        minsk,
        {"replacement": 2.0},
        plan,
    )
    row = table[table["metric"] == "flights_100pct"].iloc[0]
    truth = next(d for d in range(1, 6001) if flights(float(d)) <= 3.0)  # 3,667 km
    assert row["low_km"] < truth <= row["high_km"]
    assert row["high_km"] - row["low_km"] <= 50.0
    assert row["break_even_km"] == row["high_km"]
    years = table[table["metric"] == "years_of_observer_quota_100pct"].iloc[0]
    assert years["high_km"] == row["high_km"]  # years = flights / 2: the same distance
