"""Seed stage 3: albums and folders, groups with members and pools, blog posts.

Runs after seed_docs.docs() filled the World's doc summaries; every reference it writes
points at rows already inserted (album covers are album docs, pool docs belong to members,
non-public docs never enter public groups).
"""

from __future__ import annotations

import sqlite3
import time

from . import seed_data as D
from .seed_gen import DAY, T0, World, insert, number_comments

# Group title -> (themes, towns, media) its members pick their pool docs from (None = any).
_GROUP_PICK = {
    "Black & White": ({"monochrome"}, None),
    "Noir et blanc": ({"monochrome"}, None),
    "Sunsets of the World": ({"sky"}, None),
    "Paris la nuit": (None, {"Paris"}),
    "Berlin, Berlin": (None, {"Berlin"}),
    "Barcelona amb llum": (None, {"Barcelona"}),
    "Cats of ipernity": ({"animals"}, None),
    "Macro & flowers": ({"flowers"}, None),
    "Street photography": ({"city", "people"}, None),
    "Lisboa e Porto": (None, {"Lisboa", "Porto"}),
    "日本の風景": (None, {"Tokyo", "Kyoto"}),
    "Montréal en photos": (None, {"Montréal"}),
    "Film is not dead": ({"monochrome"}, None),
    "Family circle": ({"people", "food"}, None),
    "Videos & sounds": (None, None),
}
_THEMES = list(D.THEMES)
_ALBUM_THEME = {3: "people", 4: "monochrome", 5: "flowers", 6: "city"}  # ALBUM_NAMES index -> theme


def _by_owner(w: World) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in w.users]
    for k, oi in enumerate(w.doc_owner):
        out[oi].append(k)
    return out


def albums(db: sqlite3.Connection, w: World) -> None:
    """Albums (alice ~10) with positions and covers, folders of albums, album faves and visitors."""
    rng, now = w.rng, w.now
    owned = _by_owner(w)
    drafts: list[tuple[int, int, str, list[int], int | None]] = []  # (created_at, owner, title, docs, cover)
    empty_done = False
    for oi, ks in enumerate(owned):
        nd = len(ks)
        n = (
            max(min(10, nd // 3), min(40, nd // 21))
            if oi == 0
            else (0 if nd < 5 else min(40, nd // 25 + rng.randint(0, 2)))
        )
        lg = w.users[oi]["lg"]
        names = D.ALBUM_NAMES[lg]
        titles: set[str] = set()
        kinds = list(range(len(names)))
        rng.shuffle(kinds)
        for a in range(n):
            kind = kinds[a % len(kinds)]
            cand = ks
            if kind in (0, 1):
                y = w.day_year[min(w.last_day, (w.doc_posted[rng.choice(ks)] - T0) // DAY)]
                cand = [k for k in ks if time.gmtime(w.doc_posted[k]).tm_year == y]
                title = names[kind].format(y=y, p="")
            elif kind == 2:
                cities = [w.doc_city[k] for k in ks if w.doc_city[k] >= 0]
                c = rng.choice(cities) if cities else w.users[oi]["city"]
                cand = [k for k in ks if w.doc_city[k] == c]
                title = D.CITIES[c][0]
            else:
                theme = _ALBUM_THEME.get(kind)
                if theme:
                    cand = [k for k in ks if _THEMES[w.doc_theme[k]] == theme]
                title = names[kind]
            if len(cand) < 3:
                cand = ks
            chosen = sorted(rng.sample(cand, min(len(cand), rng.randint(3, 60))))
            base, m = title, 2
            while title in titles:
                title, m = f"{base} ({m})", m + 1
            titles.add(title)
            created = max(w.users[oi]["since"], w.doc_posted[chosen[0]] - rng.randint(0, DAY))
            drafts.append((created, oi, title, chosen, rng.choice(chosen)))
        if n and not empty_done and oi >= 5:  # one empty album (no cover) for edge cases
            drafts.append((now - 30 * DAY, oi, "New album", [], None))
            empty_done = True
    drafts.sort(key=lambda d: (d[0], d[1]))
    alb_rows: list[list] = []
    ad_rows: list[tuple] = []
    per_owner: dict[int, int] = {}
    aid = 712_000
    album_meta = []  # (album_id, owner, created, cover doc id)
    for created, oi, title, chosen, cover in drafts:
        aid += rng.randint(1, 90)
        pos = per_owner[oi] = per_owner.get(oi, 0) + 1
        last = created
        for p, k in enumerate(chosen, 1):
            added = min(now - 1, max(created, w.doc_posted[k]) + rng.randint(0, 3600))
            last = max(last, added)
            ad_rows.append((aid, w.doc_id[k], p, added))
        visits = int(rng.paretovariate(1.2) * 5) if chosen else 0
        desc = (
            ""
            if rng.random() < 0.6
            else rng.choice(D.DESC_SENTENCES[w.users[oi]["lg"]]).format(
                p=D.CITIES[w.users[oi]["city"]][0], d="", y=time.gmtime(created).tm_year
            )
        )
        cover_id = None if cover is None else w.doc_id[cover]
        alb_rows.append([aid, w.users[oi]["user_id"], title, desc, cover_id, 5, pos, created, last, 0, visits])
        album_meta.append((aid, oi, created, cover_id))
    # Album faves and identified visitors (counters stay >= the identified visits).
    open_users = [i for i, u in enumerate(w.users) if not u["is_closed"]]
    fav_rows, vis_rows = [], []
    for row, (aid, oi, created, cover) in zip(alb_rows, album_meta, strict=True):
        if cover is None:
            continue
        if rng.random() < 0.25:
            for j in rng.sample(open_users, min(len(open_users), rng.randint(1, 3))):
                if j != oi:
                    fav_rows.append((w.users[j]["user_id"], aid, rng.randint(created, now - 1)))
        if rng.random() < 0.3:
            total = 0
            for j in rng.sample(open_users, min(len(open_users), rng.randint(1, 3))):
                if j != oi:
                    n = rng.randint(1, 3)
                    total += n
                    vis_rows.append(("album", aid, w.users[j]["user_id"], n, rng.randint(created, now - 1)))
            row[10] = max(row[10], total)
    insert(
        db,
        "albums",
        "album_id, owner_id, title, description, cover_id, perm_comment, position, created_at, last_update_at,"
        " last_comment_at, visits",
        alb_rows,
    )
    insert(db, "album_docs", "album_id, doc_id, position, added_at", ad_rows)
    insert(db, "faves_albums", "user_id, album_id, faved_at", fav_rows)
    insert(db, "visits", "kind, item_id, user_id, visits, visited_at", vis_rows)
    _folders(db, w, album_meta)


def _folders(db: sqlite3.Connection, w: World, album_meta: list[tuple]) -> None:
    rng = w.rng
    mine: dict[int, list[tuple]] = {}
    for a in album_meta:
        if a[3] is not None:
            mine.setdefault(a[1], []).append(a)
    drafts = []
    for oi in sorted(mine):
        albs = mine[oi]
        if len(albs) < 4:
            continue
        names = rng.sample(D.FOLDER_NAMES, 2 if len(albs) >= 10 else 1)
        for title in names:
            chosen = rng.sample(albs, rng.randint(2, min(6, len(albs))))
            drafts.append((min(a[2] for a in chosen), oi, title, chosen))
    drafts.sort(key=lambda d: (d[0], d[1]))
    fid = 48_000
    f_rows: list[tuple] = []
    fa_rows: list[tuple] = []
    pos: dict[int, int] = {}
    for created, oi, title, chosen in drafts:
        fid += rng.randint(1, 400)
        pos[oi] = pos.get(oi, 0) + 1
        f_rows.append(
            (fid, w.users[oi]["user_id"], title, "", chosen[0][3], pos[oi], created, max(a[2] for a in chosen))
        )
        fa_rows += [(fid, a[0], p) for p, a in enumerate(chosen, 1)]
    insert(
        db, "folders", "folder_id, owner_id, title, description, cover_id, position, created_at, last_update_at", f_rows
    )
    insert(db, "folder_albums", "folder_id, album_id, position", fa_rows)


def groups(db: sqlite3.Connection, w: World) -> None:
    """~15 groups: moderated, one closed, one private, several languages; members, roles, pools."""
    rng, now, users = w.rng, w.now, w.users
    owned = _by_owner(w)
    by = w.by_name
    alice, carol = by["alice"], by["carol"]
    open_users = [i for i, u in enumerate(users) if not u["is_closed"]]
    # alice's memberships are fixed (tutorials list them): she is kept out of the random draws.
    others = [i for i in open_users if i != alice]
    posters = [i for i in others if owned[i]] or others
    alice_joins = {"Noir et blanc", "Sunsets of the World", "Cats of ipernity", "Black & White", "Family circle"}
    drafts = []
    for title, lang, desc, moderated, public, closed, media in D.GROUPS:
        owner = alice if title == "Paris la nuit" else carol if title == "Family circle" else rng.choice(posters)
        created = max(users[owner]["since"], rng.randint(T0 + 60 * DAY, T0 + 8 * 365 * DAY))
        size = min(len(others), 3 + int(rng.paretovariate(0.9) * 3))
        if title == "Family circle":
            members = [alice, *sorted(j for j, f in w.net[carol].items() if f[0] and not users[j]["is_closed"])[:3]]
        else:
            members = rng.sample(others, size)
            if title in alice_joins:
                members.append(alice)
        members = [owner] + [m for m in dict.fromkeys(members) if m != owner]
        drafts.append((created, title, lang, desc, moderated, public, closed, media, owner, members))
    drafts.sort(key=lambda d: d[0])
    gid, g_rows, m_rows, p_rows = 41_000, [], [], []
    for created, title, lang, desc, moderated, public, closed, media, owner, members in drafts:
        gid += rng.randint(100, 3000)
        g_rows.append(
            (
                gid,
                title,
                desc,
                lang,
                users[owner]["user_id"],
                public,
                moderated,
                closed,
                media,
                5 if moderated else 0,
                created,
            )
        )
        themes, towns = _GROUP_PICK.get(title, (None, None))
        accepted = set(media.split(",")) if media else None
        shares = {4} if public else {1, 3, 4}
        for r, m in enumerate(members):
            role = "admin" if r == 0 else "moderator" if r <= 2 and rng.random() < 0.5 else "member"
            joined = rng.randint(max(created, users[m]["since"]), max(created, users[m]["since"], now - DAY))
            m_rows.append((gid, users[m]["user_id"], role, joined))
            cand = [
                k
                for k in owned[m]
                if w.doc_share[k] in shares
                and (accepted is None or w.doc_media[k] in accepted)
                and (themes is None or _THEMES[w.doc_theme[k]] in themes)
                and (towns is None or (w.doc_city[k] >= 0 and D.CITIES[w.doc_city[k]][0] in towns))
            ]
            k_docs = 0 if rng.random() < 0.3 else int(rng.paretovariate(1.2) * 2)
            for k in sorted(rng.sample(cand, min(len(cand), k_docs))):
                added = min(now - 1, max(joined, w.doc_posted[k]) + rng.randint(0, 7 * DAY))
                pending = 1 if moderated and rng.random() < 0.1 else 0
                p_rows.append((gid, w.doc_id[k], users[m]["user_id"], added, pending))
    insert(
        db,
        "grp",
        "group_id, title, description, lang, owner_id, is_public, moderated, is_closed, media, max_docs, created_at",
        g_rows,
    )
    insert(db, "grp_members", "group_id, user_id, role, joined_at", m_rows)
    insert(db, "grp_docs", "group_id, doc_id, user_id, added_at, pending", p_rows)


def posts(db: sqlite3.Connection, w: World) -> None:
    """Blog posts for some members (alice 8), with tags, comments (a few replies), faves, visitors."""
    rng, now, users = w.rng, w.now, w.users
    open_users = [i for i, u in enumerate(users) if not u["is_closed"]]
    drafts = []
    for oi in open_users:
        n = 8 if oi == 0 else (min(10, int(rng.paretovariate(1.3))) if rng.random() < 0.3 else 0)
        u = users[oi]
        for q in range(n):
            day = w.pick_day(u["first_day"], u["last_day"])
            at = min(now - 60, max(u["since"] + 600, T0 + day * DAY + rng.randint(7 * 3600, 23 * 3600)))
            share = (0 if q == 1 else 2 if q == 2 else 4) if oi == 0 else (4 if rng.random() < 0.9 else 0)
            drafts.append((at, oi, share))
    drafts.sort(key=lambda d: (d[0], d[1]))
    pid = 153_000
    p_rows: list[tuple] = []
    t_rows: list[tuple] = []
    comments: list[tuple[int, int, int, int | None, str]] = []
    f_rows = []
    v_rows: list[tuple] = []
    for at, oi, share in drafts:
        pid += rng.randint(1, 300)
        u = users[oi]
        lg = u["lg"]
        place = D.CITIES[rng.randrange(len(D.CITIES))][0]
        title = rng.choice(D.POST_TITLES[lg]).format(p=place)
        year = time.gmtime(at).tm_year

        def sentence(lg: str = lg, place: str = place, year: int = year) -> str:
            return rng.choice(D.DESC_SENTENCES[lg]).format(p=place, d=D.WEEKDAYS[lg][rng.randrange(7)], y=year)

        paras = "\n\n".join(" ".join(sentence() for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(2, 4)))
        ncom = rng.randint(0, 4) if share == 4 else 0
        last = at
        for _ in range(ncom):
            j = rng.choice(open_users)
            if j == oi:
                continue
            cat = min(now - 30, at + 60 + int(rng.expovariate(1 / (2 * DAY))))
            ci = len(comments)
            comments.append((cat, pid, users[j]["user_id"], None, rng.choice(D.COMMENTS[users[j]["lg"]])))
            if rng.random() < 0.15 and cat < now - 120:
                comments.append(
                    (rng.randint(cat + 60, min(now - 30, cat + DAY)), pid, u["user_id"], ci, rng.choice(D.REPLIES[lg]))
                )
            last = max(last, cat)
        vis = int(rng.paretovariate(1.2) * 10) if share == 4 else rng.randint(0, 3)
        if share == 4:
            seen = rng.sample(open_users, min(len(open_users), rng.randint(0, 3)))
            for j in seen:
                if j != oi:
                    v_rows.append(("post", pid, users[j]["user_id"], 1, rng.randint(at, now - 1)))
            vis = max(vis, len(seen))
            if rng.random() < 0.2:
                for j in rng.sample(open_users, min(len(open_users), rng.randint(1, 2))):
                    if j != oi:
                        f_rows.append((users[j]["user_id"], pid, rng.randint(at, now - 1)))
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))
        p_rows.append(
            (
                pid,
                u["user_id"],
                title,
                sentence(),
                paras,
                share,
                0,
                5,
                4,
                4,
                0,
                at,
                created,
                last if last > at else 0,
                vis,
            )
        )
        for tag in dict.fromkeys(rng.sample(D.POST_TAGS, rng.randint(1, 3))):
            t_rows.append((pid, w.tag_ids[tag]))
    c_rows = list(number_comments(rng, comments, 880_000, 20))
    insert(
        db,
        "posts",
        "post_id, owner_id, title, intro, content, share, license, perm_comment, perm_tag, perm_tagme, lg_id,"
        " posted_at, created, modified_at, visits",
        p_rows,
    )
    insert(db, "post_tags", "post_id, tag_id", t_rows)
    insert(db, "post_comments", "comment_id, post_id, user_id, parent_id, content, posted_at, modified_at", c_rows)
    insert(db, "faves_posts", "user_id, post_id, faved_at", f_rows)
    insert(db, "visits", "kind, item_id, user_id, visits, visited_at", v_rows)
