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

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from .. import __version__
from .._errors import OpenSkiesError

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


#: What a command reports as unusable input (exit 2): openskies' own errors (each also a
#: ``ValueError`` or ``KeyError``), the builtin errors the libraries raise for a bad value or an
#: unknown key, and a file that cannot be read or written.
UNUSABLE_INPUT: tuple[type[BaseException], ...] = (OpenSkiesError, ValueError, KeyError, OSError)


def _message(exc: BaseException) -> str:
    """The text of an error; a plain ``KeyError`` quotes its key, which is dropped."""
    text = str(exc)
    return text.strip("'\"") if isinstance(exc, KeyError) else text


@contextmanager
def exit_codes(*, prefix: str = "", writing: str | None = None) -> Iterator[None]:
    """Turn unusable input met inside the block into an error line and exit 2.

    The one mapping from exceptions to exit codes of the command line (the module docstring
    lists the codes): :data:`UNUSABLE_INPUT` becomes ``error: <prefix><message>`` and exit
    :data:`EXIT_UNUSABLE`; a :class:`typer.Exit` (an exit already decided) passes; any other
    exception is a bug and reaches :func:`main` (exit :data:`EXIT_INTERNAL`).

    Parameters
    ----------
    prefix : str
        Text put before the message (e.g. ``"--output: "``).
    writing : str, optional
        The output the block writes: an ``OSError`` other than a missing input file is then
        reported as ``cannot write to '<writing>': <error>``.
    """
    try:
        yield
    except typer.Exit:
        raise
    except UNUSABLE_INPUT as exc:
        if (
            writing is not None
            and isinstance(exc, OSError)
            and not isinstance(exc, FileNotFoundError)
        ):
            raise fail(f"cannot write to {writing!r}: {exc}") from None
        raise fail(prefix + _message(exc)) from None


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
    from .. import data

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


__all__ = [
    "EXIT_ILLEGAL",
    "EXIT_INTERNAL",
    "EXIT_UNUSABLE",
    "UNUSABLE_INPUT",
    "DesignateOpt",
    "YearOpt",
    "app",
    "console",
    "err_console",
    "exit_codes",
    "fail",
    "main",
    "regime_from_options",
    "styled",
]
