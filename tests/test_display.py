"""display: thumbnail grids (from frames and payloads) and error HTML, safely escaped."""

from __future__ import annotations

import pandas as pd

from ipernity_nb.display import error_html, find_thumbs, show_thumbs, thumbs_html
from ipernity_nb.errors import ParameterError, RightsError, error_for
from ipernity_nb.frames import to_frame

PAYLOAD = {
    "docs": {
        "page": "1",
        "pages": "1",
        "per_page": "20",
        "total": "3",
        "doc": [
            {
                "doc_id": "11",
                "title": 'Tower <script>alert("x")</script>',
                "link": "https://www.ipernity.com/doc/a/11",
                "thumb": {"label": "75x", "url": "https://u1.ipernity.com/11.75x.jpg"},
            },
            {"doc_id": "12", "title": "Bridge", "thumb": {"url": "https://u1.ipernity.com/12.75x.jpg"}},
            {"doc_id": "13", "title": "evil", "thumb": {"url": "javascript:alert(1)"}},
        ],
    }
}


def test_grid_from_payload_escapes_and_links() -> None:
    html = thumbs_html(PAYLOAD)
    assert html.count("<img ") == 2  # the javascript: URL is not an image
    assert "javascript:" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://www.ipernity.com/doc/a/11"' in html
    assert "Bridge" in html


def test_grid_from_typed_frame() -> None:
    df = to_frame("doc.search", PAYLOAD)
    assert "thumb_url" in df.columns
    grid = show_thumbs(df)
    assert len(grid) == 2
    assert [t.doc_id for t in grid.thumbs] == ["11", "12"]
    assert "u1.ipernity.com/12.75x.jpg" in grid._repr_html_()
    assert "ThumbGrid(2 thumbnails)" in repr(grid)


def test_grid_from_doc_get_thumbs_list_and_limit() -> None:
    doc = {
        "doc": {"doc_id": "5", "title": "one", "thumbs": {"thumb": [{"label": "100", "url": "https://x/5.100.jpg"}]}}
    }
    assert [t.url for t in find_thumbs(doc)] == ["https://x/5.100.jpg"]
    many = pd.DataFrame({"thumb_url": [f"https://x/{i}.jpg" for i in range(10)], "title": ["t"] * 10})
    html = thumbs_html(many, limit=3)
    assert html.count("<img ") == 3 and "7 more" in html


def test_nothing_to_show() -> None:
    assert thumbs_html({"echo": "hi"}) == ""
    assert thumbs_html(pd.DataFrame({"a": [1]})) == ""
    assert "no thumbnails" in show_thumbs([])._repr_html_()


def test_error_html_shows_code_label_hint_and_doc_link() -> None:
    html = error_html(error_for(1, "Document not found", method="doc.get"))
    assert "code <b>1</b>" in html and "Document not found" in html
    assert "help/api/method/doc.get" in html
    assert "private" in html  # NotFoundError's hint


def test_error_html_for_parameter_and_other_errors() -> None:
    html = error_html(ParameterError("doc.get: missing <doc_id>", method="doc.get", param="doc_id"))
    assert "Parameter problem (doc_id)" in html and "&lt;doc_id&gt;" in html
    assert "doc:write" in error_html(RightsError("doc.set", "doc", "write", "read"))
    assert "Unexpected ZeroDivisionError" in error_html(ZeroDivisionError("boom"))
