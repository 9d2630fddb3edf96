"""explain_signature: the signing steps of docs/protocol.md §3, with secrets masked."""

from __future__ import annotations

import hashlib

from ipernity_nb.explain import MASK, explain_signature
from ipernity_nb.signing import api_sig

KEY = "6fa87ba500002712bd4eed6020f3bd72"
SECRET = "e9a599f0cf6ce193"


def test_reproduces_the_worked_example_in_text() -> None:
    ex = explain_signature("doc.tags.add", {"doc_id": 1234, "keywords": "easy"}, api_key=KEY, secret=SECRET)
    text = str(ex)
    # docs/protocol.md §3.1: the string hashed and the published signature.
    assert f"api_key{KEY}doc_id1234keywordseasydoc.tags.add{MASK}" in text
    assert "a269b218feb341ef03bc093a0f2c8078" in text
    assert ex.api_sig == "a269b218feb341ef03bc093a0f2c8078"
    assert [k for k, _ in ex.pairs] == ["api_key", "doc_id", "keywords"]
    assert SECRET not in text and SECRET not in repr(ex)
    # The order of the text: pairs, then the string, then the signature.
    assert text.index("doc_id") < text.index(f"{MASK}") < text.index("a269b218")


def test_reproduces_the_worked_example_in_html() -> None:
    ex = explain_signature("doc.tags.add", {"doc_id": 1234, "keywords": "easy"}, api_key=KEY, secret=SECRET)
    html = ex._repr_html_()
    assert f"api_key{KEY}doc_id1234keywordseasydoc.tags.add{MASK}" in html
    assert "a269b218feb341ef03bc093a0f2c8078" in html
    assert "<table" in html and "<code>keywords</code>" in html
    assert SECRET not in html


def test_authorization_link_has_no_method_name() -> None:
    ex = explain_signature(None, {"perm_network": "read"}, api_key=KEY, secret=SECRET)
    assert ex.string == f"api_key{KEY}perm_networkread{MASK}"
    assert ex.api_sig == "da183021cd39461108770b822fcd9398"  # docs/protocol.md §3.2
    assert "authorization link" in str(ex)


def test_token_is_signed_but_masked() -> None:
    token = "123-abcdef0123456789"
    ex = explain_signature("doc.get", {"doc_id": 5}, api_key=KEY, secret=SECRET, token=token)
    expected = api_sig({"api_key": KEY, "auth_token": token, "doc_id": "5"}, SECRET, "doc.get")
    assert ex.api_sig == expected  # signed with the real token…
    assert ("auth_token", MASK) in ex.pairs  # …shown masked everywhere
    for out in (str(ex), ex._repr_html_(), repr(ex), ex.string):
        assert token not in out and SECRET not in out
    # The real string differs from the shown one only by the masks.
    real = f"api_key{KEY}auth_token{token}doc_id5doc.get{SECRET}"
    assert hashlib.md5(real.encode()).hexdigest() == ex.api_sig


def test_file_and_none_values_are_not_signed() -> None:
    ex = explain_signature(
        "upload.file", {"file": b"\x89PNG", "title": None, "is_public": True}, api_key=KEY, secret=SECRET
    )
    assert [k for k, _ in ex.pairs] == ["api_key", "is_public"]
    assert ("is_public", "1") in ex.pairs  # booleans signed as 1/0 (param_str)
    assert ex.skipped == ("file",)
    assert "not signed: file" in str(ex)
