"""Figures of docs/coverage.md (PNG files in docs/img/).

Usage (from the repository root)::

    .venv/bin/python docs/make_figures.py

Writes ``coverage_lanes.png`` (headland, cells and lanes over Belarus, 35 km swath),
``coverage_flights.png`` (the flights from Kubinka and their footprints),
``coverage_fixtures.png`` (the square fixtures) and ``coverage_reach.png`` (reach maps
and curves from Kubinka and Minsk National).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import shapely
from shapely.geometry import LineString, box

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from openskies import coverage, data, geodesy, sensors  # noqa: E402

OUT = Path(__file__).resolve().parent / "img"
DPI = 80


def _aspect(ax: plt.Axes, lat: float) -> None:
    ax.set_aspect(1.0 / np.cos(np.radians(lat)))
    ax.set_xlabel("longitude (deg E)")
    ax.set_ylabel("latitude (deg N)")


def _outline(ax: plt.Axes, geom: shapely.Geometry, **kw: object) -> None:
    for poly in geodesy.explode_polygons(geom):
        for ring in [poly.exterior, *poly.interiors]:
            x, y = np.asarray(ring.coords).T
            ax.plot(x, y, **kw)


def _fill(ax: plt.Axes, geom: shapely.Geometry, **kw: object) -> None:
    for poly in geodesy.explode_polygons(geom):
        x, y = np.asarray(poly.exterior.coords).T
        ax.fill(x, y, **kw)


def lanes_figure() -> None:
    blr = data.territory("BLR")
    ls = coverage.lanes("BLR", "optical_high_pan")
    fig, ax = plt.subplots(figsize=(8, 6.4))
    _fill(ax, ls.footprint(), color="tab:blue", alpha=0.15, lw=0)
    _outline(ax, blr.geometry, color="black", lw=0.8)
    for g in ls.groups:
        if g.kind == "cell":
            _outline(ax, g.geometry, color="tab:green", lw=0.6)
    for lane in ls.lanes:
        x, y = lane.fwd.T
        colour = "tab:purple" if lane.kind == "headland" else "tab:orange"
        ax.plot(x, y, color=colour, lw=1.0)
    missed = blr.geometry.difference(ls.footprint())
    _fill(ax, missed, color="red", lw=0)
    ax.set_title(
        f"Belarus, 35 km swath, 10 % overlap: {len(ls.lanes)} lanes, {ls.total_km:.0f} km "
        f"({ls.total_km / ls.ideal_km:.3f} x area / effective swath)",
        fontsize=9,
    )
    ax.plot([], [], color="tab:purple", label="headland (0.4 swath inside)")
    ax.plot([], [], color="tab:orange", label="lanes")
    ax.plot([], [], color="tab:green", label="boustrophedon cells")
    ax.fill([], [], color="red", label="not imaged")
    ax.legend(loc="lower left", fontsize=7)
    _aspect(ax, 53.7)
    fig.tight_layout()
    fig.savefig(OUT / "coverage_lanes.png", dpi=DPI)
    plt.close(fig)


def flights_figure() -> None:
    fs = coverage.plan_full_coverage("BLR", airfield="UUMB", sensor="optical_high_pan")
    blr = data.territory("BLR")
    fig, ax = plt.subplots(figsize=(9, 5.6))
    colours = ["tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple"]
    for k, (plan, fp) in enumerate(zip(fs, fs.footprints, strict=True)):
        c = colours[k % len(colours)]
        _fill(ax, fp, color=c, alpha=0.18, lw=0)
        xy = plan.coords
        for i, on in enumerate(plan.sensors_on):
            seg = geodesy.densify(LineString(xy[i : i + 2]), 20.0)
            x, y = np.asarray(seg.coords).T
            ax.plot(x, y, color=c, lw=1.2 if on else 0.6, ls="-" if on else ":")
        ax.plot([], [], color=c, label=f"flight {k + 1}: {plan.length_km:.0f} km")
    _outline(ax, blr.geometry, color="black", lw=0.8)
    rus = shapely.clip_by_rect(data.territory("RUS").geometry, 22, 50.5, 38, 57.5)
    _outline(ax, rus, color="grey", lw=0.5)
    kub = data.airfield("UUMB")
    ax.plot(kub.lon, kub.lat, "k^")
    ax.annotate("Kubinka", (kub.lon, kub.lat), xytext=(4, 4), textcoords="offset points")
    s = fs.summary
    ax.set_title(
        f"Full coverage of Belarus from Kubinka (5,500 km): {s.n_flights} flights "
        f"(lower bound {s.flights_lower_bound}), {100 * s.covered_fraction:.2f} % imaged",
        fontsize=9,
    )
    ax.legend(loc="lower right", fontsize=7)
    ax.set_xlim(22.5, 37.5)
    ax.set_ylim(50.8, 57.0)
    _aspect(ax, 54.0)
    fig.tight_layout()
    fig.savefig(OUT / "coverage_flights.png", dpi=DPI)
    plt.close(fig)


def fixtures_figure() -> None:
    _, inv, _ = geodesy._aeqd(27.5, 53.5)

    def to_ll(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda xy: np.column_stack(inv.transform(*xy.T)))

    square = to_ll(box(-20e3, -20e3, 20e3, 20e3).segmentize(1e3))
    cases = [
        [(-10.0, 20.0)],
        [(-10.0, 20.0), (5.0, 10.0)],
        [(-10.0, 20.0), (5.0, 10.0), (15.0, 10.0)],
    ]
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.3))
    for ax, lanes in zip(axes, cases, strict=True):
        fps = []
        for x, w in lanes:
            line = to_ll(LineString([(x * 1e3, -30e3), (x * 1e3, 30e3)]))
            fps.append(coverage.footprint_lines(line, sensors.Sensor("s", swath_km=w)))
            lx, ly = np.asarray(line.coords).T
            ax.plot(lx, ly, color="tab:orange")
        stats = coverage.coverage(fps, square)
        for fp in fps:
            _fill(ax, fp, color="tab:blue", alpha=0.25, lw=0)
        _outline(ax, square, color="black", lw=1.0)
        ax.set_title(f"coverage {stats.fraction:.4f}", fontsize=9)
        _aspect(ax, 53.5)
        ax.tick_params(labelsize=6)
    fig.tight_layout()
    fig.savefig(OUT / "coverage_fixtures.png", dpi=DPI)
    plt.close(fig)


def reach_figure() -> None:
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), gridspec_kw={"width_ratios": [1, 1, 0.9]})
    for ax, icao in zip(axes[:2], ("UUMB", "UMMS"), strict=True):
        grid = coverage.reach("BLR", icao, sensor="optical_high_pan", regime=reg)
        grid.plot(column="round_trip_km", ax=ax, cmap="viridis", legend=True, linewidth=0)
        af = reg.airfield(icao)
        ax.set_title(
            f"{af.name}: round trip km to image each 10 km cell\n"
            f"nearest {grid.attrs['nearest_km']:.0f} km, farthest "
            f"{grid.attrs['farthest_km']:.0f} km",
            fontsize=8,
        )
        _aspect(ax, 53.7)
        ax.tick_params(labelsize=6)
        curve = coverage.reach_curve("BLR", icao, regime=reg, cells=grid)
        axes[2].plot(curve["budget_km"], curve["fraction"], label=af.name)
    axes[2].set_xlabel("budget km (one flight)")
    axes[2].set_ylabel("share of Belarus within reach")
    axes[2].set_title("reach curve (upper bound per cell)", fontsize=8)
    axes[2].legend(fontsize=7)
    axes[2].grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(OUT / "coverage_reach.png", dpi=DPI)
    plt.close(fig)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    lanes_figure()
    flights_figure()
    fixtures_figure()
    reach_figure()


if __name__ == "__main__":
    main()
