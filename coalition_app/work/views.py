"""Deliverables and tasks: load → authorise → validate → call a service → redirect or render."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from models import (
    DELIVERABLE_FLOW,
    REVIEW_MOVES,
    TASK_FLOW,
    Deliverable,
    ProgressMode,
    Task,
    WorkStatus,
)

from .. import policy
from ..core import clock
from ..core.errors import DomainError, EditConflict
from ..core.fields import choice_list
from ..core.forms import ActionForm, choices, require_action_form
from ..core.html import escape_each
from ..core.url_patterns import url_pattern
from ..groups import service as group_service
from ..policy import personal
from . import markup
from . import queries as work_queries
from . import service as work_service
from .forms import DeliverableForm, FieldMerge, ProgressForm, ReviewForm, TaskForm

bp = Blueprint("work", __name__)
bp.add_app_template_global(markup.history_list, "work_history_list")


# --- helpers --------------------------------------------------------------------------------


def _attach(form, error: DomainError) -> None:
    """Put a service's message next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def _conflict_message(conflict: EditConflict) -> str:
    from flask_babel import format_datetime

    when = format_datetime(conflict.changed_at, "medium") if conflict.changed_at else "—"
    return _(
        "Not saved: %(who)s changed this at %(when)s, after you opened the form. Where they "
        "changed a field of this form, their value is shown next to what you typed: a field "
        "you had not changed now holds their value, one only you changed keeps what you "
        "typed. Review the form and save again.",
        who=conflict.changed_by or _("someone"),
        when=when,
    )


def _choices_message() -> str:
    return _("Not saved yet: for each field you and someone else both changed, choose below.")


def _owner_choices(group):
    members = sorted(
        ((m.institution_id, m.institution.name) for m in work_queries.current_memberships(group)),
        key=lambda choice: choice[1].casefold(),
    )
    return choices([("", _("— none —")), *members])


def deliverable_task_rows(tasks: Iterable[Any], today: date) -> Markup:
    """A deliverable's live tasks as table rows: the markup of the template's loop
    (`tests/work/test_task_rows.py` compares them)."""
    t_assignee, t_due, t_status, t_progress, t_unassigned = escape_each(
        [_("Assignee"), _("Due"), _("Status"), _("Progress"), _("unassigned")]
    )
    task_url = url_pattern("work.task", "task_id")
    pieces = markup.Pieces()
    rows = []
    for task in tasks:
        assignee = task.assignee
        task_id, href, title, assignee_name = escape_each(
            [task.id, task_url(task.id), task.title, assignee.full_name if assignee else ""]
        )
        if not assignee:
            assignee_name = t_unassigned
        done = task.status.value == "done"
        rows.append(
            f'\n          <tr id="task-{task_id}">\n'
            f'            <td><a href="{href}">{title}</a></td>\n'
            f'            <td data-label="{t_assignee}">{assignee_name}</td>\n'
            f'            <td data-label="{t_due}">{pieces.due(task.due_on, today, done)}</td>\n'
            f'            <td data-label="{t_status}">{pieces.status_badge(task.status)}</td>\n'
            f'            <td class="w-25" data-label="{t_progress}">'
            f"{pieces.progress_bar(task.progress, task.title)}</td>\n"
            "          </tr>\n          "
        )
    return Markup("".join(rows))


def my_work_items(kind: str, items: Iterable[Any], today: date, lang: str) -> Markup:
    """My work's list items, `kind` "review", "tasks" or "deliverables": the markup of the
    template's loops over `work_item(...)` (`tests/work/test_my_work_rows.py` compares
    them)."""
    pieces = markup.Pieces()
    if kind == "tasks":
        task_url = url_pattern("work.task", "task_id")
        shown = [
            markup.work_item(
                task_url(task.id),
                task.title,
                task.due_on,
                today,
                f"{task.deliverable.title} · {task.deliverable.group.name(lang)}",
                task.status,
                task.progress,
                pieces=pieces,
            )
            for task in items
        ]
    else:
        deliverable_url = url_pattern("work.deliverable", "deliverable_id")
        review = kind == "review"
        shown = [
            markup.work_item(
                deliverable_url(d.id) + "#review-heading" if review else deliverable_url(d.id),
                d.title,
                d.due_on,
                today,
                d.group.name(lang),
                d.status,
                d.progress,
                "list-group-item px-0" if review else "list-group-item",
                pieces,
            )
            for d in items
        ]
    return Markup("".join(f"\n      {item}\n      " for item in shown))


def _assignee_choices(group):
    return choices(
        [("", _("— unassigned —"))]
        + [
            (person_id, f"{full_name} ({acronym or name})")
            for person_id, full_name, acronym, name in work_queries.eligible_assignees(group)
        ]
    )


def _statuses(flow, current: WorkStatus, allowed=lambda status: True) -> list[WorkStatus]:
    return [current] + [s for s in WorkStatus if s in flow.get(current, set()) and allowed(s)]


def _deliverable_moves(deliverable: Deliverable) -> list[WorkStatus]:
    """The statuses this person may choose in a progress update (a review makes the rest)."""
    return _statuses(
        DELIVERABLE_FLOW,
        deliverable.status,
        lambda s: (
            (deliverable.status, s) not in REVIEW_MOVES
            and policy.can(current_user, "move_deliverable", (deliverable, s))
        ),
    )


def _deliverable_progress_form(deliverable: Deliverable, formdata=None) -> ProgressForm:
    form = ProgressForm(formdata=formdata)
    form.set_statuses(_deliverable_moves(deliverable))
    if formdata is None:
        form.status.data = deliverable.status.value
        form.progress.data = deliverable.progress
        form.build_from(deliverable)
    return form


def _task_progress_form(task: Task, formdata=None) -> ProgressForm:
    form = ProgressForm(formdata=formdata)
    form.set_statuses(_statuses(TASK_FLOW, task.status))
    if formdata is None:
        form.status.data = task.status.value
        form.progress.data = task.progress
        form.build_from(task)
    return form


def _review_form(deliverable: Deliverable, formdata=None) -> ReviewForm:
    form = ReviewForm(formdata=formdata)
    form.reopen.choices = [
        (t.id, t.title)
        for t in sorted(deliverable.tasks, key=lambda t: t.id)
        if t.archived_at is None and t.status == WorkStatus.DONE
    ]
    if formdata is None:
        form.build_from(deliverable)
    return form


def _render_deliverable(
    deliverable: Deliverable,
    status: int = 200,
    *,
    progress_form=None,
    review_form=None,
    conflict: str | None = None,
    merges: list[FieldMerge] | None = None,
):
    return render_template(
        "work/deliverable.html",
        deliverable=deliverable,
        history=work_queries.history(deliverable, current_user),
        progress_form=progress_form or _deliverable_progress_form(deliverable),
        review_form=review_form or _review_form(deliverable),
        action_form=ActionForm(),
        conflict=conflict,
        merges=merges or [],
        today=clock.today(),
        # Handed to the page, not app globals: each global costs every template import.
        choice_list=choice_list,
        deliverable_task_rows=deliverable_task_rows,
    ), status


def _render_task(
    task: Task,
    status: int = 200,
    *,
    progress_form=None,
    conflict=None,
    merges: list[FieldMerge] | None = None,
):
    return render_template(
        "work/task.html",
        task=task,
        history=work_queries.task_history(task),
        progress_form=progress_form or _task_progress_form(task),
        action_form=ActionForm(),
        conflict=conflict,
        merges=merges or [],
        today=clock.today(),
    ), status


# --- my work ------------------------------------------------------------------


@bp.get("/my-work")
@personal
def my_work():
    today = clock.today()
    return render_template(
        "work/my_work.html",
        work=work_queries.my_work(current_user, today),
        today=today,
        my_work_items=my_work_items,
    )


# --- deliverables ---------------------------------------------------------------------------


@bp.route("/groups/<slug>/deliverables/new", methods=["GET", "POST"])
def new_deliverable(slug: str):
    group = group_service.load_group(slug)
    policy.authorize(current_user, "manage_group", group)
    form = DeliverableForm()
    form.owner_institution_id.choices = _owner_choices(group)
    if form.validate_on_submit():
        try:
            deliverable = work_service.create_deliverable(
                group,
                current_user,
                title=form.title.data,
                description=form.description.data,
                due_on=form.due_on.data,
                owner_institution_id=form.owner_institution_id.data,
                progress_mode=ProgressMode(form.progress_mode.data),
                past_due_confirmed=bool(form.confirm_past_due.data),
            )
        except DomainError as error:
            _attach(form, error)
        else:
            flash(_("Deliverable created."), "success")
            return redirect(url_for("work.deliverable", deliverable_id=deliverable.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "work/deliverable_form.html", form=form, group=group, deliverable=None
    ), status


@bp.get("/deliverables/<int:deliverable_id>")
def deliverable(deliverable_id: int):
    return _render_deliverable(work_queries.load_deliverable(deliverable_id, current_user))


@bp.route("/deliverables/<int:deliverable_id>/edit", methods=["GET", "POST"])
def edit_deliverable(deliverable_id: int):
    deliverable = work_queries.load_deliverable(deliverable_id, current_user)
    policy.authorize(current_user, "manage_deliverable", deliverable)
    form = DeliverableForm(obj=deliverable if request.method == "GET" else None)
    form.owner_institution_id.choices = _owner_choices(deliverable.group)
    conflict, merges, status = None, [], 200
    if request.method == "GET":
        form.progress_mode.data = deliverable.progress_mode.value
        form.build_from(deliverable)
    else:
        form.take_chosen(deliverable)
        valid = form.validate_on_submit()
        merges = form.choices_missing(deliverable)
        status = 400
        if valid and not merges:
            try:
                work_service.edit_deliverable(
                    deliverable,
                    current_user,
                    expected_version=form.expected_version(),
                    title=form.title.data,
                    description=form.description.data,
                    due_on=form.due_on.data,
                    owner_institution_id=form.owner_institution_id.data,
                    progress_mode=ProgressMode(form.progress_mode.data),
                    past_due_confirmed=bool(form.confirm_past_due.data),
                )
            except EditConflict as error:
                deliverable = error.subject
                conflict = _conflict_message(error)
                merges = form.merge(deliverable)
                status = 409
            except DomainError as error:
                _attach(form, error)
            else:
                flash(_("Deliverable saved."), "success")
                return redirect(url_for("work.deliverable", deliverable_id=deliverable.id))
        elif merges:
            conflict = _choices_message()
    return render_template(
        "work/deliverable_form.html",
        form=form,
        group=deliverable.group,
        deliverable=deliverable,
        conflict=conflict,
        merges=merges,
    ), status


@bp.post("/deliverables/<int:deliverable_id>/progress")
def deliverable_progress(deliverable_id: int):
    deliverable = work_queries.load_deliverable(deliverable_id, current_user)
    policy.authorize(current_user, "update_deliverable", deliverable)
    form = _deliverable_progress_form(deliverable, formdata=request.form)
    # Any status is parsed; the service decides whether the move is allowed and says why.
    form.status.choices = choices((s.value, s.value) for s in WorkStatus)
    form.take_chosen(deliverable)
    if "progress" not in request.form:
        # Whoever may not set the percent has no such field: it stays what the form showed.
        shown = form.base_value("progress")
        form.progress.data = int(shown) if shown and shown.isdigit() else deliverable.progress
    valid = form.validate_on_submit()
    merges = form.choices_missing(deliverable)
    if valid and not merges:
        # Some moves are the chairs' (done only through review, for one).
        policy.authorize(
            current_user, "move_deliverable", (deliverable, WorkStatus(form.status.data))
        )
        progress = _overridden_percent(form, deliverable)
        if progress is not None:
            # The percent follows the tasks unless a chair or a coordinator overrides it.
            policy.authorize(current_user, "override_deliverable_progress", deliverable)
        try:
            work_service.record_deliverable_progress(
                deliverable,
                current_user,
                expected_version=form.expected_version(),
                status=WorkStatus(form.status.data),
                progress=progress,
                note=form.note.data,
                evidence_url=form.evidence_url.data,
            )
        except EditConflict as error:
            merges = form.merge(error.subject)
            _restore_status_choices(form, error.subject)
            return _render_deliverable(
                error.subject,
                409,
                progress_form=form,
                conflict=_conflict_message(error),
                merges=merges,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            flash(_("Progress recorded."), "success")
            return redirect(url_for("work.deliverable", deliverable_id=deliverable.id))
    _restore_status_choices(form, deliverable)
    return _render_deliverable(
        deliverable,
        400,
        progress_form=form,
        conflict=_choices_message() if merges else None,
        merges=merges,
    )


def _restore_status_choices(form: ProgressForm, deliverable: Deliverable) -> None:
    form.set_statuses(_deliverable_moves(deliverable))


def _overridden_percent(form: ProgressForm, deliverable: Deliverable) -> int | None:
    """The percent typed, if it is a change (an override); None when it was left as shown.

    Compared with what the form showed, not with the current percent: a sibling task's
    save can move a derived percent meanwhile, and leaving the field alone overrides
    nothing."""
    typed = form.progress.data
    if typed is None:
        return None
    shown = form.base_value("progress")
    if shown is not None:
        return None if shown == str(typed) else typed
    return None if typed == deliverable.progress else typed


@bp.post("/deliverables/<int:deliverable_id>/review")
def review_deliverable(deliverable_id: int):
    deliverable = work_queries.load_deliverable(deliverable_id, current_user)
    policy.authorize(current_user, "review_deliverable", deliverable)
    form = _review_form(deliverable, formdata=request.form)
    if form.validate_on_submit():
        try:
            work_service.review_deliverable(
                deliverable,
                current_user,
                expected_version=form.expected_version(),
                approve=form.decision.data == "approve",
                comment=form.comment.data,
                reopen_task_ids=form.reopen.data or [],
            )
        except EditConflict as error:
            form.merge(error.subject)  # the new version; a decision is never merged
            return _render_deliverable(
                error.subject, 409, review_form=form, conflict=_conflict_message(error)
            )
        except DomainError as error:
            _attach(form, error)
        else:
            flash(_("Review recorded."), "success")
            return redirect(url_for("work.deliverable", deliverable_id=deliverable.id))
    return _render_deliverable(deliverable, 400, review_form=form)


@bp.post("/deliverables/<int:deliverable_id>/archive")
def archive_deliverable(deliverable_id: int):
    deliverable = work_queries.load_deliverable(deliverable_id, current_user)
    policy.authorize(current_user, "manage_deliverable", deliverable)
    require_action_form()
    work_service.archive(deliverable, current_user)
    flash(_("Deliverable archived. It can be restored from the group page."), "info")
    return redirect(url_for("groups.detail", slug=deliverable.group.slug))


@bp.post("/deliverables/<int:deliverable_id>/restore")
def restore_deliverable(deliverable_id: int):
    deliverable = work_queries.load_deliverable(deliverable_id, current_user)
    policy.authorize(current_user, "manage_deliverable", deliverable)
    require_action_form()
    work_service.restore(deliverable, current_user)
    flash(_("Deliverable restored."), "success")
    return redirect(url_for("work.deliverable", deliverable_id=deliverable.id))


# --- tasks ----------------------------------------------------------------------------------


@bp.route("/deliverables/<int:deliverable_id>/tasks/new", methods=["GET", "POST"])
def new_task(deliverable_id: int):
    deliverable = work_queries.load_deliverable(deliverable_id, current_user)
    policy.authorize(current_user, "manage_deliverable", deliverable)
    form = TaskForm()
    form.assignee_id.choices = _assignee_choices(deliverable.group)
    if form.validate_on_submit():
        try:
            task = work_service.create_task(
                deliverable,
                current_user,
                title=form.title.data,
                description=form.description.data,
                assignee_id=form.assignee_id.data,
                due_on=form.due_on.data,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            flash(_("Task created."), "success")
            return redirect(
                url_for(
                    "work.deliverable", deliverable_id=deliverable.id, _anchor=f"task-{task.id}"
                )
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "work/task_form.html", form=form, deliverable=deliverable, task=None
    ), status


@bp.get("/tasks/<int:task_id>")
def task(task_id: int):
    return _render_task(work_queries.load_task(task_id, current_user))


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def edit_task(task_id: int):
    task = work_queries.load_task(task_id, current_user)
    policy.authorize(current_user, "manage_task", task)
    form = TaskForm(obj=task if request.method == "GET" else None)
    form.assignee_id.choices = _assignee_choices(task.deliverable.group)
    conflict, merges, status = None, [], 200
    if request.method == "GET":
        form.build_from(task)
    else:
        form.take_chosen(task)
        valid = form.validate_on_submit()
        merges = form.choices_missing(task)
        status = 400
        if valid and not merges:
            try:
                work_service.edit_task(
                    task,
                    current_user,
                    expected_version=form.expected_version(),
                    title=form.title.data,
                    description=form.description.data,
                    assignee_id=form.assignee_id.data,
                    due_on=form.due_on.data,
                )
            except EditConflict as error:
                task = error.subject
                conflict = _conflict_message(error)
                merges = form.merge(task)
                status = 409
            except DomainError as error:
                _attach(form, error)
            else:
                flash(_("Task saved."), "success")
                return redirect(url_for("work.task", task_id=task.id))
        elif merges:
            conflict = _choices_message()
    return render_template(
        "work/task_form.html",
        form=form,
        deliverable=task.deliverable,
        task=task,
        conflict=conflict,
        merges=merges,
    ), status


@bp.post("/tasks/<int:task_id>/progress")
def task_progress(task_id: int):
    task = work_queries.load_task(task_id, current_user)
    policy.authorize(current_user, "update_task", task)
    form = _task_progress_form(task, formdata=request.form)
    form.status.choices = choices((s.value, s.value) for s in WorkStatus)
    form.take_chosen(task)
    valid = form.validate_on_submit()
    merges = form.choices_missing(task)
    if valid and not merges:
        try:
            work_service.record_task_progress(
                task,
                current_user,
                expected_version=form.expected_version(),
                status=WorkStatus(form.status.data),
                progress=form.progress.data,
                note=form.note.data,
                evidence_url=form.evidence_url.data,
            )
        except EditConflict as error:
            merges = form.merge(error.subject)
            form.set_statuses(_statuses(TASK_FLOW, error.subject.status))
            return _render_task(
                error.subject,
                409,
                progress_form=form,
                conflict=_conflict_message(error),
                merges=merges,
            )
        except DomainError as error:
            _attach(form, error)
        else:
            flash(_("Progress recorded."), "success")
            return redirect(
                request.form.get("return_to") == "my-work"
                and url_for("work.my_work")
                or url_for("work.task", task_id=task.id)
            )
    form.set_statuses(_statuses(TASK_FLOW, task.status))
    return _render_task(
        task,
        400,
        progress_form=form,
        conflict=_choices_message() if merges else None,
        merges=merges,
    )


@bp.post("/tasks/<int:task_id>/archive")
def archive_task(task_id: int):
    task = work_queries.load_task(task_id, current_user)
    policy.authorize(current_user, "manage_task", task)
    require_action_form()
    work_service.archive(task, current_user)
    flash(_("Task archived. It can be restored from its deliverable."), "info")
    return redirect(url_for("work.deliverable", deliverable_id=task.deliverable_id))


@bp.post("/tasks/<int:task_id>/restore")
def restore_task(task_id: int):
    task = work_queries.load_task(task_id, current_user)
    policy.authorize(current_user, "manage_task", task)
    require_action_form()
    work_service.restore(task, current_user)
    flash(_("Task restored."), "success")
    return redirect(url_for("work.task", task_id=task.id))
