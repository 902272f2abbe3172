"""The inbox: what a person has been told, marked read one by one or all at once."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..account.views import safe_next_url
from ..core.forms import ActionForm, require_action_form
from ..policy import personal
from . import service as notifications

bp = Blueprint("notifications", __name__)


@bp.get("/inbox")
@personal
def inbox():
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
    )


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
