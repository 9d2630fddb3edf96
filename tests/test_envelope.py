"""Envelope parsing: JSON and XML give the same payload; errors and non-API bodies are clear."""

from __future__ import annotations

import json

import pytest
from envelope_payloads import PAIRS

from ipernity_nb.envelope import parse
from ipernity_nb.errors import APIError, AuthError, NotFoundError, RateLimitError, ServerError


@pytest.mark.parametrize("method", sorted(PAIRS))
def test_json_and_xml_give_equal_payloads(method):
    json_body, xml_body = PAIRS[method]
    expected = {k: v for k, v in json.loads(json_body).items() if k != "api"}
    assert parse(json_body, "json", method) == expected
    assert parse(json_body.encode("utf-8"), "json", method) == expected
    assert parse(xml_body, "xml", method) == expected
    assert parse(xml_body.encode("utf-8"), "xml", method) == expected


def test_xml_mapping_rules():
    body = """<api status="ok"><doc id="1">
      <description>text only</description>
      <note x="1">attr and text</note>
      <thumbs><thumb w="1"/></thumbs>
      <tags><tag>solo</tag></tags>
      <item a="1"/><item a="2"/>
      <empty/>
    </doc></api>"""
    doc = parse(body, "xml")["doc"]
    assert doc["description"] == "text only"  # text-only -> string
    assert doc["note"] == {"x": "1", "content": "attr and text"}  # attrs + text -> content
    assert doc["thumbs"] == {"thumb": [{"w": "1"}]}  # plural parent -> list even with one child
    assert doc["tags"] == {"tag": ["solo"]}
    assert doc["item"] == [{"a": "1"}, {"a": "2"}]  # repeated children -> list
    assert doc["empty"] == ""
    assert doc["id"] == "1"


def test_network_user_is_a_list_even_alone():
    assert isinstance(parse(PAIRS["network.getList"][1], "xml")["network"]["user"], list)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_error_envelopes_raise_matching_class(fmt):
    bodies = {
        "json": '{"api": {"status": "error", "code": "1", "message": "Document not found"}}',
        "xml": '<api status="error" code="1" message="Document not found"></api>',
    }
    with pytest.raises(NotFoundError) as info:
        parse(bodies[fmt], fmt, "doc.get")
    assert (info.value.code, info.value.message, info.value.method) == (1, "Document not found", "doc.get")


def test_error_code_as_json_number_and_retry_after():
    with pytest.raises(AuthError) as info:
        parse('{"api": {"status": "error", "code": 105, "message": "Signature is invalid"}}', method="doc.get")
    assert info.value.code == 105
    with pytest.raises(RateLimitError) as info:
        parse(
            '{"api": {"status": "error", "code": "113", "message": "Client IP Quota Error"}}',
            status=200,
            retry_after="3",
        )
    assert info.value.retry_after == 3.0
    with pytest.raises(APIError):  # an error envelope wins over a 5xx status
        parse('{"api": {"status": "error", "code": "501", "message": "Maintenance mode"}}', status=503)


NON_API = [
    pytest.param("json", b"", 200, "an empty body", id="empty-json"),
    pytest.param("xml", b"  ", 200, "an empty body", id="empty-xml"),
    pytest.param("json", b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", 502, "an HTML page", id="html"),
    pytest.param("xml", b"<html><body>Maintenance</body></html>", 503, "an HTML page", id="html-xml"),
    pytest.param("json", b'{"api": {"status": "ok"}, "docs": {"doc": [', 200, "could not be decoded", id="truncated"),
    pytest.param("xml", b'<api status="ok"><docs><doc ', 200, "could not be decoded", id="truncated-xml"),
    pytest.param("json", b'["not", "an", "envelope"]', 200, "without an api member", id="json-list"),
    pytest.param("json", b'{"api": "ok"}', 200, "without an api status", id="api-not-object"),
    pytest.param("xml", b"<rsp/>", 404, "<rsp> root", id="xml-other-root"),
    pytest.param(
        "xml",
        b'<?xml version="1.0"?><!DOCTYPE api [<!ENTITY a "aaaa">]><api status="ok"><x>&a;</x></api>',
        200,
        "forbidden constructs",
        id="xml-entities-refused",
    ),
]


@pytest.mark.parametrize(("fmt", "body", "status", "what"), NON_API)
def test_non_api_bodies_raise_server_error_naming_status(fmt, body, status, what):
    with pytest.raises(ServerError) as info:
        parse(body, fmt, "doc.search", status=status)
    err = info.value
    assert what in str(err)
    assert f"HTTP {status}" in str(err) and "doc.search" in str(err)
    assert "retry" in str(err).lower() or "url" in str(err)
    assert err.status == status and err.method == "doc.search"
    assert err.__cause__ is None and (err.__suppress_context__ or err.__context__ is None)  # no decode traceback


def test_unknown_format_rejected():
    with pytest.raises(ValueError, match="unsupported format"):
        parse("{}", "php")


def _exact(body: bytes) -> dict:
    """The standard-library parse alone (the fast path switched off)."""
    from ipernity_nb import envelope

    saved = envelope._fast_json
    envelope._fast_json = lambda body: None
    try:
        return parse(body, "json", "doc.search")
    finally:
        envelope._fast_json = saved


FAST_CASES = {
    "brackets in text": '{"api": {"status": "ok"}, "doc": {"title": "[[[{{{ ]]", "n": 1}}',
    "escaped quote": '{"api": {"status": "ok"}, "doc": {"title": "say \\"[[[\\" ok", "n": [1, 2.5]}}',
    "escaped backslash": '{"api": {"status": "ok"}, "doc": {"title": "C:\\\\", "x": "]"}}',
    "unicode": '{"api": {"status": "ok"}, "doc": {"title": "\\u00e9t\\u00e9 😀", "big": 123456789012345678901}}',
    "64 levels": '{"api": {"status": "ok"}, "a": ' + "[" * 62 + "1" + "]" * 62 + "}",
}


@pytest.mark.parametrize("name", sorted(FAST_CASES))
def test_fast_json_path_gives_the_exact_payload(name):
    body = FAST_CASES[name].encode()
    assert parse(body, "json", "doc.search") == _exact(body)


@pytest.mark.parametrize(
    "body",
    [
        '{"api": {"status": "ok"}, "a": ' + "[" * 64 + "1" + "]" * 64 + "}",  # 65 levels
        '{"api": {"status": "ok"}, "t": "\\"", "a": ' + "[" * 64 + "1" + "]" * 64 + "}",  # same, exact path
        '{"api": {"status": "ok"}, "t": "]]]]]]]]]]", "a": ' + "[" * 64 + "1" + "]" * 64 + "}",
    ],
)
def test_depth_limit_holds_on_both_paths(body):
    with pytest.raises(ServerError, match="nested deeper than 64 levels"):
        parse(body.encode(), "json", "doc.search")


def test_depth_of_reads_brackets_or_steps_aside():
    from ipernity_nb.envelope import _depth_of

    assert _depth_of(b'{"a": "x", "b": [{"c": "y"}, []], "d": {}}') == 3
    assert _depth_of(b'{"a": "[[[[", "b": [{"c": "}}"}]}') is None  # brackets in text: the walk decides
    assert _depth_of(b'{"a": "\\"x"}') is None  # an escaped quote: the walk decides
