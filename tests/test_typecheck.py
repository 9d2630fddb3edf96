"""The package's types and architecture are checked, not only written: mypy and import-linter.

mypy runs with the configuration in pyproject.toml over the whole package; ``lint-imports``
checks the contracts declared there (the client's layers, the sandbox's leaves-only imports,
the client never importing the sandbox, no import cycle in any package). A second test keeps the
contracts complete: every module of the package must be named by one of them.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_mypy_is_clean_on_the_package() -> None:
    out = _run(sys.executable, "-m", "mypy", "ipernity_nb")
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert out.returncode == 0 and not errors, "\n".join(errors[:40]) or out.stdout + out.stderr


def test_import_contracts_are_kept() -> None:
    out = _run(str(BIN / "lint-imports"), "--no-cache")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "BROKEN" not in out.stdout and "4 kept, 0 broken" in out.stdout


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


#: Modules above the client that may start or join a sandbox: connect() and the form that calls it.
FRONT_DOOR = {"ipernity_nb.embedded", "ipernity_nb.signinform"}


def test_every_module_is_placed_by_a_contract() -> None:
    """A new module must be given its place in the layers (or be part of the sandbox)."""
    contracts = {c["id"]: c for c in _contracts()}
    layered = {
        "ipernity_nb." + name.strip()
        for layer in contracts["client-layers"]["layers"]
        for name in layer.replace(":", "|").split("|")
    }
    guarded = set(contracts["client-not-sandbox"]["source_modules"])
    graph = grimp.build_graph("ipernity_nb")
    unplaced = []
    for module in sorted(graph.modules):
        if module == "ipernity_nb" or module.startswith("ipernity_nb.sandbox"):
            continue  # the front door imports everything; the sandbox has its own contract
        top = ".".join(module.split(".")[:2])
        if top not in layered:
            unplaced.append(module)
        elif top not in FRONT_DOOR and top not in guarded:
            unplaced.append(f"{module} (not in client-not-sandbox)")
    assert not unplaced, f"add these to [tool.importlinter] in pyproject.toml: {unplaced}"


def test_the_layers_contract_rejects_an_upward_import(tmp_path: Path) -> None:
    """The contract really bites: a leaf importing the client is reported (on a scratch copy)."""
    import shutil

    pkg = tmp_path / "ipernity_nb"
    shutil.copytree(ROOT / "ipernity_nb", pkg, ignore=shutil.ignore_patterns("__pycache__", "data", "sandbox"))
    (pkg / "sandbox").mkdir()
    (pkg / "sandbox" / "__init__.py").write_text("")
    with open(pkg / "errors.py", "a") as fh:
        fh.write("\nfrom . import client  # noqa\n")
    config = tmp_path / ".importlinter"
    config.write_text(
        "[importlinter]\nroot_package = ipernity_nb\n\n[importlinter:contract:layers]\nname = layers\n"
        "type = layers\ncontainers = ipernity_nb\nlayers =\n"
        + "".join(f"    {layer}\n" for layer in _contracts()[0]["layers"])
    )
    out = subprocess.run(
        [str(BIN / "lint-imports"), "--config", str(config), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(BIN)},
    )
    assert out.returncode != 0 and "ipernity_nb.errors -> ipernity_nb.client" in out.stdout, out.stdout[-3000:]
