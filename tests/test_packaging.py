"""The package's promises about itself: dependencies in step, one front door, layering, README commands."""

from __future__ import annotations

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


# The layering (leaves -> frames -> client -> auth -> widgets; the sandbox on the leaves only) is
# declared as import-linter contracts in pyproject.toml and checked by tests/test_typecheck.py.


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for marker in ("<!-- ci:main -->", "<!-- ci:test -->"):
        assert marker in readme
        block = readme.split(marker, 1)[1].split("```", 2)[1]
        assert block.startswith("bash\n") and block.strip().count("\n") == 1, "one command, one line"
    assert "ci:test" in ci
