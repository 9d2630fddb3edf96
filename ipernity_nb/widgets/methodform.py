"""MethodForm: pick any catalog method, fill its parameters, run it, see a table or a tree.

The form is generated from the catalog (docs/protocol.md §6): one control per parameter
(:mod:`.controls`), the same validation as the client (:func:`ipernity_nb.catalog.validate`),
errors shown next to the fields, the call run in a worker thread so other cells keep working,
and a "code" line reproducing the result without any credential.

Example:
    >>> from ipernity_nb import Client
    >>> form = MethodForm(Client("key", "secret", url="http://127.0.0.1:9/api/"), "doc.search")
    >>> form.set(text="paris", per_page="50")
    >>> form.params
    {'text': 'paris', 'per_page': 50}
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from html import escape
from typing import Any, cast

import ipywidgets as w

from .. import catalog
from ..display import error_html
from ..errors import IpernityError, ParameterError
from .controls import FreeParamsControl, ParamControl, close_tree, widget_from_param
from .results import code_line, is_tabular, method_info_html, result_html

__all__ = ["MethodForm"]

_ALL = "(all families)"
_PARAMS_HEIGHT = "330px"


class MethodForm(w.VBox):
    """Explore and run any API method from a generated form.

    Attributes for the next cell: ``result`` (last DataFrame or dict), ``error`` (last
    exception, also shown), ``code`` (one-line Python call), ``payload`` (last raw payload).
    In plain Python (tests, scripts) set values, then ``form.run(wait=True)`` or
    ``form.run_button.click(); form.wait()``. Write methods (HTTP POST) need
    ``form.confirm_button.click()`` after Run.

    Example:
        >>> form = MethodForm(client, "test.echo")          # doctest: +SKIP
        >>> form.set(echo="hello"); form.run(wait=True)      # doctest: +SKIP
        >>> form.result                                      # doctest: +SKIP
        {'echo': 'hello'}
    """

    def __init__(self, client: Any, method: str | None = None) -> None:
        self.client = client
        self.result: Any = None
        self.error: BaseException | None = None
        self.payload: Any = None
        self.code = ""
        self.controls: dict[str, ParamControl | FreeParamsControl] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._awaiting_confirm = False

        fams = catalog.families()
        self.family_picker = w.Dropdown(
            options=[_ALL, *fams], value=_ALL, description="family", layout=w.Layout(width="240px")
        )
        self.search_box = w.Text(
            placeholder="search names and descriptions", description="search", layout=w.Layout(width="300px")
        )
        self.method_picker = w.Dropdown(options=catalog.method_names(), description="method")
        self.method_picker.layout.width = "340px"
        self.info = w.HTML()
        # Scrolls past ~9 fields, so Run and the answer stay in view for doc.search's 21 parameters.
        self.params_box = w.VBox(layout=w.Layout(max_height=_PARAMS_HEIGHT, overflow="auto", flex="0 0 auto"))
        self.all_pages = w.Checkbox(value=False, description="all pages", indent=False)
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.confirm_button = w.Button(
            description="Confirm: this changes data",
            button_style="danger",
            layout=w.Layout(display="none", width="auto"),
        )
        self.status = w.HTML()
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(display="none"))
        self.output = w.HTML(layout=w.Layout(width="100%", max_width="100%", overflow="hidden"))
        self.code_view = w.HTML()

        self.family_picker.observe(self._on_filter, names="value")
        self.search_box.observe(self._on_filter, names="value")
        self.method_picker.observe(self._on_method, names="value")
        self.run_button.on_click(self._on_run)
        self.confirm_button.on_click(self._on_confirm)

        super().__init__(
            [
                w.HBox([self.family_picker, self.search_box]),
                self.method_picker,
                self.info,
                self.params_box,
                w.HBox([self.run_button, self.all_pages, self.confirm_button]),
                self.status,
                self.progress,
                self.code_view,
                self.output,
            ]
        )
        self.add_class("ipn-methodform")
        for widget, name in [
            (self.method_picker, "ipn-method"),
            (self.family_picker, "ipn-family"),
            (self.search_box, "ipn-search"),
            (self.run_button, "ipn-run"),
            (self.confirm_button, "ipn-confirm"),
            (self.output, "ipn-output"),
            (self.status, "ipn-status"),
            (self.code_view, "ipn-code"),
            (self.params_box, "ipn-params"),
            (self.info, "ipn-info"),
        ]:
            widget.add_class(name)
        self.method = method or "doc.search"

    def __repr__(self) -> str:  # one line outside a notebook (the widget's own repr dumps every child)
        where = getattr(self.client, "url", "?")
        state = (
            f"error={type(self.error).__name__}"
            if self.error is not None
            else ("result=DataFrame" if hasattr(self.result, "columns") else f"result={type(self.result).__name__}")
            if self.result is not None
            else "not run"
        )
        token = "token" if self.has_token else "no token"
        return f"MethodForm(method={self.method!r}, {len(self.controls)} fields, {state}, {token}, url={where!r})"

    # --- method selection ---------------------------------------------------------------

    @property
    def method(self) -> str | None:
        """The selected method name; set it to switch (unknown names raise with suggestions)."""
        return self.method_picker.value

    @method.setter
    def method(self, name: str) -> None:
        m = catalog.get(name)  # raises UnknownMethodError with "did you mean"
        if name not in self.method_picker.options:
            self.search_box.value = ""
            self.family_picker.value = m.family
        if self.method_picker.value == name:
            self._build(name)
        else:
            self.method_picker.value = name

    def matching_methods(self) -> list[str]:
        """Method names shown by the picker for the current family and search text."""
        fam = self.family_picker.value
        query = self.search_box.value.strip().lower()
        out = []
        for name, m in catalog.methods().items():
            if fam != _ALL and m.family != fam:
                continue
            if query and query not in name.lower() and query not in m.description.lower():
                continue
            out.append(name)
        return out

    def _on_filter(self, _change: Mapping | None = None) -> None:
        names = self.matching_methods()
        current = self.method_picker.value
        self.method_picker.options = names
        if current in names:
            self.method_picker.value = current
        elif names:
            self.method_picker.value = names[0]
        else:
            self.method_picker.value = None
            self.status.value = "<i>No method matches this search.</i>"

    def _on_method(self, change: Mapping) -> None:
        if change["new"]:
            self._build(change["new"])

    @property
    def has_token(self) -> bool:
        return bool(getattr(self.client, "token", None))

    def _build(self, name: str) -> None:
        m = catalog.get(name)
        required = set(m.required_params(has_token=self.has_token))
        old = list(self.params_box.children)
        if m.params is None:
            self.controls = {FreeParamsControl.name: FreeParamsControl()}
        else:
            self.controls = {p.name: widget_from_param(p, required=p.name in required) for p in m.params}
        self.params_box.children = list(self.controls.values()) or [w.HTML("<i>This method takes no parameters.</i>")]
        for widget in old:  # the previous method's controls are gone for good
            close_tree(widget)
        self.info.value = method_info_html(m, has_token=self.has_token, rights=getattr(self.client, "rights", None))
        self.all_pages.value = False
        self.all_pages.layout.display = "" if m.paginated else "none"
        self._awaiting_confirm = False
        self.confirm_button.layout.display = "none"
        self.status.value = ""
        self.output.value = ""
        self.code_view.value = ""

    # --- values -----------------------------------------------------------------------

    def set(self, **values: object) -> None:
        """Set control values by parameter name (raw widget values, e.g. ``per_page="50"``)."""
        for k, v in values.items():
            if k not in self.controls:
                raise ParameterError(
                    f"{self.method}: the form has no field {k!r}; fields: {', '.join(self.controls) or 'none'}.",
                    method=self.method,
                    param=k,
                )
            self.controls[k].value = v

    @property
    def params(self) -> dict[str, object]:
        """The parameters the form would send now (Python values; raises on unreadable input)."""
        out: dict[str, object] = {}
        for name, ctl in self.controls.items():
            if isinstance(ctl, FreeParamsControl):
                out.update(ctl.get())
            elif (value := ctl.get()) is not None:
                out[name] = value
        return out

    @property
    def errors(self) -> dict[str, str]:
        """Per-field error texts currently shown, by parameter name."""
        return {k: c.error for k, c in self.controls.items() if c.error}

    def _check(self) -> dict[str, object] | None:
        """Read and validate every field; mark problems next to them. None when invalid."""
        problems: dict[str, str] = {}
        values: dict[str, object] = {}
        method = self.method or ""  # run() checks a method is picked
        m = catalog.get(method)
        # The token may have changed since the form was built (caller defaults, §8.8): re-read it.
        required = set(m.required_params(has_token=self.has_token))
        self.info.value = method_info_html(m, has_token=self.has_token, rights=getattr(self.client, "rights", None))
        for name, ctl in self.controls.items():
            ctl.clear_error()
            try:
                value = ctl.get()
            except ParameterError as exc:
                problems[name] = str(exc)
                continue
            if isinstance(ctl, FreeParamsControl):
                values.update(cast(dict, value))
            elif value is None and name in required:
                problems[name] = f"{name!r} is required. {ctl.param.doc}".strip()
            elif value is not None:
                values[name] = value
        if not problems:
            try:  # the client's rules, so the form never accepts what the client would refuse
                catalog.validate(method, values, has_token=self.has_token)
            except ParameterError as exc:
                key = exc.param if exc.param in self.controls else next(iter(self.controls), None)
                problems[key or "(form)"] = str(exc)
        if problems:
            for name, msg in problems.items():
                if name in self.controls:
                    self.controls[name].set_error(msg)
            first = next(iter(problems.items()))
            self.error = ParameterError(f"{self.method}: {first[1]}", method=self.method, param=first[0])
            extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.status.value = (
                f'<span style="color:#c0392b">Fix the marked field <code>{escape(first[0])}</code>{extra}.</span>'
            )
            if not any(n in self.controls for n in problems):
                self.output.value = error_html(self.error)
            return None
        return values

    # --- running ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _on_run(self, _button: w.Button | None = None) -> None:
        self.run()

    def _on_confirm(self, _button: w.Button | None = None) -> None:
        self.run(confirmed=True)

    def run(self, *, wait: bool = False, confirmed: bool = False, timeout: float | None = 120) -> bool:
        """Validate and start the call in a worker thread (what the Run button does).

        Returns True when a call was started. Write methods stop at the confirmation step
        unless ``confirmed`` (the Confirm button). ``wait=True`` blocks until the call ends.
        """
        if self.method is None:
            self.status.value = "<i>Pick a method first.</i>"
            return False
        with self._lock:
            if self.running:
                self.status.value = "<i>Still running the previous call…</i>"
                return False
            values = self._check()
            if values is None:
                return False
            m = catalog.get(self.method)
            if m.needs_token and not self.has_token:  # the server would answer 106: say so before asking
                self._awaiting_confirm = False
                self.confirm_button.layout.display = "none"
                self.status.value = (
                    f'<span style="color:#c0392b">✗ {escape(m.name)} needs a signed-in user and this client has no '
                    "token: authorize first (<code>AuthForm(client)</code>), then Run again.</span>"
                )
                return False
            if m.is_write and not (confirmed and self._awaiting_confirm):
                self._awaiting_confirm = True
                self.confirm_button.layout.display = ""
                self.status.value = (
                    f'<span style="color:#b9770e">⚠ {escape(m.name)} changes data on the server. '
                    "Click <b>Confirm: this changes data</b> to run it.</span>"
                )
                return False
            self._awaiting_confirm = False
            self.confirm_button.layout.display = "none"
            pages = "all" if (self.all_pages.value and m.paginated) else 1
            self.error = self.result = self.payload = None  # never leave a stale answer beside a new call
            self.run_button.disabled = True
            self.status.value = f"<i>Running {escape(m.name)}…</i>"
            self.output.value = ""
            self._thread = threading.Thread(target=self._work, args=(m, values, pages), daemon=True)
            self._thread.start()
        if wait:
            self.wait(timeout)
        return True

    def wait(self, timeout: float | None = 120) -> None:
        """Block until the running call (if any) has finished; TimeoutError if it has not."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"{self.method} still running after {timeout} s")

    def _work(self, m: catalog.Method, values: dict[str, object], pages: object) -> None:
        tabular = m.paginated
        try:
            if pages == "all":
                result = self._all_pages(m, values)
                tabular = True
            else:
                payload = self.client.call(m.name, **values)
                self.payload = payload
                tabular = is_tabular(m.name, payload)
                result = self._to_frame(m.name, payload, values) if tabular else payload
            self.result = result
            self.code = code_line(m.name, values, tabular=tabular, pages=pages)
            self.output.value = (
                result_html(result, payload=self.payload)
                if (tabular or result)
                else '<span style="color:#1e8449">✓ OK — the API answered status "ok" (no payload).</span>'
            )
            size = f"{len(result)} rows" if tabular else "a dict"
            self.status.value = (
                f'<span style="color:#1e8449">✓ {escape(m.name)}: {size} in <code>form.result</code></span>'
            )
        except Exception as exc:  # shown and kept, never swallowed
            self.error = exc
            self.code = code_line(m.name, values, tabular=tabular, pages=pages)
            self.output.value = error_html(exc)
            kind = "API error" if isinstance(exc, IpernityError) else "error"
            self.status.value = (
                f'<span style="color:#c0392b">✗ {escape(m.name)} failed ({kind}); '
                "see below and <code>form.error</code>.</span>"
            )
        finally:
            self.code_view.value = (
                '<div title="The same call in Python (the client adds the key, token and signature)">'
                f'<small>code:</small> <code style="user-select:all">{escape(self.code)}</code></div>'
            )
            self.progress.layout.display = "none"
            self.run_button.disabled = False

    @staticmethod
    def _to_frame(method: str, payload: Mapping, values: Mapping) -> Any:
        from ..frames import to_frame  # widgets sit above frames in the layering

        return to_frame(method, payload, params=values)

    def _all_pages(self, m: catalog.Method, values: dict[str, object]) -> Any:
        """Every page, by ``client.frame(..., pages="all")`` (the client's page engine), with the progress bar."""
        self.progress.value, self.progress.max = 0, 1
        self.progress.layout.display = ""

        def on_page(done: int, expected: int | None) -> None:
            self.progress.max = max(expected or done, done, 1)
            self.progress.value = done
            self.status.value = f"<i>{escape(m.name)}: page {done} of {expected or '?'}…</i>"

        return self.client.frame(m.name, pages="all", progress=False, on_page=on_page, **values)
