"""Atomic writes: a killed run never leaves a half-written file or stage folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file owner-only; a report others share should get the umask's mode, as open() gives
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serializable: {type(o).__name__}")


def _finite(o: Any) -> Any:
    """`o` with every NaN/inf float as None: JSON has no NaN, and strict readers (jq, JavaScript,
    Python's json with parse_constant) reject the bare `NaN` Python would write. An undefined
    number (a validation accuracy with no validation rows) is null."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, np.ndarray):
        return _finite(o.tolist())
    if isinstance(o, (float, np.floating)):
        return float(o) if np.isfinite(o) else None
    return o


def write_json(path: Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_finite(data), indent=2, default=_json_default, allow_nan=False) + "\n")


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text())


def replace_dir(partial: Path, final: Path) -> None:
    """Swap a finished folder into place; the old one is removed only after the swap."""
    final = Path(final)
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    os.replace(partial, final)
    if old.exists():
        shutil.rmtree(old)


def check_writable(folder: Path, *, what: str) -> None:
    """Fail early (before training) when an output folder cannot be written: probe by writing, since
    os.access says yes to root for folders nothing can be created in (/proc, a read-only mount)."""
    from flow.errors import FlowError

    folder = Path(folder)
    fix = "choose another folder with --out, or fix its permissions"
    try:
        probe_dir = folder
        while not probe_dir.exists():
            probe_dir = probe_dir.parent
        if not probe_dir.is_dir():
            raise FlowError(f"{what} {str(folder)!r} cannot be created: {str(probe_dir)!r} is a file, not a folder", where=what,
                            fix="choose another folder with --out, or move that file away")
        if not os.access(probe_dir, os.W_OK | os.X_OK):
            raise FlowError(
                f"{what} {str(folder)!r} is not writable ({'nearest existing folder ' + str(probe_dir) if probe_dir != folder else 'no write permission'})",
                where=what, fix=fix,
            )
        if folder.exists():
            with tempfile.NamedTemporaryFile(dir=folder):
                pass
        else:  # create (and remove) a folder where the missing ones would go
            os.rmdir(tempfile.mkdtemp(dir=probe_dir))
    except OSError as exc:  # also a name too long for the file system (exists() raises ENAMETOOLONG)
        raise FlowError(f"{what} {str(folder)!r} cannot be written ({exc.strerror or exc})", where=what, fix=fix) from None
