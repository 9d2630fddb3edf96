"""What a handler is given: the request's data as ``Ctx`` fields, readers with their own names.

Over a real socket: a stand-in handler records the ``Ctx`` it receives.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator

import requests

from ipernity_nb.sandbox.registry import HANDLERS, Ctx
from ipernity_nb.signing import sign


@contextlib.contextmanager
def recording(name: str) -> Iterator[list[Ctx]]:
    seen: list[Ctx] = []
    old = HANDLERS[name]
    HANDLERS[name] = lambda ctx: seen.append(ctx) or {}
    try:
        yield seen
    finally:
        HANDLERS[name] = old


def test_request_data_are_fields_not_configuration(sandbox, demo_app):
    data = sign({"api_key": demo_app["api_key"], "note": "a\r\nb\x00"}, demo_app["secret"], "test.hello")
    with recording("test.hello") as seen:
        r = requests.post(f"{sandbox.api_url}test.hello/json", data=data, files={"file": ("x.bin", b"\x01\x02")})
    assert r.json()["api"]["status"] == "ok"
    (ctx,) = seen
    assert ctx.remote_addr == "127.0.0.1"
    assert ctx.files["file"].read() == b"\x01\x02"
    assert not {"files", "remote_addr"} & set(ctx.config)  # configuration only: frob_ttl, upload_delay ...
    assert "frob_ttl" in ctx.config
    assert ctx.params["note"] == "a\r\nb\x00" and ctx.text("note") == "a\nb"  # raw kept, read through one rule


def test_readers_do_not_shadow_builtins():
    shadowed = {n for n in vars(Ctx) if not n.startswith("_") and hasattr(builtins, n)}
    assert shadowed == set()
    assert {"text", "integer", "flag", "items", "ints"} <= set(vars(Ctx))
