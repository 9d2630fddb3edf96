"""Upload one file with a byte-level progress bar, wait for its ticket, get the new doc back.

The ``file`` part is never signed (docs/protocol.md §3.1, §8.2): the other fields are validated
and signed by the client's caller, then sent with the file in one multipart/form-data POST to
``upload.file`` (or ``upload.replace``, a PRO feature, §5.2). The body is requests-toolbelt's
``MultipartEncoder`` read from disk in blocks (with a known ``Content-Length``), the same for
``client.call("upload.file", file=...)``: memory stays flat for large videos and the progress
bar (``MultipartEncoderMonitor``) follows the file bytes actually sent.

The answer is a ticket; :func:`wait_tickets` polls ``upload.checkTickets`` no sooner than
each ticket's ``eta`` (§6.5, §7), within a bounded total wait, and names invalid tickets.
Batch uploads of a folder live in :mod:`ipernity_nb.upload_batch`.

Example:
    >>> import ipernity_nb
    >>> client = ipernity_nb.connect(user="alice", perms={"doc": "write"})  # doctest: +SKIP
    >>> doc = client.upload("cat.jpg", title="My cat", keywords=["cat", "pet"])  # doctest: +SKIP
    >>> doc["doc_id"], doc["title"]  # doctest: +SKIP
    ('1000042', 'My cat')
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from tqdm.auto import tqdm

from .errors import APIError, ParameterError, TransportError, UploadError, UploadTimeout
from .seam import ApiClient
from .shapes import as_list

__all__ = ["UploadError", "UploadTimeout", "send_file", "upload", "upload_params", "wait_tickets"]

#: Most tickets one ``upload.checkTickets`` call takes (docs/protocol.md §6.4).
MAX_TICKETS = 50
#: Visibility names -> (is_public, is_friend, is_family).
VISIBILITY = {
    "public": (1, 0, 0),
    "private": (0, 0, 0),
    "friends": (0, 1, 0),
    "family": (0, 0, 1),
    "friends+family": (0, 1, 1),
}


# --- parameters ---------------------------------------------------------------------------


def upload_params(
    *,
    visibility: str | None = None,
    geo: tuple[float, float] | None = None,
    album: int | str | None = None,
    permissions: Mapping[str, Any] | None = None,
    keywords: str | list[str] | tuple[str, ...] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Friendly names -> the API's upload parameters (docs/protocol.md §6.4, upload.file).

    ``visibility`` is one of public, private, friends, family, friends+family; ``geo`` is
    ``(lat, lng)`` (``(-999, -999)`` forces no location); ``album`` an album id;
    ``permissions`` maps comment/tag/tagme to a level. Other keywords pass through
    (title, description, created_at, license, safety, member_ids, dir, …) and are checked
    by the catalog when sent.

    Example:
        >>> upload_params(visibility="friends", geo=(48.85, 2.35), keywords=["a", "b"], title="t")
        {'title': 't', 'is_public': 0, 'is_friend': 1, 'is_family': 0, 'lat': 48.85, 'lng': 2.35, 'keywords': 'a,b'}
    """
    out = {k: v for k, v in params.items() if v is not None}
    if visibility is not None:
        if visibility not in VISIBILITY:
            raise ParameterError(
                f"visibility must be one of {', '.join(VISIBILITY)}; got {visibility!r}.",
                method="upload.file",
                param="visibility",
                expected=" | ".join(VISIBILITY),
                received=visibility,
            )
        out["is_public"], out["is_friend"], out["is_family"] = VISIBILITY[visibility]
    if geo is not None:
        try:
            out["lat"], out["lng"] = float(geo[0]), float(geo[1])
        except (TypeError, ValueError, IndexError):
            raise ParameterError(
                f"geo must be a (lat, lng) pair of numbers; got {geo!r}.", method="upload.file", param="geo"
            ) from None
    if album is not None:
        out["album_id"] = album
    for name, level in (permissions or {}).items():
        if name not in ("comment", "tag", "tagme"):
            raise ParameterError(
                f"permissions keys are comment, tag and tagme; got {name!r}.", method="upload.file", param="permissions"
            )
        out[f"perm_{name}"] = level
    if keywords is not None:
        out["keywords"] = keywords if isinstance(keywords, str) else ",".join(str(k) for k in keywords)
    return out


# --- sending ---------------------------------------------------------------------------------


def send_file(
    client: ApiClient,
    method: str,
    path: str | os.PathLike,
    params: Mapping[str, Any],
    on_read: Callable[[int], Any] | None = None,
) -> dict:
    """POST ``path`` to ``method`` (upload.file / upload.replace) as a streamed multipart body.

    Validation and signing are the caller's (``file`` excluded from the signature); the call
    is logged in ``client.calls`` and paced by the client's throttle. One attempt: a write the
    server may have received is never sent twice (re-run :func:`upload_many`, which checks
    MD5s first). Returns the payload (``{"ticket": …}``).
    """
    try:
        return client.caller.send(method, {**params, "file": os.fspath(path)}, on_read=on_read, retry=False)
    except TransportError as exc:
        exc.add_note(
            f"sending {os.path.basename(path)!r} was not retried; a re-run of upload_many skips files already online"
        )
        raise


def _ticket_id(payload: Mapping[str, Any]) -> str:
    t = payload.get("ticket")
    if isinstance(t, Mapping):  # tolerate {"ticket": {"id": …}} as well as the text element (§2.5)
        t = t.get("id") or t.get("ticket_id") or t.get("_content")
    if not t:
        raise UploadError(f"The upload answer carried no ticket: {dict(payload)!r}.")
    return str(t)


# --- tickets --------------------------------------------------------------------------------


def wait_tickets(
    client: ApiClient,
    tickets: list[str],
    *,
    timeout: float = 300.0,
    min_wait: float = 0.2,
    max_wait: float = 10.0,
    sleep: Callable[[float], Any] = time.sleep,
) -> dict[str, str]:
    """Poll ``upload.checkTickets`` until every ticket is done; ``{ticket: doc_id}``.

    Waits at least each pending ticket's ``eta`` between polls (clamped to
    ``[min_wait, max_wait]``), never re-polls finished tickets (docs/protocol.md §6.5), and gives
    up after ``timeout`` seconds with :class:`UploadTimeout`. An invalid or unknown ticket
    raises :class:`UploadError` naming it.
    """
    deadline = time.monotonic() + timeout
    pending = [str(t) for t in tickets]
    done: dict[str, str] = {}
    while pending:
        wait = max_wait
        for i in range(0, len(pending), MAX_TICKETS):
            batch = pending[i : i + MAX_TICKETS]
            try:
                payload = client.call("upload.checkTickets", tickets=",".join(batch))
            except APIError as exc:
                if exc.code == 1:
                    raise UploadError(
                        f"Upload ticket(s) {', '.join(batch)} not found (upload.checkTickets code 1): they were "
                        "never issued to this token or have expired. Upload the file again.",
                        ticket=batch[0],
                    ) from exc
                raise
            rows = (payload.get("tickets") or {}).get("ticket") or []
            for row in as_list(rows):
                tid = str(row.get("id"))
                if str(row.get("invalid", "0")) == "1":
                    raise UploadError(
                        f"Upload ticket {tid} is invalid: the server rejected the file after receiving it "
                        "(unsupported or damaged file). Check the file and upload it again.",
                        ticket=tid,
                    )
                if str(row.get("done", "0")) == "1" and row.get("doc_id"):
                    done[tid] = str(row["doc_id"])
                else:
                    try:
                        wait = min(wait, float(row.get("eta") or 0))
                    except ValueError:
                        wait = min(wait, min_wait)
        pending = [t for t in pending if t not in done]
        if not pending:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            raise UploadTimeout(
                f"Upload ticket(s) {', '.join(pending)} still processing after {timeout:g} s. Poll again later "
                "with wait_tickets(client, tickets, timeout=…) or raise the timeout.",
                ticket=pending[0],
            )
        sleep(min(max(wait, min_wait), max_wait, left))
    return done


# --- the one-file entry point -----------------------------------------------------------------


def upload(
    client: ApiClient,
    file: str | os.PathLike,
    /,
    *,
    replace: int | str | None = None,
    progress: bool | None = None,
    timeout: float = 300.0,
    on_read: Callable[[int], Any] | None = None,
    **params: Any,
) -> dict:
    """Upload ``file`` (or replace doc ``replace``'s file, PRO only) and return the new doc.

    ``params`` are :func:`upload_params` keywords (title, description, keywords, visibility,
    license, safety, geo, album, permissions, created_at, …). Shows a byte progress bar unless
    ``progress=False`` (``on_read(n)`` also gets each block's file bytes); waits for the ticket
    (at most ``timeout`` seconds) and returns ``doc.get`` with tags, notes, geo and md5.

    Example:
        >>> doc = upload(client, "cat.png", title="Cat", visibility="public")  # doctest: +SKIP
        >>> doc["title"]  # doctest: +SKIP
        'Cat'
    """
    path = os.fspath(file)
    if not os.path.isfile(path):
        raise ParameterError(
            f"upload: {path!r} is not a file; pass the path of a photo, video or other document.",
            method="upload.file",
            param="file",
            received=path,
        )
    method = "upload.file" if replace is None else "upload.replace"
    sent = upload_params(**params)
    if replace is not None:
        sent = {"doc_id": replace, **{k: v for k, v in sent.items() if k == "async"}}
        if len(params) > len([k for k in params if k == "async"]):
            raise ParameterError(
                "upload(replace=…) only replaces the file; set title/visibility/… afterwards with doc.set*.",
                method=method,
                param=", ".join(sorted(params)),
            )
    show = client.progress if progress is None else progress
    size = os.path.getsize(path)
    with tqdm(total=size, unit="B", unit_scale=True, desc=os.path.basename(path), disable=not show) as bar:

        def report(n: int) -> None:
            bar.update(n)
            if on_read is not None:
                on_read(n)

        try:
            ticket = _ticket_id(send_file(client, method, path, sent, report))
        except APIError as exc:
            if method == "upload.replace" and exc.code == 6:
                raise UploadError(
                    f"upload.replace is a PRO feature (code 6 'PRO account feature'): this account is not PRO. "
                    f"Upload {os.path.basename(path)!r} as a new doc with upload() instead."
                ) from exc
            raise
    doc_id = wait_tickets(client, [ticket], timeout=timeout)[ticket]
    return client.call("doc.get", doc_id=doc_id, extra="tags,notes,geo,md5")["doc"]
