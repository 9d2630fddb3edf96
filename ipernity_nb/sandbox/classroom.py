"""A class on one shared sandbox: the students' accounts in one step, and their handout.

The teacher starts one sandbox for the room and creates every student's account at once,
from a count (``student01`` … ``student30``) or from a roster CSV (a ``username`` column,
optional ``password`` and ``realname``). Each new account gets a random password, printed
once and written to an owner-only CSV the teacher hands out; students then sign in through
the sandbox's pages with ``connect(sandbox=url, user=…, password=…)``.

Re-running is safe: on a persistent database (``--db class.sqlite``) the same command
creates only the accounts still missing and lists the others as existing (their passwords
are stored hashed, so they are not shown again).

The accounts are created by :func:`ipernity_nb.sandbox.control.create_students` (also
``POST /_sandbox/students`` and ``Sandbox.create_students``); this module reads rosters and
writes the handout.

Example:
    >>> [r["username"] for r in roster_from_count(3)]
    ['student01', 'student02', 'student03']
    >>> read_roster("username,realname\\nana,Ana Lima\\n")
    [{'username': 'ana', 'realname': 'Ana Lima'}]
    >>> len(new_password())
    10
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ControlError

__all__ = [
    "MAX_STUDENTS",
    "USERNAME",
    "USERNAME_RULE",
    "accounts_csv",
    "accounts_text",
    "add_arguments",
    "new_password",
    "read_roster",
    "roster_from_count",
    "roster_of",
    "setup_class",
    "write_accounts",
]

#: Accounts one call may create (a class, not a load test).
MAX_STUDENTS = 1000
#: Password characters: no look-alikes (0/O, 1/l/I), so a handout typed by hand works.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
USERNAME_RULE = "1-40 letters, digits, '_', '.' or '-', starting with a letter or digit"
#: A usable user name: what the sign-in form and a CSV cell carry without surprises.
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def new_password(length: int = 10) -> str:
    """A random password from an unambiguous alphabet (the ``secrets`` module)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def roster_from_count(count: int, prefix: str = "student") -> list[dict[str, str]]:
    """``count`` accounts named ``<prefix>01`` …, numbered with as many digits as needed."""
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_STUDENTS:
        raise ControlError(f"the number of students must be an integer from 1 to {MAX_STUDENTS}; got {count!r}")
    if not isinstance(prefix, str) or not USERNAME.match(prefix + "1"):
        raise ControlError(f"the name prefix {prefix!r} must be letters, digits, '_', '.' or '-' (e.g. 'student')")
    width = max(2, len(str(count)))
    return [{"username": f"{prefix}{n:0{width}d}"} for n in range(1, count + 1)]


def read_roster(text: str) -> list[dict[str, str]]:
    """Rows of a roster CSV: a ``username`` column, optional ``password`` and ``realname``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "username" not in fields:
        raise ControlError(
            "the roster CSV needs a header row with a 'username' column (optional: password, realname); "
            f"found {fields or 'no header'}"
        )
    rows: list[dict[str, str]] = []
    for n, raw in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        if len(rows) >= MAX_STUDENTS:
            raise ControlError(f"the roster has more than {MAX_STUDENTS} students; split it")
        if not row.get("username"):
            raise ControlError(f"roster line {n}: the username is empty")
        rows.append({k: row[k] for k in ("username", "password", "realname") if row.get(k)})
    if not rows:
        raise ControlError("the roster CSV lists no student")
    return rows


def roster_of(body: dict) -> list[dict[str, Any]]:
    """The roster a ``/_sandbox/students`` body describes (one of ``count``, ``csv``, ``students``)."""
    given = [k for k in ("count", "csv", "students") if body.get(k) is not None]
    if len(given) != 1:
        raise ControlError('send one of "count" (and an optional "prefix"), "csv" (roster text) or "students" (a list)')
    if given[0] == "count":
        return roster_from_count(body["count"], body.get("prefix") or "student")
    if given[0] == "csv":
        if not isinstance(body["csv"], str):
            raise ControlError('"csv" must be the roster file\'s text')
        return read_roster(body["csv"])
    if not isinstance(body["students"], list):
        raise ControlError('"students" must be a list such as [{"username": "ana"}]')
    return body["students"]


def accounts_csv(accounts: Iterable[Mapping[str, str]], url: str) -> str:
    """The handout as CSV: ``username,password,realname,user_id,sandbox_url``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["username", "password", "realname", "user_id", "sandbox_url"])
    for a in accounts:
        writer.writerow([a["username"], a.get("password", ""), a.get("realname", ""), a.get("user_id", ""), url])
    return out.getvalue()


def write_accounts(path: str | os.PathLike, accounts: Iterable[Mapping[str, str]], url: str) -> None:
    """Write the handout CSV owner-only (0600): it holds passwords."""
    data = accounts_csv(accounts, url).encode("utf-8")
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT


def accounts_text(result: Mapping[str, list[dict[str, str]]], url: str) -> str:
    """The accounts as a table for the terminal, with the line each student types."""
    created, existing = result.get("created", []), result.get("existing", [])
    lines = [f"  students ({len(created)} new, {len(existing)} existing) — each student runs:"]
    lines.append(f'    ipn.connect(sandbox="{url}", user="<username>", password="<password>")')
    for a in created:
        lines.append(f"    {a['username']:<24} password {a['password']}")
    for a in existing:
        lines.append(f"    {a['username']:<24} (exists; password unchanged)")
    return "\n".join(lines)


# --- command line (python -m ipernity_nb.sandbox) --------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The classroom options of ``python -m ipernity_nb.sandbox``."""
    parser.add_argument(
        "--students",
        default=None,
        metavar="N|ROSTER.csv",
        help="create the class's accounts at start: a count (student01 …) or a roster CSV (username,password,realname)",
    )
    parser.add_argument("--student-prefix", default="student", help="name prefix for --students N (default student)")
    parser.add_argument(
        "--from-backup",
        default=None,
        metavar="FOLDER",
        help="load an archive written by backup() as one member's account (docs, tags, albums, comments, files)",
    )
    parser.add_argument(
        "--class-url",
        default=None,
        metavar="URL",
        help="the sandbox's URL as students reach it (e.g. http://192.168.1.20:8765, with --host 0.0.0.0)",
    )
    parser.add_argument(
        "--accounts-out", default=None, metavar="FILE.csv", help="write the new accounts' handout CSV here (mode 0600)"
    )


def setup_class(sb: Any, args: argparse.Namespace) -> str:
    """Create the accounts ``--students`` asks for on a started sandbox; the text to print
    (with what ``--from-backup`` loaded)."""
    loaded = getattr(sb, "loaded", None)
    lines = []
    if loaded:
        lines.append(
            f"  loaded:       {args.from_backup}: member {loaded['username']!r} (password 'demo'), "
            f"{loaded['docs']} docs, {loaded['files']} files, {loaded['albums']} albums, {loaded['comments']} comments"
        )
    if not args.students:
        return "\n".join(lines)
    spec = str(args.students)
    if spec.isdigit():
        result = sb.create_students(int(spec), prefix=args.student_prefix)
    else:
        result = sb.create_students(roster=spec)
    url = (args.class_url or sb.url).rstrip("/")
    if args.accounts_out:
        write_accounts(args.accounts_out, result["created"], url)
    lines.append(accounts_text(result, url))
    if args.accounts_out:
        lines.append(f"  handout (new accounts with passwords): {args.accounts_out}")
    return "\n".join(lines)
