"""AuthForm: authorize the toolkit on an ipernity account from inside a notebook.

Three clicks: *Get authorization link* (opens ipernity in a new tab, where you log in and
approve), then *Complete*. The token goes to the client and to the token store, so the next
time the form opens already "signed in as …". Nothing blocks the kernel beyond one API call
(bounded by the client's timeout) and every failure is shown in the form with what to do.

The secret typed into the form is handed to the client and the field is emptied at once, so
it is not saved in the notebook's widget state; neither the secret nor the token is ever
shown. Against the sandbox, ``sandbox_admin_token=`` (or ``approver=``) adds an
"approve as demo user" row so tutorials and tests run unattended.

Example:
    >>> from ipernity_nb import Client
    >>> from ipernity_nb.widgets.authform import AuthForm
    >>> client = Client("my-key", "my-secret")                 # doctest: +SKIP
    >>> form = AuthForm(client, perms={"doc": "write"})        # doctest: +SKIP
    >>> form                                                   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..auth import (
    SCOPE_LEVELS,
    SCOPES,
    DesktopFlow,
    FrobError,
    SandboxApprover,
    Token,
    apply_token,
    check_token,
    normalize_perms,
    set_credentials,
)
from ..display import error_html
from ..errors import APIError, IpernityError, TransportError
from ..tokenstore import TokenStore

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["AuthForm"]

log = logging.getLogger(__name__)

_DEFAULT = object()
_WIDE = w.Layout(width="420px")
_STYLE = {"description_width": "90px"}


def _advice(exc: BaseException, client: Client) -> str:
    """One sentence saying what to do about ``exc``, beside its own message ('' when the message
    already says it: an API error's hint is part of what :func:`error_html` shows)."""
    if isinstance(exc, TransportError):
        return f"Could not reach {client.url}: check the network connection (or the API URL) and click again."
    if isinstance(exc, FrobError):
        return ""
    if isinstance(exc, APIError):
        if exc.code in (100, 101):
            return "The API key is not valid: check the key field (keys are at https://www.ipernity.com/apps/key)."
        if exc.code in (104, 105):
            return "The secret does not match this API key: type the secret paired with the key and try again."
        if exc.code == 107:
            return (
                "This member revoked the application (or the token is unknown); authorize again: "
                "get a new authorization link."
            )
        return ""
    return "See the message above; fix it and click again."


class AuthForm(w.VBox):
    """A form that authorizes ``client``: key, secret, rights per scope, link, complete, forget.

    Public parts (tests drive them with ``.value`` and ``.click()``): ``key``, ``secret``,
    ``scopes[scope]``, ``link_button``, ``link``, ``complete_button``, ``forget_button``,
    ``status`` (HTML), ``token`` (:class:`~ipernity_nb.auth.Token` or ``None``) and, with a
    sandbox approver, ``approve_as(username)``.

    Example:
        >>> form = AuthForm(client, perms={"doc": "write"})        # doctest: +SKIP
        >>> form.link_button.click()   # then open the link, approve, and:  # doctest: +SKIP
        >>> form.complete_button.click()                           # doctest: +SKIP
        >>> form.token.username                                    # doctest: +SKIP
        'alice'
    """

    def __init__(
        self,
        client: Client,
        perms: Mapping[str, str] | None = None,
        *,
        store: TokenStore | object | None = _DEFAULT,
        user: str | int | None = None,
        approver: SandboxApprover | None = None,
        sandbox_admin_token: str | None = None,
        check_saved: bool = True,
    ) -> None:
        self.client = client
        self.store: TokenStore | None = TokenStore() if store is _DEFAULT else store  # type: ignore[assignment]
        if approver is None and sandbox_admin_token:
            approver = SandboxApprover(client.site_url, sandbox_admin_token)
        self.approver = approver
        self.token: Token | None = None
        self._flow: DesktopFlow | None = None
        wanted = normalize_perms(perms if perms is not None else {"doc": "read"})

        self.key = w.Text(
            value=client.api_key or os.environ.get("IPERNITY_API_KEY", ""),
            description="API key",
            layout=_WIDE,
            style=_STYLE,
        )
        env_secret = os.environ.get("IPERNITY_API_SECRET", "")
        self.secret = w.Password(description="Secret", layout=_WIDE, style=_STYLE)
        self._env_secret = env_secret
        self.scopes: dict[str, w.Dropdown] = {
            s: w.Dropdown(options=list(SCOPE_LEVELS[s]), value=wanted[s], description=s, layout=w.Layout(width="200px"))
            for s in SCOPES
        }
        self.link_button = w.Button(
            description="Get authorization link", icon="link", button_style="primary", layout=w.Layout(width="220px")
        )
        self.complete_button = w.Button(description="Complete", icon="check", disabled=True)
        self.forget_button = w.Button(description="Forget", icon="trash", disabled=True)
        self.link = w.HTML("")
        self.status = w.HTML("")
        self.link_button.on_click(self._on_link)
        self.complete_button.on_click(self._on_complete)
        self.forget_button.on_click(self._on_forget)

        children: list[w.Widget] = [
            w.HTML("<b>Authorize ipernity_nb on your ipernity account</b>"),
            self.key,
            self.secret,
            w.HBox(list(self.scopes.values())[:3]),
            w.HBox(list(self.scopes.values())[3:]),
            w.HBox([self.link_button, self.complete_button, self.forget_button]),
            self.link,
        ]
        if self.approver is not None:
            self.demo_user = w.Text(value="alice", description="demo user", layout=w.Layout(width="260px"))
            self.approve_button = w.Button(
                description="Approve as demo user (sandbox)", icon="user-check", layout=w.Layout(width="auto")
            )
            self.approve_button.on_click(lambda _b: self.approve_as(self.demo_user.value))
            children.append(w.HBox([self.demo_user, self.approve_button]))
        children.append(self.status)
        super().__init__(children)

        self._hand_secret_to_client("" if _secret_held(client) else env_secret)
        self._reuse_saved(user, check_saved)

    # --- state shown --------------------------------------------------------------------------

    def __repr__(self) -> str:
        who = f"signed in as {self.token.username!r}" if self.token else "not signed in"
        return f"AuthForm({who}, key={_mask_key(self.key.value)})"

    @property
    def perms(self) -> dict[str, str]:
        """The rights currently selected in the form."""
        return {s: dd.value for s, dd in self.scopes.items()}

    def _show(self, html: str) -> None:
        self.status.value = html

    def _show_error(self, exc: BaseException, doing: str) -> None:
        # shown in the form, and logged without secrets (messages never carry any)
        log.warning("AuthForm: %s failed: %s", doing, exc)
        advice = _advice(exc, self.client)
        todo = f"<div>➜ {escape(advice)}</div>" if advice else ""
        self._show(f'<div class="ipernity-error"><b>{escape(doing)} failed.</b> {error_html(exc)}{todo}</div>')

    def _signed_in(self, token: Token, note: str = "") -> None:
        self.token = token
        self._flow = None
        self.link.value = ""
        self.complete_button.disabled = True
        self.forget_button.disabled = False
        for s, dd in self.scopes.items():
            dd.value = token.permissions.get(s, "none")
        extra = f"<div><small>{escape(note)}</small></div>" if note else ""
        self._show(token._repr_html_() + extra)

    # --- credentials --------------------------------------------------------------------------

    def _hand_secret_to_client(self, typed: str = "") -> None:
        """Give the key and a typed/env secret to the client, then empty the field."""
        secret = self.secret.value or typed
        key = self.key.value.strip()
        if key and key != self.client.api_key:
            set_credentials(self.client, api_key=key)
        if secret:
            set_credentials(self.client, secret=secret)
        self.secret.value = ""  # never left in widget state (it would be saved in the notebook)
        self.secret.placeholder = "(held by the client)" if _secret_held(self.client) else "API secret"

    def _reuse_saved(self, user: str | int | None, check: bool) -> None:
        token: Token | None = None
        source = ""
        if self.client.token:
            source = "the client's token"
        elif self.store is not None:
            try:
                token = self.store.load(self.client.api_key, user)
            except IpernityError as exc:
                self._show_error(exc, "Reading the token store")
                return
            if token is None:
                self._show("Not signed in. Choose the rights, then click <b>Get authorization link</b>.")
                return
            apply_token(self.client, token)
            source = "a saved token"
        else:
            self._show("Not signed in. Choose the rights, then click <b>Get authorization link</b>.")
            return
        if not check and token is not None:
            self._signed_in(token, f"Using {source} (not re-checked).")
            return
        try:  # a revoked saved token leaves the store (check_token discards it)
            checked = check_token(self.client, store=self.store if token is not None else None)
        except APIError as exc:
            apply_token(self.client, None)
            self._show_error(exc, f"Checking {source}")
            return
        except IpernityError as exc:  # network: keep the saved token, say it is unverified
            if token is not None:
                self._signed_in(token, "Could not verify the saved token (network); it will be used as is.")
            self._show_error(exc, f"Checking {source}")
            return
        self._signed_in(checked, f"Using {source}.")

    # --- buttons ------------------------------------------------------------------------------

    def _on_link(self, _button: Any = None) -> None:
        self._hand_secret_to_client()
        self.link.value = ""
        try:
            self._flow = DesktopFlow()
            start = self._flow.start(self.client, self.perms)
        except IpernityError as exc:
            self._flow = None
            self._show_error(exc, "Getting the authorization link")
            return
        rights = ", ".join(f"{s}: {lvl}" for s, lvl in start.perms.items() if lvl != "none")
        self.link.value = (
            f'<a href="{escape(start.url)}" target="_blank" rel="noopener" class="ipernity-authorize" '
            f'style="font-weight:bold">Open ipernity to authorize ({escape(rights)}) ↗</a>'
        )
        self.complete_button.disabled = False
        self._show(
            "Step 2: in the new tab, log in and click <b>approve</b>. Step 3: come back and click <b>Complete</b>."
        )

    def _on_complete(self, _button: Any = None) -> Token | None:
        if self._flow is None or self._flow.started is None:
            self._show("Click <b>Get authorization link</b> first, approve in the new tab, then <b>Complete</b>.")
            return None
        try:
            token = self._flow.finish()
        except IpernityError as exc:
            self._show_error(exc, "Completing the authorization")
            return None
        note = ""
        if self.store is not None:
            try:
                self.store.save(token)
                note = f"Token saved in {self.store.path} (owner-only); the secret is not saved."
            except (OSError, IpernityError) as exc:
                note = f"Could not save the token ({type(exc).__name__}); it is used for this session only."
        self._signed_in(token, note)
        return token

    def _on_forget(self, _button: Any = None) -> None:
        token, self.token = self.token, None
        apply_token(self.client, None)
        removed = 0
        if token is not None and self.store is not None:
            try:
                removed = self.store.forget(self.client.api_key, token.user_id)
            except (OSError, IpernityError) as exc:
                self._show_error(exc, "Forgetting the saved token")
                return
        self.forget_button.disabled = True
        who = escape(token.username) if token else "the token"
        self._show(
            f"Signed out: {who} forgotten{' and removed from the token store' if removed else ''}. "
            "To revoke the app on the server, use your ipernity account settings."
        )

    def approve_as(self, username: str) -> Token | None:
        """Sandbox only: approve the pending (or a new) request as ``username`` and complete it."""
        if self.approver is None:
            raise IpernityError("approve_as needs a sandbox: AuthForm(client, sandbox_admin_token=...).")
        if self._flow is None or self._flow.started is None:
            self._on_link()
            if self._flow is None or self._flow.started is None:
                return None
        try:
            self.approver.approve(self._flow.started.frob, username, self.perms)
        except IpernityError as exc:
            self._show_error(exc, f"Approving as {username}")
            return None
        return self._on_complete()


def _secret_held(client: Client) -> bool:
    return bool(getattr(client, "_secret", None) or getattr(client, "secret", None))


def _mask_key(key: str) -> str:
    return f"{key[:4]}…" if key else "''"
