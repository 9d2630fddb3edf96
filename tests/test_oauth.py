"""OAuth 1.0a end to end against the sandbox: request -> consent page -> access -> signed calls,
and the OAuth error codes 130-135 (docs/protocol.md §4.4, §5.1).

The client signs with requests-oauthlib; the sandbox verifies with its own stdlib HMAC-SHA1.
"""

from __future__ import annotations

import logging
import time

import pytest
import requests
from authpages import authorize_as, fresh_user
from requests_oauthlib import OAuth1

from ipernity_nb.client import Client
from ipernity_nb.errors import AuthError, RightsError
from ipernity_nb.oauth import OAuthFlow


@pytest.fixture(scope="module")
def oauth_app(sandbox) -> dict:
    """An app of its own, so nonces and timestamps do not mix with other tests."""
    return sandbox.create_app("OAuth test app", auth="desktop")


@pytest.fixture
def client(sandbox, oauth_app) -> Client:
    return Client(oauth_app["api_key"], oauth_app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False)


def _code(resp: requests.Response) -> int | None:
    body = resp.json()
    return None if body["api"]["status"] == "ok" else int(body["api"]["code"])


def test_oauth_flow_end_to_end(sandbox, client, oauth_app, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="ipernity_nb")
    user = fresh_user(sandbox, "oauth")
    flow = OAuthFlow()
    start = flow.start(client, perms={"doc": "write"})
    assert start.url.startswith(f"{sandbox.url}/apps/oauth/authorize?oauth_token=") and "perm_doc=write" in start.url
    assert start.request_token not in repr(start)
    page = authorize_as(sandbox.url, start.url, user)
    assert 'class="ok"' in page.text
    token = flow.finish()
    assert token.username == user and token.has("doc", "write") and not token.has("doc", "delete")
    assert isinstance(client.auth, OAuth1) and client.rights["doc"] == "write"

    # OAuth-signed calls: GET, and a POST whose form body is part of the signature
    assert client.call("auth.checkToken", auth_token=client.token)["auth"]["user"]["username"] == user
    hello = client.call("test.hello")
    assert hello["hello"] == "hello world!"
    with pytest.raises(RightsError):
        client.call("doc.delete", doc_id=1)
    # the access token works only with OAuth signatures: as an auth_token it is unknown
    plain = Client(oauth_app["api_key"], oauth_app["secret"], token=token.token, url=sandbox.api_url, progress=False)
    with pytest.raises(AuthError) as err:
        plain.call("auth.checkToken", auth_token=token.token)
    assert err.value.code == 107
    assert token.token not in caplog.text and oauth_app["secret"] not in caplog.text


def test_oauth_write_call_is_signed_over_the_body(sandbox, client) -> None:
    flow = OAuthFlow()
    start = flow.start(client, perms={"doc": "write"})
    authorize_as(sandbox.url, start.url, "alice")
    assert flow.finish().username == "alice"
    doc = client.call("doc.getList", per_page=1)["docs"]["doc"][0]  # user_id defaults to the caller
    # POST: the form body is part of the OAuth signature on both sides
    client.call("doc.tags.add", doc_id=int(doc["doc_id"]), keywords="oauthsigned")
    tags = client.call("doc.get", doc_id=int(doc["doc_id"]), extra="tags")["doc"]["tags"]["tag"]
    assert "oauthsigned" in {t["keyword"] for t in tags}


def test_oauth_callback_redirect(sandbox, client) -> None:
    flow = OAuthFlow(callback=f"{sandbox.url}/apps/callback")
    start = flow.start(client, perms={"doc": "read"})
    resp = authorize_as(sandbox.url, start.url, fresh_user(sandbox, "oauthcb"), follow=False)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith(f"{sandbox.url}/apps/callback?oauth_token={start.request_token}")
    assert "oauth_verifier" not in resp.headers["Location"]  # ipernity has no verifier
    assert flow.finish().has("doc", "read")


def test_access_before_approval_and_after_deny(sandbox, client) -> None:
    flow = OAuthFlow()
    start = flow.start(client, perms={"doc": "read"})
    with pytest.raises(AuthError) as err:
        flow.finish()
    assert err.value.code == 107 and "not approved" in str(err.value)
    authorize_as(sandbox.url, start.url, fresh_user(sandbox, "oauthd"), decision="deny")
    with pytest.raises(AuthError) as err:
        flow.finish()
    assert err.value.code == 107


def test_request_step_with_wrong_secret(sandbox, oauth_app) -> None:
    bad = Client(oauth_app["api_key"], "f" * 16, url=sandbox.api_url, site_url=sandbox.url, progress=False)
    with pytest.raises(AuthError) as err:
        OAuthFlow().start(bad, {"doc": "read"})
    assert err.value.code == 105 and "f" * 16 not in str(err.value)


# --- error codes of OAuth-signed API calls ------------------------------------------------------


def _get(sandbox, auth=None, params=None) -> requests.Response:
    return requests.get(f"{sandbox.api_url}test.hello/json", auth=auth, params=params, timeout=10)


def test_code_131_missing_parameters(sandbox, oauth_app) -> None:
    resp = _get(sandbox, params={"oauth_consumer_key": oauth_app["api_key"]})
    assert _code(resp) == 131 and "oauth_nonce" in resp.json()["api"]["message"]


def _unsigned(oauth_app, **over) -> dict:
    p = {
        "oauth_consumer_key": oauth_app["api_key"],
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_signature": "x",
        "oauth_timestamp": str(int(time.time())),
        "oauth_nonce": "n1",
        "oauth_version": "1.0",
    }
    return p | over


def test_codes_130_135_134_before_the_signature(sandbox, oauth_app) -> None:
    assert _code(_get(sandbox, params=_unsigned(oauth_app, oauth_version="2.0"))) == 130
    assert _code(_get(sandbox, params=_unsigned(oauth_app, oauth_signature_method="RSA-SHA1"))) == 135
    # PLAINTEXT is accepted only over HTTPS; the sandbox is plain HTTP
    assert _code(_get(sandbox, params=_unsigned(oauth_app, oauth_signature_method="PLAINTEXT"))) == 135
    assert _code(_get(sandbox, params=_unsigned(oauth_app, oauth_timestamp="yesterday"))) == 134


def test_signed_call_codes(sandbox, oauth_app) -> None:
    key, secret = oauth_app["api_key"], oauth_app["secret"]
    now = int(time.time())
    assert _code(_get(sandbox, OAuth1(key, secret))) is None  # two-legged call is fine
    assert _code(_get(sandbox, OAuth1(key, secret, timestamp=str(now - 3600)))) == 132
    assert _code(_get(sandbox, OAuth1(key, "0" * 16))) == 105
    assert _code(_get(sandbox, OAuth1("0" * 32, secret))) == 101
    assert _code(_get(sandbox, OAuth1(key, secret, "unknown-token", "s"))) == 107
    fixed = OAuth1(key, secret, nonce="same-nonce-1", timestamp=str(now))
    assert _code(_get(sandbox, fixed)) is None
    assert _code(_get(sandbox, fixed)) == 133
    assert _code(_get(sandbox, OAuth1(key, secret, timestamp=str(now - 120)))) == 134  # older than the last one
    # the same call signed in the query string instead of the header is verified too
    assert _code(_get(sandbox, OAuth1(key, secret, signature_type="query"))) is None
