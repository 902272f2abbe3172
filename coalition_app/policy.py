"""Who may do what. Every request handler asks here before it acts (load → check → act);
use cases assume an authorised actor. Templates only use `can` to hide what would fail.

Roles: a coordinator runs the whole coalition; a chair is a person a coordinator named to
chair a group, while they are active and their institution currently leads it
(`GroupChair.current_on(today)`: other people of a lead institution are plain members); a
member is a person of an institution that currently belongs to a group (lead institutions
belong to their groups too). "Currently" is one rule,
`GroupMembership.current_on(today)`: the membership is open today and the institution is a
coalition member today.

`authorize` raises Forbidden (403). Objects a person may not even see (archived work, for
those who cannot restore it) are answered with NotFound (404): loaders call
`require_visible`. A handler that asks nothing must say why: `@public` (reachable without
signing in) or `@personal` (acts only on the signed-in person's own things).
`tests/core/test_access.py` walks every route and fails on one that does neither.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import g, has_request_context
from werkzeug.exceptions import Forbidden, NotFound

from models import (
    DELIVERABLE_FLOW,
    Attachment,
    Comment,
    Consultation,
    ConsultationStatus,
    Deliverable,
    GroupRole,
    Institution,
    Meeting,
    Position,
    PositionStatus,
    Recommendation,
    RecommendationStatus,
    Task,
    Tie,
    TieStatus,
    User,
    WorkingGroup,
    WorkStatus,
    utcnow,
)

from .core import clock
from .groups.queries import current_roles

# Status moves a member may make on a deliverable of their group; chairs may make any move
# that the workflow allows (models.work.DELIVERABLE_FLOW). A move the workflow never allows
# is not a question of access: the use case refuses it and says why.
MEMBER_DELIVERABLE_MOVES = {
    (WorkStatus.PLANNED, WorkStatus.IN_PROGRESS),
    (WorkStatus.IN_PROGRESS, WorkStatus.IN_REVIEW),
}
PUBLIC = "public"
PERSONAL = "personal"
View = TypeVar("View", bound=Callable[..., object])


def public(view: View) -> View:
    """Declare a handler reachable without signing in (it asks the policy nothing)."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def personal(view: View) -> View:
    """Declare a handler that only reads or changes the signed-in person's own things."""
    view.access = PERSONAL  # type: ignore[attr-defined]
    return view


def declared_access(view: Callable[..., object] | None) -> str | None:
    return getattr(view, "access", None)


def _current_roles(user: User, group: WorkingGroup) -> frozenset[GroupRole]:
    return current_roles(group, user.institution_id, clock.today())


def is_chair(user: User, group: WorkingGroup) -> bool:
    """Named chair of the group today (`GroupChair.current_on`), not merely a person of a lead
    institution."""
    day = clock.today()
    return any(c.person_id == user.id and c.current_on(day) for c in group.chairs)


def is_group_member(user: User, group: WorkingGroup) -> bool:
    return bool(_current_roles(user, group))


def _view_group(user: User, group: WorkingGroup) -> bool:
    return True  # every signed-in person sees every group: the coalition works in the open


def _manage_group(user: User, group: WorkingGroup) -> bool:
    """Create and edit deliverables and tasks, assign, review, archive and restore."""
    return user.is_coordinator or is_chair(user, group)


def _manage_coalition(user: User, _obj: object) -> bool:
    return user.is_coordinator


def _view_deliverable(user: User, deliverable: Deliverable) -> bool:
    return deliverable.archived_at is None or _manage_group(user, deliverable.group)


def _view_task(user: User, task: Task) -> bool:
    return (task.archived_at is None and task.deliverable.archived_at is None) or _manage_group(
        user, task.deliverable.group
    )


def _update_deliverable(user: User, deliverable: Deliverable) -> bool:
    """Record progress (a note, allowed status moves) on a deliverable; its percent is
    `override_deliverable_progress`."""
    if deliverable.archived_at is not None:
        return False
    group = deliverable.group
    return _manage_group(user, group) or is_group_member(user, group)


def _update_task(user: User, task: Task) -> bool:
    """Record progress on a task: its assignee while their institution is in the group, or
    whoever manages the group (who can reassign the task of someone whose institution left)."""
    if task.archived_at is not None or task.deliverable.archived_at is not None:
        return False
    group = task.deliverable.group
    if _manage_group(user, group):
        return True
    return task.assignee_id == user.id and is_group_member(user, group)


def _manage_deliverable(user: User, deliverable: Deliverable) -> bool:
    return _manage_group(user, deliverable.group)


def _manage_task(user: User, task: Task) -> bool:
    return _manage_group(user, task.deliverable.group)


def _chairs_decision(user: User, deliverable: Deliverable) -> bool:
    """What its chairs and the coordinators decide on a live deliverable: its percent set by
    hand over what its tasks say (with a reason), and its review (approve or send back).
    Members record progress on their tasks."""
    return deliverable.archived_at is None and _manage_deliverable(user, deliverable)


def _move_deliverable(user: User, move: tuple[Deliverable, WorkStatus]) -> bool:
    """Change a deliverable's status from its current one to the given one."""
    deliverable, target = move
    if target == deliverable.status:
        return _update_deliverable(user, deliverable)
    if _manage_deliverable(user, deliverable):
        return deliverable.archived_at is None
    move_exists = target in DELIVERABLE_FLOW.get(deliverable.status, set())
    return _update_deliverable(user, deliverable) and (
        (deliverable.status, target) in MEMBER_DELIVERABLE_MOVES or not move_exists
    )


# --- the public site (issue 15) -----------------------------------------------------------------


def _publish_deliverable(user: User, deliverable: Deliverable) -> bool:
    """Publish a deliverable on its group's public page, or withdraw it: its chairs and the
    coordinators (that only a done one may be published is the use case's rule)."""
    return _chairs_decision(user, deliverable)


def _choose_public_listing(user: User, institution: Institution) -> bool:
    """Choose whether an institution is listed on the public site: its own people and the
    coordinators."""
    return user.is_coordinator or user.institution_id == institution.id


# --- comments and files (issue 14) ------------------------------------------------------------
# Who sees the comments and files of a deliverable, a task or a meeting: who sees the object
# (the rules above). Who may add them: who sees it, while it is live (not archived). Each
# person edits their own comment within COMMENT_EDIT_MINUTES and deletes it at any time; the
# chairs of the object's group and the coordinators hide a comment (with a reason) and delete
# any file, as its uploader may.

Subject = Deliverable | Task | Meeting | Recommendation
#: The action that says who may see each kind of subject.
VIEW_ACTIONS: dict[type, str] = {
    Deliverable: "view_deliverable",
    Task: "view_task",
    Meeting: "view_meeting",
    Recommendation: "view_recommendation",
}


def subject_group(subject: Subject) -> WorkingGroup | None:
    """The working group a subject belongs to (None: a coalition-wide meeting)."""
    if isinstance(subject, Deliverable):
        return subject.group
    if isinstance(subject, Task):
        return subject.deliverable.group
    return subject.group  # a meeting's (None: coalition-wide) or a recommendation's


def _view_subject(user: User, subject: Subject | None) -> bool:
    action = VIEW_ACTIONS.get(type(subject))
    return action is not None and can(user, action, subject)


def _subject_is_live(subject: Subject) -> bool:
    if isinstance(subject, Deliverable):
        return subject.archived_at is None
    if isinstance(subject, Task):
        return subject.archived_at is None and subject.deliverable.archived_at is None
    return True


def _discuss(user: User, subject: Subject) -> bool:
    """Comment on a subject, or attach a file to it. A recommendation: while in review, by
    who writes in its group (the agenda's rule, below)."""
    if isinstance(subject, Recommendation):
        return _discuss_recommendation(user, subject)
    return _view_subject(user, subject) and _subject_is_live(subject)


def _moderate_subject(user: User, subject: Subject) -> bool:
    if user.is_coordinator:
        return True
    group = subject_group(subject)
    return group is not None and is_chair(user, group)


def _view_comment(user: User, comment: Comment | None) -> bool:
    return (
        comment is not None and comment.deleted_at is None and _view_subject(user, comment.subject)
    )


def as_utc(moment: datetime) -> datetime:
    """SQLite gives naive values back: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def edit_window_ends(comment: Comment) -> datetime:
    """Until when its author may edit a comment (COMMENT_EDIT_MINUTES after it was written)."""
    from flask import current_app

    minutes = current_app.config["COMMENT_EDIT_MINUTES"]
    return as_utc(comment.created_at) + timedelta(minutes=minutes)


def _edit_comment(user: User, comment: Comment) -> bool:
    """Its author, within the edit window, while it is neither hidden nor its subject closed."""
    if comment.author_id != user.id or comment.hidden_at is not None:
        return False
    return (
        _view_comment(user, comment)
        and _discuss(user, comment.subject)
        and utcnow() <= edit_window_ends(comment)
    )


def _delete_comment(user: User, comment: Comment) -> bool:
    return comment.author_id == user.id and _view_comment(user, comment)


def _moderate_comment(user: User, comment: Comment) -> bool:
    return _view_comment(user, comment) and _moderate_subject(user, comment.subject)


def _view_attachment(user: User, attachment: Attachment | None) -> bool:
    return (
        attachment is not None
        and attachment.deleted_at is None
        and _view_subject(user, attachment.subject)
    )


def _delete_attachment(user: User, attachment: Attachment) -> bool:
    if not _view_attachment(user, attachment):
        return False
    return attachment.uploaded_by_id == user.id or _moderate_subject(user, attachment.subject)


# --- applications to join and privacy rights (issue 15) -----------------------------------------
# Coordinators review the applications to join and answer the privacy (ARCO) requests; a
# person's own privacy page and download are `@personal`; the form and the notice are public.


def _review_applications(user: User, _obj: object) -> bool:
    return user.is_coordinator


def _answer_privacy_requests(user: User, _obj: object) -> bool:
    return user.is_coordinator


def _signed_in(user: User, _obj: object) -> bool:
    return True  # `can` has already checked that the user is signed in and active


# --- meetings and events (issue 14) ----------------------------------------------------------
# A group's meetings are managed by its chairs and the coordinators; coalition events (no
# group) by the coordinators. Members-only meetings of a group are seen by the people of its
# current institutions (and whoever manages it); coalition events and public meetings by every
# signed-in person. "view_meeting" is also what comments and files on a meeting ask.


def _view_meeting(user: User, meeting: Meeting) -> bool:
    if meeting.group is None or meeting.is_public:
        return True
    return _manage_meeting(user, meeting) or is_group_member(user, meeting.group)


def _manage_meeting(user: User, meeting: Meeting) -> bool:
    if meeting.group is None:
        return user.is_coordinator
    return _manage_group(user, meeting.group)


def _answer_meeting(user: User, meeting: Meeting) -> bool:
    """Say whether one comes (RSVP): whoever sees a meeting that is not cancelled."""
    return meeting.cancelled_at is None and _view_meeting(user, meeting)


# --- ties and contacts (issue 14) ---------------------------------------------------------------
# A tie is recorded by a person of one of its two institutions (active, of a current member
# institution), or by a coordinator; the other institution's people confirm or decline it.


def _speaks_for(user: User, institution_id: int | None) -> bool:
    """The person belongs to that institution, and it is a coalition member today."""
    if institution_id is None or user.institution_id != institution_id:
        return False
    institution = user.institution
    return institution is not None and institution.is_active_on(clock.today())


def _record_tie(user: User, institution: Institution) -> bool:
    """Record a tie of `institution` (from its profile: it becomes the recording side)."""
    return user.is_coordinator or _speaks_for(user, institution.id)


def _answer_tie(user: User, tie: Tie) -> bool:
    """Confirm or decline: only the other institution's people, while it waits for them (a
    coordinator cannot answer for an institution)."""
    return tie.status == TieStatus.UNCONFIRMED and _speaks_for(user, tie.answering_institution_id)


def _edit_tie(user: User, tie: Tie) -> bool:
    """Correct what was recorded: the recording side's people (either side's, for a seeded
    tie no side recorded), or a coordinator."""
    if user.is_coordinator:
        return True
    if tie.recorded_for_id is None:
        return _speaks_for(user, tie.institution_a_id) or _speaks_for(user, tie.institution_b_id)
    return _speaks_for(user, tie.recorded_for_id)


def _end_tie(user: User, tie: Tie) -> bool:
    """Say the collaboration ended: either side's people, or a coordinator; not a declined
    tie (it never counted) nor one already ended."""
    if tie.status == TieStatus.DECLINED or tie.ends_on is not None:
        return False
    return (
        user.is_coordinator
        or _speaks_for(user, tie.institution_a_id)
        or _speaks_for(user, tie.institution_b_id)
    )


def _name_focal_point(user: User, institution: Institution) -> bool:
    """Name the person the coalition speaks to: a person of the institution, or a coordinator."""
    return user.is_coordinator or _speaks_for(user, institution.id)


def _email_group(user: User, group: WorkingGroup) -> bool:
    """Write to every person of the group's current institutions: its chairs, coordinators."""
    return _manage_group(user, group)


# --- the national consultation (issue 16) ---------------------------------------------------
# Coordinators prepare, moderate and analyse it; every signed-in person may read the results
# of one that has opened (a draft is the coordinators' alone). Participation is public.


def _view_consultation(user: User, consultation: Consultation | None) -> bool:
    if consultation is None:
        return True  # the list itself
    return user.is_coordinator or consultation.status != ConsultationStatus.DRAFT


# Each rule takes the kind of object its action is about (a group, a task, ...).
RULES: dict[str, Callable[[User, Any], bool]] = {
    # The coalition's own pages (home, groups, directory): every signed-in person.
    "view_coalition": _signed_in,
    "view_directory": _signed_in,
    "manage_institutions": _manage_coalition,
    "manage_people": _manage_coalition,
    "view_group": _view_group,
    "manage_group": _manage_group,
    "manage_coalition": _manage_coalition,
    # The stakeholder network: every signed-in person (the coalition works in the open).
    "view_network": lambda user, _obj: True,
    # --- network: introductions (issue 14) ---
    # Writing to two institutions' focal points on the coalition's behalf: the coordination.
    "introduce_institutions": _manage_coalition,
    "view_deliverable": _view_deliverable,
    "update_deliverable": _update_deliverable,
    "manage_deliverable": _manage_deliverable,
    "move_deliverable": _move_deliverable,
    "override_deliverable_progress": _chairs_decision,
    "review_deliverable": _chairs_decision,
    "view_task": _view_task,
    "update_task": _update_task,
    "manage_task": _manage_task,
    # Meetings and events (comments and files on a meeting ask the same two): a group's
    # meetings are created by whoever manages the group ("manage_group"), coalition events by
    # the coordinators.
    "view_meeting": _view_meeting,
    "manage_meeting": _manage_meeting,
    "answer_meeting": lambda user, meeting: _answer_meeting(user, meeting),
    "create_event": _manage_coalition,
    # The public site (issue 15).
    "publish_deliverable": _publish_deliverable,
    "choose_public_listing": _choose_public_listing,
    # Ties and contacts (issue 14): every signed-in person sees ties and contacts.
    "view_tie": _signed_in,
    "record_tie": _record_tie,
    "answer_tie": _answer_tie,
    "edit_tie": _edit_tie,
    "end_tie": _end_tie,
    "manage_ties": _manage_coalition,  # the coalition-wide list and the CSV import
    "name_focal_point": _name_focal_point,
    "email_group": _email_group,
    # comments and files (issue 14)
    "view_subject": _view_subject,
    "discuss": _discuss,
    "moderate_subject": _moderate_subject,
    "view_comment": _view_comment,
    "edit_comment": _edit_comment,
    "delete_comment": _delete_comment,
    "moderate_comment": _moderate_comment,
    "view_attachment": _view_attachment,
    "delete_attachment": _delete_attachment,
    # Applications to join and privacy requests (issue 15).
    "review_applications": _review_applications,
    "answer_privacy_requests": _answer_privacy_requests,
    # The consultation: its list and results (signed-in), its preparation (coordinators).
    "view_consultation": _view_consultation,
    "manage_consultation": _manage_coalition,
}


# --- the agenda: recommendations, positions, endorsements (issue 16) -----------------------
# Drafts: the group's chairs and people of its current institutions write them, and
# coordinators; a chair sends a draft to review. In review the text changes only through
# amendments that a chair accepts or rejects; ONE current chair approves (the other chairs see
# who approved and when). Coordinators adopt an approved recommendation into the agenda and
# publish its editions; they write positions and follow initiatives. An institution answers an
# endorsement through its focal point or a person it authorised.


def _writes_in_group(user: User, group: WorkingGroup) -> bool:
    return user.is_coordinator or is_chair(user, group) or is_group_member(user, group)


def _edit_recommendation(user: User, rec: Recommendation) -> bool:
    return rec.status == RecommendationStatus.DRAFT and _writes_in_group(user, rec.group)


def _discuss_recommendation(user: User, rec: Recommendation) -> bool:
    """Comment on and propose amendments to a recommendation in review."""
    return rec.status == RecommendationStatus.REVIEW and _writes_in_group(user, rec.group)


def _cite_evidence(user: User, rec: Recommendation) -> bool:
    """Add or remove what a recommendation answers: while it is a draft or in review."""
    return rec.status in (
        RecommendationStatus.DRAFT,
        RecommendationStatus.REVIEW,
    ) and _writes_in_group(user, rec.group)


def _chair_recommendation(user: User, rec: Recommendation) -> bool:
    """A chair's decisions: send to review or back to draft, accept or reject amendments,
    approve. One current chair suffices."""
    return rec.status in (
        RecommendationStatus.DRAFT,
        RecommendationStatus.REVIEW,
        RecommendationStatus.APPROVED,
    ) and is_chair(user, rec.group)


def _adopt_recommendation(user: User, rec: Recommendation) -> bool:
    return user.is_coordinator and rec.status == RecommendationStatus.APPROVED


def endorses_for(user: User, institution: Institution) -> bool:
    """The person answers endorsements for the institution: its focal point, or a person it
    authorised (and not revoked), of an institution that is a coalition member today."""
    if not institution.is_active_on(clock.today()):
        return False
    if institution.focal_point_id == user.id:
        return True
    from .agenda.queries import is_authorised_endorser

    return is_authorised_endorser(user, institution)


def _endorse(user: User, subject: tuple[Institution, Recommendation | Position] | None) -> bool:
    if not isinstance(subject, tuple):
        return False
    institution, item = subject
    if isinstance(item, Position):
        open_ = item.status == PositionStatus.OPEN
    else:
        open_ = item.status == RecommendationStatus.ADOPTED
    return open_ and endorses_for(user, institution)


def _view_coverage(user: User, _obj: object) -> bool:
    """What no recommendation answers yet: the coordinators and the groups' chairs."""
    from sqlalchemy import select

    from .core.db import session
    from .groups.queries import chairs_anything

    if user.is_coordinator:
        return True
    return bool(session.scalar(select(chairs_anything(user.id, clock.today()))))


def _manage_endorsers(user: User, institution: Institution) -> bool:
    return user.is_coordinator or institution.focal_point_id == user.id


def _view_position(user: User, position: Position) -> bool:
    return position.is_published or user.is_coordinator


AGENDA_RULES: dict[str, Callable[[User, Any], bool]] = {
    "view_recommendation": _signed_in,
    "create_recommendation": _writes_in_group,
    "edit_recommendation": _edit_recommendation,
    "discuss_recommendation": _discuss_recommendation,
    "cite_evidence": _cite_evidence,
    "chair_recommendation": _chair_recommendation,
    "adopt_recommendation": _adopt_recommendation,
    "publish_agenda": _manage_coalition,
    "view_coverage": _view_coverage,
    "view_position": _view_position,
    "manage_positions": _manage_coalition,
    "manage_initiatives": _manage_coalition,
    "endorse": _endorse,
    "manage_endorsers": _manage_endorsers,
}
RULES.update(AGENDA_RULES)


def can(user: User | None, action: str, obj: object = None) -> bool:
    """May this signed-in, active user do `action` to `obj`? Unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    rule = RULES.get(action)
    return bool(rule and rule(user, obj))


def authorize(user: User | None, action: str, obj: object = None) -> None:
    """Refuse (403) unless `user` may do `action` to `obj`. Handlers call this before acting."""
    _mark_checked()
    if not can(user, action, obj):
        raise Forbidden()


def require_visible(user: User | None, action: str, obj: object) -> None:
    """Answer 404, as if it did not exist, unless `user` may see `obj` (loaders call this)."""
    _mark_checked()
    if not can(user, action, obj):
        raise NotFound()


def access_checked() -> bool:
    """Whether this request's handler has asked the policy (the route walk test reads it)."""
    return bool(g.get("_access_checked"))


def _mark_checked() -> None:
    if has_request_context():
        g._access_checked = True
