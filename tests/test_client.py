"""The Client against the live sandbox over loopback, plus a tiny fake server for faults the
sandbox cannot produce (HTML error page, truncated body, timeout, 3000-result cap, raw upload
wire format) and a closed port for connection failures."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import traceback
from collections.abc import Iterator

import pandas as pd
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ipernity_nb import Client
from ipernity_nb.errors import (
    AuthError,
    NotFoundError,
    ParameterError,
    PermissionDeniedError,
    RateLimitError,
    RightsError,
    ServerError,
    TransportError,
    UnknownMethodError,
)
from ipernity_nb.signing import api_sig

UTC_NS = "datetime64[ns, UTC]"


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def client(sandbox, demo_app) -> Client:
    return Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)


@pytest.fixture
def xml_client(sandbox, demo_app) -> Client:
    return Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, format="xml", progress=False)


@pytest.fixture(scope="module")
def alice_read(token_for) -> str:
    return token_for("alice", {"doc": "read", "network": "read"})


@pytest.fixture(scope="module")
def first_doc_id(sandbox, demo_app) -> int:
    c = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url)
    return int(c.call("doc.search", per_page=1)["docs"]["doc"][0]["doc_id"])


def no_secrets(text: str, *secrets: str) -> None:
    for s in secrets:
        assert s not in text
    assert not re.search(r"api_sig=[0-9a-f]{32}", text)


# --- basics against the sandbox ------------------------------------------------------------------


def test_hello_and_echo_round_trip(client):
    assert client.call("test.hello") == {"hello": "hello world!"}
    odd = "Été à Zürich, a&b=c + 東京 %20"
    assert client.call("test.echo", echo=odd) == {"echo": odd}


def test_repr_masks_key_and_hides_secret_and_token(client, demo_app, alice_read):
    client.token = alice_read
    text = repr(client)
    assert client.url in text and "5f3e…" in text and "token=True" in text
    no_secrets(text, demo_app["secret"], alice_read, demo_app["api_key"])
    assert "token=False" in repr(Client("abcdefgh"))


def test_constructor_rejects_bad_options():
    with pytest.raises(ParameterError, match="format"):
        Client("k", format="php")
    with pytest.raises(ParameterError, match="forever"):
        Client("k", timeout=None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="API key"):
        Client("")
    c = Client("k", url="http://x/api")
    assert c.url == "http://x/api/" and c.timeout == (5.0, 30.0)


def test_validation_happens_before_sending(client):
    with pytest.raises(UnknownMethodError, match=r"doc\.getList"):
        client.call("doc.getLst")
    with pytest.raises(ParameterError, match="doc_id"):
        client.call("doc.get")
    assert len(client.calls) == 0  # nothing was sent


def test_signed_call_with_token(client, alice_read):
    client.token = alice_read
    out = client.call("auth.checkToken")
    assert out["auth"]["user"]["username"] == "alice"
    log = client.calls.iloc[-1]
    assert log["verb"] == "GET" and log["status"] == 200 and pd.isna(log["code"])
    assert log["params"]["auth_token"] == "***" and log["params"]["api_sig"] == "***"


def test_signed_method_without_secret_is_a_clear_error(sandbox, demo_app):
    c = Client(demo_app["api_key"], url=sandbox.api_url)
    with pytest.raises(ParameterError, match="must be signed") as info:
        c.call("auth.getFrob")
    assert info.value.method == "auth.getFrob"
    assert len(c.calls) == 0
    assert c.call("test.hello") == {"hello": "hello world!"}  # unsigned methods work without one


def test_post_only_methods_are_posted(client, alice_read, api):
    client.token = alice_read
    with pytest.raises(PermissionDeniedError) as info:  # read token, write method: the server says 110
        client.call("doc.setPerms", doc_id=1, share=4)
    assert info.value.code == 110
    assert client.calls.iloc[-1]["verb"] == "POST"
    # The same method sent with a raw GET is refused with 120 (the client cannot do that).
    raw = api("doc.setPerms", http="GET", token=alice_read, doc_id=1, share=4).json()
    assert raw["api"]["code"] == "120"


# --- error codes --------------------------------------------------------------------------------


def test_bad_key_101(sandbox, demo_app):
    c = Client("0" * 32, demo_app["secret"], url=sandbox.api_url)
    with pytest.raises(AuthError) as info:
        c.call("test.hello")
    assert info.value.code == 101
    no_secrets(str(info.value), demo_app["secret"])


def test_bad_secret_105(sandbox, demo_app):
    c = Client(demo_app["api_key"], "f" * 16, url=sandbox.api_url)
    with pytest.raises(AuthError) as info:
        c.call("auth.getFrob")
    assert info.value.code == 105 and "secret" in str(info.value)
    no_secrets(str(info.value), "f" * 16)


def test_missing_token_106(client):
    with pytest.raises(AuthError) as info:
        client.call("doc.setPerms", doc_id=1, share=4)
    assert info.value.code == 106 and "AuthForm" in str(info.value)
    assert client.calls.iloc[-1]["code"] == 106


def test_not_found_and_secret_free(client, alice_read, demo_app):
    client.token = alice_read
    with pytest.raises(NotFoundError) as info:
        client.call("doc.get", doc_id=999999999)
    assert info.value.code == 1 and info.value.method == "doc.get"
    no_secrets(str(info.value), alice_read, demo_app["secret"])


def test_known_rights_are_checked_before_sending(client, alice_read):
    client.token = alice_read
    client.rights = {"doc": "read", "network": "read"}
    with pytest.raises(RightsError) as info:
        client.call("doc.setPerms", doc_id=1, share=4)
    assert (info.value.scope, info.value.level, info.value.have) == ("doc", "write", "read")
    assert len(client.calls) == 0
    assert client.call("test.hello")  # methods without a permission pass


# --- frames and walking ------------------------------------------------------------------------


def test_frame_one_page_has_typed_columns(client):
    df = client.frame("doc.search", per_page=30, extra="owner,dates,count")
    assert len(df) == 30
    t = df.dtypes.astype(str)
    assert t["doc_id"] == "Int64" and t["owner_user_id"] == "Int64"
    assert t["media"] == "category" and t["license"] == "Int64" and t["title"] == "string"
    assert t["dates_posted_at"] == UTC_NS
    assert df["doc_id"].notna().all() and df["dates_posted_at"].notna().all()
    assert df.attrs["page"] == 1 and df.attrs["per_page"] == 30 and df.attrs["total"] > 30
    assert df.attrs["params"] == {"per_page": 30, "extra": "owner,dates,count"}


def test_frame_all_pages_gets_every_record(client, capsys):
    one = client.frame("doc.search", user_id=284001, per_page=10)
    total = one.attrs["total"]
    assert total > 10
    client.clear_calls()
    df = client.frame("doc.search", pages="all", user_id=284001, per_page=10, progress=True)
    assert len(df) == total and df["doc_id"].is_unique
    assert df.attrs["total"] == total and df.attrs["pages"] == -(-total // 10)
    calls = client.calls
    # pages 2..N are fetched concurrently: each exactly once, logged as they complete
    assert sorted(calls["page"].tolist()) == list(range(1, df.attrs["pages"] + 1))
    assert (calls["pages"] == df.attrs["pages"]).all()
    assert "doc.search" in capsys.readouterr().err  # the tqdm bar (text mode outside notebooks)
    two = client.frame("doc.search", pages=2, user_id=284001, per_page=10, progress=False)
    assert len(two) == 20 and capsys.readouterr().err == ""
    with pytest.raises(ParameterError, match="pages"):
        client.frame("doc.search", pages=0)


def test_walk_album_list_with_pages(client):
    # album.getList carries pages like live (the 2014 sample of docs/protocol.md §2.4 omits it)
    first = client.call("album.getList", user_id=284001, per_page=3)["albums"]
    assert int(first["pages"]) == -(-int(first["total"]) // 3)
    records = list(client.walk("album.getList", user_id=284001, per_page=3))
    assert len(records) == int(first["total"])
    assert len({r["album_id"] for r in records}) == len(records)


def test_walk_respects_per_page_maximum(client):
    with pytest.raises(ParameterError, match="at most 100"):
        next(client.walk("doc.search", per_page=500))
    client.clear_calls()
    first = next(client.walk("doc.search"))
    assert "doc_id" in first
    assert client.calls.iloc[0]["params"]["per_page"] == "100"  # the catalog maximum by default


def test_walk_of_a_non_paginated_method_is_one_call(client):
    tags = list(client.walk("tags.user.getList", user_id=284001))
    assert tags and len(client.calls) == 1


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("test.hello", {}),
        ("doc.search", {"per_page": 20, "extra": "owner,dates,count,geo"}),
        ("doc.get", {"extra": "tags,notes,geo"}),
        ("doc.getMedias", {}),
        ("user.get", {"user_id": 284001}),
        ("album.getList", {"user_id": 284001}),
        ("network.getList", {"user_id": 284001}),
        ("tags.user.getList", {"user_id": 284001}),
        ("doc.comments.getList", {}),
        ("doc.getContext", {}),
        ("doc.getContainers", {}),
        ("api.methods.getList", {}),
        ("folder.getList", {"user_id": 284001}),
        ("group.getList", {"user_id": 284001}),
    ],
)
def test_json_and_xml_equal_payloads_and_frames(client, xml_client, first_doc_id, method, params):
    if method.startswith("doc.") and method != "doc.search":
        params = {**params, "doc_id": first_doc_id}
    a = client.call(method, **params)
    b = xml_client.call(method, **params)
    assert a == b
    assert a  # something came back
    pd.testing.assert_frame_equal(client.frame(method, **params), xml_client.frame(method, **params))


# --- the call log ------------------------------------------------------------------------------


def test_call_log_is_typed_bounded_and_secret_free(sandbox, demo_app, alice_read):
    c = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, token=alice_read, max_log=3)
    for _ in range(4):
        c.call("test.hello")
    with pytest.raises(NotFoundError):
        c.call("doc.get", doc_id=999999999)
    calls = c.calls
    assert len(calls) == 3  # oldest dropped
    assert calls.dtypes.astype(str).to_dict() == {
        "time": UTC_NS,
        "method": "string",
        "params": "object",
        "verb": "category",
        "status": "Int64",
        "code": "Int64",
        "error": "string",
        "duration_ms": "Float64",
        "bytes": "Int64",
        "page": "Int64",
        "pages": "Int64",
        "from_cache": "boolean",
    }
    last = calls.iloc[-1]
    assert last["method"] == "doc.get" and last["code"] == 1 and last["error"] == "NotFoundError"
    assert last["bytes"] > 0 and last["duration_ms"] > 0 and not last["from_cache"]
    no_secrets(calls.to_string() + repr(calls["params"].tolist()), alice_read, demo_app["secret"])
    assert last["params"]["api_key"] == "5f3e…"
    c.clear_calls()
    assert len(c.calls) == 0 and list(c.calls.columns) == list(calls.columns)


# --- faults the sandbox cannot produce: a tiny in-process fake -----------------------------------


class Fake:
    """A loopback werkzeug server whose answer is chosen by ``mode``; requests are recorded."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def app(self, request: Request) -> Response:
        files = {k: (f.filename, f.read()) for k, f in request.files.items()}
        values = request.values.to_dict()
        self.requests.append({"path": request.path, "verb": request.method, "values": values, "files": files})
        ok = lambda payload: Response(json.dumps({"api": {"status": "ok"}, **payload}), mimetype="application/json")  # noqa: E731
        if self.mode == "html":
            return Response("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", status=502)
        if self.mode == "truncated":
            return Response('{"api": {"status": "ok"}, "docs": {"doc": [{"doc_', mimetype="application/json")
        if self.mode == "slow":
            time.sleep(1.0)
            return ok({})
        if self.mode == "ratelimit":
            body = {"api": {"status": "error", "code": "113", "message": "Client IP Quota Error"}}
            return Response(json.dumps(body), headers={"Retry-After": "7"}, mimetype="application/json")
        if self.mode == "bigsearch":  # 5000 hits: doc.search must stop at 3000 (docs/protocol.md §2.4)
            page, per = int(values["page"]), int(values["per_page"])
            docs = [{"doc_id": str((page - 1) * per + i + 1)} for i in range(per)]
            return ok({"docs": {"page": str(page), "pages": "50", "per_page": str(per), "total": "5000", "doc": docs}})
        if self.mode == "nopages":  # total but no pages, and an absent list key once past the end
            page, per = int(values["page"]), int(values["per_page"])
            start = (page - 1) * per
            docs = [{"group_id": str(i)} for i in range(start, min(start + per, 7))]
            wrapper = {"page": str(page), "per_page": str(per), "total": "7", "count": str(len(docs))}
            if docs:
                wrapper["group"] = docs
            return ok({"groups": wrapper})
        return ok({"ticket": "42"} if files else {"hello": "hello world!"})

    def __enter__(self) -> Fake:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[Fake]:
    with Fake() as f:
        yield f


SECRET = "a1b2c3d4e5f60718"
TOKEN = "284001-0123456789abcdef"


def fake_client(fake: Fake, **kw) -> Client:
    kw.setdefault("retries", 0)  # these tests check one failure; retries are covered in test_resilience.py
    return Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", SECRET, url=fake.url, token=TOKEN, progress=False, **kw)


def test_html_error_page_is_a_server_error(fake):
    fake.mode = "html"
    c = fake_client(fake)
    with pytest.raises(ServerError) as info:
        c.call("test.hello")
    assert info.value.status == 502 and "HTTP 502" in str(info.value) and "HTML page" in str(info.value)
    assert c.calls.iloc[-1]["status"] == 502 and c.calls.iloc[-1]["error"] == "ServerError"


def test_truncated_body_is_a_server_error(fake):
    fake.mode = "truncated"
    with pytest.raises(ServerError, match="could not be decoded"):
        fake_client(fake).call("test.hello")


def test_rate_limit_carries_retry_after(fake):
    fake.mode = "ratelimit"
    with pytest.raises(RateLimitError) as info:
        fake_client(fake).call("test.hello")
    assert info.value.code == 113 and info.value.retry_after == 7.0


def test_timeout_is_a_transport_error_without_secrets(fake):
    fake.mode = "slow"
    c = fake_client(fake, timeout=(2.0, 0.2))
    with pytest.raises(TransportError) as info:
        c.call("doc.get", doc_id=5)
    err = info.value
    assert "within" in str(err) and err.sent is True and err.retryable
    no_secrets("".join(traceback.format_exception(err)), TOKEN, SECRET)


def test_connection_refused_is_a_transport_error_without_secrets():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", SECRET, url=f"http://127.0.0.1:{port}/api/", token=TOKEN)
    with pytest.raises(TransportError) as info:
        c.call("doc.get", doc_id=5)
    err = info.value
    assert "could not connect" in str(err) and err.sent is False and err.retryable
    no_secrets("".join(traceback.format_exception(err)), TOKEN, SECRET)
    assert c.calls.iloc[-1]["error"] == "TransportError" and pd.isna(c.calls.iloc[-1]["status"])


def test_doc_search_walk_stops_at_3000(fake):
    fake.mode = "bigsearch"
    c = fake_client(fake)
    records = list(c.walk("doc.search", text="x"))
    assert len(records) == 3000 and len(fake.requests) == 30
    df = c.frame("doc.search", pages="all", text="x")
    assert len(df) == 3000 and df.attrs["total"] == 5000


def test_walk_without_pages_and_absent_list_key(fake):
    fake.mode = "nopages"
    c = fake_client(fake)
    records = list(c.walk("group.getList", per_page=3))
    assert [r["group_id"] for r in records] == [str(i) for i in range(7)]
    assert len(fake.requests) == 3  # pages derived from total/per_page: 3, 3, 1


def test_xml_json_suffix_and_get(fake):
    c = fake_client(fake)
    c.call("test.hello", lg="fr")
    req = fake.requests[-1]
    assert req["path"] == "/api/test.hello/json" and req["verb"] == "GET"
    sent = req["values"]
    assert sent["auth_token"] == TOKEN and sent["lg"] == "fr"
    assert sent["api_sig"] == api_sig({k: v for k, v in sent.items() if k != "api_sig"}, SECRET, "test.hello")
    fake_client(fake, lg="de").call("test.hello")
    assert fake.requests[-1]["values"]["lg"] == "de"


@pytest.mark.parametrize("kind", ["bytes", "path", "fileobj"])
def test_upload_is_multipart_with_unsigned_file(fake, tmp_path, kind):
    data = b"\x89PNG\r\n\x1a\nfake image"
    path = tmp_path / "photo.png"
    path.write_bytes(data)
    upload = {"bytes": data, "path": path, "fileobj": None}[kind]
    c = fake_client(fake)
    if kind == "fileobj":
        with open(path, "rb") as fh:
            out = c.call("upload.file", file=fh, title="Été")
    else:
        out = c.call("upload.file", file=upload, title="Été")
    assert out == {"ticket": "42"}
    req = fake.requests[-1]
    assert req["verb"] == "POST" and req["files"]["file"][1] == data
    fields = req["values"]
    assert "file" not in fields and fields["title"] == "Été"
    assert fields["api_sig"] == api_sig({k: v for k, v in fields.items() if k != "api_sig"}, SECRET, "upload.file")
    assert c.calls.iloc[-1]["params"]["file"].startswith("<")  # described, never the bytes


def test_upload_missing_path_is_a_parameter_error(fake, tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        fake_client(fake).call("upload.file", file=tmp_path / "nope.jpg")
    assert fake.requests == []


def test_a_parameter_named_method_does_not_clash(client):
    # api.methods.get takes a ``method`` parameter: Client.call's own argument is positional-only.
    assert client.call("api.methods.get", method="doc.get")["method"]["name"] == "doc.get"
    df = client.frame("api.methods.get", method="doc.get")
    assert df["name"].tolist() == ["doc.get"] and df.attrs["params"] == {"method": "doc.get"}


def test_refused_connections_are_retried_by_urllib3_quietly(caplog):
    """urllib3 retries a connection that could not be opened (Limits.connect_retries) inside one
    call-log row, before the client's own loop sees the error; its "Retrying" warning becomes a
    DEBUG line, which Python's last-resort handler (WARNING and up) never prints to stderr."""
    import logging

    from ipernity_nb.transport import ConnectRetry, Limits, RetryPolicy

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", SECRET, url=f"http://127.0.0.1:{port}/api/", token=TOKEN)
    c.retries = RetryPolicy(attempts=1)
    retry = c.session.get_adapter(c.url).max_retries
    assert isinstance(retry, ConnectRetry) and retry.connect == Limits().connect_retries == 2
    with pytest.raises(TransportError):
        c.call("doc.get", doc_id=5)
    assert len(c.calls) == 1
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"), pytest.raises(TransportError):
        c.call("doc.get", doc_id=5)
    retried = [r for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retried) == 2 and {r.levelname for r in retried} == {"DEBUG"}
