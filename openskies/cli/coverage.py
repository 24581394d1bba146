"""CLI commands ``openskies coverage`` (full-coverage flight sets) and ``openskies reach``.

Exit codes: 0 done, 1 a flight breaks a treaty rule (``coverage``), 2 unusable
input (unknown code, bad option, airfield not an OSA of the territory,
territory out of reach); nothing is written when the input is unusable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ._app import EXIT_ILLEGAL, DesignateOpt, YearOpt, app, console, exit_codes, regime_from_options

if TYPE_CHECKING:  # pragma: no cover
    pass

TerritoryArg = Annotated[
    str, typer.Argument(help="Territory to image (e.g. BLR).", show_default=False)
]
AirfieldOpt = Annotated[
    str, typer.Option("--from", help="Open Skies airfield ICAO (e.g. UUMB).", show_default=False)
]
SensorOpt = Annotated[
    str,
    typer.Option(
        "--sensor", help="Sensor preset: optical_low, optical_high_pan, ir or sar (assumptions)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("coverage")
def coverage_cmd(
    territory: TerritoryArg,
    airfield: AirfieldOpt,
    sensor: SensorOpt = "optical_high_pan",
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            help="Planning budget, km; default and maximum: the airfield's maximum flight "
            "distance (raise it only with --designate).",
        ),
    ] = None,
    overlap: Annotated[float, typer.Option("--overlap", help="Side overlap fraction.")] = 0.1,
    target: Annotated[float, typer.Option("--target", help="Share of the area to image.")] = 1.0,
    designate: DesignateOpt = None,
    year: YearOpt = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            "--out-dir",
            help="Write each flight as GeoJSON into this new directory (--out-dir: the old name).",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an earlier openskies output directory."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Plan the fewest legal flights from an airfield that image a whole territory."""
    import contextlib

    from .. import _files, coverage, io

    staged: contextlib.AbstractContextManager[Path | None] = contextlib.nullcontext()
    with exit_codes():
        if out_dir is not None:
            staged = _files.staged_dir(out_dir, overwrite=overwrite, command="coverage")
        with staged as tmp:
            regime = regime_from_options(designate, year)
            flights = coverage.plan_full_coverage(
                territory,
                airfield=airfield,
                sensor=sensor,
                budget_km=budget,
                overlap=overlap,
                target_fraction=target,
                regime=regime,
            )
            s = flights.summary
            for k, plan in enumerate(flights if tmp is not None else [], start=1):
                io.write(plan, tmp / f"{s.area_code}_{s.airfield}_{k:02d}.geojson")
    if as_json:
        console.print_json(json.dumps(s.as_dict()))
    else:
        table = Table(title=f"{s.area_code} from {s.airfield}, {s.sensor} ({s.swath_km:g} km)")
        table.add_column("flight")
        table.add_column("waypoints", justify="right")
        table.add_column("km counted", justify="right")
        table.add_column("violations", justify="right")
        for plan, viol in zip(flights, flights.violations, strict=True):
            table.add_row(
                plan.name, str(len(plan.waypoints)), f"{plan.length_km:,.1f}", str(len(viol))
            )
        console.print(table)
        console.print(
            f"{s.n_flights} flights (lower bound {s.flights_lower_bound}, ratio "
            f"{s.flights_ratio:.2f}); lanes {s.lane_km:,.0f} km = {s.lane_ratio:.3f} x area / "
            f"effective swath; imaged {100 * s.covered_fraction:.2f} % of "
            f"{s.area_km2:,.0f} km²; budget {s.budget_km:,.0f} km"
        )
    if s.violations:
        raise typer.Exit(EXIT_ILLEGAL)


@app.command("reach")
def reach_cmd(
    territory: TerritoryArg,
    airfield: AirfieldOpt,
    cell_km: Annotated[float, typer.Option("--cell-km", help="Cell size, km.")] = 10.0,
    sensor: Annotated[
        str | None, typer.Option("--sensor", help="Sensor preset (default: overfly each cell).")
    ] = None,
    designate: DesignateOpt = None,
    year: YearOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Round trip to image each cell of a territory and the share within reach per budget."""
    from .. import coverage

    with exit_codes():
        regime = regime_from_options(designate, year)
        grid = coverage.reach(territory, airfield, cell_km=cell_km, sensor=sensor, regime=regime)
        curve = coverage.reach_curve(territory, airfield, regime=regime, cells=grid)
    if as_json:
        out = {
            **dict(grid.attrs),
            "cells": len(grid),
            "curve": curve.to_dict(orient="records"),
        }
        console.print_json(json.dumps(out))
        return
    console.print(
        f"{grid.attrs['territory']} from {grid.attrs['airfield']}: {len(grid)} cells of "
        f"{cell_km:g} km; nearest {grid.attrs['nearest_km']:,.1f} km, farthest "
        f"{grid.attrs['farthest_km']:,.1f} km"
    )
    table = Table("budget km", "share within reach")
    for row in curve.iloc[:: max(1, len(curve) // 10)].itertuples():
        table.add_row(f"{row.budget_km:,.0f}", f"{100 * row.fraction:.1f} %")
    console.print(table)
