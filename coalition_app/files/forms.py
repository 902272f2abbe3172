"""The upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from ..core.forms import Form


class UploadForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload."))])
