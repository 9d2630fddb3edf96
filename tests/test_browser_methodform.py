"""MethodForm in a real browser: Voila serves tests/browser/methodform.ipynb, Chromium drives it.

The notebook's kernel talks to the session sandbox over loopback (URL and demo credentials via
environment variables). The test picks a method, fills a field, clicks Run and waits for the
rendered table. On failure a screenshot goes to test-artifacts/.
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
NOTEBOOK = ROOT / "tests" / "browser" / "methodform.ipynb"
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
def voila_url(sandbox, demo_app, tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    env = dict(
        os.environ,
        IPN_TEST_API_KEY=demo_app["api_key"],
        IPN_TEST_SECRET=demo_app["secret"],
        IPN_TEST_API_URL=sandbox.api_url,
    )
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                VOILA,
                str(NOTEBOOK),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                "--Voila.port_retries=0",
                "--show_tracebacks=True",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(url + "api/status", timeout=2).status_code < 500:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"voila did not start within 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def page() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1300, "height": 1000})
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, page) -> Iterator[None]:
    """Screenshot when the test body fails (pytest hooks in test modules are not collected)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


def test_pick_a_method_fill_a_field_run_and_see_the_table(voila_url, page) -> None:
    page.set_default_timeout(60_000)
    page.goto(voila_url)
    form = page.locator(".ipn-methodform")
    form.wait_for(state="visible", timeout=90_000)

    # Pick doc.search: narrow the picker with the search box, then choose it in the method dropdown.
    page.locator(".ipn-search input").fill("search")
    method_select = page.locator(".ipn-method select")
    method_select.select_option("doc.search")
    per_page = page.locator(".ipn-param-per_page input")
    per_page.wait_for(state="visible")
    assert page.locator(".ipn-param").count() == 21  # one control per doc.search parameter

    per_page.fill("4")
    page.locator(".ipn-run button, button.ipn-run").first.click()

    table = page.locator(".ipn-output table.ipn-frame")
    table.wait_for(state="visible")
    headers = table.locator("thead th").all_inner_texts()
    assert "doc_id" in headers and "title" in headers
    rows = table.locator("tbody tr").count()
    assert 1 <= rows <= 4
    assert "rows" in page.locator(".ipn-status").inner_text()


def test_bad_field_is_marked_in_the_page(voila_url, page) -> None:
    page.set_default_timeout(60_000)
    page.goto(voila_url)
    page.locator(".ipn-methodform").wait_for(state="visible", timeout=90_000)
    page.locator(".ipn-method select").select_option("doc.get")
    page.locator(".ipn-param-doc_id input").fill("12a")
    page.locator("button.ipn-run").click()
    err = page.locator(".ipn-param-doc_id", has_text="expects an integer")
    err.wait_for(state="visible")
    assert "'12a'" in err.inner_text()
