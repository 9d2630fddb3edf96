"""SignInForm in a real browser: Voila serves tests/browser/signinform.ipynb, Chromium types a
student's user name and password and clicks Sign in; the kernel signs in through the sandbox's
pages. The password never reaches the page again. A screenshot goes to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

from voilabrowser import ARTIFACTS, BROWSER_MARKS, chromium_page, voila, voila_env

NOTEBOOK = Path(__file__).parent / "browser" / "signinform.ipynb"

pytestmark = BROWSER_MARKS


def test_student_signs_in_from_the_form(sandbox, tmp_path, request) -> None:
    sandbox.create_user("browser_student", "pw-7351", realname="Browser Student")
    env = voila_env(tmp_path, IPN_TEST_SITE_URL=sandbox.url)
    log = tmp_path / "voila.log"
    with voila(NOTEBOOK, log, env=env) as url, chromium_page(request, width=1100, height=700) as page:
        page.goto(url, timeout=180_000)
        form = page.locator(".ipn-signinform")
        form.wait_for(state="visible", timeout=120_000)
        assert form.locator("input").first.input_value() == sandbox.url
        form.locator("input[type=text]").nth(1).fill("browser_student")
        form.locator("input[type=password]").fill("pw-7351")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Signed in as").wait_for()
        assert "browser_student" in form.inner_text() and "doc: write" in form.inner_text()
        assert form.locator("input[type=password]").input_value() == ""
        assert "pw-7351" not in page.content() and sandbox.admin_token not in page.content()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "signinform-signed-in.png"))  # evidence for reviewers
