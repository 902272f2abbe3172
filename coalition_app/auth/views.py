"""Sign-in and sign-out pages."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..forms import ActionForm
from ..i18n import LOCALE_SESSION_KEY
from ..mail import send_mail
from ..services import accounts
from ..services.errors import DomainError
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ResetPasswordForm

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
            _keep_language(language)
            login_user(user, remember=form.remember.data)
            mark_signed_in()
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
    # Ending the session server-side: a copy of this cookie replayed later is refused.
    accounts.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    _keep_language(language)
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def mark_signed_in() -> None:
    """Start the idle and absolute clocks of a new session."""
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now
    session.permanent = True


def _keep_language(language: str | None) -> None:
    if language:
        session[LOCALE_SESSION_KEY] = language


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(
                user, form.current_password.data, form.password.data, form.confirm.data
            )
        except DomainError as error:
            target = getattr(form, error.field or "password", form.password)
            target.errors = [*target.errors, str(error.message)]
        else:
            # Other sessions ended with the old version; this one carries on with the new.
            login_user(user)
            mark_signed_in()
            flash(_("Password changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("main.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.user_by_email(form.email.data)
        if user is not None and user.is_active:
            link = url_for("auth.reset_password", token=accounts.reset_token(user), _external=True)
            with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
                body = _(
                    "Someone asked to reset the password of your Coalition account. "
                    "If it was you, open this link within an hour (it works once):"
                    "\n\n%(link)s\n\nIf it was not you, ignore this message.",
                    link=link,
                )
                subject = _("[Coalition] Reset your password")
            if not send_mail(user.email, subject, body) and current_app.debug:
                current_app.logger.info("Password reset link (mail is off): %s", link)
        # The same answer whether or not the address has an account.
        flash(
            _("If that address has an account, a link to reset its password is on its way."), "info"
        )
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        abort(410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data, form.confirm.data)
        except DomainError as error:
            target = getattr(form, error.field or "password", form.password)
            target.errors = [*target.errors, str(error.message)]
        else:
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form), status


@bp.post("/people/<int:user_id>/end-sessions")
def end_sessions(user_id: int):
    """A coordinator ends every session of a person (a lost laptop, a departure)."""
    from ..policy import authorize

    authorize(current_user, "manage_coalition")
    if not ActionForm().validate_on_submit():
        abort(400)
    person = accounts.user_by_id(user_id)
    if person is None:
        abort(404)
    accounts.end_all_sessions(person, by=current_user._get_current_object(), reason="ended")
    flash(_("All sessions of %(name)s have ended.", name=person.full_name), "success")
    return redirect(safe_next_url(request.form.get("next")) or url_for("main.home"))
