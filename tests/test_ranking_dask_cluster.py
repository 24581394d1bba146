"""The ranking on a real dask cluster: a ``dask scheduler`` and two ``dask worker`` processes.

The test starts the processes itself, on the loopback interface only (127.0.0.1, ports chosen
by the operating system and read back from the scheduler file), and tears them down in the
fixture whatever happens. The result must equal the in-process ranking (``executor="sync"``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client

from openskies import study

pytestmark = pytest.mark.slow

#: A small ranking: 2 bundled airfields and Kubinka, one budget, the cheap metrics.
SMALL = {
    "candidates": ("UMMS", "UMBB"),
    "grid_km": None,
    "reference": "UUMB",
    "budgets_km": (5500.0,),
    "sensors": ("optical_high_pan",),
    "reach_cell_km": 25.0,
    "progress": False,
}

_DASK = [sys.executable, "-m", "dask", "scheduler"]  # the `dask scheduler` command
_WORKER = [sys.executable, "-m", "dask", "worker"]  # the `dask worker` command


def _stop(procs: list[subprocess.Popen]) -> None:
    """Terminate the processes this test started (workers first), then kill stragglers."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20.0
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10.0)


@pytest.fixture
def dask_cluster(tmp_path: Path):
    """Address of a loopback dask scheduler with two single-threaded workers."""
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        log = (tmp_path / "scheduler.log").open("wb")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    *_DASK,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(sched_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp_path,
            )
        )
        deadline = time.monotonic() + 60.0
        while not sched_file.exists() or not sched_file.read_text().strip():
            if procs[0].poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dask scheduler did not start: {_tail(tmp_path / 'scheduler.log')}")
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one go; let it be closed
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            log = (tmp_path / f"worker{k}.log").open("wb")
            logs.append(log)
            procs.insert(
                0,
                subprocess.Popen(
                    [
                        *_WORKER,
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--local-directory",
                        str(tmp_path / f"w{k}"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=tmp_path,
                ),
            )
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
            workers = client.scheduler_info(n_workers=-1)["workers"]
        assert len(workers) == 2
        assert all(w.startswith("tcp://127.0.0.1:") for w in workers)
        yield address
    finally:
        _stop(procs)
        for log in logs:
            log.close()


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"


def test_ranking_on_a_dask_scheduler_with_two_workers_equals_in_process(dask_cluster) -> None:
    on_dask = study.rank_entry_points("BLR", executor=dask_cluster, **SMALL)
    in_process = study.rank_entry_points("BLR", executor="sync", **SMALL)
    assert on_dask.attrs["ranking"]["params"] == in_process.attrs["ranking"]["params"]
    assert on_dask.attrs["ranking"]["failed"] == {}
    # 1 reference + 2 airfields, one budget and sensor
    assert len(on_dask) == 3
    assert (on_dask["status"] == "ok").all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(on_dask.drop(columns="geometry")),
        pd.DataFrame(in_process.drop(columns="geometry")),
    )
    assert on_dask.geometry.geom_equals_exact(in_process.geometry, tolerance=0.0).all()
