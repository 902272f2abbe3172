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
from typing import Any, TypeVar

from flask import g, has_request_context
from werkzeug.exceptions import Forbidden, NotFound

from models import DELIVERABLE_FLOW, Deliverable, GroupRole, Task, User, WorkingGroup, WorkStatus

from .core import clock

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


def _current_roles(user: User, group: WorkingGroup) -> set[GroupRole]:
    day = clock.today()
    return {
        membership.role
        for membership in group.memberships
        if membership.institution_id == user.institution_id and membership.current_on(day)
    }


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


def _signed_in(user: User, _obj: object) -> bool:
    return True  # `can` has already checked that the user is signed in and active


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
}


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
