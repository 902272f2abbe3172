"""Reminders, staleness and weekly digests: each sent once, in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coalition_app.core.db import unit_of_work
from coalition_app.core.mail import sent_messages as outbox
from models import (
    Deliverable,
    DigestPreference,
    DigestRun,
    Notification,
    NotificationKind,
    ProgressUpdate,
    Task,
    WorkStatus,
)
from tests.helpers import sign_in

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def team(db_session, make_institution, make_group, make_user):
    lead, member = make_institution(acronym="LD"), make_institution(acronym="MB")
    group = make_group(
        leads=[lead], members=[member], slug="datos", name_es="Datos", name_en="Data"
    )
    chair = make_user(institution=lead, full_name="Chair", locale="en", chair_of=group)
    person = make_user(institution=member, full_name="Persona")
    outsider = make_user(full_name="Outsider")
    deliverable = Deliverable(
        group_id=group.id,
        title="Inventario de datos",
        status=WorkStatus.IN_PROGRESS,
        due_on=TODAY + timedelta(days=5),
        created_at=NOW - timedelta(weeks=6),
    )
    db_session.add(deliverable)
    db_session.flush()
    db_session.add_all(
        [
            Task(
                deliverable_id=deliverable.id,
                title="Pronto",
                assignee_id=person.id,
                due_on=TODAY + timedelta(days=2),
            ),
            Task(
                deliverable_id=deliverable.id,
                title="Atrasada",
                assignee_id=person.id,
                due_on=TODAY - timedelta(days=1),
            ),
            Task(
                deliverable_id=deliverable.id,
                title="Lejana",
                assignee_id=person.id,
                due_on=TODAY + timedelta(days=20),
            ),
            Task(
                deliverable_id=deliverable.id,
                title="Hecha",
                assignee_id=person.id,
                due_on=TODAY - timedelta(days=1),
                status=WorkStatus.DONE,
            ),
        ]
    )
    db_session.commit()
    return {
        "group": group,
        "chair": chair,
        "person": person,
        "outsider": outsider,
        "deliverable": deliverable,
    }


def _kinds(db_session, user_id):
    return sorted(
        db_session.scalars(select(Notification.kind).where(Notification.user_id == user_id)).all()
    )


def test_reminders_tell_assignees_and_chairs_once(app, db_session, team):
    from coalition_app.notifications.service import send_reminders

    with app.app_context():
        with unit_of_work():
            first = send_reminders(TODAY, NOW)
        with unit_of_work():
            second = send_reminders(TODAY, NOW)
    assert first == {"due_soon": 1, "overdue": 1, "stale": 1}
    assert second == {"due_soon": 0, "overdue": 0, "stale": 0}
    assert _kinds(db_session, team["person"].id) == [
        NotificationKind.TASK_DUE_SOON,
        NotificationKind.TASK_OVERDUE,
    ]
    assert _kinds(db_session, team["chair"].id) == [NotificationKind.DELIVERABLE_STALE]


def test_a_recent_update_means_not_stale(app, db_session, team):
    from coalition_app.notifications.service import send_reminders

    db_session.add(
        ProgressUpdate(
            deliverable_id=team["deliverable"].id,
            changes={},
            note="avance",
            created_at=NOW - timedelta(days=3),
        )
    )
    db_session.commit()
    with app.app_context(), unit_of_work():
        assert send_reminders(TODAY, NOW)["stale"] == 0


def test_stale_deliverables_are_flagged_on_the_group_page(client, team):
    sign_in(client, team["person"].email)
    assert "sin actualización en 3 semanas" in client.get("/groups/datos").get_data(as_text=True)


def test_reminder_emails_go_out_in_the_readers_language(app, db_session, team):
    from coalition_app.notifications.service import send_reminders

    with app.app_context():
        with unit_of_work():
            send_reminders(TODAY, NOW)
        mail = {}
        for message in outbox():
            mail[message["To"]] = mail.get(message["To"], "") + message.get_content()
    assert "has had no update" in mail[team["chair"].email]
    assert "venció" in mail[team["person"].email]


def test_weekly_digest_is_one_message_per_person_per_group_and_week(app, db_session, team):
    from coalition_app.notifications.service import send_digests

    db_session.add(
        ProgressUpdate(
            deliverable_id=team["deliverable"].id,
            changes={},
            note="Cargamos 12 conjuntos",
            author_id=team["person"].id,
            created_at=NOW - timedelta(days=2),
        )
    )
    db_session.commit()
    with app.app_context():
        with unit_of_work():
            assert send_digests(TODAY, NOW) == {"datos": 2}
        with unit_of_work():
            assert send_digests(TODAY, NOW) == {}
        mails = [
            m for m in outbox() if "datos" in m.get_content().lower() or "Data" in m.get_content()
        ]
    recipients = sorted(m["To"] for m in mails)
    assert recipients == sorted([team["chair"].email, team["person"].email])
    body = next(m for m in mails if m["To"] == team["person"].email).get_content()
    assert "Cargamos 12 conjuntos" in body and "Inventario de datos" in body
    assert db_session.scalar(select(func.count()).select_from(DigestRun)) == 1


def test_digest_choice_per_group_is_respected(app, client, db_session, team):
    from coalition_app.notifications.service import send_digests

    sign_in(client, team["person"].email)
    assert client.post("/groups/datos/digest", data={"subscribed": "no"}).status_code == 302
    outsider = app.test_client()
    sign_in(outsider, team["outsider"].email)
    outsider.post("/groups/datos/digest", data={"subscribed": "yes"})
    assert (
        db_session.get(DigestPreference, (team["person"].id, team["group"].id)).subscribed is False
    )
    with app.app_context():
        with unit_of_work():
            send_digests(TODAY, NOW)
        recipients = sorted(m["To"] for m in outbox())
    assert recipients == sorted([team["chair"].email, team["outsider"].email])


def test_the_group_page_shows_each_person_s_digest_choice(app, client, team):
    """Read with the group in one statement (`group_with_digest_preference`): the default
    follows the institution's membership; a choice, once made, wins; no group is a 404."""
    stop = '<input type="hidden" name="subscribed" value="no">'
    start = '<input type="hidden" name="subscribed" value="yes">'
    sign_in(client, team["person"].email)
    assert stop in client.get("/groups/datos").get_data(as_text=True)  # a member: gets it
    client.post("/groups/datos/digest", data={"subscribed": "no"})
    assert start in client.get("/groups/datos").get_data(as_text=True)
    assert client.get("/groups/no-such-group").status_code == 404
    outsider = app.test_client()
    sign_in(outsider, team["outsider"].email)
    assert start in outsider.get("/groups/datos").get_data(as_text=True)  # not in the group


def test_cli_commands_for_cron(app, team):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "overdue: 1" in result.output
    result = runner.invoke(args=["send-digests", "--date", TODAY.isoformat()])
    assert result.exit_code == 0 and "datos: 2 recipients" in result.output
    result = runner.invoke(args=["send-digests", "--date", TODAY.isoformat()])
    assert "already has this week's" in result.output


def test_email_is_off_by_default(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("MAIL_ENABLED", raising=False)
    assert importlib.reload(config).Config.MAIL_ENABLED is False
