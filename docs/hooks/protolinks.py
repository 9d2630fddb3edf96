"""MkDocs hook: every "§N" of the site links to that section of the protocol notes.

The code, its docstrings and the tutorials cite the protocol as ``docs/protocol.md §N``. On the
site, each such section number becomes a link to the heading of ``protocol.md`` whose number it
is; numbers that are not one of its headings (an RFC's section, say) stay plain text.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url

PROTOCOL = "protocol.md"
NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s")
CITED = re.compile(r"(?<!RFC )(?<!\d )§(\d+(?:\.\d+)*)")
ARTICLE = re.compile(r"(<article\b.*</article>)", re.S)

_anchors: dict[str, str] = {}


def _walk(items: list[AnchorLink]) -> list[AnchorLink]:
    return [x for item in items for x in (item, *_walk(item.children))]


def on_pre_build(**_: Any) -> None:
    _anchors.clear()


def on_page_content(html: str, page: Page, **_: Any) -> str:
    # every page is rendered before any is written, so on_post_page sees all the anchors
    if page.file.src_uri == PROTOCOL:
        for item in _walk(list(page.toc)):
            found = NUMBER.match(item.title)
            if found:
                _anchors[found.group(1)] = item.id
    return html


def _link(text: str, base: str) -> str:
    def one(match: re.Match[str]) -> str:
        anchor = _anchors.get(match.group(1))
        return f'<a href="{base}#{anchor}">{match.group(0)}</a>' if anchor else match.group(0)

    return CITED.sub(one, text)


def on_post_page(output: str, page: Page, **_: Any) -> str:
    if not _anchors:
        return output
    target = "" if page.file.src_uri == PROTOCOL else get_relative_url("protocol/", page.url)
    article = ARTICLE.search(output)
    if article is None:
        return output
    # only text between tags: attributes, and links the page already has, stay as they are
    linked = re.sub(r">([^<]*§[^<]*)<(?!/a>)", lambda m: ">" + _link(m.group(1), target) + "<", article.group(1))
    return output[: article.start()] + linked + output[article.end() :]
