"""Real data offline: an archive written by backup() loads into a sandbox as one member's account.

The round trip: back up alice from the session sandbox, load the archive into a fresh empty
sandbox, back her up again from there; the two archives hold the same files byte for byte,
the same albums and index, and the same doc records but for what an archive cannot carry
(sandbox/restore.py's docstring lists it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ipernity_nb as ipn
from ipernity_nb.errors import ControlError
from ipernity_nb.sandbox import Sandbox

#: What an archive does not know (who faved, other members' visits and pool docs): the only
#: differences the round trip allows, each checked below to be what the loader documents.
GAPS = {"doc.count.faves", "doc.count.last_visit", "groups[].docs"}


def _backup(sb: Sandbox, folder: Path) -> ipn.BackupSummary:
    alice = ipn.connect(sandbox=sb, user="alice", perms={"doc": "read"}, progress=False)
    summary = ipn.backup(alice, folder, progress=False)
    assert summary.ok and summary.listed > 0
    return summary


@pytest.fixture(scope="module")
def archive(sandbox, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("alice-online")
    _backup(sandbox, folder)
    return folder


def _diff(a: object, b: object, path: str, out: dict[str, list]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _diff(a.get(k), b.get(k), f"{path}.{k}" if path else k, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for x, y in zip(a, b, strict=True):
            _diff(x, y, f"{path}[]", out)
    elif a != b:
        out.setdefault(path, []).append((a, b))


def _record(folder: Path, name: str, base_url: str) -> dict:
    return json.loads((folder / "docs" / name).read_text(encoding="utf-8").replace(base_url, "SANDBOX"))


def test_backup_of_the_loaded_account_reproduces_the_archive(sandbox, archive, tmp_path):
    again = tmp_path / "alice-offline"
    with Sandbox(seed="empty", from_backup=archive) as offline:
        loaded = offline.loaded
        assert loaded["username"] == "alice" and loaded["user_id"] == "284001"
        summary = _backup(offline, again)
        offline_url = offline.url

    docs = sorted(p.name for p in (archive / "docs").glob("*.json"))
    assert loaded["docs"] == len(docs) == summary.listed
    assert sorted(p.name for p in (again / "docs").glob("*.json")) == docs

    # originals: the same names and the same bytes
    files = sorted(p.name for p in (archive / "files").iterdir())
    assert loaded["files"] == len(files) and sorted(p.name for p in (again / "files").iterdir()) == files
    for name in files:
        assert (archive / "files" / name).read_bytes() == (again / "files" / name).read_bytes(), name

    # albums (order included) and the index are identical
    assert (archive / "albums.json").read_bytes() == (again / "albums.json").read_bytes()
    assert (archive / "index.csv").read_bytes() == (again / "index.csv").read_bytes()

    # every doc record: identical once the sandbox's address is set aside, but for the gaps
    diffs: dict[str, list] = {}
    for name in docs:
        _diff(_record(archive, name, sandbox.url), _record(again, name, offline_url), "", diffs)
    assert set(diffs) <= GAPS, {k: v[:2] for k, v in diffs.items() if k not in GAPS}
    assert all(b == "0" for _, b in diffs.get("doc.count.faves", []))  # who faved is not archived
    assert all(int(b) < int(a) for a, b in diffs.get("groups[].docs", []))  # only her docs are in the pools
    checked = sum(len(_record(archive, n, sandbox.url)["comments"]) for n in docs)
    assert checked == loaded["comments"] > 0 and loaded["tags"] > 0 and loaded["albums"] > 0


def test_loaded_member_signs_in_and_loading_again_replaces(archive):
    with Sandbox(seed="empty") as sb:
        first = sb.load_backup(archive)
        counts = sb.status()["counts"]
        second = sb.load_backup(archive)
        assert first == {**second, "groups": first["groups"]}  # groups exist now: not counted twice
        assert sb.status()["counts"] == counts  # same ids replaced, nothing doubled
        alice = ipn.connect(sandbox=sb.url, user="alice", password="demo", perms={"doc": "read"})
        listed = alice.call("doc.getList", user_id=284001)["docs"]
        assert int(listed["total"]) == first["docs"]


def test_cli_loads_an_archive(archive, tmp_path):
    port_file = tmp_path / "port"
    cli = [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--seed", "empty"]
    proc = subprocess.Popen(
        [*cli, "--from-backup", str(archive), "--port-file", str(port_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        alice = ipn.connect(sandbox=url, user="alice", password="demo", perms={"doc": "read"})
        assert int(alice.call("doc.getList", user_id=284001)["docs"]["total"]) == len(list(archive.glob("docs/*.json")))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a sandbox behind
            proc.communicate()
            raise
    assert "loaded:" in out and "member 'alice'" in out


def test_bad_archives_say_what_to_do(archive, tmp_path):
    with pytest.raises(ControlError, match=r"run ipn\.backup"):
        Sandbox(seed="empty", from_backup=tmp_path / "nothing").start()
    mixed = tmp_path / "mixed"
    (mixed / "docs").mkdir(parents=True)
    for path in sorted((archive / "docs").glob("*.json"))[:2]:
        (mixed / "docs" / path.name).write_bytes(path.read_bytes())
    last = sorted((mixed / "docs").glob("*.json"))[-1]
    rec = json.loads(last.read_text())
    rec["doc"]["owner"]["user_id"] = "284002"
    last.write_text(json.dumps(rec))
    with Sandbox(seed="empty") as sb, pytest.raises(ControlError, match="load the backup of one account"):
        sb.load_backup(mixed)
    bad = tmp_path / "cli-bad"
    done = subprocess.run(
        [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--from-backup", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "cannot load --from-backup" in done.stderr
