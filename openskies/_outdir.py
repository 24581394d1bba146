"""Output directories that appear whole or not at all: see :mod:`openskies._files`.

Kept so that ``from openskies import _outdir`` goes on working; the code is in
:mod:`openskies._files` (atomic writes, staged output directories, the output marker).
"""

from __future__ import annotations

from ._files import MARKER, check_output_dir, check_target, staged_dir

__all__ = ["MARKER", "check_output_dir", "check_target", "staged_dir"]
