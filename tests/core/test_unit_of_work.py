"""One unit of work: use cases flush, the request (or command) commits once at its end, and a
use case that raises leaves nothing behind. One clock: the coalition's day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Blueprint, abort
from sqlalchemy import func, select

from coalition_app.core import clock
from coalition_app.core.db import session, unit_of_work, use_case
from coalition_app.core.errors import DomainError
from coalition_app.policy import public
from models import Institution, base


def _institution(name: str) -> Institution:
    return Institution(name=name, sector_slug="academia", joined_on=date(2020, 1, 1))


@use_case
def _add_then_refuse(name: str) -> None:
    session.add(_institution(name))
    session.flush()  # written to the database, inside the use case's savepoint
    raise DomainError("refused after writing")


@use_case
def _add(name: str) -> Institution:
    institution = _institution(name)
    session.add(institution)
    session.flush()
    return institution


def _names(db_session) -> set[str]:
    return set(db_session.scalars(select(Institution.name)))


@pytest.fixture
def reference(db_session):
    from models import Sector

    if db_session.get(Sector, "academia") is None:
        db_session.add(Sector(slug="academia", name_es="Academia", name_en="Academia"))
        db_session.commit()


def test_a_use_case_that_raises_leaves_nothing_written(app, db_session, reference):
    with app.app_context(), unit_of_work():
        with pytest.raises(DomainError):
            _add_then_refuse("Refused")
        _add("Kept")  # the rest of the unit of work goes on and is committed
    assert "Refused" not in _names(db_session)
    assert "Kept" in _names(db_session)


def test_a_command_that_fails_keeps_nothing(app, db_session, reference):
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        _add("Half done")
        raise RuntimeError("the command broke")
    assert "Half done" not in _names(db_session)


@pytest.fixture
def probe_app(app, reference):
    """The app with three probe routes: write, write then fail, write something the database
    refuses only at commit time."""
    bp = Blueprint("probe", __name__)

    @bp.post("/_probe/write/<name>")
    @public
    def write(name):
        _add(name)
        return "ok"

    @bp.post("/_probe/write-then-fail/<name>")
    @public
    def write_then_fail(name):
        _add(name)
        abort(403)

    @bp.post("/_probe/duplicate/<name>")
    @public
    def duplicate(name):
        session.add(_institution(name))  # not flushed: refused at the request's commit
        return "ok"

    app.register_blueprint(bp)
    return app


def test_the_request_commits_once_at_its_end(probe_app, db_session):
    client = probe_app.test_client()
    assert client.post("/_probe/write/Committed").status_code == 200
    assert "Committed" in _names(db_session)


def test_a_request_that_fails_keeps_nothing_it_wrote(probe_app, db_session):
    client = probe_app.test_client()
    assert client.post("/_probe/write-then-fail/Dropped").status_code == 403
    assert "Dropped" not in _names(db_session)


def test_a_commit_the_database_refuses_is_a_409_not_a_500(probe_app, db_session):
    client = probe_app.test_client()
    client.post("/_probe/write/Twice")
    response = client.post("/_probe/duplicate/twice")  # same folded name: unique key
    assert response.status_code == 409
    assert "Conflicto" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Institution)) == 1


def test_use_cases_never_commit_on_their_own():
    """No `commit()` in any use case or query module: the request or the command commits."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "coalition_app"
    offenders = [
        str(path.relative_to(root))
        for pattern in ("*/service.py", "*/queries.py", "*/csv_io.py", "*/two_factor.py")
        for path in root.glob(pattern)
        if "commit()" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("instant", "zone", "day"),
    [
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "America/Mexico_City", date(2026, 11, 30)),
        (datetime(2026, 12, 1, 6, 0, tzinfo=UTC), "America/Mexico_City", date(2026, 12, 1)),
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "UTC", date(2026, 12, 1)),
    ],
)
def test_today_is_the_coalitions_day_not_the_servers(app, monkeypatch, instant, zone, day):
    monkeypatch.setattr(base, "utcnow", lambda: instant)
    app.config["COALITION_TIMEZONE"] = zone
    with app.app_context():
        assert clock.today() == day
        assert clock.now().utcoffset() is not None


def test_nothing_calls_the_servers_date():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # A call or a reference (`default_factory=date.today` made the API's network the
    # server's UTC day while the page drew the coalition's: after 18:00 in Mexico City they
    # were two networks).
    server_date = re.compile(r"\bdate\.today\b")
    offenders = [
        str(path.relative_to(root))
        for folder in ("coalition_app", "seeds", "models")
        for path in (root / folder).rglob("*.py")
        if server_date.search(path.read_text()) and path.name != "clock.py"
    ]
    assert offenders == []
