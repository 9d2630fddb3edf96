"""Small builders turning one catalog parameter into one form control.

Each builder returns a :class:`ParamControl`: a box holding the label, the input widget, a hint
and a per-field error line. ``control.get()`` returns the Python value to send, or ``None`` for
"not sent" (an empty field is never sent as an empty string), and raises
:class:`~ipernity_nb.errors.ParameterError` for input it cannot read (e.g. ``"12a"`` in an
integer field).

Choices made here (documented because they are visible to users):

* integers use a ``Text`` field, not ``IntText``: ``IntText`` cannot be empty, and empty must
  mean "not sent";
* booleans use a three-way ``ToggleButtons`` (not sent / yes 1 / no 0): a plain checkbox has
  only two states and could not leave the parameter out;
* timestamps use a ``NaiveDatetimePicker`` read as UTC and sent as Unix seconds
  (docs/protocol.md §2.3); clearing it means "not sent";
* lists with known values (``extra``, ``license``) use ``SelectMultiple``; free lists (ids,
  tags) a comma-separated ``Text``;
* coded values show their meaning and send the code: the licence picker lists "3 · CC
  by-nc" and sends ``3`` (:data:`VALUE_LABELS`, from docs/protocol.md §6.4);
* the hint beside a field stays on one line (the full text is its tooltip), so a method
  with twenty parameters still fits above the Run button.

Example:
    >>> from ipernity_nb import catalog
    >>> ctl = widget_from_param(catalog.get("doc.search").param("per_page"))
    >>> ctl.value = "50"
    >>> ctl.get()
    50
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import escape

import ipywidgets as w

from ..catalog import Param
from ..errors import ParameterError
from ..signing import param_str

__all__ = ["VALUE_LABELS", "FreeParamsControl", "ParamControl", "close_tree", "widget_from_param"]

#: Sentinel option value meaning "do not send this parameter" in dropdowns.
NOT_SENT = ""
_LABEL_WIDTH = "150px"

_WHO: dict[object, str] = {
    0: "only the owner",
    1: "family",
    2: "friends",
    3: "friends + family",
    4: "contacts",
    5: "everyone",
}
#: What coded parameter values mean (docs/protocol.md §6.4), shown beside the code the form sends.
VALUE_LABELS: dict[str, Mapping[object, str]] = {
    "license": {
        0: "© all rights reserved",
        1: "CC by",
        3: "CC by-nc",
        5: "CC by-nd",
        7: "CC by-nc-nd",
        9: "CC by-sa",
        11: "CC by-nc-sa",
        255: "copyleft / free use",
    },
    "safety": {1: "all audiences", 2: "not for all audiences", 3: "adults only"},
    "share": {0: "private", 1: "family", 2: "friends", 3: "friends + family", 4: "public"},
    "relation": {0: "everyone", 1: "family", 2: "friends", 3: "friends + family", 4: "contacts"},
    "perm_comment": _WHO,
    "perm_tag": _WHO,
    "perm_tagme": _WHO,
    "dir": {1: "up", 3: "rotated 180°", 6: "90° counter-clockwise", 8: "90° clockwise"},
}


def _option(p: Param, value: object) -> tuple[str, object]:
    """``(label shown, value sent)``: ``("3 · CC by-nc", 3)`` for coded values, the value otherwise."""
    meaning = VALUE_LABELS.get(p.name, {}).get(value)
    return (f"{param_str(value)} · {meaning}" if meaning else param_str(value)), value


def close_tree(widget: w.Widget) -> None:
    """Close a widget and all its descendants (frees their comms when a form is rebuilt)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for attr in ("layout", "style"):  # each widget owns its Layout/Style models too
        sub = getattr(widget, attr, None)
        if isinstance(sub, w.Widget):
            sub.close()
    widget.close()


class ParamControl(w.VBox):
    """One parameter's row: label (``*`` when required), input, hint and error line.

    ``value`` reads/writes the raw widget value (what a test or user sets); :meth:`get`
    returns the value to send or ``None``.
    """

    def __init__(self, param: Param, input_widget: w.Widget, reader: Callable[[object], object], required: bool):
        self.param = param
        self.required = required
        self.input = input_widget
        self._reader = reader
        mark = ' <b style="color:#c0392b" title="required">*</b>' if required else ""
        self._label = w.HTML(
            f'<code title="{escape(param.doc, quote=True)}">{escape(param.name)}</code>{mark}',
            layout=w.Layout(width=_LABEL_WIDTH),
        )
        hint = _hint(param)
        self._hint = w.HTML(
            f'<small title="{escape(hint, quote=True)}" style="color:#666;display:block;white-space:nowrap;'
            f'overflow:hidden;text-overflow:ellipsis">{escape(hint)}</small>',
            layout=w.Layout(flex="1 1 200px", margin="0 0 0 8px", min_width="0"),
        )
        self.error_label = w.HTML("", layout=w.Layout(display="none"))
        input_widget.tooltip = param.doc or None
        super().__init__(
            [w.HBox([self._label, input_widget, self._hint], layout=w.Layout(align_items="center")), self.error_label],
            layout=w.Layout(margin="0 0 2px 0", flex="0 0 auto"),  # rows keep their height in the scrolling box
        )
        self.add_class("ipn-param")
        self.add_class(f"ipn-param-{param.name}")  # stable hooks for browser tests and CSS

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def value(self) -> object:
        return self.input.value

    @value.setter
    def value(self, new: object) -> None:
        self.input.value = new

    def get(self) -> object:
        """The value to send (``None`` = not sent); raises ParameterError on unreadable input."""
        return self._reader(self.input.value)

    @property
    def error(self) -> str:
        """The error text shown under the field ('' when none)."""
        return self._error_text

    _error_text = ""

    def set_error(self, message: str) -> None:
        self._error_text = message
        self.error_label.value = f'<span style="color:#c0392b">⚠ {escape(message)}</span>'
        self.error_label.layout.display = ""

    def clear_error(self) -> None:
        self._error_text = ""
        self.error_label.value = ""
        self.error_label.layout.display = "none"


def _hint(p: Param) -> str:
    parts = [p.doc] if p.doc else []
    if p.default is not None:
        parts.append(f"default: {param_str(p.default)}")
    if p.max:
        parts.append(f"max {p.max}" + (" items" if p.type == "list" else ""))
    return " · ".join(parts)


def _fail(p: Param, expected: str, got: object) -> ParameterError:
    return ParameterError(f"{p.name!r} expects {expected}; got {got!r}.", param=p.name, expected=expected, received=got)


def _text_reader(raw: object) -> object:
    text = str(raw).strip()
    return text or None


def _int_reader(p: Param) -> Callable[[object], object]:
    def read(raw: object) -> object:
        text = str(raw).strip()
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            raise _fail(p, "an integer", text) from None
        if p.max is not None and value > p.max:
            raise _fail(p, f"an integer at most {p.max}", value)
        return value

    return read


def _placeholder(p: Param, fallback: str = "") -> str:
    return f"default {param_str(p.default)}" if p.default is not None else fallback


def _text(p: Param, required: bool) -> ParamControl:
    box = w.Text(placeholder=_placeholder(p, "required" if required else "not sent"))
    return ParamControl(p, box, _text_reader, required)


def _int(p: Param, required: bool) -> ParamControl:
    box = w.Text(placeholder=_placeholder(p, "integer" + (" (required)" if required else "")))
    return ParamControl(p, box, _int_reader(p), required)


def _enum(p: Param, required: bool) -> ParamControl:
    first = (
        "— choose —"
        if required and p.default is None
        else "— not sent" + (f" (default {param_str(p.default)})" if p.default is not None else "")
    )
    options = [(first, NOT_SENT)] + [_option(p, v) for v in p.values or ()]
    # Duplicates exist in the catalog (tags.docs.getList sort lists 'popular' twice).
    unique: dict[str, tuple[str, object]] = {}
    for label, value in options:
        unique.setdefault(label, (label, value))
    options = list(unique.values())
    box = w.Dropdown(options=options, value=NOT_SENT)
    return ParamControl(p, box, lambda raw: None if raw == NOT_SENT else raw, required)


def _bool(p: Param, required: bool) -> ParamControl:
    box = w.ToggleButtons(
        options=[("not sent", NOT_SENT), ("yes (1)", "1"), ("no (0)", "0")],
        value=NOT_SENT,
        style={"button_width": "80px"},
    )
    return ParamControl(p, box, lambda raw: None if raw == NOT_SENT else raw == "1", required)


def _timestamp(p: Param, required: bool) -> ParamControl:
    box = w.NaiveDatetimePicker(description="UTC", style={"description_width": "30px"})

    def read(raw: object) -> object:
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return int(raw.replace(tzinfo=raw.tzinfo or UTC).timestamp())
        raise _fail(p, "a date and time", raw)

    return ParamControl(p, box, read, required)


def _multi(p: Param, required: bool) -> ParamControl:
    options = [_option(p, v) for v in p.values or ()]
    box = w.SelectMultiple(options=options, rows=min(4, max(2, len(options))))
    return ParamControl(p, box, lambda raw: list(raw) or None if isinstance(raw, (list, tuple)) else None, required)


def _free_list(p: Param, required: bool) -> ParamControl:
    box = w.Text(placeholder="comma-separated" + (" (required)" if required else ""))

    def read(raw: object) -> object:
        text = str(raw).strip().strip(",")
        if not text:
            return None
        if p.max and len(text.split(",")) > p.max:
            raise _fail(p, f"at most {p.max} items", text)
        return text

    return ParamControl(p, box, read, required)


def _file(p: Param, required: bool) -> ParamControl:
    box = w.FileUpload(multiple=False, description="choose file")

    def read(raw: object) -> object:
        if not raw or not isinstance(raw, (list, tuple)):
            return None
        item = raw[0]  # type: ignore[index]  # FileUpload.value: a tuple of files
        # A named in-memory file: the client can send it as the multipart "file" part.
        data = io.BytesIO(bytes(item["content"]))
        data.name = item.get("name") or "upload.bin"
        return data

    return ParamControl(p, box, read, required)


_BUILDERS: dict[str, Callable[[Param, bool], ParamControl]] = {
    "string": _text,
    "int": _int,
    "enum": _enum,
    "bool": _bool,
    "timestamp": _timestamp,
    "file": _file,
}


def widget_from_param(param: Param, *, required: bool | None = None) -> ParamControl:
    """Build the control for one catalog parameter (see the module docstring for the choices).

    ``required`` overrides ``param.required`` (the form relaxes caller defaults when a token
    is present, docs/protocol.md §8.8).

    Example:
        >>> from ipernity_nb import catalog
        >>> type(widget_from_param(catalog.get("doc.get").param("extra")).input).__name__
        'SelectMultiple'
    """
    req = param.required and param.default is None if required is None else required
    if param.type == "list":
        return (_multi if param.values else _free_list)(param, req)
    if param.type == "enum" and not param.values:
        return _text(param, req)
    return _BUILDERS.get(param.type, _text)(param, req)


class FreeParamsControl(w.VBox):
    """A ``key=value`` text area for methods whose parameters are undocumented (params None).

    Example:
        >>> ctl = FreeParamsControl()
        >>> ctl.value = "post_id=5\\nextra = tags"
        >>> ctl.get()
        {'post_id': '5', 'extra': 'tags'}
    """

    name = "(parameters)"

    def __init__(self) -> None:
        self.input = w.Textarea(
            placeholder="one key=value per line (this method's parameters are not documented)",
            layout=w.Layout(width="420px", height="80px"),
        )
        self.error_label = w.HTML("", layout=w.Layout(display="none"))
        self._error_text = ""
        super().__init__(
            [w.HTML("<small>Undocumented parameters: key=value per line</small>"), self.input, self.error_label]
        )

    @property
    def value(self) -> str:
        return self.input.value

    @value.setter
    def value(self, new: str) -> None:
        self.input.value = new

    @property
    def error(self) -> str:
        return self._error_text

    def get(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for n, line in enumerate(self.input.value.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, val = line.partition("=")
            if not sep or not key.strip():
                raise ParameterError(
                    f"line {n}: expected key=value, got {line.strip()!r}.", param=self.name, received=line
                )
            out[key.strip()] = val.strip()
        return out

    set_error = ParamControl.set_error
    clear_error = ParamControl.clear_error
