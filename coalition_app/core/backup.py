"""Every table to one JSON document, and back into an empty database, exactly.

`flask --app wsgi export-data FILE` / `flask --app wsgi import-data FILE`. Values are
written by column type (dates and times as ISO 8601, JSON as JSON), rows ordered by primary
key, tables in dependency order, so that export → import → export gives the same document.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, func, insert, select, text

from models import Base

FORMAT = "coalition-export"
VERSION = 1
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


def export_data(connection: Connection) -> dict[str, Any]:
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "tables": {}}
    for table in _tables():
        order = list(table.primary_key.columns)
        rows = connection.execute(select(table).order_by(*order)).mappings()
        document["tables"][table.name] = [
            {key: _encode(value) for key, value in row.items()} for row in rows
        ]
    return document


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)


def import_data(connection: Connection, document: dict[str, Any]) -> dict[str, int]:
    """Load an export into an empty database, in the caller's transaction (all or nothing)."""
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise ImportRefused("This file is not a Coalition export (format or version differ).")
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
    return counts


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
