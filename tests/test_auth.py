"""Authorization flows against the live sandbox, through the real login and consent pages."""

from __future__ import annotations

import logging
import sqlite3
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from authpages import authorize_as, fresh_user

from ipernity_nb.auth import (
    DesktopFlow,
    FlowStart,
    FrobError,
    FrobExpiredError,
    FrobNotApprovedError,
    FrobUsedError,
    SandboxApprover,
    Token,
    WebFlow,
    authorize_url,
    check_token,
    client_from_env,
    normalize_perms,
)
from ipernity_nb.client import Client
from ipernity_nb.errors import AuthError, ParameterError, RightsError, TransportError
from ipernity_nb.signing import api_sig
from ipernity_nb.tokenstore import TokenStore

DEMO_WEB_APP = {"api_key": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49", "secret": "0f1e2d3c4b5a6978"}


@pytest.fixture
def client(sandbox, demo_app) -> Client:
    return Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False)


@pytest.fixture
def web_client(sandbox) -> Client:
    try:
        from ipernity_nb.sandbox.seed import DEMO_WEB_APP as app
    except ImportError:
        app = DEMO_WEB_APP
    return Client(app["api_key"], app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False)


# --- Token and URLs (no network) ------------------------------------------------------------


def test_token_levels_repr_and_badge() -> None:
    t = Token("123456-cafe01", user_id=284001, username="alice", realname="Alice", permissions={"doc": "write"})
    assert t.has("doc", "read") and t.has("doc", "write") and not t.has("doc", "delete")
    assert t.has("perm_doc", "write") and not t.has("blog", "read") and t.has("blog", "none")
    assert t.permissions == {"doc": "write", "blog": "none", "post": "none", "network": "none", "profile": "none"}
    assert t.rights == {"doc": "write"}
    assert "123456-cafe01" not in repr(t) and "token=***" in repr(t) and "alice" in repr(t)
    badge = t._repr_html_()
    assert "Alice (alice)" in badge and "write" in badge and "123456" not in badge
    assert Token.from_dict(t.to_dict()) == t


def test_token_from_payload_shapes() -> None:
    live = {
        "auth": {
            "token": "9-ab",
            "permissions": {"doc": "delete", "blog": "none", "post": "read"},
            "user": {"user_id": "284001", "username": "alice", "realname": "Alice A.", "is_pro": "1"},
        }
    }
    doc_sample = {"auth": {"token": "9-ab", "perms": {"doc": "read"}, "user": {"user_id": "5", "username": "x"}}}
    t = Token.from_payload(live, api_key="k")
    assert (t.user_id, t.username, t.is_pro, t.api_key) == (284001, "alice", True, "k")
    assert t.has("doc", "delete") and t.has("post", "read") and not t.has("post", "write")
    assert Token.from_payload(doc_sample).permissions["doc"] == "read"


def test_normalize_perms_rejects_bad_scope_and_level() -> None:
    assert normalize_perms({"perm_doc": "delete"})["doc"] == "delete"
    with pytest.raises(ParameterError, match="scope 'photos'"):
        normalize_perms({"photos": "read"})
    with pytest.raises(ParameterError, match=r"profile:'delete'.*none, read, write"):
        normalize_perms({"profile": "delete"})


def test_authorize_url_reproduces_published_vector() -> None:
    # docs/protocol.md §3.2: signed without a method name
    c = SimpleNamespace(
        api_key="6fa87ba500002712bd4eed6020f3bd72", secret="e9a599f0cf6ce193", site_url="http://www.ipernity.com"
    )
    url = authorize_url(c, {"network": "read"})
    assert url == (
        "http://www.ipernity.com/apps/authorize?api_key=6fa87ba500002712bd4eed6020f3bd72"
        "&perm_network=read&api_sig=da183021cd39461108770b822fcd9398"
    )


def test_authorize_url_needs_secret_and_a_right() -> None:
    c = SimpleNamespace(api_key="k", secret=None, site_url="http://x")
    with pytest.raises(ParameterError, match="IPERNITY_API_SECRET"):
        authorize_url(c, {"doc": "read"})
    c.secret = "s"
    with pytest.raises(ParameterError, match="at least one right"):
        authorize_url(c, {"doc": "none"})


# --- desktop flow ---------------------------------------------------------------------------


def test_desktop_flow_end_to_end(sandbox, client, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="ipernity_nb")  # urllib3 logs raw URLs at DEBUG: not ours
    flow = DesktopFlow()
    start = flow.start(client, perms={"doc": "write", "network": "read"})
    assert isinstance(start, FlowStart)
    parts = urlsplit(start.url)
    assert f"{parts.scheme}://{parts.netloc}" == sandbox.url and parts.path == "/apps/authorize"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["frob"] == start.frob and q["perm_doc"] == "write" and q["perm_network"] == "read"
    assert "perm_blog" not in q
    sig = q.pop("api_sig")
    assert sig == api_sig(q, client.secret)  # no method name (§3.2)
    assert sig not in repr(start) and "***" in repr(start)

    resp = authorize_as(sandbox.url, start.url, "alice")
    assert resp.ok
    token = flow.finish()
    assert (token.username, token.user_id) == ("alice", 284001)
    assert token.has("doc", "write") and token.has("network", "read") and not token.has("doc", "delete")
    assert client.token == token.token and client.rights == token.permissions
    assert client.call("auth.checkToken", auth_token=client.token)["auth"]["user"]["username"] == "alice"
    # the same frob cannot be exchanged twice (code 2)
    with pytest.raises(FrobUsedError) as err:
        flow.finish()
    assert err.value.code == 2 and "single use" in str(err.value) and "start a new authorization" in str(err.value)
    for secret in (token.token, client.secret, sig):
        assert secret not in caplog.text and secret not in str(err.value)


def test_not_yet_approved_then_approved(sandbox, client) -> None:
    flow = DesktopFlow()
    start = flow.start(client, perms={"doc": "read"})
    with pytest.raises(FrobNotApprovedError) as err:
        flow.finish()
    assert err.value.code == 2 and "click approve, then finish again" in str(err.value)
    # still usable once approved: not-yet-approved must not burn the frob
    authorize_as(sandbox.url, start.url, "bob")
    assert flow.finish().username == "bob"


def test_denied(sandbox, client) -> None:
    flow = DesktopFlow()
    start = flow.start(client, perms={"doc": "read"})
    authorize_as(sandbox.url, start.url, fresh_user(sandbox), decision="deny")
    with pytest.raises(FrobNotApprovedError) as err:
        flow.finish()
    assert err.value.code == 2 and "If you clicked deny" in str(err.value)
    assert isinstance(err.value, FrobError) and isinstance(err.value, AuthError)
    assert client.token is None


def test_expired_frob(sandbox, client) -> None:
    flow = DesktopFlow(frob_ttl=0.2)
    start = flow.start(client, perms={"doc": "read"})
    sandbox.approve_frob(start.frob, "alice", {"doc": "read"})
    with sqlite3.connect(sandbox.db_path) as db:  # age the frob on the server side too
        db.execute("UPDATE frobs SET expires_at = 1 WHERE frob = ?", (start.frob,))
    time.sleep(0.3)
    with pytest.raises(FrobExpiredError) as err:
        flow.finish()
    assert err.value.code == 2 and "expired" in str(err.value) and "start a new authorization" in str(err.value)


def test_finish_before_start_and_wrong_secret(sandbox, demo_app) -> None:
    with pytest.raises(ParameterError, match="start"):
        DesktopFlow().finish()
    bad = Client(demo_app["api_key"], "0" * 16, url=sandbox.api_url, site_url=sandbox.url, progress=False)
    with pytest.raises(AuthError) as err:
        DesktopFlow().start(bad, {"doc": "read"})
    assert err.value.code == 105 and "0" * 16 not in str(err.value)


def test_network_error_is_transport_error(demo_app) -> None:
    dead = Client(
        demo_app["api_key"],
        demo_app["secret"],
        url="http://127.0.0.1:9/api/",
        site_url="http://127.0.0.1:9",
        timeout=(1.0, 1.0),
        progress=False,
    )
    with pytest.raises(TransportError):
        DesktopFlow().start(dead, {"doc": "read"})


def test_sandbox_approver(sandbox, client) -> None:
    flow = DesktopFlow()
    start = flow.start(client, perms={"doc": "write"})
    approver = SandboxApprover(sandbox.url, sandbox.admin_token)
    assert sandbox.admin_token not in repr(approver)
    assert approver.approve(start.frob, "dave", {"doc": "write"})["status"] == "approved"
    assert flow.finish().username == "dave"
    with pytest.raises(TransportError, match="401"):
        SandboxApprover(sandbox.url, "wrong").approve(start.frob, "dave")
    with pytest.raises(TransportError, match="already"):
        approver.approve(start.frob, "dave")


# --- web flow -------------------------------------------------------------------------------


def test_web_flow_callback(sandbox, web_client) -> None:
    flow = WebFlow()
    url = flow.authorize_url(web_client, perms={"doc": "read", "profile": "write"})
    assert "frob=" not in url
    resp = authorize_as(sandbox.url, url, "alice", follow=False)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "/apps/callback" in location and "frob=" in location
    token = flow.finish(location)
    assert token.username == "alice" and token.has("profile", "write") and token.has("doc", "read")
    with pytest.raises(FrobUsedError):
        flow.finish(location)  # single use


def test_web_flow_frob_parsing() -> None:
    assert WebFlow.frob_from("http://x/apps/callback?frob=12-ab&x=1") == "12-ab"
    assert WebFlow.frob_from(" 12-ab ") == "12-ab"
    with pytest.raises(ParameterError, match="denied"):
        WebFlow.frob_from("http://x/apps/callback?error=denied")


# --- check_token, rights, credentials -------------------------------------------------------


def test_check_token_sets_rights_and_rights_error(sandbox, client, token_for) -> None:
    client.token = token_for("bob", {"doc": "read"})
    assert client.rights is None
    token = check_token(client)
    assert token.username == "bob" and client.rights["doc"] == "read"
    sent = len(client.calls)
    with pytest.raises(RightsError) as err:
        client.call("doc.tags.add", doc_id=1, keywords="x")
    assert err.value.scope == "doc" and err.value.level == "write"
    assert "perm_doc=write" in str(err.value)  # how to re-authorize
    assert client.token not in str(err.value)
    assert len(client.calls) == sent  # failed before sending


def test_client_check_token_method(client, token_for) -> None:
    client.token = token_for("bob", {"doc": "read", "blog": "write"})
    auth = client.check_token()
    assert auth["user"]["username"] == "bob" and client.rights["blog"] == "write"


def test_check_token_revoked(client) -> None:
    client.token = "123-deadbeef"
    with pytest.raises(AuthError) as err:
        check_token(client)
    assert err.value.code == 107 and "123-deadbeef" not in str(err.value)
    client.token = None
    with pytest.raises(ParameterError, match="no token"):
        check_token(client)


def test_client_from_env_order(sandbox, demo_app, token_for, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("IPERNITY_NB_CONFIG_DIR", str(tmp_path))
    for var in ("IPERNITY_API_KEY", "IPERNITY_API_SECRET", "IPERNITY_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ParameterError, match="IPERNITY_API_KEY"):
        client_from_env()
    monkeypatch.setenv("IPERNITY_API_KEY", demo_app["api_key"])
    monkeypatch.setenv("IPERNITY_API_SECRET", demo_app["secret"])
    monkeypatch.setenv("IPERNITY_API_URL", sandbox.api_url)
    monkeypatch.setenv("IPERNITY_SITE_URL", sandbox.url)

    # 3. the token store (the saved token and its rights)
    saved = check_token(
        Client(
            demo_app["api_key"],
            demo_app["secret"],
            token=token_for("carol", {"doc": "write"}),
            url=sandbox.api_url,
            progress=False,
        )
    )
    TokenStore().save(saved)
    c = client_from_env(progress=False)
    assert c.url == sandbox.api_url and c.token == saved.token and c.rights["doc"] == "write"
    assert client_from_env(user="nobody", progress=False).token is None

    # 2. the environment beats the store
    env_token = token_for("bob", {"doc": "read"})
    monkeypatch.setenv("IPERNITY_AUTH_TOKEN", env_token)
    c = client_from_env(check=True, progress=False)
    assert c.token == env_token and c.rights["doc"] == "read"

    # 1. explicit arguments beat the environment
    c = client_from_env(api_key=demo_app["api_key"], token=saved.token, progress=False)
    assert c.token == saved.token
    assert env_token not in repr(c) and demo_app["secret"] not in repr(c)
