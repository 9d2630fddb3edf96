"""The widgets of tutorial notebooks 2 and 3 render and work in a real browser.

Voila serves the committed notebook (it executes every cell in a fresh ``python3`` kernel,
which starts its own embedded sandbox, exactly as a reader's kernel would), and Debian's
Chromium, driven by Playwright, clicks through the widgets. The recipe (ports, environment,
Chromium flags, bounded waits) is the one of test_browser_authform.py/test_browser_methodform.py.
A full-page screenshot goes to test-artifacts/ on failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
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

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
VOILA = shutil.which("voila", path=str(Path(sys.executable).parent))
pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not found at {CHROMIUM}"),
    pytest.mark.skipif(VOILA is None, reason="voila is not installed in this environment"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def serve(tmp_path_factory) -> Iterator[callable]:
    """serve(name) -> URL of Voila rendering notebooks/<name>; every server is stopped at the end."""
    procs: list[subprocess.Popen] = []
    base = tmp_path_factory.mktemp("voila-notebooks")

    def start(name: str) -> str:
        port = _free_port()
        env = dict(
            os.environ,
            IPERNITY_NB_CONFIG_DIR=str(base / "config"),  # never the user's real token store
            JUPYTER_RUNTIME_DIR=str(base / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
            MPLBACKEND="Agg",
        )
        for var in ("IPERNITY_API_KEY", "IPERNITY_API_SECRET", "IPERNITY_AUTH_TOKEN"):
            env.pop(var, None)
        log = base / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [
                    VOILA,
                    str(NOTEBOOKS / name),
                    "--no-browser",
                    f"--port={port}",
                    "--Voila.ip=127.0.0.1",
                    "--Voila.port_retries=0",
                    "--show_tracebacks=True",
                ],
                cwd=NOTEBOOKS,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(url + "api/status", timeout=2).status_code < 500:
                    return url
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"voila did not start within 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture
def page(request) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1300, "height": 1000})
            pg.set_default_timeout(60_000)
            failed_before = request.session.testsfailed
            yield pg
            if request.session.testsfailed > failed_before:
                ARTIFACTS.mkdir(exist_ok=True)
                pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        finally:
            browser.close()


def test_notebook2_authform_signs_out_and_in_again(serve, page) -> None:
    page.goto(serve("02-authorization.ipynb"), timeout=180_000)  # voila runs every cell first
    # the notebook's "stands in for your click" cell already signed alice in
    badge = page.locator(".ipernity-token").first
    badge.wait_for(state="visible", timeout=120_000)
    assert "Signed in as" in badge.inner_text() and "alice" in badge.inner_text()

    page.get_by_role("button", name="Forget").click()
    page.get_by_text("Signed out: alice forgotten").wait_for()

    page.get_by_role("button", name="Get authorization link").click()
    link = page.locator("a.ipernity-authorize")
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    assert "/apps/authorize?" in (link.get_attribute("href") or "")

    page.locator(".widget-text", has_text="demo user").locator("input").fill("carol")
    page.get_by_role("button", name="Approve as demo user (sandbox)").click()
    signed = page.locator(".ipernity-token", has_text="carol")
    signed.wait_for()
    assert "doc: write" in signed.inner_text().replace("\n", " ")


def test_notebook3_methodform_runs_a_method(serve, page) -> None:
    page.goto(serve("03-exploring-methods.ipynb"), timeout=180_000)
    page.locator(".ipn-methodform").wait_for(state="visible", timeout=120_000)
    # the notebook ran doc.search text=paris per_page=5 from code: its table is on the page
    first = page.locator(".ipn-output table.ipn-frame")
    first.wait_for(state="visible")
    assert first.locator("tbody tr").count() == 5

    page.locator(".ipn-method select").select_option("doc.search")
    per_page = page.locator(".ipn-param-per_page input")
    per_page.wait_for(state="visible")
    per_page.fill("3")
    page.locator("button.ipn-run").first.click()
    table = page.locator(".ipn-output table.ipn-frame")
    page.wait_for_function(
        "() => document.querySelectorAll('.ipn-output table.ipn-frame tbody tr').length === 3", timeout=60_000
    )
    headers = table.locator("thead th").all_inner_texts()
    assert "doc_id" in headers and "title" in headers
    assert "rows" in page.locator(".ipn-status").inner_text()

    # a bad value is marked next to its field, in the page
    page.locator(".ipn-method select").select_option("doc.get")
    page.locator(".ipn-param-doc_id input").fill("12a")
    page.locator("button.ipn-run").first.click()
    page.locator(".ipn-param-doc_id", has_text="expects an integer").wait_for(state="visible")
