-- The sandbox's whole state. One SQLite database per Sandbox; nothing lives outside it but
-- the app instance's configuration. Times are Unix seconds (INTEGER) unless named `created`
-- (a 'YYYY-MM-DD HH:MM:SS' string, as the API emits it). Flags are 0/1 INTEGERs.
-- Visibility `share`: 0 private, 1 family, 2 friends, 3 friends+family, 4 public (docs/protocol.md §6.4).
-- Comment/tag permissions: 0 owner only, 1 family, 2 friends, 3 friends+family, 4 contacts, 5 everyone.
-- Ids users see (docs, albums, folders, comments, notes, posts, tickets) are AUTOINCREMENT: a deleted
-- id never comes back (id-keyed caches and incremental backups rely on it); see registry.next_id.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    user_id       INTEGER PRIMARY KEY,          -- hundreds of thousands, like the live service
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,                -- sha256 hex of salt+password, see sandbox.state
    realname      TEXT NOT NULL DEFAULT '',
    alias         TEXT NOT NULL DEFAULT '',
    is_pro        INTEGER NOT NULL DEFAULT 0,
    is_closed     INTEGER NOT NULL DEFAULT 0,
    is_online     INTEGER NOT NULL DEFAULT 0,
    lg            TEXT NOT NULL DEFAULT 'en',
    sex           TEXT NOT NULL DEFAULT '',
    country       TEXT NOT NULL DEFAULT '',
    town          TEXT NOT NULL DEFAULT '',
    lat           REAL,
    lng           REAL,
    member_since  INTEGER NOT NULL DEFAULT 0,
    last_online   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS apps (
    api_key    TEXT PRIMARY KEY,                -- 32 hex chars
    secret     TEXT NOT NULL,                   -- 16 hex chars
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('desktop', 'web')),
    callback   TEXT NOT NULL DEFAULT '',
    owner_id   INTEGER,
    created_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS sessions (               -- site login sessions (cookie)
    session_id TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS frobs (
    frob       TEXT PRIMARY KEY,                -- '<digits>-<hex>'
    api_key    TEXT NOT NULL REFERENCES apps(api_key),
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'used')),
    user_id    INTEGER REFERENCES users(user_id),
    perms      TEXT NOT NULL DEFAULT '{}',      -- JSON {"doc": "write", ...} once approved
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS tokens (
    token        TEXT PRIMARY KEY,              -- '<digits>-<hex>' from secrets
    api_key      TEXT NOT NULL REFERENCES apps(api_key),
    user_id      INTEGER NOT NULL REFERENCES users(user_id),
    perm_doc     TEXT NOT NULL DEFAULT 'none',
    perm_blog    TEXT NOT NULL DEFAULT 'none',
    perm_post    TEXT NOT NULL DEFAULT 'none',
    perm_network TEXT NOT NULL DEFAULT 'none',
    perm_profile TEXT NOT NULL DEFAULT 'none',
    created_at   INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS authorizations (         -- apps a user has approved, with the rights
    api_key    TEXT NOT NULL REFERENCES apps(api_key),
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    perms      TEXT NOT NULL,                   -- JSON
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (api_key, user_id)
);

CREATE TABLE IF NOT EXISTS oauth_tokens (           -- OAuth 1.0a request and access tokens
    token      TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    api_key    TEXT NOT NULL REFERENCES apps(api_key),
    kind       TEXT NOT NULL CHECK (kind IN ('request', 'access')),
    user_id    INTEGER REFERENCES users(user_id),
    perms      TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS oauth_nonces (
    api_key   TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (api_key, nonce)
);

CREATE TABLE IF NOT EXISTS docs (
    doc_id          INTEGER PRIMARY KEY AUTOINCREMENT, -- millions, like the live service
    owner_id        INTEGER NOT NULL REFERENCES users(user_id),
    title           TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    media           TEXT NOT NULL CHECK (media IN ('photo', 'video', 'audio', 'other')),
    license         INTEGER NOT NULL DEFAULT 0,  -- 0,1,3,5,7,9,11,255
    safety          INTEGER NOT NULL DEFAULT 1,  -- 1 all, 2 not for all, 3 adults
    share           INTEGER NOT NULL DEFAULT 4,  -- 0..4, see header
    perm_comment    INTEGER NOT NULL DEFAULT 5,
    perm_tag        INTEGER NOT NULL DEFAULT 4,
    perm_tagme      INTEGER NOT NULL DEFAULT 4,
    rotation        INTEGER NOT NULL DEFAULT 0,
    posted_at       INTEGER NOT NULL,
    created         TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',  -- taken date
    modified_at     INTEGER NOT NULL DEFAULT 0,
    replaced_at     INTEGER NOT NULL DEFAULT 0,
    last_update_at  INTEGER NOT NULL DEFAULT 0,
    last_comment_at INTEGER NOT NULL DEFAULT 0,
    secret          TEXT NOT NULL,              -- 8 hex chars used in media URLs
    farm            INTEGER NOT NULL DEFAULT 1,
    filename        TEXT NOT NULL DEFAULT '',
    ext             TEXT NOT NULL DEFAULT 'jpg',
    w               INTEGER NOT NULL DEFAULT 0,  -- original width/height in pixels
    h               INTEGER NOT NULL DEFAULT 0,
    bytes           INTEGER NOT NULL DEFAULT 0,
    length          INTEGER NOT NULL DEFAULT 0,  -- seconds, for video/audio
    md5             TEXT NOT NULL DEFAULT '',
    lat             REAL,                       -- NULL = no geolocation
    lng             REAL,
    geo_accuracy    INTEGER NOT NULL DEFAULT 0,
    exif            TEXT NOT NULL DEFAULT '[]', -- JSON list of {"tagspace","tag","label","raw"}
    visits          INTEGER NOT NULL DEFAULT 0  -- all visits (anonymous included)
);
CREATE INDEX IF NOT EXISTS docs_owner ON docs(owner_id, posted_at);
CREATE INDEX IF NOT EXISTS docs_posted ON docs(posted_at);
CREATE INDEX IF NOT EXISTS docs_md5 ON docs(md5);
CREATE INDEX IF NOT EXISTS docs_visits ON docs(visits);  -- doc.search sort=popular, explore popular
CREATE INDEX IF NOT EXISTS docs_geo ON docs(lat, lng);    -- doc.search lat/lng/dist bounding box
-- doc.search text=: a covering index, so the LIKE scan reads narrow index rows, not whole docs
CREATE INDEX IF NOT EXISTS docs_text ON docs(title, description, share, owner_id, posted_at);

CREATE TABLE IF NOT EXISTS files (                  -- bytes of uploaded originals
    doc_id  INTEGER PRIMARY KEY REFERENCES docs(doc_id) ON DELETE CASCADE,
    content BLOB NOT NULL,
    mime    TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tags (
    tag_id INTEGER PRIMARY KEY,
    tag    TEXT NOT NULL UNIQUE                 -- normalised: lower case, trimmed
);

CREATE TABLE IF NOT EXISTS doc_tags (               -- keyword tags
    doc_id   INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags(tag_id),
    raw      TEXT NOT NULL,                     -- as typed by the tagger
    user_id  INTEGER NOT NULL,                  -- who added it
    added_at INTEGER NOT NULL,
    PRIMARY KEY (doc_id, tag_id)
);
CREATE INDEX IF NOT EXISTS doc_tags_tag ON doc_tags(tag_id);

CREATE TABLE IF NOT EXISTS doc_members (            -- member tags (people on the picture)
    doc_id    INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES users(user_id),
    user_id   INTEGER NOT NULL,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (doc_id, member_id)
);

CREATE TABLE IF NOT EXISTS notes (
    note_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id     INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,                -- author
    member_id  INTEGER,                         -- member note
    content    TEXT NOT NULL DEFAULT '',
    x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_doc ON notes(doc_id);

CREATE TABLE IF NOT EXISTS comments (               -- comments on docs
    comment_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id      INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    parent_id   INTEGER,                        -- doc.comments.reply
    content     TEXT NOT NULL,
    posted_at   INTEGER NOT NULL,
    modified_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS comments_doc ON comments(doc_id, posted_at);

CREATE TABLE IF NOT EXISTS albums (
    album_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id        INTEGER NOT NULL REFERENCES users(user_id),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    cover_id        INTEGER,
    perm_comment    INTEGER NOT NULL DEFAULT 5,
    position        INTEGER NOT NULL DEFAULT 0,  -- album.orderList
    created_at      INTEGER NOT NULL,
    last_update_at  INTEGER NOT NULL DEFAULT 0,
    last_comment_at INTEGER NOT NULL DEFAULT 0,
    visits          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS albums_owner ON albums(owner_id, position);

CREATE TABLE IF NOT EXISTS album_docs (
    album_id INTEGER NOT NULL REFERENCES albums(album_id) ON DELETE CASCADE,
    doc_id   INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (album_id, doc_id)
);
CREATE INDEX IF NOT EXISTS album_docs_doc ON album_docs(doc_id);

CREATE TABLE IF NOT EXISTS folders (
    folder_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id       INTEGER NOT NULL REFERENCES users(user_id),
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    cover_id       INTEGER,
    position       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    last_update_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS folder_albums (
    folder_id INTEGER NOT NULL REFERENCES folders(folder_id) ON DELETE CASCADE,
    album_id  INTEGER NOT NULL REFERENCES albums(album_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (folder_id, album_id)
);

CREATE TABLE IF NOT EXISTS grp (                    -- groups ("groups" is an SQL keyword)
    group_id    INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL DEFAULT 'en',
    owner_id    INTEGER NOT NULL REFERENCES users(user_id),
    is_public   INTEGER NOT NULL DEFAULT 1,      -- 0 = private group: pool visible to members only
    moderated   INTEGER NOT NULL DEFAULT 0,      -- 1 = added docs are 'pending'
    is_closed   INTEGER NOT NULL DEFAULT 0,      -- 1 = accepts no new docs (group.docs.add code 4)
    media       TEXT NOT NULL DEFAULT '',        -- comma list of accepted media; '' = all
    max_docs    INTEGER NOT NULL DEFAULT 0,      -- per member per day; 0 = unlimited
    created_at  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS grp_members (
    group_id  INTEGER NOT NULL REFERENCES grp(group_id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(user_id),
    role      TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX IF NOT EXISTS grp_members_user ON grp_members(user_id);

CREATE TABLE IF NOT EXISTS grp_docs (
    group_id INTEGER NOT NULL REFERENCES grp(group_id) ON DELETE CASCADE,
    doc_id   INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,                  -- who added it
    added_at INTEGER NOT NULL,
    pending  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, doc_id)
);
CREATE INDEX IF NOT EXISTS grp_docs_doc ON grp_docs(doc_id);

CREATE TABLE IF NOT EXISTS faves_docs (
    user_id  INTEGER NOT NULL REFERENCES users(user_id),
    doc_id   INTEGER NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    faved_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, doc_id)
);
CREATE INDEX IF NOT EXISTS faves_docs_doc ON faves_docs(doc_id);

CREATE TABLE IF NOT EXISTS faves_albums (
    user_id  INTEGER NOT NULL REFERENCES users(user_id),
    album_id INTEGER NOT NULL REFERENCES albums(album_id) ON DELETE CASCADE,
    faved_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, album_id)
);

CREATE TABLE IF NOT EXISTS faves_posts (
    user_id  INTEGER NOT NULL REFERENCES users(user_id),
    post_id  INTEGER NOT NULL REFERENCES posts(post_id) ON DELETE CASCADE,
    faved_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, post_id)
);

CREATE TABLE IF NOT EXISTS network (                -- relations from user_id's point of view
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    contact_id INTEGER NOT NULL REFERENCES users(user_id),
    is_family  INTEGER NOT NULL DEFAULT 0,
    is_friend  INTEGER NOT NULL DEFAULT 0,
    is_blocked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, contact_id)
);
CREATE INDEX IF NOT EXISTS network_contact ON network(contact_id);

CREATE TABLE IF NOT EXISTS posts (                  -- blog articles
    post_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id     INTEGER NOT NULL REFERENCES users(user_id),
    title        TEXT NOT NULL,
    intro        TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL DEFAULT '',
    share        INTEGER NOT NULL DEFAULT 4,
    license      INTEGER NOT NULL DEFAULT 0,
    perm_comment INTEGER NOT NULL DEFAULT 5,
    perm_tag     INTEGER NOT NULL DEFAULT 4,
    perm_tagme   INTEGER NOT NULL DEFAULT 4,
    lg_id        INTEGER NOT NULL DEFAULT 0,
    posted_at    INTEGER NOT NULL,
    created      TEXT NOT NULL DEFAULT '0000-00-00 00:00:00',
    modified_at  INTEGER NOT NULL DEFAULT 0,
    visits       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS posts_owner ON posts(owner_id, posted_at);

CREATE TABLE IF NOT EXISTS post_tags (
    post_id INTEGER NOT NULL REFERENCES posts(post_id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags(tag_id),
    PRIMARY KEY (post_id, tag_id)
);

CREATE TABLE IF NOT EXISTS post_comments (
    comment_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id     INTEGER NOT NULL REFERENCES posts(post_id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    parent_id   INTEGER,
    content     TEXT NOT NULL,
    posted_at   INTEGER NOT NULL,
    modified_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS visits (                 -- identified visitors (doc/album/post.getVisitors)
    kind       TEXT NOT NULL CHECK (kind IN ('doc', 'album', 'post')),
    item_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    visits     INTEGER NOT NULL DEFAULT 1,
    visited_at INTEGER NOT NULL,
    PRIMARY KEY (kind, item_id, user_id)
);
-- a page's "last visit" per doc straight from the index (views_blocks.counts)
CREATE INDEX IF NOT EXISTS visits_last ON visits(kind, item_id, visited_at);

CREATE TABLE IF NOT EXISTS upload_tickets (
    ticket_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(user_id),
    api_key    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'invalid')),
    doc_id     INTEGER,
    created_at INTEGER NOT NULL,
    ready_at   INTEGER NOT NULL,                -- when the doc appears (eta = ready_at - now)
    error      TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL DEFAULT '{}'       -- JSON: parameters to apply when processed
);

-- Application keys as their owners set them on /apps/key/<api_key> (sandbox/appkeys.py).
-- A key without a row here has the defaults: active, unlisted, no IP rule, signatures as the
-- method requires. Kept beside `apps` so the dispatcher reads key and settings in one query.
CREATE TABLE IF NOT EXISTS app_settings (
    api_key       TEXT PRIMARY KEY REFERENCES apps(api_key) ON DELETE CASCADE,
    description   TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,    -- 0: every call answers 101
    always_signed INTEGER NOT NULL DEFAULT 0,    -- 1: a call without api_sig answers 104
    listed        INTEGER NOT NULL DEFAULT 0,    -- 1: shown in the public gallery /apps
    allowed_ips   TEXT NOT NULL DEFAULT '',      -- space-separated addresses/networks; '' = any (else 111)
    group_id      INTEGER,                       -- the linked group (grp.group_id), shown on the app's page
    terms_at      INTEGER NOT NULL DEFAULT 0,    -- when the owner accepted the API terms
    secret_at     INTEGER NOT NULL DEFAULT 0     -- when the secret was last renewed
);

-- Calls per application, day, method and outcome (0 = ok, else the API error code): the
-- statistics of /apps/key/<api_key>. Counted in memory and flushed in batches (appstats.py).
CREATE TABLE IF NOT EXISTS app_stats (
    api_key TEXT NOT NULL,
    day     TEXT NOT NULL,                       -- 'YYYY-MM-DD' (UTC)
    method  TEXT NOT NULL,
    code    INTEGER NOT NULL,
    calls   INTEGER NOT NULL,
    PRIMARY KEY (api_key, day, method, code)
);

CREATE TABLE IF NOT EXISTS grp_topics (            -- group discussions (the help groups' posts)
    topic_id  INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES grp(group_id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(user_id),
    title     TEXT NOT NULL,
    content   TEXT NOT NULL DEFAULT '',
    posted_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS grp_topics_group ON grp_topics(group_id, posted_at);
