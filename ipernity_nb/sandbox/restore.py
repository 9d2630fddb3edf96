"""Load an archive written by ``backup()`` into the sandbox as one member's account.

So a class can study a real account with no internet: the archive's docs (title,
description, dates, licence, privacy, permissions, geo, MD5, visits), keyword and member
tags, notes, comments, albums (order and cover), group pools and original files come back
as sandbox rows, and the API answers about them as it did online. The member keeps their
user id and name and gets the demo password (``demo``); commenters, taggers and note
authors become members of their own (they cannot sign in: their password is random).

What an archive does not hold, the loaded account does not have (docs/protocol.md §6.4):
who faved a doc (``count.faves`` is 0), other members' visit dates (``count.last_visit``
is the member's own last visit), other members' docs in a group pool (a group's ``docs``
counts this member's docs only). Thumbnails are the sandbox's generated images; originals
are the archived bytes. Docs, albums and notes already in the sandbox with the same ids are
replaced, so loading again is safe.

Only the standard library reads the archive (the sandbox imports no pandas): ``docs/*.json``
and ``albums.json``, written by :mod:`ipernity_nb.backup`, and ``files/*``.

Example:
    >>> from ipernity_nb.sandbox.state import State
    >>> st = State(None, seed="empty")
    >>> with st.transaction(write=True) as db:
    ...     load_backup(db, "no-such-folder")
    Traceback (most recent call last):
    ...
    ipernity_nb.errors.ControlError: no archive at 'no-such-folder': ...
    >>> st.close()
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ControlError
from .seed import DEMO_PASSWORD
from .state import hash_password

__all__ = ["MAX_FILE_BYTES", "load_backup"]

#: Largest original loaded into the database (a video archive can hold bigger ones: skipped).
MAX_FILE_BYTES = 512 * 1024 * 1024
_MEDIA = ("photo", "video", "audio", "other")
#: ``/<farm>/<dd>/<dd>/<doc_id>.<secret>.<label>.<ext>``: the live shape and the sandbox's (§6.5).
_MEDIA_PATH = re.compile(r"/(\d+)/\d\d/\d\d/(\d+)\.([0-9a-f]+)\.[0-9a-z]+\.[0-9a-z]+$")


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _records(root: Path) -> Iterator[tuple[int, dict]]:
    docs = root / "docs"
    if not docs.is_dir():
        raise ControlError(
            f"no archive at {os.fspath(root)!r}: expected the folder backup() writes (docs/*.json, files/, "
            "albums.json); run ipn.backup(client, folder) first"
        )
    for path in sorted(docs.glob("*.json"), key=lambda p: _int(p.stem, -1)):
        if not path.stem.isdigit():
            continue
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
            doc = rec["doc"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ControlError(f"{path} is not a backup record ({type(exc).__name__}); re-run backup()") from None
        yield int(path.stem), rec | {"doc": doc}


def _names(records: list[tuple[int, dict]]) -> dict[int, str]:
    """Every member's name the archive shows anywhere (a tagger is named only on their comment)."""
    out: dict[int, str] = {}
    for _, rec in records:
        d = rec["doc"]
        owner = d.get("owner") or {}
        pairs = [(owner.get("user_id"), owner.get("username"))]
        pairs += [(c.get("user_id"), c.get("username")) for c in _list(rec.get("comments"))]
        pairs += [(n.get("user_id"), n.get("username")) for n in _list((d.get("notes") or {}).get("note"))]
        pairs += [(n.get("member_id"), n.get("membername")) for n in _list((d.get("notes") or {}).get("note"))]
        tags = _list((d.get("tags") or {}).get("tag"))
        pairs += [(t.get("member_id"), t.get("title")) for t in tags if t.get("type") == "member"]
        for uid, name in pairs:
            if _int(uid) > 0 and name:
                out.setdefault(_int(uid), str(name))
    return out


class _Loader:
    def __init__(self, db: sqlite3.Connection, root: Path, names: Mapping[int, str]) -> None:
        self.db, self.root, self.names = db, root, names
        self.owner_id: int | None = None
        self.stats = {"docs": 0, "files": 0, "tags": 0, "notes": 0, "comments": 0, "albums": 0, "groups": 0}

    # --- members ------------------------------------------------------------------------

    def member(self, user_id: Any, username: Any = "", realname: Any = "", password: str | None = None) -> int:
        """The sandbox member for an archived user id, created when missing."""
        uid = _int(user_id)
        if uid <= 0:
            raise ControlError(f"the archive names a member without a valid user id ({user_id!r})")
        if self.db.execute("SELECT 1 FROM users WHERE user_id = ?", (uid,)).fetchone():
            return uid
        name = str(username or self.names.get(uid) or f"member{uid}")
        if self.db.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
            name = f"{name}_{uid}"  # another member holds the name here; keep both reachable
        self.db.execute(
            "INSERT INTO users (user_id, username, password_hash, realname) VALUES (?, ?, ?, ?)",
            (uid, name, hash_password(password or secrets.token_urlsafe(16)), str(realname or "")),
        )
        return uid

    # --- one doc ------------------------------------------------------------------------

    def doc(self, doc_id: int, rec: Mapping[str, Any]) -> None:
        d = rec["doc"]
        owner = d.get("owner") or {}
        if self.owner_id is None:
            uid, name, realname = owner.get("user_id"), owner.get("username"), owner.get("realname")
            self.owner_id = self.member(uid, name, realname, DEMO_PASSWORD)
        elif _int(owner.get("user_id")) != self.owner_id:
            raise ControlError(
                f"doc {doc_id} belongs to member {owner.get('user_id')}, not {self.owner_id}: load the backup of one "
                "account (backup(client, folder) with the member's own token)"
            )
        farm, secret = 1, secrets.token_hex(4)
        for t in _list((d.get("thumbs") or {}).get("thumb")):
            m = _MEDIA_PATH.search(str(t.get("url") or ""))
            if m and int(m.group(2)) == doc_id:
                farm, secret = int(m.group(1)), m.group(3)
                break
        bk, orig = rec.get("backup") or {}, d.get("original") or {}
        dates, vis, perms = d.get("dates") or {}, d.get("visibility") or {}, d.get("permissions") or {}
        geo = d.get("geo") or {}
        media = str(d.get("media") or "photo")
        ext = str(orig.get("ext") or Path(str(bk.get("file") or "x.jpg")).suffix.lstrip(".") or "jpg")
        self.db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))  # cascades to its tags, notes …
        self.db.execute(
            "INSERT INTO docs (doc_id, owner_id, title, description, media, license, safety, share, perm_comment,"
            " perm_tag, perm_tagme, rotation, posted_at, created, modified_at, replaced_at, last_update_at,"
            " last_comment_at, secret, farm, filename, ext, w, h, bytes, length, md5, lat, lng, geo_accuracy, visits)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                self.owner_id,
                str(d.get("title") or ""),
                _text(d.get("description")),
                media if media in _MEDIA else "other",
                _int(d.get("license")),
                _int(d.get("safety"), 1),
                _int(vis.get("share"), 4),
                _int(perms.get("comment"), 5),
                _int(perms.get("tag"), 4),
                _int(perms.get("tagme"), 4),
                _int(d.get("rotation")),
                _int(dates.get("posted_at")),
                str(dates.get("created") or "0000-00-00 00:00:00"),
                _int(dates.get("modified_at")),
                _int(dates.get("replaced_at")),
                _int(dates.get("last_update_at")),
                _int(dates.get("last_comment_at")),
                secret,
                farm,
                str(orig.get("filename") or ""),
                ext,
                _int(orig.get("w")),
                _int(orig.get("h")),
                _int(orig.get("bytes"), _int(bk.get("bytes"))),
                _int(orig.get("length")),
                str(d.get("md5") or bk.get("md5") or ""),
                _float(geo.get("lat")),
                _float(geo.get("lng")),
                _int(geo.get("accuracy")),
                _int((d.get("count") or {}).get("visits")),
            ),
        )
        self.stats["docs"] += 1
        self.file(doc_id, bk, ext)
        self.tags(doc_id, d, _int(dates.get("posted_at")))
        self.notes(doc_id, d)
        self.comments(doc_id, rec.get("comments") or [])
        self.own_visit(doc_id, d.get("you") or {})
        self.groups(doc_id, rec.get("groups") or [], _int(dates.get("posted_at")))

    def file(self, doc_id: int, bk: Mapping[str, Any], ext: str) -> None:
        name = bk.get("file")
        if not name:
            return
        path = (self.root / str(name)).resolve()
        if self.root.resolve() not in path.parents:
            raise ControlError(f"doc {doc_id}: the archived file name {name!r} points outside the archive")
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return  # too big for the database: the doc loads without its original
            content = path.read_bytes()
        except OSError:
            return  # a missing file (an interrupted backup): the doc loads without its original
        mime = mimetypes.guess_type(f"x.{ext}")[0] or "application/octet-stream"
        self.db.execute("INSERT INTO files (doc_id, content, mime) VALUES (?, ?, ?)", (doc_id, content, mime))
        self.stats["files"] += 1

    def tags(self, doc_id: int, d: Mapping[str, Any], posted: int) -> None:
        # added_at keeps the archived order: the API lists a doc's tags by date added (views_blocks).
        for i, t in enumerate(_list((d.get("tags") or {}).get("tag"))):
            tagger = self.member(t.get("user_id") or self.owner_id)
            if t.get("type") == "member":
                member = self.member(t.get("member_id") or t.get("tag_id"), t.get("title"))
                self.db.execute(
                    "INSERT OR IGNORE INTO doc_members (doc_id, member_id, user_id, added_at) VALUES (?, ?, ?, ?)",
                    (doc_id, member, tagger, posted + i),
                )
            else:
                tag_id = self._tag_id(_int(t.get("tag_id")), str(t.get("keyword") or t.get("title") or ""))
                raw = str(t.get("title") or t.get("keyword") or "")
                self.db.execute(
                    "INSERT OR IGNORE INTO doc_tags (doc_id, tag_id, raw, user_id, added_at) VALUES (?, ?, ?, ?, ?)",
                    (doc_id, tag_id, raw, tagger, posted + i),
                )
            self.stats["tags"] += 1

    def _tag_id(self, wanted: int, tag: str) -> int:
        row = self.db.execute("SELECT tag_id FROM tags WHERE tag = ?", (tag,)).fetchone()
        if row is not None:
            return int(row[0])
        free = wanted > 0 and not self.db.execute("SELECT 1 FROM tags WHERE tag_id = ?", (wanted,)).fetchone()
        cur = self.db.execute("INSERT INTO tags (tag_id, tag) VALUES (?, ?)", (wanted if free else None, tag))
        return int(cur.lastrowid or wanted)

    def notes(self, doc_id: int, d: Mapping[str, Any]) -> None:
        for n in _list((d.get("notes") or {}).get("note")):
            author = self.member(n.get("user_id"), n.get("username"))
            member = self.member(n["member_id"], n.get("membername")) if n.get("member_id") else None
            note_id = _int(n.get("note_id"))
            if self.db.execute("SELECT 1 FROM notes WHERE note_id = ?", (note_id,)).fetchone():
                note_id = 0  # taken by another doc's note: a new id
            self.db.execute(
                "INSERT INTO notes (note_id, doc_id, user_id, member_id, content, x, y, w, h, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    note_id or None,
                    doc_id,
                    author,
                    member,
                    _text(n.get("content")),
                    *(_int(n.get(k)) for k in ("x", "y", "w", "h")),
                    _int(n.get("created_at")),
                ),
            )
            self.stats["notes"] += 1

    def comments(self, doc_id: int, comments: list) -> None:
        for c in comments:
            author = self.member(c.get("user_id"), c.get("username"), c.get("realname"))
            comment_id = _int(c.get("comment_id"))
            if self.db.execute("SELECT 1 FROM comments WHERE comment_id = ?", (comment_id,)).fetchone():
                comment_id = 0
            self.db.execute(
                "INSERT INTO comments (comment_id, doc_id, user_id, parent_id, content, posted_at, modified_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    comment_id or None,
                    doc_id,
                    author,
                    _int(c.get("parent_id")) or None,
                    _text(c.get("content")),
                    _int(c.get("posted_at")),
                    _int(c.get("modified_at")),
                ),
            )
            self.stats["comments"] += 1

    def own_visit(self, doc_id: int, you: Mapping[str, Any]) -> None:
        """The member's own visits (``doc.get``'s ``you`` block, seen by the owner who made the backup)."""
        if _int(you.get("visits")) > 0:
            self.db.execute(
                "INSERT OR REPLACE INTO visits (kind, item_id, user_id, visits, visited_at) VALUES ('doc', ?, ?, ?, ?)",
                (doc_id, self.owner_id, _int(you.get("visits")), _int(you.get("last_visit"))),
            )

    def groups(self, doc_id: int, groups: list, posted: int) -> None:
        for g in groups:
            gid = _int(g.get("group_id"))
            if gid <= 0:
                continue
            if not self.db.execute("SELECT 1 FROM grp WHERE group_id = ?", (gid,)).fetchone():
                self.db.execute(
                    "INSERT INTO grp (group_id, title, owner_id, created_at) VALUES (?, ?, ?, ?)",
                    (gid, str(g.get("title") or f"group {gid}"), self.owner_id, posted),
                )
                self.stats["groups"] += 1
            self.db.execute(
                "INSERT OR IGNORE INTO grp_members (group_id, user_id, joined_at) VALUES (?, ?, ?)",
                (gid, self.owner_id, posted),
            )
            self.db.execute(
                "INSERT OR REPLACE INTO grp_docs (group_id, doc_id, user_id, added_at, pending) VALUES (?, ?, ?, ?, ?)",
                (gid, doc_id, self.owner_id, posted, _int(g.get("pending"))),
            )

    # --- albums -------------------------------------------------------------------------

    def albums(self, covers: Mapping[int, int | None]) -> None:
        path = self.root / "albums.json"
        if not path.exists():
            return
        try:
            albums = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ControlError(f"{path} is not readable ({type(exc).__name__}); re-run backup()") from None
        loaded = {r[0] for r in self.db.execute("SELECT doc_id FROM docs WHERE owner_id = ?", (self.owner_id,))}
        for position, a in enumerate(_list(albums)):
            album_id = _int(a.get("album_id"))
            docs = [i for i in (_int(x) for x in _list(a.get("doc_ids"))) if i in loaded]
            if album_id <= 0:
                continue
            self.db.execute("DELETE FROM albums WHERE album_id = ?", (album_id,))
            self.db.execute(
                "INSERT INTO albums (album_id, owner_id, title, cover_id, position, created_at, last_update_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (album_id, self.owner_id, str(a.get("title") or ""), covers.get(album_id), position, 0, 0),
            )
            self.db.executemany(
                "INSERT INTO album_docs (album_id, doc_id, position, added_at) VALUES (?, ?, ?, 0)",
                [(album_id, doc_id, i) for i, doc_id in enumerate(docs)],
            )
            self.stats["albums"] += 1


def _text(value: Any) -> str:
    """A text field as archived: a plain string, or an XML-decoded ``{"content": …}`` element."""
    if isinstance(value, Mapping):
        value = value.get("content", "")
    return "" if value is None else str(value)


def _cover_ids(records: list[tuple[int, dict]]) -> dict[int, int | None]:
    """Each album's cover doc, read from the containers the backup archived (their cover URL)."""
    out: dict[int, int | None] = {}
    for _, rec in records:
        for a in _list(rec.get("albums")):
            m = _MEDIA_PATH.search(str(a.get("cover") or ""))
            out.setdefault(_int(a.get("album_id")), int(m.group(2)) if m else None)
    return out


def load_backup(db: sqlite3.Connection, folder: str | os.PathLike) -> dict[str, Any]:
    """Load the archive in ``folder`` (in the caller's transaction); returns what was loaded.

    ``{"user_id", "username", "docs", "files", "tags", "notes", "comments", "albums", "groups"}``.
    """
    root = Path(folder)
    records = list(_records(root))
    loader = _Loader(db, root, _names(records))
    if not records:
        raise ControlError(f"the archive at {os.fspath(root)!r} holds no docs (docs/*.json is empty)")
    for doc_id, rec in records:
        loader.doc(doc_id, rec)
    loader.albums(_cover_ids(records))
    row = db.execute("SELECT username FROM users WHERE user_id = ?", (loader.owner_id,)).fetchone()
    return {"user_id": str(loader.owner_id), "username": row[0], **loader.stats}
