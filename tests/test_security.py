"""Security across the whole catalog, and the client's defences (gaps left by the sandbox tests).

Already covered elsewhere (not repeated): CSRF on login/consent and cookie flags
(test_sandbox_site.py), single-use app-bound frobs (test_sandbox_auth.py), control plane 401
(test_sandbox_control.py), the exposed-host warning (test_sandbox_server.py), single-method
106/107/110 checks (test_sandbox_protocol.py). Here: every method of the catalog, foreign data,
cross-app tokens, default loopback binding, hostile XML in the client, and timeouts on every path.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ipernity_nb import Client, catalog
from ipernity_nb.envelope import parse
from ipernity_nb.errors import CODES, ServerError, TransportError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.signing import sign

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
ALICE = 284001
LEVELS = ("none", "read", "write", "delete")


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="demo") as s:
        yield s


@pytest.fixture(scope="module")
def raw(sb):
    session = requests.Session()

    def call(method: str, token: str | None = None, app: tuple[str, str] = (KEY, SECRET), **params) -> dict:
        m = catalog.get(method)
        p: dict[str, object] = {"api_key": app[0], **params}
        if token:
            p["auth_token"] = token
        data = sign(p, app[1], method)
        url = f"{sb.api_url}{method}/json"
        r = (
            session.post(url, data=data, timeout=10)
            if m.is_write or m.http == "POST"
            else session.get(url, params=data, timeout=10)
        )
        assert r.status_code == 200, (method, r.status_code)
        return r.json()["api"]

    yield call
    session.close()


def code(api: dict) -> int | None:
    return None if api["status"] == "ok" else int(api["code"])


def row(sb, sql: str, *args):
    with sqlite3.connect(sb.db_path) as db:
        return db.execute(sql, args).fetchall()


# --- every method: 106 without a token, 110 with too few rights -------------------------------

#: The live service answers 103 to doc.albums.add (docs/protocol.md; test_sandbox_protocol.py): no auth step.
LIVE_103 = {"doc.albums.add"}
NEEDS_TOKEN = sorted(n for n, m in catalog.methods().items() if m.needs_token and n not in LIVE_103)
WITH_LEVEL = sorted(n for n in NEEDS_TOKEN if catalog.get(n).permission and catalog.get(n).permission[1] != "none")


@pytest.mark.parametrize("method", NEEDS_TOKEN)
def test_no_token_is_106_for_every_method_that_needs_one(raw, method):
    assert code(raw(method)) == 106


@pytest.fixture(scope="module")
def weak_tokens(sb):
    """scope -> level -> a bob token granting just below that level in that scope (other scopes: full)."""
    out: dict[tuple[str, str], str] = {}
    for n in WITH_LEVEL:
        scope, level = catalog.get(n).permission
        below = LEVELS[LEVELS.index(level) - 1]
        if (scope, level) not in out:
            perms = {
                s: ("write" if s == "profile" else "delete") for s in ("doc", "blog", "post", "network", "profile")
            }
            perms[scope] = below
            out[(scope, level)] = sb.issue_token(KEY, "bob", perms)
    return out


@pytest.mark.parametrize("method", WITH_LEVEL)
def test_insufficient_rights_is_110_for_every_method(raw, weak_tokens, method):
    scope, level = catalog.get(method).permission
    api = raw(method, token=weak_tokens[(scope, level)])
    assert code(api) == 110, (method, scope, level, api)


def test_token_of_one_app_is_useless_with_another_apps_key(sb, raw):
    other = sb.create_app("another app")
    token = sb.issue_token(KEY, "alice", {"doc": "delete"})
    app_b = (other["api_key"], other["secret"])
    assert code(raw("auth.checkToken", token=token)) is None  # valid with its own app ...
    assert code(raw("auth.checkToken", token=token, app=app_b, auth_token=token)) == 107  # ... not with B's key
    doc = row(sb, "SELECT min(doc_id) FROM docs WHERE owner_id = ?", ALICE)[0][0]
    assert code(raw("doc.set", token=token, app=app_b, doc_id=doc, title="stolen")) == 107
    assert code(raw("doc.getList", token=token, app=app_b, user_id=ALICE)) == 107
    assert row(sb, "SELECT title FROM docs WHERE doc_id = ?", doc)[0][0] != "stolen"


# --- foreign data: bob, with every right, cannot touch alice's things ------------------------


def _alice_things(sb) -> dict[str, int]:
    one = lambda sql: row(sb, sql, ALICE)[0][0]  # noqa: E731
    return {
        "doc": one("SELECT min(doc_id) FROM docs WHERE owner_id = ?"),
        "private_doc": one("SELECT min(doc_id) FROM docs WHERE owner_id = ? AND share = 0")
        or one("SELECT max(doc_id) FROM docs WHERE owner_id = ?"),
        "album": one("SELECT min(album_id) FROM albums WHERE owner_id = ?"),
        "folder": one("SELECT min(folder_id) FROM folders WHERE owner_id = ?"),
        "post": one("SELECT min(post_id) FROM posts WHERE owner_id = ?"),
        "comment": one(
            "SELECT min(c.comment_id) FROM comments c JOIN docs d ON d.doc_id = c.doc_id "
            "WHERE c.user_id = ?1 AND d.owner_id = ?1"
        ),
        "note": one("SELECT min(n.note_id) FROM notes n JOIN docs d ON d.doc_id = n.doc_id WHERE d.owner_id = ?"),
    }


def _owner_only_calls(t: dict[str, int], bob_doc: int) -> list[tuple[str, dict]]:
    return [
        ("doc.set", {"doc_id": t["doc"], "title": "pwned"}),
        ("doc.set", {"doc_id": t["private_doc"], "title": "pwned"}),
        ("doc.setGeo", {"doc_id": t["doc"], "lat": 1, "lng": 1}),
        ("doc.setLicense", {"doc_id": t["doc"], "license": 0}),
        ("doc.setPerms", {"doc_id": t["doc"], "share": 0}),
        ("doc.delete", {"doc_id": t["doc"]}),
        ("doc.delete", {"doc_id": t["private_doc"]}),
        ("doc.notes.edit", {"note_id": t["note"], "content": "x", "x": 1, "y": 1, "w": 5, "h": 5}),
        ("doc.notes.delete", {"note_id": t["note"]}),
        ("doc.comments.edit", {"comment_id": t["comment"], "content": "pwned"}),
        ("album.edit", {"album_id": t["album"], "title": "pwned"}),
        ("album.delete", {"album_id": t["album"]}),
        ("album.setPerms", {"album_id": t["album"], "perm_comment": 0}),
        ("album.docs.add", {"album_id": t["album"], "doc_id": bob_doc}),
        ("album.docs.remove", {"album_id": t["album"], "doc_id": t["doc"]}),
        ("album.docs.setList", {"album_id": t["album"], "doc_ids": bob_doc, "cover_id": bob_doc}),
        ("folder.edit", {"folder_id": t["folder"], "title": "pwned"}),
        ("folder.delete", {"folder_id": t["folder"]}),
        ("post.set", {"post_id": t["post"], "title": "pwned", "content": "pwned"}),
    ]


def _alice_snapshot(sb) -> list:
    return [
        row(sb, "SELECT * FROM docs WHERE owner_id = ? ORDER BY doc_id", ALICE),
        row(sb, "SELECT * FROM albums WHERE owner_id = ? ORDER BY album_id", ALICE),
        row(
            sb,
            "SELECT * FROM album_docs WHERE album_id IN (SELECT album_id FROM albums WHERE owner_id = ?) ORDER BY 1, 2",
            ALICE,
        ),
        row(sb, "SELECT * FROM folders WHERE owner_id = ? ORDER BY folder_id", ALICE),
        row(sb, "SELECT * FROM posts WHERE owner_id = ? ORDER BY post_id", ALICE),
        row(sb, "SELECT comment_id, content FROM comments WHERE user_id = ? ORDER BY 1", ALICE),
        row(sb, "SELECT * FROM notes ORDER BY note_id"),
    ]


def test_foreign_data_is_refused_with_a_documented_code(sb, raw):
    bob = sb.issue_token(KEY, "bob", {"doc": "delete", "blog": "delete", "post": "delete"})
    things = _alice_things(sb)
    assert all(things.values()), things  # the demo seed has one of each
    bob_doc = row(sb, "SELECT min(doc_id) FROM docs WHERE owner_id = 284002")[0][0]
    before = _alice_snapshot(sb)
    for method, params in _owner_only_calls(things, bob_doc):
        m = catalog.get(method)
        got = code(raw(method, token=bob, **params))
        allowed = {c for c, _ in m.errors} | set(range(1, 10)) | {109, 110}
        assert got is not None, f"{method}{params} let bob change alice's data"
        assert (got in allowed and got in CODES) or got < 100, (method, got)
    assert _alice_snapshot(sb) == before


# --- the server itself ---------------------------------------------------------------------------


def _outside_address() -> str | None:
    """This machine's non-loopback address (no packet is sent), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET: routing decision only
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def test_binds_to_loopback_by_default(sb):
    assert sb.url.startswith("http://127.0.0.1:")
    host, port = sb._server.socket.getsockname()[:2]
    assert host == "127.0.0.1"
    outside = _outside_address()
    if outside is None:
        pytest.skip("no non-loopback interface to probe from")
    with socket.socket() as s:
        s.settimeout(2)
        with pytest.raises(OSError):
            s.connect((outside, port))  # not reachable from the network side


# --- the client's defences -----------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
    '<api status="ok"><hello>&lol9;</hello></api>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE api [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<api status="ok"><hello>&x;</hello></api>'
)


class Hostile:
    """A loopback server answering a fixed body (what a hostile or broken endpoint could send)."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def app(self, request: Request) -> Response:
        return Response(self.body, mimetype="text/xml")

    def __enter__(self) -> Hostile:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_client_refuses_entity_tricks(body):
    start = time.monotonic()
    with pytest.raises(ServerError, match="forbidden constructs"):
        parse(body, "xml", "test.hello")
    with Hostile(body) as h:
        c = Client(KEY, SECRET, url=h.url, format="xml", retries=0)
        with pytest.raises(ServerError) as info:
            c.call("test.hello")
    assert "forbidden constructs" in str(info.value) and "root:" not in str(info.value)
    assert time.monotonic() - start < 5  # no exponential expansion happened


@pytest.fixture
def silent_port():
    """A socket that accepts connections (kernel backlog) but never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


@pytest.mark.parametrize(
    ("method", "params"),
    [("test.hello", {}), ("doc.set", {"doc_id": 1, "title": "x"}), ("upload.file", {"file": b"\x89PNG fake"})],
    ids=["GET", "POST", "upload"],
)
def test_every_request_path_has_a_timeout(silent_port, method, params):
    c = Client(KEY, SECRET, url=f"http://127.0.0.1:{silent_port}/api/", token="1-x", timeout=(1.0, 0.3), retries=1)
    start = time.monotonic()
    with pytest.raises(TransportError, match=r"within|MAY OR MAY NOT"):
        c.call(method, **params)
    assert time.monotonic() - start < 3.0


def _http_calls_without_timeout() -> list[str]:
    """Every requests call in the client side of the package (AST scan) that lacks ``timeout=``."""
    import ast
    from pathlib import Path

    import ipernity_nb

    root = Path(ipernity_nb.__file__).parent
    missing = []
    for path in root.rglob("*.py"):
        if "sandbox" in path.parts:
            continue  # the server side makes no outgoing requests
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in {"get", "post", "put", "delete", "head", "request", "send"}:
                continue
            owner = ast.unparse(node.func.value)
            if owner != "requests" and "session" not in owner.lower():
                continue
            if any(k.arg is None for k in node.keywords):
                continue  # a wrapper forwarding **kwargs (the caller's timeout included)
            if not any(k.arg == "timeout" for k in node.keywords):
                missing.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node.func)}")
    return missing


def test_every_http_call_in_the_package_passes_a_timeout():
    """Uploads, downloads (backup), OAuth and control-plane calls included: none may wait forever."""
    assert _http_calls_without_timeout() == []
