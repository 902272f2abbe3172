"""Comments on deliverables, tasks and meetings: load → authorise → validate → use case →
back to the subject's page (at the comment). A refused comment is shown again, with what was
typed and the message next to the field (400; 409 for an edit from a stale page)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from models import Comment

from .. import policy
from ..core.errors import DomainError, EditConflict
from ..core.forms import ActionForm, attach_error, require_action_form
from ..core.markdown import render_markdown
from . import queries
from . import service as comments
from .forms import CommentForm, EditCommentForm, HideForm
from .subjects import Kind, Subject, kind_of, load_subject, subject_path

bp = Blueprint("comments", __name__)


# --- what the thread macro (templates/comments/_thread.html) asks -----------------------------


@bp.app_template_global()
def comment_html(comment: Comment) -> Markup:
    """A comment's text as safe HTML, its mentions linked."""
    return render_markdown(comment.body, queries.mention_links(comment))


@bp.app_template_global()
def comment_thread(subject: Subject) -> dict[str, object]:
    """Everything `thread(...)` shows for a subject: its comments, the form (for who may
    comment), the people it may mention, and the forms of each comment one may act on. A
    fixed number of queries, whatever the number of comments."""
    items = queries.thread(subject)
    may_discuss = policy.can(current_user, "discuss", subject)
    kind = kind_of(subject)
    return {
        "subject": subject,
        "kind": kind,
        "action": url_for(f"comments.add_to_{kind}", **{f"{kind}_id": subject.id}),
        "action_form": ActionForm(),
        "moderator": policy.can(current_user, "moderate_subject", subject),
        "comments": items,
        "form": CommentForm(formdata=None) if may_discuss else None,
        "people": queries.mention_options(subject) if may_discuss else "",
        "edit_forms": {
            c.id: _edit_form(c) for c in items if policy.can(current_user, "edit_comment", c)
        },
        "hide_forms": {
            c.id: HideForm(formdata=None, prefix=f"hide-{c.id}")
            for c in items
            if c.hidden_at is None and policy.can(current_user, "moderate_comment", c)
        },
        "deletable": {c.id for c in items if policy.can(current_user, "delete_comment", c)},
        "edit_until": {c.id: policy.edit_window_ends(c) for c in items},
        "minutes": current_app.config["COMMENT_EDIT_MINUTES"],
    }


def _edit_form(comment: Comment, formdata: object = None) -> EditCommentForm:
    form = EditCommentForm(formdata=formdata, prefix=f"comment-{comment.id}")
    if formdata is None:
        form.body.data = comment.body
        form.version.data = str(comment.version)
    return form


# --- new comments ---------------------------------------------------------------------------


def _add(kind: Kind, subject_id: int):
    subject = load_subject(kind, subject_id, current_user)
    policy.authorize(current_user, "discuss", subject)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment = comments.add_comment(subject, current_user, body=form.body.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Comment added."), "success")
            return redirect(f"{subject_path(subject)}#comment-{comment.id}")
    return _form_page(subject, form, "new"), 400


@bp.post("/deliverables/<int:deliverable_id>/comments")
def add_to_deliverable(deliverable_id: int):
    return _add("deliverable", deliverable_id)


@bp.post("/tasks/<int:task_id>/comments")
def add_to_task(task_id: int):
    return _add("task", task_id)


@bp.post("/meetings/<int:meeting_id>/comments")
def add_to_meeting(meeting_id: int):
    return _add("meeting", meeting_id)


@bp.post("/recommendations/<int:recommendation_id>/comments")
def add_to_recommendation(recommendation_id: int):
    return _add("recommendation", recommendation_id)


def _form_page(subject: Subject, form, mode: str, comment: Comment | None = None, **extra):
    may_discuss = policy.can(current_user, "discuss", subject)
    kind = kind_of(subject)
    return render_template(
        "comments/form.html",
        new_action=url_for(f"comments.add_to_{kind}", **{f"{kind}_id": subject.id}),
        subject=subject,
        subject_url=subject_path(subject),
        form=form,
        mode=mode,
        comment=comment,
        people=queries.mention_options(subject) if may_discuss and mode != "hide" else "",
        edit_until=policy.edit_window_ends(comment) if comment is not None else None,
        **extra,
    )


# --- one comment ----------------------------------------------------------------------------


@bp.post("/comments/<int:comment_id>/edit")
def edit(comment_id: int):
    comment = queries.load_comment(comment_id, current_user)
    subject = comment.subject
    if not policy.can(current_user, "edit_comment", comment):
        if comment.author_id != current_user.id or comment.hidden_at is not None:
            policy.authorize(current_user, "edit_comment", comment)  # 403
        # Its author, once the window has closed: said, with what was typed kept.
        form = _posted_edit_form(comment)
        form.form_errors.append(_window_closed_message(comment))
        return _form_page(subject, form, "late", comment), 403
    form = _posted_edit_form(comment)
    if form.validate_on_submit():
        try:
            comments.edit_comment(
                comment,
                current_user,
                body=form.body.data,
                expected_version=form.expected_version(),
            )
        except EditConflict:
            form.form_errors.append(
                _(
                    "Not saved: this comment changed after you opened it (in another tab?). "
                    "What you typed is below; its current text is shown above it."
                )
            )
            form.version.data = str(comment.version)
            return _form_page(subject, form, "edit", comment, conflict=True), 409
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Comment saved."), "success")
            return redirect(f"{subject_path(subject)}#comment-{comment.id}")
    return _form_page(subject, form, "edit", comment), 400


def _posted_edit_form(comment: Comment) -> EditCommentForm:
    return EditCommentForm(prefix=f"comment-{comment.id}")


def _window_closed_message(comment: Comment) -> str:
    return _(
        "Not saved: the time to edit this comment ended at %(until)s. You may delete it and "
        "write a new one.",
        until=format_datetime(policy.edit_window_ends(comment), "short"),
    )


@bp.post("/comments/<int:comment_id>/delete")
def delete(comment_id: int):
    comment = queries.load_comment(comment_id, current_user)
    policy.authorize(current_user, "delete_comment", comment)
    _require_button()
    comments.delete_comment(comment, current_user)
    flash(_("Comment deleted."), "info")
    return redirect(f"{subject_path(comment.subject)}#comments")


@bp.post("/comments/<int:comment_id>/hide")
def hide(comment_id: int):
    comment = queries.load_comment(comment_id, current_user)
    policy.authorize(current_user, "moderate_comment", comment)
    form = HideForm(prefix=f"hide-{comment.id}")
    if form.validate_on_submit():
        try:
            comments.hide_comment(comment, current_user, reason=form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Comment hidden."), "info")
            return redirect(f"{subject_path(comment.subject)}#comment-{comment.id}")
    return _form_page(comment.subject, form, "hide", comment), 400


@bp.post("/comments/<int:comment_id>/unhide")
def unhide(comment_id: int):
    comment = queries.load_comment(comment_id, current_user)
    policy.authorize(current_user, "moderate_comment", comment)
    _require_button()
    comments.unhide_comment(comment, current_user)
    flash(_("Comment shown again."), "success")
    return redirect(f"{subject_path(comment.subject)}#comment-{comment.id}")


def _require_button() -> None:
    require_action_form()
