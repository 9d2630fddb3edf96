"""The application pages: get a key, its settings (owner only), the gallery, the linked group, revocation."""

from __future__ import annotations

import requests
from apphelpers import authorize, call, code, form, member, new_key, settings, texts
from authpages import parse, submit

from ipernity_nb.sandbox.seed_help import API_DEV, API_USERS


def test_get_a_key_through_the_form(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox, name="Harvest <b>tool</b>")
    assert len(app["api_key"]) == 32 and len(app["secret"]) == 16
    page = s.get(f"{sandbox.url}/apps/key/{app['api_key']}?created=1")
    assert "created" in texts(page.text) and "Harvest &lt;b&gt;tool&lt;/b&gt;" in page.text  # escaped
    listing = s.get(f"{sandbox.url}/apps/key")
    assert app["api_key"] in texts(listing.text)["keys"]
    assert call(sandbox, app, "test.hello")["hello"] == "hello world!"  # a working key at once


def test_terms_must_be_accepted_and_web_needs_a_callback(sandbox):
    s, _ = member(sandbox)
    page = s.get(f"{sandbox.url}/apps/key")
    f = form(page, "newkey")
    r = s.post(f"{sandbox.url}/apps/key", data=f.fields | {"name": "No terms", "kind": "desktop"})
    assert r.status_code == 400 and "terms" in r.text and "keys" not in texts(r.text)
    r = submit(s, page, f, {"name": "Web", "kind": "web", "terms": "1"})
    assert r.status_code == 400 and "callback" in r.text
    app = new_key(s, sandbox, name="Web", kind="web", callback="https://my.app/cb")
    assert "web" in s.get(f"{sandbox.url}/apps/key/{app['api_key']}").text


def test_key_pages_need_a_login_and_belong_to_their_owner(sandbox):
    owner, _ = member(sandbox)
    app = new_key(owner, sandbox)
    url = f"{sandbox.url}/apps/key/{app['api_key']}"
    anonymous = requests.get(url, allow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/login?next=")
    assert requests.get(f"{sandbox.url}/apps/key", allow_redirects=False).status_code == 303
    other, _ = member(sandbox)
    seen = other.get(url)
    assert seen.status_code == 403 and app["secret"] not in seen.text
    posted = other.post(url, data={"csrf": "x", "action": "new_secret"})
    assert posted.status_code == 403
    assert other.get(url + "/stats.json").status_code == 403
    assert requests.get(url + "/stats.json").status_code == 401
    assert other.get(f"{sandbox.url}/apps/key/{'0' * 32}").status_code == 404
    assert call(sandbox, app, "test.hello")["hello"] == "hello world!"  # the secret did not change


def test_every_form_needs_the_csrf_token(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    for path, data in (
        ("/apps/key", {"name": "x", "kind": "desktop", "terms": "1"}),
        (f"/apps/key/{app['api_key']}", {"action": "new_secret"}),
        (f"/apps/key/{app['api_key']}", {"action": "settings", "name": "x", "active": "1", "always_signed": "1"}),
        ("/apps/authorized", {"api_key": app["api_key"]}),
        ("/logout", {}),
    ):
        for token in (None, "forged"):
            r = s.post(sandbox.url + path, data=data | ({"csrf": token} if token else {}), allow_redirects=False)
            assert r.status_code == 403 and "CSRF" in r.text, (path, token, r.status_code)
    key = texts(s.get(f"{sandbox.url}/apps/key/{app['api_key']}").text)
    assert key["secret"] == app["secret"]  # nothing changed
    assert call(sandbox, app, "test.hello", signed=False)["hello"] == "hello world!"


def test_settings_are_saved_and_validated(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    r = settings(s, sandbox, app["api_key"], name="Renamed", description="Now with maps", allowed_ips="10.0.0.0/8")
    assert r.status_code == 200 and "Settings saved" in r.text
    f = form(r, "settings")
    assert f.fields["name"] == "Renamed" and f.fields["allowed_ips"] == "10.0.0.0/8"
    bad = settings(s, sandbox, app["api_key"], allowed_ips="not-an-address")
    assert bad.status_code == 400 and "not-an-address" in bad.text and "not an IP address" in bad.text
    empty = settings(s, sandbox, app["api_key"], name="   ")
    assert empty.status_code == 400 and "name" in empty.text
    assert form(s.get(f"{sandbox.url}/apps/key/{app['api_key']}"), "settings").fields["name"] == "Renamed"


def test_new_secret_voids_the_old_one(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    page = s.get(f"{sandbox.url}/apps/key/{app['api_key']}")
    r = submit(s, page, form(page, "secret"), {})
    fresh = texts(r.text)["secret"]
    assert fresh != app["secret"] and "105" in r.text
    assert code(call(sandbox, app, "auth.getFrob")) == 105
    assert code(call(sandbox, {**app, "secret": fresh}, "auth.getFrob")) == 0


def test_listed_apps_show_in_the_gallery_with_their_group(sandbox):
    s, _ = member(sandbox, groups=(API_DEV[0],))
    app = new_key(s, sandbox, name="Gallery piece", description="Shows maps of your photos")
    gallery = requests.get(f"{sandbox.url}/apps").text
    assert "Gallery piece" not in gallery and "ipernity_nb demo (desktop)" in gallery  # the seed lists the demo
    public = f"{sandbox.url}/apps/app/{app['api_key']}"
    assert requests.get(public).status_code == 404  # unlisted: not public
    assert s.get(public).status_code == 200  # ... but its owner sees it
    r = settings(s, sandbox, app["api_key"], listed="1", group_id=str(API_DEV[0]), description="Maps")
    assert r.status_code == 200, r.text[:300]
    gallery = requests.get(f"{sandbox.url}/apps").text
    assert "Gallery piece" in gallery and "API dev" in gallery
    page = requests.get(public)
    assert page.status_code == 200 and texts(page.text)["group"].strip() == "API dev"
    assert "Welcome: read this first" in page.text  # the help group's posts
    # a group the member does not belong to cannot be linked
    r = settings(s, sandbox, app["api_key"], listed="1", group_id=str(API_USERS[0]))
    assert r.status_code == 403 and "your own groups" in r.text
    settings(s, sandbox, app["api_key"], listed=None, description="Maps")
    assert "Gallery piece" not in requests.get(f"{sandbox.url}/apps").text


def test_demo_app_is_linked_to_api_users(sandbox, demo_app):
    page = requests.get(f"{sandbox.url}/apps/app/{demo_app['api_key']}")
    assert page.status_code == 200 and texts(page.text)["group"].strip() == "API users"


def test_revoke_an_authorized_application(sandbox):
    dev, _ = member(sandbox)
    app = new_key(dev, sandbox, name="Revocable")
    user, _ = member(sandbox)
    token = authorize(user, sandbox, app)
    assert call(sandbox, app, "auth.checkToken", auth_token=token)["auth"]["user"]
    listed = user.get(f"{sandbox.url}/apps/authorized")
    assert "Revocable" in texts(listed.text)["authorized"] and "doc: read" in listed.text
    r = submit(user, listed, form(listed, "revoke"), {})
    assert r.status_code == 200 and "Revoked: Revocable" in r.text and "authorized" not in texts(r.text)
    assert code(call(sandbox, app, "auth.checkToken", auth_token=token)) == 107
    assert code(call(sandbox, app, "doc.getList", auth_token=token, user_id=1)) == 107
    again = authorize(user, sandbox, app)  # the consent form shows again, and the new token works
    assert again != token and call(sandbox, app, "auth.checkToken", auth_token=again)["auth"]["token"] == again


def test_revoke_ends_tokens_issued_directly_too(sandbox, demo_app):
    user, name = member(sandbox)
    token = sandbox.issue_token(demo_app["api_key"], name, {"doc": "write"})
    page = user.get(f"{sandbox.url}/apps/authorized")
    assert demo_app["name"] in page.text and "doc: write" in page.text
    revoke = next(f for f in parse(page.text).forms if f.name == "revoke")
    assert revoke.fields["api_key"] == demo_app["api_key"]
    submit(user, page, revoke, {})
    assert code(call(sandbox, demo_app, "auth.checkToken", auth_token=token)) == 107
