"""Every table to one JSON document, and back into an empty database, exactly.

`flask --app wsgi export-data FILE` / `flask --app wsgi import-data FILE`. Values are
written by column type (dates and times as ISO 8601, JSON as JSON), rows ordered by primary
key, tables in dependency order, so that export → import → export gives the same document.

The stored files (attachments' bytes, under STORAGE_DIR) travel in the same document, in
base64 by storage key, so that a restored database never points at files it lacks; import
checks each against its row's SHA-256 before writing it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, func, insert, select, text

from models import Base

FORMAT = "coalition-export"
#: 2 added the stored files; a version 1 file (no files) is still read.
VERSION = 2
READABLE_VERSIONS = {1, 2}
# Filled by the migrations themselves: replaced on import rather than required empty.
PREFILLED = {"sectors", "states", "data_versions"}


class ImportRefused(Exception):
    pass


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded = {}
    for name, value in row.items():
        column = table.columns[name]
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        decoded[name] = value
    return decoded


def export_data(connection: Connection, storage_dir: Path | None = None) -> dict[str, Any]:
    """Every table, and (given the storage folder) the bytes of every attachment there.
    An attachment whose bytes are missing is listed under "missing_files"."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "tables": {}}
    for table in _tables():
        order = list(table.primary_key.columns)
        rows = connection.execute(select(table).order_by(*order)).mappings()
        document["tables"][table.name] = [
            {key: _encode(value) for key, value in row.items()} for row in rows
        ]
    files: dict[str, str] = {}
    missing: list[str] = []
    if storage_dir is not None:
        from ..files.storage import path_under

        for row in document["tables"].get("attachments", []):
            path = path_under(storage_dir, row["storage_key"])
            if path.is_file():
                files[row["storage_key"]] = base64.b64encode(path.read_bytes()).decode("ascii")
            else:
                missing.append(row["storage_key"])
    document["files"] = files
    document["missing_files"] = missing
    return document


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)


def import_data(
    connection: Connection, document: dict[str, Any], storage_dir: Path | None = None
) -> dict[str, int]:
    """Load an export into an empty database, in the caller's transaction (all or nothing
    for the rows), and its stored files into `storage_dir`. Files are written last, once
    every row is in: a refused import leaves none behind."""
    if document.get("format") != FORMAT or document.get("version") not in READABLE_VERSIONS:
        raise ImportRefused("This file is not a Coalition export (format or version differ).")
    files = _checked_files(document)
    if files and storage_dir is None:
        raise ImportRefused("This export holds stored files: say where to write them.")
    tables = {table.name: table for table in _tables()}
    unknown = set(document["tables"]) - set(tables)
    if unknown:
        raise ImportRefused(f"Unknown tables in the file: {', '.join(sorted(unknown))}.")
    for table in tables.values():
        if table.name in PREFILLED:
            continue
        if connection.scalar(select(func.count()).select_from(table)):
            raise ImportRefused(f"The database is not empty (table {table.name} has rows).")
    counts = {}
    for table in _tables():
        rows = document["tables"].get(table.name, [])
        if table.name in PREFILLED:
            connection.execute(table.delete())
        if rows:
            connection.execute(insert(table), [_decode(table, row) for row in rows])
        counts[table.name] = len(rows)
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection)
    if files and storage_dir is not None:
        from ..files.storage import save

        for key, data in files.items():
            save(key, data, storage_dir)
    counts["files"] = len(files)
    return counts


def _checked_files(document: dict[str, Any]) -> dict[str, bytes]:
    """The document's files, each the bytes its attachment row says (size and SHA-256)."""
    rows = {row["storage_key"]: row for row in document["tables"].get("attachments", [])}
    checked = {}
    for key, encoded in (document.get("files") or {}).items():
        row = rows.get(key)
        if row is None:
            raise ImportRefused(f"The stored file {key} belongs to no attachment.")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError):
            raise ImportRefused(f"The stored file {key} is not valid base64.") from None
        if len(data) != row["size"] or hashlib.sha256(data).hexdigest() != row["sha256"]:
            raise ImportRefused(f"The stored file {key} is not what its attachment says.")
        checked[key] = data
    return checked


def _reset_sequences(connection: Connection) -> None:
    """Inserted ids came from the file: move each sequence past them."""
    for table in _tables():
        id_column = table.columns.get("id")
        if id_column is None or not id_column.autoincrement:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
