"""Files openskies writes: atomic files, staged output directories and the output marker.

Every file and directory openskies writes goes through this module (see ``docs/security.md``,
"Output directories" and "Files openskies writes").

One file (:func:`atomic_write`, :func:`atomic_path`, :func:`write_bytes`)
    is written in a private temporary directory next to it, flushed and fsynced, and moved
    into place: the file appears whole or not at all. It gets the permissions :func:`open`
    would give it (an existing file's mode is kept, a new file gets 0666 minus the umask).
    Only a regular file is ever replaced, never a directory, a symbolic link or a device;
    with ``overwrite=False`` an existing file is refused, also one that appears while the
    file is being written.

An output directory (:func:`staged_dir`)
    is checked before any work starts (:func:`check_output_dir`), locked against other
    openskies runs (the lock file ``.NAME.openskies-lock`` next to it), written into a
    private staging directory ``.NAME.<8 hex>.openskies-partial`` next to it, marked with
    :data:`MARKER` and renamed into place only when the run succeeded. A directory is only
    replaced (``overwrite=True``) when openskies wrote it: it has a valid marker and holds
    only the files the marker lists, unchanged. SIGTERM, SIGHUP and SIGINT remove the
    staging directory; a staging directory left by a killed run (SIGKILL, power loss) is
    recognised by its name and the marker inside and removed by the next run into the same
    directory.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX (Windows)
    fcntl = None  # type: ignore[assignment]

from ._errors import OpenSkiesError, ValidationError

logger = logging.getLogger(__name__)

__all__ = [
    "MARKER",
    "Interrupted",
    "OutputError",
    "atomic_path",
    "atomic_write",
    "check_output_dir",
    "check_output_file",
    "check_target",
    "read_marker",
    "staged_dir",
    "write_bytes",
    "write_inside",
]

#: Name of the marker file in every output directory openskies writes.
MARKER = ".openskies-output.json"
#: ``format`` of the marker.
MARKER_FORMAT = "openskies-output"
_LOCK_FORMAT = "openskies-lock"
_STAGING_SUFFIX = ".openskies-partial"
_OLD_SUFFIX = ".openskies-old"
_LOCK_SUFFIX = ".openskies-lock"
_MARKER_MAX_BYTES = 4 * 1024 * 1024
#: Files an operating system adds to a directory a user looked at; they hold no user data
#: and do not stop an output directory from being replaced.
OS_METADATA = frozenset({".DS_Store", "Thumbs.db"})
_SHOWN = 8  # names listed in an error message


class OutputError(ValidationError):
    """An output path cannot be written: refused before any work, or changed meanwhile."""


class Interrupted(SystemExit):
    """Raised in the main thread on SIGTERM or SIGHUP while an output directory is staged.

    A :class:`SystemExit` with code 128 + the signal number, so that ``except Exception``
    blocks let it through and the process exits as a shell expects of a terminated command.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


# --------------------------------------------------------------------------- small helpers


def _umask() -> int:
    """The process umask, without changing it where /proc tells it (thread safe)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _shown(names: list[str]) -> str:
    head = ", ".join(names[:_SHOWN])
    return head + (f" (and {len(names) - _SHOWN} more)" if len(names) > _SHOWN else "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _strerror(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_tree(path: Path) -> None:
    """Remove a directory openskies created; warn (never raise) when that fails."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.warning("could not remove %s (%s): remove it yourself", path, _strerror(exc))


# --------------------------------------------------------------------------- one file


def check_output_file(path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Check that ``path`` may be written as one file; raise :class:`OutputError` if not.

    The directory must exist. An existing regular file is accepted when ``overwrite`` is
    on; a directory, a symbolic link (dangling or not), a device, a pipe or a socket is
    always refused.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    target = Path(path)
    if target.name in ("", ".", ".."):
        msg = f"output file {str(path)!r} names a directory: give a file name"
        raise OutputError(msg)
    directory = target.parent
    if not directory.is_dir():
        msg = f"cannot write {str(target)!r}: directory {str(directory)!r} does not exist"
        raise OutputError(msg)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        msg = f"cannot write {str(target)!r}: {_strerror(exc)}"
        raise OutputError(msg) from None
    if stat.S_ISLNK(st.st_mode):
        msg = (
            f"output file {str(target)!r} is a symbolic link (to {os.readlink(target)!r}): "
            "openskies neither writes through nor replaces links; give the real path"
        )
        raise OutputError(msg)
    if stat.S_ISDIR(st.st_mode):
        msg = f"output file {str(target)!r} is a directory: give a file name inside it"
        raise OutputError(msg)
    if not stat.S_ISREG(st.st_mode):
        msg = (
            f"output file {str(target)!r} is not a regular file (a device, pipe or socket): "
            "openskies only replaces regular files"
        )
        raise OutputError(msg)
    if not overwrite:
        msg = (
            f"output file {str(target)!r} exists: choose another file, or replace it "
            "(--overwrite on the command line)"
        )
        raise OutputError(msg)
    return target


def _file_mode(target: Path) -> int:
    """Permissions open() would give: an existing regular file's, else 0666 minus the umask."""
    with contextlib.suppress(OSError):
        st = os.lstat(target)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    return 0o666 & ~_umask()


def _place(tmp: Path, target: Path, *, overwrite: bool) -> None:
    os.chmod(tmp, _file_mode(target))
    if overwrite:
        check_output_file(target, overwrite=True)  # a link or directory may have appeared
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # atomic: fails when target exists, whatever it is
    except FileExistsError:
        msg = f"output file {str(target)!r} appeared while it was being written: not replaced"
        raise OutputError(msg) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # a file system without hard links: check, then move (a window of microseconds)
        check_output_file(target, overwrite=False)
        os.replace(tmp, target)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path with ``path``'s file name; move it to ``path`` on success.

    For writers that need a file name (GDAL drivers; a GeoJSON layer takes its name from
    the file name, so the temporary file has the final name, inside a private directory
    next to ``path``). On any exception the temporary file is removed and ``path`` is left
    as it was.

    Parameters
    ----------
    path : str or PathLike
        Final location; its directory must exist. See :func:`check_output_file`.
    overwrite : bool
        Replace an existing regular file (default); with False an existing file is an
        error, also one that appears meanwhile.
    """
    target = check_output_file(path, overwrite=overwrite)
    try:
        private = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".openskies-tmp", dir=target.parent)
        )
    except OSError as exc:
        msg = f"cannot write {str(target)!r}: {_strerror(exc)}"
        raise OutputError(msg) from None
    tmp = private / target.name
    try:
        yield tmp
        if tmp.is_symlink() or not tmp.is_file():
            msg = f"the writer produced no file for {str(target)!r}"
            raise OpenSkiesError(msg)
        _place(tmp, target, overwrite=overwrite)
    finally:
        shutil.rmtree(private, ignore_errors=True)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
    overwrite: bool = True,
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; it replaces ``path`` when the block succeeds.

    Use it for every output file of openskies::

        with atomic_write("plan.csv", newline="") as fh:
            fh.write(...)

    The data is flushed and fsynced and moved into place with :func:`os.replace` (atomic on
    POSIX and Windows within one file system). If the block raises, the temporary file is
    deleted and an existing ``path`` is left as it was: no partial file is ever visible
    under ``path``. Permissions: those of the file replaced, else 0666 minus the umask.

    Parameters
    ----------
    path : str or PathLike
        Final location; its directory must exist.
    mode : str
        ``"w"`` (text) or ``"wb"`` (binary).
    encoding, newline : str, optional
        As for :func:`open` (text mode only).
    overwrite : bool
        Replace an existing regular file (default); see :func:`atomic_path`.
    """
    if mode not in ("w", "wb"):
        msg = f"atomic_write mode={mode!r}: give 'w' (text) or 'wb' (binary)"
        raise ValidationError(msg)
    with atomic_path(path, overwrite=overwrite) as tmp:
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with open(tmp, mode.replace("w", "x"), **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_bytes(data: bytes, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`); return the path."""
    with atomic_write(path, "wb", overwrite=overwrite) as fh:
        fh.write(data)
    return Path(path)


def write_inside(
    out_dir: str | os.PathLike[str], relative: str, data: bytes, *, overwrite: bool = True
) -> Path:
    """Write ``data`` atomically at ``relative`` inside the directory ``out_dir``.

    ``relative`` is a ``/``-separated path below ``out_dir`` (``figures/flights.svg``): no
    absolute path, no ``..``, no empty part. Missing subdirectories are created (mode 0777
    minus the umask); an existing one must be a real directory, not a symbolic link, so the
    file cannot land outside ``out_dir``. Returns the path written.
    """
    if not _valid_name(relative):
        msg = (
            f"output name {relative!r} is not a relative path inside the output directory; "
            "give parts separated by '/', without '..' or a leading '/'"
        )
        raise OutputError(msg)
    base = Path(out_dir)
    parts = relative.split("/")
    here = base
    for depth, part in enumerate(parts[:-1], start=1):
        here = here / part
        try:
            os.mkdir(here)
        except FileExistsError:
            pass
        except OSError as exc:
            msg = f"cannot create {relative!r} in the output directory: {_strerror(exc)}"
            raise OutputError(msg) from None
        st = os.lstat(here)
        if not stat.S_ISDIR(st.st_mode):
            msg = (
                f"{'/'.join(parts[:depth])!r} in the output directory is not a "
                "directory (a symbolic link or a file); remove it or choose another -o"
            )
            raise OutputError(msg)
    return write_bytes(data, here / parts[-1], overwrite=overwrite)


# --------------------------------------------------------------------------- the marker


def _valid_name(rel: Any) -> bool:
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return False
    parts = rel.split("/")
    return not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _load_marker(directory: Path) -> dict[str, Any] | None:
    path = directory / MARKER
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MARKER_MAX_BYTES:
            return None
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT:
        return None
    return data


def read_marker(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The marker of an output directory openskies completed, or None.

    None when ``directory`` has no :data:`MARKER`, or one that is not a regular file, not
    JSON, not of openskies' format, not of a completed output, or that lists a file outside
    the directory.
    """
    data = _load_marker(Path(directory))
    if data is None or data.get("state") != "complete":
        return None
    files = data.get("files")
    if not isinstance(files, dict):
        return None
    for rel, meta in files.items():
        if not _valid_name(rel) or not isinstance(meta, dict):
            return None
        if not isinstance(meta.get("bytes"), int) or not isinstance(meta.get("sha256"), str):
            return None
    return data


def _manifest(directory: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for root, dirnames, filenames in os.walk(directory):
        base = Path(root)
        for name in sorted(dirnames + filenames):
            p = base / name
            rel = p.relative_to(directory).as_posix()
            st = os.lstat(p)
            if stat.S_ISDIR(st.st_mode):
                continue
            if not stat.S_ISREG(st.st_mode):
                msg = f"openskies wrote {rel!r}, which is not a regular file (a bug)"
                raise OpenSkiesError(msg)
            if rel != MARKER:
                files[rel] = {"bytes": st.st_size, "sha256": _sha256(p)}
    return dict(sorted(files.items()))


def _complete_marker(directory: Path, command: str | None) -> bytes:
    from . import __version__

    marker = {
        "format": MARKER_FORMAT,
        "format_version": 1,
        "state": "complete",
        "openskies_version": __version__,
        "command": command,
        "files": _manifest(directory),
        "note": (
            "Written by openskies. `openskies ... --overwrite` replaces this directory only "
            "while it holds exactly these files, unchanged."
        ),
    }
    return (json.dumps(marker, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _staging_marker(target: Path) -> bytes:
    marker = {
        "format": MARKER_FORMAT,
        "format_version": 1,
        "state": "staging",
        "target": target.name,
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }
    return (json.dumps(marker, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _not_ours(directory: Path, marker: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Entries of ``directory`` the marker does not list, and listed files changed since."""
    files = marker["files"]
    dirs = {"/".join(rel.split("/")[:i]) for rel in files for i in range(1, rel.count("/") + 1)}
    unknown: list[str] = []
    changed: list[str] = []

    def fail(exc: OSError) -> None:
        raise exc

    for root, dirnames, filenames in os.walk(directory, onerror=fail):
        base = Path(root)
        for name in sorted(dirnames):
            rel = (base / name).relative_to(directory).as_posix()
            if (base / name).is_symlink() or rel not in dirs:
                unknown.append(rel + "/")
        dirnames[:] = [d for d in dirnames if (base / d).relative_to(directory).as_posix() in dirs]
        for name in sorted(filenames):
            p = base / name
            rel = p.relative_to(directory).as_posix()
            if rel == MARKER or (name in OS_METADATA and rel not in files):
                continue
            st = os.lstat(p)
            if not stat.S_ISREG(st.st_mode) or rel not in files:
                unknown.append(rel)
            elif st.st_size != files[rel]["bytes"] or _sha256(p) != files[rel]["sha256"]:
                changed.append(rel)
    return sorted(unknown), sorted(changed)


# --------------------------------------------------------------------------- output directory


def _refuse_special(target: Path, text: str) -> None:
    """Refuse the file-system root, the home and current directories and their ancestors."""
    what = None
    if target == Path(target.anchor):
        what = "the file-system root"
    else:
        places = []
        with contextlib.suppress(RuntimeError, KeyError, OSError):
            places.append(("your home directory", Path(os.path.realpath(Path.home()))))
        with contextlib.suppress(OSError):
            places.append(("the current directory", Path(os.path.realpath(os.getcwd()))))
        for label, place in places:
            if target == place:
                what = label
                break
            if place.is_relative_to(target):
                what = f"an ancestor of {label} ({place})"
                break
    if what is not None:
        hint = os.path.join(text, "openskies-out")
        msg = (
            f"output directory {text!r} is {what} ({target}): openskies writes its outputs "
            f"into a directory of their own and never replaces this one. Give a new "
            f"directory, e.g. -o {hint}"
        )
        raise OutputError(msg)


def _resolve_dir(path: str | os.PathLike[str]) -> tuple[Path, str]:
    """The output directory with its parent resolved (the last component is not followed)."""
    text = os.fspath(path)
    if not text:
        msg = "output directory is empty: give a path with -o"
        raise OutputError(msg)
    raw = Path(text)
    if raw.name in ("", ".."):  # "/", ".", "..", "x/.."
        real = Path(os.path.realpath(raw))
        _refuse_special(real, text)
        parent, name = real.parent, real.name
    else:
        parent, name = raw.parent, raw.name
    try:
        parent_real = Path(os.path.realpath(parent, strict=True))
    except OSError:
        msg = (
            f"cannot create output directory {text!r}: its parent directory {str(parent)!r} "
            f"does not exist. Create it first (mkdir -p {parent}) or choose another -o"
        )
        raise OutputError(msg) from None
    if not parent_real.is_dir():
        msg = f"cannot create output directory {text!r}: {str(parent)!r} is not a directory"
        raise OutputError(msg)
    target = parent_real / name
    _refuse_special(target, text)
    return target, text


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def _dir_state(target: Path, text: str, *, overwrite: bool) -> str:
    """Check ``target``; return "absent", "empty" or "marked" (an openskies output)."""
    parent = target.parent
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        msg = f"cannot use output directory {text!r}: {_strerror(exc)}"
        raise OutputError(msg) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        dest = os.readlink(target)
        if not target.exists():
            kind = f"a dangling symbolic link (to {dest!r}, which does not exist)"
        elif target.is_dir():
            kind = f"a symbolic link to the directory {os.path.realpath(target)!r}"
        else:
            kind = f"a symbolic link to {os.path.realpath(target)!r}"
        msg = (
            f"output directory {text!r} is {kind}: openskies neither writes through nor "
            "replaces links. Give the real directory or a new path with -o"
        )
        raise OutputError(msg)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        msg = (
            f"output {text!r} exists and is a file, not a directory: openskies writes a "
            "directory of outputs and never replaces a file with it. Choose a new path for -o"
        )
        raise OutputError(msg)
    if not _writable(parent):
        msg = (
            f"cannot write output directory {text!r}: its parent directory {str(parent)!r} is "
            "not writable (read-only, or owned by someone else). Choose another -o"
        )
        raise OutputError(msg)
    if st is None:
        return "absent"
    if os.path.ismount(target):
        msg = (
            f"output directory {text!r} is a mount point: openskies cannot replace it. "
            "Give a new directory inside it"
        )
        raise OutputError(msg)
    try:
        entries = os.listdir(target)
    except OSError as exc:
        msg = f"cannot read output directory {text!r}: {_strerror(exc)}"
        raise OutputError(msg) from None
    if not entries:
        return "empty"
    marker = read_marker(target)
    if marker is None:
        even = " (--overwrite does not change that)" if overwrite else ""
        msg = (
            f"output directory {text!r} is not empty and openskies did not write it (it has "
            f"no valid {MARKER} marker; it holds {_shown(sorted(entries))}): openskies only "
            f"replaces directories it wrote{even}. Choose a new -o, or empty or remove the "
            "directory yourself"
        )
        raise OutputError(msg)
    made = f"'openskies {marker.get('command') or '(python)'}'"
    made += f", openskies {marker.get('openskies_version')}"
    if not overwrite:
        msg = (
            f"output directory {text!r} holds an earlier openskies output ({made}): add "
            "--overwrite to replace it, or choose another -o"
        )
        raise OutputError(msg)
    try:
        unknown, changed = _not_ours(target, marker)
    except OSError as exc:
        msg = f"cannot check output directory {text!r}: {_strerror(exc)}"
        raise OutputError(msg) from None
    if unknown or changed:
        parts = []
        if unknown:
            parts.append(f"files openskies did not write: {_shown(unknown)}")
        if changed:
            parts.append(f"files changed since openskies wrote them: {_shown(changed)}")
        msg = (
            f"output directory {text!r} is an openskies output ({made}) but holds "
            f"{'; and '.join(parts)}. --overwrite replaces only what openskies wrote: move "
            "these files out of the directory, or choose another -o"
        )
        raise OutputError(msg)
    if not _writable(target):
        msg = (
            f"cannot replace output directory {text!r}: it is read-only (or owned by someone "
            "else). Make it writable, or choose another -o"
        )
        raise OutputError(msg)
    return "marked"


def check_output_dir(out_dir: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Check, before any work, that ``out_dir`` may become an output directory.

    Accepted: a new directory in an existing, writable parent; an empty directory; with
    ``overwrite``, a directory openskies wrote (a valid :data:`MARKER`, and nothing but
    the files it lists, unchanged). Refused with an :class:`OutputError` that says why and
    what to do: the file-system root, the home or current directory or one of their
    ancestors, a symbolic link (dangling, to a directory or to a file), a file, a mount
    point, a missing or read-only parent, a read-only directory, a non-empty directory
    openskies did not write, and an openskies output holding other files or changed ones.

    Returns
    -------
    pathlib.Path
        The output directory, its parent resolved to a real path.
    """
    target, text = _resolve_dir(out_dir)
    _dir_state(target, text, overwrite=overwrite)
    return target


#: The name the other modules used before the output marker existed.
check_target = check_output_dir


class _Guard:
    """Signal handlers for a staged run: interrupt the work, never the cleanup."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self.raised = False
        self.critical = 0
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.pending is not None or self.critical:
            self.pending = self.pending or signum
            return  # a repeat, or inside a cleanup or commit: act on it afterwards
        self.pending = signum
        self.raised = True
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Interrupted(signum)

    def __enter__(self) -> _Guard:
        if threading.current_thread() is not threading.main_thread():
            return self
        wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
        for signum in [signal.SIGINT, *wanted]:
            current = signal.getsignal(signum)
            default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            if current is default:  # leave ignored signals and the caller's handlers alone
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    @contextlib.contextmanager
    def uninterrupted(self) -> Iterator[None]:
        self.critical += 1
        try:
            yield
        finally:
            self.critical -= 1


def _lock_owner(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f" (pid {data['pid']} on {data['host']})"
    return ""


def _busy(target: Path, text: str, lock: Path, owner: str) -> OutputError:
    msg = (
        f"another openskies run is writing output directory {text!r}{owner}: wait for it to "
        f"finish, or choose another -o (lock file {str(lock)!r})"
    )
    return OutputError(msg)


def _acquire(lock: Path, target: Path, text: str) -> int:
    """Take the lock of ``target``: a file locked with flock, created and removed by us."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    if fcntl is None:  # pragma: no cover - not POSIX: an exclusive create, no stale detection
        flags |= os.O_EXCL
    for _ in range(10):
        try:
            fd = os.open(lock, flags, 0o666)
        except FileExistsError:  # pragma: no cover - not POSIX
            raise _busy(target, text, lock, " (or one was killed: remove the lock file)") from None
        except OSError as exc:
            why = "it is a symbolic link" if exc.errno == errno.ELOOP else _strerror(exc)
            msg = f"cannot lock output directory {text!r}: lock file {str(lock)!r}: {why}"
            raise OutputError(msg) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                msg = f"cannot lock output directory {text!r}: {str(lock)!r} is not a file"
                raise OutputError(msg)
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise _busy(target, text, lock, _lock_owner(fd)) from None
            try:
                now = os.stat(lock, follow_symlinks=False)
            except FileNotFoundError:
                now = None
            if now is None or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                os.close(fd)  # the previous holder removed it after we opened it: again
                continue
            content = os.pread(fd, 4096, 0)
            if content:
                try:
                    ours = json.loads(content.decode("utf-8")).get("format") == _LOCK_FORMAT
                except (ValueError, UnicodeDecodeError, AttributeError):
                    ours = False
                if not ours:
                    msg = (
                        f"cannot lock output directory {text!r}: {str(lock)!r} exists and "
                        "openskies did not create it. Move it away, or choose another -o"
                    )
                    raise OutputError(msg)
            record = {"format": _LOCK_FORMAT, "pid": os.getpid(), "host": socket.gethostname()}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode() + b"\n", 0)
        except BaseException:
            os.close(fd)
            raise
        return fd
    msg = f"cannot lock output directory {text!r}: the lock file {str(lock)!r} keeps changing"
    raise OutputError(msg)


def _release(lock: Path, fd: int) -> None:
    try:
        st = os.fstat(fd)
        now = os.stat(lock, follow_symlinks=False)
        if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
            os.unlink(lock)  # while still holding the lock: see _acquire
    except OSError:
        pass
    finally:
        os.close(fd)


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    suffixes = "|".join(re.escape(s) for s in (_STAGING_SUFFIX, _OLD_SUFFIX))
    return re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{8}}(?:{suffixes})")


def _is_leftover(path: Path, target: Path) -> bool:
    """A staging or old directory of ``target`` that openskies made: empty, or marked."""
    try:
        if not os.listdir(path):
            return True
    except OSError:
        return False
    marker = _load_marker(path)
    if marker is None:
        return False
    if marker.get("state") == "staging":
        return marker.get("target") == target.name
    return read_marker(path) is not None


def _remove_leftovers(target: Path) -> None:
    """Remove the staging directories of ``target`` left by killed runs (under the lock).

    Only a directory named like openskies' own (``.NAME.<8 hex>.openskies-partial`` or
    ``-old``) that is empty or holds openskies' marker is removed. Holding the lock of
    ``target`` proves that no live run owns it: a run makes and removes these only while
    it holds the lock, and the lock dies with its process.
    """
    pattern = _leftover_pattern(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if _is_leftover(path, target):
            logger.warning("removing %s, left by an openskies run that was killed", path)
            _remove_tree(path)
        else:
            logger.warning("leaving %s alone: it has no openskies marker", path)


def _new_private_dir(target: Path, suffix: str) -> Path:
    for _ in range(100):
        path = target.with_name(f".{target.name}.{secrets.token_hex(4)}{suffix}")
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            msg = f"cannot write next to output directory {str(target)!r}: {_strerror(exc)}"
            raise OutputError(msg) from None
        return path
    msg = f"cannot create a staging directory next to {str(target)!r}"  # pragma: no cover
    raise OutputError(msg)  # pragma: no cover


def _commit(tmp: Path, target: Path, text: str, *, overwrite: bool, command: str | None) -> None:
    write_bytes(_complete_marker(tmp, command), tmp / MARKER)
    try:
        state = _dir_state(target, text, overwrite=overwrite)  # again: it may have changed
    except OutputError as exc:
        msg = f"output directory {text!r} changed while this run was working: {exc}"
        raise OutputError(msg) from None
    # a new directory gets 0777 minus the umask; a replaced one keeps its permissions
    keep = state != "absent"
    os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if keep else 0o777 & ~_umask())
    if state != "marked":
        try:
            # rename() replaces only a missing or empty directory: never one with content
            os.rename(tmp, target)
        except OSError as exc:
            msg = (
                f"output directory {text!r} appeared while this run was working "
                f"({_strerror(exc)}): it was left as it is and nothing was written"
            )
            raise OutputError(msg) from None
    else:
        old = _new_private_dir(target, _OLD_SUFFIX)
        try:
            os.rename(target, old)  # onto our own empty directory
        except BaseException:
            with contextlib.suppress(OSError):
                os.rmdir(old)
            raise
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)
            raise
        _fsync_dir(target.parent)
        _remove_tree(old)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def staged_dir(
    out_dir: str | os.PathLike[str], *, overwrite: bool = False, command: str | None = None
) -> Iterator[Path]:
    """Yield a private staging directory that becomes ``out_dir`` when the block succeeds.

    Put the whole run in the block: on entry ``out_dir`` is checked
    (:func:`check_output_dir`), locked against other openskies runs and staged, so that a
    refused or busy output fails before any work. On success the files are listed in
    :data:`MARKER` and the directory is renamed into place (an existing openskies output is
    replaced, see ``overwrite``); on any error, SIGTERM, SIGHUP or SIGINT the staging
    directory is removed and nothing is written.

    Parameters
    ----------
    out_dir : str or PathLike
        The output directory.
    overwrite : bool
        Replace an existing openskies output (only when it holds exactly the files it
        lists, unchanged).
    command : str, optional
        The openskies command writing it, recorded in the marker.

    Raises
    ------
    OutputError
        The output is refused, another openskies run is writing it, or it changed while the
        run worked.
    Interrupted
        SIGTERM or SIGHUP arrived during the block (exit code 128 + the signal number).
    """
    target, text = _resolve_dir(out_dir)
    _dir_state(target, text, overwrite=overwrite)  # the clearest message, before the lock
    lock = target.with_name(f".{target.name}{_LOCK_SUFFIX}")
    with _Guard() as guard:
        fd = None
        try:
            with guard.uninterrupted():
                fd = _acquire(lock, target, text)
            _dir_state(target, text, overwrite=overwrite)  # again, now that we hold the lock
            tmp = None
            try:
                with guard.uninterrupted():
                    _remove_leftovers(target)
                    tmp = _new_private_dir(target, _STAGING_SUFFIX)
                    write_bytes(_staging_marker(target), tmp / MARKER)
                yield tmp
                with guard.uninterrupted():
                    _commit(tmp, target, text, overwrite=overwrite, command=command)
            except BaseException as exc:
                with guard.uninterrupted():
                    if tmp is not None:
                        _remove_tree(tmp)
                if isinstance(exc, Interrupted | KeyboardInterrupt):
                    name = signal.Signals(guard.pending or signal.SIGINT).name
                    logger.warning(
                        "interrupted (%s): removed the staging directory; nothing was written "
                        "to %s",
                        name,
                        text,
                    )
                raise
        finally:
            if fd is not None:
                with guard.uninterrupted():
                    _release(lock, fd)
        if guard.pending is not None and not guard.raised:
            # it arrived during the commit: the output is complete; now act on the signal
            if guard.pending == signal.SIGINT:
                raise KeyboardInterrupt
            raise Interrupted(guard.pending)
