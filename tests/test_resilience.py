"""Client resilience against the sandbox's injected faults (sandbox/faults.py) over loopback.

Reads are retried (connection errors, timeouts, HTTP 429/502/503/504, API 500/503/112/113,
honouring Retry-After) within a bounded count and time; writes are retried only when the
request never left this machine, otherwise the error says the write may or may not have
happened. A faulty multi-page harvest gives exactly the fault-free rows or a clear error.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time

import pytest

from ipernity_nb import Client
from ipernity_nb.errors import IpernityError, ParameterError, RateLimitError, ServerError, TransportError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.transport import RetryPolicy, Throttle, WriteUncertainError

KEY, SECRET = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718"
ALICE = 284001
FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05, total=5.0)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="demo") as s:
        yield s


@pytest.fixture(autouse=True)
def no_faults(sb):
    sb.configure(faults={}, quota={}, maintenance=False)
    yield
    sb.configure(faults={}, quota={}, maintenance=False)


@pytest.fixture(scope="module")
def alice_token(sb):
    return sb.issue_token(KEY, "alice", {"doc": "delete", "blog": "write", "post": "write"})


def client(sb, token=None, **kw) -> Client:
    kw.setdefault("retries", FAST)
    return Client(KEY, SECRET, url=sb.api_url, token=token, progress=False, **kw)


def alice_doc(sb) -> int:
    with sqlite3.connect(sb.db_path) as db:
        return db.execute("SELECT min(doc_id) FROM docs WHERE owner_id = ?", (ALICE,)).fetchone()[0]


def title_of(sb, doc_id: int) -> str:
    with sqlite3.connect(sb.db_path) as db:
        return db.execute("SELECT title FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()[0]


# --- the policy and the bucket on their own --------------------------------------------------


def test_backoff_is_exponential_capped_and_jittered():
    p = RetryPolicy(attempts=6, base=0.5, cap=4.0, total=100)
    assert [p.backoff(n, jitter=False) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    draws = [p.backoff(3) for _ in range(200)]
    assert all(0.0 <= d <= 2.0 for d in draws) and len(set(draws)) > 100  # full jitter: within [0, c]
    assert min(draws) < 0.5 < 1.5 < max(draws)  # spread over the whole range, not only its upper half


def test_budget_bounds_count_and_time():
    p = RetryPolicy(attempts=3, base=0.1, cap=1.0, total=2.0)
    now = time.monotonic()
    assert p.wait(1, None, now) is not None and p.wait(3, None, now) is None  # count spent
    assert p.wait(1, None, now - 2.01) is None  # time spent: no budget left for any pause (full jitter may pick ~0)
    assert p.wait(1, 0.8, now) >= 0.8  # Retry-After honoured ...
    assert p.wait(1, 3600, now) is None or p.wait(1, 3600, now) <= 1.0  # ... but never beyond the cap


def test_retries_option_coerces_and_rejects():
    assert Client(KEY, retries=0).retries.attempts == 1
    assert Client(KEY, retries=False).retries.attempts == 1
    assert Client(KEY, retries=4).retries.attempts == 5
    assert Client(KEY).retries.attempts > 1 and Client(KEY).retries.total < float("inf")
    for bad in (-1, "many", 1.5):
        with pytest.raises(ParameterError):
            Client(KEY, retries=bad)
    for bad in (0, -2, "x"):
        with pytest.raises(ParameterError):
            Client(KEY, throttle=bad)


@pytest.mark.parametrize("bad", [None, 0, -1, (5, None), (None, 30), float("inf"), (1, 2, 3), True])
def test_timeouts_are_never_infinite(bad):
    with pytest.raises(ParameterError, match="timeout"):
        Client(KEY, timeout=bad)


def test_throttle_is_a_shared_token_bucket():
    t = Throttle(rate=40, burst=5)
    start = time.monotonic()
    workers = [threading.Thread(target=lambda: [t.acquire() for _ in range(10)]) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    # 40 tokens, 5 in the bucket: 35 more at 40/s need ~0.875 s whatever the thread count.
    assert 0.8 <= elapsed < 3.0, elapsed


def test_client_throttle_paces_real_calls(sb):
    c = client(sb, throttle=20)
    start = time.monotonic()
    for _ in range(30):
        c.call("test.hello")
    assert time.monotonic() - start >= (30 - 20) / 20 * 0.9


# --- reads are retried ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "faults",
    [
        {"rate": 1.0, "http_codes": [502], "api_codes": []},
        {"rate": 1.0, "http_codes": [504], "api_codes": []},
        {"rate": 1.0, "http_codes": [], "api_codes": [500]},
        {"rate": 1.0, "http_codes": [], "api_codes": [503]},
        {"drop": 1.0},
    ],
    ids=["http502", "http504", "api500", "api503", "drop"],
)
def test_read_retried_then_clear_error(sb, faults):
    sb.configure(faults=faults)
    c = client(sb)
    with pytest.raises((ServerError, TransportError, IpernityError)) as info:
        c.call("test.hello")
    err = info.value
    assert err.attempts == 3 and err.retryable and "gave up after 3 attempts" in err.__notes__[-1]
    assert len(c.calls) == 3  # one logged row per attempt
    sb.configure(faults={})
    assert c.call("test.hello") == {"hello": "hello world!"}


def test_intermittent_faults_are_invisible_to_reads(sb):
    sb.configure(faults={"rate": 0.3, "drop": 0.05, "seed": 3})
    c = client(sb, retries=RetryPolicy(attempts=12, base=0.005, cap=0.02, total=20))
    for i in range(20):
        assert c.call("test.echo", echo=f"x{i}")["echo"] == f"x{i}"
    calls = c.calls
    assert len(calls) > 20 and (calls["error"].fillna("") != "").sum() == len(calls) - 20


def test_rate_limit_waits_for_retry_after(sb):
    sb.configure(quota={"ip_per_second": 3})
    c = client(sb, retries=RetryPolicy(attempts=4, base=0.01, cap=2.0, total=10))
    start = time.monotonic()
    for _ in range(6):
        c.call("test.hello")
    elapsed = time.monotonic() - start
    codes = c.calls["code"].dropna().astype(int).tolist()
    assert 113 in codes and elapsed >= 0.9  # Retry-After: 1 was honoured, not hammered
    sb.configure(quota={"ip_per_hour": 1})
    c2 = client(sb, retries=RetryPolicy(attempts=3, base=0.01, cap=0.2, total=1.0))
    c2.call("test.hello")  # the hour's only call
    start = time.monotonic()
    with pytest.raises(RateLimitError) as info:  # asks to wait up to an hour: cap and budget refuse to wait that long
        c2.call("test.hello")
    assert time.monotonic() - start < 2.0 and info.value.retry_after and info.value.code == 113


def test_read_timeout_retried_and_bounded(sb):
    sb.configure(faults={"latency": 0.6})
    c = client(sb, timeout=(2.0, 0.15))
    start = time.monotonic()
    with pytest.raises(TransportError, match="within"):
        c.call("test.hello")
    assert time.monotonic() - start < 3.0 and len(c.calls) == 3


# --- writes: retried only when certainly not sent ---------------------------------------------


@pytest.mark.parametrize(
    "faults", [{"rate": 1.0, "http_codes": [502], "api_codes": []}, {"drop": 1.0}], ids=["http502", "drop"]
)
def test_uncertain_write_is_not_repeated_and_says_how_to_check(sb, alice_token, faults):
    doc = alice_doc(sb)
    before = title_of(sb, doc)
    sb.configure(faults=faults)
    c = client(sb, alice_token)
    with pytest.raises(WriteUncertainError) as info:
        c.call("doc.set", doc_id=doc, title="never twice")
    msg = str(info.value)
    assert "MAY OR MAY NOT" in msg and "read" in msg and "doc.set" in msg
    assert len(c.calls) == 1  # not retried
    assert title_of(sb, doc) == before  # faults strike before the handler: nothing happened


def test_write_read_timeout_is_uncertain(sb, alice_token):
    sb.configure(faults={"latency": 0.5})
    c = client(sb, alice_token, timeout=(2.0, 0.1))
    with pytest.raises(WriteUncertainError, match="MAY OR MAY NOT"):
        c.call("doc.set", doc_id=alice_doc(sb), title="slow")
    assert len(c.calls) == 1


def test_api_service_errors_on_writes_are_not_retried(sb, alice_token):
    sb.configure(faults={"rate": 1.0, "http_codes": [], "api_codes": [503]})
    c = client(sb, alice_token)
    with pytest.raises(IpernityError):
        c.call("doc.set", doc_id=alice_doc(sb), title="x")
    assert len(c.calls) == 1


def test_refused_write_is_retried_until_the_server_is_back(tmp_path):
    db = tmp_path / "sb.sqlite"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sb = Sandbox(port=port, db=db).start()
    token = sb.issue_token(KEY, "alice", {"doc": "write"})
    doc = alice_doc(sb)
    sb.stop()
    later = Sandbox(port=port, db=db)
    starter = threading.Timer(0.6, later.start)
    c = Client(KEY, SECRET, url=f"http://127.0.0.1:{port}/api/", token=token, progress=False)
    c.retries = RetryPolicy(attempts=20, base=0.1, cap=0.2, total=15)
    starter.start()
    try:
        c.call("doc.set", doc_id=doc, title="after the restart")  # refused at first: safe to repeat
        errors = c.calls["error"].fillna("").tolist()
        assert errors[0] == "TransportError" and errors[-1] == ""
        assert title_of(later, doc) == "after the restart"
    finally:
        starter.join()
        later.stop()


# --- a long harvest over a flaky service --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_harvest_under_faults_equals_fault_free_run(sb, fmt):
    params = {"user_id": ALICE, "per_page": 10}
    clean = client(sb, format=fmt).frame("doc.getList", pages="all", **params)
    assert len(clean) > 100  # a real multi-page harvest (> 10 pages)
    sb.configure(faults={"rate": 0.15, "latency": (0.0, 0.02), "drop": 0.03, "seed": 11})
    c = client(sb, format=fmt, retries=RetryPolicy(attempts=8, base=0.01, cap=0.05, total=30))
    flaky = c.frame("doc.getList", pages="all", **params)
    assert (c.calls["error"].fillna("") != "").any()  # faults really happened
    assert flaky["doc_id"].tolist() == clean["doc_id"].tolist()  # same rows, same order, no dup, no gap
    assert flaky.reset_index(drop=True).equals(clean.reset_index(drop=True))


def test_harvest_without_retries_is_complete_or_a_clear_error(sb):
    params = {"user_id": ALICE, "per_page": 10}
    clean = client(sb).frame("doc.getList", pages="all", **params)
    sb.configure(faults={"rate": 0.3, "seed": 5})
    outcomes = []
    for _ in range(3):
        try:
            df = client(sb, retries=0).frame("doc.getList", pages="all", **params)
        except IpernityError as exc:
            outcomes.append("error")
            pages = getattr(exc, "pages", None)
            if pages is not None:  # the concurrent walk names every page it did not deliver
                assert pages and all(isinstance(p, int) for p in pages) and str(pages[0]) in str(exc)
        else:
            outcomes.append("ok")
            assert df["doc_id"].tolist() == clean["doc_id"].tolist()  # never a silently short result
    assert "error" in outcomes  # 30% faults over ~20 pages: at least one run must fail


def test_a_malformed_url_is_not_retried():
    c = Client(KEY, SECRET, url="http://[::1:bad/api/", retries=RetryPolicy(attempts=5, base=0.5, cap=1, total=10))
    start = time.monotonic()
    with pytest.raises(TransportError):
        c.call("test.hello")
    assert time.monotonic() - start < 0.4 and len(c.calls) == 1
