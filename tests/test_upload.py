"""client.upload and upload_many against the live sandbox: bytes, metadata, tickets, progress, re-runs."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

import pytest
import requests

from ipernity_nb import Client
from ipernity_nb.errors import APIError, ParameterError, TransportError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.media import image_png
from ipernity_nb.upload import UploadError, UploadTimeout, send_file, upload_params, wait_tickets
from ipernity_nb.upload_batch import upload_many


def _user(sandbox: Sandbox, demo_app: dict, *, pro: bool = False) -> Client:
    name = "up_" + uuid.uuid4().hex[:10]
    sandbox.create_user(name, "pw", is_pro=pro)
    token = sandbox.issue_token(demo_app["api_key"], name, {"doc": "delete"})
    return Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, token=token, progress=False)


@pytest.fixture
def client(sandbox: Sandbox, demo_app: dict) -> Client:
    return _user(sandbox, demo_app)


def _png(path: Path, seed: int, w: int = 64, h: int = 48) -> Path:
    path.write_bytes(image_png(seed, w, h))
    return path


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_upload_returns_the_doc_with_its_metadata_and_bytes(client: Client, tmp_path: Path) -> None:
    f = _png(tmp_path / "cat.png", 7)
    doc = client.upload(
        f,
        title="My cat",
        description="on the sofa",
        keywords=["cat", "sofa"],
        visibility="friends",
        geo=(48.85, 2.35),
        license=9,
        safety=2,
        permissions={"comment": 3},
    )
    assert doc["title"] == "My cat"
    assert doc["visibility"] == {"ispublic": "0", "isfriend": "1", "isfamily": "0", "share": "2"}
    assert (float(doc["geo"]["lat"]), float(doc["geo"]["lng"])) == (48.85, 2.35)
    assert sorted(t["keyword"] for t in doc["tags"]["tag"]) == ["cat", "sofa"]
    assert doc["license"] == "9" and doc["safety"] == "2" and doc["permissions"]["comment"] == "3"
    assert doc["md5"] == _md5(f.read_bytes())
    online = requests.get(doc["original"]["url"], timeout=10).content
    assert online == f.read_bytes()
    calls = client.calls
    assert calls.method.tolist()[0] == "upload.file" and calls.verb.tolist()[0] == "POST"
    assert calls.params.iloc[0]["file"].endswith("cat.png>")  # logged by name; the bytes never are


def test_progress_reports_every_file_byte_in_several_reads(client: Client, tmp_path: Path) -> None:
    f = tmp_path / "big.png"
    f.write_bytes(image_png(3, 8, 8) + os.urandom(300_000))  # PNG header, then bulk: several socket blocks
    seen: list[int] = []
    doc = client.upload(f, on_read=seen.append)
    assert sum(seen) == f.stat().st_size
    assert len(seen) > 2, "the body must be streamed in blocks, not read at once"
    assert requests.get(doc["original"]["url"], timeout=10).content == f.read_bytes()


def test_upload_params_maps_friendly_names_and_rejects_bad_ones() -> None:
    p = upload_params(visibility="family", album=5, permissions={"tag": 2}, keywords="a,b")
    assert p == {"is_public": 0, "is_friend": 0, "is_family": 1, "album_id": 5, "perm_tag": 2, "keywords": "a,b"}
    with pytest.raises(ParameterError, match="visibility must be one of"):
        upload_params(visibility="everyone")
    with pytest.raises(ParameterError, match="permissions keys"):
        upload_params(permissions={"view": 1})
    with pytest.raises(ParameterError, match="geo must be"):
        upload_params(geo="paris")


def test_missing_file_is_a_parameter_error(client: Client, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="is not a file"):
        client.upload(tmp_path / "nope.png")


def test_unknown_ticket_is_a_clear_upload_error(client: Client) -> None:
    with pytest.raises(UploadError, match=r"not found .*code 1"):
        wait_tickets(client, ["99999999"], timeout=2)


def test_replace_needs_pro_and_swaps_the_bytes(sandbox: Sandbox, demo_app: dict, tmp_path: Path) -> None:
    free = _user(sandbox, demo_app)
    doc = free.upload(_png(tmp_path / "a.png", 1))
    with pytest.raises(UploadError, match="PRO feature"):
        free.upload(_png(tmp_path / "b.png", 2), replace=doc["doc_id"])
    pro = _user(sandbox, demo_app, pro=True)
    doc = pro.upload(_png(tmp_path / "c.png", 3), title="kept")
    new = _png(tmp_path / "d.png", 4)
    after = pro.upload(new, replace=doc["doc_id"])
    assert after["doc_id"] == doc["doc_id"] and after["title"] == "kept"
    assert after["md5"] == _md5(new.read_bytes())
    assert requests.get(after["original"]["url"], timeout=10).content == new.read_bytes()
    with pytest.raises(ParameterError, match="only replaces the file"):
        pro.upload(new, replace=doc["doc_id"], title="x")


# --- asynchronous tickets: a sandbox whose uploads take a while -------------------------------


@pytest.fixture(scope="module")
def slow_sandbox() -> Sandbox:
    with Sandbox(seed="demo", upload_delay=3) as sb:
        yield sb


def test_polling_waits_for_the_eta_then_returns_the_doc(slow_sandbox: Sandbox, demo_app: dict, tmp_path: Path) -> None:
    client = _user(slow_sandbox, demo_app)
    f = _png(tmp_path / "slow.png", 11)
    start = time.monotonic()
    doc = client.upload(f, title="slow", **{"async": 1})
    elapsed = time.monotonic() - start
    polls = (client.calls.method == "upload.checkTickets").sum()
    assert doc["title"] == "slow" and doc["md5"] == _md5(f.read_bytes())
    assert elapsed >= 1.9  # delay 3 s in whole-second clock ticks: 2 to 3 s
    assert 2 <= polls <= 4, f"{polls} polls: the eta must space them out"


def test_a_ticket_still_pending_after_the_timeout_raises(slow_sandbox: Sandbox, demo_app: dict, tmp_path: Path) -> None:
    client = _user(slow_sandbox, demo_app)
    ticket = send_file(client, "upload.file", _png(tmp_path / "t.png", 12), {"async": 1})["ticket"]
    with pytest.raises(UploadTimeout, match=f"{ticket} still processing after 0.3 s") as err:
        wait_tickets(client, [ticket], timeout=0.3)
    assert err.value.ticket == str(ticket)
    assert wait_tickets(client, [ticket], timeout=10)[str(ticket)].isdigit()  # it does finish later


# --- batch ----------------------------------------------------------------------------------


def test_upload_many_skips_duplicates_reports_failures_and_resumes(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(4):
        _png(folder / f"img{i}.png", 100 + i, 80 + i, 60)
    (folder / "img0_copy.png").write_bytes((folder / "img0.png").read_bytes())
    (folder / "broken.png").write_bytes(b"")  # invalid: upload.file code 1
    (folder / ".hidden").write_bytes(b"x")  # never uploaded
    already = client.upload(folder / "img3.png")  # online before the batch

    df = upload_many(client, folder, workers=3, visibility="public", keywords=["batch"])
    by = df.set_index(df.path.map(lambda p: Path(p).name))
    assert list(df.columns) == ["path", "md5", "bytes", "doc_id", "status", "error", "seconds"]
    assert str(df.doc_id.dtype) == "Int64" and str(df.bytes.dtype) == "Int64"
    assert len(df) == 6
    assert by.loc["broken.png", "status"] == "failed" and "File is missing or empty" in by.loc["broken.png", "error"]
    assert by.loc["img3.png", "status"] == "skipped" and by.loc["img3.png", "doc_id"] == int(already["doc_id"])
    assert sorted(by.status[by.status == "uploaded"].index) == ["img0.png", "img1.png", "img2.png"]
    assert by.loc["img0_copy.png", "status"] == "duplicate"
    assert by.loc["img0_copy.png", "doc_id"] == by.loc["img0.png", "doc_id"]
    for name in ("img0.png", "img1.png", "img2.png"):
        doc = client.call("doc.get", doc_id=int(by.loc[name, "doc_id"]), extra="tags,md5")["doc"]
        local = (folder / name).read_bytes()
        assert doc["md5"] == by.loc[name, "md5"] == _md5(local)
        assert doc["visibility"]["ispublic"] == "1" and doc["tags"]["tag"][0]["keyword"] == "batch"
        assert requests.get(doc["original"]["url"], timeout=10).content == local

    # fix the broken file and run again: only it is uploaded, the rest is found online
    _png(folder / "broken.png", 999)
    client.clear_calls()
    again = upload_many(client, folder)
    by2 = again.set_index(again.path.map(lambda p: Path(p).name))
    assert by2.loc["broken.png", "status"] == "uploaded"
    assert (by2.drop(index=["broken.png", "img0_copy.png"]).status == "skipped").all()
    assert (client.calls.method == "upload.file").sum() == 1


def test_upload_many_rejects_a_missing_folder_and_bad_workers(client: Client, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="neither a folder nor a file"):
        upload_many(client, tmp_path / "missing")
    with pytest.raises(ParameterError, match="workers"):
        upload_many(client, tmp_path, workers=0)
    with pytest.raises(ParameterError, match="not files"):
        upload_many(client, [tmp_path / "a.png"])


def test_api_errors_keep_their_code(client: Client, tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(APIError) as err:
        client.upload(empty)
    assert err.value.code == 1


def test_a_failed_send_is_one_logged_attempt_never_retried(demo_app: dict, tmp_path: Path) -> None:
    """Uploads share the client's logged exchange but not its retries (a connect refusal would be retried
    for a read; an upload is sent once, and upload_many's re-run is the way to try again)."""
    import socket

    with socket.socket() as s:  # a port nothing listens on: the connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = Client(demo_app["api_key"], demo_app["secret"], url=f"http://127.0.0.1:{port}/api/", token="1-x", retries=5)
    with pytest.raises(TransportError, match=r"upload.file: could not connect to ") as err:
        send_file(dead, "upload.file", _png(tmp_path / "cat.png", 3), {"title": "t"})
    assert "1-x" not in str(err.value) and err.value.sent is False and err.value.attempts == 1
    assert "'cat.png' was not retried; a re-run of upload_many" in err.value.__notes__[-1]
    calls = dead.calls
    assert calls.method.tolist() == ["upload.file"] and calls.error.tolist() == ["TransportError"]
