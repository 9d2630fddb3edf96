"""The API dispatcher over a real socket: error codes in the documented order, envelopes, params."""

from __future__ import annotations

import contextlib
import sqlite3
import xml.etree.ElementTree as ET

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from ipernity_nb import catalog
from ipernity_nb.sandbox.registry import HANDLERS, Fault, Text
from ipernity_nb.signing import api_sig, sign


def code(r: requests.Response) -> int | None:
    body = r.json()["api"]
    return int(body["code"]) if body["status"] == "error" else None


def _handled(pred) -> str | None:
    return next((n for n, m in catalog.methods().items() if n in HANDLERS and pred(m)), None)


@contextlib.contextmanager
def swapped(name: str, fn):
    """Run the in-process sandbox with ``fn`` as the handler of ``name`` (restored afterwards)."""
    old = HANDLERS[name]
    HANDLERS[name] = fn
    try:
        yield
    finally:
        HANDLERS[name] = old


# --- the dispatcher's checks, one by one and in order --------------------------------------


def test_100_key_missing(sandbox):
    r = requests.get(sandbox.api_url + "test.hello")
    assert r.status_code == 200 and r.json()["api"] == {
        "status": "error",
        "code": "100",
        "message": "API Key is missing",
    }


def test_101_key_invalid_before_format(sandbox):
    r = requests.get(sandbox.api_url + "test.hello/yaml", params={"api_key": "0" * 32})
    assert code(r) == 101 and r.json()["api"]["message"] == "API Key is invalid"


def test_102_format_before_method(api):
    r = api("no.such.method", fmt="php")
    assert code(r) == 102 and r.json()["api"]["message"] == "Invalid format"
    assert r.headers["Content-Type"].startswith("application/json")


def test_103_method_not_found(api, sandbox, demo_app):
    r = api("doc.getLst")
    assert code(r) == 103 and r.json()["api"]["message"] == "Method not found"
    r = requests.get(sandbox.api_url, params={"api_key": demo_app["api_key"]})
    assert code(r) == 103


def test_103_doc_albums_add_as_live(api, token_for):
    # Listed by the catalog but answered "method not found" by the live service (§8.6).
    r = api("doc.albums.add", http="POST", token=token_for("alice", {"doc": "write"}), doc_id=1, album_id=2)
    assert code(r) == 103


def test_120_post_required_before_signature(api):
    name = _handled(lambda m: m.is_write)
    if name is None:
        pytest.skip("no POST-only method has a handler yet")
    r = api(name, sign_it=False)  # GET, unsigned, no token: 120 comes first
    assert code(r) == 120 and r.json()["api"]["message"] == "HTTP POST required"


def test_104_105_signature(api):
    assert code(api("auth.getFrob", sign_it=False)) == 104
    assert code(api("auth.getFrob", sign_it=False, api_sig="0" * 32)) == 105
    assert api("auth.getFrob").json()["api"]["status"] == "ok"


def test_105_exact_algorithm(sandbox, demo_app):
    # Non-ASCII, spaces, commas, & and = are signed raw (§3.1): what requests encodes must verify.
    params = {"api_key": demo_app["api_key"], "echo": "café au lait, 2 & 3 = 5", "zz": ""}
    base = "api_key" + demo_app["api_key"] + "echocafé au lait, 2 & 3 = 5" + "zz" + "test.echo" + demo_app["secret"]
    import hashlib

    sig = hashlib.md5(base.encode()).hexdigest()
    assert sig == api_sig(params, demo_app["secret"], "test.echo")
    r = requests.get(sandbox.api_url + "test.echo", params={**params, "api_sig": sig, "auth_token": ""})
    assert r.json()["echo"] == "café au lait, 2 & 3 = 5"
    r = requests.get(
        sandbox.api_url + "auth.getFrob", params=sign({"api_key": demo_app["api_key"]}, "wrong", "auth.getFrob")
    )
    assert code(r) == 105
    # The method name is part of the signature: one signed for another method fails.
    wrong = sign({"api_key": demo_app["api_key"]}, demo_app["secret"], "auth.getToken")
    assert code(requests.get(sandbox.api_url + "auth.getFrob", params=wrong)) == 105


def test_106_107_token(api, sandbox, token_for):
    assert code(api("auth.checkToken")) == 106
    assert code(api("auth.checkToken", token="123-abc")) == 107
    # A token from another app's key is invalid with this key.
    other = sandbox.create_app("other app")
    t_other = sandbox.issue_token(other["api_key"], "alice", {"doc": "read"})
    assert code(api("auth.checkToken", token=t_other)) == 107
    assert api("auth.checkToken", token=t_other, app={**other, "name": "x"}).json()["api"]["status"] == "ok"
    # A token on an unsigned request is refused (104) so a leaked token alone is not enough.
    t = token_for("alice")
    assert code(api("test.hello", token=t, sign_it=False)) is None  # auth "none": the token is ignored
    optional = _handled(lambda m: m.auth == "optional" and not m.signed)
    if optional:
        assert code(api(optional, token=t, sign_it=False)) == 104


def test_107_revoked(api, sandbox, token_for):
    t = token_for("bob")
    with sqlite3.connect(sandbox.db_path) as db:
        db.execute("UPDATE tokens SET revoked = 1 WHERE token = ?", (t,))
    assert code(api("auth.checkToken", token=t)) == 107


def test_108_closed_account(api, token_for):
    assert code(api("auth.checkToken", token=token_for("closed_account"))) == 108


def test_110_insufficient_permissions(api, token_for):
    name = _handled(lambda m: m.needs_token and m.permission and m.permission[1] == "write" and not m.is_write)
    name = name or _handled(lambda m: m.permission is not None and not m.is_write)
    if name is None:
        pytest.skip("no handled method declares a permission yet")
    scope, level = catalog.get(name).permission
    weak = {"doc": "none"} if scope != "doc" else {"blog": "read"}
    r = api(name, token=token_for("alice", weak))
    assert code(r) == 110 and r.json()["api"]["message"] == "Insufficient permissions"
    # With the right scope and level, the dispatcher lets the call through (whatever the handler says).
    r = api(name, token=token_for("alice", {scope: level}))
    assert code(r) not in (106, 107, 108, 110)


def test_order_signature_before_token(api):
    # Missing token and bad signature: the signature is checked first (§5.1 order).
    assert code(api("auth.checkToken", sign_it=False, api_sig="f" * 32)) == 105


# --- envelopes ------------------------------------------------------------------------------


def test_json_and_xml_envelopes(api):
    r = api("test.hello")
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.json() == {"api": {"status": "ok"}, "hello": "hello world!"}
    x = api("test.hello", fmt="xml")
    assert x.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(x.content)
    assert root.tag == "api" and root.attrib == {"status": "ok"} and root.find("hello").text == "hello world!"
    e = ET.fromstring(api("test.echo", fmt="xml").content)
    assert e.attrib == {"status": "error", "code": "1", "message": "Nothing was sent"}


def test_no_format_suffix_means_json(sandbox, demo_app):
    r = requests.get(sandbox.api_url + "test.hello", params={"api_key": demo_app["api_key"]})
    assert r.json()["hello"] == "hello world!"


def test_xml_always_well_formed(api):
    nasty = "a<b>&\"c'\x01\x0b\ud7ff\U0001f600 ]]>"
    x = api("test.echo", fmt="xml", echo=nasty, **{"1bad name": "v", "xmlish": "w"})
    root = ET.fromstring(x.content)  # would raise on a malformed document
    assert root.find("echo").text == "a<b>&\"c'\ud7ff\U0001f600 ]]>"  # control characters stripped
    j = api("test.echo", echo=nasty).json()
    assert j["echo"] == nasty  # JSON can carry everything
    # A parameter called "api" cannot break the envelope.
    assert api("test.echo", api="x", echo="y").json() == {"api": {"status": "ok"}, "echo": "y"}
    assert ET.fromstring(api("test.echo", fmt="xml", api="x", echo="y").content).find("api") is None


def test_payload_conventions_render_alike(sandbox, api):
    def fn(ctx):
        return {
            "thing": {
                "id": "7",
                "flag": True,
                "n": 3,
                "description": Text("d <i>"),
                "note": [{"note_id": "1", "content": "hi"}],
                "empty": None,
            },
            "word": Text("w"),
        }

    with swapped("test.hello", fn):
        j = api("test.hello").json()
        x = ET.fromstring(api("test.hello", fmt="xml").content)
    assert j["thing"] == {
        "id": "7",
        "flag": "1",
        "n": "3",
        "description": "d <i>",
        "note": [{"note_id": "1", "content": "hi"}],
    }
    assert j["word"] == "w"
    thing = x.find("thing")
    assert thing.attrib == {"id": "7", "flag": "1", "n": "3"}
    assert thing.find("description").text == "d <i>"
    assert thing.find("note").attrib == {"note_id": "1"} and thing.find("note").text == "hi"


# --- parameters -----------------------------------------------------------------------------


def test_post_urlencoded_and_multipart(sandbox, demo_app):
    data = sign({"api_key": demo_app["api_key"], "echo": "posted"}, demo_app["secret"], "test.echo")
    r = requests.post(sandbox.api_url + "test.echo", data=data)
    assert r.json()["echo"] == "posted"
    # Multipart with a file part: the file is not signed (§3.1) and not echoed as a parameter.
    data = sign({"api_key": demo_app["api_key"], "title": "x"}, demo_app["secret"], "auth.getFrob")
    r = requests.post(sandbox.api_url + "auth.getFrob", data=data, files={"file": ("a.jpg", b"\xff\xd8bytes")})
    assert r.json()["api"]["status"] == "ok"
    data = sign({"api_key": demo_app["api_key"], "echo": "m"}, demo_app["secret"], "test.echo")
    r = requests.post(sandbox.api_url + "test.echo", data=data, files={"file": ("a.jpg", b"x")})
    assert r.json() == {"api": {"status": "ok"}, "echo": "m"}


def test_unknown_params_ignored(api):
    r = api("auth.getFrob", totally_unknown="1", lg="fr")
    assert r.json()["api"]["status"] == "ok"


def test_handler_crash_is_api_500_without_traceback(api):
    def boom(ctx):
        raise ZeroDivisionError("secret internals")

    with swapped("test.hello", boom):
        r = api("test.hello")
        x = api("test.hello", fmt="xml")
    assert r.status_code == 200 and r.json()["api"] == {"status": "error", "code": "500", "message": "Service error"}
    assert "Traceback" not in r.text and "secret internals" not in x.text


def test_failed_call_changes_nothing(api, sandbox):
    def write_then_fail(ctx):
        ctx.db.execute("INSERT INTO meta (key, value) VALUES ('rollback-probe', '1')")
        raise Fault(1, "Document not found")

    def write_then_crash(ctx):
        ctx.db.execute("INSERT INTO meta (key, value) VALUES ('rollback-probe', '2')")
        raise RuntimeError("x")

    for fn in (write_then_fail, write_then_crash):
        with swapped("test.hello", fn):
            assert code(api("test.hello")) in (1, 500)
    with sqlite3.connect(sandbox.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM meta WHERE key = 'rollback-probe'").fetchone()[0] == 0


def test_fault_retry_after_header(api):
    def limited(ctx):
        raise Fault(113, "Client IP Quota Error", retry_after=7)

    with swapped("test.hello", limited):
        r = api("test.hello")
    assert code(r) == 113 and r.headers["Retry-After"] == "7"


def test_media_urls_serve_png(sandbox):
    with sqlite3.connect(sandbox.db_path) as db:
        row = db.execute("SELECT doc_id, secret, farm FROM docs LIMIT 1").fetchone()
    if row is None:
        pytest.skip("the demo seed has no docs yet")
    from ipernity_nb.sandbox.media import media_url

    r = requests.get(media_url(sandbox.url, row[0], row[1], "240", "jpg", row[2]))
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = int.from_bytes(r.content[16:20], "big"), int.from_bytes(r.content[20:24], "big")  # IHDR
    assert max(w, h) <= 240
    sq = requests.get(media_url(sandbox.url, row[0], row[1], "75x", "jpg", row[2])).content
    assert (int.from_bytes(sq[16:20], "big"), int.from_bytes(sq[20:24], "big")) == (75, 75)
    for label in ("75x", "original", "2048"):
        assert requests.get(media_url(sandbox.url, row[0], row[1], label, "jpg", row[2])).status_code == 200
    assert requests.get(media_url(sandbox.url, row[0], row[1], "999", "jpg", row[2])).status_code == 404
    assert requests.get(media_url(sandbox.url, row[0], "deadbeef", "240", "jpg", row[2])).status_code == 404


# --- test.* and api.methods.* ---------------------------------------------------------------


def test_echo_echoes_every_parameter_but_credentials(api):
    j = api("test.echo", echo="Hallo Echo!", other="x", lg="en").json()
    assert j == {"api": {"status": "ok"}, "echo": "Hallo Echo!", "other": "x"}


def test_methods_get_list_from_catalog(api):
    j = api("api.methods.getList").json()
    methods = {m["name"]: m for m in j["methods"]["method"]}
    assert set(methods) == set(catalog.methods())
    for name, m in catalog.methods().items():
        rec = methods[name]
        assert rec["authentication"] == {
            "post": "1" if m.is_write else "0",
            "sign": "1" if m.signed else "0",
            "token": "1" if m.needs_token else "0",
        }
        assert rec.get("permissions") == ({m.permission[0]: m.permission[1]} if m.permission else None)
        assert rec["title"] and rec["service"] == m.service
    x = ET.fromstring(api("api.methods.getList", fmt="xml").content)
    assert len(x.findall("methods/method")) == len(catalog.methods())
    hello = next(e for e in x.findall("methods/method") if e.get("name") == "test.hello")
    assert hello.find("authentication").attrib == {"post": "0", "sign": "0", "token": "0"}
    assert hello.find("title").text == "Hello world!"


def test_methods_get(api):
    j = api("api.methods.get", method="auth.getToken").json()["method"]
    assert j["name"] == "auth.getToken" and j["authentication"]["sign"] == "1"
    assert [p["name"] for p in j["parameters"]["param"]] == ["frob", "extra"]
    assert j["parameters"]["param"][0]["required"] == "1"
    errors = {e["code"]: e["message"] for e in j["errors"]["error"]}
    assert errors["1"] == "The frob is missing" and errors["105"] == "Signature is invalid"
    x = ET.fromstring(api("api.methods.get", fmt="xml", method="doc.search").content)
    assert x.find("method").get("name") == "doc.search"
    assert x.find("method/permissions").attrib == {"doc": "read"}
    assert any(p.get("name") == "per_page" and p.text for p in x.findall("method/parameters/param"))
    r = api("api.methods.get", method="doc.nothing")
    assert code(r) == 1 and r.json()["api"]["message"] == "Method not found"
    assert code(api("api.methods.get")) == 1


# --- malformed values: an API answer, never a 500 -------------------------------------------

_GARBAGE = {"int": "abc", "timestamp": "-1x", "bool": "maybe", "enum": "zzz", "list": ",,;", "file": "x"}
_ALL_RIGHTS = {"doc": "delete", "blog": "delete", "post": "delete", "network": "delete", "profile": "write"}


def _read_methods() -> list[str]:
    return [
        n
        for n, m in catalog.methods().items()
        if n in HANDLERS and not m.is_write and not n.startswith(("auth.", "test."))
    ]


@pytest.mark.parametrize("name", _read_methods())
def test_malformed_values_never_500(api, token_for, name):
    m = catalog.get(name)
    params = {p.name: _GARBAGE.get(p.type, "\x00<&>'\"") for p in m.params or () if p.name != "auth_token"}
    if m.paginated:
        params.update(page="-3", per_page="99999999999999999999999")
    for token in (token_for("alice", _ALL_RIGHTS), None):
        if token is None and m.needs_token:
            continue
        r = api(name, token=token, **params)
        assert r.status_code == 200 and r.json()["api"].get("code") != "500", r.text[:300]
        x = api(name, fmt="xml", token=token, **params)
        assert ET.fromstring(x.content).get("code") != "500"


@settings(max_examples=200, deadline=None)
@given(
    key=st.text(min_size=1, max_size=8).filter(lambda k: k != "api"),  # "api" is the envelope's own element
    attr=st.text(max_size=20),
    text=st.text(max_size=40),
)
def test_render_xml_well_formed_for_any_text(key, attr, text):
    from ipernity_nb.sandbox.registry import XML_ILLEGAL as _ILLEGAL
    from ipernity_nb.sandbox.render import render_ok

    body, _ = render_ok({key: {"a": attr, "t": Text(text), "item": [{"content": text}]}}, "xml")
    root = ET.fromstring(body)  # never raises
    (el,) = list(root)
    expected = _ILLEGAL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    assert (el.find("t").text or "") == expected
    assert el.get("a") == _ILLEGAL.sub("", attr)
