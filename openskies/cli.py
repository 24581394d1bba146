"""The ``openskies`` command line.

Exit codes: 0 success (for ``validate``: the plan is legal), 1 the plan is
illegal, 2 unusable input (bad file, bad config, unknown code, a cap
exceeded); nothing is written when the input is unusable. 3 is an internal
error (a bug: please report it).

Printed text may hold user text (plan, target and file names, values quoted in
errors), so the consoles interpret no rich markup, no ``:emoji:`` codes and
highlight nothing: a name ``[/nope]`` or ``[bold]x`` prints as typed. Styling
is given as :class:`rich.text.Text` spans (:func:`styled`), never as markup.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__
from ._errors import OpenSkiesError

app = typer.Typer(
    name="openskies",
    help="Open Skies overflight and inspection planner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
#: Consoles that print every string literally (user text never becomes rich markup).
console = Console(markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False)

EXIT_ILLEGAL = 1
EXIT_UNUSABLE = 2
#: An exception escaped a command: a bug in openskies, not unusable input.
EXIT_INTERNAL = 3


def _version(value: bool) -> None:
    if value:
        console.print(f"openskies {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    """Open Skies overflight and inspection planner."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line of literal text with styled spans: ``styled(("LEGAL", "bold green"), ": ok")``."""
    return Text.assemble(*parts)


def fail(message: str, code: int = EXIT_UNUSABLE) -> typer.Exit:
    """Print an error to stderr (literally) and return the Exit to raise."""
    err_console.print(styled(("error:", "bold red"), f" {message}"))
    return typer.Exit(code)


#: Options shared by the commands that accept hypothetical designations.
DesignateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--designate",
        help="Hypothetical OSA with its maximum flight distance, ICAO=KM (e.g. UMMS=5500); "
        "repeatable.",
    ),
]
YearOpt = Annotated[int | None, typer.Option("--year", help="Treaty regime year (default 2019).")]


def regime_from_options(designate: list[str] | None, year: int | None) -> Any:
    """The regime of ``--year`` with every ``--designate ICAO=KM`` applied (exit 2 on errors)."""
    from . import data

    regime = data.regime(year) if year is not None else data.regime()
    seen: dict[str, str] = {}
    for spec in designate or []:
        icao, sep, km = spec.partition("=")
        if not sep or not icao.strip():
            msg = f"--designate {spec!r}: write ICAO=KM, e.g. UMMS=5500"
            raise fail(msg)
        key = icao.strip().upper()
        if key in seen:
            msg = f"--designate names {key} twice ({seen[key]!r} and {spec!r}): give it once"
            raise fail(msg)
        seen[key] = spec
        try:
            km_value = float(km)
        except ValueError:
            msg = f"--designate {spec!r}: {km!r} is not a number of kilometres"
            raise fail(msg) from None
        party = regime.airfield(icao).party
        regime = regime.designate(icao, party=party, max_flight_distance_km=km_value)
    return regime


@app.command()
def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the bundled data: files, checksums, counts and sources."""
    from . import data

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


# Commands of later layers register themselves on ``app`` in their own modules.
from . import _cli_commands  # noqa: E402, F401


def main() -> None:
    """Entry point of the console script.

    Commands turn unusable input into exit 2 where they read and validate it. An
    exception that still escapes is a bug, not bad input: it is reported as an
    internal error with exit code 3 (:data:`EXIT_INTERNAL`), with the traceback
    under ``-v``.
    """
    try:
        app()
    except OpenSkiesError as exc:  # pragma: no cover - commands handle their own errors
        err_console.print(styled(("error:", "bold red"), f" {exc}"))
        sys.exit(EXIT_UNUSABLE)
    except Exception as exc:  # last resort, deliberately broad: see the docstring
        if logging.getLogger().getEffectiveLevel() <= logging.INFO:
            import traceback

            traceback.print_exc()
        err_console.print(
            f"internal error, please report it (with the command and its input files): "
            f"{type(exc).__name__}: {exc}"
            + (
                ""
                if logging.getLogger().getEffectiveLevel() <= logging.INFO
                else " (run with -v for the traceback)"
            ),
            highlight=False,
            markup=False,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["app", "main"]
