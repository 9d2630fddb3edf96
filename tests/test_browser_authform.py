"""Browser test: Voila serves a notebook with an AuthForm; Chromium clicks the link, logs in and
approves on the sandbox's consent page, clicks Complete and sees "Signed in as".

Needs Debian's /usr/bin/chromium (skipped with a reason otherwise). A screenshot of every open
page goes to test-artifacts/ on failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from authpages import PASSWORD, fresh_user

CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = Path(__file__).parent / "browser" / "authform.ipynb"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila(sandbox, demo_app, tmp_path) -> Iterator[str]:
    """Voila serving the AuthForm notebook, configured through the environment."""
    port = _free_port()
    env = os.environ | {
        "IPERNITY_API_KEY": demo_app["api_key"],
        "IPERNITY_API_SECRET": demo_app["secret"],
        "IPERNITY_API_URL": sandbox.api_url,
        "IPERNITY_SITE_URL": sandbox.url,
        "IPERNITY_NB_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop("IPERNITY_AUTH_TOKEN", None)
    log = open(tmp_path / "voila.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"voila exited early:\n{(tmp_path / 'voila.log').read_text()[-2000:]}")
            try:
                requests.get(url + "api", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("voila did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        if os.environ.get("IPERNITY_KEEP_VOILA_LOG"):
            print((tmp_path / "voila.log").read_text())


def test_authform_in_voila(sandbox, voila, request) -> None:
    from playwright.sync_api import sync_playwright

    user = fresh_user(sandbox, "browser")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        context.set_default_timeout(60_000)
        page = context.new_page()
        try:
            # voila executes the notebook before answering: generous, bounded wait
            page.goto(voila, timeout=180_000)
            link_button = page.get_by_role("button", name="Get authorization link")
            link_button.wait_for(timeout=120_000)
            assert "Not signed in" in page.content()
            link_button.click()
            link = page.locator("a.ipernity-authorize")
            link.wait_for()
            assert link.get_attribute("target") == "_blank"

            with context.expect_page() as new_tab:
                link.click()
            site = new_tab.value
            site.wait_for_load_state()
            # not logged in on the site yet: the link leads to the login page, then back
            site.locator("form[name=login] input[name=username]").fill(user)
            site.locator("form[name=login] input[name=password]").fill(PASSWORD)
            site.locator("form[name=login] button[type=submit]").click()
            approve = site.locator("form[name=fa] button[value=approve]")
            approve.wait_for()
            assert "Add and edit your photos" in site.locator("body").inner_text()  # doc:write in words
            approve.click()
            site.locator("div.ok").wait_for()
            site.close()

            page.get_by_role("button", name="Complete").click()
            page.get_by_text("Signed in as").wait_for()
            status = page.locator(".ipernity-token").inner_text()
            assert user in status and "write" in status
            html = page.content()
            assert sandbox.admin_token not in html
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "authform-signed-in.png"))  # evidence for reviewers
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            for i, p in enumerate(context.pages):
                p.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
            raise
        finally:
            browser.close()
