"""Route-planner benchmark: plan over N random sites in Belarus from Kubinka (and Minsk).

Run: python bench/bench_routing.py [--sites 100] [--seed 0]
Target (issue 4): 100 sites from Kubinka within 30 s. Sites are uniform random points in
Belarus (seeded), values 1-10, position uncertainty 0-3 km; sensor optical_high_pan.
"""

from __future__ import annotations

import argparse
import resource
import time

import geopandas as gpd
import numpy as np
import shapely

from openskies import data, routing


def random_sites(n: int, seed: int) -> gpd.GeoDataFrame:
    blr = data.territory("BLR").geometry
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = blr.bounds
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(blr, x, y):
            pts.append((x, y))
    return gpd.GeoDataFrame(
        {
            "name": [f"S{i:03d}" for i in range(n)],
            "value": rng.integers(1, 11, n).astype(float),
            "position_uncertainty_km": rng.uniform(0.0, 3.0, n),
        },
        geometry=gpd.points_from_xy(*np.array(pts).T),
        crs="EPSG:4326",
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sites = random_sites(args.sites, args.seed)
    minsk = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500)
    print("| start | budget km | sites | observed | value | length km | seconds |")
    print("|---|---|---|---|---|---|---|")
    for start, reg, budget in (
        ("UUMB", None, None),
        ("UMMS", minsk, None),
        ("UMMS", minsk, 1500.0),
    ):
        t = time.perf_counter()
        plan = routing.plan_route(
            "BLR", sites, start=start, regime=reg, budget_km=budget, sensor="optical_high_pan"
        )
        dt = time.perf_counter() - t
        assert plan.validate() == []
        r = plan.route
        print(
            f"| {start} | {plan.budget_km:.0f} | {len(sites)} | {len(r.observed)} | "
            f"{r.value_observed:g}/{r.value_total:g} | {plan.length_km:.0f} | {dt:.1f} |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
