"""The ``openskies`` command line: one module per command group over :mod:`._app`.

``_app`` holds the Typer application, the consoles, the exit codes and the one mapping from
exceptions to exit codes (:func:`exit_codes`); each command module registers its commands on
``app`` when imported: :mod:`.info` (``info``), :mod:`.plan` (``validate``, ``export``),
:mod:`.study` (``plan``, ``compare``), :mod:`.coverage` (``coverage``, ``reach``), :mod:`.rank`
(``rank``), :mod:`.exercise` (``exercise``) and :mod:`.serve` (``serve``). Heavy libraries are
imported inside the commands so that ``openskies --help`` stays fast. ``openskies.cli:main`` is
the console script.
"""

from __future__ import annotations

from . import coverage, exercise, info, plan, rank, serve, study  # noqa: F401 - registration
from ._app import (
    EXIT_ILLEGAL,
    EXIT_INTERNAL,
    EXIT_UNUSABLE,
    UNUSABLE_INPUT,
    DesignateOpt,
    YearOpt,
    app,
    console,
    err_console,
    exit_codes,
    fail,
    main,
    regime_from_options,
    styled,
)

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
