"""OAuth 1.0a in the sandbox: ``/apps/oauth/request|authorize|access`` and OAuth-signed API calls.

Follows docs/protocol.md §4.4: the consumer key is the API key, HMAC-SHA1 signatures per
RFC 5849 (computed here with the standard library, independently of the client's
requests-oauthlib), permissions ride on the authorize URL (``perm_doc=write``), and there is
**no** ``oauth_verifier``. OAuth parameters are read from the ``Authorization: OAuth …``
header, the query string and urlencoded bodies. Checks and codes (§5.1), in this order:
131 parameters missing, 130 version not 1.0, 135 signature method (HMAC-SHA1 only;
PLAINTEXT only over HTTPS), 134 timestamp not a number, 132 clock skew (``oauth_skew``,
300 s), 101 unknown consumer, 107 unknown/unapproved token, 105 bad signature, 133 nonce
reused, 134 timestamp older than the newest seen for the consumer.

An access token is also an ordinary ``tokens`` row, so the dispatcher's token, account and
permission checks (106-110) apply to OAuth calls unchanged.

Not emulated: the MD5 signature method; RSA-SHA1; token-endpoint error bodies are
form-encoded ``oauth_problem=…&code=…&message=…`` (the live format is undocumented).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
from urllib.parse import quote, unquote, urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ..catalog import LEVELS
from .appkeys import KEY_RULES_SQL
from .grants import holds_rights, record_authorization
from .host import Host
from .pages import PageError, error_page, page_response, who
from .registry import Fault
from .state import PERM_SCOPES, insert_token

__all__ = ["api_params", "base_string", "hmac_sha1", "pages"]

_REQUIRED = ("oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce")
_LABELS = {
    101: "API Key is invalid",
    105: "Signature is invalid",
    107: "Token invalid",
    130: "OAuth protocol version unsupported",
    131: "OAuth parameters are missing",
    132: "OAuth Clock skew",
    133: "OAuth Nonce is invalid",
    134: "OAuth Timestamp is invalid",
    135: "OAuth Signature method unsupported",
}
_HEADER_PARAM = re.compile(r'([\w.~-]+)\s*=\s*"([^"]*)"')


def _enc(value: str) -> str:
    return quote(value, safe="-._~")


def _fault(code: int, detail: str = "") -> Fault:
    return Fault(code, _LABELS[code] + (f": {detail}" if detail else ""))


# --- RFC 5849 signature -------------------------------------------------------------------------


def base_string(verb: str, url: str, params: list[tuple[str, str]]) -> str:
    """The signature base string: ``VERB&enc(url)&enc(sorted, encoded params)`` (RFC 5849 §3.4.1)."""
    pairs = sorted((_enc(k), _enc(v)) for k, v in params if k != "oauth_signature")
    norm = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((verb.upper(), _enc(url), _enc(norm)))


def hmac_sha1(base: str, consumer_secret: str, token_secret: str = "") -> str:
    key = f"{_enc(consumer_secret)}&{_enc(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()


def _base_url(request: Request) -> str:
    scheme, host = request.scheme.lower(), request.host.lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}{request.path}"


def _collect(request: Request) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """All parameters that are signed, and the oauth_* ones as a dict."""
    pairs = list(request.args.items(multi=True))
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        pairs += list(request.form.items(multi=True))
    auth = request.headers.get("Authorization", "")
    if auth[:6].lower() == "oauth ":
        pairs += [(unquote(k), unquote(v)) for k, v in _HEADER_PARAM.findall(auth[6:]) if k != "realm"]
    return pairs, {k: v for k, v in pairs if k.startswith("oauth_")}


def is_oauth(request: Request) -> bool:
    """Whether the request carries OAuth credentials (header or oauth_consumer_key)."""
    return request.headers.get("Authorization", "")[:6].lower() == "oauth " or "oauth_consumer_key" in request.values


def _verify(app: Host, request: Request, token_kind: str | None) -> tuple[sqlite3.Row, sqlite3.Row | None]:
    """Check one OAuth-signed request; returns (app row, token row or None) or raises a Fault."""
    pairs, oauth = _collect(request)
    missing = [p for p in _REQUIRED if not oauth.get(p)]
    if token_kind == "request" and not oauth.get("oauth_token"):
        missing.append("oauth_token")
    if missing:
        raise _fault(131, ", ".join(missing))
    if oauth.get("oauth_version", "1.0") != "1.0":
        raise _fault(130)
    method = oauth["oauth_signature_method"].upper()
    if not (method == "HMAC-SHA1" or (method == "PLAINTEXT" and request.scheme == "https")):
        raise _fault(135)
    try:
        ts = int(oauth["oauth_timestamp"])
    except ValueError:
        raise _fault(134) from None
    now = int(time.time())
    if abs(now - ts) > int(app.config.get("oauth_skew", 300)):
        raise _fault(132)
    key = oauth["oauth_consumer_key"]
    with app.state.connection() as db:
        row = db.execute(KEY_RULES_SQL, (key,)).fetchone()
        if row is None or not row["active"]:  # unknown or disabled by its owner
            raise _fault(101)
        tok = None
        if oauth.get("oauth_token"):
            tok = db.execute(
                "SELECT * FROM oauth_tokens WHERE token = ? AND api_key = ? AND kind = ? AND used = 0",
                (oauth["oauth_token"], key, token_kind or "access"),
            ).fetchone()
            if tok is None:
                raise _fault(107)
    token_secret = tok["secret"] if tok is not None else ""
    if method == "PLAINTEXT":
        expected = f"{_enc(row['secret'])}&{_enc(token_secret)}"
    else:
        expected = hmac_sha1(base_string(request.method, _base_url(request), pairs), row["secret"], token_secret)
    if not hmac.compare_digest(expected.encode(), oauth["oauth_signature"].encode()):
        raise _fault(105)
    with app.state.transaction(write=True) as db:
        if db.execute(
            "SELECT 1 FROM oauth_nonces WHERE api_key = ? AND nonce = ?", (key, oauth["oauth_nonce"])
        ).fetchone():
            raise _fault(133)
        newest = db.execute("SELECT MAX(timestamp) FROM oauth_nonces WHERE api_key = ?", (key,)).fetchone()[0]
        if newest is not None and ts < newest:
            raise _fault(134, "older than a previous request")
        db.execute(
            "INSERT INTO oauth_nonces (api_key, nonce, timestamp) VALUES (?, ?, ?)", (key, oauth["oauth_nonce"], ts)
        )
    return row, tok


def api_params(app: Host, request: Request, params: dict[str, str]) -> dict[str, str] | None:
    """For an OAuth-signed API call: the parameters with ``api_key``/``auth_token`` filled in.

    Returns ``None`` for a non-OAuth call (the api_sig path applies). The dispatcher hook.
    """
    if not is_oauth(request):
        return None
    row, tok = _verify(app, request, None)
    out = {k: v for k, v in params.items() if not k.startswith("oauth_")}
    out["api_key"] = row["api_key"]
    out.pop("auth_token", None)
    if tok is not None:
        out["auth_token"] = json.loads(tok["perms"]).get("_token", "")
    return out


# --- the three pages ------------------------------------------------------------------------------


def _form_response(data: dict[str, str], status: int = 200) -> Response:
    return Response(urlencode(data), status=status, mimetype="application/x-www-form-urlencoded")


def _problem(f: Fault) -> Response:
    return _form_response({"oauth_problem": f.message.split(":")[0], "code": str(f.code), "message": f.message}, 401)


def pages(app: Host, request: Request, step: str) -> Response:
    """``/apps/oauth/<step>`` for step request, authorize or access."""
    if step == "request":
        return _request_token(app, request)
    if step == "access":
        return _access_token(app, request)
    if step == "authorize":
        return _authorize(app, request)
    return Response("Unknown OAuth step; use request, authorize or access.", status=404, mimetype="text/plain")


def _request_token(app: Host, request: Request) -> Response:
    try:
        row, _ = _verify(app, request, None)
    except Fault as f:
        return _problem(f)
    _, oauth = _collect(request)
    token, secret = secrets.token_hex(16), secrets.token_hex(8)
    callback = oauth.get("oauth_callback", "")
    app.site.purge_due(int(time.time()))  # expired request tokens and old nonces go
    with app.state.transaction(write=True) as db:
        db.execute(
            "INSERT INTO oauth_tokens (token, secret, api_key, kind, perms, created_at)"
            " VALUES (?, ?, ?, 'request', ?, ?)",
            (
                token,
                secret,
                row["api_key"],
                json.dumps({"_callback": "" if callback == "oob" else callback}),
                int(time.time()),
            ),
        )
    return _form_response({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"})


def _access_token(app: Host, request: Request) -> Response:
    try:
        row, tok = _verify(app, request, "request")
    except Fault as f:
        return _problem(f)
    assert tok is not None
    ttl = int(app.config.get("frob_ttl", 600))
    if tok["user_id"] is None or tok["created_at"] + ttl <= int(time.time()):
        return _problem(_fault(107, "the request token is not approved, was denied or expired"))
    granted = {k: v for k, v in json.loads(tok["perms"]).items() if not k.startswith("_")}
    token, secret = secrets.token_hex(16), secrets.token_hex(8)
    with app.state.transaction(write=True) as db:
        db.execute("UPDATE oauth_tokens SET used = 1 WHERE token = ?", (tok["token"],))
        api_token = insert_token(db, row["api_key"], tok["user_id"], granted)
        db.execute(
            "INSERT INTO oauth_tokens (token, secret, api_key, kind, user_id, perms, created_at)"
            " VALUES (?, ?, ?, 'access', ?, ?, ?)",
            (
                token,
                secret,
                row["api_key"],
                tok["user_id"],
                json.dumps(granted | {"_token": api_token}),
                int(time.time()),
            ),
        )
        user = db.execute("SELECT user_id, username FROM users WHERE user_id = ?", (tok["user_id"],)).fetchone()
    return _form_response(
        {
            "oauth_token": token,
            "oauth_token_secret": secret,
            "user_id": str(user["user_id"]),
            "username": user["username"],
        }
    )


def _error_page(title: str, message: str, sess: sqlite3.Row | None, status: int = 400) -> Response:
    return error_page(PageError(title, message, status), sess)


def _authorize(app: Host, request: Request) -> Response:
    """Consent page for a request token: same form "fa" as /apps/authorize, permissions from perm_*."""
    sess = app.site.session(request)
    source = request.args if request.method == "GET" else request.form
    params = {k: v for k, v in source.items() if k not in ("csrf", "action")}
    now = int(time.time())
    with app.state.connection() as db:
        tok = db.execute(
            "SELECT t.*, a.name FROM oauth_tokens t JOIN apps a ON a.api_key = t.api_key"
            " WHERE t.token = ? AND t.kind = 'request' AND t.used = 0",
            (params.get("oauth_token", ""),),
        ).fetchone()
    if tok is None or tok["created_at"] + int(app.config.get("frob_ttl", 600)) <= now:
        return _error_page("Link expired", "This OAuth request token is invalid, used or expired. Start again.", sess)
    perms: dict[str, str] = {}
    for scope in PERM_SCOPES:
        level = params.get(f"perm_{scope}", "none") or "none"
        allowed = LEVELS[:3] if scope == "profile" else LEVELS
        if level not in allowed:
            return _error_page("Invalid request", f"perm_{scope}={level!r} is not a permission level.", sess)
        if level != "none":
            perms[scope] = level
    if not perms:
        return _error_page("Invalid request", "The application asked for no permission (perm_doc=read …).", sess)
    if sess is None:
        return redirect("/login?next=" + quote("/apps/oauth/authorize?" + urlencode(params), safe=""), 303)
    if request.method == "POST":
        if not hmac.compare_digest(request.form.get("csrf", ""), sess["csrf"]):
            return _error_page("Request refused", "The form was not sent by this page (CSRF).", sess, 403)
        if request.form.get("action", "approve") == "deny":
            with app.state.transaction(write=True) as db:
                db.execute("UPDATE oauth_tokens SET used = 1 WHERE token = ?", (tok["token"],))
            return page_response(
                "message.html",
                title="Access refused",
                kind="error",
                message="You refused access to",
                strong=tok["name"],
                after=".",
                **who(sess),
            )
        return _approve(app, tok, perms, sess, now)
    with app.state.connection() as db:
        already = holds_rights(db, tok["api_key"], sess["user_id"], perms)
    if already:
        return _approve(app, tok, perms, sess, now, already=True)
    return page_response(
        "consent.html",
        title=f"Authorize {tok['name']}",
        app_name=tok["name"],
        username=sess["username"],
        perms=perms,
        params=params,
        action="/apps/oauth/authorize",
        how=" (OAuth)",
        **who(sess),
    )


def _approve(
    app: Host, tok: sqlite3.Row, perms: dict[str, str], sess: sqlite3.Row, now: int, already: bool = False
) -> Response:
    callback = json.loads(tok["perms"]).get("_callback", "")
    with app.state.transaction(write=True) as db:
        db.execute(
            "UPDATE oauth_tokens SET user_id = ?, perms = ? WHERE token = ?",
            (sess["user_id"], json.dumps(perms | {"_callback": callback}), tok["token"]),
        )
        if not already:
            record_authorization(db, tok["api_key"], sess["user_id"], perms, now)
    if callback:  # no oauth_verifier: ipernity does not support it (§4.4)
        return redirect(callback + ("&" if "?" in callback else "?") + urlencode({"oauth_token": tok["token"]}), 302)
    word = "already authorized" if already else "authorized"
    return page_response(
        "message.html",
        title="Authorized",
        heading=tok["name"],
        kind="ok",
        message=f"You {word}",
        strong=tok["name"],
        after=". You can close this window and go back to the application.",
        **who(sess),
    )
