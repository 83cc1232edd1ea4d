"""Staff sign-in: Flask-Login sessions, roles, the one-time setup link, password changes.

A session ends on the server, not only in the browser: it carries the account's session
version (raised by logout, a new password, a new role or deactivation) and the time it
was last used (too long idle and it ends).
"""
from __future__ import annotations

import math
import re
import sqlite3
import time
from datetime import timedelta
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)

import store
from store.schema import unavailable, write_transaction
from web.database import get_db
from web.forms import ChangePasswordForm, LoginForm, SetupForm
from web.helpers import office_settings

bp = Blueprint("auth", __name__)
# What store.accounts' refusals mean, in the page's language.
ACCOUNT_ERRORS = {
    "short_password": _l("Kata sandi minimal %(n)s karakter.", n=store.accounts.MIN_PASSWORD),
    "bad_username": _l("Nama pengguna: 3-32 huruf kecil, angka, titik, garis bawah atau "
                       "tanda minus."),
    "bad_role": _l("Peran tidak dikenal."),
    "taken": _l("Nama pengguna ini sudah dipakai."),
    "wrong_password": _l("Kata sandi sekarang salah."),
    "used_link": _l("Tautan ini sudah dipakai atau diganti."),
}


def account_error(exc: store.accounts.AccountError) -> str:
    """Return an account refusal as a message for the page."""
    return str(ACCOUNT_ERRORS.get(exc.reason, exc))


FILES = ("static", "public.plotly_js")  # endpoints that serve files, not pages
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


class User(UserMixin):
    """The signed-in staff member."""

    def __init__(self, row: dict):
        self.id = row["id"]
        self.username = row["username"]
        self.role = row["role"]
        self.version = row["session_version"]

    def can(self, role: str) -> bool:
        return store.accounts.at_least(self.role, role)

    def get_id(self) -> str:
        # Flask-Login's alternative id: a session signed in before the version was raised
        # no longer matches the account, wherever its cookie was copied to.
        return f"{self.id}.{self.version}"


@login_manager.user_loader
def _load(session_id: str) -> User | None:
    user_id, _dot, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit() and len(user_id) < 19):
        return None
    row = store.accounts.get_by_id(get_db(), int(user_id))
    if row and row["active"] and str(row["session_version"]) == version:
        return User(row)
    return None


def actor() -> store.audit.Actor:
    """Return who is making this request's change: the signed-in user, from their address."""
    name = current_user.username if current_user.is_authenticated else None
    return store.audit.Actor(name, request.remote_addr)


def _idle_limit() -> timedelta:
    return timedelta(hours=office_settings()["session_idle_hours"])


def _end_idle_session() -> None:
    """End a staff session left unused longer than the office allows; note this use."""
    # A page's style sheets and scripts neither show data nor count as use: skipping them
    # spares each a settings read and a rewritten cookie.
    if "_user_id" not in session or request.endpoint in FILES:
        return
    now = time.time()
    last = session.get("used")
    if isinstance(last, (int, float)) and now - last > _idle_limit().total_seconds():
        logout_user()
        session.clear()
        flash(_("Sesi Anda berakhir karena lama tidak dipakai. Silakan masuk lagi."), "info")
        return
    # Rewritten at most once a minute: every response would otherwise set a new cookie.
    if not isinstance(last, (int, float)) or now - last > 60:
        session["used"] = now


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


def _wait_words(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    if seconds < 90:
        return ngettext("%(num)s detik", "%(num)s detik", seconds)
    return ngettext("%(num)s menit", "%(num)s menit", math.ceil(seconds / 60))


def _sign_in(row: dict) -> None:
    session.clear()  # a fresh session at sign-in: no fixation
    login_user(User(row))
    session["used"] = time.time()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        outcome = store.signin.authenticate(get_db(), form.username.data, form.password.data,
                                            request.remote_addr)
        if outcome.wait:
            flash(_("Terlalu banyak percobaan gagal dari komputer ini. Coba lagi dalam "
                    "%(wait)s. Jika lupa kata sandi, minta admin kantor menggantinya.",
                    wait=_wait_words(outcome.wait)), "error")
            retry = str(math.ceil(outcome.wait.total_seconds()))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": retry}
        if outcome.user is None:
            flash(_("Nama pengguna atau kata sandi salah."), "error")
            return render_template("auth/login.html", form=form), 200
        _sign_in(outcome.user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere (a POST with a CSRF token, so another site cannot sign you out)."""
    who = actor()
    try:
        with write_transaction(get_db()) as db:
            # A copy of this session's cookie must not stay signed in either.
            store.accounts.end_sessions(db, current_user.id)
            store.audit.record(db, "logout", who)
    except sqlite3.OperationalError as exc:  # this browser is signed out all the same
        if not unavailable(exc):
            raise
        current_app.logger.warning("logout of %s not recorded: %s", who.username, exc)
    logout_user()
    session.clear()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str):
    """Create the first administrator from the one-time link printed at first start."""
    db = get_db()
    if not store.accounts.setup_token_valid(db, token):
        return render_template("auth/setup_used.html"), 404
    form = SetupForm()
    if form.validate_on_submit():
        try:
            row = store.accounts.use_setup_token(db, token, form.username.data, form.password.data,
                                                 request.remote_addr)
        except store.accounts.AccountError as exc:
            form.username.errors.append(account_error(exc))
        else:
            _sign_in(row)
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
            row = store.accounts.change_password(get_db(), current_user.id, form.current.data,
                                                 form.new.data, actor=actor())
        except store.accounts.AccountError as exc:
            form.current.errors.append(account_error(exc))
        else:
            _sign_in(row)  # this session goes on; every other one has ended
            flash(_("Kata sandi diganti. Sesi di komputer lain sudah berakhir."), "info")
            return redirect(url_for("staff.ikm"))
    return render_template("auth/password.html", form=form)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_end_idle_session)
    app.register_blueprint(bp)
