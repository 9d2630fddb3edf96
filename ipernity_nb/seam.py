"""The small typed seam features use to reach a client: :class:`ApiClient` (a ``Protocol``).

Uploads, exports, backups and the forms need only this much of :class:`~ipernity_nb.Client`:
``call`` and ``pages`` (the page engine), the ``caller`` that sends requests (request.py), and
the ``progress`` and ``workers`` defaults. Typing against the protocol instead of the class keeps
the imports one-way (client imports the features, never the reverse).

Example:
    >>> from ipernity_nb import Client
    >>> isinstance(Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"), ApiClient)
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol, runtime_checkable

from .request import Caller
from .rows import Located

__all__ = ["ApiClient"]


@runtime_checkable
class ApiClient(Protocol):
    """What a feature may use of a client."""

    caller: Caller
    progress: bool
    workers: int

    def call(self, method: str, /, **params: Any) -> dict: ...

    def pages(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        max_pages: int | None = None,
        workers: int | None = None,
        split: bool = False,
    ) -> Iterator[tuple[int, Located]]: ...
