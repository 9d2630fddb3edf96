"""What the site pages, the OAuth pages and the control plane need from the app that hosts them.

A structural type, so those modules never import :mod:`ipernity_nb.sandbox.app` (which
imports them): the app satisfies it by having these attributes, and no import cycle exists,
not even one hidden behind ``TYPE_CHECKING``.

Example:
    >>> from ipernity_nb.sandbox.app import make_app
    >>> from ipernity_nb.sandbox.state import State
    >>> st = State(None, seed="empty")
    >>> app: Host = make_app(st)
    >>> app.site.session  # doctest: +ELLIPSIS
    <bound method Site.session of ...>
    >>> st.close()
"""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

from werkzeug.wrappers import Request

from .appstats import StatsRecorder
from .faults import Faults
from .state import State

__all__ = ["Host", "SiteServices"]


class SiteServices(Protocol):
    """The site's shared services: the signed-in member of a request, housekeeping."""

    def session(self, request: Request) -> sqlite3.Row | None: ...

    def purge_due(self, now: int) -> None: ...


class Host(Protocol):
    """The hosting app's state, configuration and shared services."""

    # read-only members: the app may hold subtypes (a Site provides SiteServices)
    @property
    def state(self) -> State: ...
    @property
    def config(self) -> dict[str, Any]: ...
    @property
    def admin_token(self) -> str: ...
    @property
    def secret_key(self) -> bytes: ...
    @property
    def cookie_suffix(self) -> str: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def stats(self) -> StatsRecorder: ...
    @property
    def site(self) -> SiteServices: ...
