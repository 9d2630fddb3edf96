"""The sandbox's WSGI application: URL map and the ONE API dispatcher.

Every API call goes through :meth:`SandboxApp.api`, which checks, in the live service's
order (docs/protocol.md §5.1): key (100 missing; 101 unknown or disabled by its owner),
caller address (111, when the key's owner restricted them), format (102), method (103),
POST (120), signature (104 missing — for every call when the key's owner turned on "always
require signed calls" —, 105 invalid: a renewed secret voids the old one), token (106/107,
a revoked one included), closed account (108), permission (110). Every call with an
existing key is counted for the key's statistics (sandbox/appstats.py). Handlers only
ever see well-formed credentials; they run inside a transaction so a failed write changes
nothing, and any exception they raise becomes API error 500, never an HTTP 500.
The request's file parts and client address are ``Ctx`` fields; ``ctx.config`` is the
sandbox's configuration; ``ctx.now`` comes from the state's injectable clock.
Before those checks come the switches of ``self.faults`` (sandbox/faults.py): injected
faults and maintenance (501) first, then the client IP quota (113); the application quota
(112) follows the key checks. Async uploads that became ready are processed before a call.

Not emulated: the ``php`` output format and the SOAP / XML-RPC entry points (§1.4, §2.1):
``/api/<method>/php`` answers 102 "Invalid format".

Example:
    >>> from werkzeug.test import Client
    >>> from ipernity_nb.sandbox.state import State
    >>> st = State(None, seed="empty")
    >>> c = Client(make_app(st, admin_token="t"))
    >>> c.get("/api/test.hello?api_key=5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c").get_json()["hello"]
    'hello world!'
    >>> st.close()
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import sqlite3
import threading
import time
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .. import catalog
from ..signing import api_sig, same_sig
from . import handlers as _handlers  # noqa: F401  (registers every handler module)
from . import media as _media
from . import oauth as _oauth
from .appkeys import KEY_RULES_SQL, ip_allowed
from .appstats import StatsRecorder
from .faults import Faults, proxy_page
from .forms import BoundedRequest
from .handlers import upload as _upload
from .registry import HANDLERS, NOT_EMULATED, Ctx, Fault
from .render import render_error, render_ok
from .state import PERM_SCOPES, State

__all__ = ["DEFAULT_CONFIG", "SandboxApp", "make_app"]

log = logging.getLogger("ipernity_nb.sandbox")

#: Tunables, overridable with ``Sandbox(**config)``.
DEFAULT_CONFIG: dict[str, Any] = {
    "frob_ttl": 600,  # seconds a frob stays usable (docs/protocol.md §8.11: "within minutes")
    "session_ttl": 14 * 24 * 3600,
    "upload_delay": 1.0,  # seconds an async=1 upload stays pending (upload.checkTickets eta)
    "max_upload_bytes": 64 * 1024 * 1024,  # above: upload.file code 2, whatever the account
}

_UPLOADS = frozenset({"upload.file", "upload.replace"})
#: GET-able methods that nevertheless write: take the write lock up front.
_WRITES_ON_GET = frozenset({"auth.getFrob", "auth.getToken"})
_FORMATS = ("json", "xml")


def _label(code: int) -> str:
    for e in catalog.generic_errors():
        if e["code"] == code:
            return e["label"]
    return "Service error"


def _refuse_over(over: tuple[int, int] | None) -> None:
    """Answer a spent quota (112 app, 113 IP) with its Retry-After; ``None`` means allowed."""
    if over is not None:
        raise Fault(over[0], _label(over[0]), retry_after=over[1])


class SandboxApp:
    """One sandbox's WSGI app. All state lives in ``self.state`` (SQLite) and this object."""

    def __init__(self, state: State, *, admin_token: str, config: dict[str, Any] | None = None) -> None:
        self.state = state
        self.admin_token = admin_token
        config = dict(config or {})
        #: Rate limits and fault injection (sandbox/faults.py), switchable at run time.
        self.faults = Faults(config.pop("faults", None), config.pop("quota", None), config.pop("maintenance", False))
        self.config = {**DEFAULT_CONFIG, **config}
        #: Async uploads may be waiting (checked before each call; True at start for file dbs).
        self.uploads_pending = True
        self._uploads_lock = threading.Lock()  # a cleared flag must never hide a newer ticket
        # API calls are answered one at a time, after their body is read and their injected latency
        # waited out. Python runs one thread at a time anyway, and threads taking turns at every
        # SQLite step cost twice the CPU per page with 8 clients (docs/sandbox-server.md, "One call at a time").
        self._one_at_a_time = threading.Lock()
        #: Signs the pre-session CSRF token of the login form; per instance, never shared.
        self.secret_key = secrets.token_bytes(32)
        self.cookie_suffix = ""  # set by the server to the port: browsers share cookies across ports
        from . import control, site

        #: Calls per key, day, method and outcome (the owners' statistics pages).
        self.stats = StatsRecorder(state)
        self.site = site.Site(self)
        self.control = control.Control(self)
        self.url_map = Map(
            [
                Rule("/api", endpoint="api", defaults={"method": "", "fmt": "json"}),
                Rule("/api/", endpoint="api", defaults={"method": "", "fmt": "json"}),
                Rule("/api/<method>", endpoint="api", defaults={"fmt": "json"}),
                Rule("/api/<method>/", endpoint="api", defaults={"fmt": "json"}),
                Rule("/api/<method>/<fmt>", endpoint="api"),
                Rule("/media/<path:path>", endpoint="media"),
                *self.site.rules(),
                *self.control.rules(),
            ],
            strict_slashes=False,
            # /api/<m>/json must not 308 to /api/<m>: a redirect doubles every call and breaks
            # OAuth signatures, which cover the URL as sent (docs/protocol.md §4.4)
            redirect_defaults=False,
        )

    # --- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = BoundedRequest(environ)  # body bounds and clear errors for bad bodies (forms.py)
        api_route = _api_route(environ.get("PATH_INFO", ""))
        if api_route is not None:  # the API's routes without the URL map: a third of a test.echo call
            response = self.api(request, *api_route)
            start_response(response.status, list(response.headers.items()))
            return [response.get_data()]
        try:
            adapter = self.url_map.bind_to_environ(environ)
            endpoint, values = adapter.match()
            if endpoint == "api":
                response = self.api(request, **values)
            elif endpoint == "media":
                response = self.media(request, **values)
            elif endpoint.startswith("site."):
                response = getattr(self.site, endpoint[5:])(request, **values)
            else:
                response = getattr(self.control, endpoint[8:])(request, **values)
        except HTTPException as exc:
            response = exc.get_response(environ)
        except Exception:  # a bug in a page: log it, answer a plain 500 without a traceback
            log.exception("sandbox page %s failed", request.path)
            response = Response("Internal error in the sandbox (see its log).", status=500, mimetype="text/plain")
        return response(environ, start_response)

    def base_url(self, request: Request) -> str:
        """The site root as the caller reached it, used to build media and page URLs.

        Read from the WSGI environ directly: ``request.host_url`` costs a third of a
        test.echo call. The Host header is only reflected to its sender, always escaped.
        """
        env = request.environ
        host = env.get("HTTP_HOST") or f"{env.get('SERVER_NAME', '127.0.0.1')}:{env.get('SERVER_PORT', '80')}"
        return f"{env.get('wsgi.url_scheme', 'http')}://{host}"

    # --- the API dispatcher -----------------------------------------------------------------

    def api(self, request: Request, method: str, fmt: str) -> Response:
        out_fmt = fmt if fmt in _FORMATS else "json"
        if self.faults.active:  # injected faults: /api/ only, never the control plane (faults.py)
            faulty = self._inject(request, out_fmt)
            if faulty is not None:
                return faulty
        try:
            try:
                if request.method == "POST":
                    request.form  # noqa: B018 - the body is read here, outside the lock: a slow sender never holds it
                with self._one_at_a_time:
                    payload, status, headers = self._dispatch(request, method, fmt)
                    body, ctype = render_ok(payload, out_fmt)
            except (Fault, HTTPException):  # HTTPException: a bad or too large body (forms.py)
                raise
            except Exception:  # a dispatcher or rendering bug: still an API envelope, never a traceback
                log.exception("sandbox API call %s failed", method)
                raise Fault(500, _label(500)) from None
        except Fault as f:
            body, ctype = render_error(f.code, f.message, out_fmt)
            status = f.http_status
            headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
        return Response(body, status=status, content_type=ctype, headers=headers)

    def _inject(self, request: Request, out_fmt: str) -> Response | None:
        decision = self.faults.decide()
        if decision.latency:
            time.sleep(decision.latency)
        if decision.action is None:
            return None
        kind, code = decision.action
        if kind == "drop":  # close the socket without an answer; werkzeug's write then fails quietly
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            return Response(b"", status=500)
        if kind == "http":  # the proxy in front of the API answers, not the API: an HTML page
            headers = {"Retry-After": "1"} if code == 503 else {}
            return Response(proxy_page(code), status=code, mimetype="text/html", headers=headers)
        # API errors 500/501/503 come in a normal HTTP 200 envelope, like every API error (§5.1)
        body, ctype = render_error(code, _label(code), out_fmt)
        return Response(body, status=200, content_type=ctype)

    @staticmethod
    def params(request: Request) -> dict[str, str]:
        """Query string and form body (urlencoded or multipart); files are not parameters."""
        params = {k: v for k, v in request.args.items()}
        if request.method == "POST":
            params.update(request.form.items())
        return params

    def _dispatch(self, request: Request, name: str, fmt: str) -> tuple[dict, int, dict]:
        # Rate limits: the client IP quota (113) counts every request before any check; the
        # application quota (112) only calls with a valid key (it is per api_key), right after
        # 100/101. Both answer an HTTP 200 envelope plus Retry-After, as the live service does.
        if self.faults.quota:
            _refuse_over(self.faults.check_ip(request.remote_addr or "", self.state.clock()))
        params = self.params(request)
        oauth = None
        if "HTTP_AUTHORIZATION" in request.environ or "oauth_consumer_key" in params:  # cheap pre-check
            oauth = _oauth.api_params(self, request, params)  # OAuth-signed call: key+token filled in
        if oauth is not None:
            params = oauth
        key = params.get("api_key", "")
        if not key:
            raise Fault(100, _label(100))
        with self.state.connection() as db:
            app = db.execute(KEY_RULES_SQL, (key,)).fetchone()
        if app is None:
            raise Fault(101, _label(101))
        counted = name if name in catalog.methods() else "(unknown method)"  # bounded: no row per typo
        try:
            payload = self._checked(request, params, app, oauth, name, fmt)
        except Fault as f:
            self.stats.record(key, counted, f.code, int(time.time()))
            raise
        self.stats.record(key, counted, 0, int(time.time()))
        return payload, 200, {}

    def _checked(
        self, request: Request, params: dict[str, str], app: sqlite3.Row, oauth: dict | None, name: str, fmt: str
    ) -> dict:
        """The checks after the key was found, then the handler (counted by the caller)."""
        key = app["api_key"]
        if not app["active"]:  # the owner disabled the key: as good as unknown (§5.1)
            raise Fault(101, _label(101))
        if app["allowed_ips"] and not ip_allowed(app["allowed_ips"], request.remote_addr or ""):
            raise Fault(111, _label(111))
        if self.faults.quota:
            _refuse_over(self.faults.check_app(key, self.state.clock()))
        if fmt not in _FORMATS:
            raise Fault(102, _label(102))
        method = catalog.methods().get(name)
        fn = HANDLERS.get(name)
        if method is None or fn is None or name in NOT_EMULATED:
            raise Fault(103, _label(103))
        if method.is_write and request.method != "POST":
            raise Fault(120, _label(120))
        # Methods of auth "none" (test.*, api.*, auth.getFrob/getToken) ignore any token sent.
        token = params.get("auth_token", "") if method.auth != "none" or method.needs_token else ""
        # A token is only honoured on a signed request, or anyone who saw it could use it.
        if (method.signed or token or app["always_signed"]) and oauth is None:
            sig = params.get("api_sig", "")
            if not sig:
                raise Fault(104, _label(104))
            if not same_sig(sig, api_sig(params, app["secret"], name)):
                raise Fault(105, _label(105))
        if method.needs_token and not token:
            raise Fault(106, _label(106))
        user, perms = self._caller(key, token, method) if token else (None, {})
        write = method.is_write or name in _WRITES_ON_GET
        files = dict(request.files.items()) if request.mimetype == "multipart/form-data" else {}
        if name in _WRITES_ON_GET:  # frobs pile up here: expired ones go (at most once a minute)
            self.site.purge_due(int(time.time()))
        if self.uploads_pending:  # async uploads whose ready_at passed become docs before any read
            with self._uploads_lock:
                self.uploads_pending = _upload.process_due(self.state, self.state.now())
        try:
            with self.state.transaction(write=write) as db:
                ctx = Ctx(
                    db=db,
                    method=method,
                    params=params,
                    api_key=key,
                    user=user,
                    perms=perms,
                    base_url=self.base_url(request),
                    now=self.state.now(),
                    files=files,
                    remote_addr=request.remote_addr or "",
                    config=self.config,
                )
                payload = fn(ctx)
            if name in _UPLOADS:
                with self._uploads_lock:
                    self.uploads_pending = True
        except Fault:
            raise
        except Exception:  # never a traceback on the wire (§5.1 code 500)
            log.exception("sandbox handler %s failed", name)
            raise Fault(500, _label(500)) from None
        return payload or {}

    def _caller(self, key: str, token: str, method: catalog.Method) -> tuple[sqlite3.Row, dict[str, str]]:
        """The token's user and rights: 107 unknown/revoked token (or another app's), 108 closed
        account, 110 rights below the method's permission (docs/protocol.md §5.1)."""
        with self.state.connection() as db:
            row = db.execute(
                "SELECT * FROM tokens WHERE token = ? AND api_key = ? AND revoked = 0", (token, key)
            ).fetchone()
            if row is None:
                raise Fault(107, _label(107))
            user = db.execute("SELECT * FROM users WHERE user_id = ?", (row["user_id"],)).fetchone()
        if user is None:
            raise Fault(107, _label(107))
        if user["is_closed"]:
            raise Fault(108, _label(108))
        perms = {scope: row[f"perm_{scope}"] for scope in PERM_SCOPES}
        if method.permission is not None:
            scope, level = method.permission
            if not catalog.level_allows(perms.get(scope), level):
                raise Fault(110, _label(110))
        return user, perms

    # --- media ------------------------------------------------------------------------------

    def media(self, request: Request, path: str) -> Response:
        """Image bytes for thumbnail/original URLs (generated PNGs, or uploaded bytes)."""
        parsed = _media.doc_from_path("/media/" + path)
        if parsed is None:
            raise NotFound()
        doc_id, secret, label = parsed
        with self.state.connection() as db:
            doc = db.execute("SELECT doc_id, secret, w, h FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
            if doc is None or doc["secret"] != secret:
                raise NotFound()
            # uploaded bytes: the original, and the playable rendition (no transcoding emulated)
            if label in ("original", "o", "mp4", "mp3"):
                f = db.execute("SELECT content, mime FROM files WHERE doc_id = ?", (doc_id,)).fetchone()
                if f is not None:
                    return Response(bytes(f["content"]), mimetype=f["mime"], headers=_CACHE)
        if label not in _media.LABELS and label not in _FULL_SIZE:
            raise NotFound()
        # Not emulated: playable video/audio bytes; every rendition is a generated PNG (media.py).
        # Full-size ones are capped at 2048 px: generated bytes, only the shape matters.
        w, h = _media.thumb_dims(doc["w"] or 640, doc["h"] or 480, "2048" if label in _FULL_SIZE else label)
        return Response(_media.image_png(doc_id, w, h), mimetype="image/png", headers=_CACHE)


def _api_route(path: str) -> tuple[str, str] | None:
    """``(method, fmt)`` of an ``/api/...`` path, as the URL map's api rules would match it."""
    if path in ("/api", "/api/"):
        return "", "json"
    if not path.startswith("/api/"):
        return None
    parts = path[5:].split("/")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 2 or "" in parts:
        return None  # the URL map answers (404)
    return parts[0], parts[1] if len(parts) == 2 else "json"


_CACHE = {"Cache-Control": "public, max-age=86400"}
#: Labels of full-size renditions: the original and the playable media of doc.getMedias.
_FULL_SIZE = frozenset({"original", "o", "mp4", "mp3"})


def make_app(state: State, *, admin_token: str | None = None, config: dict[str, Any] | None = None) -> SandboxApp:
    """The WSGI app over ``state`` (werkzeug's app-factory shape)."""
    return SandboxApp(state, admin_token=admin_token or secrets.token_urlsafe(24), config=config)
