"""Known-answer tests for request signatures (docs/protocol.md §3).

Each vector writes the exact string that is hashed by hand; the test hashes that literal with
hashlib and checks that api_sig, given the parameter dict, produces the same digest. The two
published examples of §3.1/§3.2 are also pinned to their published digests.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from ipernity_nb.signing import api_sig, param_str, prepare_params, same_sig, sign, signature_base

KEY = "6fa87ba500002712bd4eed6020f3bd72"
SECRET = "e9a599f0cf6ce193"


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def test_published_method_example_3_1():
    params = {"api_key": KEY, "doc_id": "1234", "keywords": "easy"}
    literal = "api_key6fa87ba500002712bd4eed6020f3bd72doc_id1234keywordseasydoc.tags.adde9a599f0cf6ce193"
    assert md5(literal) == "a269b218feb341ef03bc093a0f2c8078"
    assert api_sig(params, SECRET, method="doc.tags.add") == "a269b218feb341ef03bc093a0f2c8078"
    # An int doc_id signs the same as its string.
    assert api_sig({**params, "doc_id": 1234}, SECRET, "doc.tags.add") == "a269b218feb341ef03bc093a0f2c8078"


def test_published_authorize_link_example_3_2():
    params = {"api_key": KEY, "perm_network": "read"}
    literal = "api_key6fa87ba500002712bd4eed6020f3bd72perm_networkreade9a599f0cf6ce193"
    assert md5(literal) == "da183021cd39461108770b822fcd9398"
    assert api_sig(params, SECRET) == "da183021cd39461108770b822fcd9398"


# (params, method, secret, the literal string hashed — written by hand)
VECTORS = [
    pytest.param(
        {"api_key": "k123", "title": "Été à Zürich — 東京"},
        "doc.set",
        "s3cr3t",
        "api_keyk123titleÉté à Zürich — 東京doc.sets3cr3t",
        id="non-ascii-raw-utf8",
    ),
    pytest.param(
        {"api_key": "k", "text": "a b,c&d=e?f+g%20"},
        "doc.search",
        "sec",
        "api_keyktexta b,c&d=e?f+g%20doc.searchsec",
        id="spaces-commas-amp-eq-not-urlencoded",
    ),
    pytest.param(
        {"api_key": "k", "description": ""},
        "doc.set",
        "sec",
        "api_keykdescriptiondoc.setsec",
        id="empty-value-kept",
    ),
    pytest.param(
        {"api_key": "k", "doc_id": 42, "is_public": True, "is_family": False, "is_friend": 0},
        "doc.setPerms",
        "sec",
        "api_keykdoc_id42is_family0is_friend0is_public1doc.setPermssec",
        id="int-and-bool",
    ),
    pytest.param(
        {"api_key": "k", "extra": ["tags", "geo"], "doc_id": 7},
        "doc.get",
        "sec",
        "api_keykdoc_id7extratags,geodoc.getsec",
        id="list-comma-joined",
    ),
    pytest.param(
        {"per_page": "10", "page": 2, "api_key": "k", "auth_token": "123-abc"},
        "doc.search",
        "sec",
        "api_keykauth_token123-abcpage2per_page10doc.searchsec",
        id="sorted-by-name-token-included",
    ),
    pytest.param(
        {"api_key": "k", "frob": "1-ab", "perm_doc": "write"},
        None,
        "sec",
        "api_keykfrob1-abperm_docwritesec",
        id="authorize-link-no-method",
    ),
    pytest.param(
        {"api_key": "k", "lat": 48.85, "lng": -2.5, "title": None, "api_sig": "old", "file": b"\x89PNG"},
        "upload.file",
        "sec",
        "api_keyklat48.85lng-2.5upload.filesec",
        id="float-none-dropped-sig-and-file-excluded",
    ),
    pytest.param(
        {"api_key": "k", "posted_min": datetime(2024, 1, 1, tzinfo=UTC), "day": date(2024, 2, 29)},
        "doc.search",
        "sec",
        "api_keykday2024-02-29posted_min1704067200doc.searchsec",
        id="datetime-unix-seconds-date-iso",
    ),
]


@pytest.mark.parametrize(("params", "method", "secret", "literal"), VECTORS)
def test_hand_computed_vectors(params, method, secret, literal):
    assert signature_base(params, method) + secret == literal
    assert api_sig(params, secret, method) == md5(literal)


def test_sign_returns_sent_strings_with_signature():
    out = sign({"api_key": "k", "doc_id": 5, "is_public": True, "title": None}, "sec", "doc.setPerms")
    assert out == {
        "api_key": "k",
        "doc_id": "5",
        "is_public": "1",
        "api_sig": md5("api_keykdoc_id5is_public1doc.setPermssec"),
    }
    # An api_sig already present is replaced, never signed.
    again = sign({**out, "api_sig": "stale"}, "sec", "doc.setPerms")
    assert again["api_sig"] == out["api_sig"]


def test_param_str_is_the_one_rule():
    assert [param_str(v) for v in ("x", True, False, 0, 12, 1.5, ["a b", 2], ("x",), {"b", "a"})] == [
        "x",
        "1",
        "0",
        "0",
        "12",
        "1.5",
        "a b,2",
        "x",
        "a,b",
    ]
    assert param_str(datetime(1970, 1, 2)) == "86400"  # naive -> UTC
    with pytest.raises(TypeError, match="dict"):
        param_str({"a": 1})
    assert prepare_params({"a": None, "b": 0, "file": b"raw"}) == {"b": "0", "file": b"raw"}


def test_same_sig_is_case_insensitive_and_exact():
    assert same_sig("ABCDEF", "abcdef")
    assert not same_sig("abcdef", "abcdee")
