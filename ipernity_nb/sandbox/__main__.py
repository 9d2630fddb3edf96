"""Command line: ``python -m ipernity_nb.sandbox --port 8765 --db class.sqlite`` (or ``ipernity-sandbox``).

Prints the URLs, the admin token and the demo credentials, then serves until Ctrl-C.
``--coverage`` prints which catalog methods are emulated and exits.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

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
    p.add_argument("--coverage", action="store_true", help="print the emulated-methods table and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
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
        "Press Ctrl-C to stop."
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.coverage:
        from .coverage import coverage_text

        print(coverage_text())
        return 0
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    from .server import Sandbox

    sb = Sandbox(
        host=args.host,
        port=args.port,
        db=args.db,
        seed=args.seed,
        admin_token=args.admin_token,
        scale=args.scale,
        frob_ttl=args.frob_ttl,
    )
    try:
        sb.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}. Try another --port.", file=sys.stderr)
        return 2
    print(_banner(sb), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping…", file=sys.stderr)
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
