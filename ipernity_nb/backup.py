"""A local archive of an account, album or group pool: originals, metadata, an index.

Layout of the archive folder::

    docs/<doc_id>.json    doc.get (tags, notes, geo, md5) + comments + containers + a "backup" block
    files/<doc_id>.<ext>  the original (or the largest rendition when the original is not offered)
    albums.json           the albums with their docs in album order (user and album backups)
    index.parquet/.csv    one typed row per doc (the tidy table to analyse)
    backup.log            one line per run (the only file that differs between equal archives)

Resumable and incremental: a doc's JSON is written last, after its file, so its presence means
the doc is complete. A later run compares the listing's ``last_update_at``/``replaced_at`` with
the JSON's ``backup`` block and the file on disk with its recorded size and MD5: unchanged docs
cost nothing, changed metadata is fetched again, a replaced or damaged file is downloaded
again. Every write goes to a temporary name first and is renamed into place, so an interrupted
run never leaves half a file. Docs that disappeared online are kept and listed in the summary.

Example:
    >>> import ipernity_nb
    >>> from ipernity_nb.backup import backup
    >>> client = ipernity_nb.connect(user="alice")  # doctest: +SKIP
    >>> summary = backup(client, "alice-archive")  # doctest: +SKIP
    >>> summary.fetched, summary.failed  # doctest: +SKIP
    (210, {})
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from .archive import as_list, atomic_write, best_url, md5_file, read_index, read_record, write_index
from .backup_source import list_albums, list_docs, source
from .errors import IpernityError, ParameterError, TransportError

if TYPE_CHECKING:
    from .client import Client

__all__ = ["BackupSummary", "atomic_write", "backup", "read_index"]

_DOC_EXTRA = "tags,notes,geo,md5"


@dataclass
class BackupSummary:
    """What a :func:`backup` run did; shows as a small table in Jupyter.

    ``fetched`` docs had their metadata (re)written, ``downloaded`` of them a file too;
    ``skipped`` were unchanged; ``gone`` are archived docs no longer listed online (kept);
    ``failed`` maps doc id -> reason (those docs are retried by the next run).

    Example:
        >>> BackupSummary(folder="archive", source="user 284001", listed=3, fetched=3, downloaded=3).skipped
        0
    """

    folder: str
    source: str
    listed: int = 0
    fetched: int = 0
    downloaded: int = 0
    bytes: int = 0
    skipped: int = 0
    gone: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0
    fetched_ids: list[int] = field(default_factory=list)

    def __repr__(self) -> str:  # counts only: the id lists can hold thousands of docs
        return (
            f"BackupSummary(source={self.source!r}, listed={self.listed}, fetched={self.fetched}, "
            f"downloaded={self.downloaded}, bytes={self.bytes}, skipped={self.skipped}, gone={len(self.gone)}, "
            f"failed={len(self.failed)}, seconds={self.seconds:.1f})"
        )

    @property
    def ok(self) -> bool:
        """True when every listed doc is archived."""
        return not self.failed

    def _repr_html_(self) -> str:
        rows = [
            ("archive", self.folder),
            ("source", self.source),
            ("docs listed", self.listed),
            ("metadata fetched", self.fetched),
            ("files downloaded", f"{self.downloaded} ({self.bytes / 1e6:.1f} MB)"),
            ("unchanged (skipped)", self.skipped),
            ("gone online (kept)", len(self.gone)),
            ("failed", len(self.failed)),
            ("seconds", f"{self.seconds:.1f}"),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        fails = "".join(f"<li>{d}: {html.escape(r)}</li>" for d, r in sorted(self.failed.items())[:20])
        return f"<table>{body}</table>" + (f"<ul>{fails}</ul>" if fails else "")


# --- one doc ---------------------------------------------------------------------------------


class _Stopped(Exception):
    """Raised inside workers once the run is stopped (never reaches the caller)."""


class _Run:
    def __init__(self, client: Client, root: Path, originals: bool, verify: bool, summary: BackupSummary) -> None:
        self.client, self.root, self.originals, self.verify, self.summary = client, root, originals, verify, summary
        self.lock = threading.Lock()
        self.bar: Any = None
        #: Set when the run is stopped: docs in flight give up before writing their JSON.
        self.stop = threading.Event()

    def check(self) -> None:
        if self.stop.is_set():
            raise _Stopped()

    def prior(self, doc_id: int) -> dict | None:
        return read_record(self.root, doc_id)

    def file_ok(self, info: dict) -> bool:
        name = info.get("file")
        if not self.originals:
            return True
        if not name:
            return False
        path = self.root / name
        try:
            if path.stat().st_size != info.get("bytes"):
                return False
        except OSError:
            return False
        return not self.verify or md5_file(path) == info.get("md5")

    def process(self, item: dict) -> str:
        """Archive one listed doc; returns "skipped", "fetched" or "downloaded"."""
        doc_id = item["doc_id"]
        self.check()
        prior = self.prior(doc_id)
        info = (prior or {}).get("backup") or {}
        same_dates = bool(prior) and all(info.get(k) == item[k] for k in ("last_update_at", "replaced_at"))
        have_file = self.file_ok(info) if prior else False
        if same_dates and have_file:
            return "skipped"
        doc = self.client.call("doc.get", doc_id=doc_id, extra=_DOC_EXTRA)["doc"]
        comments = []
        if int((doc.get("count") or {}).get("comments") or 0):
            comments = list(self.client.walk("doc.comments.getList", doc_id=doc_id))
        containers = self.client.call("doc.getContainers", doc_id=doc_id)
        status = "fetched"
        keep = {
            "file": info.get("file"),
            "bytes": info.get("bytes"),
            "md5": info.get("md5"),
            "label": info.get("label"),
        }
        if self.originals and not (have_file and info.get("replaced_at") == item["replaced_at"]):
            self.check()
            keep = self.download(doc)
            status = "downloaded"
        elif not self.originals:
            keep = {"file": None, "bytes": None, "md5": None, "label": None}
        record = {
            "doc": doc,
            "comments": comments,
            "albums": as_list((containers.get("albums") or {}).get("album")),
            "groups": as_list((containers.get("groups") or {}).get("group")),
            "backup": {"last_update_at": item["last_update_at"], "replaced_at": item["replaced_at"], **keep},
        }
        data = json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")
        self.check()  # a stopped run leaves this doc incomplete (no JSON): the next run redoes it
        atomic_write(self.root / "docs" / f"{doc_id}.json", data)  # last: marks the doc complete
        return status

    def download(self, doc: dict) -> dict:
        url, label, ext = best_url(doc)
        doc_id = int(doc["doc_id"])
        if url is None:
            raise TransportError(f"doc {doc_id} offers neither its original nor any rendition to download.")
        name = f"files/{doc_id}.{ext}"
        final = self.root / name
        tmp = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.part")
        h = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with self.client.session.get(url, stream=True, timeout=self.client.timeout) as resp:
                if resp.status_code != 200:
                    raise TransportError(f"doc {doc_id}: the {label} file answered HTTP {resp.status_code}.")
                with open(tmp, "wb") as fh:
                    for chunk in resp.iter_content(1 << 16):
                        self.check()
                        fh.write(chunk)
                        h.update(chunk)
                        size += len(chunk)
                        with self.lock:
                            self.summary.bytes += len(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, final)
        except requests.RequestException as exc:
            raise TransportError(f"doc {doc_id}: downloading the {label} file failed ({type(exc).__name__}).") from exc
        finally:
            if tmp.exists():
                tmp.unlink()
        return {"file": name, "bytes": size, "md5": h.hexdigest(), "label": label}


# --- the entry point -------------------------------------------------------------------------


def backup(
    client: Client,
    folder: str | os.PathLike,
    *,
    user_id: int | str | None = None,
    album_id: int | str | None = None,
    group_id: int | str | None = None,
    originals: bool = True,
    verify: bool = True,
    workers: int = 4,
    progress: bool | None = None,
    on_doc: Callable[[int, str], Any] | None = None,
) -> BackupSummary:
    """Archive every doc of the token's user (or ``user_id``/``album_id``/``group_id``) in ``folder``.

    ``originals=False`` keeps metadata only; ``verify`` re-checks archived files' MD5 (off: sizes
    only). ``workers`` docs are processed at once under one progress bar. ``on_doc(doc_id,
    status)`` is called after each doc (status: skipped, fetched, downloaded, failed); raising
    from it stops the run cleanly — run ``backup`` again to resume.

    Example:
        >>> s = backup(client, "archive", album_id=714081)  # doctest: +SKIP
        >>> s.listed == s.fetched + s.skipped + len(s.failed)  # doctest: +SKIP
        True
    """
    if not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers must be a positive integer; got {workers!r}.", param="workers")
    with _fresh(client):
        return _backup(client, Path(folder), user_id, album_id, group_id, originals, verify, workers, progress, on_doc)


def _fresh(client: Client) -> AbstractContextManager[Any]:
    """Bypass the client's read cache, if it has one: a stale listing would hide changes."""
    try:
        return client.cache_mode("off")
    except (AttributeError, ParameterError):  # no cache (or a client without cache support)
        return nullcontext()


def _backup(
    client: Client,
    root: Path,
    user_id: Any,
    album_id: Any,
    group_id: Any,
    originals: bool,
    verify: bool,
    workers: int,
    progress: bool | None,
    on_doc: Callable[[int, str], Any] | None,
) -> BackupSummary:
    start = time.perf_counter()
    method, label, params = source(client, user_id, album_id, group_id)
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "files").mkdir(exist_ok=True)
    summary = BackupSummary(folder=str(root), source=label)
    run = _Run(client, root, originals, verify, summary)
    listing = list_docs(client, method, params)
    summary.listed = len(listing)
    listed = {i["doc_id"] for i in listing}
    summary.gone = sorted(
        int(p.stem) for p in (root / "docs").glob("*.json") if p.stem.isdigit() and int(p.stem) not in listed
    )
    show = client.progress if progress is None else progress
    if show:
        from tqdm.auto import tqdm

        run.bar = tqdm(total=len(listing), unit="doc", desc=f"backup {label}")
    error: BaseException | None = None
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="backup") as pool:
            futures = {pool.submit(run.process, item): item["doc_id"] for item in listing}
            try:
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in sorted(finished, key=futures.__getitem__):
                        _account(summary, futures[fut], fut, run, on_doc)
            except BaseException:
                run.stop.set()  # docs in flight stop before their JSON; their temp files are removed
                for fut in futures:
                    fut.cancel()  # queued docs never start
                raise
        albums = list_albums(client, params)
        if albums is not None:
            atomic_write(root / "albums.json", json.dumps(albums, indent=1, ensure_ascii=False).encode("utf-8"))
        write_index(root, [i["doc_id"] for i in listing])
        summary.fetched_ids.sort()
    except BaseException as exc:
        error = exc
        raise
    finally:
        if run.bar is not None:
            run.bar.close()
        summary.seconds = time.perf_counter() - start
        _log(root, summary, error)
    return summary


def _account(summary: BackupSummary, doc_id: int, fut: Any, run: _Run, on_doc: Callable | None) -> None:
    try:
        status = fut.result()
    except (IpernityError, OSError, requests.RequestException, KeyError, ValueError) as exc:
        summary.failed[doc_id] = f"{type(exc).__name__}: {exc}"
        status = "failed"
    if status == "skipped":
        summary.skipped += 1
    elif status in ("fetched", "downloaded"):
        summary.fetched += 1
        summary.fetched_ids.append(doc_id)
        summary.downloaded += status == "downloaded"
    if run.bar is not None:
        run.bar.update(1)
        run.bar.set_postfix_str(f"{summary.bytes / 1e6:.1f} MB, {len(summary.failed)} failed")
    if on_doc is not None:
        on_doc(doc_id, status)


def _log(root: Path, s: BackupSummary, error: BaseException | None) -> None:
    when = datetime.now(UTC).isoformat(timespec="seconds")
    state = f"stopped ({type(error).__name__})" if error is not None else "done"
    line = (
        f"{when} {s.source} {state}: listed {s.listed}, fetched {s.fetched}, downloaded {s.downloaded} "
        f"({s.bytes} bytes), skipped {s.skipped}, gone {len(s.gone)}, failed {len(s.failed)} "
        f"{json.dumps({str(k): v for k, v in s.failed.items()})}, {s.seconds:.1f} s\n"
    )
    try:
        with open(root / "backup.log", "a", encoding="utf-8") as fh:
            fh.write(line)
    except OSError:
        pass  # the log is a courtesy; never mask the run's own outcome
