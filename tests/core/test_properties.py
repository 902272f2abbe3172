"""Property-based tests: arbitrary text, dates and numbers through the forms and services.

Whatever is sent, no exception escapes as a 500, a refusal writes nothing (every table is
compared before and after), and an accepted change writes exactly one ProgressUpdate.

Hypothesis runs many examples inside one test function, so one app, one client and one
database transaction serve them all: each example snapshots the tables itself, and names that
must be unique carry a counter.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
from datetime import date

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from coalition_app.core.db import unit_of_work
from coalition_app.core.errors import DomainError
from coalition_app.core.extensions import limiter
from coalition_app.work import queries as work_queries
from coalition_app.work import service as work_service
from models import (
    AuditEvent,
    Base,
    Deliverable,
    ProgressUpdate,
    Role,
    Task,
    WorkStatus,
    comparison_key,
)

ON_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_unique = itertools.count(1)

# --- what is sent ---------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
NASTY_TEXTS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "\u202eRTL override\u202c מוסד ערבי مؤسسة",
    "a\x00b",  # NUL
    "\x00",
    "\x1b[31m\x07\x08\x7f",  # other control characters
    "👩‍👩‍👧‍👦🇲🇽" * 10,
    "\ud7ff\ue000\uffff",
    "ß" * 200,  # folds to 400 characters
    "\ufdfa" * 12,  # one character that decomposes (NFKD) into 18
    "x" * 201,
    "y" * 5001,
    "   ",
    "'; DROP TABLE institutions; --",
    "%s %(name)s {0} {{ 7*7 }}",
]
texts = st.one_of(st.text(max_size=300), st.sampled_from(NASTY_TEXTS))
short_texts = st.one_of(st.text(max_size=60), st.sampled_from(NASTY_TEXTS))
date_strings = st.one_of(
    st.dates().map(date.isoformat),  # years 1 to 9999
    st.sampled_from(
        ["", "2024-02-30", "0000-01-01", "99999-01-01", "2025-13-01", "-1", "today", "1e9"]
    ),
    st.text(max_size=20),
)
plausible_dates = st.dates(date(1990, 1, 1), date(2110, 1, 1)).map(date.isoformat)
number_strings = st.one_of(
    st.integers(-200, 300).map(str),
    st.integers().map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.sampled_from(["", " 50 ", "50.5", "1e3", "NaN", "inf", "-0", "٣", "0x10", "None"]),
    st.text(max_size=12),
)


def mostly(valid, anything):
    """Usually a valid value (so that acceptances are exercised too), sometimes anything."""
    return st.integers(0, 3).flatmap(lambda n: valid if n else anything)


# --- helpers --------------------------------------------------------------------------------


def snapshot(db_session) -> dict[str, list[tuple]]:
    """Every row of every table, read fresh from the database."""
    db_session.expire_all()
    rows = {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(r) for r in db_session.execute(select(table).order_by(*order))]
    db_session.remove()  # the request that follows starts a session of its own
    return rows


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


@pytest.fixture
def app_errors(app):
    """The tracebacks the app logged (its 500 handler logs them), to show in a failure."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(logging.ERROR)
    handler.setFormatter(logging.Formatter("%(message)s"))
    app.logger.addHandler(handler)
    yield records
    app.logger.removeHandler(handler)


def nul_variants(fails_on_sqlite: bool):
    """Run a test twice: with the input as drawn (NUL characters included: the app refuses
    them with a 400) and with NUL characters removed. `fails_on_sqlite` is kept for the
    record: NUL once was a 500 on both databases."""
    del fails_on_sqlite
    return pytest.mark.parametrize(
        "with_nul", [pytest.param(True, id="as-drawn"), pytest.param(False, id="no-nul")]
    )


def without_nul(data):
    """The same input with NUL characters removed."""
    if isinstance(data, str):
        return data.replace("\x00", "")
    if isinstance(data, bytes):
        return data.replace(b"\x00", b"")
    return {key: without_nul(value) for key, value in data.items()}


def assert_no_server_error(response, app_errors: list[str], sent) -> None:
    if currently_in_test_context():
        event(f"HTTP {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code < 500, f"{response.status_code} for {sent!r}\n" + (
        app_errors[-1] if app_errors else ""
    )


@pytest.fixture
def work_world(db_session, make_institution, make_group, make_user, login_as):
    """A group with a lead and a member institution, a deliverable and a task assigned to a
    member; the client is signed in as the group's chair."""
    lead, member = make_institution(), make_institution()
    group = make_group(leads=[lead], members=[member])
    assignee = make_user(institution=member, full_name="Asignada")
    deliverable = Deliverable(group_id=group.id, title="Entregable", status=WorkStatus.IN_PROGRESS)
    db_session.add(deliverable)
    db_session.flush()
    task = Task(deliverable_id=deliverable.id, title="Tarea", assignee_id=assignee.id)
    db_session.add(task)
    db_session.commit()
    chair = login_as(Role.MEMBER, institution=lead, full_name="Chair", chair_of=group)
    world = {
        "group_slug": group.slug,
        "group_id": group.id,
        "lead_id": lead.id,
        "member_id": member.id,
        "deliverable_id": deliverable.id,
        "task_id": task.id,
        "assignee_id": assignee.id,
        "chair_id": chair.id,
    }
    db_session.remove()
    return world


def check_refused_or_one_update(
    response, before, after, accepted_tables: set[str], status_follow_up: bool = False
) -> None:
    """A refusal changes nothing; an acceptance adds exactly one ProgressUpdate (and, with
    `status_follow_up`, at most one more: the deliverable's status moving after its task's)."""
    if response.status_code in (302, 303):
        added = [row for row in after["progress_updates"] if row not in before["progress_updates"]]
        follow_ups = [row for row in added if row[2] is None and set(row[5]) == {"status"}]
        if status_follow_up and len(added) == 2:
            assert len(follow_ups) == 1, added
        else:
            assert len(added) == 1, added
        assert changed_tables(before, after) <= accepted_tables
    else:
        assert response.status_code in (400, 409, 413), response.status_code
        assert changed_tables(before, after) == set()


# --- record_task_progress via POST /tasks/<id>/progress ------------------------------------


@SETTINGS
@given(
    status=mostly(st.sampled_from([s.value for s in WorkStatus]), short_texts),
    progress=mostly(st.one_of(st.just(""), st.integers(0, 100).map(str)), number_strings),
    note=texts,
    evidence_url=mostly(
        st.sampled_from(["", "https://example.org/evidencia"]),
        st.one_of(st.text(max_size=80).map(lambda t: "https://example.org/" + t), short_texts),
    ),
    version=mostly(st.sampled_from([None, "current"]), number_strings),
)
@example(status="done", progress="", note="a\x00b", evidence_url="", version=None)
@example(status="in_progress", progress="101", note="", evidence_url="", version=None)
@example(status="in_progress", progress="-1", note="n", evidence_url="", version=None)
@example(status="planned", progress=str(10**30), note="", evidence_url="", version="current")
@example(status="in_review", progress="50", note="x", evidence_url="", version=None)
@example(status="in_progress", progress="40", note=SCRIPT, evidence_url="", version="0")
@example(
    status="in_progress", progress="", note="z" * (2 * 1024 * 1024), evidence_url="", version=None
)
@nul_variants(fails_on_sqlite=False)
def test_task_progress_form_refuses_cleanly_or_records_one_update(
    client,
    db_session,
    work_world,
    app_errors,
    with_nul,
    status,
    progress,
    note,
    evidence_url,
    version,
):
    task_id = work_world["task_id"]
    task = db_session.get(Task, task_id)
    if task.status != WorkStatus.IN_PROGRESS:
        # From in progress every status is a move a task may make; start each example there.
        task.status = WorkStatus.IN_PROGRESS
        db_session.commit()
    current_version = task.version
    db_session.remove()
    data = {"status": status, "progress": progress, "note": note, "evidence_url": evidence_url}
    if version is not None:
        data["version"] = str(current_version) if version == "current" else version
    data = data if with_nul else without_nul(data)
    before = snapshot(db_session)
    response = client.post(f"/tasks/{task_id}/progress", data=data)
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, data)
    check_refused_or_one_update(
        response,
        before,
        after,
        {
            "tasks",
            "deliverables",
            "progress_updates",
            "notifications",
            "outbox_messages",
            "data_versions",
        },
        status_follow_up=True,
    )
    if response.status_code == 302:
        update = db_session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.task_id.is_not(None))
            .order_by(ProgressUpdate.id.desc())
        ).first()
        task = db_session.get(Task, task_id)
        assert update.task_id == task_id and task.status.value == data["status"]
        assert 0 <= task.progress <= 100
        db_session.remove()


# --- the same use case called directly, with any integer -----------------------------------


@SETTINGS
@given(
    status=st.sampled_from(list(WorkStatus)),
    progress=st.one_of(st.none(), st.integers(), st.integers(-(10**30), 10**30)),
    note=texts.map(without_nul),  # NUL is covered (and a known bug) in the HTTP tests
)
@example(status=WorkStatus.IN_PROGRESS, progress=-1, note="")
@example(status=WorkStatus.PLANNED, progress=101, note="x")
@example(status=WorkStatus.IN_PROGRESS, progress=10**30, note="")
def test_record_task_progress_service_refuses_out_of_range_numbers_without_writing(
    app, db_session, work_world, status, progress, note
):
    before = snapshot(db_session)
    with app.test_request_context():
        from models import User

        by = db_session.get(User, work_world["assignee_id"])
        task = work_queries.load_task(work_world["task_id"], by)
        # As a request does: the refusal is caught and the transaction is committed all the
        # same, so anything the refused use case had written would be kept.
        with unit_of_work():
            try:
                work_service.record_task_progress(
                    task, by, expected_version=None, status=status, progress=progress, note=note
                )
            except DomainError:
                accepted = False  # a use case that refuses leaves nothing (its savepoint)
            else:
                accepted = True
    after = snapshot(db_session)
    if accepted:
        added = [row for row in after["progress_updates"] if row not in before["progress_updates"]]
        # The task's update, and its deliverable's status when the task moved it.
        assert [row[2] for row in added][:1] == [work_world["task_id"]]
        assert all(row[2] is None and set(row[5]) == {"status"} for row in added[1:])
        assert len(added) <= 2
        assert progress is None or 0 <= progress <= 100
    else:
        assert changed_tables(before, after) == set()


# --- create a deliverable via POST /groups/<slug>/deliverables/new --------------------------


@SETTINGS
@given(
    title=texts,
    description=texts,
    due_on=mostly(st.one_of(st.just(""), plausible_dates), date_strings),
    owner=mostly(
        st.sampled_from(["", "lead", "member"]), st.one_of(st.just("other"), number_strings)
    ),
    progress_mode=mostly(st.sampled_from(["derived", "manual"]), short_texts),
)
@example(title="\x00", description="", due_on="", owner="", progress_mode="derived")
@example(title="a\x00b", description="", due_on="", owner="", progress_mode="derived")
@example(title="T", description="", due_on="9999-12-31", owner="", progress_mode="derived")
@example(title="T", description="", due_on="0001-01-01", owner="lead", progress_mode="manual")
@example(title="T", description="", due_on="2024-02-30", owner="", progress_mode="derived")
@example(title="T", description="", due_on="", owner=str(10**40), progress_mode="derived")
@example(title=SCRIPT, description=SCRIPT, due_on="2030-01-01", owner="", progress_mode="x")
@nul_variants(fails_on_sqlite=True)
def test_new_deliverable_form_refuses_cleanly_or_records_one_update(
    client, db_session, work_world, make_institution, app_errors, with_nul, **fields
):
    owners = {
        "lead": str(work_world["lead_id"]),
        "member": str(work_world["member_id"]),
        "other": str(make_institution().id),  # not in the group
    }
    owner = fields.pop("owner")
    data = dict(fields, owner_institution_id=owners.get(owner, owner))
    data = data if with_nul else without_nul(data)
    before = snapshot(db_session)
    response = client.post(f"/groups/{work_world['group_slug']}/deliverables/new", data=data)
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, data)
    check_refused_or_one_update(
        response, before, after, {"deliverables", "progress_updates", "data_versions"}
    )
    if response.status_code == 302:
        assert len(after["deliverables"]) == len(before["deliverables"]) + 1


# --- create a task via POST /deliverables/<id>/tasks/new -----------------------------------


@SETTINGS
@given(
    title=texts,
    description=texts,
    due_on=mostly(st.one_of(st.just(""), plausible_dates), date_strings),
    assignee=mostly(
        st.sampled_from(["", "assignee", "chair"]), st.one_of(st.just("outsider"), number_strings)
    ),
)
@example(title="\x00", description="", due_on="", assignee="")
@example(title="0\x850", description="", due_on="", assignee="assignee")
@example(title="a\x00b", description="", due_on="", assignee="")
@example(title="T", description="\x00", due_on="2030-01-01", assignee="assignee")
@example(title="T", description="", due_on="99999-01-01", assignee="outsider")
@example(title="T", description="", due_on="1999-12-31", assignee="")
@example(title="T", description="", due_on="", assignee="-5")
@example(title="T", description="", due_on="", assignee="9" * 25)  # beyond the keys' range
@nul_variants(fails_on_sqlite=True)
def test_new_task_form_refuses_cleanly_or_records_one_update(
    client,
    db_session,
    work_world,
    make_user,
    app_errors,
    with_nul,
    title,
    description,
    due_on,
    assignee,
):
    people = {
        "assignee": str(work_world["assignee_id"]),
        "chair": str(work_world["chair_id"]),
        "outsider": str(make_user().id),  # of an institution outside the group
    }
    data = {
        "title": title,
        "description": description,
        "due_on": due_on,
        "assignee_id": people.get(assignee, assignee),
    }
    if not with_nul:
        data = without_nul(data)
        # A line break in the title of a task assigned to someone else is a known bug of
        # its own (see test_a_line_break_in_a_notified_title_or_comment_is_not_a_500).
        data["title"] = " ".join(data["title"].splitlines())
    before = snapshot(db_session)
    response = client.post(f"/deliverables/{work_world['deliverable_id']}/tasks/new", data=data)
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, data)
    check_refused_or_one_update(
        response,
        before,
        after,
        {
            "tasks",
            "deliverables",
            "progress_updates",
            "notifications",
            "outbox_messages",
            "data_versions",
        },
    )
    if response.status_code == 302:
        assert len(after["tasks"]) == len(before["tasks"]) + 1


@pytest.mark.parametrize("title", ["Revisar\nborrador", "0\x850", "Revisar\u2028borrador"])
def test_a_line_break_in_a_notified_title_or_comment_is_not_a_500(
    client, db_session, work_world, app_errors, title
):
    data = {"title": title, "assignee_id": str(work_world["assignee_id"])}
    response = client.post(f"/deliverables/{work_world['deliverable_id']}/tasks/new", data=data)
    assert_no_server_error(response, app_errors, data)


def test_sending_back_with_a_comment_of_several_lines_is_not_a_500(
    client, db_session, work_world, app_errors
):
    deliverable = db_session.get(Deliverable, work_world["deliverable_id"])
    deliverable.status = WorkStatus.IN_REVIEW
    db_session.commit()
    db_session.remove()
    data = {"decision": "send_back", "comment": "Falta:\n- la bibliografía"}
    before = snapshot(db_session)
    response = client.post(f"/deliverables/{work_world['deliverable_id']}/review", data=data)
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, data)
    assert len(after["progress_updates"]) == len(before["progress_updates"]) + 1


# --- the institution form: POST /institutions/new ------------------------------------------


@pytest.fixture
def coordinator_client(client, login_as, app, tmp_path):
    app.instance_path = str(tmp_path)  # previewed imports wait under the instance folder
    login_as(Role.COORDINATOR)
    return client


def folds_within_200(name: str) -> bool:
    return len(name.strip()) > 200 or len(comparison_key(name)) <= 200


@SETTINGS
@given(
    name=st.one_of(texts, texts.map(lambda t: f"{t} {next(_unique)}")).filter(
        folds_within_200  # longer folds are a known bug: see the test after this one
    ),
    acronym=mostly(st.text(max_size=40), short_texts),
    sector=mostly(st.sampled_from(["academia", "gobierno", "sociedad-civil"]), short_texts),
    state=mostly(st.sampled_from(["", "MX-CMX", "MX-JAL"]), short_texts),
    website=mostly(st.just(""), st.one_of(short_texts.map(lambda t: "https://" + t), short_texts)),
    joined_on=mostly(st.dates(date(1990, 1, 1), date.today()).map(date.isoformat), date_strings),
    founder=st.sampled_from(["", "y", "\x00"]),
    source=texts,
)
@example(
    name="\x00",
    acronym="",
    sector="academia",
    state="",
    website="",
    joined_on="2020-01-01",
    founder="",
    source="",
)
@example(
    name="Lab future",
    acronym="",
    sector="academia",
    state="",
    website="",
    joined_on="9999-12-31",
    founder="",
    source="",
)
@example(
    name="Lab past",
    acronym="LP",
    sector="academia",
    state="MX-CMX",
    website="javascript:alert(1)",
    joined_on="0001-01-01",
    founder="y",
    source="",
)
@nul_variants(fails_on_sqlite=True)
def test_new_institution_form_refuses_cleanly_or_adds_one_institution(
    coordinator_client, db_session, app_errors, with_nul, **data
):
    if not data.pop("founder"):
        data["is_founder"] = ""
    data = data if with_nul else without_nul(data)
    before = snapshot(db_session)
    response = coordinator_client.post("/institutions/new", data=data)
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, data)
    if response.status_code == 302:
        assert len(after["institutions"]) == len(before["institutions"]) + 1
        assert len(after["audit_events"]) == len(before["audit_events"]) + 1
        assert changed_tables(before, after) <= {"institutions", "audit_events", "data_versions"}
    else:
        assert response.status_code in (400, 413)
        assert changed_tables(before, after) == set()


@pytest.mark.parametrize("name", ["ß" * 200, "\ufdfa" * 12], ids=["eszett", "ligature"])
def test_a_name_whose_folded_key_exceeds_200_characters_is_not_a_500(
    coordinator_client, db_session, app_errors, name
):
    data = {"name": name, "sector": "academia", "joined_on": "2020-01-01", "state": ""}
    before = snapshot(db_session)
    response = coordinator_client.post("/institutions/new", data=data)
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, data)
    if response.status_code != 302:
        assert changed_tables(before, after) == set()


# --- the CSV import preview with arbitrary bytes ---------------------------------------------

HEADER = "name,acronym,sector,state,website,joined_on,left_on,founder,basis,source"
csv_cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["academia", "MX-CMX", "2020-01-01", "9999-12-31", "yes", "demo", SCRIPT]),
)


@st.composite
def csv_files(draw) -> bytes:
    rows = draw(st.lists(st.lists(csv_cells, min_size=0, max_size=12), max_size=5))
    text = HEADER + "\n" + "\n".join(",".join(row) for row in rows)
    return text.encode(
        draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])), "replace"
    )


@SETTINGS
@given(content=st.one_of(st.binary(max_size=2000), csv_files()))
@example(content=b"")
@example(content=b"\x00\x01\x02")
@example(content=b"\xef\xbb\xbf" + HEADER.encode() + b'\n"unterminated,academia,2020-01-01')
@example(content=(HEADER + "\nLab \x00,,academia,,,2020-01-01,,,,").encode())
@example(content=(HEADER + "\n" + "ß" * 150 + ",,academia,,,2020-01-01,,,,").encode())
@example(content=b"x" * (1024 * 1024 + 1))
def test_import_preview_of_any_bytes_answers_and_writes_nothing(
    coordinator_client, db_session, app_errors, content
):
    before = snapshot(db_session)
    # Encoded here rather than by the test client, whose own spooled file for large bodies
    # is never closed (a ResourceWarning, an error in this suite).
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(content), "institutions.csv", content_type="text/csv")}
    )
    response = coordinator_client.post(
        "/institutions/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, content[:200])
    assert response.status_code in (200, 400, 413)
    assert changed_tables(before, after) == set()


# --- the sign-in form ------------------------------------------------------------------------

emails = st.one_of(
    st.emails().map(str),
    short_texts,
    st.sampled_from(["known", "KNOWN", " known ", "a@b", "a\x00@example.org", "@", "x" * 300]),
)
KNOWN = {"known": str, "KNOWN": str.upper, " known ": lambda e: f" {e} "}


@SETTINGS
@given(email=emails, password=st.one_of(texts, st.sampled_from(["", "\x00", "p" * 1025])))
@example(email="known", password="a\x00b")
@example(email="known", password="p" * 1025)
@example(email="nobody@example.org", password="wrong password")
def test_sign_in_form_answers_any_credentials_without_a_500(
    app, client, db_session, make_user, app_errors, email, password
):
    known = make_user(email=f"known{next(_unique)}@example.org")
    db_session.remove()
    if email in KNOWN:
        email = KNOWN[email](known.email)
    with app.app_context():
        limiter.reset()  # every example starts with a fresh sign-in allowance
    before = snapshot(db_session)
    response = client.post("/login", data={"email": email, "password": password})
    after = snapshot(db_session)
    assert_no_server_error(response, app_errors, (email, password))
    assert response.status_code in (400, 401, 429)  # never signed in: the password is wrong
    if response.status_code == 401:
        # A failed sign-in is recorded, and that is all.
        assert changed_tables(before, after) == {"audit_events"}
        assert len(after["audit_events"]) == len(before["audit_events"]) + 1
        recorded = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert recorded.action == "sign_in_failed"
        db_session.remove()
    else:
        assert changed_tables(before, after) == set()
