"""Odd request bodies, ids and file names get a clear 4xx or the documented API code, never API 500."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ipernity_nb import Client
from ipernity_nb.backup import backup
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP
from ipernity_nb.signing import sign

KEY = APP["api_key"]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def sb():
    with Sandbox(seed="demo") as box:
        yield box


def test_a_non_utf8_form_says_so_instead_of_api_key_missing(sb):
    r = requests.post(sb.api_url + "test.echo/json", data=b"api_key=" + KEY.encode() + b"&echo=\xff", headers=FORM)
    assert r.status_code == 400
    assert "not valid UTF-8 (byte 0xff at offset 46)" in r.text and "API Key" not in r.text


def test_a_broken_multipart_body_says_it_is_malformed(sb):
    body = f'--XX\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n{KEY}\r\n--XX'.encode()
    r = requests.post(
        sb.api_url + "test.echo/json", data=body, headers={"Content-Type": "multipart/form-data; boundary=XX"}
    )
    assert r.status_code == 400 and "multipart/form-data body is malformed" in r.text


def test_a_multipart_body_of_1000_plus_parts_is_413_naming_the_bound(sb):
    parts = b"".join(b'--XX\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nv\r\n' % i for i in range(1200))
    r = requests.post(
        sb.api_url + "test.echo/json",
        data=parts + b"--XX--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert r.status_code == 413 and "more than 1000 parts" in r.text


def test_a_too_large_urlencoded_form_is_413():
    with Sandbox(seed="empty") as box:
        r = requests.post(box.api_url + "test.echo/json", data=b"echo=" + b"a" * (9 * 2**20), headers=FORM)
    assert r.status_code == 413 and "url-encoded form is larger than" in r.text


def test_a_well_formed_multipart_call_still_works(sb):
    r = requests.post(sb.api_url + "test.echo/json", files={"api_key": (None, KEY), "echo": (None, "hé")})
    assert r.json()["echo"] == "hé"


def test_ids_of_5000_digits_get_the_documented_code(sb):
    huge = "9" * 5000
    for method, params, code in [
        ("doc.get", {"doc_id": huge}, "1"),
        ("album.get", {"album_id": huge}, "1"),
        ("folder.get", {"folder_id": huge}, "1"),
        ("doc.getList", {"user_id": huge}, "1"),
    ]:
        body = requests.get(sb.api_url + method, params={"api_key": KEY, **params}, timeout=10).json()
        assert body["api"]["status"] == "error" and body["api"]["code"] == code, (method, body)


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "9" * 5000, "9" * 25])
def test_no_method_answers_500_to_numbers_past_64_bits_or_int_limits(sb, value):
    """Every catalog method, every parameter set to one huge number (signed, with a token)."""
    from ipernity_nb import catalog

    token = sb.issue_token(KEY, "alice", {s: "delete" for s in ("doc", "blog", "network", "post")})
    failed = []
    for name, method in catalog.methods().items():
        params = {p.name: value for p in (method.params or ()) if p.name not in ("api_key", "auth_token", "file")}
        r = requests.post(
            sb.api_url + name, data=sign({"api_key": KEY, "auth_token": token, **params}, APP["secret"], name)
        )
        if r.status_code >= 500 or r.json()["api"].get("code") == "500":
            failed.append(name)
    assert failed == []


def test_a_media_path_with_a_5000_digit_id_is_404(sb):
    r = requests.get(sb.url + "/media/1/99/99/" + "9" * 5000 + ".abcd.240.jpg", timeout=10)
    assert r.status_code == 404


def test_content_length_with_chunked_encoding_is_400(sb):
    import socket

    with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as s:
        s.sendall(
            b"POST /api/test.echo/json HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        assert s.recv(65536).startswith(b"HTTP/1.1 400 ")


def test_an_upload_named_to_climb_directories_gets_a_safe_extension_and_backs_up(sb, tmp_path):
    name = "up_" + str(time.monotonic_ns())[-8:]
    sb.create_user(name, "pw")
    token = sb.issue_token(KEY, name, {"doc": "delete"})
    params = sign({"api_key": KEY, "auth_token": token}, APP["secret"], "upload.file")
    r = requests.post(
        sb.api_url + "upload.file/json", data=params, files={"file": ("q./../../x", b"plain text, no magic")}
    )
    ticket = r.json()["ticket"]
    client = Client(KEY, APP["secret"], token=token, url=sb.api_url, progress=False)
    t = client.call("upload.checkTickets", tickets=ticket)["tickets"]["ticket"][0]
    doc = client.call("doc.get", doc_id=t["doc_id"])["doc"]  # its owner sees the original block
    assert doc["original"]["ext"] == "bin" and "/../" not in doc["original"]["url"]
    summary = backup(client, tmp_path / "archive", progress=False)
    assert summary.failed == {} and summary.downloaded == 1
    files = [p.relative_to(tmp_path) for p in (tmp_path / "archive" / "files").iterdir()]
    assert files == [Path("archive/files") / f"{t['doc_id']}.bin"]
    assert not (tmp_path / "x").exists()


def test_cli_stops_on_sigterm_and_removes_its_throwaway_database(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp)},
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        assert any(p.name.startswith("ipernity-sandbox-") for p in tmp.iterdir())  # the throwaway database
        api = f"http://127.0.0.1:{port_file.read_text()}/api/"
        assert requests.get(api + "test.hello", params={"api_key": KEY}, timeout=10).ok
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and err == ""
    assert list(tmp.iterdir()) == []


def test_at_the_open_file_limit_clients_get_503_and_the_server_does_not_spin(tmp_path):
    """The sandbox runs with a low open-file limit; more clients than descriptors connect."""
    resource = pytest.importorskip("resource")
    if not os.path.exists("/proc/self/stat"):
        pytest.skip("reads the child's CPU time from /proc (Linux only)")
    port_file = tmp_path / "port"

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    proc = subprocess.Popen(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=low_limit,
    )
    import socket

    socks: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr and proc.stderr.read()
            time.sleep(0.05)
        port = int(port_file.read_text())
        answers = []
        for _ in range(60):  # more than the 40 descriptors the sandbox may open
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            socks.append(s)
            s.sendall(f"GET /api/test.hello/json?api_key={KEY} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            answers.append(s.recv(65536).split(b"\r\n", 1)[0])
        assert b"HTTP/1.1 200 OK" in answers and b"HTTP/1.1 503 Service Unavailable" in answers
        cpu0 = _cpu_ticks(proc.pid)
        extra = socket.create_connection(("127.0.0.1", port), timeout=5)  # waits in the backlog, or gets 503
        socks.append(extra)
        time.sleep(0.5)
        assert _cpu_ticks(proc.pid) - cpu0 < 20  # under 40% of a core (ticks of 10 ms), not a spin
        for s in socks:
            s.close()
        socks.clear()
        deadline = time.monotonic() + 10
        while True:  # descriptors freed: served again
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/test.hello", params={"api_key": KEY}, timeout=5)
                if r.ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert err == b""


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_echo_of_raw_json_text_is_unchanged(sb):
    text = json.dumps({"a": [1, 2]})
    r = requests.post(sb.api_url + "test.echo/json", data={"api_key": KEY, "echo": text})
    assert r.json()["echo"] == text
