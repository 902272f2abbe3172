"""The inbox: what a person has been told, marked read one by one or all at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import NotificationKind

from ..account.views import safe_next_url
from ..core.fields import choice_list
from ..core.forms import ActionForm, require_action_form
from ..policy import personal
from . import service as notifications
from .forms import EmailChoicesForm

bp = Blueprint("notifications", __name__)


def _email_form(formdata=None) -> EmailChoicesForm:
    form = EmailChoicesForm(formdata=formdata)
    labels = notifications.kind_labels()
    form.email.choices = [
        (kind.value, labels.get(kind, str(kind))) for kind in notifications.EMAIL_KINDS
    ]
    if formdata is None:
        chosen = notifications.email_choices(current_user)
        form.email.data = [kind.value for kind, wanted in chosen.items() if wanted]
    return form


@bp.get("/inbox")
@personal
def inbox():
    return _render_inbox(_email_form())


def _render_inbox(email_form: EmailChoicesForm, status: int = 200):
    # Read when seen: the layout's badge, rendered after this, counts what is left unread.
    if _seen_by_the_person():
        items, new_ids = notifications.read_inbox(current_user)
    else:
        items = notifications.inbox(current_user)
        new_ids = {item.id for item in items if item.read_at is None}
    return render_template(
        "notifications/inbox.html",
        items=items,
        new_ids=new_ids,
        message=notifications.message,
        action_form=ActionForm(),
        email_form=email_form,
        choice_list=choice_list,
    ), status


@bp.post("/inbox/email")
@personal
def email_choices():
    """Which kinds of notification the signed-in person also gets by e-mail."""
    form = _email_form(formdata=request.form)
    if not form.validate_on_submit():
        return _render_inbox(form, 400)
    notifications.set_email_choices(
        current_user, {NotificationKind(value) for value in form.email.data or []}
    )
    flash(_("Your e-mail choices are saved."), "success")
    return redirect(url_for("notifications.inbox", _anchor="email-choices"))


def _seen_by_the_person() -> bool:
    """Whether this GET is the person opening their inbox, which marks it read: not a HEAD,
    not a browser's prefetch, not a page of another site sending them here (the browser says
    so in Sec-Fetch-Site; a request without the header, from an older browser, counts)."""
    if request.method != "GET":
        return False
    if "prefetch" in request.headers.get("Sec-Purpose", request.headers.get("Purpose", "")):
        return False
    return request.headers.get("Sec-Fetch-Site", "none") in {"none", "same-origin"}


@bp.post("/inbox/read")
@personal
def mark_all_read():
    require_action_form()
    notifications.mark_read(current_user)
    return redirect(url_for("notifications.inbox"))


@bp.post("/inbox/<int:notification_id>/read")
@personal
def mark_read(notification_id: int):
    require_action_form()
    # Scoped to the signed-in person: someone else's id simply matches nothing.
    if not notifications.mark_read(current_user, notification_id):
        abort(404)
    target = request.form.get("next", "")
    return redirect(safe_next_url(target) or url_for("notifications.inbox"))
