"""What a backup covers: the source (account, album or group pool), its docs and its albums.

Used by :func:`ipernity_nb.backup.backup`; these only read through the client (``walk``), the
archive on disk is :mod:`ipernity_nb.archive`'s.

Example (an explicit source needs no call; ``client`` is only asked for the token's account):
    >>> source(None, None, 120001, None)
    ('album.docs.getList', 'album 120001', {'album_id': 120001})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ParameterError

if TYPE_CHECKING:
    from .client import Client

__all__ = ["list_albums", "list_docs", "source"]


def source(client: Client, user_id: Any, album_id: Any, group_id: Any) -> tuple[str, str, dict[str, Any]]:
    """``(list method, label, its params)`` for one of ``user_id``/``album_id``/``group_id``;
    none means the token's own account. Two at once, or none without a token, is a
    :class:`~ipernity_nb.errors.ParameterError`."""
    given = [(k, v) for k, v in (("user_id", user_id), ("album_id", album_id), ("group_id", group_id)) if v is not None]
    if len(given) > 1:
        raise ParameterError(
            f"backup: give one of user_id, album_id or group_id, not {' and '.join(k for k, _ in given)}.",
            param=given[1][0],
        )
    if not given:
        if not client.token:
            raise ParameterError(
                "backup: this Client has no token, so there is no 'my account' to back up. Authorize first, or "
                "pass user_id=, album_id= or group_id= for public docs.",
                param="user_id",
            )
        user = client.check_token().get("user") or {}
        given = [("user_id", user.get("user_id"))]
    key, value = given[0]
    method = {"user_id": "doc.getList", "album_id": "album.docs.getList", "group_id": "group.docs.getList"}[key]
    return method, f"{key.split('_')[0]} {value}", {key: value}


def list_docs(client: Client, method: str, params: dict[str, Any]) -> list[dict]:
    """Every listed doc once: ``{doc_id, last_update_at, replaced_at}`` (what decides a refetch)."""
    out, seen = [], set()
    for rec in client.walk(method, extra="dates", **params):
        doc_id = int(rec["doc_id"])
        if doc_id in seen:  # a doc moving between pages during the walk
            continue
        seen.add(doc_id)
        dates = rec.get("dates") or {}
        out.append(
            {
                "doc_id": doc_id,
                "last_update_at": str(dates.get("last_update_at", "")),
                "replaced_at": str(dates.get("replaced_at", "")),
            }
        )
    return out


def list_albums(client: Client, params: dict[str, Any]) -> list[dict] | None:
    """Albums and their doc order: every album of a user, or the one album backed up."""
    if "group_id" in params:
        return None
    if "album_id" in params:
        ids = [params["album_id"]]
        titles = {str(params["album_id"]): ""}
    else:
        albums = list(client.walk("album.getList", user_id=params["user_id"]))
        ids = [a["album_id"] for a in albums]
        titles = {str(a["album_id"]): a.get("title", "") for a in albums}
    out = []
    for album_id in ids:
        docs = [int(d["doc_id"]) for d in client.walk("album.docs.getList", album_id=album_id)]
        out.append({"album_id": int(album_id), "title": titles[str(album_id)], "doc_ids": docs})
    return out
