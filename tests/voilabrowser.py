"""The Voila + Chromium recipe shared by the browser tests (test_browser_*.py).

Voila serves one notebook on a free loopback port (its kernel gets the environment you pass);
Debian's Chromium, driven by Playwright, opens it. Waits are bounded; every Voila server is
stopped; a full-page screenshot of every open tab goes to test-artifacts/ when the test fails.

    pytestmark = BROWSER_MARKS

    def test_x(tmp_path, request):
        env = voila_env(tmp_path, IPN_TEST_API_URL=sandbox.api_url)
        with voila(NOTEBOOK, tmp_path / "voila.log", env=env) as url, chromium_page(request) as page:
            page.goto(url, timeout=180_000)
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 60.0  # seconds for Voila to answer (it runs the notebook only when a page is requested)

BROWSER_MARKS = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not found at {CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="voila is not installed"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """os.environ for a Voila kernel: Jupyter runtime and token store under state_dir, never the
    user's real ones, no real API credentials; then `extra` on top."""
    env = dict(
        os.environ,
        IPERNITY_NB_CONFIG_DIR=str(state_dir / "config"),
        JUPYTER_RUNTIME_DIR=str(state_dir / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    for var in ("IPERNITY_API_KEY", "IPERNITY_API_SECRET", "IPERNITY_AUTH_TOKEN"):
        env.pop(var, None)
    env.update(extra)
    return env


@contextmanager
def voila(notebook: Path, log: Path, *, env: dict[str, str], cwd: Path = ROOT) -> Iterator[str]:
    """Run Voila on `notebook` (output to `log`) until the block ends; yields its URL once it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}"]
    cmd += ["--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(url + "api/status", timeout=2).status_code < 500:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"voila did not start within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if os.environ.get("IPERNITY_KEEP_VOILA_LOG"):
            print(log.read_text())


@contextmanager
def chromium_page(request: Any, *, width: int = 1300, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in headless Chromium (default timeout 60 s); `page.context` opens more tabs.

    Every tab is screenshotted to test-artifacts/<test name>[-i].png when the block raises or, used
    from a fixture, when the test body failed (pytest hooks in test modules are not collected)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(60_000)
            page = context.new_page()
            failed_before = request.session.testsfailed
            try:
                yield page
            except BaseException:
                _screenshots(context, request.node.name)
                raise
            if request.session.testsfailed > failed_before:
                _screenshots(context, request.node.name)
        finally:
            browser.close()


def _screenshots(context: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for i, tab in enumerate(context.pages):
        suffix = f"-{i}" if i else ""
        tab.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
