"""Archive primitives for :mod:`ipernity_nb.backup`: the file to keep, the index (writes via files.py).

Example:
    >>> best_url({"thumbs": {"thumb": [{"label": "240", "w": "240", "h": "180", "url": "u/240.jpg"},
    ...                                {"label": "500", "w": "500", "h": "375", "url": "u/500.jpg"}]}})
    ('u/500.jpg', '500', 'jpg')
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from .files import atomic_write
from .files import file_md5 as md5_file
from .frames import frame_from_records
from .shapes import as_list

__all__ = ["as_list", "atomic_write", "best_url", "index_row", "md5_file", "read_index", "read_record", "write_index"]


def read_record(root: Path, doc_id: int) -> dict | None:
    """The archived JSON of a doc, or ``None`` when missing or damaged (then it is fetched again)."""
    try:
        return json.loads((root / "docs" / f"{doc_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def best_url(doc: dict) -> tuple[str | None, str, str]:
    """The original when offered (owner or downloadable licence), else the playable media
    (video/audio: the content itself), else the largest thumbnail; ``(url, label, ext)``."""
    orig = doc.get("original") or {}
    if orig.get("url"):
        return orig["url"], "original", str(orig.get("ext") or "jpg")
    medias = [m for m in as_list((doc.get("medias") or {}).get("media")) if m.get("url")]
    thumbs = [t for t in as_list((doc.get("thumbs") or {}).get("thumb")) if t.get("url")]
    pool = medias or thumbs
    if not pool:
        return None, "", ""
    best = max(pool, key=lambda m: int(m.get("w") or 0) * int(m.get("h") or 0))
    ext = str(best.get("ext") or best["url"].rsplit(".", 1)[-1])
    return best["url"], str(best.get("label", "")), ext


# --- the index -------------------------------------------------------------------------------


def index_row(position: int, rec: dict) -> dict:
    """One flat index row from an archived record; typed later by :func:`frame_from_records`."""
    doc, bk = rec["doc"], rec["backup"]
    dates, vis, geo = doc.get("dates") or {}, doc.get("visibility") or {}, doc.get("geo") or {}
    tags = as_list((doc.get("tags") or {}).get("tag"))
    return {
        "doc_id": doc.get("doc_id"),
        "position": position,
        "title": doc.get("title"),
        "media": doc.get("media"),
        "owner_id": (doc.get("owner") or {}).get("user_id"),
        "posted_at": dates.get("posted_at"),
        "created": dates.get("created"),
        "last_update_at": dates.get("last_update_at"),
        "replaced_at": dates.get("replaced_at"),
        "license": doc.get("license"),
        "safety": doc.get("safety"),
        "share": vis.get("share"),
        "lat": geo.get("lat"),
        "lng": geo.get("lng"),
        "keywords": ",".join(str(t.get("keyword") or t.get("title") or "") for t in tags if t.get("type") != "member"),
        "comments": len(rec.get("comments") or []),
        "album_ids": ",".join(str(a.get("album_id")) for a in rec.get("albums") or []),
        "file": bk.get("file"),
        "bytes": bk.get("bytes"),
        "md5": bk.get("md5"),
        "md5_online": doc.get("md5"),
    }


def read_index(folder: str | os.PathLike) -> pd.DataFrame:
    """The archive's typed index (``index.parquet``)."""
    return pd.read_parquet(Path(folder) / "index.parquet")


def write_index(root: Path, doc_ids: list[int]) -> pd.DataFrame:
    """Write ``index.parquet`` and ``index.csv`` for the archived docs among ``doc_ids`` (listing order)."""
    rows = []
    for pos, doc_id in enumerate(doc_ids, 1):
        rec = read_record(root, doc_id)
        if rec is not None:
            rows.append(index_row(pos, rec))
    df = frame_from_records("doc.get", rows)
    df.attrs.clear()  # parquet stores attrs; keep the file a function of the archive alone
    tmp = root / ".index.parquet.tmp"
    df.to_parquet(tmp, index=False)
    os.replace(tmp, root / "index.parquet")
    atomic_write(root / "index.csv", df.to_csv(index=False).encode("utf-8"))
    return df
