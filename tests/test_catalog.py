"""The method catalog: loading, lookups with suggestions, and validation before sending."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ipernity_nb import catalog
from ipernity_nb.errors import ParameterError, UnknownMethodError


def test_catalog_has_the_102_methods_with_documented_counts():
    ms = catalog.methods()
    assert len(ms) == 102
    # docs/protocol.md §6.2: 54 need a token, 44 POST-only, 57 signed, params known for 92.
    assert sum(m.auth == "required" for m in ms.values()) == 54
    assert sum(m.http == "POST" for m in ms.values()) == 44
    assert sum(m.signed for m in ms.values()) == 57
    assert sum(m.params is not None for m in ms.values()) == 92
    assert list(ms) == sorted(ms)


def test_method_dataclasses_are_frozen_and_typed():
    m = catalog.get("doc.search")
    assert (m.http, m.auth, m.signed, m.response_root, m.paginated) == ("GET", "optional", False, ("docs",), True)
    assert m.permission == ("doc", "read")
    assert m.param("per_page").max == 100
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.http = "POST"  # type: ignore[misc]
    up = catalog.get("upload.file")
    assert up.is_upload and up.is_write and up.needs_token and up.permission == ("doc", "write")


def test_unknown_method_suggests_close_names():
    with pytest.raises(UnknownMethodError) as info:
        catalog.get("doc.getLst")
    assert "doc.getList" in info.value.suggestions
    assert "Did you mean doc.getList" in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnknownMethodError) as info:
        catalog.validate("zzz.qqq", {})
    assert info.value.suggestions == []


def test_missing_required_parameter_names_method_and_param():
    with pytest.raises(ParameterError) as info:
        catalog.validate("doc.get", {})
    e = info.value
    assert (e.method, e.param) == ("doc.get", "doc_id")
    assert "missing required parameter 'doc_id'" in str(e)
    with pytest.raises(ParameterError, match="doc_id"):
        catalog.validate("doc.get", {"doc_id": ""})


def test_unknown_parameter_with_suggestion():
    with pytest.raises(ParameterError) as info:
        catalog.validate("doc.search", {"per_pag": 5})
    assert info.value.param == "per_pag"
    assert "Did you mean per_page" in str(info.value)


@pytest.mark.parametrize(
    ("method", "params", "param", "expected"),
    [
        ("doc.get", {"doc_id": "abc"}, "doc_id", "an integer"),
        ("doc.get", {"doc_id": True}, "doc_id", "an integer"),
        ("doc.setPerms", {"doc_id": 1, "is_public": "yes"}, "is_public", "a boolean"),
        ("doc.search", {"posted_min": "yesterday"}, "posted_min", "a Unix timestamp"),
        ("doc.search", {"text": ["a"]}, "text", "a string"),
        ("doc.search", {"sort": "newest"}, "sort", "one of relevance"),
        ("doc.setLicense", {"doc_id": 1, "license": 2}, "license", "one of 0, 1, 3"),
        ("doc.search", {"license": [1, 2]}, "license", "items among"),
        ("album.docs.add", {"album_id": 1, "doc_id": list(range(21))}, "doc_id", "at most 20 items"),
    ],
)
def test_wrong_type_or_value_is_a_clear_parameter_error(method, params, param, expected):
    with pytest.raises(ParameterError) as info:
        catalog.validate(method, params)
    e = info.value
    assert e.method == method and e.param == param
    assert expected in e.expected
    assert method in str(e) and repr(param) in str(e)


def test_what_the_api_accepts_is_not_rejected():
    # comma lists as strings or Python lists, extra with the documented blocks, lg and credentials.
    assert catalog.validate("doc.search", {"tags": "cat,dog", "license": "1,3"}) == {
        "tags": "cat,dog",
        "license": "1,3",
    }
    assert catalog.validate("doc.search", {"tags": ["cat", "dog"], "license": [1, 3]})["license"] == "1,3"
    assert catalog.validate("doc.get", {"doc_id": 5, "extra": "tags,notes,md5"})["extra"] == "tags,notes,md5"
    assert catalog.validate("doc.search", {"media": "photo,video"})["media"] == "photo,video"  # a comma list
    out = catalog.validate("test.hello", {"lg": "fr", "api_key": "k", "auth_token": "t", "api_sig": "s"})
    assert out["lg"] == "fr"
    # bools, ints as strings, timestamps as datetimes; None means "not sent"
    out = catalog.validate(
        "doc.search",
        {"user_id": "284001", "posted_min": datetime(2024, 1, 1, tzinfo=UTC), "text": None, "share": 4},
    )
    assert out == {"user_id": "284001", "posted_min": "1704067200", "share": "4"}
    assert catalog.validate("doc.setPerms", {"doc_id": 1, "is_public": True})["is_public"] == "1"


def test_caller_defaults_relax_user_id_only_with_a_token():
    with pytest.raises(ParameterError, match="defaults to the signed-in user"):
        catalog.validate("faves.docs.getList", {})
    assert catalog.validate("faves.docs.getList", {}, has_token=True) == {}
    assert catalog.validate("user.get", {}, has_token=True) == {}


def test_methods_without_documented_params_accept_anything():
    assert catalog.get("post.getList").params is None
    assert catalog.validate("post.getList", {"anything": 1}) == {"anything": "1"}


def test_file_parameter_kept_as_given():
    data = b"\x89PNG..."
    assert catalog.validate("upload.file", {"file": data})["file"] is data
    with pytest.raises(ParameterError, match="a path, bytes or an open binary file"):
        catalog.validate("upload.file", {"file": 12})


def test_levels():
    assert catalog.level_allows("delete", "write")
    assert catalog.level_allows("write", "read")
    assert not catalog.level_allows("read", "write")
    assert not catalog.level_allows(None, "read")
    assert catalog.families()["test"] == ["test.echo", "test.hello"]
