"""The SKM kiosk server: create_app() and the command line (python kiosk.py)."""
from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

from flask import Config, Flask
from flask_wtf.csrf import CSRFProtect
from sqlite_utils import Database

import store
from host import autostart
from ikm import release
from store.instance import InstanceError
from web.network import lan_addresses

DEFAULT_PORT = 5000
log = logging.getLogger("kiosk")
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
        admin,
        api,
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
                      comments.bp, exports.bp, paper.bp, phone.bp, poster.bp, slips.bp):
        app.register_blueprint(blueprint)
    templating.init_app(app)
    health.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    kiosk_turns.init_app(app)
    return app


def _base_url(args: argparse.Namespace) -> str:
    return args.url or f"http://{lan_addresses()[0]}:{args.port}"


def _folder(args: argparse.Namespace) -> Path:
    return Path(os.path.abspath(args.instance))


def _database_path(folder: Path) -> Path:
    """Return the database create_app will use: skm.db, unless settings.py names another."""
    config = Config(str(folder), {"DATABASE": os.path.join(folder, "skm.db")})
    try:
        config.from_pyfile("settings.py", silent=True)
    except Exception as exc:  # noqa: BLE001 - settings.py is the office's own Python
        raise InstanceError(f"the settings file {folder / 'settings.py'} has an error ({exc}); "
                            f"correct it or remove it") from None
    return Path(config["DATABASE"])


def _open(args: argparse.Namespace) -> tuple[Flask, Database]:
    """Check the instance folder and its database, then build the app and open the database."""
    from store.schema import open_db

    folder = _folder(args)
    _prepare(folder)
    app = create_app(instance_path=folder)
    return app, open_db(app.config["DATABASE"])


def _prepare(folder: Path) -> Path:
    """Check the folder and its database; back it up if this version will migrate it."""
    database = _database_path(folder)
    store.instance.check_writable(folder, database)
    store.instance.check_database(database, folder)
    try:
        store.backups.before_upgrade(database, folder, release.VERSION)
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise InstanceError(f"the database {database} needs updating, and the backup made "
                            f"before that failed ({exc}); nothing was changed. Free some space "
                            f"in {store.backups.folder(folder)}, then try again") from None
    return database


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the app with waitress and say where tablets and staff should go."""
    from host import logs, upkeep

    folder = _folder(args)
    store.instance.check_writable(folder, _database_path(folder))
    # Held until the server stops: a restore, or a second server, cannot start meanwhile.
    with store.instance.locked(folder, "serve", host=args.host, port=args.port,
                               version=release.VERSION):
        logs.setup(folder, secrets=[store.instance.secret_key(folder)], console=True)
        log.info("server %s starting on %s:%s, data in %s", release.VERSION, args.host,
                 args.port, folder)
        _prepare(folder)
        app = create_app({"BEHIND_PROXY": True} if args.behind_proxy else None,
                         instance_path=folder)
        logs.setup(folder, secrets=[app.secret_key])  # settings.py may set its own
        keeper = upkeep.Upkeep(Path(app.config["DATABASE"]), folder)
        app.extensions["upkeep"] = keeper
        _greet(app, args)
        if app.config["UPKEEP"]:
            keeper.start()
        else:
            log.warning("UPKEEP = False in settings.py: no automatic backups, no clock check")
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


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    """Register a kiosk and print its pairing link and token."""

    _, db = _open(args)
    try:
        # Audited in the same transaction as the kiosk it adds.
        kiosk_id, token = store.kiosks.add_kiosk(db, args.name, actor=store.audit.COMMAND_LINE)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"Kiosk {args.name!r} added (id {kiosk_id}).")
    link = store.kiosks.pairing_link(_base_url(args), token)
    print(f"Open this link on the tablet to pair it:\n  {link}")
    print(f"Token (for scripts, Authorization: Bearer ...):\n  {token}")
    print("Keep both private: anyone holding them can send survey responses.")
    return 0


def _password(username: str) -> str | None:
    """Read the new password from the prompt (twice) or standard input; None if they differ."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(f"Password for {username}: ")
    return password if getpass.getpass("Again: ") == password else None


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a staff account; the password comes from the prompt or standard input."""

    _, db = _open(args)  # a broken folder is said before anyone types a password
    try:
        password = _password(args.username)
        if password is None:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
        # Audited in the same transaction as the account it creates.
        user = store.accounts.create_user(db, args.username, password, args.role,
                                          actor=store.audit.COMMAND_LINE)
    except store.accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"User {user['username']!r} created with role {user['role']}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database, also while the server runs."""
    from store.schema import write_transaction

    app, db = _open(args)
    try:
        written = store.backup.backup(Path(app.config["DATABASE"]), Path(args.dest))
        with write_transaction(db):
            store.audit.record(db, "backup", store.audit.COMMAND_LINE,
                               f"backup written to {os.path.abspath(written)}")
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"Backup written: {written}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the database; refused while a server runs on the folder."""

    folder = _folder(args)
    database = _database_path(folder)
    source = Path(os.path.abspath(args.source))
    store.instance.check_writable(folder, database)
    # Held for the whole restore: no server can start on a half-restored database.
    with store.instance.locked(folder, "restore"):
        try:
            kept = store.backup.restore(source, database)
        except (OSError, ValueError, sqlite3.Error) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        _audit_restore(database, source, kept)
        only_before = store.backup.only_in(kept, database) if kept else 0
    print(f"Restored {source}.")
    if kept:
        print(f"The previous database was kept as {kept}.")
        print(_previous_responses(only_before))
    print("Start the server again.")
    return 0


def _audit_restore(database: Path, source: Path, kept: Path | None) -> None:
    """Note the restore in the restored database, migrated first (an old backup's audit
    table lacks the columns an entry needs)."""
    from store.schema import open_db, write_transaction

    db = open_db(database)
    try:
        with write_transaction(db):
            store.audit.record(db, "restore", store.audit.COMMAND_LINE,
                               f"restored from {source}; the previous database was kept as {kept}"
                               if kept else f"restored from {source}; there was no database before")
    finally:
        db.close()


def _previous_responses(count: int | None) -> str:
    if count is None:
        return "It could not be read, so it was kept as it was, for a specialist to look at."
    if count == 0:
        return "Every response it held is also in the backup."
    return (f"It holds {count} response{'s' if count != 1 else ''} that the backup does not "
            f"have; {'they are' if count != 1 else 'it is'} only in that kept file.")


def cmd_status(args: argparse.Namespace) -> int:
    """Say how the server is doing (whether or not it runs); 1 when something needs a person."""
    from host import status

    folder = _folder(args)
    code, lines = status.report(folder, _database_path(folder), autostart.state)
    print("\n".join(lines))
    return code


def cmd_slips(args: argparse.Namespace) -> int:
    """Make one-time survey slips: print each one's link, and write their sheets as a PDF."""
    from results import slip_sheet

    _, db = _open(args)
    try:
        made, settings = slip_sheet.make(db, args.count, args.service, args.days, args.url,
                                         _base_url(args), actor=store.audit.COMMAND_LINE)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print("\n".join(slip.link for slip in made), flush=True)  # one link a line, for scripts
    if args.pdf:
        # The slips are made: a PDF that cannot be written is said, and the links stay above.
        Path(args.pdf).write_bytes(slip_sheet.to_pdf(made, settings["office_name"]))
        print(f"PDF written: {os.path.abspath(args.pdf)}", file=sys.stderr)
    return 0


def cmd_paper_forms(args: argparse.Namespace) -> int:
    """Reserve the next N serials and write their printable forms as one HTML file."""
    from web.paper import forms_file

    serial = store.paper.serial_text
    app, db = _open(args)
    try:
        first, last = store.paper.new_batch(db, args.count, actor=store.audit.COMMAND_LINE)
        with app.test_request_context():
            page = forms_file(db, store.settings.read(db), first, last)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    out = Path(args.out or f"formulir-{serial(first)}-{serial(last)}.html")
    out.write_text(page, encoding="utf-8")
    print(f"Forms {serial(first)} to {serial(last)} ({last - first + 1}) reserved, "
          f"written to {os.path.abspath(out)}: open it in a browser and print it on A4.")
    return 0


def cmd_import_paper(args: argparse.Namespace) -> int:
    """Store a spreadsheet of paper forms, all or nothing; serials already stored are skipped."""
    from ikm.periods import BadDate, parse_date
    from ikm.sheet import InputError
    from results import paper_import

    _, db = _open(args)
    try:
        day = parse_date("--date", args.date) if args.date else None
        done = paper_import.run(db, args.file, store.settings.read(db),
                                actor=store.audit.COMMAND_LINE, dry_run=args.dry_run,
                                source=f"import-paper {os.path.basename(args.file)}",
                                service=args.service, day=day)
    except (InputError, BadDate) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    for warning in done.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(paper_import.describe(done, args.dry_run))
    return 0


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
