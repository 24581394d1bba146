"""Entry-point ranking on Dask: identical results on every executor, failures reported."""

from __future__ import annotations

import functools
import logging
import math
import multiprocessing
import os
import signal
import sys
from pathlib import Path

import cloudpickle
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from distributed import Client, LocalCluster
from geographiclib.geodesic import Geodesic

from openskies import _parallel, _ranking, coverage, data, geodesy, study
from openskies._errors import ValidationError

G = Geodesic.WGS84
#: A small ranking: 3 bundled airfields, a 200 km grid (5 sites) and Kubinka, cheap metrics.
SMALL = {
    "candidates": ("UMMS", "UMBB", "UMGG"),
    "grid_km": 200.0,
    "reference": "UUMB",
    "budgets_km": (5500.0, 2500.0),
    "sensors": ("optical_high_pan",),
    "reach_cell_km": 25.0,
    "progress": False,
}
# functions of this module run on spawned dask workers: ship them by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _gl_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return G.Inverse(lat1, lon1, lat2, lon2)["s12"] / 1000.0


def _table(r: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(r.drop(columns="geometry"))


@pytest.fixture(scope="module")
def cluster():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as lc,
        Client(lc, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def local_run():
    return _ranking.rank_entry_points("BLR", executor="local", workers=2, **SMALL)


@pytest.mark.slow
def test_localcluster_and_local_processes_give_identical_rankings(cluster, local_run) -> None:
    on_dask = _ranking.rank_entry_points("BLR", executor=cluster, **SMALL)
    assert len(cluster.scheduler_info(n_workers=-1)["workers"]) == 2
    pd.testing.assert_frame_equal(_table(on_dask), _table(local_run))
    assert on_dask.attrs["ranking"]["params"] == local_run.attrs["ranking"]["params"]
    # 1 reference + 3 airfields + 5 grid sites, each for 2 budgets
    assert len(local_run) == 9 * 2
    assert (local_run["status"] == "ok").all()
    assert local_run.attrs["ranking"]["failed"] == {}


@pytest.mark.slow
def test_ranking_follows_the_objective(local_run) -> None:
    for _, g in local_run.groupby(["budget_km", "sensor"]):
        keys = list(
            zip(
                g["flights_lower_bound"],
                g["transit_round_trip_km"],
                g["transit_mean_km"],
                strict=True,
            )
        )
        assert keys == sorted(keys)  # rows come in rank order
        assert list(g["rank"]) == list(range(1, len(g) + 1))  # no ties here
        assert g["score"].iloc[0] == 0.0
        assert g["score"].iloc[-1] == 1.0
    # Kubinka lies 343 km outside Belarus: at 2,500 km it needs more flights than any site
    # inside, and ranks last
    low = local_run[local_run["budget_km"] == 2500.0]
    assert low.iloc[-1]["icao"] == "UUMB"
    assert bool(low.iloc[-1]["hypothetical"])  # 2,500 km is not Kubinka's designated value
    hi = local_run[(local_run["budget_km"] == 5500.0) & (local_run["icao"] == "UUMB")]
    assert not bool(hi["hypothetical"].iloc[0])


@pytest.mark.slow
def test_metrics_against_independent_calculations(local_run) -> None:
    r = local_run.set_index(["icao", "budget_km"])
    blr = data.territory("BLR")
    ring = np.asarray(geodesy.densify(shapely.get_coordinates(blr.geometry.boundary), 1.0).coords)
    kub = data.airfield("UUMB")
    near = min(_gl_km(kub.lon, kub.lat, x, y) for x, y in ring[::3])
    assert r.loc[("UUMB", 5500.0), "transit_nearest_km"] == pytest.approx(near, rel=0.01)
    assert r.loc[("UUMB", 5500.0), "transit_nearest_km"] == pytest.approx(343.0, rel=0.02)
    assert r.loc[("UMMS", 5500.0), "transit_nearest_km"] == 0.0
    minsk = data.airfield("UMMS")
    far = max(_gl_km(minsk.lon, minsk.lat, x, y) for x, y in ring[::3])
    assert r.loc[("UMMS", 5500.0), "transit_farthest_km"] == pytest.approx(far, rel=0.01)
    # mean distance to Belarus: area-weighted (cos lat) mean over a 0.1 degree lattice
    xs, ys = np.meshgrid(np.arange(23.0, 33.0, 0.1), np.arange(51.2, 56.2, 0.1))
    inside = shapely.contains_xy(blr.geometry, xs.ravel(), ys.ravel())
    px, py = xs.ravel()[inside], ys.ravel()[inside]
    wts = np.cos(np.radians(py))
    d = np.array([_gl_km(minsk.lon, minsk.lat, x, y) for x, y in zip(px, py, strict=True)])
    mean = float(np.sum(wts * d) / np.sum(wts))
    assert r.loc[("UMMS", 5500.0), "transit_mean_km"] == pytest.approx(mean, rel=0.02)
    # flights lower bound: ceil(lane km / (budget / (1 + margin) - round trip))
    lane_km = coverage.lanes(blr, "optical_high_pan", overlap=0.1).total_km
    margin = data.regime().parameter("max_flight_distance", "turn_margin")
    for (icao, budget), row in r.iterrows():
        cap = budget / (1 + margin) - 2 * row["transit_nearest_km"]
        assert row["flights_lower_bound"] == math.ceil(lane_km / cap), (icao, budget)
        assert row["budget_floor_km"] == pytest.approx(row["transit_farthest_km"] / 0.35)
    # deltas from the reference
    for (_, budget), row in r.iterrows():
        ref = r.loc[("UUMB", budget)]
        assert row["vs_reference_transit_mean_km"] == pytest.approx(
            row["transit_mean_km"] - ref["transit_mean_km"]
        )


def test_grid_sites_are_equal_area_and_named_by_position() -> None:
    g = _ranking.grid_sites("BLR", 50.0)
    area = data.territory("BLR").area_km2
    assert len(g) == pytest.approx(area / 50.0**2, rel=0.1)  # one site per 2,500 km²
    assert g["icao"].is_unique
    assert shapely.contains_xy(data.territory("BLR").geometry, g["lon"], g["lat"]).all()
    for code, lon, lat in zip(g["icao"], g["lon"], g["lat"], strict=True):
        assert code == f"G{lat:05.2f}N{lon:06.2f}E"
    # neighbours along a grid row are 50 km apart (equal-area projection: within 1 %)
    row = g.iloc[(g["lat"] - g["lat"].median()).abs().argsort()[:1]]
    lon0, lat0 = float(row["lon"].iloc[0]), float(row["lat"].iloc[0])
    others = g[(g["icao"] != row["icao"].iloc[0])]
    nearest = min(
        _gl_km(lon0, lat0, x, y) for x, y in zip(others["lon"], others["lat"], strict=True)
    )
    assert nearest == pytest.approx(50.0, rel=0.01)


def test_all_candidates_are_the_bundled_airfields_in_the_territory() -> None:
    sites = _ranking.candidate_sites("BLR", "all", reference="UUMB")
    afs = data.airfields()
    inside = afs[data.territory("BLR").contains(afs["lon"], afs["lat"])]
    assert set(sites["icao"]) == {"UUMB", *inside["icao"]}
    assert len(inside) == 11
    assert sites.iloc[0]["kind"] == "reference"


def _outside_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Minsk-ish", "Paris"], "party": ["BLR", "BLR"]},
        geometry=gpd.points_from_xy([27.6, 2.35], [53.9, 48.86]),
        crs="EPSG:4326",
    )


@pytest.mark.slow
def test_a_failing_candidate_is_reported_not_dropped(cluster) -> None:
    kw = {**SMALL, "candidates": _outside_points(), "grid_km": None, "budgets_km": (5500.0,)}
    r = _ranking.rank_entry_points("BLR", executor=cluster, **kw)
    bad = r[r["icao"] == "G48.86N002.35E"]
    assert len(bad) == 1
    assert bad["status"].iloc[0] == "failed"
    assert "outside BLR+RUS" in bad["error"].iloc[0]
    assert pd.isna(bad["rank"].iloc[0])
    assert math.isnan(bad["transit_mean_km"].iloc[0])
    assert list(r.attrs["ranking"]["failed"]) == ["G48.86N002.35E"]
    good = r[r["status"] == "ok"]
    assert sorted(good["icao"]) == ["G53.90N027.60E", "UUMB"]
    assert list(good["rank"]) == [1, 2]
    # the same on the local executor and in process
    r2 = _ranking.rank_entry_points("BLR", executor="sync", **kw)
    pd.testing.assert_frame_equal(_table(r), _table(r2))


def _crash_once(fn, marker: str, specs):
    """Kill the worker process the first time it runs UMBB's batch (a worker lost mid-run)."""
    if any(s["icao"] == "UMBB" for s in specs) and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return fn(specs)


class _CrashingClient:
    """Client proxy whose tasks kill their worker once (the nanny restarts it)."""

    def __init__(self, client: Client, marker: str) -> None:
        self._c = client
        self._marker = marker

    def submit(self, fn, *args, **kwargs):
        return self._c.submit(functools.partial(_crash_once, fn, self._marker), *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._c, name)


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried(cluster, local_run, tmp_path) -> None:
    marker = str(tmp_path / "crashed")
    proxy = _CrashingClient(cluster, marker)
    r = _ranking.rank_entry_points("BLR", executor=proxy, **SMALL)
    assert os.path.exists(marker)  # a worker did die
    pd.testing.assert_frame_equal(_table(r), _table(local_run))


@pytest.mark.slow
def test_a_local_process_killed_mid_run_is_replaced(local_run, caplog) -> None:
    killed = []

    def kill_one(done, total, result):
        # the pool's workers only: a Dask cluster of another test may still have children
        kids = [k for k in multiprocessing.active_children() if "dask" not in k.name.lower()]
        if not killed and done >= 2 and kids:
            os.kill(kids[0].pid, signal.SIGKILL)
            killed.append(kids[0].pid)

    with caplog.at_level(logging.WARNING, logger="openskies._ranking"):
        r = _ranking.rank_entry_points(
            "BLR", executor="local", workers=2, on_result=kill_one, **SMALL
        )
    assert killed
    assert "a worker process died" in caplog.text
    pd.testing.assert_frame_equal(_table(r), _table(local_run))


@pytest.mark.parametrize(("n", "workers"), [(0, 2), (1, 2), (7, 2), (341, 1), (341, 2), (1000, 8)])
def test_dask_batches_cover_every_task_once_largest_first(n: int, workers: int) -> None:
    batches = _parallel._batches(n, workers)
    assert [k for b in batches for k in b] == list(range(n))  # every task once, in order
    sizes = [len(b) for b in batches]
    assert all(1 <= s <= _parallel.BATCH_MAX for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    if n:
        assert sizes[-1] == 1  # the last batches are single tasks: no worker idles long
    # each batch takes at most BATCH_SHARE / workers of what was left
    left = n
    for s in sizes:
        assert s <= max(1, left * _parallel.BATCH_SHARE / workers)
        left -= s
    if n >= 300:
        assert len(batches) < n / 4  # far fewer submissions than tasks


def _flaky(tries: dict[str, int], spec):
    tries[spec["icao"]] = tries.get(spec["icao"], 0) + 1
    if spec["icao"] == "BAD":
        raise RuntimeError("no good")
    return {"icao": spec["icao"], "status": "ok", "rows": [], "seconds": 0.0}


def test_a_failing_task_in_a_batch_fails_alone_after_its_retries() -> None:
    tries: dict[str, int] = {}
    run = _parallel._Batch(functools.partial(_flaky, tries), retries=2)
    out = run([{"icao": "A"}, {"icao": "BAD"}, {"icao": "C"}])
    assert [r["icao"] for r in out] == ["A", "BAD", "C"]
    assert [r["status"] for r in out] == ["ok", "failed", "ok"]
    assert out[1]["error"] == "RuntimeError after 3 attempt(s): no good"
    assert tries == {"A": 1, "BAD": 3, "C": 1}


def test_executor_errors_are_clear() -> None:
    with pytest.raises(ValidationError, match="executor="):
        _ranking.rank_entry_points("BLR", executor="nonsense", **SMALL)
    with pytest.raises(ValidationError, match="objective metric 'flights_100pct'"):
        _ranking.rank_entry_points("BLR", executor="sync", objective=("flights_100pct",), **SMALL)
    with pytest.raises(ValidationError, match="budgets_km"):
        _ranking.rank_entry_points("BLR", executor="sync", **{**SMALL, "budgets_km": (-1.0,)})


@pytest.mark.slow
def test_study_delegates_to_the_ranking() -> None:
    r = study.rank_entry_points(
        "BLR", executor="sync", **{**SMALL, "grid_km": None, "budgets_km": (5500.0,)}
    )
    assert set(r["icao"]) == {"UUMB", "UMMS", "UMBB", "UMGG"}
    # at 5,500 km every site needs the same number of flights (bound); Kubinka's 687 km of
    # transit outside Belarus puts it last
    assert r["flights_lower_bound"].nunique() == 1
    assert list(r["rank"]) == [1, 2, 3, 4]
    assert r.iloc[-1]["icao"] == "UUMB"


def test_bundled_siting_config_is_valid() -> None:
    from openskies import config

    cfg = config.load(
        config.bundled_config("belarus-siting.yaml"), config.RankConfig, section="rank"
    )
    assert cfg.reference == "UUMB"
    assert cfg.grid_km == 25
    assert cfg.candidates == "all"
    sites = _ranking.candidate_sites(
        cfg.territory, cfg.candidates, grid_km=cfg.grid_km, reference=cfg.reference
    )
    assert (sites["kind"] == "airfield").sum() == 11
