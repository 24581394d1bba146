"""CLI commands ``openskies validate`` and ``openskies export`` (flight plans).

Exit codes: 0 legal / written, 1 illegal plan (``validate``), 2 unusable input
(bad file, unknown code, bad option, an existing output file without
``--overwrite``); nothing is written when the input is unusable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ._app import (
    EXIT_ILLEGAL,
    DesignateOpt,
    YearOpt,
    app,
    console,
    exit_codes,
    fail,
    regime_from_options,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..flightplan import FlightPlan

_PLAN_HELP = "Plan file: GeoJSON (.geojson/.json), GPX (.gpx) or CSV (.csv, lon/lat columns)."

PlanFile = Annotated[Path, typer.Argument(help=_PLAN_HELP, show_default=False)]
TerritoryOpt = Annotated[
    str | None,
    typer.Option("--territory", help="Observed territory code (default: the start OSA's group)."),
]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="Start airfield ICAO (default: at the first waypoint).")
]
ToOpt = Annotated[
    str | None, typer.Option("--to", help="End airfield ICAO (default: at the last waypoint).")
]


def _load(
    plan_file: Path,
    territory: str | None,
    start: str | None,
    end: str | None,
    designate: list[str] | None,
    year: int | None,
) -> FlightPlan:
    """Read the plan with the CLI options; raise typer.Exit(2) on unusable input."""
    from .. import flightplan

    with exit_codes():
        regime = None
        if designate or year is not None:
            regime = regime_from_options(designate, year)
        return flightplan.read(plan_file, territory=territory, start=start, end=end, regime=regime)


@app.command()
def validate(
    plan_file: PlanFile,
    territory: TerritoryOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    designate: DesignateOpt = None,
    year: YearOpt = None,
) -> None:
    """Check a flight plan against the treaty rules; exit 0 legal, 1 illegal, 2 unusable."""
    plan = _load(plan_file, territory, start, end, designate, year)
    with exit_codes():
        violations = plan.validate()
    hyp = (" (hypothetical designation)", "bold yellow") if plan.hypothetical else ""
    console.print(
        styled(
            f"{plan.name or plan_file.name}: {plan.start} -> {plan.end} over "
            f"{plan.territory.code}, {len(plan.waypoints)} waypoints, {plan.length_km:,.1f} km "
            f"counted of {plan.budget_km:,.1f} km",
            hyp,
        )
    )
    for note in plan.notes:  # e.g. a declared limit above the regime's, which is not used
        console.print(styled(("note", "bold yellow"), f": {note}"))
    from .. import refuel

    fuel = refuel.check(plan)  # the aircraft's range and the 96 h window: not a treaty rule
    console.print(
        styled(("feasible", "green"), f": {fuel.reason}")
        if fuel.feasible
        else styled(
            ("NOT FEASIBLE", "bold yellow"), f" (range, 96 h; not a treaty rule): {fuel.reason}"
        )
    )
    if not violations:
        console.print(styled(("LEGAL", "bold green"), ": no rule broken"))
        return
    table = Table(title=f"{len(violations)} violation(s)", show_lines=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("leg", justify="right", no_wrap=True)
    table.add_column("wp", justify="right", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("message", overflow="fold")
    for v in violations:
        table.add_row(
            v.rule,
            "" if v.leg is None else str(v.leg),
            "" if v.waypoint is None else str(v.waypoint),
            "" if v.amount is None else f"{v.amount:,.1f}",
            v.message,
        )
    console.print(table)
    console.print(styled(("ILLEGAL", "bold red"), f": {len(violations)} violation(s)"))
    raise typer.Exit(EXIT_ILLEGAL)


@app.command()
def export(
    plan_file: PlanFile,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="Output format: geojson, kml, gpx, csv or txt."),
    ],
    out: Annotated[
        Path,
        typer.Option("--output", "-o", help="Output file (written atomically; see --overwrite)."),
    ],
    territory: TerritoryOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    designate: DesignateOpt = None,
    year: YearOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing output file.")
    ] = False,
) -> None:
    """Export a flight plan as GeoJSON, KML, GPX, CSV or a text mission-plan summary.

    An existing output file is refused unless --overwrite is given; a directory, a symbolic
    link or a device is never replaced.
    """
    from .. import _files, io

    key = fmt.strip().lower()
    if key not in io.FORMATS:
        msg = f"--format {fmt!r} is not known: choose one of {', '.join(io.FORMATS)}"
        raise fail(msg)
    with exit_codes(prefix="--output: "):
        _files.check_output_file(out, overwrite=overwrite)
    plan = _load(plan_file, territory, start, end, designate, year)
    with (
        exit_codes(prefix=f"could not write {out}: "),
        _files.atomic_path(out, overwrite=overwrite) as tmp,
    ):
        io.write(plan, tmp, format=key)
    console.print(f"wrote {out} ({key}, {len(plan.waypoints)} waypoints)")
