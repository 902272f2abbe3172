"""Static files under addresses that change with their content, so browsers keep them a year.

At start-up every file under the static folder is hashed once; ``url_for('static', ...)`` then
adds ``?v=<the first 12 hex digits of its SHA-256>``. An answer to an address with the current
hash is ``public, max-age=31536000, immutable``: a new version has a new address, so a kept copy
is never stale. Any other address (no ``v``, an old one) gets ``STATIC_MAX_AGE`` seconds
(five minutes), as a file linked from outside the templates may change under the same name.

With ``DEBUG`` on, the hashes are read again when a file changes (its modification time), so an
edited script shows at once in development.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

EXTENSION = "static_versions"
IMMUTABLE = "public, max-age=31536000, immutable"


class StaticVersions:
    """The content hash of every file of one static folder, by its name under that folder."""

    def __init__(self, folder: Path, track_changes: bool = False) -> None:
        self.folder = folder
        self.track_changes = track_changes
        self.hashes: dict[str, str] = {}
        self.stamps: dict[str, float] = {}
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    self._read(path.relative_to(folder).as_posix(), path)

    def _read(self, name: str, path: Path) -> str:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self.hashes[name] = digest
        self.stamps[name] = path.stat().st_mtime
        return digest

    def version(self, name: str) -> str | None:
        """The file's hash, or None for a name that is not a file of the folder."""
        if self.track_changes:
            path = self.folder / name
            if not path.is_file():
                return None
            if self.stamps.get(name) != path.stat().st_mtime:
                return self._read(name, path)
        return self.hashes.get(name)


def init_app(app: Flask) -> None:
    app.config.setdefault("STATIC_MAX_AGE", 300)
    if app.static_folder is None:
        return
    versions = StaticVersions(Path(app.static_folder), track_changes=app.debug)
    app.extensions[EXTENSION] = versions

    @app.url_defaults
    def _add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = versions.version(values["filename"])
            if version is not None:
                values["v"] = version

    @app.after_request
    def _static_cache_headers(response: Response) -> Response:
        if request.endpoint != "static" or request.view_args is None:
            return response
        version = versions.version(str(request.view_args.get("filename", "")))
        if version is not None and request.args.get("v") == version:
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            response.headers["Cache-Control"] = (
                f"public, max-age={current_app.config['STATIC_MAX_AGE']}"
            )
        return response
