"""`python kiosk.py`: serve the app with waitress, with its logs and its upkeep."""
from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
from pathlib import Path

from flask import Flask

import store
from cli.common import database_path, folder_of, kiosk_app, prepare
from ikm import release
from results import alerts
from store.instance import InstanceError
from web.network import lan_addresses

log = logging.getLogger("kiosk")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the app with waitress and say where tablets and staff should go."""
    from host import logs, upkeep

    folder = folder_of(args)
    store.instance.check_writable(folder, database_path(folder))
    # Held until the server stops: a restore, or a second server, cannot start meanwhile.
    with store.instance.locked(folder, "serve", host=args.host, port=args.port,
                               version=release.VERSION):
        logs.setup(folder, secrets=[store.instance.secret_key(folder)], console=True)
        log.info("server %s starting on %s:%s, data in %s", release.VERSION, args.host,
                 args.port, folder)
        prepare(folder)
        app = kiosk_app({"BEHIND_PROXY": True} if args.behind_proxy else None,
                         instance_path=folder)
        logs.setup(folder, secrets=[app.secret_key])  # settings.py may set its own
        keeper = upkeep.Upkeep(Path(app.config["DATABASE"]), folder, alerts=alerts.check)
        app.extensions["upkeep"] = keeper
        _greet(app, args)
        if app.config["UPKEEP"]:
            keeper.start()
        else:
            log.warning("UPKEEP = False in settings.py: no automatic backups, no clock check, "
                        "no e-mail of alerts")
        try:
            _serve(app, args)
        finally:
            keeper.stop()
            log.info("server stopped")
    return 0


def _greet(app: Flask, args: argparse.Namespace) -> None:
    """Say where tablets and staff go, and how to make the first administrator."""
    from store.schema import open_db

    print(f"SKM kiosk server, data in {app.instance_path}", flush=True)
    for address in lan_addresses():
        print(f"  kiosk (tablet):  http://{address}:{args.port}/kiosk/", flush=True)
    print(f"  staff, this PC:  http://localhost:{args.port}/staff/", flush=True)
    db = open_db(app.config["DATABASE"])
    if not store.accounts.has_admin(db):
        token = store.accounts.new_setup_token(db)
        # Printed, never logged: the link makes an administrator.
        print("\nNo administrator yet. Open this link once to create the first one:\n"
              f"  http://localhost:{args.port}/setup/{token}\n"
              "(or run: python kiosk.py create-user NAME --role admin)", flush=True)
    db.close()


def _serve(app: Flask, args: argparse.Namespace) -> None:
    from waitress import serve

    # A service manager stops the server with SIGTERM: shut down as on Ctrl+C, so the
    # lock's note (server.json) goes with it and the exit status says all went well.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # Waitress drops X-Forwarded-* itself unless told otherwise; behind the proxy
        # they are kept for the app's ProxyFix, which believes exactly one hop.
        serve(app, host=args.host, port=args.port, threads=8,
              clear_untrusted_proxy_headers=not app.config.get("BEHIND_PROXY"))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise InstanceError(f"port {args.port} is already in use by another program; "
                            f"stop that program, or choose another port with --port"
                            ) from None
