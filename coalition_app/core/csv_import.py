"""A CSV import in two steps, shared by the institutions' and the ties' imports: upload and
preview (nothing changes; a file with errors is refused row by row), then confirm (the staged
file is applied all or nothing). Each feature gives its CSV module, its template and the words of
its summary; access is checked by the feature's view before it calls `upload` or `confirm`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from . import clock
from .errors import DomainError
from .forms import Form, attach_error
from .staged_uploads import StagedUploads


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class ConfirmImportForm(Form):
    upload = HiddenField()


class CsvModule(Protocol):
    """What a feature's CSV module offers an import (`directory.csv_io`, `ties.csv_io`)."""

    MAX_UPLOAD_BYTES: int

    def preview(self, content: bytes, today: date) -> Any: ...

    def apply(self, content: bytes, actor: Any, today: date) -> Any: ...


@dataclass(frozen=True)
class CsvImport:
    csv: CsvModule
    template: str
    uploads: StagedUploads
    upload_endpoint: str
    confirm_endpoint: str
    done_endpoint: str
    #: The flash after a confirmed import, from the applied result.
    summary: Callable[[Any], str]

    def _page(self, status: int, **context: Any) -> ResponseReturnValue:
        return render_template(self.template, flow=self, **context), status

    def upload(self) -> ResponseReturnValue:
        form = ImportForm()
        if not form.validate_on_submit():
            return self._page(400 if form.is_submitted() else 200, form=form, preview=None)
        content = form.file.data.read(self.csv.MAX_UPLOAD_BYTES + 1)
        try:
            preview = self.csv.preview(content, clock.today())
        except DomainError as error:
            attach_error(form, error)
            return self._page(400, form=form, preview=None)
        confirm = ConfirmImportForm()
        if preview.ok and preview.rows:
            confirm.upload.data = self.uploads.stage(content)
        # A file with errors is refused (400): the preview says what to mend, row by row.
        return self._page(
            200 if preview.ok else 400,
            form=ImportForm(formdata=None),
            preview=preview,
            confirm=confirm,
        )

    def confirm(self) -> ResponseReturnValue:
        confirm = ConfirmImportForm()
        if not confirm.validate_on_submit():
            abort(400)
        path = self.uploads.find(confirm.upload.data)
        if path is None:
            flash(_("That preview has expired. Upload the file again."), "warning")
            return redirect(url_for(self.upload_endpoint))
        content = path.read_bytes()
        try:
            result = self.csv.apply(content, current_user, clock.today())
        except DomainError as error:
            form = ImportForm(formdata=None)
            attach_error(form, error)
            return self._page(400, form=form, preview=self.csv.preview(content, clock.today()))
        self.uploads.discard(path)
        flash(self.summary(result), "success")
        return redirect(url_for(self.done_endpoint))
