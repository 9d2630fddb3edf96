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

Against the real API (credentials from arguments, then the environment, then the token store —
see :func:`ipernity_nb.auth.client_from_env`)::

    client = ipn.connect(sandbox=False)
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Mapping
from typing import Any

from .auth import SandboxApprover, check_token, client_from_env
from .client import Client
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
    sandbox: bool | Sandbox = True,
    user: str | None = None,
    perms: Mapping[str, str] | None = None,
    api_key: str | None = None,
    secret: str | None = None,
    token: str | None = None,
    **client_kwargs: Any,
) -> Client:
    """A client for the embedded sandbox (default), a given :class:`Sandbox`, or the real API.

    ``sandbox=True`` uses :func:`embedded_sandbox` and its demo desktop app; with ``user``
    (e.g. ``"alice"``, password ``"demo"``) the client is signed in as that demo user with
    ``perms`` (default ``{"doc": "write"}``), as if they had approved the app. ``sandbox=False``
    targets api.ipernity.com with your own key. Other keywords go to :class:`Client`.

    Example:
        >>> connect(user="bob").token is not None
        True
    """
    if sandbox is False:
        if user is not None:
            raise ValueError(
                "user= signs in a sandbox demo user; against the real API run the authorization flow "
                "(AuthForm or DesktopFlow) instead."
            )
        return client_from_env(api_key, secret, token, **client_kwargs)
    sb = embedded_sandbox() if sandbox is True else sandbox
    client = Client(
        api_key or DEMO_DESKTOP_APP["api_key"],
        secret or DEMO_DESKTOP_APP["secret"],
        url=sb.api_url,
        site_url=sb.url,
        **client_kwargs,
    )
    if token is not None:
        client.token = token
        check_token(client)
    elif user is not None:
        client.token = sb.issue_token(client.api_key, user, dict(perms or {"doc": "write"}))
        check_token(client)
    return client
