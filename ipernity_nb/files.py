"""Small file primitives shared by the cache, the token store, backups and uploads (stdlib only).

One definition each: :func:`atomic_write` (temporary file beside the target, fsync, rename, so a
crash never leaves half a file), :func:`file_md5` (what ``doc.checkMD5`` compares, read in
blocks), and owner-only places for private data (:func:`private_dir` 0700, :func:`private_file`
0600).

Example:
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> atomic_write(os.path.join(d, "a.txt"), b"hi", private=True)
    >>> oct(os.stat(os.path.join(d, "a.txt")).st_mode & 0o777), file_md5(os.path.join(d, "a.txt"))
    ('0o600', '49f68a5c8493ec2c0bf489821c21fc3b')
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

__all__ = ["atomic_write", "file_md5", "private_dir", "private_file"]


def atomic_write(path: str | os.PathLike, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to a temporary name beside ``path``, then rename it into place.

    ``private=True`` creates the file 0600 (owner only) whatever the umask.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
    try:
        if private:
            os.fchmod(fd, 0o600)  # a stale temporary file could be wider
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)


def file_md5(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The hex MD5 of a file, read in blocks of ``chunk`` bytes."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def private_dir(path: str | os.PathLike, *, chmod_existing: bool = False) -> None:
    """Create ``path`` (and parents) owner-only (0700); an existing one is narrowed when asked."""
    existed = os.path.isdir(path)
    os.makedirs(path, mode=0o700, exist_ok=True)
    if not existed or chmod_existing:
        os.chmod(path, 0o700)


def private_file(path: str | os.PathLike) -> None:
    """Create ``path`` empty if missing, and make it owner-only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
