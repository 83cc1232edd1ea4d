"""What every command shares: the instance folder, its database, the app."""
from __future__ import annotations

import argparse
import os
import sqlite3
from pathlib import Path

from flask import Config, Flask
from sqlite_utils import Database

import store
from ikm import release
from store.instance import InstanceError
from web.network import lan_addresses


def kiosk_app(*args, **kwargs) -> Flask:
    """Return kiosk.create_app(...), imported late: kiosk.py imports the commands."""
    from kiosk import create_app

    return create_app(*args, **kwargs)


def base_url(args: argparse.Namespace) -> str:
    """Return the address tablets and phones use: --url, else this PC's on the network."""
    return args.url or f"http://{lan_addresses()[0]}:{args.port}"


def folder_of(args: argparse.Namespace) -> Path:
    """Return the instance folder a command works on, as an absolute path."""
    return Path(os.path.abspath(args.instance))


def database_path(folder: Path) -> Path:
    """Return the database create_app will use: skm.db, unless settings.py names another."""
    config = Config(str(folder), {"DATABASE": os.path.join(folder, "skm.db")})
    try:
        config.from_pyfile("settings.py", silent=True)
    except Exception as exc:  # noqa: BLE001 - settings.py is the office's own Python
        raise InstanceError(f"the settings file {folder / 'settings.py'} has an error ({exc}); "
                            f"correct it or remove it") from None
    return Path(config["DATABASE"])


def open_instance(args: argparse.Namespace) -> tuple[Flask, Database]:
    """Check the instance folder and its database, then build the app and open the database."""
    from store.schema import open_db

    folder = folder_of(args)
    prepare(folder)
    app = kiosk_app(instance_path=folder)
    return app, open_db(app.config["DATABASE"])


def prepare(folder: Path) -> Path:
    """Check the folder and its database; back it up if this version will migrate it."""
    database = database_path(folder)
    store.instance.check_writable(folder, database)
    store.instance.check_database(database, folder)
    try:
        store.backups.before_upgrade(database, folder, release.VERSION)
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise InstanceError(f"the database {database} needs updating, and the backup made "
                            f"before that failed ({exc}); nothing was changed. Free some space "
                            f"in {store.backups.folder(folder)}, then try again") from None
    return database
