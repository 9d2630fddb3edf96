"""A classroom on one shared sandbox: bulk accounts, then students joining by URL with a password.

The teacher's sandbox runs in a child process started from the command line, as in a class;
each student is another Python process that knows only the URL, a user name and a password.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import ipernity_nb as ipn
from ipernity_nb.errors import ControlError, SignInError
from ipernity_nb.sandbox import Sandbox
from ipernity_nb.sandbox.classroom import read_roster, roster_from_count

ADMIN = "teacher-token-1"


def _start_cli(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port_file = tmp_path / "port"
    port_file.unlink(missing_ok=True)  # a restart writes it again once ready
    cli = [sys.executable, "-m", "ipernity_nb.sandbox", "--port", "0", "--port-file", str(port_file)]
    proc = subprocess.Popen(
        [*cli, "--admin-token", ADMIN, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the sandbox exited: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the sandbox did not start within 60 s")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port_file.read_text()}"


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


STUDENT = """
import sys, ipernity_nb as ipn
me = ipn.connect(sandbox=sys.argv[1], user=sys.argv[2], password=sys.argv[3], perms={"doc": "write"})
user = me.check_token()["user"]
mine = me.call("doc.getList", user_id=user["user_id"])
print(user["username"], me.rights["doc"], mine["docs"]["total"])
"""


def _student(url: str, user: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", STUDENT, url, user, password], capture_output=True, text=True, timeout=120
    )


def test_teacher_creates_accounts_and_students_join_by_url(tmp_path):
    db, handout = tmp_path / "class.sqlite", tmp_path / "accounts.csv"
    proc, url = _start_cli(tmp_path, "--db", str(db), "--seed", "empty", "--students", "3")
    proc_out = ""
    try:
        # bulk accounts from the control plane too (the teacher's notebook or curl)
        r = requests.post(
            f"{url}/_sandbox/students",
            json={"csv": "username,realname\nana,Ana Lima\nbruno,Bruno Dias\n"},
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        made = r.json()
        assert [a["username"] for a in made["created"]] == ["ana", "bruno"] and made["existing"] == []
        assert made["created"][0]["realname"] == "Ana Lima" and len(made["created"][0]["password"]) == 10
        refused = requests.post(f"{url}/_sandbox/students", json={"count": 2}, timeout=30)
        assert refused.status_code == 401  # a student without the admin token cannot add accounts

        # a second process, knowing only the URL and its password, signs in through the pages
        ana = made["created"][0]
        done = _student(url, "ana", ana["password"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["ana", "write", "0"]
        wrong = _student(url, "ana", "not-her-password")
        assert wrong.returncode != 0 and "SignInError" in wrong.stderr and "wrong password" in wrong.stderr
        assert ana["password"] not in wrong.stderr
    finally:
        proc_out = _stop(proc)
    assert "student01" in proc_out and "student03" in proc_out and f'connect(sandbox="{url}"' in proc_out

    # restarting the same class creates only what is missing, and writes the handout 0600
    proc, url = _start_cli(tmp_path, "--db", str(db), "--students", "4", "--accounts-out", str(handout))
    try:
        rows = list(csv.DictReader(handout.open()))
        assert [r["username"] for r in rows] == ["student04"]
        assert stat.S_IMODE(handout.stat().st_mode) == 0o600
        assert rows[0]["sandbox_url"] == url and rows[0]["password"]
        done = _student(url, "student04", rows[0]["password"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[0] == "student04"
    finally:
        out = _stop(proc)
    assert "3 existing" in out and "student01" in out and "password unchanged" in out


def test_roster_csv_with_given_passwords(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Username,Password,RealName\nzoe,zoe-pass-1,Zoé\nyann,,Yann\n", encoding="utf-8")
    with Sandbox(seed="empty") as sb:
        made = sb.create_students(roster=roster)
        assert [(a["username"], a["realname"]) for a in made["created"]] == [("zoe", "Zoé"), ("yann", "Yann")]
        assert made["created"][0]["password"] == "zoe-pass-1" and len(made["created"][1]["password"]) == 10
        zoe = ipn.connect(sandbox=sb.url, user="zoe", password="zoe-pass-1", perms={"doc": "read"})
        assert zoe.check_token()["user"]["username"] == "zoe"
        with pytest.raises(SignInError):
            ipn.connect(sandbox=sb.url, user="yann", password="zoe-pass-1")
        again = sb.create_students(roster=roster)
        assert again["created"] == [] and [a["username"] for a in again["existing"]] == ["zoe", "yann"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: roster_from_count(0), "from 1 to 1000"),
        (lambda: roster_from_count(3, prefix="a b"), "prefix"),
        (lambda: read_roster("name,password\nana,x\n"), "'username' column"),
        (lambda: read_roster("username\n\n"), "lists no student"),
    ],
)
def test_bad_rosters_say_what_to_fix(make, message):
    with pytest.raises(ControlError, match=message):
        make()


def test_bad_requests_to_the_students_endpoint(sandbox):
    auth = {"Authorization": f"Bearer {sandbox.admin_token}"}
    cases = [
        ({}, 400, "send one of"),
        ({"count": 2, "csv": "username\nx\n"}, 400, "send one of"),
        ({"students": [{"username": "bad name"}]}, 400, "not usable"),
        ({"students": [{"username": "dup1"}, {"username": "DUP1"}]}, 400, "twice"),
    ]
    for body, status, text in cases:
        r = requests.post(f"{sandbox.url}/_sandbox/students", data=json.dumps(body), headers=auth, timeout=10)
        assert r.status_code == status and text in r.json()["error"], (body, r.text)
    # all or none: a bad entry leaves no half-created class behind
    r = requests.post(
        f"{sandbox.url}/_sandbox/students",
        json={"students": [{"username": "half_one"}, {"username": "bad name"}]},
        headers=auth,
        timeout=10,
    )
    assert r.status_code == 400
    with pytest.raises(ControlError, match="no user named 'half_one'"):
        ipn.connect(sandbox=sandbox, user="half_one")
