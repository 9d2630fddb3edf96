"""Shared fixtures: one live sandbox (demo seed) per test session, over a real loopback socket.

* ``sandbox`` — a running :class:`ipernity_nb.sandbox.Sandbox` with the demo seed;
* ``demo_app`` — the demo desktop app (``api_key``, ``secret``, ``name``, ``kind``, ``callback``);
* ``token_for(username, perms={"doc": "read"}, app=demo_app)`` — a fresh token string;
* ``api`` — ``api(method, /, fmt="json", http="GET", token=None, sign_it=True, app=None, **params)`` -> Response,
  a tiny signed caller built on ``requests`` + ``ipernity_nb.signing`` (independent of the Client).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.signing import sign

DEMO_DESKTOP_APP = {
    "name": "ipernity_nb demo (desktop)",
    "api_key": "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c",
    "secret": "a1b2c3d4e5f60718",
    "kind": "desktop",
    "callback": "",
}


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A running sandbox with the demo seed, shared by the whole test session (do not reset it)."""
    with Sandbox(seed="demo") as sb:
        yield sb


@pytest.fixture(scope="session")
def demo_app() -> dict:
    """The demo desktop app's credentials (``DEMO_DESKTOP_APP`` of ``ipernity_nb.sandbox.seed``)."""
    try:
        from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as app
    except ImportError:
        app = DEMO_DESKTOP_APP
    return dict(app)


@pytest.fixture(scope="session")
def token_for(sandbox: Sandbox, demo_app: dict) -> Callable[..., str]:
    """``token_for("alice", {"doc": "write"})`` -> a new token for the demo desktop app."""

    def make(username: str, perms: dict[str, str] | None = None, app: dict | None = None) -> str:
        return sandbox.issue_token((app or demo_app)["api_key"], username, perms or {"doc": "read"})

    return make


@pytest.fixture(scope="session")
def api(sandbox: Sandbox, demo_app: dict) -> Callable[..., requests.Response]:
    """A minimal signed caller over HTTP: ``api("test.echo", echo="hi").json()``."""
    session = requests.Session()

    def call(
        method: str,
        /,
        fmt: str = "json",
        http: str = "GET",
        token: str | None = None,
        sign_it: bool = True,
        app: dict | None = None,
        **params: object,
    ) -> requests.Response:
        app = app or demo_app
        p: dict[str, object] = {"api_key": app["api_key"], **params}
        if token:
            p["auth_token"] = token
        data = sign(p, app["secret"], method) if sign_it else {k: str(v) for k, v in p.items()}
        url = f"{sandbox.api_url}{method}/{fmt}"
        if http == "POST":
            return session.post(url, data=data, timeout=30)
        return session.get(url, params=data, timeout=30)

    return call
