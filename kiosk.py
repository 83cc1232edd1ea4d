"""The SKM kiosk server: create_app() and the command line (python kiosk.py)."""
from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from flask import Flask, render_template

from ikm.method import DEFAULT_METHOD


def _secret_key(instance: Path) -> str:
    """Return the instance's secret key, generating it on the first run."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the Flask app; tests pass a config dict and a temporary instance folder."""
    app = Flask(__name__, instance_path=instance_path and os.path.abspath(instance_path),
                instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(DATABASE=os.path.join(app.instance_path, "skm.db"))
    app.config.from_pyfile("settings.py", silent=True)
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))

    @app.get("/")
    def index():
        return render_template("index.html", method=DEFAULT_METHOD)

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve the app with waitress."""
    parser = argparse.ArgumentParser(prog="python kiosk.py", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--instance", default="instance", help="folder for the database and key")
    args = parser.parse_args(argv)
    app = create_app(instance_path=args.instance)
    from waitress import serve

    print(f"SKM kiosk: http://localhost:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
