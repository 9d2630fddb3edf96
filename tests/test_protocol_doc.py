"""docs/protocol.md's worked signature examples are read from the page and reproduced by the package.

The page is the reference a reader checks their own client against, so its numbers must be the
ones ``ipernity_nb.sign`` produces: the test parses the example's parameters, the string to hash
and the digest out of the Markdown, then recomputes all three.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import ipernity_nb

PAGE = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"


def _section(number: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = re.search(rf"^### {re.escape(number)} .*$", text, re.M)
    assert start, f"docs/protocol.md has no section {number}"
    end = re.search(r"^#{2,3} ", text[start.end() :], re.M)
    return text[start.end() : start.end() + end.start()] if end else text[start.end() :]


def _text_blocks(section: str) -> list[str]:
    return re.findall(r"```text\n(.*?)\n```", section, re.S)


def _worked_example() -> tuple[str, str, dict[str, str], str, str]:
    section = _section("3.1")
    table, base = _text_blocks(section)[:2]
    rows = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in table.splitlines())
    method, secret = rows.pop("method"), rows.pop("secret")
    digest = re.search(r"api_sig = ([0-9a-f]{32})", section)
    assert digest, "the worked example states no api_sig"
    return method, secret, rows, base, digest.group(1)


def test_worked_example_string_is_the_sorted_concatenation():
    method, secret, params, base, _ = _worked_example()
    assert len(params) >= 4 and "api_key" in params and "auth_token" in params
    assert base == "".join(k + params[k] for k in sorted(params)) + method + secret
    assert ipernity_nb.signing.signature_base(params, method) + secret == base
    assert any(ord(c) > 127 for c in base) and " " in base, "the example should show raw UTF-8 and a space"


def test_worked_example_digest_is_what_sign_adds():
    method, secret, params, base, digest = _worked_example()
    assert hashlib.md5(base.encode("utf-8")).hexdigest() == digest
    signed = ipernity_nb.sign(params, secret, method)
    assert signed["api_sig"] == digest
    assert {k: v for k, v in signed.items() if k != "api_sig"} == params
    # ints sign as their decimal text: the same call built from Python values gives the same digest
    assert ipernity_nb.sign({**params, "doc_id": int(params["doc_id"])}, secret, method)["api_sig"] == digest


def test_authorization_link_example_has_no_method_name():
    _, secret, params, _, _ = _worked_example()
    section = _section("3.2")
    (base,) = _text_blocks(section)[:1]
    digest = re.search(r"signature `([0-9a-f]{32})`", section)
    assert digest and "`frob=4567-0a1b2c3d`" in section and "`perm_doc=write`" in section
    link = {"api_key": params["api_key"], "frob": "4567-0a1b2c3d", "perm_doc": "write"}
    assert base == "".join(k + link[k] for k in sorted(link)) + secret
    assert hashlib.md5(base.encode("utf-8")).hexdigest() == digest.group(1)
    assert ipernity_nb.api_sig(link, secret) == digest.group(1)


def test_published_example_quoted_on_the_page_matches_the_doctest():
    section = _section("3.1")
    assert "a269b218feb341ef03bc093a0f2c8078" in section
    published = {"api_key": "6fa87ba500002712bd4eed6020f3bd72", "doc_id": 1234, "keywords": "easy"}
    assert ipernity_nb.api_sig(published, "e9a599f0cf6ce193", "doc.tags.add") == "a269b218feb341ef03bc093a0f2c8078"
