"""The control plane (/_sandbox/*): Bearer admin token, apps, users, frobs, tokens, reset, status."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.signing import sign

ENDPOINTS = [
    ("GET", "/_sandbox/status"),
    ("POST", "/_sandbox/apps"),
    ("POST", "/_sandbox/users"),
    ("POST", "/_sandbox/tokens"),
    ("POST", "/_sandbox/frobs/123-abc/approve"),
    ("POST", "/_sandbox/reset"),
]


def ctl(sb, method: str, path: str, body: dict | None = None, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {sb.admin_token if token is None else token}"}
    return requests.request(method, sb.url + path, json=body, headers=headers, timeout=60)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_401_without_admin_token(sandbox, method, path):
    r = requests.request(method, sandbox.url + path, json={"seed": "empty"})
    assert r.status_code == 401 and "admin token" in r.json()["error"]
    assert ctl(sandbox, method, path, {"seed": "empty"}, token="wrong").status_code == 401
    r = requests.request(method, sandbox.url + path, headers={"Authorization": sandbox.admin_token})  # no "Bearer"
    assert r.status_code == 401


def test_create_app_and_use_it(sandbox):
    r = ctl(
        sandbox, "POST", "/_sandbox/apps", {"name": "Class app", "auth": "web", "callback": "http://localhost:9/cb"}
    )
    app = r.json()
    assert r.status_code == 200 and len(app["api_key"]) == 32 and len(app["secret"]) == 16
    p = sign({"api_key": app["api_key"]}, app["secret"], "auth.getFrob")
    assert requests.get(sandbox.api_url + "auth.getFrob", params=p).json()["api"]["status"] == "ok"
    assert ctl(sandbox, "POST", "/_sandbox/apps", {"name": "x", "auth": "mobile"}).status_code == 400
    assert ctl(sandbox, "POST", "/_sandbox/apps", {"name": "x", "auth": "web"}).status_code == 400  # no callback


@pytest.fixture(scope="module")
def own_sandbox():
    """A private sandbox: users created here must not change the shared demo data others count."""
    with Sandbox(seed="empty") as sb:
        yield sb


def test_create_user_logs_in_and_joins_groups(own_sandbox):
    sandbox = own_sandbox
    groups = [990001, 990002]
    with sqlite3.connect(sandbox.db_path) as db:
        for gid in groups:
            db.execute("INSERT INTO grp (group_id, title, owner_id, created_at) VALUES (?, 'g', 284001, 0)", (gid,))
    r = ctl(
        sandbox,
        "POST",
        "/_sandbox/users",
        {"username": "student1", "password": "pw1", "realname": "Stu Dent", "is_pro": True, "groups": groups},
    )
    assert r.status_code == 200
    user = r.json()
    assert user["username"] == "student1" and int(user["user_id"]) > 100000
    with sqlite3.connect(sandbox.db_path) as db:
        joined = {r[0] for r in db.execute("SELECT group_id FROM grp_members WHERE user_id = ?", (user["user_id"],))}
        assert db.execute("SELECT is_pro FROM users WHERE username = 'student1'").fetchone()[0] == 1
    assert joined == set(groups)
    assert ctl(sandbox, "POST", "/_sandbox/users", {"username": "student1", "password": "x"}).status_code == 409
    assert (
        ctl(sandbox, "POST", "/_sandbox/users", {"username": "s2", "password": "x", "groups": [1]}).status_code == 404
    )
    # The new member can sign in on the site.
    s = requests.Session()
    s.get(sandbox.url + "/login")
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', s.get(sandbox.url + "/login").text).group(1)
    r = s.post(sandbox.url + "/login", data={"csrf": csrf, "username": "student1", "password": "pw1", "next": "/"})
    assert r.status_code == 200 and "student1" in r.text


def test_approve_frob_and_tokens(sandbox, api, demo_app):
    frob = api("auth.getFrob").json()["auth"]["frob"]
    r = ctl(sandbox, "POST", f"/_sandbox/frobs/{frob}/approve", {"username": "carol", "perms": {"doc": "write"}})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert ctl(sandbox, "POST", f"/_sandbox/frobs/{frob}/approve", {"username": "carol"}).status_code == 409
    tok = api("auth.getToken", frob=frob).json()["auth"]
    assert tok["user"]["username"] == "carol" and tok["permissions"]["doc"] == "write"
    assert ctl(sandbox, "POST", "/_sandbox/frobs/1-ab/approve", {"username": "carol"}).status_code == 404
    frob2 = api("auth.getFrob").json()["auth"]["frob"]
    assert ctl(sandbox, "POST", f"/_sandbox/frobs/{frob2}/approve", {"username": "nobody"}).status_code == 404
    bad = ctl(sandbox, "POST", f"/_sandbox/frobs/{frob2}/approve", {"username": "carol", "perms": {"doc": "all"}})
    assert bad.status_code == 400 and "doc" in bad.json()["error"]
    r = ctl(
        sandbox,
        "POST",
        "/_sandbox/tokens",
        {"api_key": demo_app["api_key"], "username": "dave", "perms": {"network": "read"}},
    )
    token = r.json()["token"]
    check = api("auth.checkToken", token=token).json()["auth"]
    assert check["user"]["username"] == "dave" and check["permissions"]["network"] == "read"


def test_status_reset_and_methods_on_sandbox():
    with Sandbox(seed="empty") as sb:
        r = ctl(sb, "GET", "/_sandbox/status")
        assert r.status_code == 200
        counts = r.json()["counts"]
        assert counts["apps"] == 2 and counts["docs"] == 0 and counts["users"] >= 4
        sb.create_user("zed", "pw")
        assert sb.status()["counts"]["users"] == counts["users"] + 1
        r = ctl(sb, "POST", "/_sandbox/reset", {"seed": "empty"})
        assert r.status_code == 200 and r.json()["counts"]["users"] == counts["users"]  # zed is gone
        assert ctl(sb, "POST", "/_sandbox/reset", {"seed": "nope"}).status_code == 400
        assert ctl(sb, "POST", "/_sandbox/reset", {"seed": "demo", "scale": -1}).status_code == 400
        assert sb.reset("demo", scale=50)["docs"] in (0, 50)  # 0 only while the seed module is a stand-in
        assert sb.status()["seed"] == {"seed": "demo", "scale": 50}
        key = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"
        t = sb.issue_token(key, "alice", {"doc": "read"})
        p = sign({"api_key": key, "auth_token": t}, "a1b2c3d4e5f60718", "auth.checkToken")
        assert requests.get(sb.api_url + "auth.checkToken", params=p).json()["auth"]["user"]["username"] == "alice"


def test_bad_json_body(sandbox):
    r = requests.post(
        sandbox.url + "/_sandbox/apps", data="{nope", headers={"Authorization": f"Bearer {sandbox.admin_token}"}
    )
    assert r.status_code == 400 and "JSON" in r.json()["error"]
