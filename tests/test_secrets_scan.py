"""No secret leaks: API secret, auth token and signatures are absent from reprs, errors, every log
(urllib3's DEBUG log included), the call log, the cache database, notebook outputs and token files.

urllib3 logs each request line, which for a signed GET includes ``auth_token`` and ``api_sig``.
The client attaches a redacting filter to urllib3's loggers (transport.install_log_redaction)
rather than POSTing every signed call: GET stays GET (cacheable, shown so in the call log).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import socket
import stat
import traceback
from pathlib import Path

import pytest

from ipernity_nb import Client
from ipernity_nb.auth import Token
from ipernity_nb.errors import IpernityError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.tokenstore import TokenStore
from ipernity_nb.transport import _FILTER

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
WEB_SECRET = "0f1e2d3c4b5a6978"
SIG = re.compile(r"api_sig=[0-9a-fA-F]{16,}")
TOKEN_RE = re.compile(r"\b\d{3,}-[0-9a-f]{24,}\b")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sandbox():
    """Our own demo sandbox: the tour writes, and the session sandbox must stay pristine."""
    with Sandbox(seed="demo") as sb:
        yield sb


@pytest.fixture(scope="module")
def token_for(sandbox):
    return lambda user, perms: sandbox.issue_token(KEY, user, perms)


def assert_clean(text: str, *secrets: str, where: str) -> None:
    for s in secrets:
        assert s not in text, f"a secret leaked into {where}"
    assert not SIG.search(text), f"a signature leaked into {where}: {SIG.search(text).group(0)[:12]}…"


def exercise(client: Client) -> list[BaseException]:
    """A small tour: reads, pages, a write, API errors, a transport error; returns the errors met."""
    errors: list[BaseException] = []
    client.call("test.hello")
    client.call("auth.checkToken")
    client.frame("doc.getList", user_id=284001, per_page=20, pages=2)
    client.call("doc.search", text="cat", per_page=5)
    doc = client.call("doc.getList", per_page=1)["docs"]["doc"][0]["doc_id"]
    client.call("doc.set", doc_id=doc, title="scanned")
    for bad in ({"doc_id": 1}, {"doc_id": 999999999}):
        try:
            client.call("doc.get", **bad)
        except IpernityError as exc:
            errors.append(exc)
    try:
        client.call("doc.delete", doc_id=doc)  # the token only has write: RightsError or 110
    except IpernityError as exc:
        errors.append(exc)
    return errors


def test_no_secret_in_logs_reprs_errors_or_call_log(sandbox, token_for, caplog):
    token = token_for("alice", {"doc": "write"})
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's connection pool included
    c = Client(KEY, SECRET, url=sandbox.api_url, token=token, progress=False, retries=0)
    errors = exercise(c)
    with socket.socket() as s:  # nothing listens there: a transport error carrying the URL
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = Client(KEY, SECRET, url=f"http://127.0.0.1:{port}/api/", token=token, retries=1)
    for fn in (lambda: dead.call("doc.get", doc_id=5), lambda: dead.call("doc.set", doc_id=5, title="x")):
        try:
            fn()
        except IpernityError as exc:
            errors.append(exc)
    assert len(errors) >= 4
    logs = caplog.text
    assert "GET /api/doc.getList/json?" in logs  # urllib3 did log the request lines ...
    assert_clean(logs, token, SECRET, where="the logs")  # ... without token or signature
    for err in errors:
        text = "".join(traceback.format_exception(err)) + repr(err) + str(getattr(err, "__dict__", ""))
        assert_clean(text, token, SECRET, where=f"the error {type(err).__name__}")
    assert_clean(repr(c) + repr(dead) + str(vars(c).get("retries")), token, SECRET, where="reprs")
    calls = c.calls
    assert len(calls) >= 8
    assert_clean(calls.to_string() + repr(calls.to_dict("records")), token, SECRET, where="the call log")


def test_without_the_filter_urllib3_would_leak(sandbox, token_for, caplog):
    """Proves the previous test can fail: urllib3 really prints the signed URL."""
    token = token_for("alice", {"doc": "read"})
    lg = logging.getLogger("urllib3.connectionpool")
    c = Client(KEY, SECRET, url=sandbox.api_url, token=token, progress=False)
    lg.removeFilter(_FILTER)
    try:
        caplog.set_level(logging.DEBUG)
        c.call("doc.search", text="cat", per_page=1)
        assert token in caplog.text and SIG.search(caplog.text)
    finally:
        lg.addFilter(_FILTER)
    caplog.clear()
    c.call("doc.search", text="cat", per_page=1)
    assert "doc.search" in caplog.text and token not in caplog.text and "api_sig=***" in caplog.text


def test_cache_database_holds_no_secret(sandbox, token_for, tmp_path):
    token = token_for("alice", {"doc": "write"})
    path = tmp_path / "harvest.sqlite"
    c = Client(KEY, SECRET, url=sandbox.api_url, token=token, progress=False, cache=str(path))
    exercise(c)
    exercise(c)  # second run: answered from the cache
    assert c.calls["from_cache"].any()
    c.session.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert len(blobs) > 10_000
    for s in (token, SECRET):
        assert s.encode() not in blobs, "a secret leaked into the cache database"
    assert not re.search(rb"api_sig=[0-9a-f]{16,}", blobs)


def test_token_files_are_owner_only(tmp_path):
    store = TokenStore(tmp_path / "cfg")
    secret_token = "284001-0123456789abcdef0123456789abcdef"
    store.save(Token(secret_token, user_id=284001, username="alice", api_key=KEY))
    files = [p for p in (tmp_path / "cfg").iterdir() if p.is_file() and not p.name.startswith(".")]
    assert files
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, (p.name, oct(p.stat().st_mode))
        assert SECRET not in p.read_text()  # tokens only, never the API secret
    assert stat.S_IMODE((tmp_path / "cfg").stat().st_mode) == 0o700
    assert secret_token not in repr(store) and secret_token not in repr(store.load(KEY, "alice"))


NOTEBOOKS = sorted(glob.glob(str(ROOT / "notebooks" / "*.ipynb")))


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks in this checkout")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_outputs_hold_no_secret(path):
    """Scans the saved outputs (nbval re-runs the tutorials and compares them in its own tests)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"] if c.get("cell_type") == "code"])
    assert_clean(outputs, SECRET, WEB_SECRET, where=os.path.basename(path))
    assert not TOKEN_RE.search(outputs), f"a token leaked into {os.path.basename(path)}"
