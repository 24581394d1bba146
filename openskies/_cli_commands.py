"""Registers the CLI commands of the planning layers on :data:`openskies.cli.app`.

Each command module is imported here; they import ``app`` and ``fail`` from
:mod:`openskies.cli`. Heavy libraries are imported inside the commands so that
``openskies --help`` stays fast.
"""

from __future__ import annotations

import contextlib

for _name in ("_cli_plan", "_cli_coverage", "_cli_study", "_cli_exercise", "_cli_rank"):
    with contextlib.suppress(ModuleNotFoundError):
        __import__(f"{__package__}.{_name}")
