"""Re-execute the tutorial notebooks in place, commit-ready (outputs kept, no widget state).

Run from the repository root after editing a notebook:

    .venv/bin/python tests/nbrefresh.py                 # all of notebooks/*.ipynb
    .venv/bin/python tests/nbrefresh.py notebooks/04-analysing-responses.ipynb

Each notebook runs top to bottom in the ``python3`` kernel of this environment, with the
real-API variables removed (notebook 6 then commits its "skipped" outputs, never answers of
the real service) and a scratch token store. Saved widget state (``metadata.widgets``, which
could hold form values) and per-cell execution timings are stripped; tests/test_notebooks.py
checks both. Not a test module: pytest does not collect it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parent.parent
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
REAL_API_VARS = ("IPERNITY_API_KEY", "IPERNITY_API_SECRET", "IPERNITY_AUTH_TOKEN", "IPERNITY_API_URL")


def refresh(path: Path, timeout: int = 300) -> float:
    """Execute ``path`` in place and strip volatile metadata; returns the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    ExecutePreprocessor(timeout=timeout, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(path.parent)}})
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    for var in REAL_API_VARS:
        os.environ.pop(var, None)
    os.environ["IPERNITY_NB_CONFIG_DIR"] = tempfile.mkdtemp(prefix="ipernity-nbrefresh-")
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {refresh(path.resolve()):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
