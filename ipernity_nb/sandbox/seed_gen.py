"""The seed's orchestration, users and network (docs: seed_docs.py; albums, groups, posts: seed_social.py).

All randomness comes from one ``random.Random(SEED)`` threaded through in a fixed order,
and every time is derived from ``now`` (not the wall clock): same name + scale + now ->
identical rows. Public entry point: :func:`ipernity_nb.sandbox.seed.seed`.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources

from . import seed_data as D
from .demo_world import CLOSED_USERNAME, DEMO_APPS, DEMO_PASSWORD, DEMO_USERS, hash_password

SEED = 20080101  # the one random seed; change it and every tutorial output changes
DEFAULT_DOCS = 3000
DEFAULT_GENERATED_USERS = 36
T0 = 1199145600  # 2008-01-01 00:00:00 UTC, the first day of activity
DAY = 86400

# Profile of the named users: (lg, city index in seed_data.CITIES, sex, member_since, share of all docs)
_NAMED = {
    "alice": ("en", 0, "F", 1204329600, 0.07),  # Paris, member since 2008-03-01
    "bob": ("de", 3, "M", 1215734400, 0.03),  # Berlin, 2008-07-11
    "carol": ("pt", 13, "F", 1262390400, 0.025),  # Lisboa, 2010-01-02
    "dave": ("en", 9, "M", 1331596800, 0.012),  # Montréal, 2012-03-13
    "closed_account": ("en", 20, "", 1230854400, 0.004),  # London, 2009-01-02, closed in 2016
}
# Relative posting activity per year 2008..2026: growth, peak around 2011, slow decline.
_YEAR_W = [0.6, 1.0, 1.3, 1.4, 1.4, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7, 0.65, 0.7, 0.6, 0.55, 0.5, 0.45, 0.45, 0.45]
# Upload hour weights (UTC-ish local): quiet nights, lunch and evening peaks.
_HOUR_W = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 9, 9, 7, 6, 6, 7, 9, 11, 12, 11, 8, 4]


class World:
    """Everything later stages need: the rng, time tables, users, relations and doc summaries."""

    def __init__(self, now: int, n_docs: int, n_users: int) -> None:
        self.rng = random.Random(SEED)
        self.now = now
        self.n_docs = n_docs
        self.n_gen_users = n_users
        self.last_day = (now - T0) // DAY - 1  # the last full day before `now`
        self.day_w: list[float] = []
        self.day_year: list[int] = []
        self.day_wd: list[int] = []
        for d in range(self.last_day + 1):
            t = datetime.fromtimestamp(T0 + d * DAY, tz=UTC)
            w = _YEAR_W[min(t.year - 2008, len(_YEAR_W) - 1)]
            w *= 1.5 if t.weekday() >= 5 else 1.0
            w *= {7: 1.45, 8: 1.45, 6: 1.2, 12: 1.2}.get(t.month, 1.0)
            self.day_w.append(w)
            self.day_year.append(t.year)
            self.day_wd.append(t.weekday())
        self.day_wmax = max(self.day_w)
        self.hour_cum = cum(_HOUR_W)
        self.users: list[dict] = []
        self.by_name: dict[str, int] = {}
        self.net: list[dict[int, tuple[int, int, int]]] = []  # net[i][j] = (family, friend, blocked)
        # Doc summaries (parallel lists, doc order = id order) for albums, groups, faves.
        self.doc_id: list[int] = []
        self.doc_owner: list[int] = []
        self.doc_share: list[int] = []
        self.doc_media: list[str] = []
        self.doc_posted: list[int] = []
        self.doc_theme: list[int] = []
        self.doc_city: list[int] = []
        self.tag_ids: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def pick_day(self, a: int, b: int) -> int:
        """A day index in [a, b] drawn by activity weight (weekends, summers, the site's years)."""
        rng, w, m = self.rng, self.day_w, self.day_wmax
        a, b = max(0, a), max(max(0, a), min(b, self.last_day))
        while True:
            d = rng.randint(a, b)
            if rng.random() * m <= w[d]:
                return d

    def sees(self, viewer: int, owner: int, share: int) -> bool:
        """Whether ``viewer`` may see an item of ``owner`` shared at ``share`` (0..4, schema header)."""
        if share >= 4 or viewer == owner:
            return True
        rel = self.net[owner].get(viewer)
        if rel is None or rel[2] or share == 0:
            return False
        fam, fri = rel[0], rel[1]
        return bool(fam) if share == 1 else bool(fri) if share == 2 else bool(fam or fri)


def insert(db: sqlite3.Connection, table: str, columns: str, rows: Iterable[Sequence[object]]) -> None:
    """``INSERT INTO table (columns) VALUES (?, ...)`` for every row, one ``?`` per column."""
    marks = ",".join("?" * len(columns.split(",")))
    db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def number_comments(rng: random.Random, comments: list[tuple], first: int, max_gap: int) -> Iterator[tuple]:
    """Comment rows ``(id, item_id, user_id, parent_id, content, posted_at, 0)`` from drafts
    ``(at, item_id, user_id, parent index | None, content)``: ids grow with time across the
    site (gaps of 1..``max_gap`` after ``first``), so a reply always follows its parent."""
    order = sorted(range(len(comments)), key=lambda k: (comments[k][0], k))
    ids: dict[int, int] = {}
    cid = first
    for k in order:
        cid += rng.randint(1, max_gap)
        ids[k] = cid
        at, item_id, uid, parent, content = comments[k]
        yield (cid, item_id, uid, None if parent is None else ids[parent], content, at, 0)


def cum(weights: Sequence[float]) -> list[float]:
    """Running sums of ``weights`` (``random.choices(cum_weights=...)``)."""
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def ascii_slug(text: str) -> str:
    """'Jürgen Müller' -> 'jurgenmuller' (usernames and city tags are plain ASCII)."""
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if c.isascii() and c.isalnum()).lower()


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    s = sum(weights) or 1.0
    raw = [total * w / s for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _schema_sql() -> str:
    return resources.files("ipernity_nb.sandbox").joinpath("schema.sql").read_text(encoding="utf-8")


def run(
    db: sqlite3.Connection,
    name: str,
    scale: int | None,
    *,
    now: int,
    content: Callable[[sqlite3.Connection, World], None],
) -> dict:
    """Implementation of :func:`ipernity_nb.sandbox.seed.seed` (see there).

    ``content`` fills a demo seed after its users and network (docs, albums, groups, posts:
    seed_docs and seed_social, which import this module, so it is handed in, not imported).
    """
    if name not in ("demo", "empty"):
        raise ValueError(f"unknown seed {name!r}: use 'demo' or 'empty'")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int) or scale < 0):
        raise ValueError(f"scale must be a non-negative int (number of docs), got {scale!r}")
    if not isinstance(now, int) or now < T0 + 400 * DAY:
        raise ValueError(f"now must be Unix seconds after 2009-02 (got {now!r}); the demo history starts in 2008")
    n_docs = DEFAULT_DOCS if scale is None else scale
    # More docs -> more members, so per-user lists stay browsable (3000 docs: 36 generated users).
    n_users = DEFAULT_GENERATED_USERS + max(0, (n_docs - DEFAULT_DOCS) // 300)
    if db.in_transaction:
        db.commit()
    if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='users'").fetchone() is None:
        db.executescript(_schema_sql())
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if r[0] != "meta"
    ]
    restore = _fast_pragmas(db)
    try:
        db.execute("BEGIN")
        for table in tables:  # seed() replaces the content (tables added to the schema later included)
            db.execute(f'DELETE FROM "{table}"')
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
            db.execute("DELETE FROM sqlite_sequence")  # a reset starts the ids afresh, like the seed
        world = World(now, n_docs if name == "demo" else 0, n_users if name == "demo" else 0)
        _users(db, world)
        _apps(db, world)
        if name == "demo":
            _network(db, world)
            content(db, world)
        # JSON values, as sandbox.state reads them (State.meta json-decodes).
        meta = {"seed": {"seed": name, "scale": scale}, "seed_now": now, "seed_version": 1}
        db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        _restore_pragmas(db, restore)
    return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _fast_pragmas(db: sqlite3.Connection) -> list[tuple[str, object]]:
    """Speed up the bulk load when the connection allows it; returns what to restore."""
    restore = []
    for pragma, value in (("synchronous", "OFF"), ("foreign_keys", "OFF")):
        old = db.execute(f"PRAGMA {pragma}").fetchone()[0]
        db.execute(f"PRAGMA {pragma}={value}")
        restore.append((pragma, old))
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() not in ("wal", "memory", "off"):  # leaving WAL needs exclusive access: keep it
        with contextlib.suppress(sqlite3.OperationalError):
            db.execute("PRAGMA journal_mode=MEMORY")
            restore.append(("journal_mode", mode))
    return restore


def _restore_pragmas(db: sqlite3.Connection, restore: list[tuple[str, object]]) -> None:
    for pragma, old in reversed(restore):
        with contextlib.suppress(sqlite3.OperationalError):
            db.execute(f"PRAGMA {pragma}={old}")


def _users(db: sqlite3.Connection, w: World) -> None:
    rng = w.rng
    rows = []
    for named in DEMO_USERS:
        lg, city, sex, since, share = _NAMED[named["username"]]
        w.users.append(
            {
                **named,
                "lg": lg,
                "city": city,
                "sex": sex,
                "since": since,
                "share": share,
                "is_closed": named["username"] == CLOSED_USERNAME,
            }
        )
    taken = {u["username"] for u in w.users}
    uid = 285000
    span = w.last_day - 5 * 365  # generated members joined between 2008 and ~5 years ago
    for k in range(w.n_gen_users):
        # Ids 285000..299000 in joining order; most members joined in the early years.
        uid = max(uid + 1, 285000 + int(14000 * (k + rng.random()) / w.n_gen_users))
        joined = int(span * ((k + rng.random()) / w.n_gen_users) ** 1.8)
        lg = rng.choice(D.LANGS)
        cities = [i for i, c in enumerate(D.CITIES) if c[4] == lg] or [18]
        given, family = rng.choice(D.GIVEN[lg]), rng.choice(D.FAMILY[lg])
        style = rng.random()
        if style < 0.35:
            base = ascii_slug(given[0] + family)
        elif style < 0.6:
            base = ascii_slug(given) + "_" + ascii_slug(family)[:1]
        elif style < 0.8:
            base = rng.choice(D.NICK) + "_" + ascii_slug(D.CITIES[rng.choice(cities)][0])[:8]
        else:
            base = ascii_slug(given) + str(rng.randint(60, 99))
        username = base
        while username.lower() in taken:
            username = f"{base}{rng.randint(2, 999)}"
        taken.add(username.lower())
        realname = f"{given} {family}" if rng.random() < 0.8 else ""
        weight = 0.0 if rng.random() < 0.1 else min(40.0, rng.paretovariate(1.0))  # lurkers post nothing
        w.users.append(
            {
                "username": username,
                "user_id": uid,
                "realname": realname,
                "is_pro": rng.random() < 0.25,
                "lg": lg,
                "city": rng.choice(cities),
                "sex": "",
                "is_closed": False,
                "since": T0 + joined * DAY + rng.randint(0, DAY - 1),
                "weight": weight,
            }
        )
    fixed = sum(u.get("share", 0) for u in w.users[: len(DEMO_USERS)])
    gen_total = sum(u.get("weight", 0) for u in w.users[len(DEMO_USERS) :]) or 1.0
    for i, u in enumerate(w.users):
        w.by_name[u["username"]] = i
        if "weight" in u:
            u["share"] = (1 - fixed) * u["weight"] / gen_total
        u["since"] = min(u["since"], T0 + (w.last_day - 400) * DAY)
        u["first_day"] = (u["since"] - T0) // DAY
        if u["is_closed"]:
            u["last_day"] = min(w.last_day, (1451606400 - T0) // DAY)  # stopped early 2016
        elif i < 4 or rng.random() < 0.55:
            u["last_day"] = w.last_day
        else:
            u["last_day"] = rng.randint(min(u["first_day"] + 365, w.last_day), w.last_day)
        town, country, lat, lng, _ = D.CITIES[u["city"]]
        located = i < len(DEMO_USERS) or rng.random() < 0.8
        salt = f"{rng.getrandbits(32):08x}"
        rows.append(
            (
                u["user_id"],
                u["username"],
                hash_password(DEMO_PASSWORD, salt),
                u["realname"],
                "",
                int(u["is_pro"]),
                int(u["is_closed"]),
                0,
                u["lg"],
                u["sex"],
                country if located else "",
                town if located else "",
                round(lat + rng.uniform(-0.03, 0.03), 6) if located else None,
                round(lng + rng.uniform(-0.03, 0.03), 6) if located else None,
                u["since"],
                T0 + u["last_day"] * DAY + rng.randint(0, DAY - 1),
            )
        )
    insert(
        db,
        "users",
        "user_id, username, password_hash, realname, alias, is_pro, is_closed, is_online, lg, sex, country, town,"
        " lat, lng, member_since, last_online",
        rows,
    )
    w.net = [{} for _ in w.users]


def _apps(db: sqlite3.Connection, w: World) -> None:
    owner = DEMO_USERS[0]["user_id"]
    insert(
        db,
        "apps",
        "api_key, secret, name, kind, callback, owner_id, created_at",
        [(a["api_key"], a["secret"], a["name"], a["kind"], a["callback"], owner, w.now - 400 * DAY) for a in DEMO_APPS],
    )


def _network(db: sqlite3.Connection, w: World) -> None:
    """Contacts, asymmetric: a row says how ``user_id`` labels ``contact_id`` (family/friend/blocked)."""
    rng = w.rng
    alice, bob, carol, dave = (w.by_name[x] for x in ("alice", "bob", "carol", "dave"))
    fixed = {
        (alice, bob): (0, 1, 0),
        (alice, carol): (1, 0, 0),
        (alice, dave): (0, 0, 0),
        (bob, alice): (0, 1, 0),
        (carol, alice): (1, 1, 0),
        (carol, bob): (0, 0, 0),
    }
    for (i, j), flags in fixed.items():
        w.net[i][j] = flags
    open_users = [i for i, u in enumerate(w.users) if not u["is_closed"]]
    for i in open_users:
        k = min(len(open_users) - 1, 60, int(rng.paretovariate(1.1) * 3) + (12 if i == alice else 0))
        for j in rng.sample(open_users, k + 1):
            if j == i or j in w.net[i] or (i == dave and j == alice):
                continue
            r = rng.random()
            flags = (
                (0, 0, 1)
                if r < 0.015
                else (0, 0, 0)
                if r < 0.6
                else (0, 1, 0)
                if r < 0.82
                else (1, 0, 0)
                if r < 0.94
                else (1, 1, 0)
            )
            w.net[i][j] = flags
            if rng.random() < 0.45 and i not in w.net[j] and not flags[2] and not (j == dave and i == alice):
                w.net[j][i] = flags
    rows = []
    for i, rel in enumerate(w.net):
        for j in sorted(rel):
            fam, fri, blk = rel[j]
            start = max(w.users[i]["since"], w.users[j]["since"])
            rows.append(
                (
                    w.users[i]["user_id"],
                    w.users[j]["user_id"],
                    fam,
                    fri,
                    blk,
                    rng.randint(start, max(start, w.now - DAY)),
                )
            )
    insert(db, "network", "user_id, contact_id, is_family, is_friend, is_blocked, created_at", rows)
