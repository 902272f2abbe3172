"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..forms import ActionForm
from ..i18n import LOCALE_SESSION_KEY
from ..services import accounts
from .forms import LoginForm

bp = Blueprint("auth", __name__)


def _attempted_account() -> str:
    """Throttle key for the account being tried, whether or not it exists."""
    return "login-account:" + request.form.get("email", "").strip().lower()[:254]


def _failed(response) -> bool:
    # Only failed sign-ins count: a successful one redirects.
    return response.status_code != 302


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative '//' or backslashes."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=_attempted_account, methods=["POST"], deduct_when=_failed)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session at sign-in: nothing from before (but the language) carries over.
            language = session.get(LOCALE_SESSION_KEY)
            session.clear()
            if language:
                session[LOCALE_SESSION_KEY] = language
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next_url(form.next.data) or url_for("main.home"))
        # The same words whether the address is unknown, the password wrong or the account off.
        flash(_("That e-mail and password do not match an active account."), "danger")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("Your session form expired; please try again."), "warning")
        return redirect(url_for("main.home"))
    language = session.get(LOCALE_SESSION_KEY)
    logout_user()
    session.clear()
    if language:
        session[LOCALE_SESSION_KEY] = language
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
