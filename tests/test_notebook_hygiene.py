"""What students read in a notebook is the lesson: no test machinery, no back doors, no stale bars.

Every notebook of the repository (the tutorials and the ones the browser tests serve):

* marks nbval's behaviour with cell tags, never with ``# NBVAL_...`` comments in the source;
* imports the toolkit only through its front door (``import ipernity_nb as ipn`` or
  ``from ipernity_nb import <public name>``), as a reader's own code would;
* commits its progress bars as text in their final state, not as widget views whose saved
  fallback text reads "0%".

The first two tutorials explain the words a newcomer meets, and notebook 01's text agrees with
its own call log (every call signed, and why).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

import ipernity_nb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("tests/**/*.ipynb")])
NBVAL_COMMENT = re.compile(r"^\s*#+\s*(NBVAL_\w+|PYTEST_VALIDATE_\w+)", re.M)
BAR = re.compile(r"\d+%\|")  # tqdm's text bar: "upload: 100%|██████████| 15.7k/15.7k"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _ids() -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]


@pytest.fixture(params=NOTEBOOKS, ids=_ids())
def nb(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    return nbformat.read(request.param, as_version=4)


def _code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_notebooks_are_found():
    names = {p.name for p in NOTEBOOKS}
    assert "01-getting-started.ipynb" in names and "methodform.ipynb" in names


def test_nbval_markers_are_tags_not_comments(nb):
    found = [m.group(1) for c in _code(nb) for m in NBVAL_COMMENT.finditer(c.source)]
    assert not found, f"nbval markers in cell sources (use cell tags): {found}"


def _toolkit_imports(src: str) -> list[tuple[str, list[str]]]:
    """(module, names) of every ``import``/``from`` of the toolkit in a cell (IPython magics skipped)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())
    out = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.split(".")[0] == "ipernity_nb"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ipernity_nb":
            out.append((node.module or "", [a.name for a in node.names]))
    return out


def test_imports_only_from_the_front_door(nb):
    public = set(ipernity_nb.__all__)
    bad = []
    for cell in _code(nb):
        for module, names in _toolkit_imports(cell.source):
            if module != "ipernity_nb" or any(n not in public for n in names):
                bad.append(f"{module}: {names}" if names else module)
    assert not bad, f"imports past the front door (use ipn.<name>): {bad}"


def test_front_door_check_catches_a_back_door():
    assert _toolkit_imports("from ipernity_nb.backup import read_index") == [("ipernity_nb.backup", ["read_index"])]
    assert _toolkit_imports("import ipernity_nb as ipn\nimport pandas") == [("ipernity_nb", [])]


def test_progress_bars_are_saved_as_final_text(nb):
    for cell in _code(nb):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = data.get("text/plain", "")
            text = text if isinstance(text, str) else "".join(text)
            if BAR.search(text):
                assert WIDGET_VIEW not in data, f"a progress bar saved as a widget view: {text!r}"
                assert not re.search(r"(?<!\d)0%\|", text) or "0/0" in text, f"a bar saved before it ran: {text!r}"


def _tutorial(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_first_tutorials_teach_the_vocabulary():
    text = _markdown(_tutorial("01-getting-started.ipynb")) + _markdown(_tutorial("02-authorization.ipynb"))
    for term in ("API key", "secret", "GET", "POST", "JSON", "XML", "sign", "revoke", "API kit", "method"):
        assert term in text, f"notebooks 01-02 never explain {term!r}"


def test_notebook_01_says_what_its_call_log_shows():
    """Its call log shows every call signed; the text must say so and why, not 'no signature'."""
    nb = _tutorial("01-getting-started.ipynb")
    log = next(c for c in _code(nb) if c.source.startswith('["api_sig" in params for params in client.calls'))
    assert "nbval-check-output" in log.metadata.get("tags", [])  # nbval re-checks it on every run
    shown = "".join(o.get("data", {}).get("text/plain", "") for o in log.outputs)
    assert shown == "[True, True]", shown
    text = _markdown(nb)
    assert "signs **every** call" in text and "test methods need no signature" not in text
