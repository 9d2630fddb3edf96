"""The key's own rules in the one dispatcher: 101 disabled, 111 address, 104 always signed, 105 old secret,
107 revoked, and the order they are checked in (docs/protocol.md §5.1)."""

from __future__ import annotations

import pytest
import requests
from apphelpers import authorize, call, code, form, member, new_key, settings, texts
from authpages import submit


@pytest.fixture()
def owned(sandbox):
    """A signed-in member and a key of theirs: (session, app)."""
    s, _ = member(sandbox)
    return s, new_key(s, sandbox)


def test_disabled_key_answers_101_everywhere(sandbox, owned):
    s, app = owned
    settings(s, sandbox, app["api_key"], active=None)
    for method, signed in (("test.hello", False), ("auth.getFrob", True), ("api.methods.getList", False)):
        assert code(call(sandbox, app, method, signed=signed)) == 101
    assert code(call(sandbox, app, "test.hello", fmt="json", signed=False, api_sig="wrong")) == 101  # before 105
    r = s.get(f"{sandbox.url}/apps/authorize", params={"api_key": app["api_key"], "perm_doc": "read", "api_sig": "x"})
    assert r.status_code == 400 and "101" in r.text
    settings(s, sandbox, app["api_key"], active="1")
    assert call(sandbox, app, "test.hello", signed=False)["hello"] == "hello world!"


def test_always_signed_refuses_unsigned_calls_with_104(sandbox, owned):
    s, app = owned
    assert code(call(sandbox, app, "test.hello", signed=False)) == 0
    settings(s, sandbox, app["api_key"], always_signed="1")
    assert code(call(sandbox, app, "test.hello", signed=False)) == 104
    assert code(call(sandbox, app, "test.echo", signed=False, echo="hi")) == 104
    assert call(sandbox, app, "test.echo", echo="hi")["echo"] == "hi"  # signed: fine
    assert code(call(sandbox, app, "test.hello", signed=False, api_sig="0" * 32)) == 105
    settings(s, sandbox, app["api_key"], always_signed=None)
    assert code(call(sandbox, app, "test.hello", signed=False)) == 0


def test_allowed_addresses_answer_111_elsewhere(sandbox, owned):
    s, app = owned
    settings(s, sandbox, app["api_key"], allowed_ips="10.20.30.0/24 192.0.2.7")
    assert code(call(sandbox, app, "test.hello")) == 111
    settings(s, sandbox, app["api_key"], allowed_ips="10.20.30.0/24 127.0.0.0/8")
    assert call(sandbox, app, "test.hello")["hello"] == "hello world!"
    settings(s, sandbox, app["api_key"], allowed_ips="")
    assert code(call(sandbox, app, "test.hello", signed=False)) == 0


def test_rules_are_checked_in_the_documented_order(sandbox, owned):
    s, app = owned
    # disabled (101) comes before the address (111), the address before the signature (104)
    settings(s, sandbox, app["api_key"], active=None, always_signed="1", allowed_ips="192.0.2.7")
    assert code(call(sandbox, app, "test.hello", signed=False)) == 101
    settings(s, sandbox, app["api_key"], active="1", always_signed="1", allowed_ips="192.0.2.7")
    assert code(call(sandbox, app, "test.hello", signed=False)) == 111
    settings(s, sandbox, app["api_key"], active="1", always_signed="1", allowed_ips="")
    # format (102), method (103) and POST (120) come before the signature (104)
    assert code(call(sandbox, app, "test.hello", signed=False, fmt="json")) == 104
    assert code(call(sandbox, app, "test.hello", signed=False, fmt="php")) == 102
    assert code(call(sandbox, app, "no.such.method", signed=False)) == 103
    assert code(call(sandbox, app, "doc.delete", signed=False, doc_id=1)) == 120


def test_old_secret_answers_105_after_a_new_one(sandbox, owned):
    s, app = owned
    token = authorize(s, sandbox, app)
    page = s.get(f"{sandbox.url}/apps/key/{app['api_key']}")
    fresh = texts(submit(s, page, form(page, "secret"), {}).text)["secret"]
    assert code(call(sandbox, app, "auth.checkToken", auth_token=token)) == 105
    new = {**app, "secret": fresh}
    assert call(sandbox, new, "auth.checkToken", auth_token=token)["auth"]["token"] == token  # tokens survive


def test_revoked_token_answers_107(sandbox, owned):
    s, app = owned
    token = authorize(s, sandbox, app)
    assert code(call(sandbox, app, "auth.checkToken", auth_token=token)) == 0
    page = s.get(f"{sandbox.url}/apps/authorized")
    submit(s, page, form(page, "revoke"), {})
    assert code(call(sandbox, app, "auth.checkToken", auth_token=token)) == 107
    assert code(call(sandbox, app, "test.hello", auth_token=token)) == 0  # auth "none" ignores the token


def test_oauth_signed_calls_obey_the_key_rules(sandbox, owned):
    from requests_oauthlib import OAuth1

    s, app = owned

    def oauth_call() -> int:
        r = requests.get(sandbox.api_url + "test.hello", auth=OAuth1(app["api_key"], app["secret"]), timeout=10)
        return code(r.json())

    assert oauth_call() == 0
    settings(s, sandbox, app["api_key"], always_signed="1")
    assert oauth_call() == 0  # an OAuth signature is a signature
    settings(s, sandbox, app["api_key"], active=None)
    assert oauth_call() == 101
    settings(s, sandbox, app["api_key"], active="1", allowed_ips="192.0.2.7")
    assert oauth_call() == 111
