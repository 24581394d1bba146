"""Entry-point comparisons run in a worker process, so the server stays responsive.

A comparison (:func:`openskies.study.compare_entry_points`) takes tens of
seconds of CPU in Python; run in a thread it would hold the GIL and slow every
validation. Each job runs in its own ``spawn``-started process (no fork of a
threaded server), at most one at a time; the server keeps the last
:data:`KEEP_JOBS` answers and ends a running process when it stops.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import models as m

logger = logging.getLogger(__name__)

#: Finished jobs kept for ``GET /api/compare/{id}``.
KEEP_JOBS = 8
#: Simplification (degrees) of the route lines sent for display.
ROUTE_SIMPLIFY_DEG = 0.01


class BusyError(Exception):
    """A comparison is already running."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.job_id = job_id


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


def run_compare(params: dict[str, Any]) -> dict[str, Any]:
    """Run one reduced comparison and return its answer as plain JSON-able data."""
    import shapely
    from shapely.geometry import mapping

    from .. import data, study

    req = m.CompareIn.model_validate(params)
    t0 = time.perf_counter()
    reg = data.regime(req.year)
    s = study.compare_entry_points(
        req.territory,
        tuple(req.candidates),
        regime=reg,
        budgets_km=list(req.budgets_km),
        sensors=tuple(req.sensors),
        home_bases=tuple(req.home_bases),
        aircraft=req.aircraft,
        progress=False,
        reach_cell_km=req.reach_cell_km,
        time_limit_s=req.time_limit_s,
    )
    summary = []
    for sensor in req.sensors:
        for row in s.summary(sensor).to_dict("records"):
            summary.append({"sensor": sensor, **{k: _jsonable(v) for k, v in row.items()}})
    routes = s.routes[s.routes["kind"] == "best single flight"]
    feats = []
    for row in routes.itertuples():
        geom = shapely.set_precision(
            shapely.simplify(row.geometry, ROUTE_SIMPLIFY_DEG, preserve_topology=True), 1e-5
        )
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "icao": str(row.icao),
                    "budget_km": _jsonable(row.budget_km),
                    "sensor": str(row.sensor),
                    "hypothetical": bool(row.hypothetical),
                    "length_km": _jsonable(row.length_km),
                },
                "geometry": mapping(geom),
            }
        )
    return m.CompareResult(
        territory=req.territory,
        labels=[str(x) for x in s.params.get("labels", req.candidates)],
        findings=list(s.findings()),
        summary=summary,
        routes={"type": "FeatureCollection", "features": feats},
        elapsed_s=time.perf_counter() - t0,
    ).model_dump(mode="json")


def _child(params: dict[str, Any], conn: Any) -> None:  # pragma: no cover - in the child
    from .._errors import OpenSkiesError

    try:
        conn.send(("done", run_compare(params)))
    except OpenSkiesError as exc:
        text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        conn.send(("failed", {"loc": ["body"], "msg": text, "type": "value_error"}))
    except Exception as exc:  # report, never hang the parent
        conn.send(("failed", {"loc": ["body"], "msg": f"{type(exc).__name__}: {exc}"}))
    finally:
        conn.close()


@dataclass
class Job:
    """One comparison and its state."""

    id: str
    params: m.CompareIn
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    status: str = "running"
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    process: Any = None

    def out(self) -> m.JobOut:
        """The job as the API answers it."""
        end = self.finished if self.finished is not None else time.monotonic()
        return m.JobOut(
            id=self.id,
            status=self.status,  # type: ignore[arg-type]
            elapsed_s=end - self.started,
            params=self.params,
            result=None if self.result is None else m.CompareResult.model_validate(self.result),
            error=None if self.error is None else m.ErrorItem.model_validate(self.error),
        )


class Jobs:
    """The comparisons of one server."""

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def submit(self, params: m.CompareIn) -> Job:
        """Start a comparison; :class:`BusyError` when one is running."""
        with self._lock:
            running = [j for j in self._jobs.values() if j.status == "running"]
            if running:
                raise BusyError(running[0].id)
            job = Job(id=secrets.token_hex(8), params=params)
            parent, child = self._ctx.Pipe(duplex=False)
            proc = self._ctx.Process(
                target=_child,
                args=(params.model_dump(mode="json"), child),
                name=f"openskies-compare-{job.id}",
                daemon=True,
            )
            proc.start()
            child.close()
            job.process = proc
            self._jobs[job.id] = job
            done = [j for j in self._jobs.values() if j.status != "running"]
            for old in done[: max(0, len(done) - KEEP_JOBS)]:
                del self._jobs[old.id]
        threading.Thread(target=self._wait, args=(job, parent), daemon=True).start()
        logger.info("comparison %s started: %s", job.id, params.model_dump())
        return job

    def _wait(self, job: Job, conn: Any) -> None:
        try:
            status, payload = conn.recv()
        except (EOFError, OSError):
            status, payload = (
                ("cancelled", None)
                if job.status == "cancelled"
                else ("failed", {"loc": ["body"], "msg": "the comparison process ended early"})
            )
        finally:
            conn.close()
        job.process.join(timeout=10)
        with self._lock:
            if job.status == "running":
                job.status = status
                if status == "done":
                    job.result = payload
                else:
                    job.error = payload
            job.finished = time.monotonic()
        logger.info("comparison %s %s", job.id, job.status)

    def get(self, job_id: str) -> Job | None:
        """A job by id, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        """End a running job's process; None when there is no such job."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status == "running":
                job.status = "cancelled"
                job.process.terminate()
        return job

    def shutdown(self) -> None:
        """End every running comparison (the server is stopping)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.status == "running":
                self.cancel(job.id)
        for job in jobs:
            if job.process is not None:
                job.process.join(timeout=5)
