"""auth.getFrob / getToken / checkToken over a real socket: shapes (json + xml), errors, frob rules."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.control import ControlError

FROB = re.compile(r"^\d+-[0-9a-f]+$")


def frob_of(api, app=None) -> str:
    return api("auth.getFrob", app=app).json()["auth"]["frob"]


def err(r) -> tuple[str, str]:
    a = r.json()["api"]
    return a.get("code"), a.get("message")


def test_get_frob_shapes(api):
    j = api("auth.getFrob").json()
    assert set(j) == {"api", "auth"} and set(j["auth"]) == {"frob"}
    assert FROB.match(j["auth"]["frob"])
    x = ET.fromstring(api("auth.getFrob", fmt="xml").content)
    assert FROB.match(x.find("auth/frob").text)
    assert frob_of(api) != frob_of(api)  # random


def test_get_token_errors(api, sandbox, demo_app):
    assert err(api("auth.getToken")) == ("1", "The frob is missing")
    assert err(api("auth.getToken", frob="1-deadbeef")) == ("2", "The passed frob is either invalid or already used")
    frob = frob_of(api)
    assert err(api("auth.getToken", frob=frob))[0] == "2"  # not approved yet
    # Bound to its app: another key cannot redeem it even once approved.
    other = sandbox.create_app("frob thief")
    sandbox.approve_frob(frob, "alice", {"doc": "read"})
    assert err(api("auth.getToken", frob=frob, app=other))[0] == "2"
    assert api("auth.getToken", frob=frob).json()["api"]["status"] == "ok"
    assert err(api("auth.getToken", frob=frob))[0] == "2"  # single use


def test_get_token_and_check_token_shapes(api, sandbox):
    frob = frob_of(api)
    sandbox.approve_frob(frob, "alice", {"doc": "delete", "profile": "write"})
    j = api("auth.getToken", frob=frob).json()
    auth = j["auth"]
    assert set(auth) == {"token", "permissions", "user"}
    assert FROB.match(auth["token"])
    assert auth["permissions"] == {
        "doc": "delete",
        "blog": "none",
        "post": "none",
        "network": "none",
        "profile": "write",
    }
    assert auth["user"] == {
        "user_id": "284001",
        "username": "alice",
        "realname": auth["user"]["realname"],
        "lg": "en",
        "is_pro": "1",
    }
    token = auth["token"]
    c = api("auth.checkToken", token=token).json()
    assert c["auth"] == auth
    x = ET.fromstring(api("auth.checkToken", fmt="xml", token=token).content)
    assert x.find("auth/token").text == token
    assert x.find("auth/permissions").attrib["doc"] == "delete"
    assert x.find("auth/user").attrib["username"] == "alice" and x.find("auth/user").attrib["is_pro"] == "1"


def test_expired_and_denied_frobs(api, sandbox):
    frob = frob_of(api)
    with sqlite3.connect(sandbox.db_path) as db:
        db.execute("UPDATE frobs SET expires_at = 1 WHERE frob = ?", (frob,))
    with pytest.raises(ControlError, match="expired"):
        sandbox.approve_frob(frob, "bob", {"doc": "read"})
    frob2 = frob_of(api)
    sandbox.approve_frob(frob2, "bob", {"doc": "read"})
    with sqlite3.connect(sandbox.db_path) as db:
        db.execute("UPDATE frobs SET expires_at = 1 WHERE frob = ?", (frob2,))
    assert err(api("auth.getToken", frob=frob2))[0] == "2"


def test_frob_ttl_is_configurable():
    with Sandbox(seed="empty", frob_ttl=5) as sb:
        import requests

        from ipernity_nb.signing import sign

        key, secret = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
        frob = requests.get(sb.api_url + "auth.getFrob", params=sign({"api_key": key}, secret, "auth.getFrob")).json()
        with sqlite3.connect(sb.db_path) as db:
            created, expires = db.execute(
                "SELECT created_at, expires_at FROM frobs WHERE frob = ?", (frob["auth"]["frob"],)
            ).fetchone()
        assert expires - created == 5


def test_tokens_stay_valid_and_are_distinct(api, token_for):
    a, b = token_for("alice"), token_for("alice")
    assert a != b and FROB.match(a)
    for _ in range(3):
        assert api("auth.checkToken", token=a).json()["api"]["status"] == "ok"
