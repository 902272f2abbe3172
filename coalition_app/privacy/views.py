"""The privacy notice (public), a person's own privacy page and data download (personal),
and the coordinators' list of rights requests."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from models import RequestStatus, RightKind, utcnow

from ..core import clock
from ..core.errors import DomainError
from ..core.forms import attach_error
from ..core.html import escape_each
from ..core.i18n import current_language
from ..core.privacy_notice import CURRENT_VERSION, PATH
from ..policy import authorize, personal, public
from . import notices
from . import service as privacy
from .deadlines import working_days_left
from .forms import AnswerForm, RectifyForm, RequestForm

bp = Blueprint("privacy", __name__)


@bp.app_context_processor
def _notice_globals() -> dict:
    return {"privacy_notice_path": PATH, "privacy_notice_version": CURRENT_VERSION}


@bp.get(PATH)
@bp.get("/privacy", endpoint="notice_en")
@public
def notice():
    """The notice in force, or an earlier version (`?version=`), in the reader's language."""
    version = request.args.get("version", CURRENT_VERSION)
    shown = notices.notice(version, current_language())
    if shown is None:
        abort(400)  # no such version: a query string the page does not know
    return render_template(
        "privacy/notice.html", notice=shown, versions=notices.versions(), current=CURRENT_VERSION
    )


# --- a person's own privacy page -------------------------------------------------------------


_ROW_START = '\n    <dl class="row small border-bottom py-1 mb-1 text-break">\n      '
_ROW_END = "\n    </dl>\n    "


def _escaped_texts(values: list[Any]) -> list[str]:
    """Each value as the page shows it, escaped ("—" for an empty one)."""
    return escape_each(["—" if value is None else value for value in values])


def data_rows(rows: list[dict[str, Any]]) -> Markup:
    """A table's rows of the person's data as the page lists them: a `<dl>` per row, a `<dt>`
    and a `<dd>` per column, each on its line. The same markup as a template loop, written
    here because the page shows several hundred cells."""
    if not rows:
        return Markup("")
    keys = _escaped_texts(list(rows[0]))  # every row of a table has the same columns
    values = _escaped_texts([value for row in rows for value in row.values()])
    cells = [
        f'\n      <dt class="col-sm-4 text-break">{key}</dt>'
        f'<dd class="col-sm-8 mb-0">{value}</dd>\n      '
        for key, value in zip(keys * len(rows), values, strict=True)
    ]
    width = len(keys)
    return Markup(
        "".join(
            [
                f"{_ROW_START}{''.join(cells[at * width : (at + 1) * width])}{_ROW_END}"
                for at in range(len(rows))
            ]
        )
    )


def _mine(form: RequestForm, code: int = 200):
    data = privacy.personal_data(current_user)
    return render_template(
        "privacy/mine.html",
        data_rows=data_rows,
        data=data,
        titles=privacy.section_titles(),
        form=form,
        requests=privacy.my_requests(current_user),
        kinds=privacy.kind_labels(),
        statuses=privacy.status_labels(),
    ), code


@bp.get("/account/privacy")
@personal
def mine():
    return _mine(RequestForm(formdata=None))


@bp.get("/account/privacy.json")
@personal
def download():
    body = json.dumps(privacy.personal_data(current_user).as_json(), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@bp.post("/account/privacy/requests")
@personal
def file_request():
    form = RequestForm()
    if not form.validate_on_submit():
        return _mine(form, 400)
    try:
        privacy.file_request(
            current_user, RightKind(form.kind.data), form.details.data or "", clock.today()
        )
    except DomainError as error:
        attach_error(form, error)
        return _mine(form, 400)
    flash(
        _("Your request was received: the coordination answers within 20 working days."), "success"
    )
    return redirect(url_for("privacy.mine"), 303)


# --- the coordinators' list ------------------------------------------------------------------


@bp.get("/privacy/requests")
def requests():
    authorize(current_user, "answer_privacy_requests")
    today = clock.today()
    items = privacy.open_requests_first()
    return render_template(
        "privacy/requests.html",
        items=items,
        today=today,
        left={
            r.id: working_days_left(today, r.due_on)
            for r in items
            if r.status == RequestStatus.OPEN
        },
        kinds=privacy.kind_labels(),
        statuses=privacy.status_labels(),
    )


def _request_page(item, rectify_form=None, answer_form=None, code=200):
    person = item.user
    if rectify_form is None:
        rectify_form = RectifyForm(
            formdata=None, full_name=person.full_name, title=person.title, phone=person.phone
        )
    today = clock.today()
    return render_template(
        "privacy/request.html",
        item=item,
        person=person,
        rectify_form=rectify_form,
        answer_form=answer_form or AnswerForm(formdata=None),
        today=today,
        left=working_days_left(today, item.due_on),
        kinds=privacy.kind_labels(),
        statuses=privacy.status_labels(),
    ), code


@bp.get("/privacy/requests/<int:request_id>")
def request_detail(request_id: int):
    authorize(current_user, "answer_privacy_requests")
    return _request_page(privacy.load_request(request_id))


ACTIONS = ("rectify", "oppose", "cancel", "refuse")


@bp.post("/privacy/requests/<int:request_id>/<action>")
def act(request_id: int, action: str):
    authorize(current_user, "answer_privacy_requests")
    item = privacy.load_request(request_id)
    if action not in ACTIONS:
        abort(404)
    now = utcnow()
    if action == "rectify":
        form: AnswerForm = RectifyForm()
        if not form.validate_on_submit():
            return _request_page(item, rectify_form=form, code=400)
    else:
        form = AnswerForm()
        if not form.validate_on_submit():
            return _request_page(item, answer_form=form, code=400)
    answer = form.answer.data or ""
    try:
        if action == "rectify":
            assert isinstance(form, RectifyForm)
            privacy.rectify(
                item,
                privacy.Rectification(form.full_name.data, form.title.data, form.phone.data),
                answer,
                current_user,
                now,
            )
        elif action == "oppose":
            privacy.oppose_emails(item, answer, current_user, now)
        elif action == "cancel":
            privacy.cancel(item, answer, current_user, now)
        else:
            privacy.refuse(item, answer, current_user, now)
    except DomainError as error:
        attach_error(form, error)
        if action == "rectify":
            return _request_page(item, rectify_form=form, code=400)  # type: ignore[arg-type]
        return _request_page(item, answer_form=form, code=400)
    flash(_("The request was answered and the person told."), "success")
    return redirect(url_for("privacy.request_detail", request_id=item.id), 303)
