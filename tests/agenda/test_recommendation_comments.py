"""A recommendation's review is discussed through the comments feature (one model, one set of
rules): Markdown, mentions that tell the person, the author's edit window, moderation by the
group's chairs; comments are open while it is in review; the API lists them too."""

from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent, Comment, Notification, NotificationKind, RecommendationStatus

S = RecommendationStatus


def test_a_review_comment_is_a_shared_comment_with_markdown_and_a_mention(
    world, make_recommendation, signed_in, db_session
):
    rec = make_recommendation(status=S.REVIEW)
    member, chair = world.people["member"], world.people["chair"]
    client = signed_in(member)
    page = client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert f'action="/recommendations/{rec.id}/comments"' in page and "data-mention-picker" in page
    response = client.post(
        f"/recommendations/{rec.id}/comments",
        data={"body": "Es **importante**, @Chema Chair: revise el alcance."},
    )
    assert response.status_code == 302
    comment = db_session.scalars(select(Comment).where(Comment.recommendation_id == rec.id)).one()
    assert response.headers["Location"].endswith(f"/recommendations/{rec.id}#comment-{comment.id}")
    told = db_session.scalars(select(Notification).where(Notification.user_id == chair.id)).all()
    assert [n.kind for n in told] == [NotificationKind.COMMENT_MENTION]
    assert told[0].link == f"/recommendations/{rec.id}#comment-{comment.id}"
    page = client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "<strong>importante</strong>" in page
    assert f'id="comment-{comment.id}"' in page
    # Its author edits it within the window, through the shared route.
    edited = client.post(
        f"/comments/{comment.id}/edit",
        data={
            f"comment-{comment.id}-body": "Texto corregido",
            f"comment-{comment.id}-version": "1",
        },
    )
    assert edited.status_code == 302
    db_session.expire_all()
    assert db_session.get(Comment, comment.id).body == "Texto corregido"
    api = client.get(f"/api/v1/recommendations/{rec.id}/comments")
    assert api.status_code == 200 and api.get_json()["data"][0]["body"] == "Texto corregido"


def test_the_group_s_chair_moderates_a_review_comment_and_members_may_not(
    world, make_recommendation, signed_in, db_session
):
    rec = make_recommendation(status=S.REVIEW)
    comment = Comment(recommendation_id=rec.id, author_id=world.people["member"].id, body="Fuera")
    db_session.add(comment)
    db_session.commit()
    hide = {f"hide-{comment.id}-reason": "Fuera de tema"}
    outsider = signed_in(world.people["outsider"])
    assert outsider.post(f"/comments/{comment.id}/hide", data=hide).status_code == 403
    chair = signed_in(world.people["chair"])
    assert chair.post(f"/comments/{comment.id}/hide", data=hide).status_code == 302
    db_session.expire_all()
    assert db_session.get(Comment, comment.id).hidden_reason == "Fuera de tema"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.hide")).one()
    assert event.details["subject"] == "recommendation"


def test_comments_are_closed_outside_the_review(world, make_recommendation, signed_in, db_session):
    for status in (S.DRAFT, S.APPROVED, S.ADOPTED):
        rec = make_recommendation(status=status)
        member = signed_in(world.people["member"])
        page = member.get(f"/recommendations/{rec.id}").get_data(as_text=True)
        assert f'action="/recommendations/{rec.id}/comments"' not in page
        response = member.post(f"/recommendations/{rec.id}/comments", data={"body": "Tarde"})
        assert response.status_code == 403, status
    assert (
        db_session.scalar(select(Comment.id).where(Comment.recommendation_id.is_not(None))) is None
    )
