"""Fault injection: each switch produces the documented status/code, deterministically with a seed.

Raw ``requests`` calls (no client retries) against a sandbox of our own, so every fault is seen.
"""

from __future__ import annotations

import time

import pytest
import requests

from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.__main__ import _faults, _parser
from ipernity_nb.sandbox.faults import Faults
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP

KEY = {"api_key": APP["api_key"]}


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="empty") as s:
        yield s


@pytest.fixture(autouse=True)
def _off(sb):
    sb.configure(faults={}, quota={}, maintenance=False)
    yield
    sb.configure(faults={}, quota={}, maintenance=False)


def hello(sb: Sandbox, fmt: str = "json") -> requests.Response:
    return requests.get(sb.api_url + f"test.hello/{fmt}", params=KEY, timeout=10)


def outcome(sb: Sandbox) -> str:
    try:
        r = hello(sb)
    except requests.ConnectionError:
        return "drop"
    if r.status_code != 200:
        return f"http{r.status_code}"
    api = r.json()["api"]
    return "ok" if api["status"] == "ok" else f"api{api['code']}"


def admin(sb: Sandbox, method: str = "GET", body: dict | None = None, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or sb.admin_token}"}
    return requests.request(method, sb.url + "/_sandbox/config", json=body, headers=headers, timeout=10)


def test_off_by_default(sb):
    assert [outcome(sb) for _ in range(30)] == ["ok"] * 30
    assert admin(sb).json() == {
        "faults": {
            "rate": 0.0,
            "drop": 0.0,
            "http_codes": [502, 503],
            "api_codes": [500, 503],
            "latency": [0.0, 0.0],
            "seed": None,
        },
        "quota": {},
        "maintenance": False,
    }


@pytest.mark.parametrize("code", [502, 503])
def test_proxy_error_pages(sb, code):
    sb.configure(faults={"rate": 1.0, "http_codes": [code], "api_codes": [], "seed": 1})
    r = hello(sb)
    assert r.status_code == code and r.headers["Content-Type"].startswith("text/html")
    assert "<html>" in r.text and str(code) in r.text and "api" not in r.text
    assert ("Retry-After" in r.headers) == (code == 503)


@pytest.mark.parametrize(("code", "label"), [(500, "Service error"), (503, "Service unavailable")])
def test_api_error_envelopes(sb, code, label):
    sb.configure(faults={"rate": 1.0, "http_codes": [], "api_codes": [code], "seed": 1})
    r = hello(sb)
    assert r.status_code == 200 and r.json()["api"] == {"status": "error", "code": str(code), "message": label}
    x = hello(sb, "xml")
    assert x.status_code == 200 and f'code="{code}"' in x.text and x.text.lstrip().startswith("<?xml")


def test_maintenance_answers_501_to_every_api_call_only(sb):
    sb.configure(maintenance=True)
    assert hello(sb).json()["api"]["code"] == "501"
    bad_key = requests.get(sb.api_url + "test.hello", params={"api_key": "nope"}, timeout=10)
    assert bad_key.json()["api"] == {"status": "error", "code": "501", "message": "Maintenance mode"}
    post = requests.post(sb.api_url + "doc.delete", data=KEY, timeout=10)
    assert post.json()["api"]["code"] == "501"
    # never the control plane, site pages or media: tests can always reset
    assert admin(sb).json()["maintenance"] is True
    assert requests.get(sb.url + "/login", timeout=10).status_code == 200
    assert requests.get(sb.url + "/_sandbox/status", headers={"Authorization": f"Bearer {sb.admin_token}"}).ok
    sb.configure(maintenance=False)
    assert outcome(sb) == "ok"


def test_fixed_and_random_latency(sb):
    sb.configure(faults={"latency": 0.3})
    t0 = time.perf_counter()
    assert outcome(sb) == "ok"
    assert time.perf_counter() - t0 >= 0.3
    sb.configure(faults={"latency": [0.05, 0.15], "seed": 3})
    waits = []
    for _ in range(5):
        t0 = time.perf_counter()
        assert outcome(sb) == "ok"
        waits.append(time.perf_counter() - t0)
    assert min(waits) >= 0.05 and len({round(w, 3) for w in waits}) > 1


def test_dropped_connection_gets_no_answer(sb):
    sb.configure(faults={"drop": 1.0, "seed": 1})
    with pytest.raises(requests.ConnectionError):
        hello(sb)
    assert requests.get(sb.url + "/login", timeout=10).status_code == 200  # only the API is hit
    sb.configure(faults={})
    assert outcome(sb) == "ok"  # the server survived


def test_same_seed_same_faults(sb):
    cfg = {"rate": 0.4, "http_codes": [502, 503], "api_codes": [500, 503], "drop": 0.1, "seed": 7}
    sb.configure(faults=cfg)
    first = [outcome(sb) for _ in range(40)]
    sb.configure(faults=cfg)  # re-seeding restarts the sequence
    second = [outcome(sb) for _ in range(40)]
    assert first == second
    kinds = set(first)
    assert {"ok", "drop"} <= kinds and kinds & {"http502", "http503"} and kinds & {"api500", "api503"}, kinds
    sb.configure(faults={**cfg, "seed": 8})
    assert [outcome(sb) for _ in range(40)] != first


def test_fraction_roughly_respected():
    f = Faults(faults={"rate": 0.15, "seed": 11})
    actions = [f.decide().action for _ in range(4000)]
    share = sum(a is not None for a in actions) / len(actions)
    assert 0.12 < share < 0.18, share


def test_constructor_keywords(sb):
    cfg = {"rate": 1.0, "http_codes": [], "api_codes": [503], "seed": 5}
    with Sandbox(seed="empty", faults=cfg) as s2:
        assert outcome(s2) == "api503"
        assert s2.configure(faults={})["faults"]["rate"] == 0.0
        assert outcome(s2) == "ok"
    with Sandbox(seed="empty", maintenance=True) as s3:
        assert outcome(s3) == "api501"
    with pytest.raises(ValueError, match="bogus"):
        Sandbox(faults={"bogus": 1})
    with pytest.raises(ValueError, match="rate"):
        Sandbox(faults={"rate": 2})
    with pytest.raises(ValueError, match="http_codes"):
        Sandbox(faults={"http_codes": [404]})


def test_control_plane_config(sb):
    r = admin(sb, "POST", {"faults": {"rate": 1.0, "http_codes": [502], "api_codes": [], "seed": 2}})
    assert r.status_code == 200 and r.json()["faults"]["rate"] == 1.0
    assert outcome(sb) == "http502"
    assert admin(sb).json()["faults"]["http_codes"] == [502]
    assert admin(sb, "POST", {"faults": {}}).json()["faults"]["rate"] == 0.0
    assert outcome(sb) == "ok"
    bad = admin(sb, "POST", {"faults": {"rate": "lots"}})
    assert bad.status_code == 400 and "rate" in bad.json()["error"]
    assert admin(sb, "POST", {"nope": 1}).status_code == 400
    assert admin(sb, "POST", {"maintenance": "yes"}).status_code == 400
    assert admin(sb, token="wrong").status_code == 401
    assert admin(sb, "POST", {"maintenance": True}).json()["maintenance"] is True
    assert outcome(sb) == "api501"


def test_cli_flags():
    args = _parser().parse_args(["--fault-rate", "0.2", "--fault-seed", "9", "--latency", "0", "0.1", "--drop", "0.05"])
    assert _faults(args) == {"rate": 0.2, "seed": 9, "drop": 0.05, "latency": (0.0, 0.1)}
    args = _parser().parse_args(["--faults", '{"rate": 0.5, "api_codes": [500]}', "--maintenance"])
    assert _faults(args) == {"rate": 0.5, "api_codes": [500]} and args.maintenance
    with pytest.raises(ValueError):
        _faults(_parser().parse_args(["--fault-rate", "3"]))
