"""People admin (coordinators): accounts, roles, invitations and ending sessions; and the
public page where an invitation is accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user
from markupsafe import Markup, escape
from sqlalchemy import Date, bindparam, select
from werkzeug.exceptions import Gone, NotFound

from models import Institution, Role, utcnow

from ..account import service as accounts
from ..account.views import mark_signed_in, safe_next_url, tokens_revoked_note
from ..audit import service as audit
from ..audit.sentences import describe
from ..core import clock
from ..core.db import session as db_session
from ..core.errors import DomainError
from ..core.forms import ActionForm, attach_error
from ..core.html import escape_each
from ..core.labels import label
from ..core.url_patterns import url_pattern
from ..directory import service as directory
from ..policy import authorize, public
from . import service as people
from .forms import AcceptInvitationForm, InviteForm, RoleForm

bp = Blueprint("people", __name__)


# --- people ------------------------------------------------------------------------------------


def _invite_form(blank: bool = False) -> InviteForm:
    return InviteForm(formdata=None) if blank else InviteForm()


def _back_to_the_list() -> str:
    """The people page the form was sent from (its search and page), or the plain one."""
    target = safe_next_url(request.form.get("next"))
    if target and urlsplit(target).path == url_for("people.index"):
        return target
    return url_for("people.index")


class Invitable(NamedTuple):
    """An institution someone may be invited to, as the picker needs it."""

    id: int
    name: str
    name_key: str
    acronym: str | None


def _invitable() -> list[Invitable]:
    """The institutions someone may be invited to: the coalition's active members (rows, not
    objects: the picker offers every one of them)."""
    return [Invitable(*row) for row in db_session.execute(_INVITABLE, {"day": clock.today()})]


# Built once, the day bound at each call.
_INVITABLE = (
    select(Institution.id, Institution.name, Institution.name_key, Institution.acronym)
    .where(Institution.active_on(bindparam("day", type_=Date)))  # type: ignore[arg-type]
    .order_by(Institution.name_key)
)


def institution_filter_options(institutions: list[tuple[int, str]], chosen: int | None) -> Markup:
    """The institution filter's options, the chosen one selected: one string (a template
    loop cost more per option)."""
    return Markup(
        "".join(
            f'<option value="{int(key)}" {"selected" if chosen == key else ""}>'
            f"{escape(name)}</option>"
            for key, name in institutions
        )
    )


def _plain(address_of: Callable[[int], str]) -> Callable[[int], str]:
    """A row's address (`url_pattern`) as `{{ }}` writes it: the same text, as long as the
    fixed parts need no escaping, which is checked once here."""
    sample = address_of(1)
    if str(escape(sample)) != sample:
        return lambda key: str(escape(address_of(key)))
    return address_of


def person_rows(people: list[Any], roles: list[Role], back: str, csrf: str) -> Markup:
    """The people table's rows, each with its three forms (role, account, sessions): the
    markup the template's loop wrote, written here because fifty rows of some forty values
    each were most of the page's cost. `back`: the list's own address (after a change, the
    same search and page); `csrf`: the session's token."""
    t_email, t_institution, t_role, t_account = (
        escape(_("E-mail")),
        escape(_("Institution")),
        escape(_("Role")),
        escape(_("Account")),
    )
    t_change, t_deactivate, t_inactive, t_reactivate, t_end = (
        escape(_("Change")),
        escape(_("Deactivate")),
        escape(_("Inactive")),
        escape(_("Reactivate")),
        escape(_("End all sessions")),
    )
    # "Role of %(name)s" around a name: its two sides, the name escaped with the row's values.
    role_before, role_after = str(Markup(escape(_("Role of %(name)s"))) % {"name": "\x00"}).split(
        "\x00"
    )
    # The addresses' fixed parts have nothing to escape (checked once); a row's key is a number.
    profile_url = _plain(url_pattern("directory.profile", "institution_id"))
    set_role_url = _plain(url_pattern("people.set_role", "user_id"))
    set_active_url = _plain(url_pattern("people.set_active", "user_id"))
    end_sessions_url = _plain(url_pattern("people.end_sessions", "user_id"))
    hidden = (
        f'              <input type="hidden" name="csrf_token" value="{escape(csrf)}">\n'
        f'              <input type="hidden" name="next" value="{escape(back)}">\n'
    )
    # One list of options per role a row may have: the role's own is selected.
    options = {
        chosen.value: "".join(
            f'<option value="{escape(role.value)}" {"selected" if role == chosen else ""}>'
            f"{escape(label(role))}</option>"
            for role in roles
        )
        for chosen in roles
    }
    rows = []
    for p in people:
        key = int(p.id)
        name, email, label_text = escape_each((p.full_name, p.email, p.institution_label))
        greyed = "" if p.is_active else "text-body-secondary"
        if p.is_active:
            account = (
                '                <input type="hidden" name="active" value="0">\n'
                f'                <button type="submit" class="btn btn-sm btn-outline-danger">'
                f"{t_deactivate}</button>\n"
            )
            sessions = (
                f'\n            <form method="post" action="{end_sessions_url(key)}"'
                ' class="m-0 mt-1">\n'
                f"{hidden}"
                f'              <button type="submit" class="btn btn-sm btn-link p-0">{t_end}'
                "</button>\n"
                "            </form>\n"
                "            "
            )
        else:
            account = (
                '                <input type="hidden" name="active" value="1">\n'
                f'                <span class="badge text-bg-secondary">{t_inactive}</span>\n'
                f'                <button type="submit" class="btn btn-sm btn-outline-success">'
                f"{t_reactivate}</button>\n"
            )
            sessions = ""
        rows.append(
            f'\n        <tr id="person-{key}" class="{greyed}">\n'
            f'          <td class="fw-semibold">{name}</td>\n'
            f'          <td class="small text-break" data-label="{t_email}">'
            f"{email}</td>\n"
            f'          <td class="small" data-label="{t_institution}"><a href="'
            f'{profile_url(p.institution_id)}">{label_text}</a></td>\n'
            f'          <td data-label="{t_role}">\n'
            f'            <form method="post" action="{set_role_url(key)}"'
            ' class="d-flex gap-1 m-0">\n'
            f"{hidden}"
            f'              <label class="visually-hidden" for="role-{key}">'
            f"{role_before}{name}{role_after}</label>\n"
            '              <select class="form-select form-select-sm" name="role"'
            f' id="role-{key}">\n'
            f"                {options[p.role]}\n"
            "              </select>\n"
            f'              <button type="submit" class="btn btn-sm btn-outline-secondary">'
            f"{t_change}</button>\n"
            "            </form>\n"
            "          </td>\n"
            f'          <td data-label="{t_account}">\n'
            f'            <form method="post" action="{set_active_url(key)}" class="m-0">\n'
            f"{hidden}"
            "              \n"
            f"{account}"
            "              \n"
            "            </form>\n"
            f"            {sessions}\n"
            "          </td>\n"
            "        </tr>\n"
            "      "
        )
    return Markup("".join(rows))


def _people_page(
    invite_form: InviteForm,
    status: int = 200,
    new_link: str | None = None,
    invitable: list[Invitable] | None = None,
):
    page = people.people_page(people.PeopleQuery.from_args(request.args))
    return render_template(
        "people/index.html",
        page=page,
        invitable=_invitable() if invitable is None else invitable,
        people=page.people,
        invitations=people.pending_invitations(utcnow()),
        invite_form=invite_form,
        events=(events := audit.recent(20)),
        sentences=describe(events),
        new_link=new_link,
        roles=[Role.MEMBER, Role.COORDINATOR],
        person_rows=person_rows,
        institution_filter=institution_filter_options(page.institutions, page.query.institution),
    ), status


@bp.get("/people")
def index():
    authorize(current_user, "manage_people")
    return _people_page(_invite_form())


@bp.post("/people/invite")
def invite():
    authorize(current_user, "manage_people")
    form = _invite_form()
    invitable = _invitable()
    if not form.validate_on_submit():
        return _people_page(form, 400, invitable=invitable)
    try:
        institution_id = form.institution_id.data
        if form.institution.data or institution_id is None:
            institution_id = directory.picked_institution(
                form.institution.data or "", invitable, "institution"
            ).id
        created = people.invite(
            form.email.data,
            form.full_name.data,
            institution_id,
            Role(form.role.data),
            current_user,
            utcnow(),
        )
    except DomainError as error:
        if error.field == "institution_id":
            error.field = "institution"
        attach_error(form, error)
        return _people_page(form, 400, invitable=invitable)
    if created.email_queued:
        flash(
            _(
                "Invitation created. The e-mail to %(email)s is on its way; the link is also "
                "below.",
                email=created.invitation.email,
            ),
            "success",
        )
    else:
        flash(
            _("Invitation created. E-mail is off: copy the link below and send it yourself."),
            "warning",
        )
    return _people_page(_invite_form(blank=True), 200, new_link=created.link)


@bp.post("/people/<int:user_id>/active")
def set_active(user_id: int):
    authorize(current_user, "manage_people")
    user = people.load_person(user_id)
    if not ActionForm().validate_on_submit() or request.form.get("active") not in ("0", "1"):
        abort(400)
    try:
        outcome = people.set_active(user, request.form["active"] == "1", current_user)
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(_back_to_the_list()), 303
    message = _("Account updated.") + tokens_revoked_note(outcome.tokens_revoked)
    if outcome.invitations_revoked:
        message += " " + ngettext(
            "%(num)s pending invitation this person sent was withdrawn.",
            "%(num)s pending invitations this person sent were withdrawn.",
            outcome.invitations_revoked,
        )
    flash(message, "success")
    return redirect(_back_to_the_list())


@bp.post("/people/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):
    """Withdraw a pending invitation (its link then answers 410)."""
    authorize(current_user, "manage_people")
    invitation = people.load_invitation(invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        people.revoke_invitation(invitation, current_user, utcnow())
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(_back_to_the_list()), 303
    flash(
        _("Invitation to %(email)s withdrawn: its link no longer works.", email=invitation.email),
        "success",
    )
    return redirect(_back_to_the_list())


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
        flash(str(error.message), "danger")
        return redirect(_back_to_the_list()), 303
    flash(_("Role changed."), "success")
    return redirect(_back_to_the_list())


# --- accepting an invitation (public) ----------------------------------------------------------


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    now = utcnow()
    try:
        invitation = people.usable_invitation(token, now)
    except NotFound:
        return render_template("people/invitation_invalid.html", gone=False), 404
    except people.InvitationWithdrawn:
        return render_template("people/invitation_invalid.html", gone=True, withdrawn=True), 410
    except Gone:
        return render_template("people/invitation_invalid.html", gone=True), 410
    form = AcceptInvitationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = people.accept_invitation(token, form.password.data, now)
        except people.InvitationWithdrawn:
            return render_template("people/invitation_invalid.html", gone=True, withdrawn=True), 410
        except Gone:
            return render_template("people/invitation_invalid.html", gone=True), 410
        except DomainError as error:
            attach_error(form, error)
            status = 400
        else:
            session.clear()
            login_user(user)
            mark_signed_in()  # the idle and absolute session clocks (auth.views)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
            return redirect(url_for("home.index"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "people/accept_invitation.html", form=form, invitation=invitation
    ), status


@bp.post("/people/<int:user_id>/end-sessions")
def end_sessions(user_id: int):
    """A coordinator ends every session of a person (a lost laptop, a departure)."""
    authorize(current_user, "manage_coalition")
    if not ActionForm().validate_on_submit():
        abort(400)
    person = accounts.user_by_id(user_id)
    if person is None:
        abort(404)
    revoked = accounts.end_all_sessions(
        person, by=current_user._get_current_object(), reason="ended"
    )
    flash(
        _("All sessions of %(name)s have ended.", name=person.full_name)
        + tokens_revoked_note(revoked),
        "success",
    )
    return redirect(safe_next_url(request.form.get("next")) or url_for("people.index"))
