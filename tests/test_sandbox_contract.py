"""The contract: every catalog method, called in json and xml with arguments from the demo seed,
answers the fields its documentation shows (the catalog's ``response_fields``).

A documented field the sandbox leaves out must be an intentional divergence, listed with its
evidence in docs/sandbox-divergences.md (the table this test reads); a listed divergence that
no longer diverges fails too, so the table stays true. Both formats must parse to answers of
the same shape (the exact JSON <-> XML mirror is tests/test_client.py's and test_envelope.py's).
Over a real loopback socket, through ipernity_nb.Client, on this module's own demo sandbox
(the calls write).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_sandbox_upload import png

from ipernity_nb import Client, catalog
from ipernity_nb.errors import APIError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

DOC = Path(__file__).resolve().parents[1] / "docs" / "sandbox-divergences.md"
ALICE, BOB = 284001, 284002
_ROW = re.compile(r"^\|\s*`([a-zA-Z.]+)`\s*\|\s*`([a-zA-Z_.@]+)`\s*\|")


def divergences() -> dict[str, set[str]]:
    """``{method: {"path@field" or "path"}}`` from the contract table of docs/sandbox-divergences.md."""
    out: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if m := _ROW.match(line):
            out.setdefault(m.group(1), set()).add(m.group(2))
    return out


def missing(payload: dict, fields: dict[str, list[str]]) -> set[str]:
    """Documented paths (``a.b``) and attributes (``a.b@f``) absent from ``payload``.

    A path is followed through lists; an attribute counts as present when any node on its path
    carries it (``parent_id`` is on replies only).
    """
    out = set()
    for path, attrs in fields.items():
        nodes: list[Any] = [payload]
        for key in path.split("."):
            nxt: list[Any] = []
            for n in nodes:
                if isinstance(n, dict) and key in n:
                    v = n[key]
                    nxt.extend(v if isinstance(v, list) else [v])
            nodes = nxt
        if not nodes:
            out.add(path)
            continue
        out.update(f"{path}@{a}" for a in attrs if not any(isinstance(n, dict) and a in n for n in nodes))
    return out


def shape(value: Any) -> Any:
    """The keys of an answer, without values (list items merged), to compare two formats."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: dict = {}
        for item in value:
            s = shape(item)
            if isinstance(s, dict):
                merged.update(s)
        return [merged] if merged else ["str"]
    return "str"


def call(c: Client, name: str, /, **params: Any) -> dict:
    """``c.call`` with numbers sent as the strings a form would send (list parameters need them)."""
    return c.call(name, **{k: str(v) if isinstance(v, (int, float)) else v for k, v in params.items()})


class Seed:
    """Ids picked from the demo seed, and helpers that make fresh targets for destructive calls."""

    def __init__(self, sb: Sandbox, json_client: Client) -> None:
        self.sb = sb
        self.c = json_client
        self.db = sqlite3.connect(sb.db_path, timeout=30)
        docs = self.all("SELECT doc_id FROM docs WHERE owner_id = ? AND share = 4 ORDER BY doc_id", ALICE)
        self.docs = docs  # alice's public docs
        self.doc = self.one(
            "SELECT d.doc_id FROM docs d WHERE d.owner_id = ? AND d.share = 4 AND d.lat IS NOT NULL AND d.media = "
            "'photo' AND EXISTS (SELECT 1 FROM doc_tags t WHERE t.doc_id = d.doc_id) AND EXISTS (SELECT 1 FROM "
            "grp_docs g WHERE g.doc_id = d.doc_id AND g.pending = 0) ORDER BY d.doc_id LIMIT 1",
            ALICE,
        )
        self.video = self.one("SELECT doc_id FROM docs WHERE owner_id = ? AND media = 'video' LIMIT 1", ALICE)
        self.album = self.one(
            "SELECT album_id FROM albums a WHERE owner_id = ? AND EXISTS (SELECT 1 FROM faves_albums f "
            "WHERE f.album_id = a.album_id) AND EXISTS (SELECT 1 FROM folder_albums fa WHERE fa.album_id = "
            "a.album_id) ORDER BY album_id LIMIT 1",
            ALICE,
        )
        self.album_doc = self.one(
            "SELECT doc_id FROM album_docs WHERE album_id = ? ORDER BY position, added_at, doc_id LIMIT 1 OFFSET 1",
            self.album,
        )
        self.folder = self.one("SELECT folder_id FROM folder_albums WHERE album_id = ?", self.album)
        self.group = self.one(
            "SELECT m.group_id FROM grp_members m JOIN grp_docs g ON g.group_id = m.group_id AND g.pending = 0 "
            "WHERE m.user_id = ? AND g.doc_id = ? ORDER BY m.group_id LIMIT 1",
            ALICE,
            self.doc,
        )
        self.group_doc = self.one(
            "SELECT g.doc_id FROM grp_docs g JOIN docs d ON d.doc_id = g.doc_id WHERE g.group_id = ? "
            "AND g.pending = 0 AND d.share = 4 ORDER BY g.added_at DESC LIMIT 1 OFFSET 1",
            self.group,
        )
        self.group_title_word = self.one("SELECT title FROM grp WHERE group_id = ?", self.group).split()[0]
        self.reply = self.one(
            "SELECT c.comment_id FROM comments c JOIN docs d ON d.doc_id = c.doc_id WHERE d.share = 4 AND "
            "c.parent_id IS NOT NULL AND c.parent_id > 0 ORDER BY c.comment_id LIMIT 1"
        )
        self.commented = self.one("SELECT doc_id FROM comments WHERE comment_id = ?", self.reply)
        self.post = self.one(
            "SELECT p.post_id FROM posts p WHERE p.owner_id = ? AND p.share = 4 AND EXISTS (SELECT 1 FROM "
            "post_comments c WHERE c.post_id = p.post_id) AND EXISTS (SELECT 1 FROM post_tags t WHERE "
            "t.post_id = p.post_id) ORDER BY p.post_id LIMIT 1",
            ALICE,
        )
        self.post_comment = self.one("SELECT MIN(comment_id) FROM post_comments WHERE post_id = ?", self.post)
        self.tag = self.one(
            "SELECT t.tag FROM doc_tags x JOIN tags t ON t.tag_id = x.tag_id WHERE x.doc_id = ? LIMIT 1", self.doc
        )
        self.bob_docs = self.all(
            "SELECT doc_id FROM docs d WHERE owner_id = ? AND share = 4 AND NOT EXISTS (SELECT 1 FROM faves_docs f "
            "WHERE f.user_id = ? AND f.doc_id = d.doc_id) ORDER BY doc_id",
            BOB,
            ALICE,
        )
        self.bob_albums = self.all(
            "SELECT album_id FROM albums a WHERE owner_id = ? AND NOT EXISTS (SELECT 1 FROM faves_albums f "
            "WHERE f.user_id = ? AND f.album_id = a.album_id) ORDER BY album_id",
            BOB,
            ALICE,
        )
        special = {self.doc, self.album_doc, self.group_doc, self.commented}
        self.spare = iter([d for d in reversed(docs) if d not in special])  # for calls that change or delete
        # the rich doc, album and post carry every optional block: a note, a member tag, an album,
        # a fave and a visit by bob
        self.new_note()
        call(self.c, "album.docs.add", album_id=self.album, doc_id=self.doc)
        call(self.c, "doc.tags.add", doc_id=self.doc, members=BOB)
        for kind, item, faves in (("doc", self.doc, "faves_docs"), ("album", self.album, "faves_albums")):
            self.db.execute(f"INSERT OR IGNORE INTO {faves} VALUES (?, ?, 1700000000)", (BOB, item))
            self.db.execute("INSERT OR IGNORE INTO visits VALUES (?, ?, ?, 1, 1700000000)", (kind, item, BOB))
        self.db.execute("INSERT OR IGNORE INTO faves_posts VALUES (?, ?, 1700000000)", (BOB, self.post))
        self.db.execute("INSERT OR IGNORE INTO visits VALUES ('post', ?, ?, 1, 1700000000)", (self.post, BOB))
        self.db.commit()
        self.tag_id = self.one("SELECT tag_id FROM tags WHERE tag = ?", self.tag)

    def one(self, sql: str, *args: object) -> Any:
        row = self.db.execute(sql, args).fetchone()
        assert row is not None and row[0] is not None, sql
        return row[0]

    def all(self, sql: str, *args: object) -> list[Any]:
        return [r[0] for r in self.db.execute(sql, args)]

    def spare_doc(self) -> int:
        return int(next(self.spare))

    def new_album(self, *docs: int) -> int:
        docs = docs or (self.spare_doc(),)
        a = int(call(self.c, "album.create", title="contract", cover_id=docs[0])["album"]["album_id"])
        if len(docs) > 1:
            call(self.c, "album.docs.add", album_id=a, doc_id=",".join(map(str, docs)))
        return a

    def new_folder(self, *albums: int) -> int:
        f = int(call(self.c, "folder.create", title="contract")["folder"]["folder_id"])
        if albums:
            call(self.c, "folder.albums.add", folder_id=f, album_id=",".join(map(str, albums)))
        return f

    def new_comment(self) -> int:
        return int(call(self.c, "doc.comments.add", doc_id=self.doc, content="c")["comment"]["comment_id"])

    def new_note(self) -> int:
        return int(call(self.c, "doc.notes.add", doc_id=self.doc, content="n", x=1, y=1, w=9, h=9)["note"]["note_id"])

    def new_post_comment(self) -> int:
        return int(call(self.c, "post.comments.add", post_id=self.post, content="c")["comment"]["comment_id"])

    def frob(self) -> str:
        frob = call(self.c, "auth.getFrob")["auth"]["frob"]
        self.sb.approve_frob(frob, "alice", {"doc": "read"})
        return frob

    def ticket(self) -> str:
        return str(call(self.c, "upload.file", file=png(8, 6, salt=len(self.docs)))["ticket"])


def _md5(k: Seed) -> str:
    return str(k.one("SELECT md5 FROM docs WHERE doc_id = ?", k.doc))


#: The arguments of every catalog method, from the seed (a callable for fresh targets per call).
ARGS: dict[str, Callable[[Seed], dict[str, Any]]] = {
    "account.getQuota": lambda k: {},
    "album.create": lambda k: {"title": "contract", "description": "d", "cover_id": k.doc},
    "album.delete": lambda k: {"album_id": k.new_album()},
    "album.docs.add": lambda k: {"album_id": k.new_album(), "doc_id": k.spare_doc()},
    "album.docs.getContext": lambda k: {"album_id": k.album, "doc_id": k.album_doc},
    "album.docs.getList": lambda k: {"album_id": k.album, "extra": "dates,geo,medias,original,link"},
    "album.docs.remove": lambda k: {"album_id": k.new_album(d := k.spare_doc(), k.spare_doc()), "doc_id": d},
    "album.docs.setList": lambda k: {"album_id": k.new_album(), "doc_ids": (d := k.spare_doc()), "cover_id": d},
    "album.edit": lambda k: {"album_id": k.new_album(), "title": "edited", "cover_id": k.doc},
    "album.get": lambda k: {"album_id": k.album},
    "album.getFaves": lambda k: {"album_id": k.album},
    "album.getList": lambda k: {"user_id": ALICE},
    "album.getVisitors": lambda k: {"album_id": k.album},
    "album.orderList": lambda k: {"album_ids": k.album},
    "album.setPerms": lambda k: {"album_id": k.album, "perm_comment": 5},
    "api.methods.get": lambda k: {"method": "doc.get"},
    "api.methods.getList": lambda k: {},
    "auth.checkToken": lambda k: {},
    "auth.getFrob": lambda k: {},
    "auth.getToken": lambda k: {"frob": k.frob()},
    "doc.checkMD5": lambda k: {"md5": f"{_md5(k)},{'0' * 32}"},
    "doc.comments.add": lambda k: {"doc_id": k.doc, "content": "contract"},
    "doc.comments.delete": lambda k: {"comment_id": k.new_comment()},
    "doc.comments.edit": lambda k: {"comment_id": k.new_comment(), "content": "edited"},
    "doc.comments.get": lambda k: {"comment_id": k.reply},
    "doc.comments.getList": lambda k: {"doc_id": k.commented},
    "doc.comments.reply": lambda k: {"comment_id": k.reply, "content": "reply"},
    "doc.delete": lambda k: {"doc_id": k.spare_doc()},
    "doc.get": lambda k: {"doc_id": k.doc, "extra": "tags,notes,geo,md5"},
    "doc.getContainers": lambda k: {"doc_id": k.doc},
    "doc.getContext": lambda k: {"doc_id": k.doc},
    "doc.getExif": lambda k: {"doc_id": k.doc},
    "doc.getFaves": lambda k: {"doc_id": k.doc},
    "doc.getList": lambda k: {"user_id": ALICE},
    "doc.getMedias": lambda k: {"doc_id": k.video},
    "doc.getPerms": lambda k: {"doc_id": k.doc},
    "doc.getVisitors": lambda k: {"doc_id": k.doc},
    "doc.notes.add": lambda k: {"doc_id": k.doc, "content": "n", "x": 1, "y": 1, "w": 9, "h": 9},
    "doc.notes.delete": lambda k: {"note_id": k.new_note()},
    "doc.notes.edit": lambda k: {"note_id": k.new_note(), "content": "m", "x": 2, "y": 2, "w": 9, "h": 9},
    "doc.search": lambda k: {"text": k.tag, "extra": "owner,dates,count,license,medias,geo,original"},
    "doc.set": lambda k: {"doc_id": k.spare_doc(), "title": "contract", "description": "d"},
    "doc.setGeo": lambda k: {"doc_id": k.spare_doc(), "lat": 45.5, "lng": 4.5},
    "doc.setLicense": lambda k: {"doc_id": k.spare_doc(), "license": 1},
    "doc.setPerms": lambda k: {"doc_id": k.spare_doc(), "is_public": 1, "is_family": 0, "is_friend": 0},
    "doc.setSafety": lambda k: {"doc_id": k.spare_doc(), "safety": 1},
    "doc.tags.add": lambda k: {"doc_id": k.doc, "keywords": "contract"},
    "doc.tags.edit": lambda k: {"doc_id": k.spare_doc(), "keywords": "one,two"},
    "doc.tags.getList": lambda k: {"doc_id": k.doc},
    "doc.tags.remove": lambda k: {"doc_id": (d := k.spare_doc()), "type": "keyword", "id": _tag_id(k, d)},
    "explore.docs.getPopular": lambda k: {"extra": "owner"},
    "explore.docs.getRecent": lambda k: {"extra": "owner"},
    "explore.docs.homepage": lambda k: {"extra": "owner"},
    "explore.groups.getRandom": lambda k: {},
    "faves.albums.add": lambda k: {"album_id": k.bob_albums.pop()},
    "faves.albums.getList": lambda k: {"user_id": ALICE},
    "faves.albums.remove": lambda k: _faved(k, "faves.albums.add", "album_id", k.bob_albums.pop()),
    "faves.docs.add": lambda k: {"doc_id": k.bob_docs.pop()},
    "faves.docs.getList": lambda k: {"user_id": ALICE},
    "faves.docs.remove": lambda k: _faved(k, "faves.docs.add", "doc_id", k.bob_docs.pop()),
    "folder.albums.add": lambda k: {"folder_id": k.new_folder(k.new_album()), "album_id": k.new_album()},
    "folder.albums.getList": lambda k: {"folder_id": k.folder},
    "folder.albums.remove": lambda k: {"folder_id": k.new_folder(a := k.new_album(), k.new_album()), "album_id": a},
    "folder.create": lambda k: {"title": "contract", "description": "d"},
    "folder.delete": lambda k: {"folder_id": k.new_folder(k.new_album())},
    "folder.edit": lambda k: {"folder_id": k.new_folder(k.new_album()), "title": "edited"},
    "folder.get": lambda k: {"folder_id": k.folder},
    "folder.getList": lambda k: {"user_id": ALICE},
    "folder.orderList": lambda k: {"folder_ids": k.folder},
    "group.docs.add": lambda k: {"group_id": k.group, "doc_id": k.spare_doc()},
    "group.docs.getContext": lambda k: {"group_id": k.group, "doc_id": k.group_doc},
    "group.docs.getList": lambda k: {"group_id": k.group},
    "group.docs.remove": lambda k: _pooled(k),
    "group.get": lambda k: {"group_id": k.group},
    "group.getList": lambda k: {"user_id": ALICE},
    "group.search": lambda k: {"text": k.group_title_word},
    "network.autocomplete": lambda k: {"query": "b"},
    "network.docs.getRecent": lambda k: {},
    "network.getList": lambda k: {"extra": "realname,count,location"},
    "post.comments.add": lambda k: {"post_id": k.post, "content": "contract"},
    "post.comments.delete": lambda k: {"comment_id": k.new_post_comment()},
    "post.comments.edit": lambda k: {"comment_id": k.new_post_comment(), "content": "edited"},
    "post.comments.get": lambda k: {"comment_id": k.post_comment},
    "post.comments.getList": lambda k: {"post_id": k.post},
    "post.comments.reply": lambda k: {"comment_id": k.post_comment, "content": "reply"},
    "post.get": lambda k: {"post_id": k.post, "extra": "tags"},
    "post.getContext": lambda k: {"post_id": k.post},
    "post.getFaves": lambda k: {"post_id": k.post},
    "post.getList": lambda k: {"user_id": ALICE},
    "post.getVisitors": lambda k: {"post_id": k.post},
    "post.search": lambda k: {"user_id": ALICE},
    "post.set": lambda k: {"title": "contract", "content": "c"},
    "tags.docs.getList": lambda k: {"type": "keyword", "id": k.tag_id},
    "tags.user.getList": lambda k: {"user_id": ALICE, "type": "keyword"},
    "tags.user.getPopular": lambda k: {"user_id": ALICE, "type": "keyword"},
    "test.echo": lambda k: {"echo": "contract"},
    "test.hello": lambda k: {},
    "upload.checkTickets": lambda k: {"tickets": k.ticket()},
    "upload.file": lambda k: {"file": png(8, 6, salt=7), "title": "contract"},
    "upload.replace": lambda k: {"doc_id": k.spare_doc(), "file": png(8, 6, salt=9)},
    "user.get": lambda k: {"user_id": BOB},
}
#: Methods the live service answers with an API error (the sandbox answers the same code).
ERRORS = {"doc.albums.add": 103}


def _tag_id(k: Seed, doc_id: int) -> str:
    call(k.c, "doc.tags.add", doc_id=doc_id, keywords="contractremove")
    return str(k.one("SELECT tag_id FROM tags WHERE tag = 'contractremove'"))


def _faved(k: Seed, add: str, key: str, item: int) -> dict[str, Any]:
    call(k.c, add, **{key: item})
    return {key: item}


def _pooled(k: Seed) -> dict[str, Any]:
    d = k.spare_doc()
    call(k.c, "group.docs.add", group_id=k.group, doc_id=d)
    return {"group_id": k.group, "doc_id": d}


@pytest.fixture(scope="module")
def world():
    with Sandbox(seed="demo", upload_delay=0) as sb:
        perms = {"doc": "delete", "blog": "delete", "post": "delete", "network": "write", "profile": "write"}
        token = sb.issue_token(APP["api_key"], "alice", perms)
        clients = {
            fmt: Client(
                APP["api_key"],
                APP["secret"],
                token=token,
                url=sb.api_url,
                site_url=sb.url,
                format=fmt,
                progress=False,
                retries=False,
            )
            for fmt in ("json", "xml")
        }
        yield Seed(sb, clients["json"]), clients


def test_every_catalog_method_has_arguments():
    assert sorted(ARGS.keys() | ERRORS.keys()) == sorted(catalog.method_names())
    assert len(catalog.method_names()) == 102


@pytest.mark.parametrize("method", sorted(catalog.method_names()))
def test_contract(world, method):
    seed, clients = world
    spec = catalog.get(method)
    if method in ERRORS:
        for c in clients.values():
            with pytest.raises(APIError) as info:
                c.call(method)
            assert info.value.code == ERRORS[method]
        return
    answers = {fmt: call(c, method, **ARGS[method](seed)) for fmt, c in clients.items()}
    assert shape(answers["json"]) == shape(answers["xml"])
    fields = spec.response_fields or {}
    roots = spec.response_root
    allowed = divergences().get(method, set())
    for fmt, payload in answers.items():
        gone = missing(payload, fields) | {r for r in roots if r not in payload and r not in allowed}
        assert gone <= allowed, f"{method} ({fmt}) lacks documented fields {sorted(gone - allowed)}"
        assert allowed <= gone, f"{method} ({fmt}) now answers {sorted(allowed - gone)}: update the table"


def _wrappers(value: Any) -> list[dict]:
    """Every object of an answer that carries ``per_page`` (a page wrapper)."""
    if isinstance(value, list):
        return [w for v in value for w in _wrappers(v)]
    if not isinstance(value, dict):
        return []
    own = [value] if "per_page" in value else []
    return own + [w for v in value.values() for w in _wrappers(v)]


@pytest.mark.parametrize("method", [m for m in catalog.method_names() if catalog.get(m).param("page")])
def test_every_paged_list_carries_pages(world, method):
    """A live uploader reads ``int(albums["pages"])`` on every connection: every paged list has it."""
    seed, clients = world
    answer = call(clients["json"], method, **ARGS[method](seed), per_page=2)
    wrappers = _wrappers(answer)
    assert wrappers, f"{method} answered no page wrapper"
    for w in wrappers:
        assert int(w["pages"]) == -(-int(w["total"]) // int(w["per_page"])), w


def test_divergence_table_names_catalog_methods():
    table = divergences()
    assert table, "docs/sandbox-divergences.md has no contract table"
    assert set(table) <= set(catalog.method_names())
