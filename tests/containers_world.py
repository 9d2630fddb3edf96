"""A small, exact world for the container tests (albums, folders, groups, network, posts, users).

``Sandbox(seed="empty")`` keeps the demo apps and the named users (alice PRO 284001, bob
284002, carol 284003, dave 284004, closed_account 284999); :func:`build` inserts the rows
below with sqlite3 into ``sb.db_path``, so tests can assert exact ids, counts and orders.
:class:`Api` signs and sends calls over the real loopback socket (requests + signing).

Network (owner's point of view): alice lists bob as family, carol as friend, dave as a
plain contact; bob lists alice as friend and has blocked dave.
Docs: alice 5000001 public photo, 5000002 family-only photo, 5000003 friends-only video,
5000004 private photo, 5000005 public audio; bob 5000011 public photo, 5000012 private photo.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import requests

from ipernity_nb.envelope import parse
from ipernity_nb.errors import APIError
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP
from ipernity_nb.signing import sign

ALICE, BOB, CAROL, DAVE, CLOSED = 284001, 284002, 284003, 284004, 284999
T = 1_700_000_000  # base time of the world's rows

DOCS = {  # doc_id: (owner, share, media, title)
    5000001: (ALICE, 4, "photo", "Sunset over the bay"),
    5000002: (ALICE, 1, "photo", "Family dinner"),
    5000003: (ALICE, 2, "video", "Friends at the lake"),
    5000004: (ALICE, 0, "photo", "Private note"),
    5000005: (ALICE, 4, "audio", "Birdsong"),
    5000011: (BOB, 4, "photo", "Bob's street"),
    5000012: (BOB, 0, "photo", "Bob's secret"),
}


def build(db_path: str) -> None:
    """Insert the world's rows (idempotent only on a fresh ``seed="empty"`` sandbox)."""
    c = sqlite3.connect(db_path, timeout=30)
    c.execute("PRAGMA foreign_keys = ON")
    c.execute(
        "UPDATE users SET alias = 'alicem', country = 'FR', town = 'Lyon', lat = 45.76, lng = 4.83 WHERE user_id = ?",
        (ALICE,),
    )
    c.executemany(
        "INSERT INTO network (user_id, contact_id, is_family, is_friend, is_blocked, created_at) VALUES (?,?,?,?,?,?)",
        [
            (ALICE, BOB, 1, 0, 0, T),
            (ALICE, CAROL, 0, 1, 0, T),
            (ALICE, DAVE, 0, 0, 0, T),
            (ALICE, CLOSED, 0, 0, 0, T),
            (BOB, ALICE, 0, 1, 0, T),
            (BOB, DAVE, 0, 0, 1, T),
        ],
    )
    c.executemany(
        "INSERT INTO docs (doc_id, owner_id, title, media, share, posted_at, secret, w, h, bytes, length) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (d, o, title, media, share, T + n, "a1b2c3d4", 4000, 3000, 1_000_000, 30 if media == "video" else 0)
            for n, (d, (o, share, media, title)) in enumerate(DOCS.items())
        ],
    )
    c.executemany(
        "INSERT INTO albums (album_id, owner_id, title, description, cover_id, perm_comment, position, created_at, "
        "last_update_at, visits) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (120001, ALICE, "Holidays", "Summer <b>2023</b>", 5000004, 5, 0, T + 10, T + 20, 10),
            (120002, ALICE, "Private only", "", None, 0, 0, T + 11, T + 11, 0),
            (120003, ALICE, "Sounds", "", 5000005, 3, 0, T + 12, T + 12, 0),
            (120004, BOB, "Bob's album", "", 5000011, 5, 0, T + 13, T + 13, 0),
        ],
    )
    c.executemany(
        "INSERT INTO album_docs (album_id, doc_id, position, added_at) VALUES (?,?,?,?)",
        [
            (120001, 5000001, 1, T),
            (120001, 5000002, 2, T),
            (120001, 5000003, 3, T),
            (120001, 5000004, 4, T),
            (120002, 5000004, 1, T),
            (120003, 5000005, 1, T),
            (120004, 5000011, 1, T),
        ],
    )
    c.executemany(
        "INSERT INTO folders (folder_id, owner_id, title, description, cover_id, created_at, last_update_at) "
        "VALUES (?,?,?,?,?,?,?)",
        [
            (40001, ALICE, "Trips", "All my trips", None, T + 30, T + 30),
            (40002, ALICE, "Empty", "", None, T + 31, T + 31),
        ],
    )
    c.executemany(
        "INSERT INTO folder_albums (folder_id, album_id, position) VALUES (?,?,?)",
        [(40001, 120003, 1), (40001, 120001, 2)],
    )
    c.executemany(
        "INSERT INTO grp (group_id, title, description, lang, owner_id, is_public, moderated, is_closed, media, "
        "max_docs, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (7001, "Street photography", "Photos of streets and people", "en", BOB, 1, 0, 0, "", 0, T + 1),
            (7002, "Secret club", "Members only street pool", "en", BOB, 0, 0, 0, "", 0, T + 2),
            (7003, "Moderated portraits", "Portraits, photos only", "fr", BOB, 1, 1, 0, "photo", 0, T + 3),
            (7004, "Closed archive", "No new docs", "en", BOB, 1, 0, 1, "", 0, T + 4),
            (7005, "Two a day", "Quota of two docs per day", "en", BOB, 1, 0, 0, "", 2, T + 5),
        ],
    )
    c.executemany(
        "INSERT INTO grp_members (group_id, user_id, role, joined_at) VALUES (?,?,?,?)",
        [
            (7001, BOB, "admin", T + 1),
            (7001, ALICE, "member", T + 5),
            (7002, BOB, "admin", T + 2),
            (7003, BOB, "admin", T + 3),
            (7003, ALICE, "member", T + 6),
            (7004, ALICE, "member", T + 7),
            (7005, ALICE, "member", T + 8),
        ],
    )
    c.executemany(
        "INSERT INTO grp_docs (group_id, doc_id, user_id, added_at, pending) VALUES (?,?,?,?,?)",
        [
            (7001, 5000001, ALICE, T + 100, 0),
            (7001, 5000011, BOB, T + 200, 0),
            (7001, 5000002, ALICE, T + 300, 0),
            (7001, 5000005, ALICE, T + 50, 0),
            (7002, 5000011, BOB, T + 100, 0),
        ],
    )
    c.executemany(
        "INSERT INTO faves_albums (user_id, album_id, faved_at) VALUES (?,?,?)",
        [(BOB, 120001, T + 40), (CAROL, 120001, T + 41), (ALICE, 120004, T + 42), (ALICE, 120003, T + 43)],
    )
    c.executemany(
        "INSERT INTO visits (kind, item_id, user_id, visits, visited_at) VALUES (?,?,?,?,?)",
        [("album", 120001, BOB, 3, T + 50), ("album", 120001, CAROL, 1, T + 60), ("post", 70001, BOB, 2, T + 70)],
    )
    c.executemany(
        "INSERT INTO posts (post_id, owner_id, title, intro, content, share, license, posted_at, created, visits) "
        "VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (70001, ALICE, "First trip", "Intro", "We went to the sea.", 4, 1, T + 1000, "2023-11-14 10:00:00", 5),
            (70002, ALICE, "Friends only", "", "For friends: the lake.", 2, 0, T + 2000, "2023-11-15 10:00:00", 0),
            (70003, ALICE, "Draft", "", "Private draft about the sea.", 0, 0, T + 3000, "2023-11-16 10:00:00", 0),
            (70004, ALICE, "Mountains", "", "Hiking above the clouds.", 4, 0, T + 4000, "2023-11-17 10:00:00", 0),
            (70011, BOB, "Bob writes", "", "Street stories.", 4, 0, T + 1500, "2023-11-14 12:00:00", 0),
        ],
    )
    c.execute("INSERT INTO tags (tag_id, tag) VALUES (1, 'travel')")
    c.execute("INSERT INTO post_tags (post_id, tag_id) VALUES (70001, 1)")
    c.executemany(
        "INSERT INTO post_comments (comment_id, post_id, user_id, parent_id, content, posted_at) VALUES (?,?,?,?,?,?)",
        [(900001, 70001, BOB, None, "Lovely!", T + 1100), (900002, 70001, ALICE, 900001, "Thanks Bob", T + 1200)],
    )
    c.execute("INSERT INTO faves_posts (user_id, post_id, faved_at) VALUES (?,?,?)", (BOB, 70001, T + 1300))
    c.commit()
    c.close()


class Api:
    """Signed calls to a sandbox over HTTP: ``api.ok("album.get", album_id=1)`` -> payload.

    ``token`` is a username (a token with ``perms`` is issued once and cached) or ``None``.
    """

    def __init__(self, sb: Any, app: dict | None = None) -> None:
        self.sb = sb
        self.app = app or DEMO_DESKTOP_APP
        self.session = requests.Session()
        self._tokens: dict[tuple, str] = {}

    def token(self, username: str, perms: dict[str, str] | None = None) -> str:
        perms = perms or {"doc": "delete", "blog": "write", "post": "write", "network": "read"}
        key = (username, tuple(sorted(perms.items())))
        if key not in self._tokens:
            self._tokens[key] = self.sb.issue_token(self.app["api_key"], username, perms)
        return self._tokens[key]

    def raw(
        self, method: str, *, as_: str | None = None, fmt: str = "json", http: str | None = None, perms=None, **params
    ):
        p: dict[str, object] = {"api_key": self.app["api_key"], **{k: v for k, v in params.items() if v is not None}}
        if as_:
            p["auth_token"] = self.token(as_, perms)
        data = sign(p, self.app["secret"], method)
        url = f"{self.sb.api_url}{method}/{fmt}"
        from ipernity_nb import catalog

        verb = http or ("POST" if catalog.get(method).is_write else "GET")
        if verb == "POST":
            return self.session.post(url, data=data, timeout=30)
        return self.session.get(url, params=data, timeout=30)

    def ok(self, method: str, *, as_: str | None = None, fmt: str = "json", **params) -> dict:
        """The payload; fails the test on an API error."""
        r = self.raw(method, as_=as_, fmt=fmt, **params)
        assert r.status_code == 200, r.text[:300]
        return parse(r.content, fmt, method)

    def err(self, method: str, *, as_: str | None = None, fmt: str = "json", **params) -> tuple[int, str]:
        """``(code, label)`` of the API error the call must answer."""
        r = self.raw(method, as_=as_, fmt=fmt, **params)
        assert r.status_code == 200, r.text[:300]
        try:
            payload = parse(r.content, fmt, method)
        except APIError as exc:
            return int(exc.code), exc.message
        raise AssertionError(f"{method} succeeded: {payload}")

    def both(self, method: str, *, as_: str | None = None, **params) -> dict:
        """The JSON payload, after checking the XML answer parses to the same dict (§2.3)."""
        j = self.ok(method, as_=as_, **params)
        x = self.ok(method, as_=as_, fmt="xml", **params)
        assert x == j, f"xml != json for {method}:\n{x}\n{j}"
        return j
