"""A person's own account: sign-in and sign-out, passwords, two-factor sign-in, API tokens."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import bindparam, select

from models import Institution, TokenScope

from ..core.db import session as db_session
from ..core.errors import DomainError, EditConflict
from ..core.extensions import limiter
from ..core.fields import hidden_tag
from ..core.forms import ActionForm, attach_error
from ..core.i18n import LOCALE_SESSION_KEY
from ..notifications import service as notifications
from ..policy import authorize, personal, public
from . import service as accounts
from . import tokens as api_tokens
from . import two_factor
from .forms import (
    LANGUAGE_NAMES,
    ChangePasswordForm,
    DisableTwoFactorForm,
    EnableTwoFactorForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    RevokeForm,
    TokenForm,
    TwoFactorCodeForm,
    TwoFactorRequirementForm,
)
from .sign_in import end_browser_session

bp = Blueprint("account", __name__)


def _attempted_account() -> str:
    """Throttle key for the account being tried, whether or not it exists."""
    return "login-account:" + request.form.get("email", "").strip().lower()[:254]


def _failed(response) -> bool:
    # Only wrong credentials count (answered 401): not a success (302), nor a form sent
    # incomplete (400), nor the database busy (409) or away (503), which say nothing about
    # the password and would otherwise lock out a whole venue sharing one address.
    return response.status_code == 401


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _forgot_account() -> str:
    """Throttle key for reset requests: the address typed, whether or not it has an account."""
    return "forgot-account:" + request.form.get("email", "").strip().lower()[:254]


def _forgot_account_limit() -> str:
    return current_app.config["FORGOT_PASSWORD_LIMIT_PER_ACCOUNT"]


def _forgot_address_limit() -> str:
    return current_app.config["FORGOT_PASSWORD_LIMIT_PER_ADDRESS"]


def tokens_revoked_note(count: int) -> str:
    """Said after an event that revoked personal API tokens (nothing when there were none)."""
    if not count:
        return ""
    return " " + ngettext(
        "%(num)s personal API token was revoked: programs using it must get a new one.",
        "%(num)s personal API tokens were revoked: programs using them must get new ones.",
        count,
    )


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
@public
@limiter.limit(_account_limit, key_func=_attempted_account, methods=["POST"], deduct_when=_failed)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None and user.has_two_factor:
            # The password is right, but no session yet: the second step must follow.
            _start_two_factor(user, remember=form.remember.data, next_url=form.next.data)
            return redirect(url_for("account.two_factor_login"))
        if user is not None:
            return _complete_sign_in(user, form.remember.data, form.next.data)
        # The same words whether the address is unknown, the password wrong or the account off.
        flash(_("That e-mail and password do not match an active account."), "danger")
        return render_template("account/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("account/login.html", form=form), status


def _complete_sign_in(user, remember: bool, next_url: str | None):
    # A fresh session at sign-in: nothing from before (but the language) carries over.
    language = session.get(LOCALE_SESSION_KEY)
    session.clear()
    _keep_language(language)
    login_user(user)
    mark_signed_in(remember=remember)
    flash(_("Welcome, %(name)s.", name=user.full_name), "success")
    return redirect(safe_next_url(next_url) or url_for("home.index"))


@bp.post("/logout")
@personal
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("Your session form expired; please try again."), "warning")
        return redirect(url_for("home.index"))
    language = session.get(LOCALE_SESSION_KEY)
    # Ending the session server-side: a copy of this cookie replayed later is refused.
    accounts.end_all_sessions(current_user._get_current_object())
    end_browser_session()
    _keep_language(language)
    flash(_("You have signed out."), "info")
    return redirect(url_for("account.login"))


REMEMBER_KEY = "remember"


def mark_signed_in(remember: bool | None = None) -> None:
    """Start the idle and absolute clocks of a new session.

    Only when the person asked to stay signed in ("keep me signed in") is the cookie
    permanent (it outlives the browser, until the absolute timeout); otherwise it is a
    browser-session cookie, gone when the browser closes. None keeps the choice this
    session was signed in with (a password change renews the session). The timeouts are
    enforced server-side either way (sign_in.py).
    """
    if remember is None:
        remember = bool(session.get(REMEMBER_KEY))
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now
    session[REMEMBER_KEY] = bool(remember)
    session.permanent = bool(remember)


def _keep_language(language: str | None) -> None:
    if language:
        session[LOCALE_SESSION_KEY] = language


@bp.route("/account/password", methods=["GET", "POST"])
@personal
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            revoked = accounts.change_password(
                user, form.current_password.data, form.password.data, form.confirm.data
            )
        except DomainError as error:
            target = getattr(form, error.field or "password", form.password)
            target.errors = [*target.errors, str(error.message)]
        else:
            _keep_this_session(user)
            flash(
                _("Password changed. Your other sessions have been signed out.")
                + tokens_revoked_note(revoked),
                "success",
            )
            return redirect(url_for("home.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("account/change_password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_forgot_account_limit, key_func=_forgot_account, methods=["POST"])
@limiter.limit(_forgot_address_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.send_reset_link(form.email.data)
        # The same answer whether or not the address has an account.
        flash(
            _("If that address has an account, a link to reset its password is on its way."), "info"
        )
        return redirect(url_for("account.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("account/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        abort(410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            revoked = accounts.set_password(user, form.password.data, form.confirm.data)
        except DomainError as error:
            target = getattr(form, error.field or "password", form.password)
            target.errors = [*target.errors, str(error.message)]
        else:
            flash(
                _("Your password is set. Sign in with it.") + tokens_revoked_note(revoked),
                "success",
            )
            return redirect(url_for("account.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("account/reset_password.html", form=form), status


# --- two-factor sign-in -----------------------------------------------------------------------

PENDING_KEY = "two_factor_pending"
ENROL_SECRET_KEY = "two_factor_enrol_secret"


def _start_two_factor(user, remember: bool, next_url: str | None) -> None:
    """Remember, for a few minutes, whose password was right; nobody is signed in yet."""
    language = session.get(LOCALE_SESSION_KEY)
    session.clear()
    _keep_language(language)
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "until": int(time.time()) + current_app.config["TWO_FACTOR_PENDING_SECONDS"],
        "remember": bool(remember),
        "next": safe_next_url(next_url) or "",
    }


def _pending_user():
    """The person half-way through signing in, if the step has not expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None, None
    user = accounts.user_by_id(pending.get("user"))
    if (
        user is None
        or not user.is_active
        or not user.has_two_factor
        or user.session_version != pending.get("version")
    ):
        return None, None
    return user, pending


def _pending_account() -> str:
    """Throttle key for the second step: the account whose password was right."""
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    return f"login-2fa:{user_id}" if user_id else f"login-2fa-address:{request.remote_addr}"


def _two_factor_limit() -> str:
    return current_app.config["TWO_FACTOR_LIMIT"]


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(_two_factor_limit, key_func=_pending_account, methods=["POST"], deduct_when=_failed)
def two_factor_login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Your sign-in took too long or was interrupted. Please sign in again."), "info")
        return redirect(url_for("account.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        method = two_factor.verify(user, form.code.data)
        if method is not None:
            two_factor.record_sign_in(user, method)
            if method == "recovery_code":
                flash(
                    _(
                        "You used a recovery code; it will not work again. "
                        "Recovery codes left: %(num)s.",
                        num=two_factor.unused_recovery_codes(user),
                    ),
                    "warning",
                )
            return _complete_sign_in(user, pending["remember"], pending["next"])
        two_factor.record_failure(user)
        form.code.errors = [
            *form.code.errors,
            _("That code is not right, or it was already used. Try the newest code."),
        ]
        return render_template("account/two_factor_login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("account/two_factor_login.html", form=form), status


def _render_security(status: int = 200, **forms):
    user = current_user._get_current_object()
    context = {
        "enable_form": forms.get("enable_form") or EnableTwoFactorForm(formdata=None),
        "disable_form": forms.get("disable_form") or DisableTwoFactorForm(formdata=None),
        "regenerate_form": ActionForm(formdata=None),
        "requirement_form": None,
        "recovery_left": 0,
        "secret": None,
        "required": two_factor.enrolment_required(user),
    }
    if user.has_two_factor:
        context["recovery_left"] = two_factor.unused_recovery_codes(user)
    else:
        # A secret offered for enrolment; kept in the session until a code confirms it.
        secret = _enrolment_secret()
        if secret is None:
            secret = session[ENROL_SECRET_KEY] = two_factor.new_secret()
        context["secret"] = secret
        context["secret_grouped"] = two_factor.grouped(secret)
        context["uri"] = two_factor.provisioning_uri(user, secret)
    if user.is_coordinator:
        requirement = forms.get("requirement_form") or TwoFactorRequirementForm(formdata=None)
        requirement.required.data = two_factor.required_for_leads()
        context["requirement_form"] = requirement
    response = render_template("account/security.html", **context)
    return response, status, {"Cache-Control": "no-store"}


def _show_recovery_codes(codes: list[str]):
    response = render_template("account/recovery_codes.html", codes=codes)
    return response, 200, {"Cache-Control": "no-store"}


def _keep_this_session(user) -> None:
    # Other sessions ended with the old version; this one carries on with the new (and
    # with the "keep me signed in" choice it was signed in with).
    login_user(user)
    mark_signed_in()


@bp.get("/account/security")
@personal
def account_security():
    return _render_security()


def _enrolment_secret() -> str | None:
    """The secret offered for enrolment in this session (see `_render_security`)."""
    secret = session.get(ENROL_SECRET_KEY)
    return secret if isinstance(secret, str) and len(secret) == 32 else None


@bp.get("/account/security/two-factor/qr.svg")
@personal
def two_factor_qr_code():
    """The enrolment link as a QR code, for the security page's <img>: an image of this
    session's own offered secret, never stored by a browser or a proxy."""
    user = current_user._get_current_object()
    secret = _enrolment_secret()
    if user.has_two_factor or secret is None:
        abort(404)
    svg = two_factor.qr_code_svg(two_factor.provisioning_uri(user, secret))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.post("/account/security/two-factor")
@personal
def enable_two_factor():
    user = current_user._get_current_object()
    form = EnableTwoFactorForm()
    if user.has_two_factor:
        return redirect(url_for("account.account_security"))
    if not form.validate_on_submit():
        return _render_security(400, enable_form=form)
    try:
        codes, revoked = two_factor.enable(user, session.get(ENROL_SECRET_KEY), form.code.data)
    except DomainError as error:
        form.code.errors = [*form.code.errors, str(error.message)]
        return _render_security(400, enable_form=form)
    session.pop(ENROL_SECRET_KEY, None)
    _keep_this_session(user)
    flash(
        _("Two-factor sign-in is on. Your other sessions have been signed out.")
        + tokens_revoked_note(revoked),
        "success",
    )
    return _show_recovery_codes(codes)


@bp.post("/account/security/two-factor/off")
@personal
def disable_two_factor():
    user = current_user._get_current_object()
    form = DisableTwoFactorForm()
    if not user.has_two_factor:
        return redirect(url_for("account.account_security"))
    if not form.validate_on_submit():
        return _render_security(400, disable_form=form)
    try:
        two_factor.disable(user, form.password.data)
    except DomainError as error:
        form.password.errors = [*form.password.errors, str(error.message)]
        return _render_security(400, disable_form=form)
    _keep_this_session(user)
    flash(_("Two-factor sign-in is off. Your other sessions have been signed out."), "success")
    return redirect(url_for("account.account_security"))


@bp.post("/account/security/recovery-codes")
@personal
def regenerate_recovery_codes():
    user = current_user._get_current_object()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        codes = two_factor.regenerate_recovery_codes(user)
    except DomainError as error:
        flash(str(error.message), "warning")
        return redirect(url_for("account.account_security"))
    _keep_this_session(user)
    flash(_("New recovery codes made; the old ones no longer work."), "success")
    return _show_recovery_codes(codes)


@bp.post("/account/security/requirement")
def set_two_factor_requirement():
    authorize(current_user, "manage_coalition")
    form = TwoFactorRequirementForm()
    if not form.validate_on_submit():
        return _render_security(400, requirement_form=form)
    two_factor.set_required_for_leads(form.required.data, by=current_user._get_current_object())
    if form.required.data:
        flash(_("Coordinators and chairs now need two-factor sign-in."), "success")
    else:
        flash(_("Two-factor sign-in is no longer required."), "success")
    return redirect(url_for("account.account_security"))


# --- personal API tokens ------------------------------------------------------------------


def _render_tokens(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "account/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=api_tokens.tokens_of(current_user),
        new_token=new_token,
    ), status


@bp.get("/account/tokens")
@personal
def tokens():
    return _render_tokens(TokenForm())


@bp.post("/account/tokens")
@personal
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_tokens(form, status=400)
    try:
        _token, value = api_tokens.create_token(
            current_user, form.name.data, TokenScope(form.scope.data)
        )
    except DomainError as error:
        form.name.errors = [*form.name.errors, str(error.message)]
        return _render_tokens(form, status=400)
    # Shown on this response only: the token is not stored, only its digest.
    response, status = _render_tokens(TokenForm(formdata=None), new_token=value, status=201)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@personal
def revoke_token(token_id: int):
    token = api_tokens.load_own_token(token_id, current_user)
    if not RevokeForm().validate_on_submit():
        flash(
            _("The form expired or was sent from elsewhere. Reload the page and try again."),
            "danger",
        )
        return redirect(url_for("account.tokens"))
    api_tokens.revoke_token(token, current_user)
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("account.tokens"))


# --- one's own profile --------------------------------------------------------------------

#: The profile's fields, in the order a conflict lists what is saved now.
PROFILE_FIELDS = ("full_name", "title", "phone", "locale")


def _profile_form_for(user) -> ProfileForm:
    form = ProfileForm(formdata=None)
    form.full_name.data = user.full_name
    form.title.data = user.title or ""
    form.phone.data = user.phone or ""
    form.locale.data = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    form.version.data = str(user.profile_version)
    return form


# The institution's name alone (its object would load with its sector and state).
_INSTITUTION_NAME = select(Institution.name).where(Institution.id == bindparam("institution_id"))


def _render_profile(form: ProfileForm, status: int = 200, **context):
    user = current_user._get_current_object()
    response = render_template(
        "account/profile.html",
        form=form,
        user=user,
        institution_name=db_session.scalar(
            _INSTITUTION_NAME, {"institution_id": user.institution_id}
        ),
        digests=notifications.digest_choices(user),
        action_form=ActionForm(formdata=None),
        conflict=context.get("conflict"),
        hidden_tag=hidden_tag,
    )
    # Holds the phone and the session's forms: not kept by the browser or a proxy.
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/account/profile", methods=["GET", "POST"])
@personal
def profile():
    user = current_user._get_current_object()
    if request.method == "GET":
        return _render_profile(_profile_form_for(user))
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render_profile(form, 400)
    try:
        accounts.update_profile(
            user,
            expected_version=form.expected_version(),
            full_name=form.full_name.data,
            title=form.title.data,
            phone=form.phone.data,
            locale=form.locale.data,
        )
    except DomainError as error:
        attach_error(form, error)
        return _render_profile(form, 400)
    except EditConflict:
        # Saved elsewhere since this form was built: nothing written, what was typed stays,
        # and what is saved now is shown beside it; saving again is a deliberate choice.
        db_session.refresh(user)
        languages = dict(LANGUAGE_NAMES)
        saved = {
            name: languages.get(value, value) if name == "locale" else value
            for name in PROFILE_FIELDS
            if (value := getattr(user, name) or "") != (form[name].data or "")
        }
        form.version.data = str(user.profile_version)
        return _render_profile(form, 409, conflict=saved)
    session[LOCALE_SESSION_KEY] = form.locale.data
    with force_locale(form.locale.data):
        flash(_("Your profile is saved."), "success")
    return redirect(url_for("account.profile"))


@bp.post("/account/profile/digests")
@personal
def profile_digests():
    if not ActionForm().validate_on_submit():
        abort(400)

    def ids(name: str) -> set[int]:
        values = request.form.getlist(name)
        if not all(value.isascii() and value.isdigit() and len(value) < 10 for value in values):
            abort(400)
        return {int(value) for value in values}

    changed = notifications.set_digest_choices(
        current_user._get_current_object(), shown=ids("shown"), wanted=ids("digest")
    )
    if changed:
        flash(_("Your weekly digest choices are saved."), "success")
    else:
        flash(_("Nothing to change: your weekly digest choices are as they were."), "info")
    return redirect(url_for("account.profile") + "#notifications")


@bp.post("/account/profile/sessions")
@personal
def end_other_sessions():
    if not ActionForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    revoked = accounts.end_all_sessions(user, reason="ended")
    _keep_this_session(user)
    flash(
        _("Your other sessions have been signed out; this one carries on.")
        + tokens_revoked_note(revoked),
        "success",
    )
    return redirect(url_for("account.profile") + "#security")
