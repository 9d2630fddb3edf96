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

import hmac
import sqlite3
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

__all__ = [
    "RIGHTS",
    "SECURITY_HEADERS",
    "PageError",
    "error_page",
    "esc",
    "html_response",
    "login_redirect",
    "page_response",
    "render",
    "rights_words",
    "same_csrf",
    "site_root",
    "who",
]

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


# --- what every page handler shares ----------------------------------------------------------


class PageError(Exception):
    """A page refused the request: shown by :func:`error_page` with ``status``."""

    def __init__(self, title: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.title, self.message, self.status = title, message, status


def who(sess: sqlite3.Row | None) -> dict[str, Any]:
    """The page header's context: the signed-in member's name and the CSRF token of sign-out."""
    return {"user": sess["username"] if sess else None, "csrf": sess["csrf"] if sess else ""}


def error_page(err: PageError, sess: sqlite3.Row | None = None) -> Response:
    """The error page for ``err`` (``<div class="error">``), with its status."""
    return page_response("message.html", err.status, title=err.title, kind="error", message=err.message, **who(sess))


def login_redirect(target: str) -> Response:
    """303 to the login page, coming back to ``target`` (a local path) afterwards."""
    return redirect("/login?next=" + quote(target, safe=""), 303)


def same_csrf(request: Request, sess: sqlite3.Row) -> bool:
    """Whether the posted form carries the session's CSRF token."""
    return hmac.compare_digest(request.form.get("csrf", "").encode(), str(sess["csrf"]).encode())


def site_root(config: dict[str, Any], request: Request) -> str:
    """The configured ``site_url``, else the address the server listens on — never the Host header."""
    configured = config.get("site_url")
    if configured:
        return str(configured).rstrip("/")
    env = request.environ
    host = env.get("SERVER_NAME", "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{env.get('wsgi.url_scheme', 'http')}://{host}:{env.get('SERVER_PORT', '80')}"
