"""``test.*``: the diagnostic methods (docs/protocol.md §2.5).

Not emulated: nothing; ``test.echo`` echoes every parameter except the credentials
(``api_key``, ``auth_token``, ``api_sig``) and ``lg``, which clients add to every call.
"""

from __future__ import annotations

from ...catalog import IMPLICIT_PARAMS
from ..registry import Ctx, Fault, Text, handler


@handler("test.hello")
def hello(ctx: Ctx) -> dict:
    """The fixed greeting."""
    return {"hello": Text("hello world!")}


@handler("test.echo")
def echo(ctx: Ctx) -> dict:
    """Every parameter sent, each as a text element; nothing sent -> 1 "Nothing was sent"."""
    sent = {k: Text(v) for k, v in ctx.params.items() if k not in IMPLICIT_PARAMS}
    if not sent:
        raise Fault(1, "Nothing was sent")
    return sent
