"""Brute-force reference of the rule 6 checks (self-intersection, circling).

The definitions of ``legality._check_self_intersection`` and ``_check_circling``
computed the slow, obvious way: every pair of segments, every segment against
every event point, the circling look-ahead one waypoint at a time. No spatial
index, no certificate (openskies._segments): what the fast checks must equal.
"""

from __future__ import annotations

import numpy as np

from openskies import geodesy
from openskies.flightplan import (
    CIRCLING_RADIUS_KM,
    DENSIFY_KM,
    SAME_POINT_TOLERANCE_KM,
    TERMINAL_RADIUS_KM,
    FlightPlan,
    _fmt_ll,
)
from openskies.legality import (
    Violation,
    _ecef,
    _ecef_to_lonlat,
    _link_groups,
    _point_seg_distance,
    _seg_seg_distance,
    _segment_exempt,
)


def self_intersection(plan: FlightPlan) -> list[Violation]:
    d = plan._dense
    pts = d["pts"]
    n_seg = len(pts) - 1
    if n_seg < 3:
        return []
    exempt = _segment_exempt(plan)
    xyz = _ecef(pts[:, 0], pts[:, 1])
    tol_m = SAME_POINT_TOLERANCE_KM * 1000.0
    i, j = np.triu_indices(n_seg, k=2)  # every pair j > i + 1, in path order
    keep = ~exempt[i] & ~exempt[j]
    i, j = i[keep], j[keep]
    if i.size == 0:
        return []
    dist, c1, c2 = _seg_seg_distance(xyz[i], xyz[i + 1], xyz[j], xyz[j + 1])
    close = dist <= tol_m
    events = 0.5 * (c1[close] + c2[close])
    passes, runs_of = _passes(events, xyz, exempt, tol_m)
    bad = np.flatnonzero(passes >= 3)
    if bad.size == 0:
        return []
    link_m = max(2 * tol_m, 2000.0 * DENSIFY_KM)
    label = _link_groups(events[bad], link_m)
    out = []
    for group in np.unique(label):
        members = bad[label == group]
        k = int(members[np.argmax(passes[members])])
        legs = sorted({int(d["seg_leg"][s]) for s in runs_of[k]})
        lon, lat = _ecef_to_lonlat(events[k])
        lon = float(geodesy.normalize_lon(lon))
        extent = ""
        if members.size > 1:
            span = float(np.max(np.linalg.norm(events[members] - events[k], axis=1)) / 1000.0)
            extent = f" (and along {span:.0f} km around it)"
        msg = (
            f"Art. VI Sec. II para 4(G): the flight path passes {passes[k]} times through "
            f"the same point {_fmt_ll(lon, lat)}{extent} (within "
            f"{SAME_POINT_TOLERANCE_KM:g} km), on legs {legs}; one crossing is allowed, "
            "not a third pass"
        )
        out.append(
            Violation(
                "self_intersection", msg, leg=legs[-1], location=(lon, lat), amount=float(passes[k])
            )
        )
    return out


def _passes(
    events: np.ndarray, xyz: np.ndarray, exempt: np.ndarray, tol_m: float, chunk: int = 256
) -> tuple[np.ndarray, dict[int, list[int]]]:
    """How many separate passes go through each event point, and the first segment of each.

    Every event against every segment (no index): the segments within ``tol_m`` of the event
    form maximal runs of consecutive segments; a run is a pass unless all its segments are
    exempt. Done for ``chunk`` events at once as one array (the same arithmetic per pair as
    one event at a time): a pass's first counted segment is a segment near the event, not
    exempt, with no such segment between its run's start and itself.
    """
    n_seg = len(xyz) - 1
    idx = np.arange(n_seg)
    passes = np.zeros(len(events), int)
    runs_of: dict[int, list[int]] = {}
    for lo in range(0, len(events), chunk):
        e = events[lo : lo + chunk]
        p = np.repeat(e, n_seg, axis=0)
        a, b = np.tile(xyz[:-1], (len(e), 1)), np.tile(xyz[1:], (len(e), 1))
        near = (_point_seg_distance(p, a, b) <= tol_m).reshape(len(e), n_seg)
        starts = near & ~np.pad(near[:, :-1], ((0, 0), (1, 0)))
        run_start = np.maximum.accumulate(np.where(starts, idx, -1), axis=1)
        counted = near & ~exempt
        last_before = np.pad(
            np.maximum.accumulate(np.where(counted, idx, -1), axis=1)[:, :-1],
            ((0, 0), (1, 0)),
            constant_values=-1,
        )
        first = counted & (last_before < run_start)
        passes[lo : lo + len(e)] = first.sum(axis=1)
        for r in np.flatnonzero(passes[lo : lo + len(e)] >= 3):
            runs_of[lo + int(r)] = [int(s) for s in run_start[r][first[r]]]
    return passes, runs_of


def circling(plan: FlightPlan) -> list[Violation]:
    n = len(plan.waypoints)
    if n < 4:
        return []
    az12, az21, dist = plan._leg_inv
    arrive = np.asarray(az21) + 180.0
    turn = (az12[1:] - arrive[:-1] + 180.0) % 360.0 - 180.0
    turn[(dist[1:] < 1e-6) | (dist[:-1] < 1e-6)] = 0.0
    xyz = _ecef(plan.coords[:, 0], plan.coords[:, 1])
    calib = np.asarray(plan.calibration, bool)
    exempt = np.zeros(n, bool)
    exempt[1:-1] = calib[:-1] | calib[1:]
    w0, w1 = plan.waypoints[0], plan.waypoints[-1]
    d0 = np.asarray(geodesy.distance_km(w0.lon, w0.lat, plan.coords[:, 0], plan.coords[:, 1]))
    d1 = np.asarray(geodesy.distance_km(w1.lon, w1.lat, plan.coords[:, 0], plan.coords[:, 1]))
    exempt |= (d0 <= TERMINAL_RADIUS_KM) | (d1 <= TERMINAL_RADIUS_KM)
    radius_m = CIRCLING_RADIUS_KM * 1000.0
    out = []
    k = 1
    while k < n - 1:
        found = None
        if not exempt[k]:
            cum = 0.0
            for j in range(k, n - 1):
                if exempt[j] or np.linalg.norm(xyz[j] - xyz[k]) > 2 * radius_m:
                    break
                cum += turn[j - 1]
                if abs(cum) >= 360.0 - 1e-6:
                    centre = xyz[k : j + 1].mean(axis=0)
                    if np.max(np.linalg.norm(xyz[k : j + 1] - centre, axis=1)) <= radius_m:
                        found = (j, cum, centre)
                    break
        if found is None:
            k += 1
            continue
        j, cum, centre = found
        lon, lat = _ecef_to_lonlat(centre)
        msg = (
            f"Art. VI Sec. II para 4(G): the aircraft circles around {_fmt_ll(lon, lat)}: "
            f"a cumulative turn of {abs(cum):.0f} deg at waypoints {k}..{j}, all within "
            f"{CIRCLING_RADIUS_KM:g} km of that point (circling = 360 deg or more)"
        )
        out.append(
            Violation("circling", msg, leg=k, waypoint=k, location=(lon, lat), amount=abs(cum))
        )
        k = j + 1
    return out
