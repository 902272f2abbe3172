"""Comments on deliverables, tasks and meetings: mentions notify those who may see the
subject (and nobody else), followers are told, the edit window, deletion, moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import (
    AuditEvent,
    Comment,
    CommentMention,
    Deliverable,
    EmailChoice,
    Notification,
    NotificationKind,
    utcnow,
)

MENTION = NotificationKind.COMMENT_MENTION
ADDED = NotificationKind.COMMENT_ADDED


def _path(world, kind: str) -> str:
    return {
        "deliverable": f"/deliverables/{world['deliverable'].id}",
        "task": f"/tasks/{world['task'].id}",
        "meeting": f"/meetings/{world['meeting'].id}",
    }[kind]


def _comment(as_person, world, who: str, kind: str, body: str):
    return as_person(who).post(f"{_path(world, kind)}/comments", data={"body": body})


def _notifications(db_session, kind=None) -> list[tuple[int, NotificationKind]]:
    db_session.expire_all()
    query = select(Notification.user_id, Notification.kind).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return [tuple(row) for row in db_session.execute(query)]


def _sent(app) -> list:
    """The e-mail the app sent (captured: MAIL_BACKEND "memory", delivered inline)."""
    return app.extensions.get("mail_outbox", [])


def _only_comment(db_session) -> Comment:
    db_session.expire_all()
    return db_session.scalars(select(Comment)).one()


# --- mentions ---------------------------------------------------------------------------------


def test_mentions_notify_those_who_may_see_the_meeting_and_never_the_others(
    app, as_person, world, db_session
):
    people = world["people"]
    response = _comment(
        as_person, world, "member", "meeting", "Propongo que @Chair A y @Member B lo revisen."
    )
    assert response.status_code == 302
    comment = _only_comment(db_session)
    assert response.headers["Location"].endswith(
        f"/meetings/{world['meeting'].id}#comment-{comment.id}"
    )
    # Member B's institution is not in group A: the members-only meeting is not theirs to see.
    mentioned = db_session.scalars(select(CommentMention.person_id)).all()
    assert mentioned == [people["chair"].id]
    assert _notifications(db_session, MENTION) == [(people["chair"].id, MENTION)]
    notification = db_session.scalars(select(Notification)).one()
    assert notification.link == f"/meetings/{world['meeting'].id}#comment-{comment.id}"
    assert notification.params["by"] == "Member A"
    # Its e-mail copy went to the chair only (the chair organised it: told once, as mentioned).
    assert [m["To"] for m in _sent(app)] == [people["chair"].email]
    assert "Member A le mencionó en un comentario" in _sent(app)[0].get_content()


def test_a_mention_is_linked_in_the_thread_and_an_unseeing_name_stays_text(
    as_person, world, db_session
):
    _comment(as_person, world, "member", "deliverable", "Gracias @chair a, y @Nadie Conocido")
    page = as_person("colleague").get(_path(world, "deliverable")).get_data(as_text=True)
    chair = world["people"]["chair"]
    assert (
        f'<a href="/institutions/{chair.institution_id}" class="mention" '
        'rel="nofollow noopener">@chair a</a>' in page
    )
    assert "@Nadie Conocido" in page


def test_a_person_who_declined_the_email_still_gets_the_inbox_entry(
    app, as_person, world, db_session
):
    chair = world["people"]["chair"]
    db_session.add(EmailChoice(user_id=chair.id, kind=MENTION, wanted=False))
    db_session.commit()
    _comment(as_person, world, "member", "task", "¿Lo ve bien, @Chair A?")
    assert _notifications(db_session, MENTION) == [(chair.id, MENTION)]
    assert _sent(app) == []


def test_followers_are_told_once_and_the_author_never(as_person, world, db_session):
    people = world["people"]
    # A task's assignee follows it; a deliverable's chairs follow it.
    _comment(as_person, world, "chair", "task", "Avance revisado.")
    _comment(as_person, world, "member", "deliverable", "Subí el borrador, @Chair A.")
    _comment(as_person, world, "chair", "deliverable", "Gracias.")  # its own chair: nobody
    assert _notifications(db_session) == [
        (people["member"].id, ADDED),
        (people["chair"].id, MENTION),  # mentioned and following: one notification
    ]


def test_the_picker_offers_only_people_who_may_see_the_meeting(as_person, world):
    page = as_person("member").get(f"/deliverables/{world['deliverable'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # A deliverable is seen by everyone signed in: everyone is offered.
    assert '<option value="Member B">' in html
    # The limit and the edit window are said before anything is typed.
    assert 'data-limit="5000"' in html
    assert "Puede editar su comentario durante 15 minutos después de enviarlo." in html

    from coalition_app.comments import queries

    with as_person("member").application.test_request_context():
        from coalition_app.comments.subjects import load_meeting

        meeting = load_meeting(world["meeting"].id, world["people"]["chair"])
        names = {p.full_name for p in queries.mentionable(meeting)}
    assert names == {"Chair A", "Member A", "Colleague A", "Coordinator"}


# --- who may comment, what is refused -----------------------------------------------------------


#: (who, on what, answer): every signed-in person sees a deliverable (the coalition works in
#: the open); a members-only meeting of group A is not there for group B's people.
WHO_MAY_COMMENT = [
    ("member", "deliverable", 302),
    ("other_member", "deliverable", 302),
    ("member", "task", 302),
    ("member", "meeting", 302),
    ("other_member", "meeting", 404),
    ("other_chair", "meeting", 404),
    ("coordinator", "meeting", 302),
]


def test_who_may_comment(as_person, world, db_session):
    for who, kind, status in WHO_MAY_COMMENT:
        before = len(db_session.scalars(select(Comment)).all())
        assert _comment(as_person, world, who, kind, "Hola").status_code == status, (who, kind)
        db_session.expire_all()
        added = len(db_session.scalars(select(Comment)).all()) - before
        assert added == (1 if status == 302 else 0), (who, kind)
    # A coalition event: everyone signed in; its organiser (the coordinator) follows it.
    response = as_person("other_member").post(
        f"/meetings/{world['event'].id}/comments", data={"body": "Ahí estaremos."}
    )
    assert response.status_code == 302
    assert _notifications(db_session, ADDED)[-1] == (world["people"]["coordinator"].id, ADDED)
    # An archived deliverable takes no more comments (404 for who may not see it any more).
    deliverable = db_session.get(Deliverable, world["deliverable"].id)
    deliverable.archived_at = utcnow()
    db_session.commit()
    assert _comment(as_person, world, "member", "deliverable", "Hola").status_code == 404
    assert _comment(as_person, world, "chair", "deliverable", "Hola").status_code == 403


def test_an_empty_or_too_long_comment_is_refused_next_to_the_field_and_kept(
    as_person, world, db_session
):
    empty = _comment(as_person, world, "member", "task", "   ")
    assert empty.status_code == 400
    assert "Escriba algo antes de enviar." in empty.get_data(as_text=True)
    long_text = "palabra " * 700  # 5,600 characters
    refused = _comment(as_person, world, "member", "task", long_text)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Como máximo 5.000 caracteres" in html
    assert long_text.strip() in html  # what was typed stays in the field
    assert "Hasta 5.000 caracteres." in html  # the limit is said before it bites
    assert db_session.scalars(select(Comment)).all() == []


# --- edit window, deletion ----------------------------------------------------------------------


def test_its_author_edits_within_the_window_and_it_shows_edited(as_person, world, db_session):
    _comment(as_person, world, "member", "task", "Primera versión")
    comment = _only_comment(db_session)
    response = as_person("member").post(
        f"/comments/{comment.id}/edit",
        data={
            f"comment-{comment.id}-body": "Versión corregida, @Colleague A",
            f"comment-{comment.id}-version": "1",
        },
    )
    assert response.status_code == 302
    comment = _only_comment(db_session)
    assert comment.body == "Versión corregida, @Colleague A" and comment.edited_at is not None
    # Newly mentioned: told; the assignee (its author) is not told of their own edit.
    assert _notifications(db_session, MENTION) == [(world["people"]["colleague"].id, MENTION)]
    html = as_person("colleague").get(_path(world, "task")).get_data(as_text=True)
    assert "(editado el " in html


def test_after_the_window_the_edit_is_refused_saying_until_when_and_keeping_the_text(
    as_person, world, db_session
):
    _comment(as_person, world, "member", "task", "Texto original")
    comment = _only_comment(db_session)
    comment.created_at = utcnow() - timedelta(minutes=16)
    db_session.commit()
    page = as_person("member").get(_path(world, "task")).get_data(as_text=True)
    assert f'action="/comments/{comment.id}/edit"' not in page  # no longer offered
    response = as_person("member").post(
        f"/comments/{comment.id}/edit",
        data={f"comment-{comment.id}-body": "Texto tardío", f"comment-{comment.id}-version": "1"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "el plazo para editar este comentario terminó" in html
    assert "Texto tardío" in html
    assert _only_comment(db_session).body == "Texto original"


def test_a_stale_edit_is_a_conflict_that_keeps_what_was_typed(as_person, world, db_session):
    _comment(as_person, world, "member", "task", "Uno")
    comment = _only_comment(db_session)
    client = as_person("member")
    fields = {f"comment-{comment.id}-version": "1"}
    assert (
        client.post(
            f"/comments/{comment.id}/edit", data={**fields, f"comment-{comment.id}-body": "Dos"}
        ).status_code
        == 302
    )
    stale = client.post(
        f"/comments/{comment.id}/edit", data={**fields, f"comment-{comment.id}-body": "Tres"}
    )
    assert stale.status_code == 409
    assert "Tres" in stale.get_data(as_text=True)
    assert _only_comment(db_session).body == "Dos"


def test_only_its_author_edits_or_deletes_a_comment(as_person, world, db_session):
    _comment(as_person, world, "member", "task", "Mío")
    comment = _only_comment(db_session)
    for who in ("colleague", "chair", "coordinator"):
        client = as_person(who)
        edit = client.post(
            f"/comments/{comment.id}/edit",
            data={f"comment-{comment.id}-body": "Ajeno", f"comment-{comment.id}-version": "1"},
        )
        assert edit.status_code == 403, who
        assert client.post(f"/comments/{comment.id}/delete").status_code == 403, who
    comment = _only_comment(db_session)
    assert comment.body == "Mío" and comment.deleted_at is None


def test_its_author_deletes_it_and_it_is_gone_from_the_thread(as_person, world, db_session):
    _comment(as_person, world, "member", "task", "Para borrar")
    comment = _only_comment(db_session)
    assert as_person("member").post(f"/comments/{comment.id}/delete").status_code == 302
    assert _only_comment(db_session).deleted_at is not None
    assert "Para borrar" not in as_person("chair").get(_path(world, "task")).get_data(True)
    assert as_person("member").post(f"/comments/{comment.id}/delete").status_code == 404


# --- moderation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed_on"),
    [
        ("chair", {"deliverable", "task", "meeting"}),  # chairs group A
        ("coordinator", {"deliverable", "task", "meeting"}),
        ("member", set()),  # its author
        ("colleague", set()),
        ("other_chair", set()),  # chairs another group (and cannot see A's meeting: 404)
    ],
    ids=["chair", "coordinator", "author", "colleague", "other-chair"],
)
def test_moderation_matrix(as_person, world, db_session, who, allowed_on):
    for kind in ("deliverable", "task", "meeting"):
        _comment(as_person, world, "member", kind, f"Algo fuera de lugar ({kind})")
    db_session.expire_all()
    for comment in db_session.scalars(select(Comment).order_by(Comment.id)).all():
        kind = comment.subject_kind
        response = as_person(who).post(
            f"/comments/{comment.id}/hide", data={f"hide-{comment.id}-reason": "Ofensivo"}
        )
        refused = 404 if kind == "meeting" and who == "other_chair" else 403
        assert response.status_code == (302 if kind in allowed_on else refused), kind
    db_session.expire_all()
    hidden = {c.subject_kind for c in db_session.scalars(select(Comment)) if c.hidden_at}
    assert hidden == allowed_on
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.hide"))
    assert len(events.all()) == len(allowed_on)


def test_a_hidden_comment_shows_as_hidden_and_its_reason_is_in_the_audit_trail(
    as_person, world, db_session
):
    _comment(as_person, world, "member", "deliverable", "Texto ofensivo")
    comment = _only_comment(db_session)
    no_reason = as_person("chair").post(f"/comments/{comment.id}/hide", data={})
    assert no_reason.status_code == 400
    assert "Indique por qué se oculta el comentario." in no_reason.get_data(as_text=True)
    hidden = as_person("chair").post(
        f"/comments/{comment.id}/hide", data={f"hide-{comment.id}-reason": "Lenguaje ofensivo"}
    )
    assert hidden.status_code == 302
    page = as_person("colleague").get(_path(world, "deliverable")).get_data(as_text=True)
    assert "Comentario ocultado por moderación" in page
    assert "Texto ofensivo" not in page
    api = as_person("colleague").get(f"/api/v1/deliverables/{world['deliverable'].id}/comments")
    assert api.get_json()["data"][0] == api.get_json()["data"][0] | {
        "hidden": True,
        "body": None,
        "html": None,
    }
    audit = as_person("coordinator").get("/audit/").get_data(as_text=True)
    assert "ocultó un comentario de" in audit and "Lenguaje ofensivo" in audit
    # Shown again by a moderator, also in the trail.
    assert as_person("chair").post(f"/comments/{comment.id}/unhide").status_code == 302
    assert "Texto ofensivo" in as_person("colleague").get(_path(world, "deliverable")).get_data(
        True
    )
    actions = db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("comment.")] == ["comment.hide", "comment.unhide"]


# --- the API ------------------------------------------------------------------------------------


def test_the_api_lists_and_adds_comments_through_the_same_policy(as_person, world, db_session):
    client = as_person("member")
    meeting = world["meeting"].id
    created = client.post(
        f"/api/v1/meetings/{meeting}/comments", json={"body": "Por API, **@Chair A**"}
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["mentions"] == [{"id": world["people"]["chair"].id, "full_name": "Chair A"}]
    assert "<strong>" in body["html"] and body["author"]["full_name"] == "Member A"
    listed = client.get(f"/api/v1/meetings/{meeting}/comments").get_json()["data"]
    assert [c["id"] for c in listed] == [body["id"]]
    outsider = as_person("other_member")
    assert outsider.get(f"/api/v1/meetings/{meeting}/comments").status_code == 404
    assert (
        outsider.post(f"/api/v1/meetings/{meeting}/comments", json={"body": "x"}).status_code == 404
    )
    empty = client.post(f"/api/v1/tasks/{world['task'].id}/comments", json={"body": ""})
    assert empty.status_code == 422 and empty.get_json()["error"]["field"] == "body"
    assert _notifications(db_session, MENTION) == [(world["people"]["chair"].id, MENTION)]
