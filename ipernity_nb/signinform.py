"""SignInForm: a student joins the class's shared sandbox with a user name and password.

The form does what :func:`ipernity_nb.connect` does with ``sandbox=url, user=…,
password=…`` (sign in and approve on the sandbox's own pages, docs/protocol.md §4.3), from
fields instead of code, so the password is never written in a notebook cell. The password
field is emptied as soon as it is sent: it is not kept in the saved widget state.

Example:
    >>> import ipernity_nb as ipn
    >>> form = SignInForm(ipn.embedded_sandbox().url, user="dave")
    >>> form.password.value = "demo"
    >>> form.sign_in_button.click()
    >>> form.client.rights["doc"], form.password.value
    ('write', '')
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING

import ipywidgets as w

from .display import error_html
from .embedded import connect
from .errors import IpernityError

if TYPE_CHECKING:
    from .client import Client

__all__ = ["SignInForm"]

_STYLE = {"description_width": "90px"}


class SignInForm(w.VBox):
    """Sign in to a classroom sandbox: URL, user name, password, **Sign in**; then ``form.client``.

    ``perms`` are the rights asked for (default ``{"doc": "write"}``). Tests drive ``url``,
    ``username``, ``password`` and ``sign_in_button.click()``; ``client`` is the signed-in
    :class:`~ipernity_nb.Client` (``None`` until then) and ``error`` the last failure.

    Example:
        >>> form = SignInForm("http://192.168.1.20:8765")   # doctest: +SKIP
        >>> form                                             # doctest: +SKIP
        >>> me = form.client                                 # doctest: +SKIP
    """

    def __init__(self, url: str = "", *, user: str = "", perms: Mapping[str, str] | None = None) -> None:
        self.perms = dict(perms or {"doc": "write"})
        self.client: Client | None = None
        self.error: BaseException | None = None
        wide = w.Layout(width="420px")
        self.url = w.Text(value=url, description="sandbox", placeholder="http://192.168.1.20:8765", layout=wide)
        self.username = w.Text(value=user, description="user name", layout=wide, style=_STYLE)
        self.password = w.Password(description="password", layout=wide, style=_STYLE)
        self.url.style.description_width = "90px"
        self.sign_in_button = w.Button(description="Sign in", icon="sign-in", button_style="primary")
        self.status = w.HTML("Type the address your teacher gave, your user name and password.")
        self.sign_in_button.on_click(self._on_sign_in)
        super().__init__(
            [
                w.HTML("<b>Join the class sandbox</b>"),
                self.url,
                self.username,
                self.password,
                self.sign_in_button,
                self.status,
            ]
        )
        self.add_class("ipn-signinform")

    def __repr__(self) -> str:
        who = f"signed in as {self.username.value!r}" if self.client is not None else "not signed in"
        return f"SignInForm({self.url.value!r}, {who})"

    def _on_sign_in(self, _button: w.Button | None = None) -> None:
        password, self.password.value = self.password.value, ""  # never left in the widget state
        self.client, self.error = None, None
        self.sign_in_button.disabled = True
        self.status.value = "<i>Signing in…</i>"
        try:
            client = connect(
                sandbox=self.url.value.strip(),
                user=self.username.value.strip(),
                password=password,
                perms=self.perms,
                progress=False,
            )
        except IpernityError as exc:
            self.error = exc
            self.status.value = f'<div class="ipernity-error">{error_html(exc)}</div>'
            return
        finally:
            self.sign_in_button.disabled = False
        self.client = client
        rights = ", ".join(f"{s}: {lv}" for s, lv in (client.rights or {}).items() if lv != "none")
        self.status.value = (
            f'<span class="ipernity-token" style="color:#1e8449">✓ Signed in as <b>{escape(self.username.value)}</b> '
            f"({escape(rights)}). Use <code>form.client</code> in the next cell.</span>"
        )
