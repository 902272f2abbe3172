"""Where the bytes of files are kept: a folder (STORAGE_DIR), outside the web root, each
file under a random key (never its name), in a subfolder of the key's first two letters."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app


def root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def new_key() -> str:
    return secrets.token_hex(20)


def path_of(key: str) -> Path:
    return path_under(root(), key)


def path_under(folder: Path, key: str) -> Path:
    """Where `key` lives under the storage folder `folder` (backups name theirs)."""
    if len(key) != 40 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("not a storage key")
    return folder / key[:2] / key


def save(key: str, data: bytes, folder: Path | None = None) -> None:
    """Write the bytes (to a temporary name first: a half-written file is never served)."""
    path = path_under(folder if folder is not None else root(), key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def remove(key: str) -> None:
    path_of(key).unlink(missing_ok=True)


def exists(key: str) -> bool:
    return path_of(key).is_file()
