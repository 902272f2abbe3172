"""`/api/v1/groups`: the working groups, and one group with its institutions and work."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from models import Deliverable

from ..api.blueprint import bp
from ..api.helpers import CONTROL, answer
from ..api.openapi import operation
from ..core import clock
from ..core.db import session
from ..policy import authorize
from ..work import queries as work_queries
from . import queries as group_queries
from . import service as groups_service
from .schemas import Group, GroupDetail, GroupList


@bp.get("/groups")
@operation(
    "GET",
    summary="The working groups",
    tag="groups",
    responses={200: ("Every working group", GroupList)},
)
def groups():
    authorize(current_user, "view_directory")
    return answer(GroupList(data=[Group.of(g) for g in groups_service.list_groups()]))


@bp.get("/groups/<slug>")
@operation(
    "GET",
    summary="One working group: its current institutions, chairs and open deliverables",
    tag="groups",
    responses={200: ("The group", GroupDetail), 404: ("No such group", None)},
)
def group(slug: str):
    if len(slug) > 40 or CONTROL.search(slug):  # never a slug (and PostgreSQL refuses NUL)
        raise NotFound()
    group = groups_service.load_group(slug)
    authorize(current_user, "view_group", group)
    current = sorted(
        work_queries.current_memberships(group),
        key=lambda m: (m.role.value != "lead", m.institution.name_key),
    )
    deliverables = session.scalars(
        select(Deliverable)
        .where(Deliverable.group_id == group.id, Deliverable.archived_at.is_(None))
        .order_by(Deliverable.due_on.is_(None), Deliverable.due_on, Deliverable.id)
    ).all()
    today = clock.today()
    chairs = [c for c in group_queries.chair_history(session, group) if c.current_on(today)]
    return answer(GroupDetail.of(group, current, deliverables, chairs))
