"""The directory (everyone signed in), its coordinator's pages, people admin and invitations."""

from __future__ import annotations

import csv
import io
import os
import secrets
import time
from datetime import date
from pathlib import Path

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
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Gone, NotFound

from models import Basis, GroupMembership, GroupRole, Institution, Role, utcnow

from ..auth.views import mark_signed_in
from ..db import session as db_session
from ..forms import ActionForm
from ..forms import choices as select_choices
from ..i18n import current_language
from ..mail import send_mail
from ..policy import authorize
from ..services import audit, directory, institution_io, people
from ..services.errors import DomainError
from .forms import (
    AcceptInvitationForm,
    ConfirmImportForm,
    EndMembershipForm,
    ImportForm,
    InstitutionForm,
    InviteForm,
    RoleForm,
)

bp = Blueprint("directory", __name__)

IMPORT_SESSION_KEY = "institution_import"
IMPORT_MAX_AGE_SECONDS = 24 * 3600


def _attach(form, error: DomainError) -> None:
    """Put a service's message next to its field (or above the form)."""
    target = getattr(form, error.field or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def _csv_response(rows: list[list], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return _csv_text(out.getvalue(), filename)


def _csv_text(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --- directory ----------------------------------------------------------------------------------


@bp.get("/institutions")
def index():
    authorize(current_user, "view_directory")
    query = directory.DirectoryQuery.from_args(request.args)
    page = directory.directory_page(query, date.today())
    return render_template("directory/index.html", page=page)


@bp.get("/institutions/<int:institution_id>")
def profile(institution_id: int):
    authorize(current_user, "view_directory")
    data = directory.profile(institution_id, date.today())
    return render_template("directory/profile.html", profile=data)


def _institution_form(form: InstitutionForm) -> None:
    sectors, states = directory.reference_lists()
    language = current_language()
    form.sector.choices = select_choices([(s.slug, s.name(language)) for s in sectors])
    form.state.choices = select_choices(
        [("", _("(not recorded)"))] + [(s.code, s.name(language)) for s in states]
    )


def _data_from(form: InstitutionForm) -> directory.InstitutionData:
    return directory.InstitutionData(
        name=form.name.data or "",
        acronym=form.acronym.data or None,
        sector_slug=form.sector.data or "",
        state_code=form.state.data or None,
        website=form.website.data or None,
        joined_on=form.joined_on.data,
        is_founder=bool(form.is_founder.data),
        basis=Basis.DOCUMENTED,
        source=form.source.data or None,
    )


@bp.route("/institutions/new", methods=["GET", "POST"])
def create():
    authorize(current_user, "manage_institutions")
    form = InstitutionForm()
    _institution_form(form)
    status = 200
    if form.validate_on_submit():
        try:
            institution = directory.create_institution(_data_from(form), current_user, date.today())
        except DomainError as error:
            _attach(form, error)
            status = 400
        else:
            flash(_("Institution added."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    elif request.method == "POST":
        status = 400
    return render_template("directory/form.html", form=form, institution=None), status


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
def edit(institution_id: int):
    authorize(current_user, "manage_institutions")
    institution = directory.load_institution(institution_id)
    form = InstitutionForm(
        obj=None
        if request.method == "POST"
        else _FormObject(
            name=institution.name,
            acronym=institution.acronym,
            sector=institution.sector_slug,
            state=institution.state_code or "",
            website=institution.website,
            joined_on=institution.joined_on,
            is_founder=institution.is_founder,
            source=institution.source,
        )
    )
    _institution_form(form)
    end_form = EndMembershipForm()
    status = 200
    if form.validate_on_submit():
        data = _data_from(form)
        data.basis = institution.basis
        try:
            directory.update_institution(institution, data, current_user, date.today())
        except DomainError as error:
            db_session.rollback()
            _attach(form, error)
            status = 400
        else:
            flash(_("Institution saved."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "directory/form.html", form=form, institution=institution, end_form=end_form
    ), status


class _FormObject:
    def __init__(self, **values) -> None:
        self.__dict__.update(values)


@bp.post("/institutions/<int:institution_id>/end")
def end(institution_id: int):
    authorize(current_user, "manage_institutions")
    institution = directory.load_institution(institution_id)
    end_form = EndMembershipForm()
    if end_form.validate_on_submit():
        try:
            directory.end_membership(institution, end_form.left_on.data, current_user, date.today())
        except DomainError as error:
            db_session.rollback()
            _attach(end_form, error)
        else:
            flash(_("Membership ended. The institution now shows as former."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    form = InstitutionForm(obj=institution)
    form.sector.data, form.state.data = institution.sector_slug, institution.state_code or ""
    _institution_form(form)
    return render_template(
        "directory/form.html", form=form, institution=institution, end_form=end_form
    ), 400


# --- export and import --------------------------------------------------------------------------


@bp.get("/institutions/export.csv")
def export():
    authorize(current_user, "manage_institutions")
    text = institution_io.export_csv(current_user)
    return _csv_text(text, f"institutions-{date.today().isoformat()}.csv")


def _imports_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_old_imports(folder: Path) -> None:
    cutoff = time.time() - IMPORT_MAX_AGE_SECONDS
    for old in folder.glob("*.csv"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def _stored_upload(upload_id: str | None) -> Path | None:
    """The file kept between preview and confirm: only the uploader's session names it."""
    if not upload_id or upload_id != session.get(IMPORT_SESSION_KEY):
        return None
    if not upload_id.replace("-", "").replace("_", "").isalnum():
        return None
    path = _imports_dir() / f"{upload_id}.csv"
    return path if path.exists() else None


@bp.route("/institutions/import", methods=["GET", "POST"])
def import_upload():
    authorize(current_user, "manage_institutions")
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("directory/import.html", form=form, preview=None), status
    content = form.file.data.read(institution_io.MAX_UPLOAD_BYTES + 1)
    try:
        preview = institution_io.preview(content, date.today())
    except DomainError as error:
        _attach(form, error)
        return render_template("directory/import.html", form=form, preview=None), 400
    confirm = ConfirmImportForm()
    if preview.ok and preview.rows:
        folder = _imports_dir()
        _clean_old_imports(folder)
        upload_id = secrets.token_urlsafe(16)
        fd = os.open(folder / f"{upload_id}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        session[IMPORT_SESSION_KEY] = upload_id
        confirm.upload.data = upload_id
    return render_template(
        "directory/import.html", form=ImportForm(formdata=None), preview=preview, confirm=confirm
    )


@bp.post("/institutions/import/confirm")
def import_confirm():
    authorize(current_user, "manage_institutions")
    confirm = ConfirmImportForm()
    if not confirm.validate_on_submit():
        abort(400)
    path = _stored_upload(confirm.upload.data)
    if path is None:
        flash(_("That preview has expired. Upload the file again."), "warning")
        return redirect(url_for("directory.import_upload"))
    content = path.read_bytes()
    try:
        result = institution_io.apply(content, current_user, date.today())
    except DomainError as error:
        form = ImportForm(formdata=None)
        _attach(form, error)
        preview = institution_io.preview(content, date.today())
        return render_template("directory/import.html", form=form, preview=preview), 400
    path.unlink(missing_ok=True)
    session.pop(IMPORT_SESSION_KEY, None)
    flash(
        _(
            "Imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged.",
            new=result.count(institution_io.NEW),
            updated=result.count(institution_io.UPDATE),
            unchanged=result.count(institution_io.UNCHANGED),
        ),
        "success",
    )
    return redirect(url_for("directory.index"))


# --- group leadership history ------------------------------------------------------------------


@bp.get("/groups/leadership.csv")
def leadership_csv():
    authorize(current_user, "view_directory")
    rows = db_session.scalars(
        select(GroupMembership)
        .where(GroupMembership.role == GroupRole.LEAD)
        .options(joinedload(GroupMembership.group), joinedload(GroupMembership.institution))
    ).all()
    rows = sorted(rows, key=lambda m: (m.group.position, m.since, m.institution.name_key))
    return _csv_response(
        [["group", "institution", "role", "since", "until"]]
        + [
            [
                m.group.slug,
                m.institution.name,
                m.role.value,
                m.since.isoformat(),
                m.until.isoformat() if m.until else "",
            ]
            for m in rows
        ],
        "group-leadership.csv",
    )


# --- people ------------------------------------------------------------------------------------


def _invite_form(blank: bool = False) -> InviteForm:
    form = InviteForm(formdata=None) if blank else InviteForm()
    institutions = db_session.execute(
        select(Institution.id, Institution.name)
        .where(Institution.left_on.is_(None))
        .order_by(Institution.name_key)
    ).all()
    form.institution_id.choices = select_choices([(0, _("Choose…"))] + list(institutions))
    return form


def _people_page(invite_form: InviteForm, status: int = 200, new_link: str | None = None):
    return render_template(
        "people/index.html",
        people=people.list_people(),
        invitations=people.pending_invitations(utcnow()),
        invite_form=invite_form,
        action_form=ActionForm(),
        role_form=RoleForm(formdata=None),
        events=audit.recent(20),
        new_link=new_link,
        roles=[Role.MEMBER, Role.COORDINATOR],
    ), status


@bp.get("/people")
def people_index():
    authorize(current_user, "manage_people")
    return _people_page(_invite_form())


@bp.post("/people/invite")
def invite():
    authorize(current_user, "manage_people")
    form = _invite_form()
    if not form.validate_on_submit():
        return _people_page(form, 400)
    try:
        created = people.invite(
            form.email.data,
            form.full_name.data,
            form.institution_id.data,
            Role(form.role.data),
            current_user,
            utcnow(),
        )
    except DomainError as error:
        db_session.rollback()
        _attach(form, error)
        return _people_page(form, 400)
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "directory.accept_invitation", token=created.token
    )
    send_mail(
        created.invitation.email,
        _("Your invitation to the Coalition"),
        _(
            "Hello %(name)s,\n\nYou have been invited to the Coalition's workspace. Open this "
            "link to choose your password (it works once, until %(until)s):\n\n%(link)s\n",
            name=created.invitation.full_name,
            until=created.invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
            link=link,
        ),
    )
    flash(_("Invitation created and sent to %(email)s.", email=created.invitation.email), "success")
    return _people_page(_invite_form(blank=True), 200, new_link=link)


@bp.post("/people/<int:user_id>/active")
def set_active(user_id: int):
    authorize(current_user, "manage_people")
    user = people.load_person(user_id)
    if not ActionForm().validate_on_submit() or request.form.get("active") not in ("0", "1"):
        abort(400)
    try:
        people.set_active(user, request.form["active"] == "1", current_user)
    except DomainError as error:
        db_session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("directory.people_index")), 303
    flash(_("Account updated."), "success")
    return redirect(url_for("directory.people_index"))


@bp.post("/people/<int:user_id>/role")
def set_role(user_id: int):
    authorize(current_user, "manage_people")
    user = people.load_person(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        people.set_role(user, Role(form.role.data), current_user)
    except DomainError as error:
        db_session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for("directory.people_index")), 303
    flash(_("Role changed."), "success")
    return redirect(url_for("directory.people_index"))


# --- accepting an invitation (public) ----------------------------------------------------------


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    now = utcnow()
    try:
        invitation = people.usable_invitation(token, now)
    except NotFound:
        return render_template("people/invitation_invalid.html", gone=False), 404
    except Gone:
        return render_template("people/invitation_invalid.html", gone=True), 410
    form = AcceptInvitationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = people.accept_invitation(token, form.password.data, now)
        except Gone:
            return render_template("people/invitation_invalid.html", gone=True), 410
        except DomainError as error:
            db_session.rollback()
            _attach(form, error)
            status = 400
        else:
            session.clear()
            login_user(user)
            mark_signed_in()  # the idle and absolute session clocks (auth.views)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "people/accept_invitation.html", form=form, invitation=invitation
    ), status
