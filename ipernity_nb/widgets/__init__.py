"""Notebook forms: :class:`AuthForm` (authorization flow), :class:`MethodForm` (any API method)
and :class:`SignInForm` (a student joining a classroom sandbox).

Example:
    >>> from ipernity_nb import Client
    >>> from ipernity_nb.widgets import MethodForm
    >>> form = MethodForm(Client("key", "secret"), method="test.echo")
    >>> form.method
    'test.echo'
"""

from __future__ import annotations

from .authform import AuthForm
from .methodform import MethodForm

__all__ = ["AuthForm", "MethodForm"]
