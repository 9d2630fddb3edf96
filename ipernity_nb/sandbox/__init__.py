"""The offline sandbox: a faithful local emulator of api.ipernity.com and its authorization pages.

Example:
    >>> from ipernity_nb.sandbox import Sandbox
    >>> with Sandbox(seed="empty") as sb:
    ...     sb.api_url.endswith("/api/")
    True
"""

from __future__ import annotations

from .server import Sandbox

__all__ = ["Sandbox"]
