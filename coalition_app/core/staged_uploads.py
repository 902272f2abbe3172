"""A CSV file kept between its preview and its confirmation (the directory's and the ties'
imports): on disk under the instance folder, named by a random id that only the uploader's
session holds, removed when confirmed or after a day."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, session

#: A preview left unconfirmed this long is removed at the next upload.
MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StagedUploads:
    """Uploads of one kind of import: `session_key` names it in the session, `prefix` its
    files in the shared folder."""

    session_key: str
    prefix: str = ""

    @staticmethod
    def folder() -> Path:
        path = Path(current_app.instance_path) / "imports"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _path(self, upload_id: str) -> Path:
        return self.folder() / f"{self.prefix}{upload_id}.csv"

    def stage(self, content: bytes) -> str:
        """Keep `content` (readable by this process only) and return its id for the form."""
        self._remove_old()
        upload_id = secrets.token_urlsafe(16)
        fd = os.open(self._path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        session[self.session_key] = upload_id
        return upload_id

    def find(self, upload_id: str | None) -> Path | None:
        """The staged file, if this session staged it and it is still there."""
        if not upload_id or upload_id != session.get(self.session_key):
            return None
        if not upload_id.replace("-", "").replace("_", "").isalnum():
            return None
        path = self._path(upload_id)
        return path if path.exists() else None

    def discard(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        session.pop(self.session_key, None)

    def _remove_old(self) -> None:
        cutoff = time.time() - MAX_AGE_SECONDS
        for old in self.folder().glob("*.csv"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                pass
