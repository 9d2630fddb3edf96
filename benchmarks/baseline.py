"""An earlier commit of the package, unpacked beside the working tree, for side-by-side measurements.

Targets such as "at least 2x the previous commit" are measured in ONE run on the same noisy machine:
the benchmark runs the same code path once with the working tree and once with the package as it
was at ``BASELINE_REV`` (default: the last landing before the current round of work), each in its
own child process, and prints the ratio.

Example:
    >>> from benchmarks.baseline import baseline_env
    >>> env = baseline_env()                        # doctest: +SKIP
    >>> subprocess.run([sys.executable, "-m", "ipernity_nb.sandbox", ...], env=env)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The landing the current work is compared against (override with IPERNITY_BASELINE_REV).
BASELINE_REV = os.environ.get("IPERNITY_BASELINE_REV", "14ec282")


@functools.cache
def extract(rev: str = BASELINE_REV) -> Path:
    """Unpack ``ipernity_nb/`` as it was at ``rev`` into a temporary folder and return that folder."""
    dest = Path(tempfile.mkdtemp(prefix=f"ipernity-baseline-{rev[:10]}-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "ipernity_nb"],
        check=True,
        capture_output=True,
    ).stdout
    tar_path = dest / "pkg.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(dest, filter="data")
    tar_path.unlink()
    return dest


def baseline_env(rev: str = BASELINE_REV) -> dict[str, str]:
    """Environment for a child process that imports the package as it was at ``rev``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(extract(rev))
    env["PYTHONSAFEPATH"] = "1"  # keep the current directory (the working tree) off sys.path
    return env


def current_env() -> dict[str, str]:
    """Environment for a child process that imports the working tree's package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env
