"""Seed stage 4: the API help groups ipernity's "Getting started" page names, and their posts.

"API dev" (for developers) and "API users" (for people using applications), each with a few
discussion posts; the demo desktop application is linked to "API users", as the page
suggests ("to chat with users of your application, create a group and link it"). Ids, dates
and members are fixed, not drawn from the seed's random stream, so adding this stage left
every other seeded row as it was. The named demo users are not members: their group lists
stay what the tutorials show.
"""

from __future__ import annotations

import sqlite3

from .demo_world import DEMO_DESKTOP_APP, DEMO_USERS
from .seed_gen import DAY, World, insert

__all__ = ["API_DEV", "API_USERS", "help_groups"]

#: The two help groups: (group_id, title, description).
API_DEV = (40_101, "API dev", "Building applications with the ipernity API: keys, signatures, methods, bugs.")
API_USERS = (40_102, "API users", "Help and news for members who use applications made with the ipernity API.")
_POSTS = {
    API_DEV[0]: [
        ("Welcome: read this first", "Ask here about API keys, signatures (api_sig) and methods. Share code samples."),
        ("104 Signature missing on test.hello?", "Your key has 'always require signed calls' on: sign every call."),
        ("Paging through doc.search", "Use page and per_page; the total is capped at 3000, split by dates."),
    ],
    API_USERS[0]: [
        ("Welcome to API users", "Questions about an application you use? The developers read this group."),
        ("How do I revoke an application?", "Account settings, Authorized applications, Revoke: its access ends."),
        ("The demo notebook app", "Discuss the ipernity_nb demo application here."),
    ],
}


def help_groups(db: sqlite3.Connection, w: World) -> None:
    """Insert the help groups, their members and posts, and link the demo app to "API users"."""
    generated = [u for u in w.users[len(DEMO_USERS) :] if not u["is_closed"]]
    if len(generated) < 2:  # a seed without members (scale 0 still has them; "empty" has none)
        return
    created = w.now - 700 * DAY
    groups, members, topics = [], [], []
    topic_id = 7_000_100
    for k, (gid, title, description) in enumerate((API_DEV, API_USERS)):
        owner = generated[k]
        groups.append((gid, title, description, "en", owner["user_id"], 1, 0, 0, "", 0, created + k * DAY))
        crowd = [owner, *generated[2 + k : 8 + k : 2]]
        for r, u in enumerate(crowd):
            members.append((gid, u["user_id"], "admin" if r == 0 else "member", created + (k + r) * DAY))
        for i, (t, content) in enumerate(_POSTS[gid]):
            topic_id += 7
            author = crowd[i % len(crowd)]
            topics.append((topic_id, gid, author["user_id"], t, content, created + (30 + 40 * i + k) * DAY))
    insert(
        db,
        "grp",
        "group_id, title, description, lang, owner_id, is_public, moderated, is_closed, media, max_docs, created_at",
        groups,
    )
    insert(db, "grp_members", "group_id, user_id, role, joined_at", members)
    insert(db, "grp_topics", "topic_id, group_id, user_id, title, content, posted_at", topics)
    insert(
        db,
        "app_settings",
        "api_key, description, listed, group_id, terms_at",
        [
            (
                DEMO_DESKTOP_APP["api_key"],
                "The tutorials' application: notebooks that explore the ipernity API.",
                1,
                API_USERS[0],
                w.now - 400 * DAY,
            )
        ],
    )
