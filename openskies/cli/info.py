"""``openskies info``: the bundled data, its files, checksums, counts and sources."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from .. import __version__
from .._errors import OpenSkiesError
from ._app import app, console, fail


@app.command()
def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the bundled data: files, checksums, counts and sources."""
    from .. import data

    try:
        facts = data.info()
    except (OpenSkiesError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps(facts))
        return
    console.print(f"openskies {__version__}; data in {facts['geodata_dir']}")
    table = Table("file", "sha256")
    for name, digest in facts["files"].items():
        table.add_row(name, digest[:16] + "…")
    console.print(table)
    console.print(f"countries: {facts['countries']} ({facts['borders']})")
    console.print(
        f"airfields: {facts['airfields']}; Open Skies airfields 2019: {', '.join(facts['osas'])}"
    )
    console.print(f"States Parties in 2019: {facts['parties_2019']}")
    console.print(f"sites: {facts['sites']}")
