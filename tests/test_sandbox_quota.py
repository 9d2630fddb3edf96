"""Rate limits: 112 per api_key and 113 per client IP, HTTP 200 envelope plus Retry-After.

Hour-long windows in the socket tests, so a window boundary cannot fall inside a test.
"""

from __future__ import annotations

import threading

import pytest
import requests

from ipernity_nb.errors import RateLimitError, error_for
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.faults import Faults, parse_quota
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP, DEMO_WEB_APP


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="empty") as s:
        yield s


def hello(sb: Sandbox, key: str = DEMO_DESKTOP_APP["api_key"]) -> requests.Response:
    return requests.get(sb.api_url + "test.hello", params={"api_key": key}, timeout=10)


def test_app_quota_112_per_key_with_retry_after(sb):
    sb.configure(quota={"app_per_hour": 3})
    try:
        assert [hello(sb).json()["api"]["status"] for _ in range(3)] == ["ok"] * 3
        r = hello(sb)
        assert r.status_code == 200
        assert r.json()["api"] == {"status": "error", "code": "112", "message": "Application Quota Error"}
        assert 1 <= int(r.headers["Retry-After"]) <= 3600
        # another application is counted on its own
        assert hello(sb, DEMO_WEB_APP["api_key"]).json()["api"]["status"] == "ok"
        # checked after the key: a bad key is still 101, not 112
        assert hello(sb, "0" * 32).json()["api"]["code"] == "101"
        # the client maps it to RateLimitError carrying the hint
        err = error_for(
            112, "Application Quota Error", method="test.hello", retry_after=float(r.headers["Retry-After"])
        )
        assert isinstance(err, RateLimitError)
    finally:
        sb.configure(quota={})
    assert hello(sb).json()["api"]["status"] == "ok"  # switched off at run time


def test_ip_quota_113_counts_every_request(sb):
    sb.configure(quota={"ip_per_hour": 4})
    try:
        codes = [hello(sb, k).json()["api"].get("code", "ok") for k in ("x", "y", DEMO_DESKTOP_APP["api_key"], "z")]
        assert codes == ["101", "101", "ok", "101"]  # bad keys count against the address too
        r = hello(sb)
        assert r.json()["api"] == {"status": "error", "code": "113", "message": "Client IP Quota Error"}
        assert r.status_code == 200 and 1 <= int(r.headers["Retry-After"]) <= 3600
        xml = requests.get(sb.api_url + "test.hello/xml", params={"api_key": "k"}, timeout=10)
        assert 'code="113"' in xml.text and "Retry-After" in xml.headers
        # the control plane and site are not rate limited
        assert requests.get(sb.url + "/login", timeout=10).status_code == 200
    finally:
        sb.configure(quota={})


def test_reconfiguring_resets_counters(sb):
    sb.configure(quota={"app_per_hour": 1})
    try:
        assert hello(sb).json()["api"]["status"] == "ok"
        assert hello(sb).json()["api"]["code"] == "112"
        sb.configure(quota={"app_per_hour": 1})
        assert hello(sb).json()["api"]["status"] == "ok"
    finally:
        sb.configure(quota={})


def test_control_plane_and_constructor(sb):
    h = {"Authorization": f"Bearer {sb.admin_token}"}
    r = requests.post(sb.url + "/_sandbox/config", json={"quota": {"ip_per_minute": 600}}, headers=h, timeout=10)
    assert r.json()["quota"] == {"ip_per_minute": 600}
    bad = requests.post(sb.url + "/_sandbox/config", json={"quota": {"ip_per_week": 1}}, headers=h, timeout=10)
    assert bad.status_code == 400 and "ip_per_week" in bad.json()["error"]
    requests.post(sb.url + "/_sandbox/config", json={"quota": {}}, headers=h, timeout=10)
    with Sandbox(seed="empty", quota={"app_per_minute": 600, "ip_per_second": 1}) as s2:
        assert hello(s2).json()["api"]["status"] == "ok"
        second = hello(s2)
        # a window boundary may fall between the two calls: then the second one is allowed
        assert second.json()["api"].get("code") in ("113", None)
    with pytest.raises(ValueError, match="positive"):
        Sandbox(quota={"app_per_minute": 0})


def test_fixed_windows_and_retry_after():
    q = Faults(quota={"ip_per_minute": 2, "app_per_second": 1})
    assert q.check_ip("a", now=120.0) is None and q.check_ip("a", now=130.0) is None
    assert q.check_ip("a", now=150.5) == (113, 30)  # 29.5 s to the window end (180), rounded up
    assert q.check_ip("b", now=150.5) is None  # per address
    assert q.check_ip("a", now=180.0) is None  # next window
    assert q.check_app("k", now=5.2) is None and q.check_app("k", now=5.9) == (112, 1)
    assert parse_quota({"app_per_day": 5}) == {"app": (5, 86400)}


def test_counters_are_thread_safe():
    q = Faults(quota={"app_per_hour": 500})
    denied = []

    def worker():
        for _ in range(100):
            if q.check_app("k", now=10.0) is not None:
                denied.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(denied) == 800 - 500
