"""MethodForm's file picker drives a real upload.file against the sandbox, end to end."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

import requests

import ipernity_nb as ipn
from ipernity_nb.sandbox.media import image_png
from ipernity_nb.widgets import MethodForm


def _picked(name: str, content: bytes) -> tuple[dict, ...]:
    """What ipywidgets.FileUpload holds after a user picks one file."""
    return ({"name": name, "type": "image/png", "size": len(content), "content": memoryview(content),
             "last_modified": datetime.now(UTC)},)  # fmt: skip


def test_upload_file_from_the_form(sandbox):
    client = ipn.connect(sandbox=sandbox, user="dave", perms={"doc": "delete"})
    png = image_png(4242, 96, 64)
    form = MethodForm(client, method="upload.file")
    form.controls["file"].value = _picked("from-the-form.png", png)
    form.set(title="Picked in a form", keywords="form,upload")

    assert form.run(wait=True) is False, "a write must ask for confirmation first"
    assert "changes data" in form.status.value
    assert form.run(wait=True, confirmed=True) is True
    assert form.error is None, form.error
    ticket = form.payload["ticket"]

    deadline = time.monotonic() + 10
    while True:
        tickets = client.call("upload.checkTickets", tickets=ticket)["tickets"]["ticket"]
        if tickets[0]["done"] == "1" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    doc_id = tickets[0]["doc_id"]
    try:
        doc = client.call("doc.get", doc_id=doc_id, extra="tags,md5")["doc"]
        assert doc["title"] == "Picked in a form"
        assert {t["keyword"] for t in doc["tags"]["tag"]} == {"form", "upload"}
        assert doc["md5"] == hashlib.md5(png).hexdigest()
        original = client.call("doc.getMedias", doc_id=doc_id)["original"]["url"]
        assert requests.get(original, timeout=10).content == png
        assert "api_sig" not in form.code and client.token not in form.code
    finally:
        client.call("doc.delete", doc_id=doc_id)
