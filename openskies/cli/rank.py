"""CLI command ``openskies rank``: rank candidate entry points, in parallel on Dask.

The config is validated before anything runs; the outputs are staged in a
temporary directory and appear under ``-o`` only when the run finished (exit 2
and no output directory on unusable input or an interrupted run).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app, console, exit_codes

DEFAULT_RANK = "belarus-siting.yaml"


def _quiet_dask() -> None:
    """Keep distributed's INFO logs (scheduler, nanny, workers) out of the output unless -v.

    Importing distributed sets its loggers to INFO (dask's ``logging`` config);
    they propagate to the root handler, so they are set back to WARNING here.
    """
    if logging.getLogger().getEffectiveLevel() <= logging.INFO:
        return  # openskies -v: keep them
    import distributed  # noqa: F401 - its import configures the loggers reset below

    for name in ("distributed", "dask", "bokeh", "tornado"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _refuse_all_failed(ranking: Any) -> None:
    """Exit 2 (nothing written) when no candidate could be evaluated, with the reasons."""
    from .._errors import ValidationError

    meta = ranking.attrs["ranking"]
    failed: dict[str, str] = meta["failed"]
    n = int(meta["params"]["n_candidates"])
    if not failed or len(failed) < n:
        return
    by_reason: dict[str, list[str]] = {}
    for icao, err in sorted(failed.items()):
        by_reason.setdefault(str(err), []).append(icao)
    reasons = "\n  ".join(f"{', '.join(codes)}: {err}" for err, codes in by_reason.items())
    msg = (
        f"every candidate failed ({n} of {n}); nothing was ranked and nothing written:\n  {reasons}"
    )
    raise ValidationError(msg)


@app.command("rank")
def rank_cmd(
    config: Annotated[
        Path | None,
        typer.Argument(
            help=f"Ranking config (YAML); default: the bundled {DEFAULT_RANK}.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory.")] = Path(
        "rank-out"
    ),
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running dask scheduler (tcp://host:8786); default: a local "
            "dask cluster. 'local' runs local processes without dask.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Worker processes of the local cluster (default: CPUs)."
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a non-empty output directory.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
) -> None:
    """Rank every candidate entry airfield (and grid site) of a territory; default: Belarus.

    Writes ranking.csv, ranking.md, ranking.html (map coloured by score), ranking.geojson and
    summary.json (parameters, provenance, failed candidates).
    """
    from .. import _files, data
    from .. import config as cfgmod
    from .. import ranking as ranking_mod
    from ..report import ranking as ranking_report

    with exit_codes():
        path = config if config is not None else cfgmod.bundled_config(DEFAULT_RANK)
        cfg = cfgmod.load(path, cfgmod.RankConfig, section="rank")
        with _files.staged_dir(output, overwrite=overwrite, command="rank") as tmp:
            if scheduler is None or scheduler.strip() not in ("local", "sync"):
                _quiet_dask()
            ranking = ranking_mod.rank_entry_points(
                cfg.territory,
                candidates=cfg.candidates,
                grid_km=cfg.grid_km,
                reference=cfg.reference,
                budgets_km=cfg.budgets_km,
                sensors=cfg.sensors,
                metrics=cfg.metrics,
                objective=cfg.objective,
                executor=scheduler,
                workers=workers,
                retries=cfg.retries,
                regime=data.regime(cfg.year),
                overlap=cfg.overlap,
                reach_cell_km=cfg.reach_cell_km,
                home_bases=cfg.home_bases,
                aircraft=cfg.aircraft,
                time_limit_s=cfg.time_limit_s,
                seed=cfg.seed,
                progress=progress,
            )
            _refuse_all_failed(ranking)
            extra = {
                "config": cfg.model_dump(mode="json"),
                "config_path": cfgmod.display_name(path),
                "config_sha256": cfgmod.config_hash(cfg),
            }
            ranking_report.write_ranking(
                ranking,
                tmp,
                highlight=cfg.highlight,
                title=f"Entry-point ranking: {cfg.name}",
                extra=extra,
            )
    for line in ranking_report.findings(ranking, highlight=cfg.highlight):
        console.print(f"- {line}")
    failed = ranking.attrs["ranking"]["failed"]
    if failed:
        console.print(
            f"warning: {len(failed)} candidate(s) failed (status 'failed' in ranking.csv): "
            + ", ".join(sorted(failed))
        )
    wall_s = ranking.attrs["ranking"]["run"]["wall_s"]
    console.print(
        f"wrote {output}/ (ranking.csv, ranking.md, ranking.html, ranking.geojson, summary.json); "
        f"{wall_s:.1f} s"
    )
