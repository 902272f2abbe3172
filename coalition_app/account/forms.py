"""Forms of the account pages: sign-in, passwords, two-factor sign-in, API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, Email

from models import TokenScope
from models.people import FULL_NAME_MAX, PHONE_MAX, TITLE_MAX

from ..core.forms import Form, Limit, PlainText, choices, strip


def _email_field(**render_kw) -> EmailField:
    return EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            PlainText(254),
        ],
        render_kw={"autocomplete": "username", **render_kw},
    )


class LoginForm(Form):
    email = _email_field(autofocus=True)
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Limit(1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class NewPasswordForm(Form):
    """A new password typed twice (the rules are checked by services.passwords)."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password.")), Limit(1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password, again"),
        validators=[DataRequired(_l("Repeat the new password.")), Limit(1024)],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Limit(1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(Form):
    email = _email_field()


class ResetPasswordForm(NewPasswordForm):
    pass


class TwoFactorCodeForm(Form):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the code from your app or a recovery code.")),
            PlainText(32, message=_l("That code is too long.")),
        ],
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"},
    )


class EnableTwoFactorForm(Form):
    code = StringField(
        _l("Code from your app"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the 6-digit code your app shows.")),
            PlainText(32, message=_l("That code is too long.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableTwoFactorForm(Form):
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Limit(1024)],
        render_kw={"autocomplete": "current-password"},
    )


class TwoFactorRequirementForm(Form):
    required = BooleanField(_l("Require two-factor sign-in for coordinators and chairs"))


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “Monthly report spreadsheet”."),
        filters=[lambda value: " ".join(value.split()) if value else value],
        validators=[DataRequired(_l("Give the token a name.")), PlainText(100)],
    )
    scope = RadioField(
        _l("Access"),
        choices=choices(
            [
                (TokenScope.READ.value, _l("Read only")),
                (TokenScope.READ_WRITE.value, _l("Read and record progress")),
            ]
        ),
        default=TokenScope.READ.value,
        validators=[DataRequired(_l("Choose the access."))],
    )


class RevokeForm(Form):
    """Carries only the CSRF token."""


#: The languages offered, each named in itself (a reader of the other one still finds theirs).
LANGUAGE_NAMES = [("es", "Español"), ("en", "English")]


class ProfileForm(Form):
    """What a person says of themselves; `version` is the profile version it was built from."""

    full_name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your name.")), PlainText(FULL_NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    title = StringField(
        _l("Title or position"),
        description=_l("Optional. For example “Research director” or “Policy lead”."),
        filters=[strip],
        validators=[PlainText(TITLE_MAX)],
        render_kw={"autocomplete": "organization-title"},
    )
    phone = TelField(
        _l("Phone"),
        description=_l(
            "Optional. Shown only to people signed in to the coalition's site, never to the "
            "public. For example +52 55 1234 5678."
        ),
        filters=[strip],
        validators=[PlainText(PHONE_MAX)],
        render_kw={"autocomplete": "tel"},
    )
    locale = RadioField(
        _l("Language of the site and of your e-mail"),
        choices=choices(LANGUAGE_NAMES),
        validators=[DataRequired(_l("Choose a language."))],
    )
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None
