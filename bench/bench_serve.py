"""Workbench (``openskies serve``) latency on loopback: a bounded load test and edit latency.

    .venv/bin/python bench/bench_serve.py                 # 200 requests, 10 clients
    .venv/bin/python bench/bench_serve.py --browser       # + edits of a 200-waypoint plan
    .venv/bin/python bench/bench_serve.py --requests 400 --clients 20 --plan small

The server runs as ``openskies serve --port 0 --no-browser`` in its own process (the
clients' threads do not share its interpreter), bound to 127.0.0.1; every request goes
to that loopback address only. The load is bounded: ``--requests`` in all, from
``--clients`` concurrent clients, and the run stops after ``--max-seconds`` whatever
is left. Each request moves one waypoint a little, so no two bodies are alike.

``--browser`` opens the page in headless Chromium (Playwright, Debian's binary),
imports the 200-waypoint plan and drags waypoints with the mouse; it reports the time
from the last change of each drag to the render of the meter and violations that
include it (the 300 ms target of the workbench issue), with the server's own time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0


def plan_200() -> list[tuple[float, float]]:
    """200 waypoints over Belarus in 5 rows (a legal plan from Kubinka)."""
    pts = []
    for r, lat in enumerate(np.linspace(52.9, 54.9, 5)):
        lons = np.linspace(26.3, 30.3, 40)
        pts += [(float(x), float(lat)) for x in (lons[::-1] if r % 2 else lons)]
    return pts


def plan_small() -> list[tuple[float, float]]:
    """The API contract's example shape: Kubinka, one waypoint, Kubinka."""
    return [(36.650002, 55.611695), (28.0, 53.9), (36.650002, 55.611695)]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def start_server() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openskies", "serve", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    ready, _, _ = select.select([proc.stdout], [], [], 120)
    if not ready:
        proc.kill()
        sys.exit("openskies serve printed no URL within 120 s")
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        sys.exit(f"unexpected first line: {url!r}")
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), s."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_test(
    base: str,
    token: str,
    waypoints: list,
    n_requests: int,
    n_clients: int,
    max_s: float,
    pid: int,
) -> dict:
    """``n_requests`` validations from ``n_clients`` threads; per-request wall times."""
    body = {"territory": "BLR+RUS", "start": "UUMB", "end": "UUMB"}
    lock = threading.Lock()
    next_i = [0]
    wall: list[float] = []
    server: list[float] = []
    cpu: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + max_s

    def worker() -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as c:
            while time.monotonic() < deadline:
                with lock:
                    i = next_i[0]
                    if i >= n_requests:
                        return
                    next_i[0] += 1
                wps = [list(p) for p in waypoints]
                k = 1 + i % (len(wps) - 2)
                wps[k][1] += 1e-4 * (1 + i % 7)  # ~10 m: every body differs
                t0 = time.perf_counter()
                r = c.post("/api/validate", json={**body, "waypoints": wps})
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    if r.status_code == 200:
                        wall.append(dt)
                        server.append(float(r.headers["server-timing"].split("dur=")[1]))
                        cpu.append(r.json()["cpu_ms"])
                    else:
                        errors.append(f"{r.status_code}: {r.text[:200]}")

    # one warm request first (the server warms its caches in the background)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        c.post("/api/validate", json={**body, "waypoints": waypoints}, timeout=300)
    c0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - t0
    process_cpu_ms = (cpu_seconds(pid) - c0) * 1000 / max(1, len(wall) + len(errors))
    return {
        "wall": wall,
        "server": server,
        "cpu": cpu,
        "errors": errors,
        "total_s": total,
        "process_cpu_ms_per_request": process_cpu_ms,
    }


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def browser_edits(url: str, n_drags: int) -> dict:
    from playwright.sync_api import sync_playwright

    from openskies import flightplan, io

    # the project's Chromium convention and the workbench tests' flags
    find_chromium = _load(REPO / "tests" / "conftest.py", "_top_conftest").find_chromium
    browser_args = _load(REPO / "tests" / "serve" / "conftest.py", "_serve_conftest").BROWSER_ARGS
    chromium = find_chromium()
    if chromium is None:
        sys.exit("--browser needs Debian's chromium (scripts/install-system-packages.sh)")

    with tempfile.TemporaryDirectory() as tmp:
        plan = flightplan.FlightPlan.from_waypoints(
            plan_200(), start="UUMB", end="UUMB", territory="BLR+RUS", name="lawnmower"
        )
        path = io.write(plan, Path(tmp) / "lawnmower.geojson")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=browser_args)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.wait_for_selector("body[data-ready=yes]", state="attached", timeout=120_000)
            page.set_input_files("#import", str(path))
            page.wait_for_function("() => openskiesWorkbench.waypoints().length === 202")
            settled = (
                "() => document.body.dataset.checked === String(openskiesWorkbench.state.seq)"
                " && !openskiesWorkbench.state.inflight"
            )
            page.wait_for_function(settled, timeout=120_000)
            wps = page.evaluate("openskiesWorkbench.waypoints()")
            lon, lat = wps[61]
            page.evaluate(
                f"openskiesWorkbench.fitTo({lon - 0.3}, {lat - 0.2}, {lon + 0.3}, {lat + 0.2})"
            )
            page.evaluate("openskiesWorkbench.state.latencies.length = 0")
            here = (lon, lat)
            for i in range(n_drags):
                dst = (lon, lat + 0.03 * ((i % 6) + 1))
                a = page.evaluate("p => openskiesWorkbench.pointOf(p[0], p[1])", list(here))
                b = page.evaluate("p => openskiesWorkbench.pointOf(p[0], p[1])", list(dst))
                page.mouse.move(a["x"], a["y"])
                page.mouse.down()
                page.mouse.move(b["x"], b["y"], steps=8)
                page.mouse.up()
                page.wait_for_function(settled, timeout=120_000)
                here = dst
            lat_ms = page.evaluate("openskiesWorkbench.state.latencies")
            browser.close()
    finals = [x for x in lat_ms if x["final"]]
    return {
        "ms": [x["ms"] for x in finals],
        "kinds": [x["kind"] for x in finals],
        "ms_from_drop": [x["ms_from_event"] for x in finals],
        "cpu": [x["server_cpu_ms"] for x in finals],
        "server": [x["server_ms"] for x in finals],
        "fetch": [x["fetch_ms"] for x in finals],
        "render": [x["render_ms"] for x in finals],
        "during_drag": len(lat_ms) - len(finals),
    }


def row(name: str, values: list[float]) -> str:
    return (
        f"| {name} | {len(values)} | {pct(values, 50):.0f} | {pct(values, 95):.0f} | "
        f"{max(values) if values else float('nan'):.0f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--plan", choices=["200", "small", "both"], default="both")
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--browser", action="store_true", help="also measure edits in Chromium")
    ap.add_argument("--drags", type=int, default=12)
    ap.add_argument("--json", type=Path, help="write the raw numbers here")
    args = ap.parse_args()
    if not (1 <= args.requests <= 5000 and 1 <= args.clients <= 64):
        sys.exit("keep the load bounded: --requests 1..5000, --clients 1..64")

    proc, url = start_server()
    base, token = url.split("/?token=")
    raw: dict = {"url_host": base, "cpus": os.cpu_count(), "load_avg": os.getloadavg()}
    try:
        print(f"server: {base} (pid {proc.pid}); machine load average {os.getloadavg()[0]:.1f}")
        print()
        print(f"## Load test: {args.requests} validations, {args.clients} concurrent clients\n")
        print(
            "| plan | requests | p50 ms | p95 ms | max ms | in app p50 ms | check CPU p50 ms "
            "| server CPU ms/request | req/s | errors |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        plans = {"200": plan_200, "small": plan_small}
        for name in ["200", "small"] if args.plan == "both" else [args.plan]:
            wps = plans[name]()
            res = load_test(
                base, token, wps, args.requests, args.clients, args.max_seconds, proc.pid
            )
            raw[f"load_{name}"] = res
            w, s = res["wall"], res["server"]
            label = f"{len(wps)} waypoints" + (" (+2 airfields)" if name == "200" else "")
            print(
                f"| {label} | {len(w)} | {pct(w, 50):.0f} | {pct(w, 95):.0f} | {max(w):.0f} | "
                f"{pct(s, 50):.0f} | {pct(res['cpu'], 50):.0f} | "
                f"{res['process_cpu_ms_per_request']:.0f} | {len(w) / res['total_s']:.1f} | "
                f"{len(res['errors'])} |"
            )
        if args.browser:
            res = browser_edits(url, args.drags)
            raw["browser"] = res
            ok = sum(v <= TARGET_MS for v in res["ms"])
            ok_drop = sum(v <= TARGET_MS for v in res["ms_from_drop"])
            print(f"\n## Edits of a 202-waypoint plan in Chromium ({args.drags} drags)\n")
            print("| measure | n | p50 ms | p95 ms | max ms |")
            print("|---|---|---|---|---|")
            print(row("last change of a drag -> meter and violations rendered", res["ms"]))
            print(row("drop (mouse up) -> rendered", res["ms_from_drop"]))
            print(row("  of which: request round trip", res["fetch"]))
            print(row("  of which: server time in check()", res["server"]))
            print(row("  of which: rendering", res["render"]))
            print(row("server CPU time of check() (its thread)", res["cpu"]))
            print(
                f"\nWithin the {TARGET_MS:.0f} ms target: {ok} of {len(res['ms'])} edits "
                f"counted from their last change, {ok_drop} counted from the drop; "
                f"{res['during_drag']} intermediate positions while dragging were coalesced."
            )
    finally:
        stop_server(proc)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
