"""Parallel execution of a ranking's tasks: executors, retries, failure records, one progress bar.

:func:`_execute` runs a task function over specs on the sync loop, a local process pool, a
``concurrent.futures`` executor or a Dask cluster (``distributed``), retrying failed tasks and
recording what still fails; :class:`_Progress` is the one progress bar.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ._errors import ValidationError

logger = logging.getLogger(__name__)


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _failure(spec: Mapping[str, Any], exc: BaseException, attempts: int) -> dict[str, Any]:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return {
        "icao": spec["icao"],
        "status": "failed",
        "error": f"{type(exc).__name__} after {attempts} attempt(s): {text}".rstrip(": "),
        "rows": [],
        "seconds": float("nan"),
    }


Callback = Callable[[dict[str, Any]], None]
#: One task: a spec in, a result row out (a module-level function, so workers can import it).
Task = Callable[[Mapping[str, Any]], dict[str, Any]]


def _run_sync(task: Task, specs: list[dict[str, Any]], retries: int, done: Callback) -> None:
    for spec in specs:
        for attempt in range(1, retries + 2):
            try:
                res = task(spec)
            except Exception as exc:
                if attempt > retries:
                    done(_failure(spec, exc, attempt))
                continue
            done(res)
            break


def _run_pool(
    task: Task,
    specs: list[dict[str, Any]],
    retries: int,
    done: Callback,
    *,
    make_pool: Callable[[], Executor],
    own: bool,
) -> None:
    """Run on a concurrent.futures executor, resubmitting failed tasks up to ``retries``.

    A broken process pool (a worker killed) is replaced when we own it; every
    task still pending counts one attempt.
    """
    pending = dict(enumerate(specs))
    attempts = dict.fromkeys(pending, 0)
    pool = make_pool()
    try:
        while pending:
            futures: dict[Future, int] = {pool.submit(task, pending[i]): i for i in sorted(pending)}
            broken = False
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception as exc:
                    attempts[i] += 1
                    if attempts[i] > retries:
                        done(_failure(pending.pop(i), exc, attempts[i]))
                    continue
                pending.pop(i)
                done(res)
            if broken:
                logger.warning("a worker process died; %d task(s) to run again", len(pending))
                for i in sorted(pending):
                    attempts[i] += 1
                    if attempts[i] > retries or not own:
                        done(
                            _failure(
                                pending.pop(i),
                                BrokenProcessPool("a worker process died while running the task"),
                                attempts[i],
                            )
                        )
                if own and pending:
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = make_pool()
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


#: Dask batches: each one takes this share of the tasks not yet batched, per worker ...
BATCH_SHARE = 1 / 6
#: ... and at most this many tasks, so that a slow batch cannot hold the last worker long.
BATCH_MAX = 16


def _batches(n: int, workers: int) -> list[range]:
    """Split ``n`` tasks into batches, largest first (guided self-scheduling).

    Each batch takes ``BATCH_SHARE / workers`` of the tasks still unbatched (at least 1, at
    most :data:`BATCH_MAX`), so the scheduler and the client handle a few dozen batches
    instead of hundreds of tasks of a few hundredths of a second, and the last batches, a
    task each, keep every worker busy to the end. The split depends only on ``n`` and
    ``workers``.
    """
    out: list[range] = []
    start = 0
    while start < n:
        size = max(1, min(BATCH_MAX, math.floor((n - start) * BATCH_SHARE / max(1, workers))))
        out.append(range(start, start + size))
        start += size
    return out


class _Batch:
    """Run a task over a batch of specs on a worker, each spec retried on its own."""

    def __init__(self, task: Task, retries: int) -> None:
        self.task = task
        self.retries = retries

    def __call__(self, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        _run_sync(self.task, specs, self.retries, out.append)
        return out


def _run_distributed(
    task: Task,
    client: Any,
    specs: list[dict[str, Any]],
    retries: int,
    done: Callback,
    *,
    batch: bool = False,
) -> None:
    """Run on a Dask client, in batches (:func:`_batches`) if ``batch``; failures per spec.

    A task that raises is retried on its worker up to ``retries`` times; a worker lost while
    running a batch makes Dask run the batch again elsewhere (its ``allowed-failures``).
    """
    from distributed import as_completed as d_as_completed

    token = hashlib.sha256(json.dumps([s["icao"] for s in specs]).encode()).hexdigest()[:8]
    if batch:
        n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        batches = _batches(len(specs), max(1, n_workers))
    else:
        batches = [range(k, k + 1) for k in range(len(specs))]
    run = _Batch(task, retries)
    futures = {}
    for b, idx in enumerate(batches):
        chunk = [specs[k] for k in idx]
        fut = client.submit(run, chunk, key=f"openskies-rank-{token}-{b}", pure=False)
        futures[fut.key] = (fut, chunk)
    try:
        for fut in d_as_completed([f for f, _ in futures.values()], loop=client.loop):
            chunk = futures[fut.key][1]
            if fut.status == "finished":
                for res in fut.result():
                    done(res)
            else:
                exc = fut.exception()
                for spec in chunk:
                    done(
                        _failure(
                            spec, exc if exc is not None else RuntimeError(fut.status), retries + 1
                        )
                    )
    finally:
        client.cancel([f for f, _ in futures.values()])


def _check_executor(executor: Any) -> None:
    """Raise before any work for an executor :func:`_execute` cannot use."""
    if executor is None or isinstance(executor, Executor):
        return
    if isinstance(executor, str):
        key = executor.strip()
        if key in ("local", "sync") or "://" in key or ":" in key:
            return
    elif callable(getattr(executor, "submit", None)) and callable(
        getattr(executor, "scheduler_info", None)
    ):
        return
    msg = (
        f"executor={executor!r}: give None (a local dask cluster), 'local' (local processes), "
        "'sync' (this process), a scheduler address 'tcp://host:8786', a distributed.Client "
        "or a concurrent.futures.Executor"
    )
    raise ValidationError(msg)


def _execute(
    task: Task,
    specs: list[dict[str, Any]],
    executor: Any,
    *,
    workers: int | None,
    retries: int,
    done: Callback,
    batch: bool = False,
) -> dict[str, Any]:
    """Run the tasks on the chosen executor; returns a description of it.

    ``batch``: on Dask, submit the tasks in batches (:func:`_batches`), for many short
    tasks such as a ranking's candidates; few long ones (a study's sweep) go one by one.
    """
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        msg = f"workers={workers!r} must be a positive integer"
        raise ValidationError(msg)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        msg = f"retries={retries!r} must be an integer >= 0"
        raise ValidationError(msg)
    n = workers or _cpu_count()
    if executor is None:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            logger.info(
                "dask LocalCluster with %d worker processes at %s", n, cluster.scheduler_address
            )
            _run_distributed(task, client, specs, retries, done, batch=batch)
        return {"executor": "dask LocalCluster", "workers": n}
    if isinstance(executor, str):
        key = executor.strip()
        if key == "local":
            import multiprocessing

            ctx = multiprocessing.get_context("spawn")
            _run_pool(
                task,
                specs,
                retries,
                done,
                own=True,
                make_pool=lambda: ProcessPoolExecutor(max_workers=n, mp_context=ctx),
            )
            return {
                "executor": "local (concurrent.futures.ProcessPoolExecutor, spawn)",
                "workers": n,
            }
        if key == "sync":
            _run_sync(task, specs, retries, done)
            return {"executor": "sync (in process)", "workers": 1}
        if "://" in key or ":" in key:
            from distributed import Client

            try:
                client = Client(key, timeout="20s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                msg = (
                    f"executor={executor!r}: cannot reach a dask scheduler there ({exc}); "
                    "start one with `dask scheduler` and workers with `dask worker "
                    f"{key}`, or use executor=None for a local cluster"
                )
                raise ValidationError(msg) from None
            try:
                nw = len(client.scheduler_info(n_workers=-1).get("workers", {}))
                if nw == 0:
                    logger.warning("the scheduler at %s has no workers yet; tasks wait", key)
                _run_distributed(task, client, specs, retries, done, batch=batch)
            finally:
                client.close()
            return {"executor": f"dask scheduler {key}", "workers": nw}
        msg = (
            f"executor={executor!r}: give None (a local dask cluster), 'local' (local "
            "processes), 'sync' (this process), a scheduler address 'tcp://host:8786', a "
            "distributed.Client or a concurrent.futures.Executor"
        )
        raise ValidationError(msg)
    if isinstance(executor, Executor):
        _run_pool(task, specs, retries, done, own=False, make_pool=lambda: executor)
        return {
            "executor": type(executor).__name__,
            "workers": getattr(executor, "_max_workers", None),
        }
    if callable(getattr(executor, "submit", None)) and callable(
        getattr(executor, "scheduler_info", None)
    ):  # a distributed.Client (duck-typed)
        _run_distributed(task, executor, specs, retries, done, batch=batch)
        nw = len(executor.scheduler_info(n_workers=-1).get("workers", {}))
        return {"executor": f"dask Client {executor.scheduler.address}", "workers": nw}
    msg = (
        f"executor={executor!r}: give None, 'local', 'sync', a scheduler address, a "
        "distributed.Client or a concurrent.futures.Executor"
    )
    raise ValidationError(msg)


class _Progress:
    """A rich progress bar on stderr (opt-in)."""

    def __init__(self, total: int, description: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._p = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._p.start()
        self._t = self._p.add_task(description, total=total)

    def advance(self, text: str) -> None:
        self._p.update(self._t, advance=1, description=text)

    def close(self) -> None:
        self._p.stop()
