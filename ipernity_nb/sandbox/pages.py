"""HTML of the sandbox's site pages: Jinja2 templates (autoescaped, one base) and one response helper.

Every site page — login, consent (both flows), callback, keys, statistics, gallery,
authorized applications, errors — is answered by :func:`page_response`, so every one carries
the same :data:`SECURITY_HEADERS` (no framing, no caching, a content security policy).
Templates live in ``sandbox/templates/``; ``base.html`` is the one layout.

Example:
    >>> r = page_response("message.html", title="Hi", kind="ok", message="<b>", user=None)
    >>> r.headers["X-Frame-Options"], "&lt;b&gt;" in r.get_data(as_text=True)
    ('DENY', True)
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from werkzeug.wrappers import Response

__all__ = ["RIGHTS", "SECURITY_HEADERS", "esc", "html_response", "page_response", "render", "rights_words"]

#: Sent with every site page. Pages hold secrets (API secrets, CSRF tokens, signed links):
#: never framed (clickjacking), never cached, no inline script, no referrer leaving the site.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

#: What each scope and level lets an app do, in words (docs/protocol.md §4.1).
RIGHTS = {
    "doc": ("your photos, videos and documents", "see", "add and edit", "delete"),
    "blog": ("your blog", "read", "write in", "delete posts of"),
    "post": ("your articles", "read", "write and edit", "delete"),
    "network": ("your contacts (network)", "see", "change", "remove people from"),
    "profile": ("your profile", "see", "edit", "edit"),
}


def esc(value: object) -> str:
    """HTML-escape any value (quotes included)."""
    return escape(str(value), quote=True)


def rights_words(scope: str, level: str) -> str:
    """``("doc", "write")`` -> "add and edit your photos, videos and documents (and see them)"."""
    what, read, write, delete = RIGHTS.get(scope, (scope, "read", "write", "delete"))
    if level == "read":
        return f"{read.capitalize()} {what}, including private ones"
    if level == "write":
        return f"{write.capitalize()} {what} (and {read} them)"
    return f"{delete.capitalize()} {what} (and {write} and {read} them)"


def _date(ts: int) -> str:
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


_env = Environment(
    loader=PackageLoader("ipernity_nb.sandbox", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a missing variable is a bug in a page, not an empty string
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["rights_words"] = rights_words
_env.filters["date"] = _date
#: Variables every page may leave out.
_DEFAULTS: dict[str, Any] = {
    "user": None,
    "csrf": "",
    "wide": False,
    "error": "",
    "notice": "",
    "heading": "",
    "strong": "",
    "after": "",
    "link": None,
}


def render(template: str, **context: Any) -> str:
    """The page ``template`` rendered with ``context`` (every value is escaped)."""
    return _env.get_template(template).render({**_DEFAULTS, **context})


def html_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An HTML response with the site's security headers."""
    resp = Response(text, status=status, mimetype="text/html")
    resp.headers.update(SECURITY_HEADERS)
    if headers:
        resp.headers.update(headers)
    return resp


def page_response(
    template: str, status: int = 200, headers: dict[str, str] | None = None, /, **context: Any
) -> Response:
    """:func:`render` then :func:`html_response`: how every site page answers."""
    return html_response(render(template, **context), status, headers)
