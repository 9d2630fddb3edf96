"""A small, exact world of docs for the doc/tags/explore/faves/network sandbox tests.

``World.build(sb)`` inserts precise rows (sqlite3, into ``sb.db_path``) into a sandbox
started with ``seed="empty"`` and returns a :class:`World` with the ids and a signed caller
``w.call(method, as_="olga", fmt="json", http="GET", **params)`` speaking HTTP over the
real loopback socket (requests + ipernity_nb.signing, independent of the Client).

Cast (relations from OLGA's point of view, as the ``network`` table stores them):
olga owns most docs; she lists fanny as family, fred as friend, cora as a plain contact;
sam is a stranger; bulk owns 250 public docs for pagination; zed's account is closed.
"""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import requests

from ipernity_nb.signing import sign

T0 = 1_600_000_000  # posted_at base (2020-09-13)
USERS = {
    "olga": 300001,
    "fanny": 300002,
    "fred": 300003,
    "cora": 300004,
    "sam": 300005,
    "bulk": 300006,
    "zed": 300007,
}
# doc ids in the millions, like the live service
PUB, FAM, FRI, FF, PRIV, VID, AUD = range(5_000_001, 5_000_008)
SAMDOC = 5_000_101
BULK0 = 6_000_000  # bulk's docs: BULK0 + 1 .. BULK0 + 250
N_BULK = 250
PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)
MD5_PUB = "0123456789abcdef0123456789abcdef"
EXIF = [
    {"tagspace": "IFD0", "tag": "Make", "label": "Make", "raw": "Canon"},
    {"tagspace": "ExifIFD", "tag": "FNumber", "label": "F Number", "raw": "5.6"},
]


def _doc(doc_id: int, owner: int, title: str, *, share: int = 4, media: str = "photo", **kw: Any) -> dict:
    row = {
        "doc_id": doc_id,
        "owner_id": owner,
        "title": title,
        "description": kw.pop("description", ""),
        "media": media,
        "license": kw.pop("license", 0),
        "safety": kw.pop("safety", 1),
        "share": share,
        "posted_at": kw.pop("posted_at", T0),
        "created": kw.pop("created", "2020-09-01 10:00:00"),
        "secret": f"{doc_id % 0xFFFFFFFF:08x}",
        "farm": 1,
        "filename": f"{title.lower().replace(' ', '_')}.jpg",
        "ext": "jpg" if media == "photo" else {"video": "mp4", "audio": "mp3"}.get(media, "pdf"),
        "w": 4000 if media in ("photo", "video") else 0,
        "h": 3000 if media in ("photo", "video") else 0,
        "bytes": 123456,
        "length": 90 if media in ("video", "audio") else 0,
        "md5": kw.pop("md5", f"{doc_id:032x}"),
        "lat": None,
        "lng": None,
        "exif": "[]",
        "visits": kw.pop("visits", 0),
    }
    row.update(kw)
    return row


@dataclass
class World:
    sb: Any
    api_key: str
    secret: str
    tokens: dict[str, str] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, sb: Any, perms: dict[str, str] | None = None) -> World:
        app = sb.create_app("docworld tests")
        db = sqlite3.connect(sb.db_path, timeout=30)
        try:
            _insert(db)
            db.commit()
        finally:
            db.close()
        w = cls(sb, app["api_key"], app["secret"])
        for name in USERS:
            if name != "zed":
                w.tokens[name] = sb.issue_token(app["api_key"], name, perms or {"doc": "delete"})
        return w

    def sql(self, query: str, args: tuple = ()) -> list[tuple]:
        """Read the database directly (to check what a write stored)."""
        db = sqlite3.connect(self.sb.db_path, timeout=30)
        try:
            return db.execute(query, args).fetchall()
        finally:
            db.close()

    # --- calling ----------------------------------------------------------------------------

    def raw(self, method: str, as_: str | None = None, fmt: str = "json", http: str = "GET", **params: Any):
        p: dict[str, Any] = {"api_key": self.api_key, **params}
        if as_ is not None:
            p["auth_token"] = self.tokens[as_]
        data = sign(p, self.secret, method)
        url = f"{self.sb.api_url}{method}/{fmt}"
        if http == "POST":
            return self.session.post(url, data=data, timeout=30)
        return self.session.get(url, params=data, timeout=30)

    def call(self, method: str, as_: str | None = None, http: str = "GET", **params: Any) -> dict:
        """JSON payload; ``{"api": {"status": "error", ...}}`` answers are returned too."""
        r = self.raw(method, as_, "json", http, **params)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return json.loads(r.text)

    def ok(self, method: str, as_: str | None = None, http: str = "GET", **params: Any) -> dict:
        out = self.call(method, as_, http, **params)
        assert out["api"]["status"] == "ok", out
        return out

    def post(self, method: str, as_: str = "olga", **params: Any) -> dict:
        return self.call(method, as_, "POST", **params)

    def err(self, method: str, as_: str | None = None, http: str = "GET", **params: Any) -> tuple[int, str]:
        out = self.call(method, as_, http, **params)
        assert out["api"]["status"] == "error", out
        return int(out["api"]["code"]), out["api"]["message"]

    def xml(self, method: str, as_: str | None = None, http: str = "GET", **params: Any) -> ET.Element:
        r = self.raw(method, as_, "xml", http, **params)
        assert r.status_code == 200
        root = ET.fromstring(r.content)
        assert root.tag == "api"
        return root


def ids(payload: dict, root: str = "docs") -> list[int]:
    """Doc ids of a ``docs.doc[]`` list (an absent ``doc`` key means an empty list)."""
    return [int(d["doc_id"]) for d in payload[root].get("doc", [])]


def _insert(db: sqlite3.Connection) -> None:
    u = USERS
    db.executemany(
        "INSERT OR REPLACE INTO users (user_id, username, password_hash, realname, is_pro, is_closed, member_since)"
        " VALUES (?, ?, 'x$0', ?, ?, ?, ?)",
        [(uid, name, name.title(), int(name == "olga"), int(name == "zed"), T0 - 10**7) for name, uid in u.items()],
    )
    o = u["olga"]
    net = [
        (o, u["fanny"], 1, 0),
        (o, u["fred"], 0, 1),
        (o, u["cora"], 0, 0),
        (u["fred"], o, 0, 1),  # fred lists olga as friend: olga's view of fred's docs
        (u["fanny"], u["sam"], 0, 0),
    ]
    db.executemany(
        "INSERT INTO network (user_id, contact_id, is_family, is_friend, created_at) VALUES (?, ?, ?, ?, ?)",
        [(*n, T0) for n in net],
    )
    docs = [
        _doc(
            PUB,
            o,
            "Sunset over Paris",
            description="A red sky above the Seine",
            license=3,
            posted_at=T0 + 600,
            created="2020-09-10 19:30:00",
            md5=MD5_PUB,
            lat=PARIS[0],
            lng=PARIS[1],
            geo_accuracy=16,
            exif=json.dumps(EXIF),
            visits=50,
            perm_comment=5,
            perm_tag=4,
        ),
        _doc(FAM, o, "Family dinner", share=1, posted_at=T0 + 500, created="2020-08-01 20:00:00"),
        _doc(FRI, o, "Friends party", share=2, posted_at=T0 + 400, created="2020-07-01 20:00:00"),
        _doc(FF, o, "Garden with friends and family", share=3, posted_at=T0 + 300, created="2019-07-01 10:00:00"),
        _doc(PRIV, o, "Private scan", share=0, posted_at=T0 + 200, created="2018-01-01 00:00:00", perm_comment=0),
        _doc(
            VID,
            o,
            "Lyon lights",
            media="video",
            license=1,
            posted_at=T0 + 100,
            created="2017-12-08 21:00:00",
            lat=LYON[0],
            lng=LYON[1],
            visits=10,
            safety=2,
        ),
        _doc(AUD, o, "Birdsong", media="audio", posted_at=T0, created="0000-00-00 00:00:00", safety=3),
        _doc(SAMDOC, u["sam"], "Paris at night", license=0, posted_at=T0 + 50, visits=5, perm_comment=0, perm_tag=0),
        _doc(5_000_102, u["zed"], "Closed account doc", posted_at=T0 + 60),
        _doc(5_000_103, u["fred"], "Fred friends only", share=2, posted_at=T0 + 70),
    ]
    # bulk: 250 public docs; posted_at repeats in pairs so the doc_id tie-break matters
    for i in range(1, N_BULK + 1):
        docs.append(
            _doc(
                BULK0 + i,
                u["bulk"],
                f"Bulk {i:03d} {'cat' if i % 2 else 'dog'}",
                posted_at=T0 - 10_000 + (i // 2),
                license=(0, 1, 3)[i % 3],
                media="photo" if i % 10 else "video",
                visits=i % 7,
            )
        )
    allcols = sorted({k for d in docs for k in d})
    db.executemany(
        f"INSERT INTO docs ({','.join(allcols)}) VALUES ({','.join('?' * len(allcols))})",
        [tuple(d.get(c, _default(c)) for c in allcols) for d in docs],
    )
    tags = {1: "paris", 2: "sunset", 3: "seine", 4: "cat", 5: "dog", 6: "night"}
    db.executemany("INSERT INTO tags (tag_id, tag) VALUES (?, ?)", list(tags.items()))
    dt = [(PUB, 1, "Paris", o, T0 + 601), (PUB, 2, "sunset", o, T0 + 602), (PUB, 3, "Seine", o, T0 + 603)]
    dt += [(SAMDOC, 1, "paris", u["sam"], T0 + 51), (SAMDOC, 6, "night", u["sam"], T0 + 52)]
    dt += [(FAM, 1, "paris", o, T0 + 501)]
    dt += [(BULK0 + i, 4 if i % 2 else 5, "cat" if i % 2 else "dog", u["bulk"], T0) for i in range(1, N_BULK + 1)]
    db.executemany("INSERT INTO doc_tags (doc_id, tag_id, raw, user_id, added_at) VALUES (?, ?, ?, ?, ?)", dt)
    db.execute(
        "INSERT INTO doc_members (doc_id, member_id, user_id, added_at) VALUES (?, ?, ?, ?)",
        (PUB, u["fred"], o, T0 + 700),
    )
    db.execute(
        "INSERT INTO notes (note_id, doc_id, user_id, member_id, content, x, y, w, h, created_at) "
        "VALUES (900001, ?, ?, NULL, 'the Eiffel tower', 10, 20, 30, 40, ?)",
        (PUB, u["fred"], T0 + 800),
    )
    db.executemany(
        "INSERT INTO comments (comment_id, doc_id, user_id, parent_id, content, posted_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (700001, PUB, u["fred"], None, "Lovely colours", T0 + 1000),
            (700002, PUB, o, 700001, "Thanks Fred!", T0 + 1100),
            (700003, PUB, u["sam"], None, "Where is this?", T0 + 1200),
            (700004, FAM, u["fanny"], None, "Family only comment", T0 + 1300),
        ],
    )
    db.executemany(
        "INSERT INTO faves_docs (user_id, doc_id, faved_at) VALUES (?, ?, ?)",
        [
            (u["fred"], PUB, T0 + 2000),
            (u["sam"], PUB, T0 + 2100),
            (u["fred"], SAMDOC, T0 + 2200),
            (u["fred"], FRI, T0 + 2300),  # fred may see FRI
            (u["fred"], 5_000_103, T0 + 2400),  # fred's own doc
        ],
    )
    db.executemany(
        "INSERT INTO visits (kind, item_id, user_id, visits, visited_at) VALUES ('doc', ?, ?, ?, ?)",
        [(PUB, u["fred"], 3, T0 + 3000), (PUB, u["sam"], 2, T0 + 3100)],
    )
    db.execute(
        "INSERT INTO albums (album_id, owner_id, title, cover_id, created_at) VALUES (800001, ?, 'Paris trip', ?, ?)",
        (o, PUB, T0),
    )
    db.executemany(
        "INSERT INTO album_docs (album_id, doc_id, position, added_at) VALUES (800001, ?, ?, ?)",
        [(PUB, 1, T0), (FAM, 2, T0)],
    )
    db.execute(
        "INSERT INTO albums (album_id, owner_id, title, cover_id, created_at) VALUES (800002, ?, 'Only video', ?, ?)",
        (o, VID, T0),
    )
    db.execute("INSERT INTO album_docs (album_id, doc_id, position, added_at) VALUES (800002, ?, 1, ?)", (VID, T0))
    db.executemany(
        "INSERT INTO grp (group_id, title, owner_id, is_public, created_at) VALUES (?, ?, ?, ?, ?)",
        [(400001, "Sunsets", u["sam"], 1, T0), (400002, "Secret club", u["sam"], 0, T0)],
    )
    db.executemany(
        "INSERT INTO grp_members (group_id, user_id, joined_at) VALUES (?, ?, ?)",
        [(400001, o, T0), (400002, o, T0), (400002, u["sam"], T0)],
    )
    db.executemany(
        "INSERT INTO grp_docs (group_id, doc_id, user_id, added_at, pending) VALUES (?, ?, ?, ?, ?)",
        [(400001, PUB, o, T0, 0), (400002, PUB, o, T0, 0), (400001, VID, o, T0, 1)],
    )


def _default(col: str) -> Any:
    return {"lat": None, "lng": None, "exif": "[]", "geo_accuracy": 0, "perm_comment": 5, "perm_tag": 4}.get(col, 0)
