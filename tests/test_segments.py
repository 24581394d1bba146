"""The fast rule 6 checks (openskies._segments) against a brute-force reference.

Random small tracks (hypothesis): random walks with steps from 0 (repeated
waypoints) to 3 km, so that the 1 km same-point tolerance and the 10 km circling
radius are met in every way, retraced, flown twice (a third pass everywhere) or
looped; placed over Belarus, across the antimeridian, at 78 deg N and at 84 deg N.
The fast checks must give exactly the brute-force violations (messages, legs,
locations and amounts to the last bit). Dense recorded tracks (tests/_dense_tracks.py:
crossings, retraces, passes near the tolerance, corners, zigzags, circles, at the same
places) check the certificates where they matter, against the brute force at 90 m
spacing and against the exact pass count of every event at 28 m.
"""

from __future__ import annotations

import math

import _dense_tracks
import numpy as np
import pytest
from _rule6_reference import circling, self_intersection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import _segments, data, geodesy, legality
from openskies.flightplan import FlightPlan, Waypoint

CENTRES = [(27.5, 53.5), (179.97, 65.0), (-179.99, 66.5), (60.0, 78.0), (10.0, 84.0)]


def _plan(coords: np.ndarray, calibration: list[bool]) -> FlightPlan:
    reg = data.regime()
    n_legs = len(coords) - 1
    wps = tuple(Waypoint(float(x), float(y)) for x, y in coords)
    return FlightPlan(
        waypoints=wps,
        start="UUMB",
        end="UUMB",
        regime=reg,
        territory=reg.observed_territory("UUMB"),
        budget_km=1000.0,
        sensors_on=(True,) * n_legs,
        transit=(False,) * n_legs,
        calibration=tuple(calibration[:n_legs]),
    )


@st.composite
def tracks(draw: st.DrawFn) -> tuple[np.ndarray, list[bool]]:
    lon0, lat0 = draw(st.sampled_from(CENTRES))
    n = draw(st.integers(3, 24))
    steps = draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n))
    turns = draw(st.lists(st.floats(-180.0, 180.0), min_size=n, max_size=n))
    if draw(st.booleans()):  # snap steps to a few values: exact repeats and collinear legs
        steps = [round(s) * 1.0 for s in steps]
        turns = [round(t / 45.0) * 45.0 for t in turns]
    az = draw(st.floats(0.0, 360.0))
    pts = [(lon0, lat0)]
    for step, t in zip(steps, turns, strict=True):
        az = (az + t) % 360.0
        lon, lat, _ = geodesy.GEOD.fwd(pts[-1][0], pts[-1][1], az, step * 1000.0)
        pts.append((float(geodesy.normalize_lon(lon)), float(lat)))
    how = draw(st.sampled_from(["as is", "retrace", "twice", "loop"]))
    if how == "retrace":
        pts = pts + pts[-2::-1]
    elif how == "twice":
        pts = pts + pts[1:]
    elif how == "loop":
        pts = pts + pts[1:] + pts[1:]
    coords = np.array(pts)
    calibration = draw(st.lists(st.booleans(), min_size=len(coords), max_size=len(coords)))
    if draw(st.booleans()):
        calibration = [False] * len(coords)
    return coords, calibration


@pytest.mark.slow  # a property run: 150 tracks, each checked by the O(n^2) brute force
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tracks())
def test_fast_rule6_equals_brute_force(track: tuple[np.ndarray, list[bool]]) -> None:
    coords, calibration = track
    plan = _plan(coords, calibration)
    assert legality._check_self_intersection(plan) == self_intersection(plan)
    assert legality._check_circling(plan) == circling(plan)


def test_reference_finds_what_the_rules_forbid() -> None:
    # the oracle itself: a path flown three times through one point, and a tight circle
    centre = (27.5, 53.5)
    lines = []
    for az in (90.0, 30.0, 150.0):
        for a in (az, az + 180.0):
            lon, lat, _ = geodesy.GEOD.fwd(*centre, a, 6000.0)
            lines.append((lon, lat))
    plan = _plan(np.array([(27.0, 53.0), *lines, (27.0, 53.0)]), [False] * 9)
    v = self_intersection(plan)
    assert [x.amount for x in v] == [3.0]
    assert geodesy.distance_km(*v[0].location, *centre) < 1.0
    assert legality._check_self_intersection(plan) == v
    circle = [geodesy.GEOD.fwd(*centre, 360.0 * k / 12, 3000.0)[:2] for k in range(15)]
    plan = _plan(np.array([(27.0, 53.0), *circle, (27.0, 53.0)]), [False] * 17)
    v = circling(plan)
    assert len(v) == 1
    assert v[0].amount >= 360.0
    assert legality._check_circling(plan) == v


@pytest.mark.parametrize("alpha", [0.0, 3.0, 10.0, 20.0, 24.0])
def test_lemma_reach_is_the_inequality(alpha: float) -> None:
    # reach_fraction(a) is where r0 (1 + tan a) + tan a sin a = cos a (tol = 1)
    r = _segments.reach_fraction(alpha)
    a = math.radians(alpha)
    assert r * (1 + math.tan(a)) + math.tan(a) * math.sin(a) == pytest.approx(math.cos(a))
    assert (r > 0.5) == (alpha <= 24.0)


def test_lemma_on_a_grazing_zigzag() -> None:
    # a straight (within 20 deg) zigzag through a point's 1 km ball: the points within
    # 1 km form one interval when the point is within reach_fraction of the path
    rng = np.random.default_rng(0)
    reach = _segments.reach_fraction(20.0)
    for _ in range(300):
        n = 200
        angles = np.radians(rng.uniform(-20.0, 20.0, n))
        steps = rng.uniform(1.0, 40.0, n)
        xy = np.vstack(
            [
                [0.0, 0.0],
                np.cumsum(
                    np.column_stack([np.cos(angles), np.sin(angles)]) * steps[:, None], axis=0
                ),
            ]
        )
        xy -= xy[n // 2]
        r0 = rng.uniform(0.0, reach) * 1000.0
        phi = rng.uniform(0.0, 2 * math.pi)
        e = np.array([r0 * math.cos(phi), r0 * math.sin(phi)])
        xyz = np.column_stack([xy, np.zeros(len(xy))])
        ee = np.append(e, 0.0)
        d = _segments.point_segment_distance(np.broadcast_to(ee, (n, 3)), xyz[:-1], xyz[1:])
        inside = np.flatnonzero(d <= 1000.0)
        assert inside.size
        assert np.all(np.diff(inside) == 1)


def test_lines_in_region_equals_geos_on_a_real_border() -> None:
    """The boundary-index shortcut gives GEOS's covered_by and intersects, line by line."""
    import shapely

    from openskies import _geodata

    region = shapely.make_valid(
        shapely.clip_by_rect(_geodata.countries("land").loc["BLR"].geometry, 23.0, 51.0, 33.0, 57.0)
    )
    rng = np.random.default_rng(17)
    a = np.column_stack([rng.uniform(22.5, 33.5, 3000), rng.uniform(50.5, 56.9, 3000)])
    b = a + rng.normal(0.0, 0.05, a.shape)
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    covered, hits = _segments.lines_in_region(lines, region, min_lines=0)
    assert np.array_equal(covered, shapely.covered_by(lines, region))
    assert np.array_equal(hits, shapely.intersects(lines, region))
    assert 0 < covered.sum() < hits.sum() < len(lines)  # inside, across and outside all met


# -- dense recorded tracks (tests/_dense_tracks.py): the certificates at work


def _dense_plan(kind: str, centre: tuple[float, float], *, spacing_m: float, **how) -> FlightPlan:
    seed = 100 * _dense_tracks.CENTRES.index(centre) + _dense_tracks.KINDS.index(kind)
    coords = _dense_tracks.track(kind, centre, seed=seed, spacing_m=spacing_m, **how)
    return _plan(coords, [False] * len(coords))


@pytest.mark.parametrize(("kind", "centre"), [("cross", (27.5, 53.5)), ("star", (27.5, 53.5))])
def test_fast_rule6_equals_brute_force_on_a_dense_track(kind, centre) -> None:
    plan = _dense_plan(kind, centre, spacing_m=90.0)
    assert legality._check_self_intersection(plan) == self_intersection(plan)
    assert legality._check_circling(plan) == circling(plan)


@pytest.mark.slow  # 40 tracks of 200-400 points, each checked by the O(n^2) brute force
@pytest.mark.parametrize("centre", _dense_tracks.CENTRES)
@pytest.mark.parametrize("kind", _dense_tracks.KINDS)
def test_fast_rule6_equals_brute_force_on_dense_tracks(kind, centre) -> None:
    # crossings, retraces, parallel passes near the 1 km tolerance, corners, zigzags
    # around the 20 deg straightness bound, circles; Belarus, both sides of the
    # antimeridian, 78 and 84 deg N
    plan = _dense_plan(kind, centre, spacing_m=90.0)
    assert legality._check_self_intersection(plan) == self_intersection(plan)
    assert legality._check_circling(plan) == circling(plan)


def _no_certificates(blocks, xyz, tol_m) -> _segments.TwoPassTest:
    def none(i, j, e=None):
        return np.zeros(len(i), bool)

    return _segments.TwoPassTest(none, none)


def _counting_certificates(seen: list[float]):
    """``two_pass_certificates`` that appends the share of pairs certified without event."""
    real = _segments.two_pass_certificates

    def counting(blocks, xyz, tol_m) -> _segments.TwoPassTest:
        test = real(blocks, xyz, tol_m)

        def regardless(i, j):
            mask = test.regardless_of_event(i, j)
            seen.append(mask.mean())
            return mask

        return _segments.TwoPassTest(test.certified, regardless)

    return counting


@pytest.mark.slow  # the exact pass count of every event of a 28 m track: 10-25 s
def test_certificates_skip_many_pairs_and_change_nothing(monkeypatch) -> None:
    """At 28 m spacing (too dense for the brute force) many pairs are skipped unmeasured.

    On a survey pattern (lines 5 to 22 km long, no jitter: GPS noise of a few metres
    breaks the straight stretches) with a third pass through one crossing, the
    violations equal those of the exact pass count of every event (no certificate),
    and the certificates that need no event cover a large share of the candidate
    pairs (most of those away from the 11 corners and 4 crossings).
    """
    # across the antimeridian: the events are unwrapped like the segments
    plan = _dense_plan("survey", (179.99, 65.0), spacing_m=28.0, jitter_m=0.0, scale=2.5)
    seen: list[float] = []
    monkeypatch.setattr(_segments, "two_pass_certificates", _counting_certificates(seen))
    fast = legality._check_self_intersection(plan)
    assert seen[0] > 0.3
    assert [v.amount for v in fast] == [3.0]  # the diagonal's crossing
    monkeypatch.setattr(_segments, "two_pass_certificates", _no_certificates)
    monkeypatch.setenv("OPENSKIES_MAX_SELF_PAIRS", "100000000")  # every event counted
    assert fast == legality._check_self_intersection(plan)


def test_sort_pairs_is_lexsort_order() -> None:
    rng = np.random.default_rng(3)
    for n_tree in (1, 2, 7, 100_000):
        n = 5_000
        key = rng.choice(n_tree * 50, size=min(n, n_tree * 50), replace=False)
        i, j = key // n_tree, key % n_tree  # distinct pairs, j < n_tree
        order = np.lexsort((j, i))
        si, sj = _segments.sort_pairs(i, j, n_tree)
        assert np.array_equal(si, i[order])
        assert np.array_equal(sj, j[order])
    si, sj = _segments.sort_pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    assert si.size == sj.size == 0


# -- noisy recorded tracks: the tube lemma (GPS noise breaks the straight stretches)


def _runs_within(e: np.ndarray, xyz: np.ndarray, tol_m: float) -> int:
    """Maximal runs of consecutive segments of ``xyz`` within ``tol_m`` of ``e`` (brute force)."""
    n = len(xyz) - 1
    near = legality._point_seg_distance(np.broadcast_to(e, (n, 3)), xyz[:-1], xyz[1:]) <= tol_m
    return int(near[0]) + int(np.sum(near[1:] & ~near[:-1]))


@pytest.mark.parametrize("sigma_m", [0.0, 1.0, 3.0, 6.0, 10.0])
def test_tube_lemma_holds_on_noisy_passes(sigma_m: float) -> None:
    """Where ``tube_certificates`` certifies a noisy straight pass, no event has two runs.

    Passes of 200 steps of 28 m with normal noise on a local plane, placed in ECEF at
    84 deg N; events as the rule makes them: the midpoint of points of two segments of
    the pass (``same``), or points within ``tol / 2`` of a segment, half of them close
    to ``tol / 2`` (``other``: grazing the tube lemma's worst case). The runs are
    counted segment by segment.
    """
    tol = 1000.0
    rng = np.random.default_rng(int(sigma_m * 10) + 1)
    certified = {"same": 0, "other": 0}
    for _ in range(30):
        m = 200
        xy = np.column_stack([np.arange(m + 1) * 28.0, np.zeros(m + 1)])
        xy += rng.normal(0.0, sigma_m, xy.shape) if sigma_m else 0.0
        az = rng.uniform(0.0, 360.0)
        ll = _dense_tracks.to_lonlat(
            (xy - xy[m // 2])
            @ np.array([[math.cos(az), -math.sin(az)], [math.sin(az), math.cos(az)]]),
            (10.0, 84.0),
        )
        xyz = legality._ecef(ll[:, 0], ll[:, 1])
        lo, hi = np.array([0]), np.array([m - 1])
        same, other = _segments.tube_certificates(lo, hi, xyz, tol)
        for _ in range(40):
            a, b = rng.integers(0, m, 2)
            ta, tb = rng.uniform(0.0, 1.0, 2)
            pa = xyz[a] + ta * (xyz[a + 1] - xyz[a])
            pb = xyz[b] + tb * (xyz[b + 1] - xyz[b])
            if same[0]:
                assert _runs_within(0.5 * (pa + pb), xyz, tol) <= 1
                certified["same"] += 1
            if other[0]:
                d = rng.normal(0.0, 1.0, 3)
                r = 0.5 * tol * (rng.uniform(0.98, 1.0) if rng.uniform() < 0.5 else rng.uniform())
                assert _runs_within(pa + r * d / np.linalg.norm(d), xyz, tol) <= 1
                certified["other"] += 1
    if sigma_m <= 3.0:  # the certificate is not vacuous at GPS noise of a few metres
        assert certified["same"] == 30 * 40
    if sigma_m <= 1.0:
        assert certified["other"] == 30 * 40


def test_tube_gap_is_the_difference_of_the_chords() -> None:
    # at p = w the gap is tol - sqrt(tol^2 - 4 w^2): the analytic form of the docstring
    tol, w = 1000.0, 15.0
    assert _segments.tube_gap(w, w, tol) == pytest.approx(tol - math.sqrt(tol**2 - 4 * w * w))
    p = 0.5 * tol + w
    expected = math.sqrt(tol**2 - (p - w) ** 2) - math.sqrt(tol**2 - (p + w) ** 2)
    assert _segments.tube_gap(p, w, tol) == pytest.approx(expected)
    assert _segments.tube_gap(600.0, 400.0, tol) == np.inf  # p + w >= tol: no lemma
    # the gap grows with p (the lemma may take any bound on the event's distance)
    for w in (0.5, 5.0, 15.0, 60.0):
        gaps = _segments.tube_gap(np.linspace(0.0, tol - w - 1e-6, 2001), w, tol)
        assert np.all(np.diff(gaps) >= 0.0)


def test_fast_rule6_equals_brute_force_on_a_noisy_track() -> None:
    plan = _dense_plan("cross", (179.99, 65.0), spacing_m=28.0, jitter_m=3.0, scale=0.3)
    assert legality._check_self_intersection(plan) == self_intersection(plan)


#: (kind, centre, noise m): crossings and none, retraces, grazes, corners, at several
#: noise levels; Belarus, both sides of the antimeridian, 78 and 84 deg N
NOISY = [
    (kind, centre, sigma)
    for n, (kind, centre) in enumerate(
        (k, c)
        for k in ("cross", "outback", "survey", "retrace", "parallel", "corners")
        for c in (_dense_tracks.CENTRES[0], _dense_tracks.CENTRES[2], _dense_tracks.CENTRES[4])
    )
    for sigma in [(1.0, 3.0, 6.0)[n % 3]]
]


@pytest.mark.slow  # 18 tracks of 300-900 points at 28 m, each against the O(n^2) brute force
@pytest.mark.parametrize(("kind", "centre", "sigma_m"), NOISY)
def test_fast_rule6_equals_brute_force_on_noisy_tracks(kind, centre, sigma_m) -> None:
    plan = _dense_plan(kind, centre, spacing_m=28.0, jitter_m=sigma_m, scale=0.3)
    assert legality._check_self_intersection(plan) == self_intersection(plan)
    assert legality._check_circling(plan) == circling(plan)


@pytest.mark.slow  # the exact pass count of every event of a noisy 28 m track
def test_tube_certificates_skip_noisy_pairs_and_change_nothing(monkeypatch) -> None:
    """A 28 m survey with 3 m noise: many pairs certified, the answers of the exact count.

    Without the tube lemma the noise leaves straight stretches of a few segments and
    hardly any pair is certified; with it, the pairs along each pass are (the pairs
    across a crossing mostly go to the event test: ``tol / 2 + w`` of the tube lemma
    needs steps longer than 3 m noise leaves on every step of a window).
    """
    plan = _dense_plan("survey", (-179.995, 66.5), spacing_m=28.0, jitter_m=3.0, scale=2.5)
    seen: list[float] = []
    monkeypatch.setattr(_segments, "two_pass_certificates", _counting_certificates(seen))
    real_tubes = _segments.tube_certificates
    monkeypatch.setenv("OPENSKIES_MAX_SELF_PAIRS", "100000000")  # straight only: refused
    monkeypatch.setattr(
        _segments, "tube_certificates", lambda lo, *a: (np.zeros(lo.shape, bool),) * 2
    )
    straight_only = legality._check_self_intersection(plan)
    monkeypatch.setattr(_segments, "tube_certificates", real_tubes)
    fast = legality._check_self_intersection(plan)
    assert straight_only == fast
    assert seen[1] > 0.2
    assert seen[1] > 5 * seen[0]  # the tubes certify what the straight stretches cannot
    assert len(fast) >= 1  # the diagonal's crossing (noise may add runs where it grazes)
    monkeypatch.setattr(_segments, "two_pass_certificates", _no_certificates)
    assert fast == legality._check_self_intersection(plan)  # every event counted
