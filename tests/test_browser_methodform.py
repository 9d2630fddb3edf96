"""MethodForm in a real browser: Voila serves tests/browser/methodform.ipynb, Chromium drives it.

The notebook's kernel talks to the session sandbox over loopback (URL and demo credentials via
environment variables). The test picks a method, fills a field, clicks Run and waits for the
rendered table. On failure a screenshot goes to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from voilabrowser import BROWSER_MARKS, chromium_page, voila, voila_env

NOTEBOOK = Path(__file__).parent / "browser" / "methodform.ipynb"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def voila_url(sandbox, demo_app, tmp_path_factory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("voila")
    env = voila_env(
        state,
        IPN_TEST_API_KEY=demo_app["api_key"],
        IPN_TEST_SECRET=demo_app["secret"],
        IPN_TEST_API_URL=sandbox.api_url,
    )
    with voila(NOTEBOOK, state / "voila.log", env=env) as url:
        yield url


@pytest.fixture
def page(request) -> Iterator[object]:
    with chromium_page(request) as pg:
        yield pg


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
