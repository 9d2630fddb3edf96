"""Browser test: Chromium signs in on the sandbox's site, gets an API key through the form, turns
on "always require signed calls" (an unsigned call then answers 104), sees the calls in the key's
statistics, authorizes the key and revokes it (its token then answers 107).

Needs Debian's /usr/bin/chromium and Playwright (skipped with a reason otherwise). A screenshot of
every open page goes to test-artifacts/ on failure.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
from apphelpers import call, code
from authpages import PASSWORD, fresh_user
from voilabrowser import CHROMIUM, chromium_page

from ipernity_nb.signing import api_sig

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian chromium not found at {CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed"),
]


def test_key_lifecycle_in_a_browser(sandbox, request) -> None:
    user = fresh_user(sandbox, "browser")
    with chromium_page(request, width=1100, height=1000) as page:
        page.goto(f"{sandbox.url}/apps/key")  # not signed in: the login page, then back here
        page.locator("form[name=login] input[name=username]").fill(user)
        page.locator("form[name=login] input[name=password]").fill(PASSWORD)
        page.locator("form[name=login] button[type=submit]").click()

        new = page.locator("form[name=newkey]")
        new.locator("input[name=name]").fill("Browser app")
        new.locator("textarea[name=description]").fill("Made by Chromium")
        new.locator("button[type=submit]").click()  # terms not ticked: refused
        assert "accept the API terms" in page.locator("div.error").inner_text()
        new.locator("input[name=name]").fill("Browser app")
        new.locator("input[name=terms]").check()
        new.locator("button[type=submit]").click()
        page.locator("#created").wait_for()
        app = {"api_key": page.locator("#api_key").inner_text(), "secret": page.locator("#secret").inner_text()}
        assert len(app["api_key"]) == 32 and len(app["secret"]) == 16

        assert call(sandbox, app, "test.hello", signed=False)["hello"] == "hello world!"
        settings = page.locator("form[name=settings]")
        settings.locator("input[name=always_signed]").check()
        settings.locator("button[type=submit]").click()
        assert "Settings saved" in page.locator("div.ok").inner_text()
        assert page.locator("form[name=settings] input[name=always_signed]").is_checked()
        assert code(call(sandbox, app, "test.hello", signed=False)) == 104
        assert call(sandbox, app, "test.hello")["hello"] == "hello world!"  # signed: still fine

        page.reload()
        assert page.locator("#calls").inner_text() == "3"
        by_code = page.locator("#by_code").inner_text()
        assert "104" in by_code and "Signature missing" in by_code
        assert "test.hello" in page.locator("#by_method").inner_text()
        assert page.locator("svg.chart rect.calls").count() == 30  # one bar per day of the window

        frob = call(sandbox, app, "auth.getFrob")["auth"]["frob"]
        link = {"api_key": app["api_key"], "frob": frob, "perm_doc": "read"}
        link["api_sig"] = api_sig(link, app["secret"])
        page.goto(f"{sandbox.url}/apps/authorize?" + "&".join(f"{k}={v}" for k, v in link.items()))
        page.locator("form[name=fa] button[value=approve]").click()
        assert "You authorized" in page.locator("div.ok").inner_text()
        token = call(sandbox, app, "auth.getToken", frob=frob)["auth"]["token"]
        assert call(sandbox, app, "auth.checkToken", auth_token=token)["auth"]["user"]["username"] == user

        page.goto(f"{sandbox.url}/apps/authorized")
        row = page.locator("#authorized tr", has_text="Browser app")
        assert "doc: read" in row.inner_text()
        row.locator("button", has_text="Revoke").click()
        assert "Revoked: Browser app" in page.locator("div.ok").inner_text()
        assert page.locator("#authorized").count() == 0
        assert code(call(sandbox, app, "auth.checkToken", auth_token=token)) == 107

        page.goto(f"{sandbox.url}/apps/key/{app['api_key']}")
        assert page.locator("#members").inner_text() == "0"
        assert "107" in page.locator("#by_code").inner_text()
