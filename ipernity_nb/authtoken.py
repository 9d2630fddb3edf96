"""The :class:`Token` (user + rights per scope) and the permission vocabulary. No I/O.

Split from :mod:`ipernity_nb.auth` (which re-exports every name here); also the small helpers
that hand credentials and tokens to a :class:`~ipernity_nb.Client`.

Example:
    >>> t = Token("123-abc", user_id=284001, username="alice", permissions={"doc": "write"})
    >>> t.has("doc", "read"), t.has("doc", "delete")
    (True, False)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import IpernityError, ParameterError
from .perms import SCOPE_LEVELS, SCOPES, level_allows

__all__ = ["SCOPES", "SCOPE_LEVELS", "Token", "apply_token", "normalize_perms", "set_credentials"]


def normalize_perms(perms: Mapping[str, str] | None) -> dict[str, str]:
    """Check requested rights and return them for every scope (``none`` where not asked).

    Example:
        >>> normalize_perms({"doc": "write"})["doc"], normalize_perms(None)["blog"]
        ('write', 'none')
    """
    out = dict.fromkeys(SCOPES, "none")
    for scope, level in (perms or {}).items():
        scope = scope.removeprefix("perm_")
        if scope not in SCOPE_LEVELS:
            raise ParameterError(
                f"Unknown permission scope {scope!r}; use one of {', '.join(SCOPES)}.",
                param="perms",
                expected=", ".join(SCOPES),
                received=scope,
            )
        level = level or "none"
        if level not in SCOPE_LEVELS[scope]:
            raise ParameterError(
                f"Permission {scope}:{level!r} is not a level ipernity knows; use one of "
                f"{', '.join(SCOPE_LEVELS[scope])}.",
                param=f"perm_{scope}",
                expected=", ".join(SCOPE_LEVELS[scope]),
                received=level,
            )
        out[scope] = level
    return out


@dataclass(frozen=True, eq=True)
class Token:
    """An auth token and what it grants: the user and a level per scope.

    Example:
        >>> t = Token("123-abc", user_id=284001, username="alice", permissions={"doc": "write"})
        >>> t.has("doc", "read"), t.has("doc", "delete"), t.has("blog", "read")
        (True, False, False)
        >>> "123-abc" in repr(t)
        False
    """

    token: str = field(repr=False)
    user_id: int | None = None
    username: str = ""
    realname: str = ""
    permissions: dict[str, str] = field(default_factory=dict)
    api_key: str = ""
    is_pro: bool = False

    def __post_init__(self) -> None:
        # every scope present, 'none' where not granted (tokens report none, §4.1)
        object.__setattr__(self, "permissions", dict.fromkeys(SCOPES, "none") | dict(self.permissions))

    def has(self, scope: str, level: str = "read") -> bool:
        """Whether the token grants ``level`` on ``scope`` (read < write < delete)."""
        return level_allows(self.permissions.get(scope.removeprefix("perm_")), level)

    @property
    def rights(self) -> dict[str, str]:
        """The granted scopes only (no ``none``), e.g. ``{"doc": "write"}``."""
        return {s: lvl for s, lvl in self.permissions.items() if lvl and lvl != "none"}

    @property
    def who(self) -> str:
        """``Real Name (username)`` or the username alone."""
        name = self.username or (str(self.user_id) if self.user_id is not None else "?")
        return f"{self.realname} ({name})" if self.realname else name

    def __repr__(self) -> str:
        rights = ", ".join(f"{s}={lvl}" for s, lvl in self.rights.items()) or "no rights"
        return f"Token(user={self.username!r}, user_id={self.user_id}, {rights}, token=***)"

    def _repr_html_(self) -> str:
        chips = (
            "".join(
                f'<span style="background:#e8f0fe;border-radius:8px;padding:1px 6px;margin-right:4px">'
                f"{html.escape(s)}: <b>{html.escape(lvl)}</b></span>"
                for s, lvl in self.rights.items()
            )
            or "<i>no rights</i>"
        )
        return (
            '<div class="ipernity-token" style="border-left:4px solid #2e7d32;padding:4px 8px;background:#edf7ed">'
            f"Signed in as <b>{html.escape(self.who)}</b>"
            f"{' · PRO' if self.is_pro else ''} — {chips}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the token store (includes the token; never any secret of the app)."""
        return {
            "token": self.token,
            "user_id": self.user_id,
            "username": self.username,
            "realname": self.realname,
            "permissions": dict(self.permissions),
            "api_key": self.api_key,
            "is_pro": self.is_pro,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        return cls(
            token=str(data["token"]),
            user_id=_int_or_none(data.get("user_id")),
            username=str(data.get("username") or ""),
            realname=str(data.get("realname") or ""),
            permissions=dict(data.get("permissions") or {}),
            api_key=str(data.get("api_key") or ""),
            is_pro=bool(data.get("is_pro")),
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], api_key: str = "", token: str | None = None) -> Token:
        """Build from an ``auth.getToken`` / ``auth.checkToken`` payload (§2.5, §4.3).

        Accepts both ``permissions`` (live) and ``perms`` (documentation sample) blocks.
        """
        auth = payload.get("auth", payload)
        user = auth.get("user") or {}
        perms = auth.get("permissions") or auth.get("perms") or {}
        tok = auth.get("token") or token
        if isinstance(tok, Mapping):  # XML text element carrying attributes
            tok = tok.get("content")
        if not tok:
            raise IpernityError("The auth answer carries no token; authorize again.")
        return cls(
            token=str(tok),
            user_id=_int_or_none(user.get("user_id")),
            username=str(user.get("username") or ""),
            realname=str(user.get("realname") or ""),
            permissions={k: str(v) for k, v in perms.items() if k in SCOPES},
            api_key=api_key,
            is_pro=str(user.get("is_pro", "0")) in ("1", "true", "True"),
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- client plumbing (the client owns the credentials; these helpers read/set them) ----------


class _HasCredentials(Protocol):
    """The part of a client the credential helpers set (``Client`` has it)."""

    api_key: str
    secret: str | None
    token: str | None
    rights: dict[str, str] | None


def set_credentials(client: _HasCredentials, *, api_key: str | None = None, secret: str | None = None) -> None:
    """Give ``client`` a new API key and/or secret (used by the AuthForm)."""
    if api_key:
        client.api_key = api_key
    if secret:
        client.secret = secret


def apply_token(client: _HasCredentials, token: Token | None) -> None:
    """Make ``client`` use ``token`` (or none): sets ``client.token`` and ``client.rights``."""
    client.token = token.token if token else None
    client.rights = dict(token.permissions) if token else None
