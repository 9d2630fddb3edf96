"""What the repository cites exists in it, and user-facing text carries no tracker numbers or app names.

Someone who clones the repository must be able to follow every reference: each
``docs/protocol.md §N`` is a heading of that page, and each ``*.md`` a file checks out.
Users read docstrings, ``help()``, the method form, the signature explainer, the sandbox's
coverage page, the docs and the notebooks; those keep the reason for a choice but not the
number of the ticket that asked for it, nor the names of other people's applications.
"""

from __future__ import annotations

import glob
import importlib
import json
import pkgutil
import pydoc
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

import ipernity_nb
from ipernity_nb import catalog
from ipernity_nb.explain import explain_signature
from ipernity_nb.sandbox.coverage import coverage_html, coverage_text
from ipernity_nb.widgets.results import method_info_html

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = ROOT / "docs" / "protocol.md"
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".json", ".toml", ".yml", ".yaml", ".cfg", ".sql", ".txt", ".html", ".j2", ""}

# The core request and paging modules are being rewritten on another branch, which drops their
# remaining tracker numbers; once that lands this set is empty.

TRACKER = re.compile(r"\bissues?\s*#?\d+", re.I)
# Other ipernity applications and API kits (by name, repository or author); "Lightroom" alone is
# left out on purpose: the demo data's photo descriptions mention the photo editor.
APP_NAMES = re.compile(
    r"photini|oneyoung|rcw-2|python-ipernity|flask[-_]ipernity|pyipernity|archiveteam|ipernity-grab|"
    r"ipernitynet|ipernity::api|wneessen|ksyz|damienlabat|ipernitybackup|chatainsim|shell-ipernity|"
    r"ipernity-for-lightroom|lightroom plugin|lef73|flickrapi",
    re.I,
)


def _repo_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [ROOT / p for p in out if Path(p).suffix in TEXT_SUFFIXES and (ROOT / p).is_file()]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def _headings() -> set[str]:
    found = re.findall(r"^#{2,3} (\d+(?:\.\d+)*)\.? ", PROTOCOL.read_text(encoding="utf-8"), re.M)
    return set(found)


def test_protocol_page_has_every_section_of_its_outline():
    have = _headings()
    wanted = {"1.1", "1.5", "2.1", "2.5", "3.1", "3.4", "4.1", "4.4", "5.1", "5.2", "6.1", "6.5", "7", "8", "9", "10"}
    assert wanted <= have, f"missing: {sorted(wanted - have)}"
    assert {f"8.{i}" for i in range(1, 16)} <= have  # quirks are cited one by one (§8.N)


CITATION = re.compile(r"docs/protocol\.md((?:[\s,;/]*(?:and\s+|or\s+)?§\s?\d+(?:\.\d+)*)+)")
BARE = re.compile(r"(?<!RFC )(?<!RFC \d{4} )§\s?(\d+(?:\.\d+)*)")


def test_every_cited_protocol_section_exists():
    have = _headings()
    bad = []
    count = 0
    for path in _repo_files():
        text = _text(path)
        if "docs/protocol.md" not in text and path != PROTOCOL:
            continue
        cited = {n for group in CITATION.findall(text) for n in re.findall(r"§\s?(\d+(?:\.\d+)*)", group)}
        # in a file that cites the protocol page, a bare "§N" refers to the same page
        cited |= {n for n in BARE.findall(text) if not re.search(rf"RFC \d+ §{re.escape(n)}", text)}
        count += len(cited)
        bad += [f"{path.relative_to(ROOT)}: §{n}" for n in sorted(cited - have)]
    assert count > 100  # the scan found the code's citations
    assert not bad, "cited sections missing from docs/protocol.md:\n" + "\n".join(bad)


MD_REF = re.compile(r"(?<![\w/.-])([\w][\w./-]*\.md)\b")


def test_every_cited_markdown_document_is_in_the_repository():
    files = _repo_files()
    names = {p.name for p in files}
    bad = []
    for path in files:
        text = re.sub(r"https?://\S+", "", _text(path))
        for ref in set(MD_REF.findall(text)):
            # a bare name ("protocol.md" in a path join) counts when a file of that name exists
            if not ((ROOT / ref).is_file() or (path.parent / ref).is_file() or ("/" not in ref and ref in names)):
                bad.append(f"{path.relative_to(ROOT)}: {ref}")
    assert not bad, "documents cited but not in the repository:\n" + "\n".join(sorted(bad))


def _user_facing_files() -> list[Path]:
    keep = []
    for path in _repo_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("ipernity_nb/", "docs/", "notebooks/")) or rel in {"README.md", "mkdocs.yml"}:
            keep.append(path)
    return keep


def test_no_tracker_numbers_in_user_facing_files():
    bad = []
    for path in _user_facing_files():
        rel = path.relative_to(ROOT).as_posix()
        bad += [f"{rel}: {m.group(0)!r}" for m in TRACKER.finditer(_text(path))]
    assert not bad, "\n".join(bad)


def _without_provenance(path: Path) -> str:
    """Text minus where its facts came from: the catalog's per-method ``sources`` list (not shown to
    users) and the evidence column of the sandbox's divergence table (each row names the live
    client whose code is the evidence, which is the point of that table)."""
    if path.name == "sandbox-divergences.md":
        return "\n".join(
            line.rstrip().rstrip("|").rsplit("|", 1)[0] if line.startswith("|") else line
            for line in _text(path).splitlines()
        )
    if path.name != "methods.json":
        return _text(path)
    data = json.loads(_text(path))
    for m in data["methods"].values():
        m.pop("sources", None)
    return json.dumps(data)


def test_no_application_names_in_user_facing_files():
    bad = []
    for path in _user_facing_files():
        rel = path.relative_to(ROOT).as_posix()
        bad += [f"{rel}: {m.group(0)!r}" for m in APP_NAMES.finditer(_without_provenance(path))]
    assert not bad, "\n".join(bad)


def _public_modules() -> list[str]:
    names = ["ipernity_nb"]
    for info in pkgutil.walk_packages(ipernity_nb.__path__, "ipernity_nb."):
        if info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


def _rendered_surfaces() -> dict[str, str]:
    """What users actually see at run time, rendered as text."""
    surfaces: dict[str, str] = {}
    for name in _public_modules()[1:]:  # the package's own page repeats its members, rendered one by one below
        surfaces[f"help({name})"] = pydoc.render_doc(importlib.import_module(name), renderer=pydoc.plaintext)
    surfaces["ipernity_nb's docstring"] = ipernity_nb.__doc__ or ""
    for name in ipernity_nb.__all__:
        obj = getattr(ipernity_nb, name)
        if name != "__version__":
            surfaces[f"help(ipn.{name})"] = pydoc.render_doc(obj, renderer=pydoc.plaintext)
    for m in catalog.methods().values():
        surfaces[f"MethodForm info of {m.name}"] = method_info_html(m, has_token=False, rights=None) + " ".join(
            list(m.notes) + [p.doc for p in m.params or ()]
        )
    explained = explain_signature("doc.set", {"doc_id": 1, "title": "x"}, api_key="k", secret="s", token="1-a")
    surfaces["explain_signature"] = str(explained) + explained._repr_html_()
    surfaces["coverage page"] = coverage_text() + coverage_html()
    return surfaces


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydoc reads ipywidgets' deprecated class attributes
def test_no_tracker_numbers_or_application_names_in_what_users_see():
    surfaces = _rendered_surfaces()
    assert len(surfaces) > 150
    bad = [
        f"{where}: {m.group(0)!r}"
        for where, text in surfaces.items()
        for pattern in (TRACKER, APP_NAMES)
        for m in pattern.finditer(text)
    ]
    assert not bad, "\n".join(bad)


def _package_data_globs() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    return [f"{pkg}/{pattern}" for pkg, patterns in data.items() for pattern in patterns]


@pytest.mark.parametrize("pattern", _package_data_globs())
def test_each_package_data_glob_matches_a_file(pattern: str):
    if pattern.endswith("sandbox/templates/*") and not (ROOT / "ipernity_nb/sandbox/templates").is_dir():
        pytest.xfail("the sandbox's page templates arrive from another branch at merge; this glob is checked then")
    matches = [p for p in glob.glob(str(ROOT / pattern)) if Path(p).is_file()]
    assert matches, f"pyproject package-data lists {pattern!r}, which matches no file"
