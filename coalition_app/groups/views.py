from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import GroupChair, GroupMembership, GroupRole, Institution, WorkingGroup

from ..core import clock, page_cache
from ..core.csv import csv_response
from ..core.db import session as db_session
from ..core.errors import DomainError
from ..core.forms import ActionForm, attach_error
from ..core.forms import choices as select_choices
from ..core.html import escape_each
from ..core.i18n import current_language, datetime_formatter, format_date_once
from ..core.labels import field_label, label, status_label_of
from ..core.url_patterns import url_pattern
from ..directory import service as directory
from ..notifications import service as notifications
from ..policy import authorize, can
from ..work import queries as work_queries
from . import queries as group_queries
from . import service as group_service
from .forms import ChairForm, DigestForm, EndChairForm, GroupEmailForm, MembershipForm

bp = Blueprint("groups", __name__, url_prefix="/groups")


@bp.get("/")
def index():
    authorize(current_user, "view_coalition")
    return render_template("groups/index.html", groups=group_service.list_groups())


@bp.get("/<slug>")
def detail(slug: str):
    found = notifications.group_with_digest_preference(slug, current_user)
    if found is None:
        abort(404)
    group, digest = found
    authorize(current_user, "view_group", group)
    # Served from the cache while nothing it shows has changed (coalition_app/page_cache).
    return page_cache.render_page((digest,), lambda: _render_detail(group, digest))


def _render_detail(group: WorkingGroup, digest: bool) -> str:
    today = clock.today()
    # The shared part (deliverables, tasks, activity, institutions) is the same for every
    # viewer: rendered once per data version, language and day.
    body = page_cache.render_part(
        "groups/_detail_body.html",
        (group.slug, current_language(), today),
        lambda: {
            "page": group_service.group_page(
                group.slug,
                today,
                stale_after_weeks=current_app.config["STALE_AFTER_WEEKS"],
                group=group,
            )
        },
    )
    manage = can(current_user, "manage_group", group)
    people = group_queries.people_rows_of(db_session, group, today)
    return render_template(
        "groups/detail.html",
        group=group,
        body=body,
        manage=manage,
        archived=group_service.archived_deliverables(group) if manage else [],
        left_behind=work_queries.tasks_left_behind(group) if manage else [],
        action_form=ActionForm(),
        digest=digest,
        people=people,
        people_rows=group_people_rows(people, signed_in=current_user.is_authenticated),
    )


def group_people_rows(people: list[Any], *, signed_in: bool) -> Markup:
    """The group page's table of people (`queries.people_rows_of`): the markup the template's
    loop wrote, written here because a row's values through the template cost more than the
    rest of the table. Titles and phones are for signed-in members only."""
    t_institution, t_title, t_phone = escape_each((_("Institution"), _("Title"), _("Phone")))
    profile_url = url_pattern("directory.profile", "institution_id")
    rows = []
    for p in people:
        shows_title = bool(signed_in and p.title)
        shows_phone = bool(signed_in and p.phone)
        name, address, institution, title, phone = escape_each(
            (
                p.full_name,
                profile_url(p.institution_id),
                p.acronym or p.institution_name,
                p.title if shows_title else "—",
                p.phone if shows_phone else "",
            )
        )
        phone_cell = f'<a href="tel:{phone}">{phone}</a>' if shows_phone else "—"
        rows.append(
            "\n          <tr>\n"
            f"            <td>{name}</td>\n"
            f'            <td data-label="{t_institution}">'
            f'<a href="{address}">{institution}</a></td>\n'
            f'            <td data-label="{t_title}">{title}</td>\n'
            f'            <td data-label="{t_phone}">{phone_cell}</td>\n'
            "          </tr>\n        "
        )
    return Markup("".join(rows))


@bp.app_template_global()
def group_activity(activity: list[group_service.Activity]) -> Markup:
    """The group page's activity entries: the markup the template's loop wrote, written here
    because its twenty-five entries, each with its changes, were the largest part of the
    page's template."""
    t_task, t_deliverable, t_someone = (
        escape(_("updated the task")),
        escape(_("updated the deliverable")),
        escape(_("someone")),
    )
    task_url = url_pattern("work.task", "task_id")
    deliverable_url = url_pattern("work.deliverable", "deliverable_id")
    moment_text = datetime_formatter("medium")
    # A change's badge, by field and values: the same moves come back entry after entry.
    seen: dict[tuple[str, Any, Any], str] = {}
    entries = []
    for update in activity:
        author = t_someone if update.author_name is None else escape(update.author_name)
        if update.task_id is not None:
            what = (
                f'{t_task} <a href="{escape(task_url(update.task_id))}">'
                f"{escape(update.task_title)}</a>\n              "
            )
        elif update.deliverable_id is not None:
            what = (
                f'{t_deliverable} <a href="{escape(deliverable_url(update.deliverable_id))}">'
                f"{escape(update.deliverable_title)}</a>"
            )
        else:
            what = ""
        badges = []
        for field, pair in update.changes.items():
            if field in ("status", "progress") and pair[0] is not None:
                key = (field, pair[0], pair[1])
                badge = seen.get(key)
                if badge is None:
                    badge = seen[key] = (
                        '\n                <span class="badge text-bg-light">'
                        f"{escape(field_label(field))}: {_change_value(field, pair[0])} → "
                        f"{_change_value(field, pair[1])}</span>\n              "
                    )
                badges.append(badge)
        changes = "".join(badges)
        note = f'<p class="mb-0 small note">{escape(update.note)}</p>' if update.note else ""
        entries.append(
            '\n          <li class="history-entry">\n'
            '            <div class="small text-body-secondary">'
            f'<time datetime="{escape(update.created_at.isoformat())}">'
            f"{escape(moment_text(update.created_at))}</time></div>\n"
            "            <div>\n"
            f'              <span class="fw-semibold">{author}</span>\n'
            f"              {what}\n              {changes}\n            </div>\n"
            f"            {note}\n"
            "          </li>\n          "
        )
    return Markup("".join(entries))


@bp.app_template_global()
def deliverable_items(
    page: group_service.GroupPage,
    stale_after_weeks: int,
    due: Callable[..., Markup],
    status_badge: Callable[..., Markup],
    progress_bar: Callable[..., Markup],
) -> Markup:
    """The group page's deliverables: the list items the template's loop wrote. `due`,
    `status_badge` and `progress_bar` are the macros of `macros/work.html` (their markup
    stays written once); a due date and a status are written once each."""
    deliverable_url = url_pattern("work.deliverable", "deliverable_id")
    owner = Markup(_("Owner: %(name)s"))
    derived, by_hand = escape_each((_("progress derived from tasks"), _("progress set by hand")))
    stale = (
        '<span class="stale-flag"> · ⚠ '
        f"{Markup(_('no update for %(weeks)s weeks')) % {'weeks': stale_after_weeks}}</span>"
    )
    dues: dict[tuple[date | None, bool], str] = {}
    badges: dict[Any, str] = {}
    items = []
    for deliverable in page.deliverables:
        done = deliverable.status.value == "done"
        due_text = dues.get((deliverable.due_on, done))
        if due_text is None:
            due_text = dues[(deliverable.due_on, done)] = str(
                due(deliverable.due_on, page.today, done)
            )
        badge = badges.get(deliverable.status)
        if badge is None:
            badge = badges[deliverable.status] = str(status_badge(deliverable.status))
        institution = deliverable.owner_institution
        owned = (
            f" · {owner % {'name': institution.acronym or institution.name}}" if institution else ""
        )
        count = page.task_counts[deliverable.id]
        tasks = Markup(ngettext("%(num)s task", "%(num)s tasks", count)) % {"num": count}
        mode = derived if deliverable.progress_mode.value == "derived" else by_hand
        items.append(
            '\n          <li class="list-group-item px-0">\n'
            '            <div class="d-flex justify-content-between flex-wrap gap-2">\n'
            f'              <a class="fw-semibold" href="{deliverable_url(deliverable.id)}">'
            f"{escape(deliverable.title)}</a>\n"
            f'              <span class="small">{due_text}</span>\n'
            "            </div>\n"
            '            <div class="small text-body-secondary mb-1">\n'
            f"              {badge}\n"
            f"              {owned}\n"
            f"              · {tasks}\n"
            f"              · {mode}\n"
            f"              {stale if deliverable.id in page.stale_ids else ''}\n"
            "            </div>\n"
            f"            {progress_bar(deliverable.progress, deliverable.title)}\n"
            "          </li>\n          "
        )
    return Markup("".join(items))


@bp.app_template_global()
def open_task_rows(
    tasks: list[group_service.TaskRow],
    today: date,
    due: Callable[..., Markup],
    status_badge: Callable[..., Markup],
) -> Markup:
    """The group page's open tasks: the rows the template's loop wrote. `due` and
    `status_badge` are the macros of `macros/work.html` (their markup stays written once),
    called once per due date and per status: a row's values through the template, and a
    macro call per cell, were most of the page's template."""
    t_assignee, t_due, t_status = escape_each((_("Assignee"), _("Due"), _("Status")))
    unassigned = _("unassigned")
    task_url = url_pattern("work.task", "task_id")
    dues: dict[date | None, str] = {}
    badges: dict[Any, str] = {}
    rows = []
    for task in tasks:
        due_text = dues.get(task.due_on)
        if due_text is None:
            due_text = dues[task.due_on] = str(due(task.due_on, today))
        badge = badges.get(task.status)
        if badge is None:
            badge = badges[task.status] = str(status_badge(task.status))
        title, assignee = escape_each(
            (task.title, unassigned if task.assignee_name is None else task.assignee_name)
        )
        rows.append(
            "\n            <tr>\n"
            f'              <td><a href="{task_url(task.id)}">{title}</a></td>\n'
            f'              <td data-label="{t_assignee}">{assignee}</td>\n'
            f'              <td class="small" data-label="{t_due}">{due_text}</td>\n'
            f'              <td data-label="{t_status}">{badge}</td>\n'
            "            </tr>\n            "
        )
    return Markup("".join(rows))


@bp.app_template_global()
def members_by_sector_list(
    members_by_sector: list[tuple[Any, list[group_service.MemberRow]]], language: str
) -> Markup:
    """The group page's member institutions under their sectors: the markup the template's
    loops wrote (a name and a badge per institution, a heading per sector)."""
    if not members_by_sector:
        return Markup(
            '\n        <p class="text-body-secondary mb-0">'
            f"{escape(_('No member institutions yet.'))}</p>\n        "
        )
    lead = f' <span class="badge text-bg-secondary">{escape(_("lead"))}</span>'
    parts = []
    for sector, members in members_by_sector:
        slug, name, *names = escape_each(
            [sector.slug, sector.name(language), *(m.name for m in members)]
        )
        items = "".join(
            f"<li>{text}{lead if m.role == GroupRole.LEAD else ''}</li>"
            for text, m in zip(names, members, strict=True)
        )
        parts.append(
            f'\n        <h3 class="h6 mt-3"><span class="sector-dot sector-{slug}" '
            f'aria-hidden="true"></span> {name} <span class="text-body-secondary">'
            f"({len(members)})</span></h3>\n"
            f'        <ul class="small mb-0">\n          {items}\n        </ul>\n        '
        )
    return Markup("".join(parts))


def _change_value(field: str, value: Any) -> Markup:
    """One side of a change's badge: a status by its label, a progress as a percentage."""
    return escape(status_label_of(value) if field == "status" else f"{value}%")


@bp.route("/<slug>/email", methods=["GET", "POST"])
def email(slug: str):
    """A chair (or coordinator) writes to every person of the group's institutions."""
    group = group_service.load_group(slug)
    authorize(current_user, "email_group", group)
    today = clock.today()
    form = GroupEmailForm()
    status = 200
    if form.validate_on_submit():
        try:
            count = group_service.email_group(
                group, current_user, form.subject.data or "", form.message.data or "", today
            )
        except DomainError as error:
            attach_error(form, error)
            status = 400
        else:
            flash(
                ngettext(
                    "Message queued for %(num)s person.",
                    "Message queued for %(num)s people.",
                    count,
                ),
                "success",
            )
            return redirect(url_for("groups.detail", slug=slug))
    elif request.method == "POST":
        status = 400
    recipients = group_queries.people_of(db_session, group, today)
    return render_template(
        "groups/email.html", group=group, form=form, recipients=recipients
    ), status


@bp.post("/<slug>/digest")
def digest(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "view_group", group)
    form = DigestForm()
    if not form.validate_on_submit() or form.subscribed.data not in {"yes", "no"}:
        abort(400)
    notifications.set_digest_preference(current_user, group, form.subscribed.data == "yes")
    flash(
        _("You will get this group's weekly digest.")
        if form.subscribed.data == "yes"
        else _("You will no longer get this group's weekly digest."),
        "success",
    )
    return redirect(url_for("groups.detail", slug=slug))


@bp.route("/<slug>/members", methods=["GET", "POST"])
def members(slug: str):
    # A change reads the group's memberships as objects; the page itself, as rows.
    load = group_service.load_group if request.method == "POST" else group_service.find_group
    group = load(slug)
    authorize(current_user, "manage_coalition", group)
    today = clock.today()
    form = MembershipForm()
    if request.method == "GET":
        form.since.data = today
    status = 200
    if form.validate_on_submit():
        role = None if form.role.data == "none" else GroupRole(form.role.data)
        try:
            institution_id = _chosen_institution(form, _institution_candidates(group, today))
            group_service.set_membership(
                group, institution_id, role, current_user, today, since=form.since.data or today
            )
        except DomainError as error:
            if error.field == "institution_id":
                error.field = "institution"
            attach_error(form, error)
            status = 400
        else:
            flash(_("Membership saved."), "success")
            return redirect(url_for("groups.members", slug=slug))
    elif request.method == "POST":
        status = 400
    return _members_page(group, today, form=form), status


def _institution_candidates(group: WorkingGroup, today: date) -> list[Institution]:
    """The group's current institutions and the active ones outside it, by name."""
    candidates = [m.institution for m in group.memberships if m.current_on(today)]
    candidates += group_service.institutions_outside(group, today)
    candidates.sort(key=lambda i: i.name_key)
    return candidates


def _members_page(
    group: WorkingGroup,
    today: date,
    form: MembershipForm | None = None,
    chair_form: ChairForm | None = None,
    failed_end: tuple[int, EndChairForm] | None = None,
) -> str:
    """The coordinators' page of a group's institutions and chairs, with their history."""
    if form is None:
        form = MembershipForm(formdata=None, since=today)
    if chair_form is None:
        chair_form = ChairForm(formdata=None, since=today)
    history = group_service.membership_history(group, today)
    current = [m for m in history if m.current]
    chair_form.person_id.choices = select_choices(
        [("", _("Choose a person"))]
        + [
            (p.id, f"{p.full_name} ({p.acronym or p.name})")
            for p in group_service.chair_candidates(
                {m.institution_id for m in current if m.role == GroupRole.LEAD}
            )
        ]
    )
    chairs = group_queries.chair_history(db_session, group)
    end_forms = {
        c.id: EndChairForm(formdata=None, prefix=f"end-{c.id}", until=today)
        for c in chairs
        if c.until is None
    }
    if failed_end is not None:
        end_forms[failed_end[0]] = failed_end[1]
    # The page's suggestions: the group's current institutions and the active ones outside.
    candidates: list[Any] = [*current]
    candidates += group_service.institution_names_outside(
        {m.institution_id for m in current}, today
    )
    candidates.sort(key=lambda i: i.name_key)
    return render_template(
        "groups/members.html",
        group=group,
        form=form,
        history=membership_rows(history),
        chair_form=chair_form,
        chairs=chairs,
        end_forms=end_forms,
        today=today,
        candidates=candidates,
    )


def membership_rows(history: list[group_service.HistoryRow]) -> Markup:
    """The membership history's rows: the markup the template's loop wrote, written here
    because a row's dozen values through the template cost most of the table."""
    t_role, t_from, t_until, t_current = escape_each(
        (_("Role"), _("From"), _("Until"), _("current"))
    )
    rows = []
    for m in history:
        name, role, since, until = escape_each(
            (
                m.name,
                label(m.role),
                format_date_once(m.since, "medium"),
                format_date_once(m.until, "medium") if m.until else "",
            )
        )
        rows.append(
            f'\n          <tr class="{"text-body-secondary" if m.until else ""}">\n'
            f'            <td class="fw-semibold">{name}</td>'
            f'<td data-label="{t_role}">{role}</td>\n'
            f'            <td data-label="{t_from}">{since}</td>\n'
            f'            <td data-label="{t_until}">{until if m.until else t_current}</td>\n'
            "          </tr>\n          "
        )
    return Markup("".join(rows))


@bp.post("/<slug>/chairs")
def name_chair(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "manage_coalition", group)
    today = clock.today()
    form = ChairForm()
    if form.validate_on_submit():
        try:
            chair = group_service.name_chair(
                group, form.person_id.data, form.since.data, current_user, today
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s now chairs the group.", name=chair.person.full_name), "success")
            return redirect(url_for("groups.members", slug=slug))
    return _members_page(group, today, chair_form=form), 400


@bp.post("/<slug>/chairs/<int:chair_id>/end")
def end_chair(slug: str, chair_id: int):
    group = group_service.load_group(slug)
    authorize(current_user, "manage_coalition", group)
    chair = db_session.get(GroupChair, chair_id)
    if chair is None or chair.group_id != group.id:
        abort(404)
    today = clock.today()
    form = EndChairForm(prefix=f"end-{chair.id}")
    if form.validate_on_submit():
        try:
            group_service.end_chair(chair, form.until.data, current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The chairship of %(name)s ends.", name=chair.person.full_name), "success")
            return redirect(url_for("groups.members", slug=slug))
    return _members_page(group, today, failed_end=(chair.id, form)), 400


def _chosen_institution(form: MembershipForm, candidates: list[Institution]) -> int:
    """The institution the picker names (by name or acronym), or the id a client sent."""
    if not form.institution.data and form.institution_id.data is not None:
        return form.institution_id.data
    return directory.picked_institution(form.institution.data or "", candidates, "institution").id


# --- group leadership history ------------------------------------------------------------------


@bp.get("/leadership.csv")
def leadership_csv():
    """Who led which group, from when to when: lead institutions, then the people named to
    chair (role "chair", with the person's name)."""
    authorize(current_user, "view_directory")
    rows = db_session.scalars(
        select(GroupMembership)
        .where(GroupMembership.role == GroupRole.LEAD)
        .options(joinedload(GroupMembership.group), joinedload(GroupMembership.institution))
    ).all()
    rows = sorted(rows, key=lambda m: (m.group.position, m.since, m.institution.name_key))
    chairs = group_queries.every_chairship(db_session)
    return csv_response(
        [["group", "institution", "role", "since", "until", "person"]]
        + [
            [
                m.group.slug,
                m.institution.name,
                m.role.value,
                m.since.isoformat(),
                m.until.isoformat() if m.until else "",
                "",
            ]
            for m in rows
        ]
        + [
            [
                c.group.slug,
                c.person.institution.name,
                "chair",
                c.since.isoformat(),
                c.until.isoformat() if c.until else "",
                c.person.full_name,
            ]
            for c in chairs
        ],
        "group-leadership.csv",
    )
