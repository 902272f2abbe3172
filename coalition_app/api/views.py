"""`/api/v1/`: institutions, working groups, deliverables and tasks, growth, the OpenAPI document.

Views are thin, as the pages are: load (through the same services and policy) → authorise →
validate → call the service → answer JSON. Errors are `{"error": {...}}` for every status
(`coalition_app/errors.py`); 409 adds `current_version`, 422 adds `field`.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from models import (
    Deliverable,
    Institution,
    Task,
    WorkingGroup,
    WorkStatus,
)

from ..core import clock
from ..core.db import session
from ..core.errors import DomainError, EditConflict, render_error
from ..core.extensions import csrf
from ..directory import service as directory
from ..groups import service as groups_service
from ..growth import series as growth
from ..policy import authorize, can, public
from ..work import queries as work_queries
from ..work import service as work_service
from . import auth
from .openapi import (
    BOOLEAN,
    DATE,
    DATETIME,
    ID,
    INTEGER,
    MAX_ID,
    PERCENT,
    STATUS,
    STRING,
    array,
    component,
    describe_endpoint,
    document,
    nullable,
    obj,
    operation,
    page_of,
    query,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token calls cannot be forged by another site; session calls are checked in `_check_csrf`.
csrf.exempt(bp)

MAX_PER_PAGE = 100
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Characters a database text column must not receive (PostgreSQL refuses NUL outright).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@bp.record_once
def _install_token_auth(state) -> None:
    auth.init_app(state.app)


@bp.before_request
def _check_csrf():
    """Session calls that change something carry the CSRF token in X-CSRFToken."""
    if (
        request.method in UNSAFE_METHODS
        and auth.current_token() is None
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()


def _error(status: int, message: str | None = None, **extra):
    response, code = render_error(status, message)
    body = response.get_json()
    body["error"].update(extra)
    response = jsonify(body)
    response.status_code = code
    return response


def _require_write_scope() -> None:
    token = auth.current_token()
    if token is not None and not token.can_write:
        abort(
            _error(403, _("This token is read-only: create a read-write token to record progress."))
        )


def _id(value: int) -> int:
    if value > MAX_ID:
        raise NotFound()
    return value


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _timestamp(moment: datetime) -> str:
    """RFC 3339 with its offset (SQLite gives naive values back: they are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


# --- representations ---------------------------------------------------------------------------

SECTOR = component("Sector", obj({"slug": STRING, "name_es": STRING, "name_en": STRING}))
STATE = component(
    "State", obj({"code": STRING, "name_es": STRING, "name_en": STRING, "abbreviation": STRING})
)
INSTITUTION_REF = component("InstitutionRef", obj({"id": INTEGER, "name": STRING, "url": STRING}))
GROUP_REF = component(
    "GroupRef", obj({"slug": STRING, "name_es": STRING, "name_en": STRING, "url": STRING})
)
PERSON_REF = component("PersonRef", obj({"id": INTEGER, "full_name": STRING}))
INSTITUTION_FIELDS = {
    "id": INTEGER,
    "name": STRING,
    "acronym": nullable(STRING),
    "sector": SECTOR,
    "state": nullable(STATE),
    "website": nullable(STRING),
    "joined_on": DATE,
    "left_on": nullable(DATE),
    "active": BOOLEAN,
    "is_founder": BOOLEAN,
    "basis": {"type": "string", "enum": ["documented", "reported", "demo"]},
    "url": STRING,
}
INSTITUTION = component("Institution", obj(INSTITUTION_FIELDS))
MEMBERSHIP = component(
    "Membership",
    obj(
        {
            "group": GROUP_REF,
            "role": {"type": "string", "enum": ["lead", "member"]},
            "since": DATE,
            "until": nullable(DATE),
        }
    ),
)
WORK_REF = {
    "id": INTEGER,
    "title": STRING,
    "status": STATUS,
    "progress": PERCENT,
    "due_on": nullable(DATE),
    "url": STRING,
}
DELIVERABLE_REF = component("DeliverableRef", obj(WORK_REF))
INSTITUTION_DETAIL = component(
    "InstitutionDetail",
    obj(
        {
            **INSTITUTION_FIELDS,
            "memberships": array(MEMBERSHIP),
            "deliverables": array(DELIVERABLE_REF),
        }
    ),
)
GROUP_FIELDS = {
    "slug": STRING,
    "name_es": STRING,
    "name_en": STRING,
    "description_es": STRING,
    "description_en": STRING,
    "url": STRING,
}
GROUP = component("Group", obj(GROUP_FIELDS))
GROUP_MEMBER = component(
    "GroupMember",
    obj(
        {
            "institution": INSTITUTION_REF,
            "role": {"type": "string", "enum": ["lead", "member"]},
            "since": DATE,
        }
    ),
)
GROUP_DETAIL = component(
    "GroupDetail",
    obj(
        {
            **GROUP_FIELDS,
            "institutions": array(GROUP_MEMBER),
            "deliverables": array(DELIVERABLE_REF),
        }
    ),
)
TASK_REF = component("TaskRef", obj({**WORK_REF, "assignee": nullable(PERSON_REF)}))
COMMON_WORK = {
    **WORK_REF,
    "description": STRING,
    "version": {"type": "integer", "minimum": 1},
    "archived": BOOLEAN,
    "updated_at": DATETIME,
    "updated_by": nullable(PERSON_REF),
}
DELIVERABLE = component(
    "Deliverable",
    obj(
        {
            **COMMON_WORK,
            "group": GROUP_REF,
            "owner_institution": nullable(INSTITUTION_REF),
            "progress_mode": {"type": "string", "enum": ["derived", "manual"]},
            "tasks": array(TASK_REF),
        }
    ),
)
TASK = component(
    "Task",
    obj({**COMMON_WORK, "deliverable": DELIVERABLE_REF, "assignee": nullable(PERSON_REF)}),
)
PROGRESS = component(
    "ProgressUpdate",
    obj(
        {"version": ID},
        {
            "status": STATUS,
            "progress": nullable(PERCENT),
            "note": {"type": "string", "maxLength": 5000},
            "evidence_url": nullable({"type": "string", "format": "uri", "maxLength": 500}),
        },
        description=(
            "version: the version you read (a stale one is refused with 409). status: the "
            "new status (default: unchanged; the workflow and your role decide which moves "
            "are allowed). progress: percent. A note alone records a comment."
        ),
    ),
)
GROWTH = component(
    "Growth",
    obj(
        {
            "as_of": DATE,
            "sectors": array(SECTOR),
            "members": array(
                obj(
                    {
                        "date": DATE,
                        "total": INTEGER,
                        "by_sector": {"type": "object", "additionalProperties": INTEGER},
                    }
                )
            ),
            "year_ends": array(obj({"year": INTEGER, "members": INTEGER})),
            "joins_per_quarter": array(obj({"quarter": STRING, "joins": INTEGER})),
            "current_by_sector": {"type": "object", "additionalProperties": INTEGER},
        }
    ),
)


def _sector(sector) -> dict:
    return {"slug": sector.slug, "name_es": sector.name_es, "name_en": sector.name_en}


def _state(state) -> dict | None:
    if state is None:
        return None
    return {
        "code": state.code,
        "name_es": state.name_es,
        "name_en": state.name_en,
        "abbreviation": state.abbreviation,
    }


def _institution_ref(institution: Institution | None) -> dict | None:
    if institution is None:
        return None
    return {
        "id": institution.id,
        "name": institution.name,
        "url": url_for("api.institution", institution_id=institution.id),
    }


def _group_ref(group: WorkingGroup) -> dict:
    return {
        "slug": group.slug,
        "name_es": group.name_es,
        "name_en": group.name_en,
        "url": url_for("api.group", slug=group.slug),
    }


def _person(user) -> dict | None:
    return None if user is None else {"id": user.id, "full_name": user.full_name}


def _institution(institution: Institution, today: date) -> dict:
    return {
        "id": institution.id,
        "name": institution.name,
        "acronym": institution.acronym,
        "sector": _sector(institution.sector),
        "state": _state(institution.state),
        "website": institution.website,
        "joined_on": institution.joined_on.isoformat(),
        "left_on": _iso(institution.left_on),
        "active": institution.is_active_on(today),
        "is_founder": institution.is_founder,
        "basis": institution.basis.value,
        "url": url_for("api.institution", institution_id=institution.id),
    }


def _work_ref(subject: Deliverable | Task) -> dict:
    endpoint, key = (
        ("api.deliverable", "deliverable_id")
        if isinstance(subject, Deliverable)
        else ("api.task", "task_id")
    )
    return {
        "id": subject.id,
        "title": subject.title,
        "status": subject.status.value,
        "progress": subject.progress,
        "due_on": _iso(subject.due_on),
        "url": url_for(endpoint, **{key: subject.id}),
    }


def _common_work(subject: Deliverable | Task) -> dict:
    return {
        **_work_ref(subject),
        "description": subject.description or "",
        "version": subject.version,
        "archived": subject.archived_at is not None,
        "updated_at": _timestamp(subject.updated_at),
        "updated_by": _person(subject.updated_by),
    }


def _deliverable(deliverable: Deliverable) -> dict:
    tasks = [t for t in deliverable.tasks if can(current_user, "view_task", t)]
    return {
        **_common_work(deliverable),
        "group": _group_ref(deliverable.group),
        "owner_institution": _institution_ref(deliverable.owner_institution),
        "progress_mode": deliverable.progress_mode.value,
        "tasks": [
            {**_work_ref(t), "assignee": _person(t.assignee)}
            for t in sorted(tasks, key=lambda t: t.id)
        ],
    }


def _task(task: Task) -> dict:
    return {
        **_common_work(task),
        "deliverable": _work_ref(task.deliverable),
        "assignee": _person(task.assignee),
    }


# --- institutions ------------------------------------------------------------------------------

LIST_PARAMS = [
    query(
        "q",
        {"type": "string", "maxLength": 200},
        "Name or acronym contains (case and accents ignored)",
    ),
    query("sector", {"type": "string", "maxLength": 32}, "Sector slug"),
    query("state", {"type": "string", "maxLength": 8}, "State code, e.g. MX-CMX"),
    query("group", {"type": "string", "maxLength": 40}, "Working group slug (current members)"),
    query("founder", {"type": "string", "enum": ["yes", "no"]}),
    query("status", {"type": "string", "enum": list(directory.STATUSES)}),
    query("sort", {"type": "string", "enum": list(directory.SORTS)}),
    query("dir", {"type": "string", "enum": ["asc", "desc"]}),
    query("page", {"type": "integer", "minimum": 1, "maximum": 9_999_999}),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 7 or not low <= int(raw) <= high:
        raise BadRequest(
            _(
                "%(name)s must be a whole number from %(low)s to %(high)s.",
                name=name,
                low=low,
                high=high,
            )
        )
    return int(raw)


def _directory_query() -> directory.DirectoryQuery:
    for value in request.args.values():
        if CONTROL.search(value):
            raise BadRequest(_("Control characters are not allowed."))
    # The directory parses the filters (and refuses unknown values) as for its page.
    args = MultiDict(request.args)
    args.pop("per_page", None)
    args["page"] = "1"
    return directory.DirectoryQuery.from_args(args)


def _known_references(query: directory.DirectoryQuery) -> list[WorkingGroup]:
    sectors, states = directory.reference_lists()
    if query.sector and query.sector not in {s.slug for s in sectors}:
        raise BadRequest(_("Unknown sector."))
    if query.state and query.state not in {s.code for s in states}:
        raise BadRequest(_("Unknown state."))
    return groups_service.list_groups()


@bp.get("/institutions")
@operation(
    "GET",
    summary="Institutions, with the directory's filters",
    tag="institutions",
    params=LIST_PARAMS,
    responses={200: ("One page of institutions", page_of(INSTITUTION))},
)
def institutions():
    authorize(current_user, "view_directory")
    query = _directory_query()
    page = _int_arg("page", 1, 1, 9_999_999)
    per_page = _int_arg("per_page", 25, 1, MAX_PER_PAGE)
    today = clock.today()
    conditions = directory.matching_conditions(query, today, _known_references(query))
    total = session.scalar(select(func.count()).select_from(Institution).where(*conditions))
    last = max(1, math.ceil(total / per_page))
    statement = directory.in_directory_order(select(Institution).where(*conditions), query)
    rows = session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()

    def link(number: int) -> str:
        args = query.args(page=1)
        args.update({"page": str(number), "per_page": str(per_page)})
        return url_for("api.institutions", **args)

    return jsonify(
        {
            "data": [_institution(i, today) for i in rows],
            "links": {
                "self": link(page),
                "first": link(1),
                "last": link(last),
                "next": link(page + 1) if page < last else None,
                "prev": link(min(page - 1, last)) if page > 1 else None,
            },
            "meta": {"page": page, "per_page": per_page, "total": total},
        }
    )


@bp.get("/institutions/<int:institution_id>")
@operation(
    "GET",
    summary="One institution, with its group memberships and deliverables",
    tag="institutions",
    responses={200: ("The institution", INSTITUTION_DETAIL), 404: ("No such institution", None)},
)
def institution(institution_id: int):
    authorize(current_user, "view_directory")
    today = clock.today()
    profile = directory.profile(_id(institution_id), today)
    return jsonify(
        {
            **_institution(profile.institution, today),
            "memberships": [
                {
                    "group": _group_ref(m.group),
                    "role": m.role.value,
                    "since": m.since.isoformat(),
                    "until": _iso(m.until),
                }
                for m in profile.memberships
            ],
            "deliverables": [_work_ref(d) for d in profile.deliverables],
        }
    )


# --- working groups ----------------------------------------------------------------------------


def _group(group: WorkingGroup) -> dict:
    return {
        "slug": group.slug,
        "name_es": group.name_es,
        "name_en": group.name_en,
        "description_es": group.description_es or "",
        "description_en": group.description_en or "",
        "url": url_for("api.group", slug=group.slug),
    }


@bp.get("/groups")
@operation(
    "GET",
    summary="The working groups",
    tag="groups",
    responses={200: ("Every working group", obj({"data": array(GROUP)}))},
)
def groups():
    authorize(current_user, "view_directory")
    return jsonify({"data": [_group(g) for g in groups_service.list_groups()]})


@bp.get("/groups/<slug>")
@operation(
    "GET",
    summary="One working group: its current institutions and open deliverables",
    tag="groups",
    responses={200: ("The group", GROUP_DETAIL), 404: ("No such group", None)},
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
    return jsonify(
        {
            **_group(group),
            "institutions": [
                {
                    "institution": _institution_ref(m.institution),
                    "role": m.role.value,
                    "since": m.since.isoformat(),
                }
                for m in current
            ],
            "deliverables": [_work_ref(d) for d in deliverables],
        }
    )


# --- deliverables and tasks ----------------------------------------------------------------------


def _progress_payload() -> dict[str, Any]:
    """The PATCH body, checked for shape (the service checks the rules)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadRequest(_("Send a JSON object."))
    unknown = sorted(set(payload) - {"version", "status", "progress", "note", "evidence_url"})
    if unknown:
        raise _Invalid(_("Unknown field: %(name)s.", name=unknown[0]), unknown[0])
    version = payload.get("version")
    if not _is_int(version) or not 1 <= version <= MAX_ID:
        raise _Invalid(_("Give the version you read (a whole number)."), "version")
    status = payload.get("status")
    if status is not None and status not in {s.value for s in WorkStatus}:
        raise _Invalid(_("Unknown status."), "status")
    progress = payload.get("progress")
    if progress is not None and (not _is_int(progress) or not 0 <= progress <= 100):
        raise _Invalid(_("Progress is a percentage from 0 to 100."), "progress")
    note = payload.get("note", "")
    if not isinstance(note, str) or len(note) > 5000 or CONTROL.search(note):
        raise _Invalid(_("The note is text of at most 5,000 characters."), "note")
    evidence = payload.get("evidence_url")
    if evidence is not None and not _is_web_address(evidence):
        raise _Invalid(_("Enter a full web address (https://…)."), "evidence_url")
    return {
        "expected_version": int(version),
        "status": WorkStatus(status) if status is not None else None,
        "progress": int(progress) if progress is not None else None,
        "note": note,
        "evidence_url": evidence or None,
    }


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_web_address(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 500 or CONTROL.search(value) or " " in value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class _Invalid(Exception):
    """A body whose shape is wrong: 422 with the field it is about."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@bp.errorhandler(_Invalid)
def _invalid(error: _Invalid):
    return _error(422, error.message, field=error.field)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return _error(422, str(error.message), field=error.field)


@bp.errorhandler(EditConflict)
def _conflict(error: EditConflict):
    return _error(409, None, current_version=error.subject.version)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """As the app's handler, keeping the view's own explanation when it gave one."""
    if error.code is None or error.code < 400:
        return error
    detail = error.description if error.description != type(error).description else None
    return _error(error.code, detail)


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError):
    return _error(400, _("With the session, send the page's CSRF token in an X-CSRFToken header."))


def _record(subject, use_case, move_action: str | None = None):
    _require_write_scope()
    data = _progress_payload()
    if data["status"] is None:
        data["status"] = subject.status
    if move_action:
        authorize(current_user, move_action, (subject, data["status"]))
    use_case(subject, current_user, **data)


@bp.get("/deliverables/<int:deliverable_id>")
@operation(
    "GET",
    summary="One deliverable, with its tasks",
    tag="work",
    responses={200: ("The deliverable", DELIVERABLE), 404: ("No such deliverable", None)},
)
def deliverable(deliverable_id: int):
    return jsonify(_deliverable(work_queries.load_deliverable(_id(deliverable_id), current_user)))


@bp.patch("/deliverables/<int:deliverable_id>")
@operation(
    "PATCH",
    summary="Record progress on a deliverable (as the page does: same policy and rules)",
    tag="work",
    body=PROGRESS,
    writes=True,
    responses={
        200: ("The deliverable, updated", DELIVERABLE),
        404: ("No such deliverable", None),
        409: ("Stale version", None),
        422: ("A rule was broken", None),
    },
)
def update_deliverable(deliverable_id: int):
    subject = work_queries.load_deliverable(_id(deliverable_id), current_user)
    authorize(current_user, "update_deliverable", subject)
    _record(subject, work_service.record_deliverable_progress, move_action="move_deliverable")
    return jsonify(_deliverable(work_queries.load_deliverable(subject.id, current_user)))


@bp.get("/tasks/<int:task_id>")
@operation(
    "GET",
    summary="One task",
    tag="work",
    responses={200: ("The task", TASK), 404: ("No such task", None)},
)
def task(task_id: int):
    return jsonify(_task(work_queries.load_task(_id(task_id), current_user)))


@bp.patch("/tasks/<int:task_id>")
@operation(
    "PATCH",
    summary="Record progress on a task (its assignee, or whoever manages the group)",
    tag="work",
    body=PROGRESS,
    writes=True,
    responses={
        200: ("The task, updated", TASK),
        404: ("No such task", None),
        409: ("Stale version", None),
        422: ("A rule was broken", None),
    },
)
def update_task(task_id: int):
    subject = work_queries.load_task(_id(task_id), current_user)
    authorize(current_user, "update_task", subject)
    _record(subject, work_service.record_task_progress)
    return jsonify(_task(work_queries.load_task(subject.id, current_user)))


# --- growth ------------------------------------------------------------------------------------


@bp.get("/growth")
@operation(
    "GET",
    summary="How the coalition grew: members by sector at each month end, and more",
    tag="growth",
    responses={200: ("The growth series", GROWTH)},
)
def growth_series():
    authorize(current_user, "view_directory")
    today = clock.today()
    data = growth.load(today)
    slugs = data.sector_slugs
    series = growth.membership_series(data.rows, slugs, today)
    current = growth.breakdown(data.rows, today, "sector")
    return jsonify(
        {
            "as_of": today.isoformat(),
            "sectors": [_sector(s) for s in data.sectors],
            "members": [
                {
                    "date": day.isoformat(),
                    "total": total,
                    "by_sector": {s: series.counts[s][i] for s in slugs},
                }
                for i, (day, total) in enumerate(zip(series.days, series.totals, strict=True))
            ],
            "year_ends": [
                {"year": y, "members": n} for y, n in growth.year_end_totals(data.rows, today)
            ],
            "joins_per_quarter": [
                {"quarter": q, "joins": n} for q, n in growth.joins_per_quarter(data.rows, today)
            ],
            "current_by_sector": {s: current.get(s, 0) for s in slugs},
        }
    )


# --- the network (served by the network blueprint, described here) ---------------------------

describe_endpoint(
    "network.api_network",
    "GET",
    summary="The network of institutions as node-link JSON, with measures",
    tag="network",
    description=(
        "Nodes are institutions (with their measures), edges are documented ties. "
        "Answers 202 with Retry-After while a large network is being computed."
    ),
    params=[query("as_of", DATE, "The day the network is drawn for (default today)")],
    responses={
        200: (
            "The network",
            {
                "type": "object",
                "required": ["nodes", "edges"],
                "properties": {
                    "nodes": array({"type": "object", "required": ["id"]}),
                    "edges": array({"type": "object", "required": ["source", "target"]}),
                    "as_of": DATE,
                    "coalition": {"type": "object"},
                },
            },
        ),
        202: (
            "Being computed: retry after the Retry-After seconds",
            obj({"status": {"const": "building"}, "message": STRING}),
        ),
        503: ("Temporarily unavailable", None),
    },
)


# --- the document -----------------------------------------------------------------------------


@bp.get("/openapi.json")
@public
@operation(
    "GET",
    summary="This OpenAPI document",
    tag="meta",
    responses={200: ("The OpenAPI 3.1 document", {"type": "object"})},
)
def openapi():
    return jsonify(document(current_app))
