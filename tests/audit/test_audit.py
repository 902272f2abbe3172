"""The audit trail: what is recorded, who may read it, filters and CSV export."""

from sqlalchemy import select

from models import AuditEvent, Role
from tests.helpers import sign_in


def test_sign_ins_ok_and_failed_are_recorded(client, make_user, db_session):
    user = make_user()
    sign_in(client, user.email, "wrong password")
    sign_in(client, "nobody@example.org", "x")
    sign_in(client, user.email)
    rows = db_session.execute(
        select(AuditEvent.action, AuditEvent.target_id, AuditEvent.details).order_by(AuditEvent.id)
    ).all()
    assert [(a, t) for a, t, _ in rows] == [
        ("sign_in_failed", user.id),
        ("sign_in_failed", None),
        ("sign_in", user.id),
    ]
    assert rows[1][2]["email"] == "nobody@example.org"


def test_coordinators_read_filter_and_export_the_trail(client, make_user, db_session):
    coordinator = make_user(role=Role.COORDINATOR, email="coord@example.org")
    person = make_user()
    sign_in(client, coordinator.email)
    client.post(f"/people/{person.id}/end-sessions")
    page = client.get("/audit/?action=sessions").get_data(as_text=True)
    assert "sessions.ended" in page and "sign_in</code>" not in page
    csv_text = client.get("/audit/export.csv?actor=coord").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("time,actor,action")
    assert "sessions.ended" in csv_text and "coord@example.org" in csv_text
    assert (
        db_session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
        == "audit.export"
    )


def test_members_cannot_read_the_trail(client, make_user):
    sign_in(client, make_user().email)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_bad_filters_are_ignored_not_errors(client, make_user):
    sign_in(client, make_user(role=Role.COORDINATOR).email)
    assert client.get("/audit/?since=not-a-date&page=x&action=%25").status_code == 200


def test_membership_changes_and_archive_are_recorded(
    client, make_user, make_group, make_institution, db_session
):
    from models import Deliverable

    coordinator = make_user(role=Role.COORDINATOR)
    institution = make_institution()
    group = make_group(members=[institution], slug="auditada")
    deliverable = Deliverable(group_id=group.id, title="Para archivar")
    db_session.add(deliverable)
    db_session.commit()
    sign_in(client, coordinator.email)
    client.post(
        "/groups/auditada/members", data={"institution_id": str(institution.id), "role": "lead"}
    )
    client.post(f"/deliverables/{deliverable.id}/archive")
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"group.membership", "work.archive"} <= actions
