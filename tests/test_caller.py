"""The client is composed: a request caller with a public surface, signing as a requests AuthBase.

Against the sandbox over a real loopback socket: the api_sig signer works on a plain requests
call (it is an ordinary ``requests.auth.AuthBase``, like requests-oauthlib's ``OAuth1``), the
caller prepares without secrets, the client's settings live once (on the caller), and no module
of the client side reaches into another's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import requests

from ipernity_nb import Client
from ipernity_nb.apisig import ApiSigAuth, Credentials
from ipernity_nb.errors import AuthError, TransportError
from ipernity_nb.seam import ApiClient

PKG = Path(__file__).resolve().parents[1] / "ipernity_nb"
#: Underscore names that are public protocols, not privates (namedtuple API, IPython display hooks).
PUBLIC_UNDERSCORE = {"_replace", "_asdict", "_fields", "_repr_html_", "_repr_mimebundle_", "_ipython_display_"}


def test_api_sig_auth_signs_a_plain_requests_call(sandbox, demo_app, token_for) -> None:
    token = token_for("alice", {"doc": "read"})
    auth = ApiSigAuth(Credentials(demo_app["api_key"], demo_app["secret"], token))
    url = sandbox.api_url + "auth.checkToken/json"
    body = requests.get(url, params={}, auth=auth, timeout=10).json()
    assert body["api"]["status"] == "ok" and body["auth"]["user"]["username"] == "alice"
    echo = requests.post(sandbox.api_url + "test.echo/json", data={"echo": "été"}, auth=auth, timeout=10).json()
    assert echo["echo"] == "été"  # a form POST signed in its body
    bad = ApiSigAuth(Credentials(demo_app["api_key"], "wrong-secret", token))
    refused = requests.get(url, auth=bad, timeout=10).json()["api"]
    assert refused["status"] == "error" and "signature" in refused["message"].lower()


def test_the_signer_is_swappable(sandbox, demo_app, token_for) -> None:
    token = token_for("alice", {"doc": "read"})
    c = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, token=token, progress=False)
    assert c.call("auth.checkToken", auth_token=token)["auth"]["user"]["username"] == "alice"
    c.auth = ApiSigAuth(Credentials(demo_app["api_key"], "wrong-secret", token))
    with pytest.raises(AuthError, match="signature"):  # signed by the given auth object, not the client's secret
        c.call("auth.checkToken")
    c.auth = None
    assert c.call("auth.checkToken")["auth"]["user"]["username"] == "alice"


def test_prepare_keeps_key_token_and_signature_for_the_signer(sandbox, demo_app) -> None:
    c = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, token="1-abc", lg="fr")
    p = c.caller.prepare("doc.search", {"text": "cat", "per_page": 5})
    assert p.verb == "GET" and p.fields == {"text": "cat", "per_page": "5", "lg": "fr"}
    up = c.caller.prepare("upload.file", {"file": b"xyz", "title": "t"})
    assert up.verb == "POST" and up.upload == b"xyz" and "file" not in up.fields


def test_settings_live_once_on_the_caller(demo_app) -> None:
    c = Client(demo_app["api_key"], demo_app["secret"], url="http://127.0.0.1:9/api", workers=3)
    assert isinstance(c, ApiClient) and c.caller.url == c.url == "http://127.0.0.1:9/api/"
    c.url, c.token, c.secret = "http://127.0.0.1:8/api/", "9-x", "s2"
    assert c.caller.url.endswith(":8/api/") and c.caller.credentials.token == "9-x"
    assert c.caller.credentials.secret == "s2" and "9-x" not in repr(c) and "s2" not in repr(c.credentials)
    assert c.session.get_adapter(c.url).limits.deadline == c.limits.deadline  # our bounded adapter is mounted


def test_errors_carry_fields_not_private_attributes(demo_app) -> None:
    c = Client(demo_app["api_key"], demo_app["secret"], url="http://127.0.0.1:9/api/", token="1-abc", retries=2)
    c.retries = type(c.retries)(attempts=2, base=0.0, cap=0.0, total=5)
    with pytest.raises(TransportError) as err:
        c.call("test.hello")
    e = err.value
    assert (e.sent, e.retryable, e.attempts) == (False, True, 2) and "gave up after 2 attempts" in e.__notes__[-1]
    assert e.__cause__ is None and e.__context__ is None  # nothing chained that could hold a signed URL
    assert not [k for k in vars(e) if k.startswith("_") and not k.startswith("__")]


def _private_reach_ins(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")) and node.attr not in PUBLIC_UNDERSCORE:
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("ipernity_nb")):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names if a.name.startswith("_")]
    return [f for f in found if "import __" not in f]


def test_no_client_module_reaches_into_private_names() -> None:
    modules = [p for p in PKG.rglob("*.py") if "sandbox" not in p.parts]
    assert len(modules) > 30
    problems = [f for p in modules for f in _private_reach_ins(p)]
    assert not problems, problems


def test_a_given_session_gets_the_bounds_unless_it_brings_its_own_adapter(demo_app) -> None:
    from requests.adapters import HTTPAdapter

    from ipernity_nb.transport import BoundedAdapter

    plain = requests.Session()
    c = Client(demo_app["api_key"], session=plain, max_bytes=1234)
    assert c.session is plain and plain.get_adapter("https://x").limits.max_bytes == 1234  # type: ignore[attr-defined]
    custom = requests.Session()
    mine = HTTPAdapter(max_retries=3)
    custom.mount("https://", mine)
    Client(demo_app["api_key"], session=custom)
    assert custom.get_adapter("https://x") is mine and isinstance(custom.get_adapter("http://x"), BoundedAdapter)
