"""MethodForm: built for every catalog method, filled and run against the sandbox in plain Python."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import ipywidgets as w
import pandas as pd
import pytest
import requests

from ipernity_nb import catalog
from ipernity_nb.client import Client
from ipernity_nb.errors import NotFoundError, ParameterError, RightsError
from ipernity_nb.widgets.controls import FreeParamsControl, widget_from_param
from ipernity_nb.widgets.methodform import MethodForm
from ipernity_nb.widgets.results import code_line, json_tree_html

ALICE = 284001

#: The input widget each catalog type must get (lists: with known values / free).
EXPECTED_INPUT = {
    "string": w.Text,
    "int": w.Text,
    "bool": w.ToggleButtons,
    "timestamp": w.NaiveDatetimePicker,
    "file": w.FileUpload,
}


def _client(sandbox, app: dict, token: str | None = None, **kw) -> Client:
    c = Client(app["api_key"], app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False, **kw)
    if token:
        c.token = token
        perms = c.call("auth.checkToken", auth_token=token)["auth"]["permissions"]  # what AuthForm does after a flow
        c.rights = {k: v for k, v in perms.items() if isinstance(v, str)}
    return c


@pytest.fixture(scope="module")
def anon(sandbox, demo_app) -> Client:
    return _client(sandbox, demo_app)


@pytest.fixture(scope="module")
def alice_writer(sandbox, demo_app, token_for) -> Client:
    return _client(sandbox, demo_app, token_for("alice", {"doc": "write"}))


@pytest.fixture(scope="module")
def alice_doc(alice_writer) -> int:
    df = alice_writer.frame("doc.getList", user_id=ALICE, per_page=5)
    assert len(df), "the demo seed gives alice docs"
    return int(df["doc_id"].iloc[0])


def _secrets(client: Client) -> list[str]:
    return [s for s in (client.secret, client.token) if s]


# --- building ------------------------------------------------------------------------------


def test_builds_for_every_catalog_method(anon) -> None:
    form = MethodForm(anon)
    names = catalog.method_names()
    assert len(names) == 102
    for name in names:
        form.method = name
        m = catalog.get(name)
        assert form.method == name
        assert f"<b>{name}</b>" in form.info.value
        if m.params is None:
            assert list(form.controls) == [FreeParamsControl.name]
            continue
        assert list(form.controls) == [p.name for p in m.params], name
        assert list(form.params_box.children) == list(form.controls.values()) or not m.params
        required = set(m.required_params(has_token=False))
        for p in m.params:
            ctl = form.controls[p.name]
            if p.type in ("list", "enum"):  # with known values: a choice; without: free text
                want = (w.SelectMultiple if p.type == "list" else w.Dropdown) if p.values else w.Text
            else:
                want = EXPECTED_INPUT[p.type]
            assert isinstance(ctl.input, want), (name, p.name)
            assert ctl.required == (p.name in required), (name, p.name)
            assert ('title="required"' in ctl._label.value) == ctl.required
            assert ctl.get() is None  # an untouched field is never sent
            if p.doc:
                assert ctl.input.tooltip == p.doc
        assert (form.all_pages.layout.display != "none") == m.paginated
        assert ("changes data" in form.info.value) == m.is_write


def test_switching_methods_does_not_leak_widgets(anon) -> None:
    from ipywidgets.widgets.widget import _instances  # the kernel-side widget registry

    form = MethodForm(anon, "doc.search")
    before = len(_instances)
    for name in catalog.method_names():
        form.method = name
    form.method = "doc.search"
    assert len(_instances) == before


def test_search_and_family_filter_the_picker(anon) -> None:
    form = MethodForm(anon)
    form.search_box.value = "comment"
    names = list(form.method_picker.options)
    assert "doc.comments.add" in names and "post.comments.getList" in names
    assert all("comment" in n.lower() or "comment" in catalog.get(n).description.lower() for n in names)
    assert form.method in names
    form.search_box.value = ""
    form.family_picker.value = "album"
    assert set(form.method_picker.options) == set(catalog.families()["album"])
    form.search_box.value = "zzz-nothing"
    assert form.method_picker.options == () and form.method is None
    assert form.run() is False
    form.method = "test.hello"  # selecting by name resets the filters
    assert form.method == "test.hello" and form.family_picker.value == "test"
    with pytest.raises(ParameterError, match="Did you mean"):
        form.method = "doc.serch"


def test_control_values_and_types(anon) -> None:
    form = MethodForm(anon, "doc.search")
    form.set(
        text="paris",
        per_page=" 50 ",
        sort="popular",
        extra=("owner", "geo"),
        posted_min=datetime(2020, 1, 1),
        license=(0, 9),
        tags="a, b",
    )
    assert form.params == {
        "text": "paris",
        "tags": "a, b",
        "license": [0, 9],
        "posted_min": 1577836800,  # naive picker value read as UTC
        "sort": "popular",
        "extra": ["owner", "geo"],
        "per_page": 50,
    }
    form.method = "doc.setPerms"
    ctl = form.controls["is_public"]
    assert ctl.get() is None  # tri-state: not sent
    ctl.value = "1"
    assert ctl.get() is True
    ctl.value = "0"
    assert ctl.get() is False
    with pytest.raises(ParameterError, match="no field 'nope'"):
        form.set(nope=1)


def test_file_control_gives_a_named_file() -> None:
    ctl = widget_from_param(catalog.get("upload.file").param("file"))
    assert ctl.required and ctl.get() is None
    ctl.value = (
        {
            "name": "cat.png",
            "type": "image/png",
            "size": 3,
            "content": memoryview(b"PNG"),
            "last_modified": datetime(2024, 1, 1),
        },
    )
    f = ctl.get()
    assert f.name == "cat.png" and f.read() == b"PNG"


# --- validation shown next to the fields ---------------------------------------------------------


def test_missing_required_and_bad_int_are_marked_next_to_the_fields(anon) -> None:
    anon.clear_calls()
    form = MethodForm(anon, "doc.get")
    form.controls["extra"].value = ("tags",)
    assert form.run(wait=True) is False
    assert "required" in form.controls["doc_id"].error
    assert form.controls["doc_id"].error_label.layout.display != "none"
    assert "doc_id" in form.status.value
    assert isinstance(form.error, ParameterError) and form.error.param == "doc_id"
    form.set(doc_id="12a")
    assert form.run() is False
    assert "expects an integer" in form.errors["doc_id"] and "'12a'" in form.errors["doc_id"]
    assert form.controls["extra"].error == ""
    form.method = "doc.search"
    form.set(per_page="abc", page="0x")
    form.run()
    assert set(form.errors) == {"per_page", "page"}  # every bad field is marked, not only the first
    form.set(per_page="150", page="")
    form.run()
    assert "at most 100" in form.errors["per_page"]
    assert len(anon.calls) == 0  # nothing was sent
    form.set(per_page="10")
    assert form.run(wait=True) is True
    assert form.errors == {}


def test_caller_default_relaxes_required_with_a_token(sandbox, demo_app, token_for, anon, alice_writer) -> None:
    assert MethodForm(anon, "doc.getList").controls["user_id"].required
    assert not MethodForm(alice_writer, "doc.getList").controls["user_id"].required
    # The token arrives after the form was built (e.g. AuthForm in another cell): the run uses it.
    late = _client(sandbox, demo_app)
    form = MethodForm(late, "doc.getList")
    form.set(per_page="2")
    assert form.run() is False and "required" in form.errors["user_id"]
    late.token = token_for("alice", {"doc": "read"})
    assert form.run(wait=True) is True
    assert form.error is None, form.error
    assert set(form.result["owner_user_id"].dropna()) <= {ALICE} and len(form.result) > 0
    assert "No token" not in form.info.value


def test_catalog_validation_is_applied(anon) -> None:
    form = MethodForm(anon, "album.docs.add")
    form.set(album_id="1", doc_id=",".join(str(i) for i in range(25)))
    assert form.run() is False
    assert "at most 20" in form.errors["doc_id"]


def test_undocumented_method_takes_key_value_lines(anon) -> None:
    form = MethodForm(anon, "post.getList")
    form.set(**{"(parameters)": "user_id=284001\nbad line"})
    assert form.run() is False
    assert "line 2" in form.errors["(parameters)"]
    form.set(**{"(parameters)": "user_id = 284001\n# comment\n"})
    assert form.params == {"user_id": "284001"}


# --- running against the sandbox ---------------------------------------------------------------


def test_echo_shows_a_json_tree(anon) -> None:
    form = MethodForm(anon, "test.echo")
    form.set(echo="héllo <b>")
    form.run_button.click()
    form.wait()
    assert form.error is None
    assert form.result == {"echo": "héllo <b>"}
    assert "<details" in form.output.value and "héllo &lt;b&gt;" in form.output.value
    assert form.code == 'client.call("test.echo", echo="héllo <b>")'
    assert "héllo &lt;b&gt;" in form.code_view.value


def test_doc_search_gives_a_typed_frame_thumbnails_and_code(anon) -> None:
    form = MethodForm(anon, "doc.search")
    form.set(per_page="5")
    form.run(wait=True)
    assert form.error is None, form.error
    df = form.result
    assert isinstance(df, pd.DataFrame)
    assert 0 < len(df) <= 5 and df.attrs["total"] >= len(df)
    assert str(df["doc_id"].dtype) == "Int64"
    assert form.code == 'client.frame("doc.search", per_page=5)'
    # The code line reproduces the result.
    again = eval(form.code, {"client": anon})
    pd.testing.assert_frame_equal(again, df)
    assert "<table" in form.output.value and "DataFrame: " in form.output.value
    assert "thumb_url" in df.columns and form.output.value.count("<img ") == len(df)  # the thumbnail grid
    shown = form.output.value + form.code_view.value + form.code
    assert not any(s in shown for s in _secrets(anon))


def test_all_pages_with_progress(anon) -> None:
    form = MethodForm(anon, "doc.search")
    form.set(user_id=str(ALICE), per_page="3")
    form.all_pages.value = True
    form.run(wait=True)
    assert form.error is None, form.error
    df = form.result
    total = df.attrs["total"]
    assert total > 3, "alice has more than one page of public docs in the demo seed"
    assert len(df) == total and df["doc_id"].is_unique
    assert form.progress.max == -(-total // 3) and form.progress.value == form.progress.max
    assert form.code == f'client.frame("doc.search", pages="all", user_id={ALICE}, per_page=3)'
    pd.testing.assert_series_equal(eval(form.code, {"client": anon})["doc_id"], df["doc_id"])


def test_doc_get_gives_a_dict(anon, alice_doc) -> None:
    form = MethodForm(anon, "doc.get")
    form.set(doc_id=str(alice_doc), extra=("tags",))
    form.run(wait=True)
    assert form.error is None, form.error
    assert isinstance(form.result, dict) and int(form.result["doc"]["doc_id"]) == alice_doc
    assert form.code == f'client.call("doc.get", doc_id={alice_doc}, extra=["tags"])'
    assert "<details" in form.output.value


def test_api_error_is_shown_with_code_label_and_hint(anon, alice_doc) -> None:
    form = MethodForm(anon, "doc.get")
    form.set(doc_id=str(alice_doc))
    form.run(wait=True)
    assert isinstance(form.result, dict)
    form.set(doc_id="1")
    form.run(wait=True)
    assert isinstance(form.error, NotFoundError)
    assert form.error.code == 1 and form.error.message == "Document not found"
    assert form.result is None  # the previous answer is not left beside the error
    out = form.output.value
    assert "code <b>1</b>" in out and "Document not found" in out and "help/api/method/doc.get" in out
    assert "failed" in form.status.value
    assert form.code == 'client.call("doc.get", doc_id=1)'
    assert not form.run_button.disabled


def test_run_does_not_block_and_wait_is_deterministic(sandbox, demo_app) -> None:
    gate = threading.Event()

    class SlowSession(requests.Session):  # delays the network, not our code
        def get(self, *a, **k):
            assert gate.wait(10)
            return super().get(*a, **k)

    client = _client(sandbox, demo_app, session=SlowSession())
    form = MethodForm(client, "test.echo")
    form.set(echo="later")
    assert form.run() is True  # returns while the request is pending
    assert form.running and form.run_button.disabled and "Running" in form.status.value
    assert form.run() is False  # a second click does not start a second call
    with pytest.raises(TimeoutError):
        form.wait(timeout=0.05)
    gate.set()
    form.wait()
    assert not form.running and form.result == {"echo": "later"} and not form.run_button.disabled


@pytest.fixture
def restore_title(alice_writer, alice_doc) -> Iterator[None]:
    """The session sandbox is shared: put the doc's title back after a write test."""
    before = alice_writer.call("doc.get", doc_id=alice_doc)["doc"].get("title", "")
    yield
    alice_writer.call("doc.set", doc_id=alice_doc, title=before)


def test_write_needs_confirmation(alice_writer, alice_doc, restore_title) -> None:
    alice_writer.clear_calls()
    form = MethodForm(alice_writer, "doc.set")
    assert "✓ your token grants doc:write" in form.info.value
    form.set(doc_id=str(alice_doc), title="Renamed by MethodForm")
    assert form.confirm_button.layout.display == "none"
    assert form.run(wait=True) is False
    assert form.confirm_button.layout.display != "none" and "Confirm" in form.status.value
    assert "doc.set" not in set(alice_writer.calls.get("method", []))  # nothing sent yet
    form.confirm_button.click()
    form.wait()
    assert form.error is None, form.error
    assert form.confirm_button.layout.display == "none"
    assert alice_writer.call("doc.get", doc_id=alice_doc)["doc"]["title"] == "Renamed by MethodForm"
    assert form.code == f'client.call("doc.set", doc_id={alice_doc}, title="Renamed by MethodForm")'
    shown = form.output.value + form.code_view.value + form.code + form.status.value
    assert not any(s in shown for s in _secrets(alice_writer))
    # Confirmation is per run: the next run asks again.
    assert form.run() is False and form.confirm_button.layout.display != "none"
    form.method = "doc.get"  # switching method cancels the pending confirmation
    assert form.confirm_button.layout.display == "none"


def test_missing_right_is_shown_and_refused(sandbox, demo_app, token_for, alice_doc) -> None:
    reader = _client(sandbox, demo_app, token_for("alice", {"doc": "read"}))
    form = MethodForm(reader, "doc.set")
    assert "✗ your token grants doc:read" in form.info.value and "perm_doc=write" in form.info.value
    form.set(doc_id=str(alice_doc), title="never")
    form.run()
    form.confirm_button.click()
    form.wait()
    assert isinstance(form.error, RightsError)
    assert "doc:write" in form.output.value
    assert "no token" in MethodForm(_client(sandbox, demo_app), "doc.set").info.value


# --- rendering helpers -------------------------------------------------------------------------


def test_code_line_never_carries_credentials_and_handles_odd_names() -> None:
    import io

    f = io.BytesIO(b"x")
    f.name = "cat.png"
    line = code_line(
        "upload.file",
        {"file": f, "title": 'say "hi"', "api_key": "k", "auth_token": "t", "api_sig": "s", "class": "x"},
        tabular=False,
    )
    assert line == 'client.call("upload.file", file=open("cat.png", "rb"), title="say \\"hi\\"", **{"class": "x"})'
    assert code_line("doc.search", {"tags": ["a", "b"]}, tabular=True, pages="all") == (
        'client.frame("doc.search", pages="all", tags=["a", "b"])'
    )


def test_json_tree_is_collapsible_and_escaped() -> None:
    html = json_tree_html({"doc": {"title": "<i>x</i>", "tags": {"tag": [{"tag": "a"}, {"tag": "b"}]}}})
    assert html.count("<details") == 6  # root, doc, tags, the tag list and its two records
    assert html.count('<details class="ipn-json" open') == 2  # the first two levels start open
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "<i>x</i>" not in html
    assert "2 items" in html


def test_repr_is_one_line_outside_a_notebook(anon, alice_writer) -> None:
    form = MethodForm(anon, "doc.search")
    text = repr(form)
    assert "\n" not in text and len(text) < 160
    assert text.startswith("MethodForm(method='doc.search'") and "not run" in text and "no token" in text
    form.set(per_page="2")
    form.run(wait=True)
    assert "result=DataFrame" in repr(form)
    signed = repr(MethodForm(alice_writer, "test.echo"))
    assert ", token," in signed and alice_writer.token not in signed


def test_coded_values_show_labels_and_send_codes(anon) -> None:
    form = MethodForm(anon, "doc.search")
    picker = form.controls["license"].input
    assert ("3 · CC by-nc", 3) in picker.options and ("255 · copyleft / free use", 255) in picker.options
    form.set(license=(3, 255))
    assert form.params["license"] == [3, 255]
    form.method = "upload.file"
    assert ("2 · not for all audiences", 2) in form.controls["safety"].input.options
    form.set(safety=2)
    assert form.params["safety"] == 2


def test_write_without_token_says_so_and_asks_no_confirmation(anon, alice_doc) -> None:
    form = MethodForm(anon, "doc.set")
    form.set(doc_id=str(alice_doc), title="never sent")
    calls = len(anon.calls)
    assert form.run() is False
    assert "needs a signed-in user" in form.status.value and "AuthForm(client)" in form.status.value
    assert form.confirm_button.layout.display == "none"
    assert form.run(confirmed=True) is False and len(anon.calls) == calls  # nothing was sent
