"""Browser test: Voila serves a notebook with an AuthForm; Chromium clicks the link, clicks Complete
too early (one clear error), logs in and approves on the sandbox's consent page, clicks Complete
and sees "Signed in as". The sandbox "approve as demo user" button shows its whole label.

Needs Debian's /usr/bin/chromium (skipped with a reason otherwise). A screenshot of every open
page goes to test-artifacts/ on failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from authpages import PASSWORD, fresh_user
from voilabrowser import ARTIFACTS, BROWSER_MARKS, chromium_page, voila, voila_env

NOTEBOOK = Path(__file__).parent / "browser" / "authform.ipynb"

pytestmark = BROWSER_MARKS


@pytest.fixture
def voila_url(sandbox, demo_app, tmp_path) -> Iterator[str]:
    """Voila serving the AuthForm notebook, configured through the environment."""
    env = voila_env(
        tmp_path,
        IPERNITY_API_KEY=demo_app["api_key"],
        IPERNITY_API_SECRET=demo_app["secret"],
        IPERNITY_API_URL=sandbox.api_url,
        IPERNITY_SITE_URL=sandbox.url,
        IPN_TEST_ADMIN_TOKEN=sandbox.admin_token,
    )
    with voila(NOTEBOOK, tmp_path / "voila.log", env=env) as url:
        yield url


def test_authform_in_voila(sandbox, voila_url, request) -> None:
    user = fresh_user(sandbox, "browser")
    with chromium_page(request, width=1100, height=900) as page:
        context = page.context
        # voila executes the notebook before answering: generous, bounded wait
        page.goto(voila_url, timeout=180_000)
        link_button = page.get_by_role("button", name="Get authorization link")
        link_button.wait_for(timeout=120_000)
        assert "Not signed in" in page.content()
        approve_as = page.get_by_role("button", name="Approve as demo user (sandbox)")
        assert approve_as.inner_text().strip() == "Approve as demo user (sandbox)"
        assert approve_as.evaluate("b => b.scrollWidth <= b.clientWidth"), "the button label is cut off"
        link_button.click()
        link = page.locator("a.ipernity-authorize")
        link.wait_for()
        assert link.get_attribute("target") == "_blank"

        # Complete before approving: the error says once what to do
        page.get_by_role("button", name="Complete").click()
        error = page.locator(".ipernity-error")
        error.wait_for()
        assert "FrobNotApprovedError" in error.inner_text()
        assert error.inner_text().count("The request is not approved") == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "authform-not-approved.png"))  # evidence for reviewers

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
