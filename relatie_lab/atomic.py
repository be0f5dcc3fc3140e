"""Atomic writes: a derived file is either complete or absent, never half-written.

Every function writes to a temporary file in the target's own folder and moves it into
place with :func:`os.replace`, which is atomic on POSIX and Windows. An interrupted run
leaves the previous version of the file (if any) untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd

__all__ = ["atomic_dir", "atomic_path", "write_bytes", "write_parquet", "write_text"]


def _default_mode(directory: bool) -> int:
    """The permissions a plain ``open()``/``mkdir()`` would give under the current umask.

    ``mkstemp``/``mkdtemp`` create private (0600/0700) temporaries; without this the finished file or folder
    would stay private, unlike any file written the ordinary way.
    """
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    On an exception the temporary file is removed and ``target`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("klaar")
    >>> out.read_text()
    'klaar'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        mode = target.stat().st_mode & 0o7777 if target.exists() else _default_mode(directory=False)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def _atomic_open(target: str | os.PathLike[str], mode: str, **kwargs) -> Iterator[IO]:
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    with _atomic_open(target, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(target)


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with _atomic_open(target, "wb") as fh:
        fh.write(data)
    return Path(target)


def write_parquet(df: pd.DataFrame, target: str | os.PathLike[str]) -> Path:
    """Write a DataFrame to Parquet atomically and return the path.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_parquet(pd.DataFrame({"a": [1, 2]}), pathlib.Path(tempfile.mkdtemp()) / "a.parquet")
    >>> pd.read_parquet(p)["a"].tolist()
    [1, 2]
    """
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(target)


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a whole folder in a temporary sibling and swap it in when complete.

    The previous folder at ``target`` stays intact until the new one is complete; it is
    then replaced. On an exception the half-built folder is removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else _default_mode(directory=True))
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except OSError:
                os.replace(old, target)  # put the previous folder back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
