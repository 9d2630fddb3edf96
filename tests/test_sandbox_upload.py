"""upload.file / upload.replace / upload.checkTickets over a real socket, through ipernity_nb.Client.

Own sandbox (uploads change quotas and doc counts the shared demo sandbox's tests rely on).
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib

import pytest
import requests

from ipernity_nb import Client
from ipernity_nb.errors import APIError, ParameterError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.coverage import coverage
from ipernity_nb.sandbox.handlers.upload import sniff
from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP as APP
from ipernity_nb.signing import sign

DELAY = 2  # seconds an async upload stays pending in this module's sandbox


def png(w: int, h: int, salt: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes([salt % 256]) * (w * 3) for _ in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(64)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(upload_delay=DELAY, max_upload_bytes=200_000) as s:
        yield s


def client(sb: Sandbox, user: str) -> Client:
    tok = sb.issue_token(APP["api_key"], user, {"doc": "delete"})
    return Client(APP["api_key"], APP["secret"], token=tok, url=sb.api_url, site_url=sb.url, progress=False)


@pytest.fixture(scope="module")
def alice(sb):
    return client(sb, "alice")


@pytest.fixture(scope="module")
def bob(sb):
    return client(sb, "bob")


def upload(c: Client, data: bytes, **params) -> str:
    return c.call("upload.file", file=data, **params)["ticket"]


def doc_of(c: Client, ticket: str) -> str:
    t = c.call("upload.checkTickets", tickets=ticket)["tickets"]["ticket"][0]
    assert t["done"] == "1", t
    return t["doc_id"]


def test_round_trip_same_bytes_md5_and_metadata(alice):
    data = png(64, 48, salt=1)
    ticket = upload(
        alice,
        data,
        title="Sunset",
        description="over the sea",
        keywords="sea, Sun",
        is_public=0,
        is_friend=1,
        license=3,
        safety=2,
        lat="48.85",
        lng="2.35",
        created_at="2020-05-17 10:11:12",
        perm_comment=3,
    )
    doc_id = doc_of(alice, ticket)
    doc = alice.call("doc.get", doc_id=doc_id, extra="md5")["doc"]  # the owner always gets "original"
    assert doc["title"] == "Sunset" and doc["description"] == "over the sea" and doc["media"] == "photo"
    assert doc["license"] == "3" and doc["safety"] == "2" and doc["visibility"]["share"] == "2"
    assert doc["dates"]["created"] == "2020-05-17 10:11:12" and doc["permissions"]["comment"] == "3"
    assert doc["original"]["w"] == "64" and doc["original"]["h"] == "48" and doc["original"]["ext"] == "png"
    md5 = hashlib.md5(data).hexdigest()
    assert doc["md5"] == md5
    body = requests.get(doc["original"]["url"], timeout=10)
    assert body.status_code == 200 and body.content == data and hashlib.md5(body.content).hexdigest() == md5
    assert body.headers["Content-Type"] == "image/png"
    thumb = next(t for t in doc["thumbs"]["thumb"] if t["label"] == "240")
    img = requests.get(thumb["url"], timeout=10).content
    assert img[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", img[16:24]) == (64, 48)
    found = alice.call("doc.checkMD5", md5=md5)["docs"]["doc"][0]
    assert found["found"] == "1" and found["doc_id"] == doc_id
    tags = {t["tag"] for t in alice.call("doc.tags.getList", doc_id=doc_id)["tags"]["tag"]}
    assert tags == {"sea", "sun"}
    geo = alice.call("doc.get", doc_id=doc_id, extra="geo")["doc"]["geo"]
    assert float(geo["lat"]) == 48.85 and float(geo["lng"]) == 2.35


def test_album_and_member_tags_applied(alice):
    album_id = alice.call("album.getList")["albums"]["album"][0]["album_id"]
    doc_id = doc_of(alice, upload(alice, png(8, 8, 2), album_id=album_id, member_ids="bob"))
    in_album = [
        d["doc_id"] for d in alice.call("album.docs.getList", album_id=album_id, per_page=100)["album"]["docs"]["doc"]
    ]
    assert doc_id in in_album
    tags = alice.call("doc.tags.getList", doc_id=doc_id)["tags"]["tag"]
    assert any(t["type"] == "member" and t["tag"] == "bob" for t in tags)


def test_async_ticket_pending_then_done(alice):
    ticket = upload(alice, png(10, 10, 3), title="later", **{"async": 1})
    first = alice.call("upload.checkTickets", tickets=ticket)["tickets"]
    assert first["left"] == "1" and first["done"] == "0" and 0 < int(first["ticket"][0]["eta"]) <= DELAY
    assert "doc_id" not in first["ticket"][0]
    time.sleep(DELAY + 1.05)
    doc_id = doc_of(alice, ticket)
    assert alice.call("doc.get", doc_id=doc_id)["doc"]["title"] == "later"


def test_check_tickets_mix_unknown_foreign_and_limit(sb, alice, bob):
    mine = upload(alice, png(5, 5, 4))
    theirs = upload(bob, png(5, 5, 5))
    out = alice.call("upload.checkTickets", tickets=f"{mine},{theirs},999999999")["tickets"]
    assert (out["count"], out["done"], out["invalid"], out["left"]) == ("3", "1", "2", "0")
    flags = {t["id"]: t["invalid"] for t in out["ticket"]}
    assert flags == {mine: "0", theirs: "1", "999999999": "1"}
    with pytest.raises(APIError) as e:
        alice.call("upload.checkTickets", tickets="999999998")
    assert e.value.code == 1
    many = ",".join(str(n) for n in range(1, 52))
    with pytest.raises(ParameterError, match="at most 50 items"):  # the client refuses before sending
        alice.call("upload.checkTickets", tickets=many)
    signed = sign(
        {"api_key": APP["api_key"], "auth_token": alice.token, "tickets": many}, APP["secret"], "upload.checkTickets"
    )
    body = requests.get(sb.api_url + "upload.checkTickets/json", params=signed, timeout=10).json()["api"]
    assert body["code"] == "1" and "50" in body["message"]  # and so does the sandbox


def test_empty_missing_and_too_big(sb, alice, bob):
    with pytest.raises(APIError) as e:
        alice.call("upload.file", file=b"")
    assert e.value.code == 1
    with pytest.raises(APIError) as e:
        alice.call("upload.file", file=b"x" * 200_001)  # above this sandbox's max_upload_bytes
    assert e.value.code == 2
    big_photo = png(8, 8) + bytes(int(2.5 * 1024 * 1024))  # free accounts: photos up to 2.5 MB
    with Sandbox(seed="demo") as s2:
        with pytest.raises(APIError) as e:
            client(s2, "bob").call("upload.file", file=big_photo)
        assert e.value.code == 2
        with pytest.raises(APIError) as e:
            client(s2, "bob").call("upload.file", file=MP4)  # no video for free accounts
        assert e.value.code == 2
        assert client(s2, "alice").call("upload.file", file=big_photo)["ticket"]  # PRO: fine


def test_missing_file_part_is_code_1(sb):
    # Signed by hand: a multipart POST without any file part.
    from ipernity_nb.signing import sign

    tok = sb.issue_token(APP["api_key"], "alice", {"doc": "write"})
    params = sign({"api_key": APP["api_key"], "auth_token": tok, "title": "x"}, APP["secret"], "upload.file")
    r = requests.post(sb.api_url + "upload.file", data=params, timeout=10)
    assert r.json()["api"]["code"] == "1"


def test_quota_reflects_uploads(alice):
    before = alice.call("account.getQuota")["quota"]["upload"]["used"]["bytes"]
    data = png(100, 100, 6)
    doc_of(alice, upload(alice, data))
    after = alice.call("account.getQuota")["quota"]["upload"]["used"]["bytes"]
    assert int(after) - int(before) == len(data)


def test_replace_rules(sb, alice, bob):
    doc_id = doc_of(alice, upload(alice, png(20, 10, 7)))
    secret_before = alice.call("doc.get", doc_id=doc_id)["doc"]["original"]["url"]
    new = png(30, 15, 8)
    ticket = alice.call("upload.replace", doc_id=doc_id, file=new)["ticket"]
    assert doc_of(alice, ticket) == doc_id
    doc = alice.call("doc.get", doc_id=doc_id, extra="md5")["doc"]  # the owner always gets "original"
    assert doc["md5"] == hashlib.md5(new).hexdigest() and int(doc["dates"]["replaced_at"]) > 0
    assert doc["original"]["w"] == "30" and doc["original"]["url"] == secret_before  # same id and secret
    assert requests.get(doc["original"]["url"], timeout=10).content == new
    for who, params, code in [
        (alice, {"doc_id": doc_id, "file": MP4}, 5),  # photo replaced by a video
        (alice, {"doc_id": "1", "file": new}, 4),  # no such doc
        (alice, {"doc_id": doc_id, "file": b""}, 1),
    ]:
        with pytest.raises(APIError) as e:
            who.call("upload.replace", **params)
        assert e.value.code == code, params
    bob_doc = doc_of(bob, upload(bob, png(4, 4, 9)))
    with pytest.raises(APIError) as e:
        bob.call("upload.replace", doc_id=bob_doc, file=new)  # bob is not PRO
    assert e.value.code == 6
    with pytest.raises(APIError) as e:
        alice.call("upload.replace", doc_id=bob_doc, file=new)  # not alice's doc
    assert e.value.code == 4


def test_needs_write_permission_and_post(sb):
    tok = sb.issue_token(APP["api_key"], "alice", {"doc": "read"})
    c = Client(APP["api_key"], APP["secret"], token=tok, url=sb.api_url, site_url=sb.url, progress=False)
    with pytest.raises(APIError) as e:
        c.call("upload.file", file=png(2, 2))
    assert e.value.code == 110


@pytest.mark.parametrize(
    ("head", "media", "ext"),
    [
        (b"\xff\xd8\xff\xe0" + bytes(20), "photo", "jpg"),
        (b"GIF89a\x02\x00\x03\x00", "photo", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "photo", "webp"),
        (b"II*\x00" + bytes(8), "photo", "tif"),
        (MP4, "video", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "video", "mov"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video", "avi"),
        (b"\x1a\x45\xdf\xa3" + bytes(8), "video", "webm"),
        (b"ID3\x03\x00" + bytes(8), "audio", "mp3"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio", "wav"),
        (b"OggS" + bytes(8), "audio", "ogg"),
        (b"fLaC" + bytes(8), "audio", "flac"),
        (b"hello, world", "other", ""),
    ],
)
def test_sniff_media_types(head, media, ext):
    got = sniff(head)
    assert (got[0], got[1]) == (media, ext)


def test_sniff_dimensions():
    assert sniff(b"GIF89a\x02\x00\x03\x00")[3:] == (2, 3)
    sof = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x20\x00\x40\x03" + bytes(20)
    assert sniff(sof)[3:] == (64, 32)


def test_all_methods_emulated_but_doc_albums_add():
    missing = [r.method for r in coverage() if not r.emulated]
    assert missing == ["doc.albums.add"]


def test_async_replace_of_a_deleted_doc_becomes_invalid(alice):
    doc_id = doc_of(alice, upload(alice, png(6, 6, 10)))
    ticket = alice.call("upload.replace", doc_id=doc_id, file=png(7, 7, 11), **{"async": 1})["ticket"]
    alice.call("doc.delete", doc_id=doc_id)
    time.sleep(DELAY + 1.05)
    out = alice.call("upload.checkTickets", tickets=ticket)["tickets"]
    assert (out["done"], out["invalid"], out["left"]) == ("0", "1", "0")
    assert alice.call("test.hello")["hello"]  # later calls are unaffected


def test_check_tickets_in_xml(sb):
    tok = sb.issue_token(APP["api_key"], "carol", {"doc": "write"})
    c = Client(APP["api_key"], APP["secret"], token=tok, url=sb.api_url, site_url=sb.url, format="xml", progress=False)
    ticket = c.call("upload.file", file=png(3, 3, 12))["ticket"]
    out = c.call("upload.checkTickets", tickets=ticket)["tickets"]
    assert out["done"] == "1" and isinstance(out["ticket"], list) and out["ticket"][0]["id"] == ticket


def test_monthly_allowance_exhausted_is_code_3(sb):
    import sqlite3

    from ipernity_nb.sandbox.handlers.user import FREE

    dave = client(sb, "dave")
    used = int(dave.call("account.getQuota")["quota"]["upload"]["used"]["bytes"])
    filler = FREE["upload_bytes"] - used - 50  # leaves 50 bytes of this month's allowance
    with sqlite3.connect(sb.db_path) as db:
        db.execute(
            "INSERT INTO docs (doc_id, owner_id, media, posted_at, secret, bytes) VALUES (?, 284004, 'photo', ?, ?, ?)",
            (99_000_001, int(time.time()), "abcdef01", filler),
        )
    try:
        with pytest.raises(APIError) as e:
            dave.call("upload.file", file=png(8, 8, 13))
        assert e.value.code == 3
        left = dave.call("account.getQuota")["quota"]["upload"]["left"]["bytes"]
        assert int(left) == 50
    finally:
        with sqlite3.connect(sb.db_path) as db:
            db.execute("DELETE FROM docs WHERE doc_id = 99000001")


def test_video_upload_served_at_original_and_playable_urls(alice):
    doc_id = doc_of(alice, upload(alice, MP4, title="clip"))
    medias = alice.call("doc.getMedias", doc_id=doc_id)
    assert alice.call("doc.get", doc_id=doc_id)["doc"]["media"] == "video"
    for url in (medias["original"]["url"], medias["medias"]["media"][0]["url"]):
        r = requests.get(url, timeout=10)
        assert r.content == MP4 and r.headers["Content-Type"] == "video/mp4"
    thumb = requests.get(medias["thumbs"]["thumb"][0]["url"], timeout=10)
    assert thumb.status_code == 200 and thumb.content[:4] == b"\x89PNG"  # generated stand-in
