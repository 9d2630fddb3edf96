"""MkDocs hook: show the docstrings' Sphinx cross-reference roles as plain code.

The docstrings are written for ``help()`` and Jupyter's ``?`` as well as for this site, and some
use Sphinx roles (``:class:`Sandbox```, ``:func:`~ipernity_nb.auth.check_token```). Markdown
renders those as ``:class:`` followed by code; this hook keeps the code and drops the role, with
Sphinx's meaning of ``~`` (show the last dotted part only).
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):<code>(~?)([^<]*)</code>")


def _plain(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if short else target}</code>"


def on_page_content(html: str, **_: Any) -> str:
    return ROLE.sub(_plain, html)
