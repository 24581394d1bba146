"""Tests of the generic Orienteering Problem solver (openskies._orienteering).

Optimal scores are checked against an independent brute force that enumerates every
ordered subset of intermediate nodes (n <= 8).
"""

from __future__ import annotations

import itertools
import logging
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies._errors import InfeasibleError, ValidationError
from openskies._orienteering import OrienteeringResult, solve_orienteering

TOL = 1e-9


def route_length(d, order):
    return sum(d[a][b] for a, b in itertools.pairwise(order))


def brute_force(d, scores, budget, start, end):
    """Best score over all routes start -> ... -> end visiting each node at most once."""
    n = len(d)
    closed = start == end
    inner = [v for v in range(n) if v not in (start, end)]
    fixed = scores[start] + (0.0 if closed else scores[end])
    best = -math.inf
    for k in range(len(inner) + 1):
        for perm in itertools.permutations(inner, k):
            order = [start, *perm, end]
            if route_length(d, order) <= budget * (1 + TOL):
                best = max(best, fixed + sum(scores[v] for v in perm))
    return best


def check_route(res, d, scores, budget, start, end):
    order = res.order
    assert order[0] == start
    assert order[-1] == end
    if start == end:
        assert len(order) >= 2
        body = order[:-1]
    else:
        body = order
    assert len(set(body)) == len(body), f"node visited twice: {order}"
    assert all(0 <= v < len(d) for v in order)
    length = route_length(d, order)
    assert length <= budget * (1 + TOL)
    assert res.length == pytest.approx(length, rel=1e-12, abs=1e-12)
    assert res.score == pytest.approx(sum(scores[v] for v in set(order)), rel=1e-12, abs=1e-12)
    if res.bound is not None:
        assert res.score <= res.bound + 1e-6 * max(1.0, res.bound)


def random_instance(seed, n, kind):
    rng = random.Random(seed)
    if kind == "euclidean":
        pts = [(rng.uniform(0, 10), rng.uniform(0, 10)) for _ in range(n)]
        d = [[math.dist(p, q) for q in pts] for p in pts]
    elif kind == "asymmetric":
        d = [[0.0 if i == j else rng.uniform(1, 10) for j in range(n)] for i in range(n)]
    else:  # non-metric: symmetric, but some shortcuts through a third node are far shorter
        d = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                d[i][j] = d[j][i] = rng.choice([1.0, 2.0, 20.0, 30.0])
    scores = [float(rng.randint(0, 10)) for _ in range(n)]
    # a budget that admits some, but not all, of the nodes
    tour = route_length(d, [0, *range(2, n), 1])
    budget = max(d[0][1] * 1.01, tour * rng.uniform(0.3, 0.7)) + 0.5
    return d, scores, budget


CASES = [
    (seed, n, kind, start, end)
    for seed, n, kind in [
        (1, 6, "euclidean"),
        (2, 7, "euclidean"),
        (3, 8, "euclidean"),
        (4, 7, "asymmetric"),
        (5, 8, "asymmetric"),
        (6, 7, "nonmetric"),
        (7, 8, "nonmetric"),
    ]
    for start, end in [(0, 1), (2, 2)]
]


@pytest.mark.parametrize("method", ["exact", "heuristic", "auto"])
@pytest.mark.parametrize(("seed", "n", "kind", "start", "end"), CASES)
def test_matches_brute_force(method, seed, n, kind, start, end):
    d, scores, budget = random_instance(seed, n, kind)
    best = brute_force(d, scores, budget, start, end)
    res = solve_orienteering(d, scores, budget, start=start, end=end, method=method, seed=seed)
    check_route(res, d, scores, budget, start, end)
    assert res.score == pytest.approx(best, abs=1e-9)
    if method == "exact":
        assert res.optimal is True
        assert res.bound == pytest.approx(best, abs=1e-6)


def test_nonmetric_shortcut_through_zero_score_node():
    # node 3 (score 5) is 100 away from the start directly, but 2 via the worthless
    # node 2: the best route passes through node 2 although it scores nothing.
    big = 100.0
    d = [
        [0, 3, 1, big],
        [3, 0, big, 1],
        [1, big, 0, 1],
        [big, 1, 1, 0],
    ]
    scores = [0, 0, 0, 5]
    for method in ("exact", "heuristic"):
        res = solve_orienteering(d, scores, 3.5, method=method)
        assert res.order == [0, 2, 3, 1]
        assert res.score == 5
        assert res.length == 3


# Tsiligirides (1984) problem set 2 (x, y, score): start, end, then 19 scored points. With exact
# Euclidean distances the optimum at budget 30 is 265 (275 is published, from rounded
# distances), see /work/shared/bench/op/README.md.
TSILIGIRIDES_2 = [
    (4.6, 7.1, 0), (5.0, 5.6, 0), (5.7, 11.4, 20), (4.4, 12.3, 20), (2.8, 14.3, 30),
    (3.2, 10.3, 15), (3.5, 9.8, 15), (4.4, 8.4, 10), (7.8, 11.0, 20), (8.8, 9.8, 20),
    (7.7, 8.2, 20), (6.3, 7.9, 15), (5.4, 8.2, 10), (5.8, 6.8, 10), (6.7, 5.8, 25),
    (13.8, 13.1, 40), (14.1, 14.2, 40), (11.2, 13.6, 30), (9.7, 16.4, 30), (9.5, 18.8, 50),
    (4.7, 16.8, 30),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("budget", "optimum"), [(30.0, 265.0), (45.0, 450.0)])
def test_tsiligirides_known_optimum(budget, optimum):
    pts = [(x, y) for x, y, _ in TSILIGIRIDES_2]
    scores = [s for _, _, s in TSILIGIRIDES_2]
    d = np.array([[math.dist(p, q) for q in pts] for p in pts])
    for method in ("exact", "heuristic"):
        res = solve_orienteering(d, scores, budget, method=method, time_limit_s=60)
        check_route(res, d.tolist(), scores, budget, 0, 1)
        assert res.score == optimum
        if method == "exact":
            assert res.optimal is True
            assert res.method == "exact"


def test_closed_tour():
    # unit square with the depot at a corner; budget 4 is exactly the perimeter
    pts = [(0, 0), (1, 0), (1, 1), (0, 1)]
    d = [[math.dist(p, q) for q in pts] for p in pts]
    scores = [0, 1, 1, 1]
    for method in ("exact", "heuristic"):
        res = solve_orienteering(d, scores, 4.0, start=0, end=0, method=method)
        assert res.order[0] == res.order[-1] == 0
        assert sorted(res.order[1:-1]) == [1, 2, 3]
        assert res.length == pytest.approx(4.0)
        assert res.score == 3
        # with budget 3.5 only two corners fit: 0 -> 1 -> 2 -> 0 is 2 + sqrt(2)
        res = solve_orienteering(d, scores, 3.5, start=0, end=0, method=method)
        assert res.score == 2
        assert res.length == pytest.approx(2 + math.sqrt(2))


def test_closed_tour_with_nothing_reachable():
    d = [[0, 10], [10, 0]]
    res = solve_orienteering(d, [3, 7], 5.0, start=0, end=0, method="exact")
    assert res.order == [0, 0]
    assert res.score == 3
    assert res.length == 0
    assert res.optimal is True


@pytest.mark.parametrize("method", ["exact", "heuristic", "auto"])
def test_only_start_and_end_fit(method):
    pts = [(0, 0), (3, 0), (1.5, 5), (1.5, -5)]
    d = [[math.dist(p, q) for q in pts] for p in pts]
    res = solve_orienteering(d, [1, 2, 50, 50], 3.0, method=method)
    assert res.order == [0, 1]
    assert res.score == 3
    assert res.length == 3.0
    assert res.optimal is True
    assert res.bound == 3


def test_start_to_end_exceeds_budget():
    d = [[0, 5], [5, 0]]
    with pytest.raises(InfeasibleError, match=r"exceeds budget = 4\.0"):
        solve_orienteering(d, [0, 0], 4.0)


def test_budget_tolerance_is_relative():
    # the direct leg is over the budget by 1e-12 relative: still feasible
    d = [[0, 1.0 + 1e-12], [1.0 + 1e-12, 0]]
    res = solve_orienteering(d, [0, 0], 1.0)
    assert res.order == [0, 1]
    with pytest.raises(InfeasibleError):
        solve_orienteering([[0, 1.0 + 1e-6], [1.0 + 1e-6, 0]], [0, 0], 1.0)


def test_same_seed_same_result():
    d, scores, budget = random_instance(11, 8, "euclidean")
    for method in ("heuristic", "exact", "auto"):
        a = solve_orienteering(d, scores, budget, method=method, seed=3)
        b = solve_orienteering(d, scores, budget, method=method, seed=3)
        assert (a.order, a.score, a.length, a.optimal, a.bound, a.method) == (
            b.order,
            b.score,
            b.length,
            b.optimal,
            b.bound,
            b.method,
        )


def test_result_is_frozen_dataclass():
    res = solve_orienteering([[0, 1], [1, 0]], [1, 1], 2.0)
    assert isinstance(res, OrienteeringResult)
    with pytest.raises(AttributeError):
        res.score = 0  # type: ignore[misc]
    assert res.runtime_s >= 0
    assert res.n_nodes == 2


def test_logs_one_info_line(caplog):
    with caplog.at_level(logging.INFO, logger="openskies._orienteering"):
        solve_orienteering([[0, 1], [1, 0]], [1, 1], 2.0)
    lines = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(lines) == 1
    assert "score=2" in lines[0].getMessage()


GOOD_D = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
GOOD_S = [0, 0, 1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"distances": [[0, 1], [1, 0], [1, 1]]}, r"not square"),
        ({"distances": [[0, 1, 1], [1, 0], [1, 1, 0]]}, r"not square.*row 1"),
        ({"distances": []}, r"distances is empty"),
        ({"distances": 5}, r"square matrix"),
        ({"distances": [[0, -1, 1], [1, 0, 1], [1, 1, 0]]}, r"distances\[0\]\[1\] = -1\.0"),
        ({"distances": [[0, 1, 1], [1, 0, math.nan], [1, 1, 0]]}, r"distances\[1\]\[2\] = nan"),
        ({"distances": [[0, 1, 1], [1, 0, 1], [math.inf, 1, 0]]}, r"distances\[2\]\[0\] = inf"),
        ({"distances": [[0, "a", 1], [1, 0, 1], [1, 1, 0]]}, r"distances\[0\]\[1\] = 'a'"),
        ({"scores": [0, 1]}, r"scores has 2 entries"),
        ({"scores": [0, -1, 1]}, r"scores\[1\] = -1\.0"),
        ({"scores": [0, math.nan, 1]}, r"scores\[1\] = nan"),
        ({"budget": 0}, r"budget = 0"),
        ({"budget": -2.5}, r"budget = -2\.5"),
        ({"budget": math.nan}, r"budget = nan"),
        ({"start": 3}, r"start = 3 is out of range"),
        ({"end": -1}, r"end = -1 is out of range"),
        ({"start": 1.5}, r"start = 1\.5"),
        ({"method": "greedy"}, r"method = 'greedy' is unknown"),
        ({"time_limit_s": 0}, r"time_limit_s = 0"),
        ({"time_limit_s": -1.0}, r"time_limit_s = -1\.0"),
        ({"effort": 0}, r"effort = 0 is invalid; pass a finite number > 0"),
        ({"effort": math.inf}, r"effort = inf"),
    ],
)
def test_validation_errors(kwargs, match):
    args = {"distances": GOOD_D, "scores": GOOD_S, "budget": 5.0}
    args.update(kwargs)
    distances, scores, budget = args.pop("distances"), args.pop("scores"), args.pop("budget")
    with pytest.raises(ValidationError, match=match):
        solve_orienteering(distances, scores, budget, **args)


@st.composite
def op_instances(draw):
    n = draw(st.integers(2, 6))
    value = st.one_of(
        st.just(0.0), st.integers(0, 20).map(float), st.floats(0.0, 20.0).map(lambda x: round(x, 3))
    )
    d = [[0.0 if i == j else draw(value) for j in range(n)] for i in range(n)]
    scores = [draw(st.integers(0, 9).map(float)) for _ in range(n)]
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(0, n - 1))
    budget = draw(st.floats(d[start][end] + 0.001, d[start][end] + 40.0))
    method = draw(st.sampled_from(["exact", "heuristic", "auto"]))
    seed = draw(st.integers(0, 3))
    return d, scores, budget, start, end, method, seed


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(op_instances())
def test_property_routes_are_feasible_and_consistent(instance):
    d, scores, budget, start, end, method, seed = instance
    res = solve_orienteering(d, scores, budget, start=start, end=end, method=method, seed=seed)
    check_route(res, d, scores, budget, start, end)
    best = brute_force(d, scores, budget, start, end)
    assert res.score <= best + 1e-9
    if method == "exact":
        assert res.optimal is True
        assert res.score == pytest.approx(best, abs=1e-9)


@pytest.mark.slow  # a subprocess: a fresh interpreter, so HiGHS's one-time banner is its first
def test_exact_solver_prints_nothing_to_stdout() -> None:
    """HiGHS's one-time banner must not reach stdout (it would corrupt --json output)."""
    import subprocess
    import sys

    code = (
        "from openskies._orienteering import solve_orienteering as s; "
        "s([[0,1,2],[1,0,1],[2,1,0]], [0,0,5], 10, method='exact')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""


# --------------------------------------------------------------------------- OPLib-like (issue 17)

# TSPLIB att48 (Padberg & Rinaldi), the coordinates of OPLib's att48 instances
ATT48 = [
    (6734, 1453), (2233, 10), (5530, 1424), (401, 841), (3082, 1644), (7608, 4458),
    (7573, 3716), (7265, 1268), (6898, 1885), (1112, 2049), (5468, 2606), (5989, 2873),
    (4706, 2674), (4612, 2035), (6347, 2683), (6107, 669), (7611, 5184), (7462, 3590),
    (7732, 4723), (5900, 3561), (4483, 3369), (6101, 1110), (5199, 2182), (1633, 2809),
    (4307, 2322), (675, 1006), (7555, 4819), (7541, 3981), (3177, 756), (7352, 4506),
    (7545, 2801), (3245, 3305), (6426, 3173), (4608, 1198), (23, 2216), (7248, 3779),
    (7762, 4595), (7392, 2244), (3484, 2829), (6271, 2135), (4985, 140), (1916, 1569),
    (7280, 4899), (7509, 3239), (10, 2676), (6807, 2993), (5185, 3258), (3023, 1942),
]  # fmt: skip


def att_distance(p, q):
    """TSPLIB ATT pseudo-Euclidean distance (an integer, rounded up)."""
    r = math.sqrt(((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) / 10.0)
    t = int(r)
    return t + 1 if t < r else t


def integer_route_check(order, d, scores, budget, reported_score):
    """A closed tour from 0 within the budget on the integer matrix; returns its length."""
    assert order[0] == 0
    assert order[-1] == 0
    body = order[:-1]
    assert len(set(body)) == len(body), f"node visited twice: {order}"
    length = sum(d[a][b] for a, b in itertools.pairwise(order))
    assert length <= budget
    assert reported_score == sum(scores[v] for v in body)
    return length


def test_att48_gen2_reaches_the_published_optimum():
    # OPLib att48-gen2-50 (Kobeaga, Merino & Lozano 2018; generation 2 of Fischetti,
    # Salazar-Gonzalez & Toth 1998): score 1 + (7141 i + 73) mod 100, budget half of
    # att48's optimal tour (10628, TSPLIB). Optimum 1717 (OPLib's EA4OP solution, proven
    # optimal by branch-and-cut in ../shared/bench/oplib/README.md).
    d = [[att_distance(p, q) for q in ATT48] for p in ATT48]
    scores = [1 + (7141 * i + 73) % 100 for i in range(48)]
    budget = 10628 // 2
    res = solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=0)
    integer_route_check(res.order, d, scores, budget, res.score)
    assert res.score == 1717


def rounded_instance(seed, n, asymmetric=False):
    """Random points, TSPLIB EUC_2D distances (rounded to the nearest integer)."""
    rng = random.Random(seed)
    pts = [(rng.uniform(0, 1000), rng.uniform(0, 1000)) for _ in range(n)]
    d = [[int(math.dist(p, q) + 0.5) for q in pts] for p in pts]
    if asymmetric:
        d = [[0 if i == j else d[i][j] + rng.randint(0, 30) for j in range(n)] for i in range(n)]
    scores = [rng.randint(1, 100) for _ in range(n)]
    budget = 2500
    return d, scores, budget


def is_metric(d):
    n = len(d)
    return all(d[i][j] <= d[i][k] + d[k][j] for i in range(n) for j in range(n) for k in range(n))


@pytest.mark.parametrize(("seed", "asymmetric"), [(1, False), (2, False), (3, True)])
def test_rounded_nonmetric_matrix_routes_are_feasible(seed, asymmetric):
    d, scores, budget = rounded_instance(seed, 150, asymmetric)
    assert not is_metric(d)  # rounding breaks the triangle inequality somewhere
    res = solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=0)
    length = integer_route_check(res.order, d, scores, budget, res.score)
    assert res.length == length
    assert len(res.order) > 10  # it does visit nodes


@pytest.mark.slow
def test_large_instance_same_seed_same_route():
    d, scores, budget = rounded_instance(4, 200)
    runs = [
        solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=7)
        for _ in range(2)
    ]
    assert runs[0].order == runs[1].order
    assert runs[0].score == runs[1].score


def test_effort_schedule_keeps_small_instances_and_splits_large_ones():
    from openskies import _orienteering

    big = _orienteering._LARGE_CANDIDATES
    # up to the threshold (every OPLib instance): one search, the settings it was tuned on
    for n in (48, 160, 400):
        e = _orienteering._ils_effort(n)
        assert e.starts == 1
        assert e.iterations == min(100 + 30 * n, max(100 + 5 * n, 800_000 // n))
        assert (e.threshold, e.max_kick, e.big_kick) == (0.05, 1_000_000, 0.2)
    # above it: twice the count, four starts of a quarter, the best going on
    for n in (big + 1, 1000):
        base = 100 + 5 * n
        e = _orienteering._ils_effort(n)
        assert (e.iterations, e.starts, e.start_iterations) == (2 * base, 4, base // 4)
        assert e.iterations > e.starts * e.start_iterations
        assert (e.threshold, e.max_kick) == (0.005, 50)


@pytest.mark.slow
def test_large_instance_runs_four_seeded_starts_and_is_deterministic(monkeypatch):
    from openskies import _orienteering, _orienteering_ils

    d, scores, budget = rounded_instance(8, 460)
    fits = sum(d[0][v] + d[v][0] <= budget for v in range(1, len(d)))
    assert fits > _orienteering._LARGE_CANDIDATES  # the large-instance schedule applies
    seeds: list[int] = []
    real = _orienteering_ils.seed_state
    monkeypatch.setattr(
        _orienteering_ils, "seed_state", lambda s: seeds.append(s) or real(s), raising=True
    )
    runs = [
        solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=3)
        for _ in range(2)
    ]
    assert seeds == [3000, 3001, 3002, 3003] * 2
    assert runs[0].order == runs[1].order
    length = integer_route_check(runs[0].order, d, scores, budget, runs[0].score)
    assert runs[0].length == length


@pytest.mark.slow
def test_effort_is_work_not_clock():
    # the search stops after a fixed amount of work: a larger time cap changes nothing
    d, scores, budget = rounded_instance(5, 120)
    a = solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", time_limit_s=10)
    b = solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", time_limit_s=1e4)
    assert a.order == b.order


@pytest.mark.slow
def test_compiled_and_plain_python_kernels_give_the_same_route(tmp_path):
    # the kernels run compiled (numba) in this process and as plain Python in a child
    # with NUMBA_DISABLE_JIT=1: the same IEEE operations in the same order, the same route
    import json
    import os
    import subprocess
    import sys

    d, scores, budget = rounded_instance(6, 24)
    res = solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=2)
    (tmp_path / "case.json").write_text(json.dumps({"d": d, "s": scores, "b": budget}))
    code = (
        "import json, sys\n"
        "from openskies import _orienteering\n"
        "from openskies._orienteering import solve_orienteering\n"
        "_orienteering._PLAIN_PYTHON_ORACLE = True  # the test hook: plain Python allowed\n"
        "c = json.load(open(sys.argv[1]))\n"
        "r = solve_orienteering(c['d'], c['s'], c['b'], start=0, end=0, method='heuristic',"
        " seed=2, time_limit_s=600)\n"
        "print(json.dumps(r.order))\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "case.json")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    assert json.loads(out.stdout) == res.order


def test_compiled_kernels_are_used_one_signature_each():
    # numba is a hard dependency: every kernel is a compiled dispatcher with exactly the
    # one explicit signature it was declared with, and a solve adds no specialisation
    # (which would mean a compile on a user's first call) nor runs plain Python
    from numba.core.registry import CPUDispatcher

    from openskies import _orienteering_ils as kern

    assert kern.COMPILED
    kernels = {n: f for n, f in vars(kern).items() if isinstance(f, CPUDispatcher)}
    assert "ils_run" in kernels
    assert len(kernels) >= 20
    before = {n: list(f.signatures) for n, f in kernels.items()}
    assert all(len(s) == 1 for s in before.values()), before
    d, scores, budget = rounded_instance(8, 90)
    runs = [
        solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=3)
        for _ in range(2)
    ]
    assert {n: list(f.signatures) for n, f in kernels.items()} == before
    assert runs[0].order == runs[1].order
    assert runs[0].score == runs[1].score
    assert len(runs[0].order) > 3


@pytest.mark.slow  # a subprocess: NUMBA_DISABLE_JIT acts at import
def test_disabled_jit_refuses_instead_of_running_plain_python():
    import os
    import subprocess
    import sys

    code = (
        "from openskies._errors import OpenSkiesError\n"
        "from openskies._orienteering import solve_orienteering\n"
        "d = [[0, 1, 1], [1, 0, 1], [1, 1, 0]]\n"
        "try:\n"
        "    solve_orienteering(d, [0, 1, 1], 10, start=0, end=0, method='heuristic')\n"
        "except OpenSkiesError as e:\n"
        "    print('refused:', e)\n"
        "else:\n"
        "    print('ran')\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.startswith("refused:"), out.stdout + out.stderr
    assert "NUMBA_DISABLE_JIT" in out.stdout


def test_effort_scales_the_iteration_counts(monkeypatch):
    # the kernel is asked for effort x the schedule's iterations (at least one), the rest alike
    from openskies import _orienteering, _orienteering_ils

    d, scores, budget = rounded_instance(4, 200)
    calls: list[int] = []
    real = _orienteering_ils.ils_run

    def counting(*args):  # the chunk size is the second-last argument
        calls.append(int(args[-2]))
        return real(*args)

    monkeypatch.setattr(_orienteering_ils, "ils_run", counting, raising=True)
    schedule = []
    real_effort = _orienteering._ils_effort
    monkeypatch.setattr(
        _orienteering, "_ils_effort", lambda n: schedule.append(real_effort(n)) or schedule[-1]
    )
    for effort in (1.0, 0.125):
        calls.clear()
        solve_orienteering(
            d, scores, budget, start=0, end=0, method="heuristic", seed=7, effort=effort
        )
        full = schedule[-1]
        assert full.starts == 1  # 200 nodes: one search
        assert calls[0] == 0  # the greedy start
        assert sum(calls) == max(1, round(full.iterations * effort))
    default = solve_orienteering(d, scores, budget, start=0, end=0, method="heuristic", seed=7)
    same = solve_orienteering(
        d, scores, budget, start=0, end=0, method="heuristic", seed=7, effort=1.0
    )
    assert default.order == same.order


@pytest.mark.slow
def test_effort_scales_the_four_starts_of_a_large_instance(monkeypatch):
    # above 400 candidates: four starts of a quarter each, then the best goes on; an eighth
    # of the effort runs an eighth of the iterations in all, four greedy starts still
    from openskies import _orienteering, _orienteering_ils

    d, scores, budget = rounded_instance(8, 460)
    calls: list[int] = []
    real = _orienteering_ils.ils_run
    monkeypatch.setattr(
        _orienteering_ils, "ils_run", lambda *a: calls.append(int(a[-2])) or real(*a)
    )
    schedule = []
    real_effort = _orienteering._ils_effort
    monkeypatch.setattr(
        _orienteering, "_ils_effort", lambda n: schedule.append(real_effort(n)) or schedule[-1]
    )
    result = solve_orienteering(
        d, scores, budget, start=0, end=0, method="heuristic", seed=3, effort=0.125
    )
    full = schedule[-1]
    assert full.starts == 4
    assert calls.count(0) == 4
    assert sum(calls) == round(full.iterations * 0.125)
    length = integer_route_check(result.order, d, scores, budget, result.score)
    assert result.length == length
