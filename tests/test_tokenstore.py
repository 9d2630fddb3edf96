"""The token store: owner-only file, several accounts, no secret, save/load/list/forget."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from ipernity_nb.auth import Token
from ipernity_nb.tokenstore import FILENAME, TokenStore, default_directory

KEY = "5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"
SECRET = "a1b2c3d4e5f60718"


def _tok(user_id: int, username: str, token: str, key: str = KEY, **perms: str) -> Token:
    return Token(token, user_id=user_id, username=username, realname=username.title(), permissions=perms, api_key=key)


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cfg" / "ipernity_nb"
    monkeypatch.setenv("IPERNITY_NB_CONFIG_DIR", str(d))
    return d


def test_env_overrides_directory(store_dir: Path) -> None:
    assert default_directory() == store_dir
    assert TokenStore().path == store_dir / FILENAME


def test_default_is_platform_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("IPERNITY_NB_CONFIG_DIR", raising=False)
    assert TokenStore().directory == Path(platformdirs.user_config_dir("ipernity_nb"))


def test_file_0600_dir_0700_and_no_secret(store_dir: Path) -> None:
    old = os.umask(0o022)  # a permissive umask must not widen the file
    try:
        TokenStore().save(_tok(284001, "alice", "111-aaaa", doc="write"))
    finally:
        os.umask(old)
    path = store_dir / FILENAME
    assert stat.S_IMODE(os.stat(store_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert SECRET not in text and "secret" not in text
    data = json.loads(text)
    assert data["tokens"][KEY]["284001"]["username"] == "alice"
    assert not [p for p in store_dir.iterdir() if p.name not in (FILENAME, ".tokens.lock")]  # no temp file left
    assert stat.S_IMODE(os.stat(store_dir / ".tokens.lock").st_mode) == 0o600


def test_existing_dir_is_tightened_and_loose_file_rewritten(store_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    store_dir.mkdir(parents=True, mode=0o755)
    os.chmod(store_dir, 0o755)
    path = store_dir / FILENAME
    path.write_text(json.dumps({"version": 1, "tokens": {}}))
    os.chmod(path, 0o644)
    store = TokenStore()
    with caplog.at_level(logging.WARNING):
        store.save(_tok(284001, "alice", "111-aaaa", doc="read"))
    assert "readable by others" in caplog.text
    assert stat.S_IMODE(os.stat(store_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_several_accounts_side_by_side(store_dir: Path) -> None:
    store = TokenStore()
    teacher = _tok(284001, "alice", "111-aaaa", doc="delete", blog="write")
    student = _tok(284002, "bob", "222-bbbb", doc="read")
    other_app = _tok(284002, "bob", "333-cccc", key="9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49", doc="write")
    for t in (teacher, student, other_app):
        store.save(t)
    assert store.load(KEY, "alice") == teacher
    assert store.load(KEY, 284002) == student
    assert store.load(KEY, "284002").token == "222-bbbb"
    assert store.load("9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49", "bob").token == "333-cccc"
    assert store.load(KEY) == student  # latest saved for the key
    assert {t.username for t in store.list(KEY)} == {"alice", "bob"}
    assert len(store.list()) == 3
    assert store.load(KEY, "carol") is None and store.load("nokey") is None
    # a second store object on the same dir sees the same data (it is a file, not memory)
    assert TokenStore(store_dir).load(KEY, "alice").has("doc", "delete")


def test_save_replaces_same_user(store_dir: Path) -> None:
    store = TokenStore()
    store.save(_tok(284001, "alice", "111-aaaa", doc="read"))
    store.save(_tok(284001, "alice", "111-zzzz", doc="write"))
    assert [t.token for t in store.list(KEY)] == ["111-zzzz"]


def test_forget_one_then_all(store_dir: Path) -> None:
    store = TokenStore()
    store.save(_tok(284001, "alice", "111-aaaa", doc="read"))
    store.save(_tok(284002, "bob", "222-bbbb", doc="read"))
    assert store.forget(KEY, "alice") == 1
    assert store.load(KEY, "alice") is None and store.load(KEY, "bob") is not None
    assert "111-aaaa" not in (store_dir / FILENAME).read_text()
    assert store.forget(KEY, "alice") == 0
    assert store.forget(KEY) == 1
    assert store.list() == []


def test_corrupt_file_is_empty_and_not_echoed(store_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    store_dir.mkdir(parents=True)
    (store_dir / FILENAME).write_text('{"tokens": {"k": "999-leak')
    with caplog.at_level(logging.WARNING):
        assert TokenStore().list() == []
    assert "unreadable" in caplog.text and "999-leak" not in caplog.text


def test_token_without_key_is_refused(store_dir: Path) -> None:
    with pytest.raises(Exception, match="api_key"):
        TokenStore().save(Token("1-a", user_id=1, username="x"))


def test_repr_names_path_only(store_dir: Path) -> None:
    store = TokenStore()
    store.save(_tok(284001, "alice", "111-aaaa", doc="read"))
    assert "111-aaaa" not in repr(store) and str(store_dir) in repr(store)


def test_concurrent_writers_lose_nothing(store_dir: Path) -> None:
    """Two store objects (two kernels, say) saving at once: the file lock keeps every token."""
    from concurrent.futures import ThreadPoolExecutor

    stores = [TokenStore(), TokenStore()]

    def save(i: int) -> None:
        stores[i % 2].save(_tok(300000 + i, f"user{i}", f"{i}-tok", doc="read"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(save, range(40)))
    assert len(TokenStore().list(KEY)) == 40
