"""backup() against the live sandbox: a full archive, interruption and resume, incremental runs."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
from shifted_clock import ShiftedClock

from ipernity_nb import Client
from ipernity_nb.backup import BackupSummary, backup, read_index
from ipernity_nb.errors import ParameterError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.media import image_png

#: The clock of this module's own sandbox: "one second later" without sleeping.
CLOCK = ShiftedClock()


@pytest.fixture(scope="module")
def own_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed="empty", clock=CLOCK) as sb:
        yield sb


@pytest.fixture(scope="module")
def account(own_sandbox: Sandbox, demo_app: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A fresh PRO member with 6 uploaded photos, a comment, keywords and an album in a chosen order."""
    sandbox = own_sandbox
    name = "bk_" + uuid.uuid4().hex[:10]
    user = sandbox.create_user(name, "pw", is_pro=True)
    token = sandbox.issue_token(demo_app["api_key"], name, {"doc": "delete"})
    client = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, token=token, progress=False)
    src = tmp_path_factory.mktemp("src")
    bytes_by_id: dict[int, bytes] = {}
    ids = []
    for i in range(6):
        f = src / f"p{i}.png"
        f.write_bytes(image_png(500 + i, 90 + i, 70))
        doc = client.upload(f, title=f"photo {i}", keywords=["backup", f"n{i}"], geo=(45.0 + i, 5.0))
        ids.append(int(doc["doc_id"]))
        bytes_by_id[ids[-1]] = f.read_bytes()
    client.call("doc.comments.add", doc_id=ids[0], content="first comment")
    album_id = client.call("album.create", title="Favourites")["album"]["album_id"]
    for d in (ids[3], ids[1], ids[5]):
        client.call("album.docs.add", album_id=album_id, doc_id=str(d))
    return {
        "client": client,
        "user_id": int(user["user_id"]),
        "ids": ids,
        "bytes": bytes_by_id,
        "album_id": int(album_id),
    }


def _tree(root: Path) -> dict[str, bytes]:
    """Every file of an archive but the run log, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "backup.log"
    }


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_full_backup_writes_json_files_albums_and_a_typed_index(account: dict, tmp_path: Path) -> None:
    client, ids = account["client"], account["ids"]
    s = backup(client, tmp_path)
    assert isinstance(s, BackupSummary)
    assert (s.listed, s.fetched, s.downloaded, s.skipped, s.failed, s.gone) == (6, 6, 6, 0, {}, [])
    assert s.bytes == sum(len(b) for b in account["bytes"].values())
    assert s.source == f"user {account['user_id']}"
    for doc_id, data in account["bytes"].items():
        rec = json.loads((tmp_path / "docs" / f"{doc_id}.json").read_text())
        local = (tmp_path / rec["backup"]["file"]).read_bytes()
        assert local == data and rec["backup"]["md5"] == rec["doc"]["md5"] == _md5(data)
        assert {t["keyword"] for t in rec["doc"]["tags"]["tag"]} >= {"backup"}
        assert rec["doc"]["geo"]["lng"].startswith("5")
    first = json.loads((tmp_path / "docs" / f"{ids[0]}.json").read_text())
    assert [c["content"] for c in first["comments"]] == ["first comment"]
    in_album = json.loads((tmp_path / "docs" / f"{ids[3]}.json").read_text())
    assert [int(a["album_id"]) for a in in_album["albums"]] == [account["album_id"]]
    albums = json.loads((tmp_path / "albums.json").read_text())
    online_order = [int(d["doc_id"]) for d in client.walk("album.docs.getList", album_id=account["album_id"])]
    assert albums == [{"album_id": account["album_id"], "title": "Favourites", "doc_ids": online_order}]
    assert sorted(online_order) == sorted([ids[3], ids[1], ids[5]])

    df = read_index(tmp_path)
    assert sorted(df.doc_id.tolist()) == sorted(ids)
    assert str(df.doc_id.dtype) == "Int64" and str(df.posted_at.dtype) == "datetime64[ns, UTC]"
    assert str(df.lat.dtype) == "Float64" or df.lat.dtype.kind == "f"
    assert df.set_index("doc_id").loc[ids[0], "comments"] == 1
    assert (df.md5 == df.md5_online).all()
    csv = pd.read_csv(tmp_path / "index.csv")
    assert csv.doc_id.tolist() == df.doc_id.tolist()
    leftovers = [p.name for p in tmp_path.rglob(".*")]
    assert leftovers == [], f"temporary files left behind: {leftovers}"
    assert "docs listed" in s._repr_html_() and "fetched=6, downloaded=6" in repr(s)


class Stop(Exception):
    pass


class SlowMedia(requests.Session):
    """A session whose media downloads take 0.2 s (the API calls are untouched)."""

    def get(self, url, *args, **kwargs):  # type: ignore[override]
        if "/media/" in str(url):
            time.sleep(0.2)
        return super().get(url, *args, **kwargs)


def test_an_interrupted_run_resumes_to_an_identical_archive(account: dict, tmp_path: Path) -> None:
    client = account["client"]
    reference = tmp_path / "reference"
    backup(client, reference)

    resumed = tmp_path / "resumed"
    done: list[int] = []

    def stop_after_three(doc_id: int, status: str) -> None:
        done.append(doc_id)
        if len(done) == 3:
            raise Stop("simulated interruption")

    # Downloads take 0.2 s here so the stop lands while docs are still queued (fast loopback
    # would otherwise finish all six before the third callback runs).
    slow = Client(client.api_key, client.secret, url=client.url, token=client.token, session=SlowMedia())
    with pytest.raises(Stop):
        backup(slow, resumed, workers=2, progress=False, on_doc=stop_after_three)
    complete = sorted(int(p.stem) for p in (resumed / "docs").glob("*.json"))
    assert 3 <= len(complete) < 6, complete
    assert not (resumed / "index.parquet").exists()
    assert [p.name for p in resumed.rglob(".*")] == [], "no half-written file may survive an interruption"

    s = backup(client, resumed)
    assert s.skipped == len(complete) and s.fetched == 6 - len(complete)
    assert s.downloaded == 6 - len(complete)
    ref, got = _tree(reference), _tree(resumed)
    assert sorted(ref) == sorted(got)
    assert [k for k in ref if ref[k] != got[k]] == []
    log = (resumed / "backup.log").read_text().splitlines()
    assert len(log) == 2 and "stopped (Stop)" in log[0] and " done: " in log[1]


def test_damaged_file_is_downloaded_again(account: dict, tmp_path: Path) -> None:
    client, victim = account["client"], account["ids"][1]
    backup(client, tmp_path)
    rec = json.loads((tmp_path / "docs" / f"{victim}.json").read_text())
    path = tmp_path / rec["backup"]["file"]
    path.write_bytes(path.read_bytes()[:10])  # truncated, as a crash of another tool would leave it
    s = backup(client, tmp_path)
    assert (s.fetched_ids, s.downloaded) == ([victim], 1)
    assert path.read_bytes() == account["bytes"][victim]


def test_incremental_run_fetches_only_the_changed_doc(account: dict, tmp_path: Path) -> None:
    client, ids = account["client"], account["ids"]
    backup(client, tmp_path)
    client.clear_calls()
    s = backup(client, tmp_path)
    assert (s.fetched, s.downloaded, s.skipped, s.bytes) == (0, 0, 6, 0)
    assert "doc.get" not in set(client.calls.method)

    CLOCK.advance(1.1)  # last_update_at has a one-second resolution, as on the live service
    changed = ids[2]
    client.call("doc.set", doc_id=changed, title="renamed")
    client.clear_calls()
    s = backup(client, tmp_path)
    assert s.fetched_ids == [changed] and s.downloaded == 0 and s.bytes == 0
    gets = client.calls[client.calls.method == "doc.get"]
    assert [int(p["doc_id"]) for p in gets.params] == [changed]
    assert json.loads((tmp_path / "docs" / f"{changed}.json").read_text())["doc"]["title"] == "renamed"
    assert read_index(tmp_path).set_index("doc_id").loc[changed, "title"] == "renamed"


def test_a_replaced_original_is_downloaded_again(account: dict, tmp_path: Path) -> None:
    client, target = account["client"], account["ids"][4]
    backup(client, tmp_path)
    CLOCK.advance(1.1)  # replaced_at, like last_update_at, ticks in whole seconds
    new = tmp_path / "new.png"
    new.write_bytes(image_png(777, 50, 40))
    client.upload(new, replace=target)
    s = backup(client, tmp_path)
    assert (s.fetched_ids, s.downloaded) == ([target], 1)
    rec = json.loads((tmp_path / "docs" / f"{target}.json").read_text())
    assert (tmp_path / rec["backup"]["file"]).read_bytes() == new.read_bytes()
    account["bytes"][target] = new.read_bytes()


def test_public_album_of_seeded_docs_falls_back_to_the_largest_rendition(
    sandbox: Sandbox, demo_app: dict, tmp_path: Path
) -> None:
    anon = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)
    albums = list(anon.walk("album.getList", user_id=284002))
    album = next(a for a in albums if 1 <= int((a.get("count") or {}).get("docs") or 0) <= 8)
    s = backup(anon, tmp_path, album_id=album["album_id"])
    assert s.failed == {} and s.listed >= 1 and s.downloaded == s.listed
    fallbacks = 0
    for p in (tmp_path / "docs").glob("*.json"):
        rec = json.loads(p.read_text())
        data = (tmp_path / rec["backup"]["file"]).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and _md5(data) == rec["backup"]["md5"]
        if rec["doc"].get("original"):
            assert rec["backup"]["label"] == "original"
            continue
        fallbacks += 1  # not downloadable (licence 0, not the owner): the biggest rendition, as served
        thumbs = rec["doc"]["thumbs"]["thumb"]
        biggest = max(thumbs, key=lambda t: int(t["w"]) * int(t["h"]))
        assert rec["backup"]["label"] == biggest["label"] != "original"
        assert requests.get(biggest["url"], timeout=10).content == data
    assert fallbacks >= 1, "this album was chosen to exercise the no-original path"
    order = json.loads((tmp_path / "albums.json").read_text())[0]["doc_ids"]
    assert order == read_index(tmp_path).doc_id.tolist()


def test_bad_sources_are_parameter_errors(sandbox: Sandbox, demo_app: dict, tmp_path: Path) -> None:
    anon = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)
    with pytest.raises(ParameterError, match="no token"):
        backup(anon, tmp_path)
    with pytest.raises(ParameterError, match="one of user_id, album_id or group_id"):
        backup(anon, tmp_path, user_id=284001, album_id=1)
    with pytest.raises(ParameterError, match="workers"):
        backup(anon, tmp_path, user_id=284001, workers=0)


def test_group_pool_metadata_only_backup(sandbox: Sandbox, demo_app: dict, tmp_path: Path) -> None:
    """originals=False: JSON and index only; the index follows the pool's order; no albums.json."""
    import sqlite3

    with sqlite3.connect(sandbox.db_path) as db:  # read-only look-up of a small public pool
        group_id = db.execute(
            "SELECT g.group_id FROM grp g JOIN grp_docs d USING (group_id) WHERE g.is_public = 1 "
            "GROUP BY g.group_id HAVING COUNT(*) BETWEEN 2 AND 6 ORDER BY g.group_id LIMIT 1"
        ).fetchone()[0]
    anon = Client(demo_app["api_key"], demo_app["secret"], url=sandbox.api_url, progress=False)
    online = [int(d["doc_id"]) for d in anon.walk("group.docs.getList", group_id=group_id)]
    s = backup(anon, tmp_path, group_id=group_id, originals=False)
    assert (s.listed, s.fetched, s.downloaded, s.bytes, s.failed) == (len(online), len(online), 0, 0, {})
    assert list((tmp_path / "files").iterdir()) == [] and not (tmp_path / "albums.json").exists()
    df = read_index(tmp_path)
    assert df.doc_id.tolist() == online and df.position.tolist() == list(range(1, len(online) + 1))
    assert df.file.isna().all()
    again = backup(anon, tmp_path, group_id=group_id, originals=False)
    assert (again.fetched, again.skipped) == (0, len(online))


def test_a_client_read_cache_does_not_hide_changes(account: dict, tmp_path: Path) -> None:
    """backup bypasses Client(cache=…): a cached doc.getList would replay old last_update_at values."""
    plain = account["client"]
    cached = Client(
        plain.api_key, plain.secret, url=plain.url, token=plain.token, progress=False, cache=tmp_path / "c.sqlite"
    )
    archive = tmp_path / "archive"
    cached.frame("doc.getList", user_id=account["user_id"], extra="dates")  # warm the cache with the old listing
    backup(cached, archive)
    CLOCK.advance(1.1)
    changed = account["ids"][0]
    plain.call("doc.set", doc_id=changed, title="renamed again")
    s = backup(cached, archive)
    assert s.fetched_ids == [changed]
    assert not cached.calls.from_cache.fillna(False).astype(bool).any()
