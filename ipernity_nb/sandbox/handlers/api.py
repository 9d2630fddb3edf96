"""``api.methods.*``: the method index, generated from the catalog (docs/protocol.md §6.1).

Shapes follow the published live dumps (``api.methods.getList/json`` from 2023-24,
``api.methods.get`` from 2014): flags as ``"0"``/``"1"`` in ``authentication``, ``permissions`` as
``{scope: level}``, ``title`` as a text element.

Not emulated: the sample ``response`` XML and the ``changelog`` (not in the catalog); error
``label`` attributes are derived from the short label (the live machine labels are unknown).
"""

from __future__ import annotations

import re

from ... import catalog
from ...catalog import Method
from ..registry import Ctx, Fault, Text, b, handler, not_emulated, s


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _record(m: Method) -> dict:
    rec: dict = {
        "name": m.name,
        "service": m.service,
        "about": m.doc_url,
        "modified_at": s(m.modified_at),
        "authentication": {"post": b(m.is_write), "sign": b(m.signed), "token": b(m.needs_token)},
    }
    if m.permission:
        rec["permissions"] = {m.permission[0]: m.permission[1]}
    rec["title"] = Text(m.api_title or m.description)
    return rec


@handler("api.methods.getList")
def get_list(ctx: Ctx) -> dict:
    """Every catalog method with its flags, permission and title."""
    ms = [_record(m) for m in catalog.methods().values()]
    return {"methods": {"method": ms}}


@handler("api.methods.get")
def get(ctx: Ctx) -> dict:
    """One method: flags, permission, parameters (text = doc), errors (method-specific, then generic)."""
    name = ctx.text("method").strip()
    m = catalog.methods().get(name)
    if m is None:
        raise Fault(1, "Method not found")
    rec = _record(m)
    if m.params:
        rec["parameters"] = {"param": [{"name": p.name, "required": b(p.required), "content": p.doc} for p in m.params]}
    errors = [{"code": s(code), "label": _slug(msg), "message": msg, "content": msg} for code, msg in m.errors]
    errors += [
        {"code": s(e["code"]), "label": _slug(e["label"]), "message": e["label"], "content": e["description"] or ""}
        for e in catalog.generic_errors()
    ]
    rec["errors"] = {"error": errors}
    return {"method": rec}


# The live service lists doc.albums.add but answers "Method not found" (docs/protocol.md §8.6).
not_emulated("doc.albums.add", "the live service answers 103 Method not found (docs/protocol.md §8.6)")
