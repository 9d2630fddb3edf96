"""Upload a folder (or a list) of files: skip what is online, a few at once, one result table.

Every file's MD5 is computed first and checked with ``doc.checkMD5`` (20 sums per call,
docs/protocol.md §6.4): files already in the account are skipped, so a re-run after a failed
or interrupted run picks up exactly where it stopped — the account itself is the journal,
nothing is written into your folder. Two local files with the same bytes are uploaded once
(the second is marked ``duplicate``). Uploads run in a small thread pool under one progress
bar counting bytes, with the files done in its postfix.

Example:
    >>> import ipernity_nb
    >>> from ipernity_nb.upload_batch import upload_many
    >>> client = ipernity_nb.connect(user="alice", perms={"doc": "write"})  # doctest: +SKIP
    >>> df = upload_many(client, "holiday/", visibility="friends", album=714001)  # doctest: +SKIP
    >>> df.status.value_counts()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .errors import IpernityError, ParameterError
from .files import file_md5
from .paging import check_workers
from .seam import ApiClient
from .shapes import as_list
from .upload import upload

__all__ = ["STATUSES", "file_md5", "list_files", "upload_many"]

#: Row statuses: uploaded now, already online (skipped), same bytes as another row, failed.
STATUSES = ("uploaded", "skipped", "duplicate", "failed")
_COLUMNS = ("path", "md5", "bytes", "doc_id", "status", "error", "seconds")


def list_files(source: str | os.PathLike | Iterable[str | os.PathLike], *, recursive: bool = False) -> list[Path]:
    """The files to upload: a folder's visible regular files (sorted), or the given paths.

    Example:
        >>> list_files([])
        []
    """
    if isinstance(source, (str, os.PathLike)):
        root = Path(source)
        if root.is_file():
            return [root]
        if not root.is_dir():
            raise ParameterError(
                f"upload_many: {os.fspath(root)!r} is neither a folder nor a file.", param="files", received=str(root)
            )
        found = root.rglob("*") if recursive else root.iterdir()
        return sorted(p for p in found if p.is_file() and not p.name.startswith("."))
    paths = [Path(p) for p in source]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ParameterError(
            f"upload_many: not files: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}.",
            param="files",
            received=missing,
        )
    return paths


def _online(client: ApiClient, sums: list[str]) -> dict[str, str]:
    """``{md5: doc_id}`` for the sums already in the caller's stream (``doc.checkMD5``)."""
    found: dict[str, str] = {}
    unique = sorted(set(sums))
    for i in range(0, len(unique), 20):
        payload = client.call("doc.checkMD5", md5=",".join(unique[i : i + 20]))
        rows = (payload.get("docs") or {}).get("doc") or []
        for row in as_list(rows):
            if str(row.get("found", "0")) == "1" and row.get("doc_id"):
                found[str(row["md5"]).lower()] = str(row["doc_id"])
    return found


def _triage(rows: list[dict[str, Any]], online: dict[str, str]) -> dict[str, dict]:
    """Mark rows already online ``skipped`` and later copies of the same bytes ``duplicate``;
    return the rows to upload, one per MD5 (in file order)."""
    first: dict[str, dict] = {}
    for r in rows:
        if r["md5"] in online:
            r.update(status="skipped", doc_id=online[r["md5"]], seconds=0.0)
        elif r["md5"] in first:
            r.update(status="duplicate", seconds=0.0)
        else:
            first[r["md5"]] = r
    return first


def upload_many(
    client: ApiClient,
    files: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    workers: int = 3,
    recursive: bool = False,
    progress: bool | None = None,
    timeout: float = 300.0,
    **params: Any,
) -> pd.DataFrame:
    """Upload a folder or list of files; one row per file: path, md5, bytes, doc_id, status, error.

    ``params`` go to every upload (title, visibility, album, keywords, … see
    :func:`ipernity_nb.upload.upload_params`). Files whose MD5 is already online are
    ``skipped``; failures are caught per file (``status="failed"``, ``error`` says why) so one
    bad file does not stop the batch. Run it again to retry only what failed.

    Example:
        >>> df = upload_many(client, "photos/", workers=3, visibility="public")  # doctest: +SKIP
        >>> df[["path", "status", "doc_id"]]  # doctest: +SKIP
    """
    check_workers(workers, "upload.file")
    paths = list_files(files, recursive=recursive)
    rows: list[dict[str, Any]] = []
    for p in paths:
        rows.append({"path": str(p), "md5": file_md5(p), "bytes": p.stat().st_size, "doc_id": None, "error": None})
    online = _online(client, [r["md5"] for r in rows]) if rows else {}
    first = _triage(rows, online)
    todo = list(first.values())
    show = client.progress if progress is None else progress
    lock = threading.Lock()
    finished = 0
    total = sum(r["bytes"] for r in todo)
    with tqdm(total=total, unit="B", unit_scale=True, desc="upload", disable=not (show and todo)) as bar:

        def tick(n: int) -> None:
            with lock:
                bar.update(n)

        def one(r: dict) -> None:
            start = time.perf_counter()
            try:
                doc = upload(client, r["path"], progress=False, timeout=timeout, on_read=tick, **params)
                r.update(status="uploaded", doc_id=doc["doc_id"])
            except (IpernityError, OSError) as exc:
                r.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            r["seconds"] = time.perf_counter() - start

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload") as pool:
            futures = [pool.submit(one, r) for r in todo]
            try:
                for fut in as_completed(futures):
                    fut.result()
                    finished += 1
                    with lock:
                        bar.set_postfix_str(f"files {finished}/{len(todo)}")
            except BaseException:  # Ctrl-C in a notebook: queued files never start; re-run to resume
                for fut in futures:
                    fut.cancel()
                raise
    for r in rows:
        if r["status"] == "duplicate":  # takes the outcome of the first file with the same bytes
            twin = first[r["md5"]]
            r["doc_id"] = twin["doc_id"]
            if twin["status"] == "failed":
                r.update(status="failed", error=f"same bytes as {twin['path']}, which failed")
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(_COLUMNS))
    df["doc_id"] = pd.to_numeric(df["doc_id"], errors="coerce")  # ids arrive as strings (§2.3)
    return df.astype(
        {
            "path": "string",
            "md5": "string",
            "bytes": "Int64",
            "doc_id": "Int64",
            "status": pd.CategoricalDtype(list(STATUSES)),
            "error": "string",
            "seconds": "float64",
        }
    )
