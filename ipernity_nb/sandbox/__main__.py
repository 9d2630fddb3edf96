"""Command line: ``python -m ipernity_nb.sandbox --port 8765 --db class.sqlite`` (or ``ipernity-sandbox``).

Prints the URLs, the admin token and the demo credentials, then serves until Ctrl-C or
SIGTERM (either stops cleanly and deletes a throwaway database). Warnings and errors go to
stderr; ``-v`` adds one line per request. ``--coverage`` prints which catalog methods are
emulated and exits.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

from ..errors import IpernityError
from . import classroom

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ipernity-sandbox", description="A local, offline ipernity API and authorization site."
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--db", default=None, help="SQLite file that persists across restarts (default: throwaway)")
    p.add_argument("--seed", choices=("demo", "empty"), default="demo", help="initial data for a new database")
    p.add_argument("--scale", type=int, default=None, help="number of demo docs (performance work)")
    p.add_argument("--admin-token", default=None, help="control-plane token (default: a new one at each start)")
    p.add_argument("--frob-ttl", type=int, default=600, help="seconds a frob stays valid (default 600)")
    p.add_argument(
        "--faults",
        default=None,
        metavar="JSON",
        help='fault injection, e.g. \'{"rate": 0.15, "drop": 0.02, "latency": [0, 0.05], "seed": 7}\'',
    )
    p.add_argument(
        "--fault-rate", type=float, default=None, help="fraction of API calls failing (502/503, API 500/503)"
    )
    p.add_argument("--fault-seed", type=int, default=None, help="random seed: the same faults in the same order")
    p.add_argument("--latency", type=float, nargs="+", default=None, metavar="S", help="added latency: S or MIN MAX")
    p.add_argument("--drop", type=float, default=None, help="fraction of API calls whose connection is dropped")
    p.add_argument("--maintenance", action="store_true", help="answer 501 Maintenance mode to every API call")
    p.add_argument("--app-per-minute", type=int, default=None, help="application quota (112) per api_key")
    p.add_argument("--ip-per-second", type=int, default=None, help="client IP quota (113) per address")
    p.add_argument("--upload-delay", type=float, default=1.0, help="seconds an async upload stays pending")
    p.add_argument("--coverage", action="store_true", help="print the emulated-methods table and exit")
    p.add_argument("--max-connections", type=int, default=None, help="open connections at once (default 64)")
    p.add_argument("--max-request-bytes", type=int, default=None, help="largest request body (default 65 MiB)")
    p.add_argument("--header-timeout", type=float, default=None, help="seconds to send a request head (default 10)")
    p.add_argument("--idle-timeout", type=float, default=None, help="seconds a kept-alive connection may idle (30)")
    p.add_argument("--port-file", default=None, help="write the bound port to this file once serving (scripts)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    classroom.add_arguments(p)
    return p


def _banner(sb: object) -> str:
    from .seed import DEMO_APPS, DEMO_PASSWORD, DEMO_USERS

    apps = "\n".join(
        f"    {a['name']:<28} kind={a['kind']:<8} api_key={a['api_key']}  secret={a['secret']}" for a in DEMO_APPS
    )
    users = ", ".join(u["username"] for u in DEMO_USERS if u["username"] != "closed_account")
    return (
        f"ipernity sandbox running\n"
        f"  site:         {sb.url}/\n"  # type: ignore[attr-defined]
        f"  API:          {sb.api_url}\n"  # type: ignore[attr-defined]
        f"  coverage:     {sb.url}/coverage\n"  # type: ignore[attr-defined]
        f"  admin token:  {sb.admin_token}   (Authorization: Bearer … for /_sandbox/*)\n"  # type: ignore[attr-defined]
        f"  demo apps:\n{apps}\n"
        f"  demo users:   {users} (password: {DEMO_PASSWORD!r}); closed account: closed_account\n"
        f"{_switches(sb)}"
        "Press Ctrl-C to stop."
    )


def _switches(sb: object) -> str:
    """A banner line for the fault/quota switches when any is on (change them: POST /_sandbox/config)."""
    app = getattr(sb, "_app", None)
    if app is None or not (app.faults.active or app.faults.quota):
        return ""
    snap = app.faults.snapshot()
    return f"  faults:       {snap['faults']}\n  quota:        {snap['quota']}  maintenance={snap['maintenance']}\n"


def _faults(args: argparse.Namespace) -> dict:
    import json

    from .faults import parse_faults

    f = json.loads(args.faults) if args.faults else {}
    if not isinstance(f, dict):
        raise ValueError("--faults must be a JSON object")
    for key, value in (("rate", args.fault_rate), ("seed", args.fault_seed), ("drop", args.drop)):
        if value is not None:
            f[key] = value
    if args.latency is not None:
        f["latency"] = args.latency[0] if len(args.latency) == 1 else tuple(args.latency[:2])
    parse_faults(f)
    return f


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.coverage:
        from .coverage import coverage_text

        print(coverage_text())
        return 0
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")

    try:
        faults = _faults(args)
    except ValueError as exc:
        print(f"bad fault options: {exc}", file=sys.stderr)
        return 2
    quota = {k: v for k, v in (("app_per_minute", args.app_per_minute), ("ip_per_second", args.ip_per_second)) if v}
    limits = {
        k: v
        for k, v in (
            ("max_connections", args.max_connections),
            ("max_request_bytes", args.max_request_bytes),
            ("header_timeout", args.header_timeout),
            ("idle_timeout", args.idle_timeout),
        )
        if v is not None
    }
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)  # a service manager or `kill`: stop as cleanly as Ctrl-C
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A background job of a non-interactive shell (`... &` in a script or CI step) starts with
        # SIGINT ignored, and Python then leaves it so: the sandbox would outlive the Ctrl-C or
        # SIGINT its banner and its callers count on to stop it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sb = _sandbox(args, faults, quota, limits)
    except ValueError as exc:
        print(f"bad options: {exc}", file=sys.stderr)
        return 2
    try:
        sb.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}. Try another --port.", file=sys.stderr)
        return 2
    except IpernityError as exc:
        print(f"cannot load --from-backup: {exc}", file=sys.stderr)
        return 2
    try:
        extra = classroom.setup_class(sb, args)
        print(_banner(sb) + (f"\n{extra}" if extra else ""), flush=True)
    except IpernityError as exc:
        print(f"cannot set up the class: {exc}", file=sys.stderr)
        sb.stop()
        return 2
    if args.port_file:  # written last and atomically: its presence means "ready"
        with open(args.port_file + ".tmp", "w") as fh:
            fh.write(str(sb.port))
        os.replace(args.port_file + ".tmp", args.port_file)
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()  # also deletes a throwaway database
    return 0


def _sandbox(args: argparse.Namespace, faults: dict, quota: dict, limits: dict) -> Any:
    from .server import Sandbox

    return Sandbox(
        host=args.host,
        port=args.port,
        db=args.db,
        seed=args.seed,
        admin_token=args.admin_token,
        scale=args.scale,
        frob_ttl=args.frob_ttl,
        faults=faults,
        quota=quota,
        maintenance=args.maintenance,
        upload_delay=args.upload_delay,
        from_backup=args.from_backup,
        **limits,
    )


if __name__ == "__main__":
    sys.exit(main())
