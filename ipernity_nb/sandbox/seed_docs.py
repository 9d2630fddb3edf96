"""Seed stage 2: docs with their tags, comments, notes, member tags, faves and visits.

Docs are drafted per user as upload *sessions* (one outing: same day, theme and place, posted a
few seconds apart), then sorted by posting time so doc ids grow with time like the live
service's, then written in chunks (bulk ``executemany``) to keep memory modest at 100k docs.
"""

from __future__ import annotations

import random
import sqlite3
import time

from . import seed_data as D
from .seed_files import original
from .seed_gen import DAY, T0, World, allocate, cum, insert, number_comments

__all__ = ["docs", "vocabulary"]

_THEMES = list(D.THEMES)
_THEME_W = {
    "sky": 1.4,
    "city": 1.5,
    "flowers": 1.1,
    "sea": 1.0,
    "travel": 1.0,
    "people": 0.9,
    "animals": 0.8,
    "mountain": 0.7,
    "night": 0.6,
    "autumn": 0.6,
    "food": 0.5,
    "monochrome": 0.5,
}
_LICENSES = [1, 3, 5, 7, 9, 11, 255]
_CHUNK = 5000
_DOC_COLS = (
    "doc_id, owner_id, title, description, media, license, safety, share, perm_comment, perm_tag,"
    " perm_tagme, rotation, posted_at, created, modified_at, replaced_at, last_update_at, last_comment_at,"
    " secret, farm, filename, ext, w, h, bytes, length, md5, lat, lng, geo_accuracy, exif, visits"
)


def _zipf(n: int, s: float = 1.1) -> list[float]:
    return cum([1.0 / (r + 1) ** s for r in range(n)])


def vocabulary() -> list[str]:
    """Every tag the seed may use (~320): theme and generic words, city names, years, blog tags."""
    words: list[str] = []
    for t in D.THEMES.values():
        words += t["tags"]
    words += D.GENERIC_TAGS + [c[0].lower().replace(" ", "") for c in D.CITIES]
    words += [str(y) for y in range(2008, 2027)] + D.POST_TAGS
    return list(dict.fromkeys(words))


def _tags(db: sqlite3.Connection, w: World) -> None:
    vocab = vocabulary()
    order = sorted(vocab)
    w.rng.shuffle(order)  # ids are not alphabetical on the live service either
    tid = 1200
    for tag in order:
        tid += w.rng.randint(1, 400)
        w.tag_ids[tag] = tid
    insert(db, "tags", "tag_id, tag", sorted((i, t) for t, i in w.tag_ids.items()))


def _draft(w: World) -> list[tuple]:
    """(posted_at, owner, theme, city, taken, share) per doc, sorted by posting time."""
    rng, users = w.rng, w.users
    counts = allocate(w.n_docs, [u["share"] for u in users])
    theme_cum = cum([_THEME_W[t] for t in _THEMES])
    pre: list[tuple] = []
    for i, u in enumerate(users):
        remaining = counts[i]
        private_habit = 0.85 if i == 0 else (0.6 if rng.random() < 0.15 else 0.93)
        while remaining > 0:
            size = min(remaining, 1 + int(rng.expovariate(1 / 3.5)))
            remaining -= size
            day = w.pick_day(u["first_day"], u["last_day"])
            hour = rng.choices(range(24), cum_weights=w.hour_cum)[0]
            ts = max(u["since"] + 600, T0 + day * DAY + hour * 3600 + rng.randint(0, 3599))
            theme = rng.choices(range(len(_THEMES)), cum_weights=theme_cum)[0]
            city = -1
            if rng.random() < 0.4:
                city = u["city"] if rng.random() < 0.6 else rng.randrange(len(D.CITIES))
            r = rng.random()
            if r < 0.07:
                taken = 0  # scans and edited files without EXIF: '0000-00-00 00:00:00'
            elif r < 0.75:
                taken = ts - rng.randint(600, 3 * DAY)
            elif r < 0.95:
                taken = ts - rng.randint(3 * DAY, 120 * DAY)
            else:
                taken = ts - rng.randint(400 * DAY, 30 * 365 * DAY)
            r = rng.random()
            share = 4 if r < private_habit else rng.choice((0, 0, 1, 2, 3))
            for k in range(size):
                posted = min(ts + k * rng.randint(2, 40), w.now - 60)
                shot = min(taken + k * rng.randint(5, 300), posted - 60) if taken else 0  # taken before posted
                pre.append((posted, i, theme, city, shot, share))
    pre.sort(key=lambda p: p[0])
    return pre


def docs(db: sqlite3.Connection, w: World) -> None:
    """Insert docs and everything attached to single docs; fill the World's doc summaries."""
    rng, users, now = w.rng, w.users, w.now
    _tags(db, w)
    pre = _draft(w)
    open_users = [i for i, u in enumerate(users) if not u["is_closed"]]
    prof = []
    for _ in users:  # per-user habits: camera, default license, popularity
        cams = [c for c in D.CAMERAS if c[2] != "phone"]
        phones = [c for c in D.CAMERAS if c[2] == "phone"]
        lic = 0 if rng.random() < 0.65 else rng.choice(_LICENSES)
        prof.append((rng.choice(cams), rng.choice(phones), lic, min(8.0, rng.paretovariate(1.5))))
    theme_zipf = {t: _zipf(len(D.THEMES[t]["tags"])) for t in _THEMES}
    gen_zipf = _zipf(len(D.GENERIC_TAGS), 1.0)
    span = max(1, now - T0)
    rows: list[tuple] = []
    tags: list[tuple] = []
    members: list[tuple] = []
    notes: list[tuple] = []
    comments: list[tuple[int, int, int, int | None, str]] = []
    faves: list[tuple] = []
    visits: list[tuple] = []
    prev_id, note_id = 30_999_000, 210_000

    def flush() -> None:
        insert(db, "docs", _DOC_COLS, rows)
        insert(db, "doc_tags", "doc_id, tag_id, raw, user_id, added_at", tags)
        _children(db, members, notes, faves, visits)
        for buf in (rows, tags, members, notes, faves, visits):
            buf.clear()

    for posted, oi, theme_i, city, taken, share in pre:
        doc_id = max(31_000_000 + (posted - T0) * 18_000_000 // span, prev_id + 1 + rng.randint(0, 6))
        prev_id = doc_id
        u = users[oi]
        owner = u["user_id"]
        cam, phone, lic, pop = prof[oi]
        theme = _THEMES[theme_i]
        year = time.gmtime(posted).tm_year
        r = rng.random()
        media = "photo" if r < 0.9 else "video" if r < 0.96 else "audio" if r < 0.99 else "other"
        wd, ht, size, length, ext, stem, exif = original(rng, media, taken, year, phone if year >= 2014 else None, cam)
        place = D.CITIES[city][0] if city >= 0 else ""
        title, desc = _texts(w, u, theme, place, stem if media == "photo" else None, posted)
        lat = lng = None
        acc = 0
        if city >= 0:
            c = D.CITIES[city]
            lat, lng = round(c[2] + rng.gauss(0, 0.02), 6), round(c[3] + rng.gauss(0, 0.025), 6)
            acc = rng.choice((16, 16, 15, 14, 13, 11, 9, 6))
        if share == 4:
            age = (now - posted) / (365 * DAY)
            nvis = min(400_000, int(rng.paretovariate(1.15) * pop * (3 + 2 * min(age, 10))))
        else:
            nvis = rng.randint(0, 6)
        # Comments (replies by the owner), faves and identified visitors.
        if share == 4:
            ncom = 0 if rng.random() < 0.55 else min(30, int(rng.paretovariate(1.5) * pop * 0.6), nvis // 2 + 1)
            pool = open_users
        else:
            ncom = rng.randint(1, 2) if rng.random() < 0.1 else 0
            pool = [j for j in w.net[oi] if w.sees(j, oi, share) and not users[j]["is_closed"]]
        last_com = 0
        seen: dict[int, int] = {}
        for _ in range(ncom if pool else 0):
            j = rng.choice(pool)
            if j == oi:
                continue
            at = min(now - 30, posted + 60 + int(rng.expovariate(1 / (4 * DAY))))
            ci = len(comments)
            comments.append((at, doc_id, users[j]["user_id"], None, rng.choice(D.COMMENTS[users[j]["lg"]])))
            seen[j] = seen.get(j, 0) + 1
            last_com = max(last_com, at)
            if rng.random() < 0.1 and at < now - 120:
                rat = rng.randint(at + 60, min(now - 30, at + 5 * DAY))
                comments.append((rat, doc_id, owner, ci, rng.choice(D.REPLIES[u["lg"]])))
                last_com = max(last_com, rat)
        if share == 4:
            nf = min(len(open_users) // 2, int(nvis**0.5 / 4 * rng.random()))
            for j in rng.sample(open_users, nf):
                if j != oi:
                    faves.append((users[j]["user_id"], doc_id, rng.randint(posted, now - 1)))
                    seen.setdefault(j, 1)
            for j in rng.sample(open_users, min(len(open_users), int(rng.random() * 4))):
                if j != oi:
                    seen[j] = seen.get(j, 0) + rng.randint(1, 3)
        for j in sorted(seen):
            visits.append(("doc", doc_id, users[j]["user_id"], seen[j], rng.randint(posted, now - 1)))
        nvis = max(nvis, sum(seen.values()) + 1)
        modified = rng.randint(posted, now - 1) if rng.random() < 0.25 else posted
        replaced = rng.randint(posted, now - 1) if media == "photo" and rng.random() < 0.01 else 0
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(taken)) if taken else "0000-00-00 00:00:00"
        r = rng.random()
        safety = 1 if r < 0.95 else 2 if r < 0.99 else 3
        rows.append(
            (
                doc_id,
                owner,
                title,
                desc,
                media,
                lic if rng.random() < 0.9 else rng.choice(_LICENSES),
                safety,
                share,
                0 if share == 0 else rng.choice((5, 5, 5, 4, 3)),
                4,
                4,
                90 if media == "photo" and rng.random() < 0.02 else 0,
                posted,
                created,
                modified,
                replaced,
                max(modified, replaced, last_com),
                last_com,
                f"{rng.getrandbits(32):08x}",
                rng.randint(1, 6),
                f"{stem}.{ext.upper() if media == 'photo' else ext}",
                ext,
                wd,
                ht,
                size,
                length,
                f"{rng.getrandbits(128):032x}",
                lat,
                lng,
                acc,
                exif,
                nvis,
            )
        )
        for word in dict.fromkeys(_keywords(rng, theme, theme_zipf[theme], gen_zipf, place, year)):
            tagger = owner if rng.random() < 0.95 or share != 4 else rng.choice(users)["user_id"]
            raw = word.capitalize() if rng.random() < 0.2 else word
            tags.append((doc_id, w.tag_ids[word], raw, tagger, posted + rng.randint(0, 600)))
        if theme == "people" and media == "photo" and rng.random() < 0.2:
            friends = sorted(j for j, f in w.net[oi].items() if not f[2] and not users[j]["is_closed"])
            if friends:
                members.append((doc_id, users[rng.choice(friends)]["user_id"], owner, posted + rng.randint(0, DAY)))
        if media == "photo" and rng.random() < 0.03:
            for _ in range(rng.randint(1, 2)):
                note_id += rng.randint(1, 50)
                nw, nh = (560, 560 * ht // wd) if wd >= ht else (560 * wd // ht, 560)
                x, y = rng.randint(0, nw - 40), rng.randint(0, nh - 40)
                author = owner if share != 4 or rng.random() < 0.7 else rng.choice(users)["user_id"]
                notes.append(
                    (
                        note_id,
                        doc_id,
                        author,
                        None,
                        rng.choice(D.NOTES),
                        x,
                        y,
                        rng.randint(20, min(200, nw - x)),
                        rng.randint(20, min(200, nh - y)),
                        posted + rng.randint(60, 30 * DAY) if posted + 30 * DAY < now else posted,
                    )
                )
        w.doc_id.append(doc_id)
        w.doc_owner.append(oi)
        w.doc_share.append(share)
        w.doc_media.append(media)
        w.doc_posted.append(posted)
        w.doc_theme.append(theme_i)
        w.doc_city.append(city)
        if len(rows) >= _CHUNK:
            flush()
    flush()
    _comments(db, w, comments)


def _texts(w: World, u: dict, theme: str, place: str, photo_stem: str | None, posted: int) -> tuple[str, str]:
    """``(title, description)`` in the member's language (15% English); a photo's title is
    sometimes its file stem."""
    rng = w.rng
    lg = u["lg"] if rng.random() < 0.85 else "en"
    year = time.gmtime(posted).tm_year
    r = rng.random()
    if r < 0.02:
        title = ""
    elif r < 0.11 and photo_stem is not None:
        title = photo_stem
    else:
        noun = rng.choice(D.THEMES[theme][lg])
        form = rng.choice(D.TITLE_FORMS[lg]) if place else "{n}"
        title = form.format(n=noun, p=place, n_lower=noun[:1].lower() + noun[1:])
        if rng.random() < 0.08:
            title += f" #{rng.randint(2, 12)}"
    desc = ""
    if rng.random() < 0.55:
        wday = D.WEEKDAYS[lg][w.day_wd[min(w.last_day, (posted - T0) // DAY)]]
        sent = rng.sample(D.DESC_SENTENCES[lg], rng.randint(1, 3))
        desc = " ".join(sent).format(p=place or D.CITIES[u["city"]][0], d=wday, y=year)
    return title, desc


def _keywords(
    rng: random.Random, theme: str, theme_cum: list[float], gen_cum: list[float], place: str, year: int
) -> list[str]:
    """Keyword tags: the outing's theme (Zipf within it), the place, sometimes a year or generic words."""
    words = []
    tz = D.THEMES[theme]["tags"]
    for _ in range(rng.choice((0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8))):
        r = rng.random()
        if r < 0.6:
            words.append(tz[rng.choices(range(len(tz)), cum_weights=theme_cum)[0]])
        elif r < 0.75 and place:
            words.append(place.lower().replace(" ", ""))
        elif r < 0.82:
            words.append(str(year))
        else:
            words.append(D.GENERIC_TAGS[rng.choices(range(len(D.GENERIC_TAGS)), cum_weights=gen_cum)[0]])
    return words


def _children(db: sqlite3.Connection, members: list, notes: list, faves: list, visits: list) -> None:
    insert(db, "doc_members", "doc_id, member_id, user_id, added_at", members)
    insert(db, "notes", "note_id, doc_id, user_id, member_id, content, x, y, w, h, created_at", notes)
    insert(db, "faves_docs", "user_id, doc_id, faved_at", faves)
    insert(db, "visits", "kind, item_id, user_id, visits, visited_at", visits)


def _comments(db: sqlite3.Connection, w: World, comments: list) -> None:
    rows: list[tuple] = []
    for row in number_comments(w.rng, comments, 5_100_000, 30):
        rows.append(row)
        if len(rows) >= _CHUNK:
            _insert_comments(db, rows)
    _insert_comments(db, rows)


def _insert_comments(db: sqlite3.Connection, rows: list) -> None:
    insert(db, "comments", "comment_id, doc_id, user_id, parent_id, content, posted_at, modified_at", rows)
    rows.clear()
