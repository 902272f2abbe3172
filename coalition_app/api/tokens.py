"""`/account/tokens`: a signed-in person's personal API tokens (create, shown once; revoke)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from models import TokenScope

from ..forms import choices
from ..services import api_tokens
from ..services.errors import DomainError

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “Monthly report spreadsheet”."),
        filters=[lambda value: " ".join(value.split()) if value else value],
        validators=[DataRequired(_l("Give the token a name.")), Length(max=100)],
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


class RevokeForm(FlaskForm):
    """Carries only the CSRF token."""


def _render(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "api/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=api_tokens.tokens_of(current_user),
        new_token=new_token,
    ), status


@bp.get("/account/tokens")
def index():
    return _render(TokenForm())


@bp.post("/account/tokens")
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    try:
        _token, value = api_tokens.create_token(
            current_user, form.name.data, TokenScope(form.scope.data)
        )
    except DomainError as error:
        form.name.errors = [*form.name.errors, str(error.message)]
        return _render(form, status=400)
    # Shown on this response only: the token is not stored, only its digest.
    response, status = _render(TokenForm(formdata=None), new_token=value, status=201)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    token = api_tokens.load_own_token(token_id, current_user)
    if not RevokeForm().validate_on_submit():
        flash(
            _("The form expired or was sent from elsewhere. Reload the page and try again."),
            "danger",
        )
        return redirect(url_for("tokens.index"))
    api_tokens.revoke_token(token, current_user)
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
