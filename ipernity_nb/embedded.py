"""The front door: a ready :class:`~ipernity_nb.Client` on the embedded sandbox or the real API.

The sandbox is the default backend, so tutorials, tests and classrooms run with no key and no
internet. One argument switches to the real service.

Example:
    >>> import ipernity_nb as ipn
    >>> client = ipn.connect()                      # embedded sandbox, demo app, anonymous
    >>> client.call("test.hello")
    {'hello': 'hello world!'}
    >>> alice = ipn.connect(user="alice", perms={"doc": "write"})   # signed in as a demo user
    >>> alice.rights["doc"]
    'write'

A classroom sandbox started by the teacher is joined by its URL; a student signs in with
the password the teacher handed out, through the sandbox's own pages::

    me = ipn.connect(sandbox="http://192.168.1.20:8765", user="student01", password="…")

Against the real API (credentials from arguments, then the environment, then the token store —
see :func:`ipernity_nb.auth.client_from_env`)::

    client = ipn.connect(sandbox=False)
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .auth import SandboxApprover, check_token, client_from_env
from .client import Client
from .errors import ParameterError
from .sandbox import Sandbox
from .sandbox.seed import DEMO_DESKTOP_APP

__all__ = ["connect", "embedded_sandbox", "sandbox_approver"]

_lock = threading.Lock()
_embedded: Sandbox | None = None


def embedded_sandbox() -> Sandbox:
    """The sandbox this Python process shares between :func:`connect` calls, started on first use.

    It listens on a free loopback port, holds the deterministic demo data and stops when the
    interpreter (or notebook kernel) exits.

    Example:
        >>> embedded_sandbox().url.startswith("http://127.0.0.1:")
        True
    """
    global _embedded
    with _lock:
        if _embedded is None:
            _embedded = Sandbox().start()
            atexit.register(_embedded.stop)
        return _embedded


def sandbox_approver(sandbox: Sandbox | None = None) -> SandboxApprover:
    """An approver that clicks "approve" on the sandbox's consent page for you (tutorials, tests).

    Example:
        >>> sandbox_approver().site_url == embedded_sandbox().url
        True
    """
    sb = sandbox or embedded_sandbox()
    return SandboxApprover(sb.url, sb.admin_token)


def connect(
    *,
    sandbox: bool | Sandbox | str = True,
    user: str | None = None,
    password: str | None = None,
    perms: Mapping[str, str] | None = None,
    api_key: str | None = None,
    secret: str | None = None,
    token: str | None = None,
    **client_kwargs: Any,
) -> Client:
    """A client for the embedded sandbox (default), a given :class:`Sandbox`, one joined by URL, or the real API.

    ``sandbox=True`` uses :func:`embedded_sandbox` and its demo desktop app; with ``user``
    (e.g. ``"alice"``, password ``"demo"``) the client is signed in as that demo user with
    ``perms`` (default ``{"doc": "write"}``), as if they had approved the app. With
    ``password`` too, the sign-in goes through the sandbox's login and consent pages
    (:func:`~ipernity_nb.signin.password_sign_in`), the only way on a sandbox joined by URL
    (``sandbox="http://host:port"``, a classroom's shared sandbox). ``sandbox=False``
    targets api.ipernity.com with your own key. Other keywords go to :class:`Client`.

    Example:
        >>> connect(user="bob").token is not None
        True
    """
    if sandbox is False:
        if user is not None or password is not None:
            raise ParameterError(
                "user= and password= sign in on a sandbox; against the real API run the authorization flow "
                "(AuthForm or DesktopFlow) instead.",
                param="user",
            )
        return client_from_env(api_key, secret, token, **client_kwargs)
    if isinstance(sandbox, str):
        sb: Sandbox | None = None
        site_url = _sandbox_url(sandbox)
    elif sandbox is True or isinstance(sandbox, Sandbox):
        sb = embedded_sandbox() if sandbox is True else sandbox
        site_url = sb.url
    else:
        raise ParameterError(
            f"sandbox={sandbox!r} is not understood: pass True (the embedded sandbox), a Sandbox, the URL "
            "of a running one (sandbox='http://host:port') or False (the real API).",
            param="sandbox",
            received=sandbox,
        )
    client = Client(
        api_key or DEMO_DESKTOP_APP["api_key"],
        secret or DEMO_DESKTOP_APP["secret"],
        url=site_url + "/api/",
        site_url=site_url,
        **client_kwargs,
    )
    if token is not None:
        client.token = token
        check_token(client)
    elif user is not None and password is not None:
        from .signin import password_sign_in  # the pages' parser is only needed here

        password_sign_in(client, user, password, dict(perms or {"doc": "write"}))
    elif user is not None:
        if sb is None:
            raise ParameterError(
                f"user={user!r} on a sandbox joined by URL signs in through its pages: add "
                "password='…' (the one your teacher handed out).",
                param="password",
            )
        client.token = sb.issue_token(client.api_key, user, dict(perms or {"doc": "write"}))
        check_token(client)
    return client


def _sandbox_url(url: str) -> str:
    """The site root of a sandbox given by URL (``http://host:port``, a trailing ``/api/`` tolerated)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParameterError(
            f"sandbox={url!r} is not a sandbox URL: give it as the sandbox prints it, e.g. 'http://127.0.0.1:8765'.",
            param="sandbox",
            received=url,
        )
    path = parts.path.rstrip("/").removesuffix("/api").rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"
