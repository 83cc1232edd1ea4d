"""The SKM kiosk server: create_app() and the command line (python kiosk.py)."""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

import store
from cli.channels import cmd_import_paper, cmd_paper_forms, cmd_slips
from cli.data import cmd_backup, cmd_rebuild_totals, cmd_restore, cmd_status
from cli.people import cmd_add_kiosk, cmd_create_user
from cli.serve import cmd_serve
from host import autostart
from store.instance import InstanceError

DEFAULT_PORT = 5000
csrf = CSRFProtect()


def create_app(test_config: dict | None = None, instance_path: str | os.PathLike | None = None
               ) -> Flask:
    """Build the Flask app; tests pass a config dict and a temporary instance folder."""
    app = Flask(__name__, instance_path=instance_path and os.path.abspath(instance_path),
                instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "skm.db"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,  # a kiosk's outbox of 500 responses fits
        DB_TIMEOUT=10,  # seconds a write waits for the database before answering 503
        # The server's own backups and clock check (host.upkeep); a benchmark rig's
        # settings.py turns them off so that a backup never runs under its measurements.
        UPKEEP=True,
    )
    app.config.from_pyfile("settings.py", silent=True)
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = store.instance.secret_key(Path(app.instance_path))

    from web import (
        actions,
        admin,
        alerts,
        api,
        api_actions,  # noqa: F401 (adds GET /api/actions to api.bp)
        auth,
        comments,
        database,
        errors,
        exports,
        health,
        i18n,
        kiosk_pages,
        kiosk_turns,
        paper,
        phone,
        poster,
        public,
        report,
        security,
        slips,
        staff,
        templating,
    )

    database.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    # Kiosks authenticate with a bearer token, not a session cookie: CSRF cannot apply.
    csrf.exempt(api.bp)
    # A citizen's phone holds a slip's code (or the poster's cookie) instead: the same.
    csrf.exempt(phone.bp)
    csrf.exempt(poster.bp)
    auth.init_app(app)
    for blueprint in (api.bp, kiosk_pages.bp, public.bp, staff.bp, report.bp, admin.bp,
                      comments.bp, exports.bp, paper.bp, phone.bp, poster.bp, slips.bp,
                      actions.bp, alerts.bp):
        app.register_blueprint(blueprint)
    templating.init_app(app)
    health.init_app(app)
    alerts.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    kiosk_turns.init_app(app)
    return app


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--instance", default=argparse.SUPPRESS,
                        help="folder for the database, secret key and settings (./instance)")
    p = argparse.ArgumentParser(prog="python kiosk.py", parents=[common],
                                description="The SKM kiosk server and its admin commands.")
    p.add_argument("--host", default="0.0.0.0", help="interface to listen on (all)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (5000)")
    p.add_argument("--behind-proxy", action="store_true",
                   help="trust one HTTPS reverse proxy's X-Forwarded-* headers (listen on "
                        "127.0.0.1 then, so that every request comes through it)")
    p.set_defaults(func=cmd_serve)
    sub = p.add_subparsers(title="commands", metavar="COMMAND")
    add = sub.add_parser("add-kiosk", parents=[common], help="register a kiosk tablet")
    add.add_argument("name", help="e.g. 'Loket 1'")
    add.add_argument("--url", help="the server address tablets use (default: this PC's)")
    add.set_defaults(func=cmd_add_kiosk)
    user = sub.add_parser("create-user", parents=[common], help="create a staff account")
    user.add_argument("username")
    user.add_argument("--role", choices=("admin", "staff", "viewer"), required=True)
    user.set_defaults(func=cmd_create_user)
    save = sub.add_parser("backup", parents=[common],
                          help="copy the database consistently (also while serving)")
    save.add_argument("dest", help="a new file, or a folder for a dated file")
    save.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", parents=[common],
                          help="put a backup in place of the database (stop the server first)")
    back.add_argument("source", help="a backup file written by the backup command")
    back.set_defaults(func=cmd_restore)
    state = sub.add_parser("status", parents=[common],
                           help="how the server is doing: running, backups, disk, kiosks")
    state.set_defaults(func=cmd_status)
    totals = sub.add_parser("rebuild-totals", parents=[common],
                            help="recompute the daily totals from the responses, say what "
                                 "differed (exit 1 if anything did)")
    totals.set_defaults(func=cmd_rebuild_totals)
    slip = sub.add_parser("slips", parents=[common],
                          help="one-time survey slips for citizens' phones (links, a PDF)")
    slip.add_argument("count", type=int, metavar="N", help="how many (1-500)")
    slip.add_argument("--service", metavar="CODE", help="the service the slips are for")
    slip.add_argument("--days", type=int, help="valid for this many days (the setting, 14)")
    slip.add_argument("--url", help="the survey address (the setting, else this PC's)")
    slip.add_argument("--pdf", metavar="FILE", help="also write the A4 sheets to cut as a PDF")
    slip.set_defaults(func=cmd_slips)
    forms = sub.add_parser("paper-forms", parents=[common],
                           help="number N paper questionnaires and write them to print (HTML)")
    forms.add_argument("count", type=int, metavar="N", help="how many (1-500)")
    forms.add_argument("--out", metavar="FILE", help="the file (formulir-FIRST-LAST.html)")
    forms.set_defaults(func=cmd_paper_forms)
    typed = sub.add_parser("import-paper", parents=[common],
                           help="store a spreadsheet of paper forms (.xlsx, .csv), all or nothing")
    typed.add_argument("file", metavar="FILE")
    typed.add_argument("--service", metavar="CODE", help="the service of rows that give none")
    typed.add_argument("--date", metavar="YYYY-MM-DD", help="the date of rows that give none")
    typed.add_argument("--dry-run", action="store_true",
                       help="check the file and show what it would store; store nothing")
    typed.set_defaults(func=cmd_import_paper)
    autostart.add_parser(sub, common, DEFAULT_PORT)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = parser().parse_args(argv)
    args.instance = getattr(args, "instance", "instance")
    args.url = getattr(args, "url", None)
    try:
        return args.func(args)
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except (OSError, sqlite3.Error) as exc:
        # Not foreseen, but still a fault of the disk or the database, not of the program:
        # one line a person can pass on, rather than a traceback.
        print(f"error: {exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
