"""Registers the CLI commands of the planning layers on :data:`openskies.cli.app`.

Each command module is imported here; they import ``app`` and ``fail`` from
:mod:`openskies.cli`. Heavy libraries are imported inside the commands so that
``openskies --help`` stays fast.
"""

from __future__ import annotations

from . import (  # noqa: F401 - each module registers its commands on import
    _cli_coverage,
    _cli_exercise,
    _cli_plan,
    _cli_rank,
    _cli_serve,
    _cli_study,
)
