"""Files on deliverables, tasks and meetings: upload, download (only to who may see the
object, as a download with `nosniff` and the type found in the content) and delete."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from wtforms import Field
from wtforms.meta import DefaultMeta
from wtforms.widgets.core import FileInput, clean_key

from .. import policy
from ..comments.subjects import Kind, Subject, load_subject, subject_path
from ..core.errors import DomainError, render_error
from ..core.fields import html_attributes
from ..core.forms import ActionForm, attach_error, require_action_form
from . import queries, storage
from . import service as files
from .forms import UploadForm

bp = Blueprint("files", __name__)


@bp.app_template_global()
def file_input(f: Field, **kwargs: Any) -> Markup:
    """`f(**kwargs)` for a file field, the same HTML without WTForms' attribute formatting
    (core/fields.py writes the other widgets; a file input is only here, for now)."""
    widget = f.widget
    if (
        type(widget).__call__ is not FileInput.__call__
        or type(f).__call__ is not Field.__call__
        or type(f.meta).render_field is not DefaultMeta.render_field
    ):
        return Markup(f(**kwargs))
    attributes = {clean_key(k): v for k, v in kwargs.items()}
    if f.render_kw is not None:
        attributes = dict({clean_key(k): v for k, v in f.render_kw.items()}, **attributes)
    attributes["value"] = False
    if widget.multiple:
        attributes["multiple"] = True
    attributes.setdefault("id", f.id)
    attributes.setdefault("type", widget.input_type)
    flags = vars(f.flags)
    for k in widget.validation_attrs:
        if k in flags and k not in attributes:
            value = flags[k]
            attributes[k] = value() if callable(value) else value
    return Markup(f"<input {html_attributes(dict(name=f.name, **attributes))}>")


UPLOAD_ENDPOINTS = frozenset(
    {"files.upload_to_deliverable", "files.upload_to_task", "files.upload_to_meeting"}
)
#: Room for the rest of an upload's request (the form's other fields, the multipart frames).
FORM_ROOM = 64 * 1024


@bp.record_once
def _install_upload_limit(state: BlueprintSetupState) -> None:
    """Uploads may be larger than MAX_CONTENT_LENGTH (every other request's bound): the larger
    bound is set before any hook reads the form (the CSRF check does, first thing)."""
    app: Flask = state.app

    def _upload_limit() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"] + FORM_ROOM

    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    return render_error(
        413,
        _(
            "This file is larger than the %(limit)s a file may have. Nothing was saved: "
            "choose a smaller file (or compress it) and try again.",
            limit=files.size_text(current_app.config["MAX_UPLOAD_BYTES"]),
        ),
    )


@bp.app_template_global()
def file_list(subject: Subject) -> dict[str, object]:
    """What `templates/files/_list.html` shows for a subject (one query for its files)."""
    items = queries.files_of(subject)
    may_upload = policy.can(current_user, "discuss", subject)
    return {
        "subject": subject,
        "files": items,
        "form": UploadForm(formdata=None) if may_upload else None,
        "deletable": {a.id for a in items if policy.can(current_user, "delete_attachment", a)},
        "action_form": ActionForm(),
        "limit": files.size_text(current_app.config["MAX_UPLOAD_BYTES"]),
        "types": files.allowed_labels(),
        "accept": ",".join(
            extension for kind in files.allowed_types() for extension in kind.extensions
        ),
        "size_text": files.size_text,
    }


def _upload(kind: Kind, subject_id: int):
    subject = load_subject(kind, subject_id, current_user)
    policy.authorize(current_user, "discuss", subject)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            attachment = files.attach(
                subject, current_user, filename=upload.filename or "", data=upload.read()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("File “%(name)s” uploaded.", name=attachment.name), "success")
            return redirect(f"{subject_path(subject)}#files")
    return render_template(
        "files/upload.html",
        subject=subject,
        subject_url=subject_path(subject),
        listing=file_list(subject) | {"form": form},
    ), 400


@bp.post("/deliverables/<int:deliverable_id>/files")
def upload_to_deliverable(deliverable_id: int):
    return _upload("deliverable", deliverable_id)


@bp.post("/tasks/<int:task_id>/files")
def upload_to_task(task_id: int):
    return _upload("task", task_id)


@bp.post("/meetings/<int:meeting_id>/files")
def upload_to_meeting(meeting_id: int):
    return _upload("meeting", meeting_id)


@bp.get("/files/<int:file_id>")
def download(file_id: int):
    attachment = queries.load_attachment(file_id, current_user)
    if not storage.exists(attachment.storage_key):
        current_app.logger.warning("File %s has no bytes in the storage", attachment.id)
        raise NotFound()
    response = send_file(
        storage.path_of(attachment.storage_key),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.name,
        max_age=0,
        etag=attachment.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Opened by mistake in the browser, it still runs nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/files/<int:file_id>/delete")
def delete(file_id: int):
    attachment = queries.load_attachment(file_id, current_user)
    policy.authorize(current_user, "delete_attachment", attachment)
    require_action_form()
    files.delete(attachment, current_user)
    flash(_("File “%(name)s” deleted.", name=attachment.name), "info")
    return redirect(f"{subject_path(attachment.subject)}#files")
