"""The package's promises about itself: dependencies in step, one front door, layering, README commands."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import yaml

import ipernity_nb

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "ipernity_nb"


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject():
    """conda cannot be installed here, so the environment file is checked against pyproject instead."""
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra if not r.startswith("ipernity_nb")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    have = {_name(d) for d in conda} - {"python", "pip"}
    assert have == wanted, f"only in environment.yml: {have - wanted}; only in pyproject: {wanted - have}"
    assert "-e ." in pip_section
    python = next(d for d in conda if d.startswith("python"))
    assert python.replace(" ", "") == "python" + project["requires-python"].replace(" ", "")


def _norm(req: str) -> str:
    return req.replace(" ", "").lower().replace("_", "-")


def test_version_ranges_match():
    project = _pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("ipernity_nb")]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): _norm(d) for d in env["dependencies"] if isinstance(d, str)}
    for req in reqs:
        assert conda[_name(req)] == _norm(req), f"{req} vs {conda[_name(req)]}"


def test_all_is_sorted_and_importable():
    assert ipernity_nb.__all__ == sorted(ipernity_nb.__all__)
    for name in ipernity_nb.__all__:
        assert hasattr(ipernity_nb, name), name


# Leaves first: errors, signing, catalog, shapes (stdlib) -> frames -> client -> auth -> widgets.
# The sandbox imports only the leaves; the client never imports the sandbox.
LEAVES = {"errors", "signing", "catalog", "shapes", "coerce"}
ONLY_LEAVES = {"errors", "signing", "catalog", "shapes", "coerce", "sandbox"}
FORBIDDEN = {
    "frames": {"client", "auth", "widgets", "sandbox"},
    "rows": {"frames", "dtypes", "client", "auth", "widgets", "sandbox"},  # frames' parts sit below it
    "dtypes": {"frames", "rows", "client", "auth", "widgets", "sandbox"},
    "envelope": {"client", "auth", "widgets", "sandbox"},
    "client": {"auth", "widgets", "sandbox"},
    "request": {"client", "auth", "widgets", "sandbox"},
    "harvest": {"client", "auth", "widgets", "sandbox"},
    "auth": {"widgets", "sandbox"},
    "tokenstore": {"widgets", "sandbox"},
}


def _internal_imports(path: Path) -> set[str]:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                mod = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("ipernity_nb"):
                mod = node.module.split(".")
            else:
                continue
            if len(mod) > 1:
                out.add(mod[1])
            else:
                out |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("ipernity_nb."):
                    out.add(a.name.split(".")[1])
    return out


def test_layering():
    problems = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        top = rel.parts[0].removesuffix(".py")
        imported = _internal_imports(path) - {top}
        bad = imported - LEAVES if top in ONLY_LEAVES else imported & FORBIDDEN.get(top, set())
        if bad:
            problems.append(f"{rel} imports {sorted(bad)}")
    assert not problems, problems


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for marker in ("<!-- ci:main -->", "<!-- ci:test -->"):
        assert marker in readme
        block = readme.split(marker, 1)[1].split("```", 2)[1]
        assert block.startswith("bash\n") and block.strip().count("\n") == 1, "one command, one line"
    assert "ci:test" in ci
