"""Rich display helpers: a thumbnail grid for docs and HTML for errors. Pure functions.

Usable directly in a notebook and by the MethodForm. Every value shown is HTML-escaped (titles
come from users); only ``http(s)`` URLs become links or images.

Example:
    >>> grid = show_thumbs([{"doc_id": "1", "title": "A <b>cat</b>", "link": "https://x/doc/1",
    ...                      "thumb": {"url": "https://x/1.75x.jpg"}}])
    >>> len(grid), "&lt;b&gt;cat" in grid._repr_html_()
    (1, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

from .errors import APIError, IpernityError, ParameterError

__all__ = ["ThumbGrid", "error_html", "find_thumbs", "show_thumbs", "thumbs_html"]

#: Column names tried, in order, when reading a doc DataFrame.
_URL_COLS = ("thumb_url", "thumb.url", "thumb", "url")
_TITLE_COLS = ("title",)
_LINK_COLS = ("link", "doc_link", "url_page")
_MAX_DEFAULT = 60


@dataclass(frozen=True)
class Thumb:
    """One tile: image URL, title, link and doc id (strings, '' when unknown)."""

    url: str
    title: str = ""
    link: str = ""
    doc_id: str = ""


def _safe_url(url: object) -> str:
    text = "" if url is None else str(url)
    return text if text.startswith(("http://", "https://")) else ""


def _s(value: object) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):  # type: ignore[call-overload]  # any cell value
            return ""
    except (TypeError, ValueError, ImportError):
        pass
    return str(value)


def _thumb_from_record(rec: Mapping) -> Thumb | None:
    thumb = rec.get("thumb")
    url = None
    if isinstance(thumb, Mapping):
        url = thumb.get("url")
    elif isinstance(thumb, str):
        url = thumb
    if url is None and isinstance(rec.get("thumbs"), Mapping):
        items = rec["thumbs"].get("thumb") or []
        items = [items] if isinstance(items, Mapping) else items
        url = next((t.get("url") for t in items if isinstance(t, Mapping) and t.get("url")), None)
    if url is None and isinstance(rec.get("cover"), Mapping):  # albums/folders show their cover
        url = rec["cover"].get("url")
    if url is None:
        url = rec.get("thumb_url")
    if not _safe_url(url):
        return None
    return Thumb(_safe_url(url), _s(rec.get("title")), _safe_url(rec.get("link")), _s(rec.get("doc_id")))


def _walk(obj: object) -> Iterable[Mapping]:
    if isinstance(obj, Mapping):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def find_thumbs(data: object) -> list[Thumb]:
    """Tiles from a doc DataFrame, an API payload (dict) or a list of records.

    A DataFrame needs a ``thumb_url`` (or ``thumb.url``) column; ``title`` and ``link`` are
    used when present. A payload is searched for records carrying ``thumb.url``,
    ``thumbs.thumb[].url`` or ``cover.url``.
    """
    if hasattr(data, "columns") and hasattr(data, "itertuples"):
        cols = list(data.columns)
        url_col = next((c for c in _URL_COLS if c in cols), None)
        if url_col is None:
            return []
        title_col = next((c for c in _TITLE_COLS if c in cols), None)
        link_col = next((c for c in _LINK_COLS if c in cols), None)
        out = []
        for _, row in data.iterrows():  # type: ignore[attr-defined]  # a DataFrame (duck-typed above)
            url = _safe_url(_s(row[url_col]))
            if url:
                out.append(
                    Thumb(
                        url,
                        _s(row[title_col]) if title_col else "",
                        _safe_url(_s(row[link_col])) if link_col else "",
                        _s(row["doc_id"]) if "doc_id" in cols else "",
                    )
                )
        return out
    seen: set[str] = set()
    out = []
    for rec in _walk(data):
        t = _thumb_from_record(rec)
        if t is not None and t.url not in seen:
            seen.add(t.url)
            out.append(t)
    return out


def thumbs_html(data: object, *, size: int = 100, limit: int = _MAX_DEFAULT) -> str:
    """HTML for a grid of thumbnails with titles and links ('' when there is nothing to show)."""
    thumbs = find_thumbs(data)
    if not thumbs:
        return ""
    tiles = []
    for t in thumbs[:limit]:
        title = escape(t.title or (f"doc {t.doc_id}" if t.doc_id else ""))
        img = (
            f'<img src="{escape(t.url, quote=True)}" alt="{title}" loading="lazy" '
            f'style="max-width:{size}px;max-height:{size}px;display:block;margin:auto">'
        )
        if t.link:
            img = f'<a href="{escape(t.link, quote=True)}" target="_blank" rel="noopener">{img}</a>'
        tiles.append(
            f'<figure class="ipn-thumb" style="margin:4px;width:{size + 10}px;text-align:center">{img}'
            f'<figcaption style="font-size:11px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">'
            f"{title}</figcaption></figure>"
        )
    more = f"<small>… and {len(thumbs) - limit} more</small>" if len(thumbs) > limit else ""
    return f'<div class="ipn-thumbs" style="display:flex;flex-wrap:wrap">{"".join(tiles)}</div>{more}'


class ThumbGrid:
    """A displayable grid of doc thumbnails (``_repr_html_`` in notebooks, a list in text)."""

    def __init__(self, data: object, *, size: int = 100, limit: int = _MAX_DEFAULT) -> None:
        self.thumbs = find_thumbs(data)
        self._data = data
        self.size = size
        self.limit = limit

    def __len__(self) -> int:
        return len(self.thumbs)

    def _repr_html_(self) -> str:
        return thumbs_html(self._data, size=self.size, limit=self.limit) or "<i>no thumbnails</i>"

    def __repr__(self) -> str:
        lines = [f"ThumbGrid({len(self.thumbs)} thumbnails)"]
        lines += [f"  {t.doc_id or '-'}  {t.title!r}  {t.url}" for t in self.thumbs[:10]]
        return "\n".join(lines)


def show_thumbs(data: object, *, size: int = 100, limit: int = _MAX_DEFAULT) -> ThumbGrid:
    """Show docs as a grid of thumbnails: ``show_thumbs(client.frame("doc.search", text="paris"))``.

    Accepts a doc DataFrame (``thumb_url``/``title``/``link`` columns), a payload dict from
    ``client.call`` or a list of records.

    Example:
        >>> grid = show_thumbs([{"title": "Sunset", "thumb": {"url": "https://u1.ipernity.com/1.75x.jpg"}}])
        >>> "Sunset" in grid._repr_html_()
        True
    """
    return ThumbGrid(data, size=size, limit=limit)


def error_html(exc: BaseException) -> str:
    """HTML for an error: API code, label, hint and doc link; never the request's secrets.

    Example:
        >>> from ipernity_nb.errors import error_for
        >>> "code <b>1</b>" in error_html(error_for(1, "Document not found", method="doc.get"))
        True
    """
    if isinstance(exc, APIError):
        return exc._repr_html_()
    if isinstance(exc, ParameterError):
        where = f" ({escape(exc.param)})" if exc.param else ""
        colour, title = "#e67e22", f"Parameter problem{where}"
    elif isinstance(exc, IpernityError):
        colour, title = "#c0392b", type(exc).__name__
    else:
        colour, title = "#7f0000", f"Unexpected {type(exc).__name__}"
    return (
        f'<div style="border-left:4px solid {colour};padding:4px 8px;background:#fdf2e9">'
        f"<b>{escape(title)}</b>: {escape(str(exc))}</div>"
    )
