"""MethodForm in a real browser: Voila serves tests/browser/methodform.ipynb, Chromium drives it.

The notebook's kernel talks to the session sandbox over loopback (URL and demo credentials via
environment variables). The test picks a method, fills a field, clicks Run and waits for the
rendered table; it also checks the form fits a 1280×800 screen, the thumbnail grid wraps
inside the output, the licence picker's labels and a write without a token. On failure a
screenshot goes to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from voilabrowser import ARTIFACTS, BROWSER_MARKS, chromium_page, voila, voila_env

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


def _pick_label(select, label: str) -> None:
    """Select the option shown as ``label`` (ipywidgets renders spaces as no-break spaces)."""
    select.locator("option").last.wait_for(state="attached")
    shown = [t.replace("\xa0", " ") for t in select.locator("option").all_inner_texts()]
    select.select_option(index=shown.index(label))


def _boxes(locator) -> list[dict]:
    return [locator.nth(i).bounding_box() for i in range(locator.count())]


def test_doc_search_fits_a_laptop_screen_and_the_grid_wraps_inside(voila_url, request) -> None:
    """At 1280×800, Run and the start of the answer show without scrolling; no thumbnail column is cut."""
    with chromium_page(request, width=1280, height=800) as page:
        page.goto(voila_url)
        page.locator(".ipn-methodform").wait_for(state="visible", timeout=90_000)
        page.locator(".ipn-method select").select_option("doc.search")
        page.locator(".ipn-param-per_page input").wait_for(state="visible")
        form = page.locator(".ipn-methodform").bounding_box()
        assert form["height"] < 560, f"the doc.search form is {form['height']:.0f} px tall"
        run = page.locator("button.ipn-run").bounding_box()
        assert run["y"] + run["height"] < 800

        page.locator(".ipn-param-per_page input").fill("30")
        page.locator("button.ipn-run").click()
        page.locator(".ipn-output table.ipn-frame").wait_for(state="visible")
        assert page.evaluate("window.scrollY") == 0
        out = page.locator(".ipn-output").bounding_box()
        assert out["y"] < 800 - 100, "the thumbnails start below the fold"
        tiles = _boxes(page.locator(".ipn-output .ipn-thumb"))
        assert len(tiles) == 30
        right = out["x"] + out["width"]
        assert max(t["x"] + t["width"] for t in tiles) <= right + 0.5  # every column inside the output
        columns = sorted({round(t["x"]) for t in tiles})
        assert len(columns) >= 9  # ~1250 px hold ten 110 px tiles: the ninth (and tenth) column shows whole
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "methodform-doc-search-1280x800.png"))  # evidence for reviewers


def test_licence_picker_shows_labels_and_sends_codes(voila_url, page) -> None:
    page.set_default_timeout(60_000)
    page.goto(voila_url)
    page.locator(".ipn-methodform").wait_for(state="visible", timeout=90_000)
    page.locator(".ipn-method select").select_option("doc.search")
    picker = page.locator(".ipn-param-license select")
    picker.locator("option").last.wait_for(state="attached")
    labels = [t.replace("\xa0", " ") for t in picker.locator("option").all_inner_texts()]
    assert "0 · © all rights reserved" in labels and "3 · CC by-nc" in labels and "255 · copyleft / free use" in labels
    _pick_label(picker, "3 · CC by-nc")
    page.locator(".ipn-param-per_page input").fill("3")
    page.locator("button.ipn-run").click()
    code = page.locator(".ipn-code")
    code.get_by_text("license=[3]").wait_for()
    assert 'client.frame("doc.search", license=[3], per_page=3)' in code.inner_text()


def test_write_without_token_says_so_instead_of_asking_to_confirm(voila_url, page) -> None:
    page.set_default_timeout(60_000)
    page.goto(voila_url)
    page.locator(".ipn-methodform").wait_for(state="visible", timeout=90_000)
    page.locator(".ipn-method select").select_option("doc.setLicense")
    page.locator(".ipn-param-doc_id input").fill("1")
    _pick_label(page.locator(".ipn-param-license select"), "1 · CC by")
    page.locator("button.ipn-run").click()
    page.locator(".ipn-status", has_text="needs a signed-in user").wait_for()
    assert "AuthForm(client)" in page.locator(".ipn-status").inner_text()
    assert not page.locator("button.ipn-confirm").is_visible()
