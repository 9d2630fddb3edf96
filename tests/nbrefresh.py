"""Re-execute the tutorial notebooks in place, commit-ready (outputs kept, no widget state).

Run from the repository root after editing a notebook:

    .venv/bin/python tests/nbrefresh.py                 # all of notebooks/*.ipynb
    .venv/bin/python tests/nbrefresh.py notebooks/04-analysing-responses.ipynb

Each notebook runs top to bottom in the ``python3`` kernel of this environment, with the
real-API variables removed (notebook 6 then commits its "skipped" outputs, never answers of
the real service) and a scratch token store. Saved widget state (``metadata.widgets``, which
could hold form values) and per-cell execution timings are stripped; tests/test_notebooks.py
checks both. Progress bars are saved as the text of their final state: without widget state,
a saved bar would only show its first frame ("0%"). Not a test module: pytest does not collect it.
"""

from __future__ import annotations

import html
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


def _bar_text(state: dict, model_id: str) -> str | None:
    """The final text of a tqdm notebook bar (an HBox of HTML, FloatProgress, HTML), else None."""
    model = state.get(model_id, {})
    kids = [state.get(k.removeprefix("IPY_MODEL_"), {}) for k in model.get("state", {}).get("children", [])]
    kinds = [k.get("model_name") for k in kids]
    if model.get("model_name") != "HBoxModel" or kinds != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, bar, right = (k["state"] for k in kids)
    done = bar.get("value") or 0
    total = bar.get("max") or 0
    filled = round(10 * done / total) if total else 0
    text = f"{left.get('value', '')}|{'█' * filled}{' ' * (10 - filled)}|{right.get('value', '')}"
    return html.unescape(text).replace("\u2007", " ")


def progress_as_text(nb: nbformat.NotebookNode) -> None:
    """Replace each saved progress-bar widget view by the text of the bar's final state."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for cell in nb.cells:
        for i, out in enumerate(cell.get("outputs", [])):
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            text = _bar_text(state, view["model_id"]) if view else None
            if text is not None:
                cell.outputs[i] = nbformat.v4.new_output("display_data", data={"text/plain": text})


def refresh(path: Path, timeout: int = 300) -> float:
    """Execute ``path`` in place and strip volatile metadata; returns the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    runner = ExecutePreprocessor(timeout=timeout, kernel_name="python3", store_widget_state=True)
    runner.preprocess(nb, {"metadata": {"path": str(path.parent)}})
    progress_as_text(nb)
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
