"""Output directories that appear whole or not at all.

A command writes into a temporary sibling directory and renames it to the
requested name only when everything succeeded; on any error the temporary
directory is removed, so a failed run leaves no output directory behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._errors import ValidationError


def check_target(out_dir: str | Path, *, overwrite: bool) -> Path:
    """Raise before any work when ``out_dir`` exists, is not empty and ``overwrite`` is off."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"output {str(out)!r} exists and is not a directory: choose another -o"
        raise ValidationError(msg)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        msg = f"output directory {str(out)!r} is not empty: choose another -o or add --overwrite"
        raise ValidationError(msg)
    if not out.parent.is_dir():
        msg = f"cannot create {str(out)!r}: its parent directory does not exist"
        raise ValidationError(msg)
    return out


@contextlib.contextmanager
def staged_dir(out_dir: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``out_dir`` when the block succeeds."""
    out = check_target(out_dir, overwrite=overwrite)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield tmp
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o777 & ~mask)  # mkdtemp creates 0700; give the usual permissions
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
