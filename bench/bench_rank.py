"""Benchmark of the entry-point ranking (``openskies rank``) on Dask.

Runs the bundled Belarus siting config (``configs/belarus-siting.yaml``: 11 airfields, a
25 km grid of hypothetical sites and Kubinka; 2 budgets; ``reach`` metrics) on a local dask
cluster of 1 and of 2 worker processes and reports the wall time, the speed-up, the time per
candidate (wall and worker CPU) and the peak memory (max RSS) of each worker; then how the
time grows with the number of candidates (grids of 75, 50, 35 and 25 km on 2 workers); then
the cost per candidate of the ``coverage`` and ``full`` metric levels on a few sites, and
what they would cost for the whole config.

Run: python bench/bench_rank.py [--quick]   (the machine's load average is printed: on a
shared machine other processes slow every figure down)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

from distributed import Client, LocalCluster

from openskies import _ranking, config


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cfg() -> config.RankConfig:
    return config.load(
        config.bundled_config("belarus-siting.yaml"), config.RankConfig, section="rank"
    )


def _kwargs(cfg: config.RankConfig, **over) -> dict:
    kw = {
        "candidates": cfg.candidates,
        "grid_km": cfg.grid_km,
        "reference": cfg.reference,
        "budgets_km": cfg.budgets_km,
        "sensors": cfg.sensors,
        "metrics": cfg.metrics,
        "objective": cfg.objective,
        "reach_cell_km": cfg.reach_cell_km,
        "overlap": cfg.overlap,
        "retries": cfg.retries,
        "progress": False,
    }
    kw.update(over)
    return kw


def _run(client: Client, cfg: config.RankConfig, **over) -> tuple[float, object]:
    t = time.perf_counter()
    r = _ranking.rank_entry_points(cfg.territory, executor=client, **_kwargs(cfg, **over))
    return time.perf_counter() - t, r


def _per_task(r) -> tuple[float, float]:
    meta = r.attrs["ranking"]
    wall = [v for v in meta["task_seconds"].values() if v == v]
    cpu = [v for v in meta["task_cpu_seconds"].values() if v == v]
    return statistics.mean(wall), statistics.mean(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the coverage/full level costs")
    args = ap.parse_args()
    cfg = _cfg()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print()
    print(
        "| workers | candidates | cluster start (s) | wall (s) | speed-up | wall per "
        "candidate (s) | task wall mean (s) | task CPU mean (s) | peak RSS per worker (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    base = None
    scaling = []
    for n in (1, 2):
        t = time.perf_counter()
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as lc,
            Client(lc) as client,
        ):
            start = time.perf_counter() - t
            wall, r = _run(client, cfg)
            rss = client.run(_maxrss_mib)
            k = len(r) // (len(cfg.budgets_km) * len(cfg.sensors))
            base = base or wall
            tw, tc = _per_task(r)
            print(
                f"| {n} | {k} | {start:.1f} | {wall:.1f} | {base / wall:.2f} | "
                f"{wall / k:.3f} | {tw:.3f} | {tc:.3f} | "
                f"{', '.join(f'{v:.0f}' for v in rss.values())} |",
                flush=True,
            )
            if n == 2:
                for grid in (75.0, 50.0, 35.0, 25.0):
                    w, rr = _run(client, cfg, grid_km=grid)
                    scaling.append((grid, len(rr) // len(cfg.budgets_km), w))
    print()
    print("Time against the number of candidates (2 workers, warm cluster):")
    print()
    print("| grid km | candidates | wall (s) | wall per candidate (s) |")
    print("|---|---|---|---|")
    for grid, k, w in scaling:
        print(f"| {grid:g} | {k} | {w:.1f} | {w / k:.3f} |")
    if args.quick:
        return
    airfields = tuple(
        _ranking.candidate_sites(cfg.territory, "all", reference=None)["icao"]
    )  # the 11 Belarusian airfields
    print()
    print("Heavier tasks: the coverage level (a full-coverage plan per site) on the 11 airfields")
    print("and Kubinka at 5,500 km, workers warmed up first (lanes cached):")
    print()
    print(
        "| workers | candidates | wall (s) | speed-up | task wall mean (s) | task CPU mean (s) "
        "| peak RSS per worker (MiB) |"
    )
    print("|---|---|---|---|---|---|---|")
    base = None
    cov = {"metrics": "coverage", "objective": None, "grid_km": None, "budgets_km": (5500.0,)}
    for n in (1, 2):
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as lc,
            Client(lc) as client,
        ):
            client.run(_warm, cfg.territory, tuple(cfg.sensors))
            w, r = _run(client, cfg, candidates=airfields, **cov)
            rss = client.run(_maxrss_mib)
            base = base or w
            tw, tc = _per_task(r)
            print(
                f"| {n} | {len(r)} | {w:.1f} | {base / w:.2f} | {tw:.2f} | {tc:.2f} | "
                f"{', '.join(f'{v:.0f}' for v in rss.values())} |",
                flush=True,
            )
            if n == 2:
                cov_cpu = tc
                w2, r2 = _run(
                    client,
                    cfg,
                    metrics="full",
                    objective=None,
                    grid_km=None,
                    candidates=("UMMS", "UMBB"),
                )
                full_w, full_cpu = _per_task(r2)
                rss2 = client.run(_maxrss_mib)
    n_all = len(
        _ranking.candidate_sites(
            cfg.territory, cfg.candidates, grid_km=cfg.grid_km, reference=cfg.reference
        )
    )
    nb = len(cfg.budgets_km)
    print()
    print(
        f"Estimated cost of the whole config ({n_all} candidates, {nb} budgets) per level, "
        "from the worker CPU per task above:"
    )
    print()
    print("| level | CPU per candidate and budget (s) | whole config on 2 workers (min) |")
    print("|---|---|---|")
    print(f"| coverage | {cov_cpu:.2f} | {n_all * nb * cov_cpu / 2 / 60:.0f} |")
    print(f"| full | {full_cpu / nb:.2f} | {n_all * full_cpu / 2 / 60:.0f} |")
    print(
        f"(full level: 3 candidates x {nb} budgets, {w2:.1f} s wall, task wall mean "
        f"{full_w:.1f} s, peak RSS {', '.join(f'{v:.0f}' for v in rss2.values())} MiB)"
    )


def _warm(territory: str, sensors: tuple[str, ...]) -> None:
    from openskies import coverage

    for s in sensors:
        coverage.lanes(territory, s, overlap=0.1)


if __name__ == "__main__":
    main()
