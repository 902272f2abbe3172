"""Applying to join (public: the form, the e-mail confirmation, the status page) and the
coordinators' review queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from wtforms import SelectMultipleField

from models import ApplicationStatus, Sector, State, WorkingGroup, utcnow

from ..core import clock
from ..core.db import session
from ..core.errors import DomainError
from ..core.extensions import limiter
from ..core.fields import choice_options
from ..core.forms import attach_error, require_action_form
from ..core.i18n import current_language
from ..policy import authorize, public
from . import service as applications
from .forms import AnswerForm, ApplyForm, ApproveForm, DeclineForm, RequestInfoForm

bp = Blueprint("applications", __name__)


# --- applying (public) -------------------------------------------------------------------------


def _address_limit() -> str:
    return current_app.config["APPLY_LIMIT_PER_ADDRESS"]


def _email_limit() -> str:
    return current_app.config["APPLY_LIMIT_PER_EMAIL"]


def _applying_email() -> str:
    """Throttle key: the e-mail typed in the form, whoever sends it."""
    return "apply-email:" + request.form.get("contact_email", "").strip().lower()[:254]


def _reference_choices(form: ApplyForm | ApproveForm, language: str) -> None:
    # Rows of the names, not objects: the page only reads them.
    english = language == "en"
    sectors = session.execute(
        select(Sector.slug, Sector.name_en if english else Sector.name_es).order_by(Sector.position)
    )
    form.sector.choices = [("", _("Choose…"))] + [(slug, name) for slug, name in sectors]
    states = session.execute(
        select(State.code, State.name_en if english else State.name_es).order_by(State.name_es)
    )
    form.state.choices = [("", _("Not said"))] + [(code, name) for code, name in states]
    groups = session.execute(
        select(WorkingGroup.id, WorkingGroup.name_en if english else WorkingGroup.name_es).order_by(
            WorkingGroup.position
        )
    )
    form.groups.choices = [(group_id, name) for group_id, name in groups]


def apply_group_checkboxes(field: SelectMultipleField) -> Markup:
    """The application form's groups of interest (`applications/apply.html`)."""
    return Markup(
        "".join(
            [
                f'\n          <div class="form-check">\n            {option}\n'
                "          </div>\n          "
                for option in choice_options(field)
            ]
        )
    )


def review_group_checkboxes(field: SelectMultipleField) -> Markup:
    """The groups to join of the approval form (`applications/review.html`)."""
    return Markup(
        "".join(
            [
                f'\n          <div class="form-check">{option}</div>\n          '
                for option in choice_options(field)
            ]
        )
    )


@bp.context_processor
def _checkbox_groups() -> dict[str, Any]:
    return {
        "apply_group_checkboxes": apply_group_checkboxes,
        "review_group_checkboxes": review_group_checkboxes,
    }


@bp.route("/unete", methods=["GET", "POST"])
@bp.route("/join", methods=["GET", "POST"], endpoint="apply_en")
@public
@limiter.limit(_email_limit, key_func=_applying_email, methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"])
def apply():
    form = ApplyForm()
    _reference_choices(form, current_language())
    if request.method == "GET":
        return render_template("applications/apply.html", form=form)
    if not form.validate_on_submit():
        return render_template("applications/apply.html", form=form), 400
    if form.homepage.data:
        # A program filled the hidden field: it is answered as a person would be, and
        # nothing is kept or sent.
        return render_template("applications/check_email.html", email=form.contact_email.data)
    data = applications.ApplicationData(
        institution_name=form.institution_name.data,
        acronym=form.acronym.data or None,
        sector_slug=form.sector.data,
        state_code=form.state.data or None,
        website=form.website.data or None,
        contact_name=form.contact_name.data,
        contact_title=form.contact_title.data or None,
        contact_email=form.contact_email.data,
        group_ids=list(form.groups.data or []),
        motivation=form.motivation.data,
        principles_accepted=bool(form.principles.data),
        notice_accepted=bool(form.privacy.data),
    )
    try:
        applications.submit(data, current_language(), request.remote_addr, utcnow())
    except DomainError as error:
        attach_error(form, error)
        return render_template("applications/apply.html", form=form), 400
    return render_template("applications/check_email.html", email=form.contact_email.data)


@bp.route("/unete/confirmar/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    """The link in the e-mail shows a button (a mail scanner opening links confirms nothing);
    pressing it confirms the e-mail and the application reaches the coordinators."""
    try:
        application = applications.by_confirm_token(token)
    except NotFound:
        return render_template("applications/invalid.html"), 404
    if request.method == "POST":
        require_action_form()
        if applications.confirm(application, utcnow()):
            flash(
                _(
                    "Thank you: your e-mail is confirmed and the coordination will review "
                    "your application."
                ),
                "success",
            )
        return render_template("applications/confirmed.html", application=application)
    if application.status != ApplicationStatus.UNCONFIRMED:
        return render_template("applications/confirmed.html", application=application)
    return render_template("applications/confirm.html", application=application)


@bp.route("/unete/solicitud/<token>", methods=["GET", "POST"])
@public
def status(token: str):
    """The applicant's view: status, messages, and the answer to a request for information."""
    try:
        application = applications.by_status_token(token)
    except NotFound:
        return render_template("applications/invalid.html"), 404
    form = AnswerForm()
    code = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                applications.answer(application, form.body.data, utcnow())
            except DomainError as error:
                attach_error(form, error)
                code = 400
            else:
                flash(_("Thank you: your answer was sent to the coordination."), "success")
                return redirect(url_for("applications.status", token=token), 303)
        else:
            code = 400
    return render_template(
        "applications/status.html",
        application=application,
        form=form,
        groups=applications.groups_of(application),
    ), code


# --- the queue (coordinators) ---------------------------------------------------------------


@bp.get("/applications")
def queue():
    authorize(current_user, "review_applications")
    status_filter = request.args.get("status", "open") or "open"
    if status_filter not in applications.FILTERS:
        status_filter = "open"
    items = applications.queue(status_filter)
    return render_template(
        "applications/queue.html",
        items=items,
        status_filter=status_filter,
        counts=applications.counts(),
        duplicates=applications.likely_duplicates(items),
    )


def _review_page(application, approve_form=None, info_form=None, decline_form=None, code=200):
    language = current_language()
    if approve_form is None:
        approve_form = ApproveForm(formdata=None)
        approve_form.joined_on.data = clock.today()
        approve_form.groups.data = list(application.group_ids or [])
        approve_form.sector.data = application.sector_slug
        approve_form.state.data = application.state_code or ""
    _reference_choices(approve_form, language)
    for form in (approve_form, info_form, decline_form):
        if form is not None:
            form.version.data = str(application.version)
    info_form = info_form or RequestInfoForm(formdata=None, version=str(application.version))
    decline_form = decline_form or DeclineForm(formdata=None, version=str(application.version))
    return render_template(
        "applications/review.html",
        application=application,
        duplicates=applications.likely_duplicates([application])[application.id],
        groups=applications.groups_of(application),
        approve_form=approve_form,
        info_form=info_form,
        decline_form=decline_form,
    ), code


@bp.get("/applications/<int:application_id>")
def review(application_id: int):
    authorize(current_user, "review_applications")
    return _review_page(applications.load(application_id))


def _stale(application, form) -> bool:
    return str(form.version.data or "") != str(application.version)


def _conflict(application, **forms):
    flash(
        _(
            "Someone else acted on this application in the meantime: look at it again "
            "before deciding."
        ),
        "warning",
    )
    return _review_page(application, code=409, **forms)


@bp.post("/applications/<int:application_id>/approve")
def approve(application_id: int):
    authorize(current_user, "review_applications")
    application = applications.load(application_id)
    form = ApproveForm()
    _reference_choices(form, current_language())
    if not form.validate_on_submit():
        return _review_page(application, approve_form=form, code=400)
    if _stale(application, form):
        return _conflict(application, approve_form=form)
    approval = applications.Approval(
        joined_on=form.joined_on.data,
        group_ids=list(form.groups.data or []),
        sector_slug=form.sector.data,
        state_code=form.state.data or None,
        message=form.message.data or "",
    )
    try:
        institution = applications.approve(
            application, approval, current_user, clock.today(), utcnow()
        )
    except DomainError as error:
        attach_error(form, error)
        return _review_page(application, approve_form=form, code=400)
    flash(
        _(
            "Approved: %(name)s is a member and its contact was invited.",
            name=institution.name,
        ),
        "success",
    )
    return redirect(url_for("applications.review", application_id=application.id), 303)


@bp.post("/applications/<int:application_id>/request-info")
def request_info(application_id: int):
    authorize(current_user, "review_applications")
    application = applications.load(application_id)
    form = RequestInfoForm()
    if not form.validate_on_submit():
        return _review_page(application, info_form=form, code=400)
    if _stale(application, form):
        return _conflict(application, info_form=form)
    try:
        applications.request_information(application, form.body.data, current_user)
    except DomainError as error:
        attach_error(form, error)
        return _review_page(application, info_form=form, code=400)
    flash(_("The applicant was asked for more information."), "success")
    return redirect(url_for("applications.review", application_id=application.id), 303)


@bp.post("/applications/<int:application_id>/decline")
def decline(application_id: int):
    authorize(current_user, "review_applications")
    application = applications.load(application_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _review_page(application, decline_form=form, code=400)
    if _stale(application, form):
        return _conflict(application, decline_form=form)
    try:
        applications.decline(application, form.reason.data, current_user, utcnow())
    except DomainError as error:
        attach_error(form, error)
        return _review_page(application, decline_form=form, code=400)
    flash(_("The application was declined and the applicant told."), "success")
    return redirect(url_for("applications.review", application_id=application.id), 303)
