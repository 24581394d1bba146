"""Coverage lanes and paths against Fields2Cover (issue 17, coverage lanes).

Two tables:

1. ``coverage.lanes`` over Belarus for a range of swaths (the realism issue derives
   the presets' swaths from the flying height, so the target must hold across
   widths): ``total_km / ideal_km`` (target <= 1.05) and the share imaged (target
   >= 99.5 %), with the build time.
2. openskies beside Fields2Cover (F2C) on the same polygons (a 200 x 100 km
   rectangle; an L of 200 x 200 km with 80 km arms; a 330 x 200 km comb with four
   60 km teeth and three 30 x 140 km gaps; Belarus), the same swath, lane spacing
   and headland, in one projection per shape (azimuthal equidistant centred on
   it): path km, imaged %, km of path outside the polygon.

Definitions (the same for both tools, measured in the shape's AEQD plane):

- **swath** ``w``: the imaged strip's width; **spacing** ``s = w (1 - overlap)``
  (overlap 0.1): openskies' lane spacing, and F2C's coverage width (the
  distance between its swaths).
- **path km**: length of one continuous path through every lane (openskies: the lanes
  with ``ring_openings="aligned"``, ordered by ``_ordering.open_path``) or
  swath (F2C) from the first to the last, lanes plus the connections between
  them (no legs to or from an airfield). openskies connects lane ends with
  straight geodesic transfers routed inside the polygon (``_lanes.Router``, the
  shortest path in the polygon shrunk by 0.25 km); its turns are corners (no
  radius). F2C connects consecutive swaths with Dubins curves of the given
  turning radius (``PP_DubinsCurves``), as its path planner does; the curves may
  leave the polygon.
- **imaged %**: area of the polygon inside the union of the strips (width ``w``,
  flat ends) along openskies' lanes or F2C's swaths, over the polygon's area.
  Turns and transfers image nothing.
- **km outside**: length of the path outside the polygon.
- **headland**: openskies flies a pass ``headland_offset * w`` (0.4 w) inside the
  border, then contour passes and lanes inside it; F2C gets a headland of the
  same width (``HG_Const_gen``) and lays its swaths in the field inside it
  (boustrophedon decomposition for the concave shapes, best angle per cell by
  its brute-force swath generator, boustrophedon order per cell, cells in
  decomposition order).

Fields2Cover is not a dependency of openskies: the script uses its Python
module ``fields2cover`` if it can be imported (built from source outside the
repository), and otherwise runs openskies alone and says so.

Usage (from the repository root)::

    .venv/bin/python bench/bench_lanes.py                      # both tables
    .venv/bin/python bench/bench_lanes.py --table swaths --swaths optical_low,5,27.5
    .venv/bin/python bench/bench_lanes.py --table shapes --shapes rectangle --swaths 35
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon, box

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from openskies import _lanes, _ordering, coverage, data, geodesy, sensors  # noqa: E402
from openskies.sensors import Sensor  # noqa: E402

#: Where the synthetic shapes are placed (lon, lat): central Belarus.
SITE = (28.0, 53.5)
OVERLAP = 0.1
HEADLAND_OFFSET = 0.4
#: F2C's minimum turning radius (km): an An-30B at about 400 km/h banked 20 degrees.
TURN_RADIUS_KM = 3.5
#: Belarus is simplified by this much (km, in its AEQD) for both tools.
SIMPLIFY_KM = 1.0
SHAPES = ("rectangle", "L", "comb", "belarus")
#: Rows of the swaths table: the two optical presets (at the swath each derives from its
#: flying height) and fixed swaths (km).
SWATHS = ("optical_low", "5", "10", "20", "optical_high_pan", "27.5", "35")


@dataclass
class Shape:
    name: str
    lonlat: Polygon  # what openskies gets
    xy: Polygon  # the same polygon in its AEQD (metres): what F2C gets and what is measured
    fwd: object  # lon/lat -> AEQD transformer


def _synthetic(name: str) -> Polygon:
    km = 1000.0
    if name == "rectangle":
        return box(-100 * km, -50 * km, 100 * km, 50 * km)
    if name == "L":
        ell = shapely.union_all([box(0, 0, 200 * km, 80 * km), box(0, 0, 80 * km, 200 * km)])
        return shapely.affinity.translate(ell, -100 * km, -100 * km)
    if name == "comb":
        comb = box(0, 0, 330 * km, 200 * km)
        for k in range(3):
            x0 = (60 + k * 90) * km
            comb = comb.difference(box(x0, 60 * km, x0 + 30 * km, 200 * km))
        return shapely.affinity.translate(comb, -165 * km, -100 * km)
    msg = f"unknown shape {name!r}"
    raise ValueError(msg)


def make_shape(name: str) -> Shape:
    """The polygon of a benchmark shape in lon/lat and in its own AEQD projection."""
    if name == "belarus":
        geom = data.territory("BLR").geometry
        polys = geodesy.explode_polygons(geom)
        main = max(polys, key=lambda p: p.area)
        centre = geodesy.centre_of(main)
        fwd, inv, _ = geodesy.aeqd(*centre)
        xy = shapely.transform(main, lambda c: np.column_stack(fwd.transform(*c.T)))
        xy = shapely.make_valid(xy.simplify(SIMPLIFY_KM * 1000.0))
        xy = max(geodesy.explode_polygons(xy), key=lambda p: p.area)
    else:
        fwd, inv, _ = geodesy.aeqd(*SITE)
        xy = _synthetic(name)
    # the lon/lat polygon is the AEQD one with vertices every 2 km (straight AEQD edges)
    xy = shapely.segmentize(shapely.orient_polygons(xy), 2000.0)
    ll = shapely.transform(xy, lambda c: np.column_stack(inv.transform(*c.T)))
    return Shape(name, ll, xy, fwd)


def _project(shape: Shape, lonlat: np.ndarray) -> np.ndarray:
    x, y = shape.fwd.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _measure(shape: Shape, lanes_xy: list[np.ndarray], path_xy: np.ndarray, w_km: float) -> dict:
    """Path km, imaged % and km outside, in the shape's plane (the same for both tools)."""
    half = w_km * 500.0
    strips = [_lanes._strip_local(LineString(xy), (-half, half)) for xy in lanes_xy if len(xy) > 1]
    imaged = shapely.union_all(strips).intersection(shape.xy).area / shape.xy.area
    path = LineString(path_xy)
    outside = path.difference(shape.xy.buffer(1.0)).length
    lane_len = sum(LineString(xy).length for xy in lanes_xy if len(xy) > 1)
    return {
        "path_km": path.length / 1000.0,
        "lanes_km": lane_len / 1000.0,
        "imaged_pct": 100.0 * imaged,
        "outside_km": outside / 1000.0,
        "n_lanes": len(lanes_xy),
    }


def run_openskies(shape: Shape, w_km: float) -> dict:
    """openskies' lanes, ordered into one open path, transfers routed inside the polygon."""
    t0 = time.perf_counter()
    sensor = Sensor(f"swath {w_km:g} km", swath_km=w_km)
    ls = coverage.lanes(
        shape.lonlat,
        sensor,
        overlap=OVERLAP,
        headland_offset=HEADLAND_OFFSET,
        ring_openings="aligned",
    )
    seq, _ = _ordering.open_path(ls)
    router = _lanes.Router(
        shape.lonlat, geodesy.centre_of(shape.lonlat), margin_km=0.25, simplify_km=0.5
    )
    lanes_xy = [
        _project(shape, geodesy.densify_coords(ls.lanes[i].track(forward), 1.0))
        for i, forward in seq
    ]
    path_ll = geodesy.densify_coords(_ordering.path_coords(ls, seq, router), 1.0)
    out = _measure(shape, lanes_xy, _project(shape, path_ll), w_km)
    out["ratio"] = ls.total_km / ls.ideal_km
    out["seconds"] = time.perf_counter() - t0
    return out


def _f2c() -> object | None:
    try:
        import fields2cover as f2c
    except ImportError:
        return None
    return f2c


def _f2c_cells(f2c: object, poly: Polygon) -> object:
    def ring(coords: np.ndarray) -> object:
        r = f2c.LinearRing()
        for x, y in coords:
            r.addPoint(float(x), float(y))
        return r

    cell = f2c.Cell(ring(np.asarray(poly.exterior.coords)))
    for hole in poly.interiors:
        cell.addRing(ring(np.asarray(hole.coords)))
    return f2c.Cells(cell)


def run_f2c(f2c: object, shape: Shape, w_km: float, *, decompose: bool) -> dict:
    """Fields2Cover's headland, decomposition, swaths, order and Dubins path."""
    t0 = time.perf_counter()
    w, s = w_km * 1000.0, w_km * 1000.0 * (1.0 - OVERLAP)
    robot = f2c.Robot(w, s)
    robot.setMinTurningRadius(TURN_RADIUS_KM * 1000.0)
    cells = _f2c_cells(f2c, shape.xy)
    inner = f2c.HG_Const_gen().generateHeadlands(cells, HEADLAND_OFFSET * w)
    best = None
    angles = (0.0, 0.5 * math.pi) if decompose else (None,)
    for angle in angles:
        parts = inner
        if angle is not None:
            decomp = f2c.DECOMP_Boustrophedon()
            decomp.setSplitAngle(angle)
            parts = decomp.decompose(inner)
        by_cell = f2c.SG_BruteForce().generateBestSwaths(f2c.OBJ_NSwath(), s, parts)
        swaths = f2c.Swaths()
        for k in range(by_cell.size()):
            swaths.append(f2c.RP_Boustrophedon().genSortedSwaths(by_cell.at(k)))
        path = f2c.PP_PathPlanning().planPath(robot, swaths, f2c.PP_DubinsCurves())
        lanes_xy = []
        for k in range(swaths.size()):
            ln = swaths.at(k).getPath()
            lanes_xy.append(np.array([[ln.getX(j), ln.getY(j)] for j in range(ln.size())]))
        pts = np.array(
            [
                [path.getState(j).point.getX(), path.getState(j).point.getY()]
                for j in range(path.size())
            ]
        )
        res = _measure(shape, lanes_xy, pts, w_km)
        res["f2c_length_km"] = path.length() / 1000.0
        res["split_angle"] = angle
        if best is None or res["path_km"] < best["path_km"]:
            best = res
    best["seconds"] = time.perf_counter() - t0
    return best


def _swath_sensor(token: str) -> Sensor:
    """A swath in km (``"27.5"``) or a sensor preset's name (its swath as the preset sets it)."""
    try:
        w = float(token)
    except ValueError:
        return sensors.preset(token)
    return Sensor(f"swath {w:g} km", swath_km=w)


def table_swaths(swaths: list[str]) -> str:
    blr = data.territory("BLR")
    rows = [
        "| sensor | swath km | spacing km | total_km | ideal_km | total / ideal | imaged % "
        "| lanes | s |"
    ]
    rows.append("|---|---|---|---|---|---|---|---|---|")
    for token in swaths:
        sen = _swath_sensor(token)
        _lanes.clear_cache()
        t0 = time.perf_counter()
        ls = coverage.lanes(blr, sen, overlap=OVERLAP)
        dt = time.perf_counter() - t0
        frac = coverage.coverage(ls.footprint(), blr).fraction
        rows.append(
            f"| {sen.name} | {sen.swath_km:.2f} | {ls.spacing_km:.2f} | {ls.total_km:,.0f} | "
            f"{ls.ideal_km:,.0f} | "
            f"{ls.total_km / ls.ideal_km:.4f} | {100 * frac:.3f} | {len(ls.lanes)} | {dt:.1f} |"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    return "\n".join(rows)


def dubins_u_turn_km(d_km: float, r_km: float) -> float:
    """Shortest Dubins path (km) reversing onto a parallel lane ``d_km`` to the side.

    From (0, 0) heading +x to (0, d) heading -x with turning radius r: for
    d >= 2r a half turn split by a straight, pi r + (d - 2r); for d < 2r the
    omega turn RLR (circles of centres (0, -r) and (0, d + r), a middle circle
    tangent to both): r (3 pi - 4 b), b = asin((d + 2r) / 4r), which is pi r at
    d = 2r.
    """
    if d_km >= 2.0 * r_km:
        return math.pi * r_km + d_km - 2.0 * r_km
    b = math.asin((d_km + 2.0 * r_km) / (4.0 * r_km))
    return r_km * (3.0 * math.pi - 4.0 * b)


def swath_loop_rectangle(shape: Shape, w_km: float, *, headland: bool) -> dict:
    """Fields2Cover's swaths on the rectangle, re-laid from its source (not F2C itself).

    Fields2Cover 2.1.0, ``src/fields2cover/swath_generator/swath_generator_base.cpp``,
    ``SwathGeneratorBase::generateSwaths``: in the field rotated to the sweep, swath
    centres start at ``-0.5 * op_width`` and step ``op_width`` while ``field_height >
    curve_y + 0.5 * op_width``; each line is clipped to the field (a centre beyond it
    is lost). ``OBJ_NSwath`` (fewest swaths) sweeps a rectangle along its long side.
    The field is the rectangle, or (``headland``) the rectangle shrunk by the
    headland (``HG_Const_gen``, as :func:`run_f2c` gives it). Swaths are joined in
    boustrophedon order by straight legs, shorter than F2C's Dubins turns, so the
    path km is a lower bound for F2C's; ``dubins_km`` is the path with each turn
    replaced by its Dubins U-turn of :data:`TURN_RADIUS_KM` (:func:`dubins_u_turn_km`).
    Imaged % is measured as for both tools. Used when the ``fields2cover`` module
    is missing.
    """
    t0 = time.perf_counter()
    s = w_km * 1000.0 * (1.0 - OVERLAP)
    field = shape.xy
    if headland:
        field = field.buffer(-HEADLAND_OFFSET * w_km * 1000.0, join_style="mitre")
    xmin, ymin, xmax, ymax = field.bounds
    lanes_xy = []
    curve_y = -0.5 * s
    while (ymax - ymin) > curve_y + 0.5 * s:
        curve_y += s
        line = LineString([(xmin - 1.0, ymin + curve_y), (xmax + 1.0, ymin + curve_y)])
        piece = line.intersection(field)
        if piece.is_empty or piece.length <= 0:
            continue
        xy = np.asarray(piece.coords)
        lanes_xy.append(xy if len(lanes_xy) % 2 == 0 else xy[::-1])
    res = _measure(shape, lanes_xy, np.vstack(lanes_xy), w_km)
    res["dubins_km"] = res["lanes_km"] + (len(lanes_xy) - 1) * dubins_u_turn_km(
        s / 1000.0, TURN_RADIUS_KM
    )
    res["seconds"] = time.perf_counter() - t0
    return res


def table_shapes(shapes: list[str], swaths: list[float]) -> str:
    f2c = _f2c()
    rows = [
        "| shape | swath km | tool | path km | lanes km | imaged % | km outside | lanes | s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in shapes:
        shape = make_shape(name)
        for w in swaths:
            results = [("openskies", run_openskies(shape, w))]
            if f2c is not None:
                results.append(
                    ("Fields2Cover", run_f2c(f2c, shape, w, decompose=name != "rectangle"))
                )
            elif name == "rectangle":
                for headland in (False, True):
                    label = "with" if headland else "no"
                    r = swath_loop_rectangle(shape, w, headland=headland)
                    results.append(
                        (
                            f"F2C swath loop, {label} headland (re-laid; straight turns; "
                            f"Dubins turns: {r['dubins_km']:,.0f} km)",
                            r,
                        )
                    )
            for tool, r in results:
                rows.append(
                    f"| {name} | {w:g} | {tool} | {r['path_km']:,.0f} | {r['lanes_km']:,.0f} | "
                    f"{r['imaged_pct']:.2f} | {r['outside_km']:,.0f} | {r['n_lanes']} | "
                    f"{r['seconds']:.1f} |"
                )
                print(rows[-1], file=sys.stderr, flush=True)
    if f2c is None:
        rows.append("")
        rows.append(
            "Fields2Cover is missing (no importable `fields2cover` module): openskies alone, "
            "and on the rectangle F2C's swaths re-laid from its source "
            "(`swath_loop_rectangle`)."
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", choices=("swaths", "shapes", "both"), default="both")
    parser.add_argument(
        "--swaths", help="comma-separated swaths in km or sensor preset names (swaths table)"
    )
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    load0 = os.getloadavg()[0]
    out = []
    if args.table in ("swaths", "both"):
        out.append(table_swaths((args.swaths or ",".join(SWATHS)).split(",")))
    if args.table in ("shapes", "both"):
        sw = [float(v) for v in (args.swaths or "5,35").split(",")]
        out.append(table_shapes(args.shapes.split(","), sw))
    print("\n\n".join(out))
    print(
        f"\noverlap {OVERLAP}, headland {HEADLAND_OFFSET} swath, F2C turning radius "
        f"{TURN_RADIUS_KM} km; load average (1 min) {load0:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
