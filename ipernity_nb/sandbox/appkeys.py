"""Application keys and their settings: create, list, edit, renew the secret. No HTTP.

What the owner of a key sets on ``/apps/key/<api_key>`` and what the one dispatcher
(sandbox/app.py) enforces on every call, in its order: a disabled key answers **101**, a
caller outside the allowed addresses **111**, and with "always require signed calls" on, a
call without ``api_sig`` answers **104** even for a method that needs no signature
(docs/protocol.md §5.1). A renewed secret makes signatures made with the old one fail (105).

Example:
    >>> from ipernity_nb.sandbox.state import State
    >>> st = State(None, seed="empty")
    >>> with st.transaction(write=True) as db:
    ...     made = create_app(db, "My notebook", owner_id=284002, terms=True)
    ...     _ = change(db, made["api_key"], always_signed=True, allowed_ips="127.0.0.1 10.0.0.0/8")
    ...     key = get_key(db, made["api_key"])
    >>> key["always_signed"], key["allowed_ips"], ip_allowed(key["allowed_ips"], "10.1.2.3")
    (True, '127.0.0.1 10.0.0.0/8', True)
    >>> st.close()
"""

from __future__ import annotations

import ipaddress
import secrets
import sqlite3
import time
from functools import lru_cache
from typing import Any

from ..errors import ControlError

__all__ = [
    "KEY_RULES_SQL",
    "change",
    "create_app",
    "gallery",
    "get_key",
    "ip_allowed",
    "keys_of",
    "member_groups",
    "new_secret",
    "parse_ips",
]

#: The dispatcher's one query per call: the key, its secret and the rules it enforces.
KEY_RULES_SQL = (
    "SELECT a.api_key, a.secret, COALESCE(s.active, 1) AS active, COALESCE(s.always_signed, 0) AS always_signed,"
    " COALESCE(s.allowed_ips, '') AS allowed_ips FROM apps a LEFT JOIN app_settings s ON s.api_key = a.api_key"
    " WHERE a.api_key = ?"
)
_KEY_SQL = (
    "SELECT a.*, COALESCE(s.description, '') AS description, COALESCE(s.active, 1) AS active,"
    " COALESCE(s.always_signed, 0) AS always_signed, COALESCE(s.listed, 0) AS listed,"
    " COALESCE(s.allowed_ips, '') AS allowed_ips, s.group_id, g.title AS group_title,"
    " COALESCE(g.description, '') AS group_description, COALESCE(s.secret_at, a.created_at) AS secret_at"
    " FROM apps a LEFT JOIN app_settings s ON s.api_key = a.api_key LEFT JOIN grp g ON g.group_id = s.group_id"
)
_FIELDS = frozenset({"name", "description", "callback", "active", "always_signed", "listed", "allowed_ips", "group_id"})
_MAX_NAME, _MAX_DESCRIPTION, _MAX_CALLBACK, _MAX_IPS = 80, 2000, 500, 20


def _text(value: Any, what: str, limit: int, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ControlError(f'"{what}" is required')
    if len(text) > limit:
        raise ControlError(f'"{what}" is too long ({len(text)} characters, at most {limit})')
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ControlError(f'"{what}" contains control characters')
    return text


def _callback(kind: str, callback: Any) -> str:
    cb = _text(callback, "callback", _MAX_CALLBACK)
    if kind == "web" and not cb:
        raise ControlError('a web app needs a "callback" URL (absolute, or a path on the sandbox)')
    if cb and not (cb.startswith(("http://", "https://")) or (cb.startswith("/") and not cb.startswith("//"))):
        raise ControlError('"callback" must be an http(s) URL or a path starting with "/"')
    return cb


def parse_ips(text: Any) -> str:
    """Normalise a list of addresses and networks (spaces, commas or lines) to one spaced string.

    ``""`` allows every address. A bad entry raises :class:`ControlError` naming it.
    """
    items = [x for x in str(text or "").replace(",", " ").split() if x]
    if len(items) > _MAX_IPS:
        raise ControlError(f"at most {_MAX_IPS} allowed addresses or networks")
    out = []
    for item in items:
        try:
            net = ipaddress.ip_network(item, strict=False) if "/" in item else ipaddress.ip_address(item)
            out.append(str(net))
        except ValueError:
            raise ControlError(f"{item!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)") from None
    return " ".join(dict.fromkeys(out))


@lru_cache(maxsize=256)
def _networks(allowed: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(x, strict=False) for x in allowed.split())


def ip_allowed(allowed: str, addr: str) -> bool:
    """Whether ``addr`` may use a key whose allowed list is ``allowed`` (``""``: everyone)."""
    if not allowed:
        return True
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _networks(allowed))


def create_app(
    db: sqlite3.Connection,
    name: Any,
    auth: Any = "desktop",
    callback: Any = "",
    *,
    owner_id: int | None = None,
    description: Any = "",
    terms: bool = True,
    now: int | None = None,
) -> dict[str, str]:
    """Register an API key; returns ``{"api_key", "secret"}``. A member must accept the API terms."""
    if not isinstance(name, str) or not name.strip():
        raise ControlError('"name" is required (the application name shown on the consent page)')
    name = _text(name, "name", _MAX_NAME, required=True)
    if auth not in ("desktop", "web"):
        raise ControlError('"auth" must be "desktop" or "web"')
    cb = _callback(auth, callback)
    desc = _text(description, "description", _MAX_DESCRIPTION)
    if not terms:
        raise ControlError("accept the API terms of use to get a key")
    now = int(time.time()) if now is None else now
    key, secret = secrets.token_hex(16), secrets.token_hex(8)
    db.execute(
        "INSERT INTO apps (api_key, secret, name, kind, callback, owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key, secret, name, auth, cb, owner_id, now),
    )
    db.execute(
        "INSERT INTO app_settings (api_key, description, terms_at, secret_at) VALUES (?, ?, ?, ?)",
        (key, desc, now, now),
    )
    return {"api_key": key, "secret": secret}


def get_key(db: sqlite3.Connection, api_key: str) -> dict[str, Any] | None:
    """Everything about a key (settings with their defaults, linked group title), or ``None``."""
    row = db.execute(_KEY_SQL + " WHERE a.api_key = ?", (api_key,)).fetchone()
    return _key_dict(row) if row is not None else None


def _key_dict(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for flag in ("active", "always_signed", "listed"):
        out[flag] = bool(out[flag])
    return out


def keys_of(db: sqlite3.Connection, owner_id: int) -> list[dict[str, Any]]:
    """The keys ``owner_id`` created, newest first."""
    rows = db.execute(_KEY_SQL + " WHERE a.owner_id = ? ORDER BY a.created_at DESC, a.name", (owner_id,))
    return [_key_dict(r) for r in rows]


def gallery(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Listed and active applications, by name (the public gallery ``/apps``)."""
    rows = db.execute(_KEY_SQL + " WHERE s.listed = 1 AND s.active = 1 ORDER BY a.name COLLATE NOCASE")
    return [_key_dict(r) for r in rows]


def member_groups(db: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """Groups ``user_id`` belongs to (the choices for a linked group), by title."""
    return db.execute(
        "SELECT g.group_id, g.title FROM grp g JOIN grp_members m ON m.group_id = g.group_id"
        " WHERE m.user_id = ? ORDER BY g.title COLLATE NOCASE",
        (user_id,),
    ).fetchall()


def change(db: sqlite3.Connection, api_key: str, *, by: int | None = None, **fields: Any) -> dict[str, Any]:
    """Edit a key: ``name``, ``description``, ``callback``, ``active``, ``always_signed``, ``listed``,
    ``allowed_ips``, ``group_id`` (``None``/``0`` unlinks; else a group ``by`` belongs to, or the one
    already linked). Returns the key as :func:`get_key` reads it."""
    key = get_key(db, api_key)
    if key is None:
        raise ControlError("unknown api_key", status=404)
    unknown = set(fields) - _FIELDS
    if unknown:
        raise ControlError(f"unknown settings {sorted(unknown)}")
    app_cols: dict[str, Any] = {}
    if "name" in fields:
        app_cols["name"] = _text(fields["name"], "name", _MAX_NAME, required=True)
    if "callback" in fields:
        app_cols["callback"] = _callback(key["kind"], fields["callback"])
    settings: dict[str, Any] = {}
    if "description" in fields:
        settings["description"] = _text(fields["description"], "description", _MAX_DESCRIPTION)
    for flag in ("active", "always_signed", "listed"):
        if flag in fields:
            settings[flag] = 1 if fields[flag] else 0
    if "allowed_ips" in fields:
        settings["allowed_ips"] = parse_ips(fields["allowed_ips"])
    if "group_id" in fields:
        settings["group_id"] = _group(db, fields["group_id"], by, key.get("group_id"))
    for col, value in app_cols.items():
        db.execute(f"UPDATE apps SET {col} = ? WHERE api_key = ?", (value, api_key))
    if settings:
        db.execute("INSERT OR IGNORE INTO app_settings (api_key) VALUES (?)", (api_key,))
        for col, value in settings.items():
            db.execute(f"UPDATE app_settings SET {col} = ? WHERE api_key = ?", (value, api_key))
    changed = get_key(db, api_key)
    assert changed is not None
    return changed


def _group(db: sqlite3.Connection, value: Any, by: int | None, current: int | None) -> int | None:
    try:
        gid = int(value or 0)
    except (TypeError, ValueError):
        raise ControlError(f"group {value!r} is not a group id") from None
    if gid == 0:
        return None
    if gid == current:
        return gid
    if not db.execute("SELECT 1 FROM grp WHERE group_id = ?", (gid,)).fetchone():
        raise ControlError(f"group {gid} does not exist", status=404)
    if (
        by is not None
        and not db.execute("SELECT 1 FROM grp_members WHERE group_id = ? AND user_id = ?", (gid, by)).fetchone()
    ):
        raise ControlError("link one of your own groups: join or create the group first", status=403)
    return gid


def new_secret(db: sqlite3.Connection, api_key: str, now: int | None = None) -> str:
    """Replace the key's secret; calls signed with the old one answer 105 from now on."""
    secret = secrets.token_hex(8)
    if db.execute("UPDATE apps SET secret = ? WHERE api_key = ?", (secret, api_key)).rowcount != 1:
        raise ControlError("unknown api_key", status=404)
    db.execute("INSERT OR IGNORE INTO app_settings (api_key) VALUES (?)", (api_key,))
    now = int(time.time()) if now is None else now
    db.execute("UPDATE app_settings SET secret_at = ? WHERE api_key = ?", (now, api_key))
    return secret
