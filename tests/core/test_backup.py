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


def _database_with_a_file(tmp_path, data: bytes) -> tuple[str, str]:
    """A database holding one attachment (on a coalition event), and its storage key."""
    import hashlib
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy.orm import Session

    from models import Attachment, Basis, Institution, Meeting, MeetingKind, User

    url = fresh_database_url("backup_files", tmp_path)
    engine = make_engine(url)
    key = "ab" + "0" * 38
    with Session(engine) as session:
        institution = Institution(
            name="Con archivos", sector_slug="academia", joined_on=date(2020, 1, 1)
        )
        person = User(email="sube@example.org", full_name="Sube", institution=institution)
        start = datetime(2026, 3, 1, 16, tzinfo=UTC)
        meeting = Meeting(
            kind=MeetingKind.EVENT,
            title="Foro",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            basis=Basis.REPORTED,
        )
        session.add_all([institution, person, meeting])
        session.flush()
        session.add(
            Attachment(
                meeting_id=meeting.id,
                name="acta.pdf",
                content_type="application/pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_key=key,
                uploaded_by_id=person.id,
            )
        )
        session.commit()
    engine.dispose()
    return url, key


def test_the_round_trip_carries_the_stored_files(tmp_path):
    data = b"%PDF-1.4 acta de la sesion\x00\xff"
    url, key = _database_with_a_file(tmp_path, data)
    source = create_app(TestConfig(url))
    stored = tmp_path / "source-files" / key[:2] / key
    stored.parent.mkdir(parents=True)
    stored.write_bytes(data)
    source.config["STORAGE_DIR"] = str(tmp_path / "source-files")
    backup = tmp_path / "backup.json"
    result = source.test_cli_runner().invoke(args=["export-data", str(backup)])
    assert result.exit_code == 0 and "1 stored files" in result.output, result.output

    target = create_app(TestConfig(fresh_database_url("backup_files_restored", tmp_path)))
    target.config["STORAGE_DIR"] = str(tmp_path / "restored-files")
    result = target.test_cli_runner().invoke(args=["import-data", str(backup)])
    assert result.exit_code == 0 and "1 stored files" in result.output, result.output
    assert (tmp_path / "restored-files" / key[:2] / key).read_bytes() == data
    again = tmp_path / "again.json"
    assert target.test_cli_runner().invoke(args=["export-data", str(again)]).exit_code == 0
    assert backup.read_text() == again.read_text()
    for app in (source, target):
        app.extensions["database"].engine.dispose()


def test_a_stored_file_that_differs_from_its_row_refuses_the_whole_import(tmp_path):
    data = b"contenido original"
    url, key = _database_with_a_file(tmp_path, data)
    engine = make_engine(url)
    with engine.connect() as connection:
        document = json.loads(dumps(export_data(connection)))  # no folder: no files exported
    engine.dispose()
    assert document["files"] == {} and document["missing_files"] == []
    import base64

    document["files"] = {key: base64.b64encode(b"contenido cambiado").decode()}
    target = make_engine(fresh_database_url("backup_files_tampered", tmp_path))
    folder = tmp_path / "restored"
    with (
        pytest.raises(ImportRefused, match="not what its attachment says"),
        target.begin() as connection,
    ):
        import_data(connection, document, folder)
    with target.connect() as connection:
        from sqlalchemy import text

        assert connection.scalar(text("SELECT count(*) FROM attachments")) == 0
    assert not folder.exists()
    target.dispose()
