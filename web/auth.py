"""Staff sign-in: Flask-Login sessions, roles, the one-time setup link, password changes."""
from __future__ import annotations

import re
import sqlite3
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)

from ikm import users
from web.database import get_db
from web.forms import ChangePasswordForm, LoginForm, SetupForm

bp = Blueprint("auth", __name__)
# What ikm.users' refusals mean, in the page's language.
ACCOUNT_ERRORS = {
    "short_password": _l("Kata sandi minimal %(n)s karakter.", n=users.MIN_PASSWORD),
    "bad_username": _l("Nama pengguna: 3-32 huruf kecil, angka, titik, garis bawah atau "
                       "tanda minus."),
    "bad_role": _l("Peran tidak dikenal."),
    "taken": _l("Nama pengguna ini sudah dipakai."),
    "wrong_password": _l("Kata sandi sekarang salah."),
    "used_link": _l("Tautan ini sudah dipakai atau diganti."),
}


def account_error(exc: users.AccountError) -> str:
    """Return an account refusal as a message for the page."""
    return str(ACCOUNT_ERRORS.get(exc.reason, exc))


login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


class User(UserMixin):
    """The signed-in staff member."""

    def __init__(self, row: dict):
        self.id = row["id"]
        self.username = row["username"]
        self.role = row["role"]

    def can(self, role: str) -> bool:
        return users.at_least(self.role, role)


@login_manager.user_loader
def _load(user_id: str) -> User | None:
    row = get_db()["users"].get(int(user_id)) if user_id.isdigit() else None
    return User(row) if row and row["active"] else None


def requires(role: str) -> Callable:
    """Let only users of at least `role` in; others to the login page, or 403."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the IKM page.

    Browsers drop tabs and newlines and read a backslash as a slash, so '/\t/evil'
    would leave the site: such characters are refused outright.
    """
    if (target and target.startswith("/") and not re.search(r"[\x00-\x1f\x7f\\]", target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not target.startswith("//"):
            return target
    return url_for("staff.ikm")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            row = users.authenticate(get_db(), form.username.data, form.password.data)
        except users.Locked as exc:
            flash(_("Terlalu banyak percobaan gagal. Coba lagi dalam %(minutes)s menit.",
                    minutes=exc.minutes), "error")
            return render_template("auth/login.html", form=form), 429
        if row is None:
            flash(_("Nama pengguna atau kata sandi salah."), "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh session at sign-in: no fixation
        login_user(User(row))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out (a POST with a CSRF token, so a link on another site cannot sign you out)."""
    logout_user()
    session.clear()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str):
    """Create the first administrator from the one-time link printed at first start."""
    db = get_db()
    if not users.setup_token_valid(db, token):
        return render_template("auth/setup_used.html"), 404
    form = SetupForm()
    if form.validate_on_submit():
        try:
            row = users.use_setup_token(db, token, form.username.data, form.password.data)
        except users.AccountError as exc:
            form.username.errors.append(account_error(exc))
        else:
            session.clear()
            login_user(User(row))
            flash(_("Akun admin dibuat. Selamat datang!"), "info")
            return redirect(url_for("staff.ikm"))
    return render_template("auth/setup.html", form=form)


@bp.route("/staff/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(get_db(), current_user.id, form.current.data, form.new.data)
        except users.AccountError as exc:
            form.current.errors.append(account_error(exc))
        else:
            flash(_("Kata sandi diganti."), "info")
            return redirect(url_for("staff.ikm"))
    return render_template("auth/password.html", form=form)


def init_errors(app: Flask) -> None:
    """Explain refusals in words on pages (JSON on the API), never a bare error page."""
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(sqlite3.OperationalError)
    def _storage_unavailable(exc: sqlite3.OperationalError):
        # Disk full, read-only or locked too long: nothing was stored. Kiosks keep the
        # response in their outbox and send it again; 503 tells them to.
        app.logger.error("database unavailable: %s (%s %s)", exc, request.method, request.path)
        if request.path.startswith("/api/"):
            return ({"error": "the server cannot store data right now; try again later",
                     "field": "server"}, 503, {"Retry-After": "30"})
        return render_template("error.html", code=503), 503, {"Retry-After": "30"}

    @app.errorhandler(403)
    @app.errorhandler(404)
    def _page_error(exc):
        if request.path.startswith("/api/"):
            return {"error": exc.description, "field": "request"}, exc.code
        return render_template("error.html", code=exc.code), exc.code

    @app.errorhandler(CSRFError)
    def _refused(exc: CSRFError):
        if request.path.startswith("/api/"):
            return {"error": exc.description, "field": "csrf_token"}, 400
        flash(_("Formulir ini terlalu lama terbuka atau tidak lengkap, jadi belum disimpan. "
                "Silakan isi dan kirim sekali lagi."), "error")
        return render_template("error.html", code=400), 400


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)
