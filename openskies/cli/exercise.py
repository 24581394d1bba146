"""``openskies exercise CONFIG -o OUT_DIR``: CSBM obligations and time to image an exercise.

The config (YAML, validated with pydantic; an unknown key is an error naming its key path
and line) describes one exercise and the time-to-image options; see
``configs/zapad-2021.yaml``. The command writes, into ``OUT_DIR``:

- ``exercise_report.md``: a Markdown report section (obligations per regime, time to image
  per entry point with the step-by-step timeline, a trigger-time sensitivity table, the
  parameters with their treaty articles, the unverified values used, provenance);
- ``obligations.csv``, ``time_to_image.csv`` (one row per entry point),
  ``timeline_steps.csv`` (one row per entry point and step), ``trigger_sensitivity.csv``;
- ``exercise.geojson``: the map layer (exercise area discs with the obligations, entry
  points with their time to image, estimated routes, the home base), (lon, lat) WGS84;
- ``exercise.html``: an offline HTML map of the same (when the HTML machinery is present).

The output directory is checked before any work and written like those of ``plan``,
``compare`` and ``rank`` (:func:`openskies._files.staged_dir`): it appears whole when the
run succeeded, an existing non-empty directory is refused unless it is an earlier openskies
output and ``--overwrite`` is given, and nothing is written when the config, the exercise or
a write fails (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import load_exercise_config as load_config
from ._app import app, console, exit_codes

__all__ = ["exercise", "load_config"]


# --------------------------------------------------------------------------- command


@app.command("exercise")
def exercise(
    config: Annotated[
        Path, typer.Argument(help="Exercise config (YAML), e.g. configs/zapad-2021.yaml.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", "--out-dir", help="Output directory (--out-dir: the old name)."
        ),
    ],
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an earlier openskies output directory."),
    ] = False,
) -> None:
    """CSBM obligations and time to image an exercise area from each entry point."""
    from .. import _files
    from ..report import exercise as exercise_report

    with exit_codes(writing=str(output)):
        cfg = load_config(config)
        with _files.staged_dir(output, overwrite=overwrite, command="exercise") as tmp:
            files = exercise_report.render(cfg, Path(config))
            for name, payload in files.items():
                _files.write_bytes(payload, tmp / name, overwrite=False)
    console.print(f"wrote {len(files)} files to {output}: {', '.join(files)}")
