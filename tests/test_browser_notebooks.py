"""The widgets of tutorial notebooks 2 and 3 render and work in a real browser.

Voila serves the committed notebook (it executes every cell in a fresh ``python3`` kernel,
which starts its own embedded sandbox, exactly as a reader's kernel would), and Debian's
Chromium, driven by Playwright, clicks through the widgets. The recipe (ports, environment,
Chromium flags, bounded waits) is the shared one in tests/voilabrowser.py.
A full-page screenshot goes to test-artifacts/ on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from voilabrowser import BROWSER_MARKS, ROOT, chromium_page, voila, voila_env

NOTEBOOKS = ROOT / "notebooks"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def serve(tmp_path_factory) -> Iterator[Callable[[str], str]]:
    """serve(name) -> URL of Voila rendering notebooks/<name>; every server is stopped at the end."""
    base = tmp_path_factory.mktemp("voila-notebooks")
    env = voila_env(base, MPLBACKEND="Agg")
    with ExitStack() as servers:

        def start(name: str) -> str:
            return servers.enter_context(voila(NOTEBOOKS / name, base / f"{name}.log", env=env, cwd=NOTEBOOKS))

        yield start


@pytest.fixture
def page(request) -> Iterator[object]:
    with chromium_page(request) as pg:
        yield pg


def test_notebook2_by_hand_flow_as_the_notebook_describes(serve, page) -> None:
    """Run All signs alice in, then the "by hand" cell clicks Forget and Get authorization link;
    the reader's steps that follow (the sandbox's login and consent pages, then Complete) are
    done here in the browser, as the notebook tells the reader to do them."""
    page.goto(serve("02-authorization.ipynb"), timeout=180_000)  # voila runs every cell first
    # the "stands in for your click" cell signed alice in: her badge is in that cell's output
    page.locator(".ipernity-token", has_text="alice").first.wait_for(state="visible", timeout=120_000)
    # the by-hand cell signed her out and asked for a link (the form is shown twice: .first)
    page.get_by_text("Step 2: in the new tab, log in").first.wait_for()
    assert page.get_by_role("button", name="Complete").first.is_enabled()
    link = page.locator("a.ipernity-authorize").first
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    assert "/apps/authorize?" in (link.get_attribute("href") or "")

    with page.context.expect_page() as new_tab:
        link.click()
    site = new_tab.value
    site.wait_for_load_state()
    site.locator("form[name=login] input[name=username]").fill("carol")
    site.locator("form[name=login] input[name=password]").fill("demo")
    site.locator("form[name=login] button[type=submit]").click()
    approve = site.locator("form[name=fa] button[value=approve]")
    approve.wait_for()
    approve.click()
    site.locator("div.ok").wait_for()
    site.close()

    page.get_by_role("button", name="Complete").first.click()
    signed = page.locator(".ipernity-token", has_text="carol").first
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
