"""``upload.file``, ``upload.replace`` and ``upload.checkTickets`` (docs/protocol.md §2.5, §5.2, §6.5).

An upload is a multipart POST whose ``file`` part is not signed (the dispatcher excludes it and
hands the parts over in ``ctx.files``). The bytes are checked (empty -> 1, above the
account's ``maxfilesize`` for the detected media or the sandbox's ``max_upload_bytes`` -> 2,
monthly allowance exhausted -> 3; a free account's video has a 0-byte limit, so code 2, as
``account.getQuota`` shows), then a ticket is created. ``async=0`` (default) processes it
before answering; ``async=1`` leaves it pending for ``config["upload_delay"]`` seconds, after
which the dispatcher turns it into a doc before the next call (:func:`process_due`). The bytes
go to the ``files`` table and are served back at the doc's original URL; thumbnails are
generated at the dimensions read from the file header (PNG, JPEG, GIF).

Parameter values the service would ignore (bad licence, safety, perms, geo) are ignored, never
an error: upload.file has no "invalid arguments" code.

Not emulated: EXIF extraction, video/audio length and transcoding (playable renditions are
generated PNGs), the "uploaded" page of finished tickets, and decoding dimensions of WebP/TIFF.

Example:
    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(4) + b"IHDR" + (3).to_bytes(4, "big") + (2).to_bytes(4, "big"))
    ('photo', 'png', 'image/png', 3, 2)
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import sqlite3
import struct
import time
from typing import Any

from ..registry import Ctx, Fault, Text, handler, next_id, s
from ..views import fetch_doc
from .doc_tags import split_keywords
from .doc_write import LICENSES, PERM_LEVELS, share_from_flags
from .user import limits, month_start

__all__ = ["MAX_TICKETS", "process_due", "safe_ext", "sniff"]

MAX_TICKETS = 50
log = logging.getLogger("ipernity_nb.sandbox")
_ROTATION = {1: 0, 3: 180, 6: 270, 8: 90}
_FLOAT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


def _dims_jpeg(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        size = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + size
    return 0, 0


def sniff(data: bytes) -> tuple[str, str, str, int, int]:
    """``(media, ext, mime, w, h)`` from the content's magic bytes (stdlib only)."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        w, h = struct.unpack(">II", data[16:24]) if len(data) >= 24 else (0, 0)
        return "photo", "png", "image/png", w, h
    if head.startswith(b"\xff\xd8\xff"):
        return ("photo", "jpg", "image/jpeg", *_dims_jpeg(data))
    if head[:6] in (b"GIF87a", b"GIF89a"):
        w, h = struct.unpack("<HH", data[6:10]) if len(data) >= 10 else (0, 0)
        return "photo", "gif", "image/gif", w, h
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo", "webp", "image/webp", 0, 0
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "photo", "tif", "image/tiff", 0, 0
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "avi", "video/x-msvideo", 0, 0
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", "wav", "audio/wav", 0, 0
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video", "mov", "video/quicktime", 0, 0
        return "video", "mp4", "video/mp4", 0, 0
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video", "webm", "video/webm", 0, 0
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio", "mp3", "audio/mpeg", 0, 0
    if head[:4] == b"OggS":
        return "audio", "ogg", "audio/ogg", 0, 0
    if head[:4] == b"fLaC":
        return "audio", "flac", "audio/flac", 0, 0
    return "other", "", "application/octet-stream", 0, 0


def safe_ext(filename: str) -> str:
    """The extension of an uploaded file's base name, if it is 1-8 letters or digits; else ``bin``.

    It ends up in URLs and in backup file names (``files/<doc_id>.<ext>``): a name such as
    ``q./../../x`` must not give ``/../../x``.

    >>> safe_ext("IMG_1.JPEG"), safe_ext("q./../../x"), safe_ext("notes.t x t"), safe_ext("a.")
    ('jpeg', 'bin', 'bin', 'bin')
    """
    base = re.split(r"[/\\]", filename)[-1]
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    return ext if re.fullmatch(r"[a-z0-9]{1,8}", ext) else "bin"


def _read_file(ctx: Ctx) -> tuple[bytes, str]:
    part = ctx.files.get("file")
    data = part.read() if part is not None else b""
    if not data:
        raise Fault(1, "File is missing or empty")
    return data, (getattr(part, "filename", "") or "")


def _check_limits(ctx: Ctx, data: bytes, media: str) -> None:
    assert ctx.user is not None  # token required: the dispatcher answered 106 otherwise
    lim = limits(ctx.user)
    if len(data) > int(ctx.config.get("max_upload_bytes", 64 * 1024 * 1024)) or len(data) > lim["maxfilesize"][media]:
        raise Fault(2, "File size exceeded limits")
    used = ctx.db.execute(
        "SELECT COALESCE(SUM(bytes), 0) FROM docs WHERE owner_id = ? AND posted_at >= ?",
        (ctx.user_id, month_start(ctx.now)),
    ).fetchone()[0]
    if used + len(data) > lim["upload_bytes"]:
        raise Fault(3, "User exceeded upload limits")


def _int_in(ctx: Ctx, name: str, allowed: Any) -> int | None:
    v = ctx.text(name).strip()
    if re.fullmatch(r"-?\d{1,9}", v) and int(v) in allowed:
        return int(v)
    return None


def _options(ctx: Ctx) -> dict[str, Any]:
    """The doc fields and relations the upload parameters ask for (bad values ignored)."""
    o: dict[str, Any] = {"title": ctx.text("title"), "description": ctx.text("description")}
    if any(ctx.has(f) for f in ("is_public", "is_family", "is_friend")):
        o["share"] = share_from_flags(*(int(ctx.flag(f)) for f in ("is_public", "is_family", "is_friend")))
    for name, allowed in (("license", LICENSES), ("safety", (1, 2, 3)), ("dir", tuple(_ROTATION))):
        v = _int_in(ctx, name, allowed)
        if v is not None:
            o["rotation" if name == "dir" else name] = _ROTATION[v] if name == "dir" else v
    for name in ("perm_comment", "perm_tag", "perm_tagme"):
        v = _int_in(ctx, name, PERM_LEVELS)
        if v is not None:
            o[name] = v
    lat, lng = ctx.text("lat"), ctx.text("lng")
    if _FLOAT.match(lat) and _FLOAT.match(lng) and -90 <= float(lat) <= 90 and -180 <= float(lng) <= 180:
        o.update(lat=float(lat), lng=float(lng), geo_accuracy=16)
    if _DATE.match(ctx.text("created_at").strip()):
        d = ctx.text("created_at").strip()
        o["created"] = d if len(d) > 10 else d + " 00:00:00"
    o["keywords"] = split_keywords(ctx.text("keywords"))
    members = []
    for who in ctx.items("member_ids"):
        row = ctx.db.execute(
            "SELECT user_id FROM users WHERE (user_id = ? OR username = ?) AND is_closed = 0",
            (int(who) if who.isdigit() and len(who) < 19 else -1, who),  # SQLite integers are 64-bit
        ).fetchone()
        if row is not None and row[0] not in members:
            members.append(int(row[0]))
    o["member_ids"] = members
    if ctx.has("album_id"):
        o["album_id"] = ctx.integer("album_id")
    return o


def _new_ticket(ctx: Ctx, payload: dict[str, Any], delay: float) -> int:
    ticket = next_id(ctx.db, "upload_tickets", "ticket_id", first=712001)
    ctx.db.execute(
        "INSERT INTO upload_tickets (ticket_id, user_id, api_key, status, created_at, ready_at, payload) "
        "VALUES (?, ?, ?, 'pending', ?, ?, ?)",
        (ticket, ctx.user_id, ctx.api_key, ctx.now, ctx.now + delay, json.dumps(payload)),
    )
    return int(ticket)


def _submit(ctx: Ctx, payload: dict[str, Any], data: bytes) -> dict:
    payload["content"] = base64.b64encode(data).decode("ascii")
    if ctx.flag("async"):
        delay = max(0, round(float(ctx.config.get("upload_delay", 1.0))))
        return {"ticket": Text(s(_new_ticket(ctx, payload, delay)))}
    ticket = _new_ticket(ctx, payload, 0)
    _process(ctx.db, ticket, ctx.now)  # async=0: the doc exists when the answer arrives
    return {"ticket": Text(s(ticket))}


@handler("upload.file")
def upload_file(ctx: Ctx) -> dict:
    """Store a new doc from the ``file`` part; returns ``{"ticket": id}`` (poll upload.checkTickets)."""
    data, filename = _read_file(ctx)
    media, ext, mime, w, h = sniff(data)
    _check_limits(ctx, data, media)
    if not ext:
        ext = safe_ext(filename)
    payload = {"kind": "file", "filename": filename, "media": media, "ext": ext, "mime": mime, "w": w, "h": h}
    payload["options"] = _options(ctx)
    return _submit(ctx, payload, data)


@handler("upload.replace")
def upload_replace(ctx: Ctx) -> dict:
    """Replace the bytes of one's own doc (PRO only): keeps the id and secret, bumps ``replaced_at``."""
    assert ctx.user is not None
    if not ctx.user["is_pro"]:
        raise Fault(6, "PRO account feature")
    try:
        doc = fetch_doc(ctx, ctx.integer("doc_id"), owner_only=True)
    except Fault:
        raise Fault(4, "Document not found") from None
    data, filename = _read_file(ctx)
    media, ext, mime, w, h = sniff(data)
    _check_limits(ctx, data, media)
    if media != doc["media"]:
        raise Fault(5, "File media type differs from the existing file")
    payload = {"kind": "replace", "doc_id": int(doc["doc_id"]), "filename": filename, "media": media}
    payload.update(ext=ext or str(doc["ext"]), mime=mime, w=w, h=h)
    return _submit(ctx, payload, data)


def _process(db: sqlite3.Connection, ticket_id: int, now: int) -> None:
    """Turn one pending ticket into a doc (or a replaced doc); an unusable one becomes invalid."""
    row = db.execute("SELECT * FROM upload_tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
    p = json.loads(row["payload"])
    data = base64.b64decode(p.pop("content", ""))
    md5 = hashlib.md5(data).hexdigest()
    user_id = int(row["user_id"])
    if p["kind"] == "replace":
        doc_id = int(p["doc_id"])
        cur = db.execute(
            "UPDATE docs SET ext = ?, w = ?, h = ?, bytes = ?, md5 = ?, filename = ?, replaced_at = ?, "
            "modified_at = ?, last_update_at = ? WHERE doc_id = ? AND owner_id = ?",
            (p["ext"], p["w"], p["h"], len(data), md5, p["filename"], now, now, now, doc_id, user_id),
        )
        if cur.rowcount == 0:  # deleted while pending
            db.execute(
                "UPDATE upload_tickets SET status = 'invalid', error = 'doc deleted' WHERE ticket_id = ?", (ticket_id,)
            )
            return
    else:
        o = p["options"]
        doc_id = next_id(db, "docs", "doc_id", first=9000001)
        created = o.get("created") or time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))
        cols: dict[str, Any] = {
            "doc_id": doc_id, "owner_id": user_id, "title": o.get("title", ""),
            "description": o.get("description", ""), "media": p["media"], "posted_at": now, "created": created,
            "modified_at": now, "last_update_at": now, "secret": secrets.token_hex(4), "filename": p["filename"],
            "ext": p["ext"], "w": p["w"], "h": p["h"], "bytes": len(data), "md5": md5,
        }  # fmt: skip
        for k in ("share", "license", "safety", "rotation", "perm_comment", "perm_tag", "perm_tagme", "lat", "lng"):
            if k in o:
                cols[k] = o[k]
        if "lat" in o:
            cols["geo_accuracy"] = o["geo_accuracy"]
        db.execute(f"INSERT INTO docs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", tuple(cols.values()))
        for raw in o.get("keywords", []):
            db.execute("INSERT OR IGNORE INTO tags (tag) VALUES (?)", (raw.lower(),))
            tag_id = db.execute("SELECT tag_id FROM tags WHERE tag = ?", (raw.lower(),)).fetchone()[0]
            db.execute(
                "INSERT OR IGNORE INTO doc_tags (doc_id, tag_id, raw, user_id, added_at) VALUES (?, ?, ?, ?, ?)",
                (doc_id, tag_id, raw, user_id, now),
            )
        for member_id in o.get("member_ids", []):
            db.execute(
                "INSERT OR IGNORE INTO doc_members (doc_id, member_id, user_id, added_at) VALUES (?, ?, ?, ?)",
                (doc_id, member_id, user_id, now),
            )
        album_id = o.get("album_id")
        if (
            album_id is not None
            and db.execute("SELECT 1 FROM albums WHERE album_id = ? AND owner_id = ?", (album_id, user_id)).fetchone()
        ):
            pos = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM album_docs WHERE album_id = ?", (album_id,))
            db.execute(
                "INSERT OR IGNORE INTO album_docs (album_id, doc_id, position, added_at) VALUES (?, ?, ?, ?)",
                (album_id, doc_id, pos.fetchone()[0], now),
            )
            db.execute("UPDATE albums SET last_update_at = ? WHERE album_id = ?", (now, album_id))
    db.execute("INSERT OR REPLACE INTO files (doc_id, content, mime) VALUES (?, ?, ?)", (doc_id, data, p["mime"]))
    db.execute(
        "UPDATE upload_tickets SET status = 'done', doc_id = ?, payload = ? WHERE ticket_id = ?",
        (doc_id, json.dumps(p), ticket_id),
    )


def process_due(state: Any, now: int) -> bool:
    """Process every pending ticket whose ``ready_at`` passed; True while some are still pending."""
    with state.connection() as db:
        due = db.execute("SELECT 1 FROM upload_tickets WHERE status = 'pending' AND ready_at <= ? LIMIT 1", (now,))
        if due.fetchone() is None:
            return db.execute("SELECT 1 FROM upload_tickets WHERE status = 'pending' LIMIT 1").fetchone() is not None
    with state.transaction(write=True) as db:
        ids = [
            r[0]
            for r in db.execute(
                "SELECT ticket_id FROM upload_tickets WHERE status = 'pending' AND ready_at <= ?", (now,)
            )
        ]
        for ticket_id in ids:
            db.execute("SAVEPOINT ticket")
            try:
                _process(db, ticket_id, now)
            except Exception:  # a bad ticket must not fail every later call: it becomes invalid
                log.exception("upload ticket %s could not be processed", ticket_id)
                db.execute("ROLLBACK TO ticket")
                db.execute(
                    "UPDATE upload_tickets SET status = 'invalid', error = 'processing failed' WHERE ticket_id = ?",
                    (ticket_id,),
                )
            db.execute("RELEASE ticket")
        return db.execute("SELECT 1 FROM upload_tickets WHERE status = 'pending' LIMIT 1").fetchone() is not None


@handler("upload.checkTickets")
def check_tickets(ctx: Ctx) -> dict:
    """``tickets{count,done,invalid,left,eta, ticket[]{id,done,invalid,doc_id?,eta}}`` for ≤50 own tickets.

    A ticket that is not the caller's (or does not exist) is reported ``invalid="1"``; code 1
    when none is found, or when more than 50 are asked for (the documented maximum).
    """
    ids: list[int] = ctx.ints("tickets")
    if len(ids) > MAX_TICKETS:
        raise Fault(1, f"Tickets not found (at most {MAX_TICKETS} tickets per call)")
    items, found = [], 0
    done = invalid = left = eta_max = 0
    for t in dict.fromkeys(ids):
        row = ctx.db.execute(
            "SELECT status, doc_id, ready_at FROM upload_tickets WHERE ticket_id = ? AND user_id = ?", (t, ctx.user_id)
        ).fetchone()
        item = {"id": s(t)}
        if row is None or row["status"] == "invalid":
            found += row is not None
            invalid += 1
            item.update(done="0", invalid="1", eta="0")
        elif row["status"] == "done":
            found += 1
            done += 1
            item.update(done="1", invalid="0", doc_id=s(row["doc_id"]), eta="0")
        else:
            found += 1
            left += 1
            eta = max(0, int(row["ready_at"]) - ctx.now)
            eta_max = max(eta_max, eta)
            item.update(done="0", invalid="0", eta=s(eta))
        items.append(item)
    if not found:
        raise Fault(1, "Tickets not found")
    out: dict[str, Any] = {"count": s(len(items)), "done": s(done), "invalid": s(invalid), "left": s(left)}
    out["eta"] = s(eta_max)
    out["ticket"] = items
    return {"tickets": out}
