"""AuthForm driven in plain Python (set .value, .click()) against the live sandbox."""

from __future__ import annotations

import json
import sqlite3
from html.parser import HTMLParser

import ipywidgets as w
import pytest
from authpages import authorize_as, fresh_user

from ipernity_nb.client import Client
from ipernity_nb.errors import IpernityError
from ipernity_nb.tokenstore import TokenStore
from ipernity_nb.widgets.authform import AuthForm


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append({k: v or "" for k, v in attrs})


def link_of(form: AuthForm) -> dict[str, str]:
    p = _Links()
    p.feed(form.link.value)
    assert len(p.links) == 1, form.link.value
    return p.links[0]


def widget_state() -> str:
    """Everything ipywidgets would save into the notebook file."""
    return json.dumps(w.Widget.get_manager_state(drop_defaults=False))


@pytest.fixture(autouse=True)
def _no_env(monkeypatch, tmp_path):
    for var in ("IPERNITY_API_KEY", "IPERNITY_API_SECRET", "IPERNITY_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("IPERNITY_NB_CONFIG_DIR", str(tmp_path / "default-store"))


@pytest.fixture
def store(tmp_path) -> TokenStore:
    return TokenStore(tmp_path / "store")


@pytest.fixture
def bare_client(sandbox, demo_app) -> Client:
    """A client that has the key but not the secret yet (typed into the form)."""
    return Client(demo_app["api_key"], url=sandbox.api_url, site_url=sandbox.url, progress=False)


def _status(form: AuthForm) -> str:
    return form.status.value


def test_empty_form_to_signed_in_then_reuse_then_forget(sandbox, demo_app, bare_client, store) -> None:
    form = AuthForm(bare_client, perms={"doc": "write"}, store=store)
    assert form.token is None and "Not signed in" in _status(form)
    assert form.key.value == demo_app["api_key"] and form.secret.value == ""
    assert form.scopes["doc"].value == "write" and form.scopes["blog"].value == "none"
    assert form.scopes["profile"].options == ("none", "read", "write")
    assert form.complete_button.disabled

    form.secret.value = demo_app["secret"]
    form.scopes["network"].value = "read"
    form.link_button.click()
    # the client holds the secret now, and the field (widget state) no longer does
    assert form.secret.value == "" and bare_client.secret == demo_app["secret"]
    assert demo_app["secret"] not in widget_state()
    link = link_of(form)
    assert link["target"] == "_blank" and link["href"].startswith(sandbox.url + "/apps/authorize?")
    assert "perm_network=read" in link["href"] and "perm_doc=write" in link["href"]
    assert not form.complete_button.disabled and "Complete" in _status(form)

    authorize_as(sandbox.url, link["href"], "alice")
    form.complete_button.click()
    token = form.token
    assert token is not None and token.username == "alice" and token.has("network", "read")
    assert "Signed in as" in _status(form) and "alice" in _status(form) and "write" in _status(form)
    assert bare_client.token == token.token and bare_client.rights["doc"] == "write"
    assert form.link.value == "" and not form.forget_button.disabled
    assert store.load(demo_app["api_key"], "alice") == token
    for text in (repr(form), _status(form), widget_state()):
        assert token.token not in text and demo_app["secret"] not in text
    assert repr(form).startswith("AuthForm(signed in as 'alice'") and "\n" not in repr(form) and len(repr(form)) < 80

    # a new form on a fresh client reuses the saved (and still valid) token
    again = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False)
    form2 = AuthForm(again, store=store)
    assert form2.token == token and again.token == token.token
    assert "Signed in as" in _status(form2) and "saved token" in _status(form2)
    assert form2.scopes["doc"].value == "write"

    form2.forget_button.click()
    assert form2.token is None and again.token is None and again.rights is None
    assert store.load(demo_app["api_key"], "alice") is None
    assert "forgotten" in _status(form2)


def test_env_prefill_hands_secret_to_client(sandbox, demo_app, monkeypatch, store) -> None:
    monkeypatch.setenv("IPERNITY_API_KEY", demo_app["api_key"])
    monkeypatch.setenv("IPERNITY_API_SECRET", demo_app["secret"])
    client = Client(demo_app["api_key"], url=sandbox.api_url, site_url=sandbox.url, progress=False)
    form = AuthForm(client, store=store)
    assert form.key.value == demo_app["api_key"]
    # not left in the field (it would be saved in the notebook): the client holds it
    assert form.secret.value == "" and form.secret.placeholder == "(held by the client)"
    assert client.secret == demo_app["secret"]
    form.link_button.click()
    assert link_of(form)["href"]
    assert demo_app["secret"] not in widget_state() and demo_app["secret"] not in repr(form)


def test_wrong_secret_is_shown_with_what_to_do(sandbox, demo_app, bare_client, store) -> None:
    form = AuthForm(bare_client, store=store)
    form.secret.value = "not-the-secret-1"
    form.link_button.click()
    status = _status(form)
    assert "105" in status and "secret does not match" in status
    assert "not-the-secret-1" not in status and form.link.value == "" and form.complete_button.disabled


def test_wrong_key(sandbox, demo_app, bare_client, store) -> None:
    form = AuthForm(bare_client, store=store)
    form.key.value = "0" * 32
    form.secret.value = demo_app["secret"]
    form.link_button.click()
    assert "101" in _status(form) and "API key is not valid" in _status(form)


def test_network_error_is_shown(demo_app, store) -> None:
    dead = Client(
        demo_app["api_key"],
        demo_app["secret"],
        url="http://127.0.0.1:9/api/",
        site_url="http://127.0.0.1:9",
        timeout=(1.0, 1.0),
        progress=False,
    )
    form = AuthForm(dead, store=store)
    form.link_button.click()
    assert "Could not reach http://127.0.0.1:9/api/" in _status(form) and "TransportError" in _status(form)


def test_no_rights_selected(sandbox, demo_app, bare_client, store) -> None:
    form = AuthForm(bare_client, store=store)
    for dd in form.scopes.values():
        dd.value = "none"
    form.secret.value = demo_app["secret"]
    form.link_button.click()
    assert "at least one right" in _status(form)


def test_complete_too_early_denied_and_expired(sandbox, demo_app, bare_client, store) -> None:
    form = AuthForm(bare_client, store=store)
    form.complete_button.click()  # nothing started yet
    assert "Get authorization link</b> first" in _status(form)

    form.secret.value = demo_app["secret"]
    form.link_button.click()
    form.complete_button.click()  # not approved yet
    assert "code <b>2</b>" in _status(form) and "approve" in _status(form) and form.token is None
    # the pending request still works after approving
    authorize_as(sandbox.url, link_of(form)["href"], "bob")
    form.complete_button.click()
    assert form.token is not None and form.token.username == "bob"

    form.link_button.click()
    authorize_as(sandbox.url, link_of(form)["href"], fresh_user(sandbox), decision="deny")
    form.complete_button.click()
    assert "failed" in _status(form) and "code <b>2</b>" in _status(form)

    form.link_button.click()
    frob = form._flow.started.frob
    authorize_as(sandbox.url, link_of(form)["href"], "carol")
    with sqlite3.connect(sandbox.db_path) as db:
        db.execute("UPDATE frobs SET expires_at = 1 WHERE frob = ?", (frob,))
    form.complete_button.click()
    assert "expired" in _status(form) and "start a new authorization" in _status(form)


def test_revoked_saved_token_is_dropped(sandbox, demo_app, store) -> None:
    from ipernity_nb.auth import Token

    store.save(
        Token("42-deadbeef", user_id=284001, username="alice", api_key=demo_app["api_key"], permissions={"doc": "read"})
    )
    client = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False)
    form = AuthForm(client, store=store)
    assert form.token is None and client.token is None
    assert "107" in _status(form) and "get a new authorization link" in _status(form)
    assert "42-deadbeef" not in _status(form)
    assert store.load(demo_app["api_key"]) is None


def test_approve_as_demo_user(sandbox, demo_app, store) -> None:
    client = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False)
    form = AuthForm(client, perms={"doc": "delete"}, store=store, sandbox_admin_token=sandbox.admin_token)
    token = form.approve_as("dave")
    assert token is not None and token.username == "dave" and token.has("doc", "delete")
    assert form.token == token and "Signed in as" in _status(form)
    assert sandbox.admin_token not in repr(form) and sandbox.admin_token not in widget_state()

    plain = AuthForm(client, store=None, check_saved=False)
    with pytest.raises(IpernityError, match="sandbox"):
        plain.approve_as("dave")
