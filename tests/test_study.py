"""The entry-point study end to end, on a reduced configuration, against independent checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic

from openskies import _scenario, data, geodesy, study
from openskies._errors import UnknownCodeError, ValidationError

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


def _value(st, icao, metric, sensor="optical_high_pan"):
    m = st.month_metrics(None)  # the year's rows
    row = m[(m["icao"] == icao) & (m["metric"] == metric) & (m["sensor"] == sensor)]
    assert len(row) == 1, (icao, metric)
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
    # counted km outside Belarus per full-coverage flight, summed again here in 1 km steps
    routes = reduced.routes
    for icao in ("UUMB", "UMMS"):
        shapely.prepare(blr.geometry)
        per_flight = []
        for geom in routes[(routes["icao"] == icao) & (routes["kind"] == "full coverage")].geometry:
            outside = 0.0
            for part in getattr(geom, "geoms", [geom]):
                for (x0, y0), (x1, y1) in itertools.pairwise(np.asarray(part.coords)):
                    line = G.InverseLine(y0, x0, y1, x1)
                    n = max(1, math.ceil(line.s13 / 1000.0))
                    for k in range(n):
                        mid = line.Position((k + 0.5) * line.s13 / n)
                        if not blr.geometry.contains(shapely.Point(mid["lon2"], mid["lat2"])):
                            outside += line.s13 / n / 1000.0
            per_flight.append(outside)
        got = _value(reduced, icao, "km_outside_target_per_flight")
        assert got == pytest.approx(float(np.mean(per_flight)), rel=0.01, abs=1.0), icao
    # a flight from Kubinka flies at least there and back from the nearest border point
    assert _value(reduced, "UUMB", "km_outside_target_per_flight") >= 2 * near_kub
    assert _value(reduced, "UMMS", "km_outside_target_per_flight") < 5.0  # Minsk: inside
    epwa = data.airfield("EPWA")
    for icao, published in (("UUMB", 1097.0), ("UMMS", 511.0)):
        a = data.airfield(icao)
        ref = 2 * _gl_km((epwa.lon, epwa.lat), (a.lon, a.lat))
        assert _value(reduced, icao, "ferry_km_EPWA") == pytest.approx(ref, rel=1e-6)
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
    m = reduced.month_metrics(None)
    assert not m[m["icao"] == "UUMB"]["hypothetical"].any()
    assert m[m["icao"] == "UMMS"]["hypothetical"].all()
    # a comparison of candidates as they are: the first is the status quo, the others
    # candidates; each row names the point of entry serving its airfield
    assert set(m.loc[m["icao"] == "UUMB", "scenario"]) == {"status_quo"}
    assert set(m.loc[m["icao"] == "UMMS", "scenario"]) == {"candidate"}
    assert set(m["entry_point"]) == {"UUMB", "UMMS"}
    assert "status_quo" not in m.columns
    assert reduced.break_even.empty
    assert not reduced.scenario_study
    # deltas from the status quo
    for metric in ("transit_nearest_km", "flights_100pct"):
        base = _value(reduced, "UUMB", metric)
        row = m[(m["icao"] == "UMMS") & (m["metric"] == metric)].iloc[0]
        assert row["delta_abs"] == pytest.approx(row["value"] - base)
    assert "(hypothetical)" in reduced.to_markdown()
    assert "hypothetical" in reduced.to_csv().splitlines()[0]
    # a notebook shows the answer and the key figures, as the report's top does
    view = reduced._repr_html_()
    assert view.startswith('<div class="openskies-study">')
    assert "<script" not in view
    assert '<figure class="os-figure" id="fig-maps">' in view
    flights = _value(reduced, "UMMS", "flights_100pct")
    assert f"takes {flights:.0f} flights" in view


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
    with pytest.raises(ValidationError, match="observes"):
        study.compare_entry_points("BLR", ("UUMB", "EPWA"), progress=False)
    with pytest.raises(UnknownCodeError, match="sensor"):
        study.compare_entry_points("BLR", sensors=("radar9000",), progress=False)


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
        # stops with the usable range (range less reserve): at least ceil(km / usable) - 1
        # when the flight can be flown at all (placed at allowed airfields, openskies.refuel)
        stops = _value(reduced, icao, "refuel_stops_best_flight")
        feasible = _value(reduced, icao, "best_flight_feasible")
        usable = ac.range_km - ac.reserve_km
        if feasible:
            assert stops >= max(0, int(np.ceil(km / usable)) - 1)
            assert (stops == 0) == (km <= usable)
        else:
            assert math.isnan(stops)
        assert bool(best["feasible"].iloc[0]) == bool(feasible)


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
    study.compare_entry_points("BLR", ("UUMB",), targets=None, **kw)
    assert seen["UUMB"] == len(data.sites("BLR"))
    study.compare_entry_points("BLR", ("UUMB",), targets="none", **kw)
    assert seen["UUMB"] is None
    with pytest.raises(ValidationError, match="targets="):
        study.compare_entry_points("BLR", ("UUMB",), targets="all", **kw)


@pytest.mark.slow
def test_months_of_a_comparison_of_candidates_as_they_are() -> None:
    """scenarios=None has month rows too: the radar ignores daylight and cloud, optics do not."""
    blr = data.territory("BLR")
    from openskies import territory

    cut = shapely.box(27.2, 53.6, 28.8, 54.2)
    part = territory.Territory(
        "BLR-MINSK",
        "Belarus around Minsk",
        ("BLR",),
        geodesy.as_multipolygon(blr.geometry.intersection(cut)),
        geodesy.as_multipolygon(blr.treaty_geometry.intersection(cut)),
    )
    st = study.compare_entry_points(
        part,
        ("UUMB", "UMMS"),
        budgets_km=[1200.0],
        sensors=("optical_high_pan", "sar"),
        targets="none",
        reach_cell_km=25.0,
        progress=False,
        months=(6, 12),
        min_sun_elevation_deg=12.8,
    )
    assert st.params["months"] == [6, 12]
    for icao in ("UUMB", "UMMS"):
        for sensor in ("optical_high_pan", "sar"):

            def v(month, metric, icao=icao, sensor=sensor):
                m = st.month_metrics(month)
                r = m[(m["icao"] == icao) & (m["sensor"] == sensor) & (m["metric"] == metric)]
                assert len(r) == 1
                return float(r["value"].iloc[0])

            year = v(None, "flights_100pct")
            assert v(12, "flights_100pct") >= v(6, "flights_100pct")
            if sensor == "sar":  # day and night, through cloud: every month is the year
                for mo in (6, 12):
                    assert v(mo, "flights_100pct") == year
                    assert v(mo, "expected_flights_100pct") == year
            else:
                q = st.params["window_probability"]
                assert v(6, "expected_flights_100pct") == pytest.approx(
                    v(6, "flights_100pct") / q["6"]
                )
                assert v(None, "expected_flights_100pct") == pytest.approx(
                    year / st.params["window_probability_year"]
                )
