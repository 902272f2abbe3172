"""export-data / import-data: the round trip is exact, and import needs an empty database."""

import json

import pytest

from coalition_app import create_app
from coalition_app.core.backup import ImportRefused, dumps, export_data, import_data
from coalition_app.core.db import make_engine
from config import TestConfig
from tests.databases import fresh_database_url


def test_round_trip_through_the_commands_is_exact(seeded_database_url, tmp_path):
    source = create_app(TestConfig(seeded_database_url))
    first = tmp_path / "first.json"
    result = source.test_cli_runner().invoke(args=["export-data", str(first)])
    assert result.exit_code == 0, result.output

    target_url = fresh_database_url("restore", tmp_path)
    target = create_app(TestConfig(target_url))
    result = target.test_cli_runner().invoke(args=["import-data", str(first)])
    assert result.exit_code == 0, result.output

    second = tmp_path / "second.json"
    assert target.test_cli_runner().invoke(args=["export-data", str(second)]).exit_code == 0
    assert first.read_text() == second.read_text()
    tables = json.loads(first.read_text())["tables"]
    assert len(tables["institutions"]) >= 110 and tables["progress_updates"]
    for app in (source, target):
        app.extensions["database"].engine.dispose()


def test_restored_database_accepts_new_rows(seeded_database_url, tmp_path):
    engine = make_engine(seeded_database_url)
    with engine.connect() as connection:
        document = json.loads(dumps(export_data(connection)))
    engine.dispose()
    target = make_engine(fresh_database_url("restore2", tmp_path))
    with target.begin() as connection:
        import_data(connection, document)
    from sqlalchemy.orm import Session

    from models import Institution

    with Session(target) as session:
        session.add(
            Institution(
                name="Nueva tras restaurar",
                sector_slug="academia",
                joined_on=__import__("datetime").date(2021, 1, 1),
            )
        )
        session.commit()  # ids continue after the restored ones (sequences reset)
    target.dispose()


def test_import_refuses_a_database_that_is_not_empty(seeded_database_url):
    engine = make_engine(seeded_database_url)
    with engine.connect() as connection:
        document = export_data(connection)
        with pytest.raises(ImportRefused, match="not empty"):
            import_data(connection, document)
        connection.rollback()
    engine.dispose()


def test_import_refuses_a_foreign_file(tmp_path):
    app = create_app(TestConfig(fresh_database_url("foreign", tmp_path)))
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something-else"}))
    result = app.test_cli_runner().invoke(args=["import-data", str(path)])
    assert result.exit_code != 0 and "not a Coalition export" in result.output
    app.extensions["database"].engine.dispose()
