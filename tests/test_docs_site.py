"""The documentation site builds with ``mkdocs build --strict`` and holds what the README promises.

A broken link, a missing page or an unresolvable reference in any ``docs/*.md`` fails the strict
build; the tutorials are rendered from their committed outputs; every public name of the front
door has a docstring and a place in the API reference.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ipernity_nb

ROOT = Path(__file__).resolve().parents[1]
MODULES = {"catalog", "errors"}  # documented as whole modules on the reference page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    # cwd outside the repository: nothing the build writes may land in the working tree
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=out.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-4000:]}"
    return out


def test_every_docs_page_is_built(site: Path):
    for page in sorted((ROOT / "docs").glob("*.md")):
        built = site / ("index.html" if page.stem == "index" else f"{page.stem}/index.html")
        assert built.is_file(), f"docs/{page.name} was not built"


def test_tutorials_are_rendered_with_their_outputs(site: Path):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 7
    for nb in notebooks:
        html = (site / "notebooks" / nb.stem / "index.html").read_text(encoding="utf-8")
        assert "jp-OutputArea" in html, f"{nb.name} rendered without outputs"
    first = (site / "notebooks" / "01-getting-started" / "index.html").read_text(encoding="utf-8")
    assert "hello world!" in first  # a saved output, not re-executed


def test_protocol_page_has_its_numbered_sections(site: Path):
    html = (site / "protocol" / "index.html").read_text(encoding="utf-8")
    for number in ("1.1", "2.4", "3.1", "4.3", "5.1", "8.14", "10."):
        assert f">{number} " in html or f">{number}" in html, number


def test_front_door_names_have_docstrings():
    missing = [n for n in ipernity_nb.__all__ if n != "__version__" and not inspect.getdoc(getattr(ipernity_nb, n))]
    assert not missing, f"public names without a docstring: {missing}"


def test_reference_covers_the_front_door(site: Path):
    html = (site / "reference" / "index.html").read_text(encoding="utf-8")
    missing = []
    for name in ipernity_nb.__all__:
        if name == "__version__":
            continue
        ids = (f'id="ipernity_nb.{name}"', f'id="ipernity_nb.errors.{name}"')
        if not any(i in html for i in ids):
            missing.append(name)
    assert not missing, f"add these to docs/reference.md: {missing}"
    assert not re.search(r":(func|class|meth|mod|attr):<code>", html), "a Sphinx role shown as text"


def test_section_numbers_link_to_the_protocol_page(site: Path):
    protocol = (site / "protocol" / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', protocol))
    links = []
    for page in site.rglob("index.html"):
        links += re.findall(r'<a href="(?:\.\./)*(?:protocol/)?#([^"]+)">§[\d.]+</a>', page.read_text(encoding="utf-8"))
    assert len(links) > 20 and set(links) <= ids, sorted(set(links) - ids)
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../protocol/#31-algorithm">§3.1</a>' in reference  # api_sig's docstring cites §3.1
