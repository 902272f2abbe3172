"""Coordinators prepare, moderate and analyse a consultation; signed-in people read its
results. The permission matrix, moderation with duplicate detection, flags that take votes
out of the figures (and count them), themes, the audit trail, the CSV and fixed queries."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from coalition_app.core import clock
from models import (
    AuditEvent,
    Consultation,
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationTheme,
    ConsultationVote,
    Role,
    StatementStatus,
    WorkingGroup,
)
from models.consultation import Vote, statement_key
from tests.helpers import count_statements

BASE = "/consultations/consulta-prueba"


def _snapshot(db_session) -> dict[str, int]:
    return {
        model.__tablename__: db_session.scalar(select(func.count()).select_from(model))
        for model in (
            Consultation,
            ConsultationStatement,
            ConsultationQuestion,
            ConsultationParticipant,
            ConsultationTheme,
            AuditEvent,
        )
    }


READS = [
    ("/consultations", {"anonymous": 302, "member": 200, "coordinator": 200}),
    (f"{BASE}/results", {"anonymous": 302, "member": 200, "coordinator": 200}),
    (f"{BASE}/results.csv", {"anonymous": 302, "member": 200, "coordinator": 200}),
    (f"{BASE}/manage", {"anonymous": 302, "member": 403, "coordinator": 200}),
    (f"{BASE}/moderation", {"anonymous": 302, "member": 403, "coordinator": 200}),
    (f"{BASE}/themes", {"anonymous": 302, "member": 403, "coordinator": 200}),
    ("/consultations/new", {"anonymous": 302, "member": 403, "coordinator": 200}),
]

WRITES = [
    (
        "/consultations/new",
        {"title": "Otra", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "status": "draft"},
    ),
    (
        f"{BASE}/edit",
        {"title": "Cambio", "opens_on": "2026-01-01", "closes_on": "2026-02-01", "status": "open"},
    ),
    (f"{BASE}/statements", {"text_es": "Una afirmación nueva y distinta de las demás."}),
    (f"{BASE}/questions", {"text_es": "¿Otra pregunta?"}),
    (f"{BASE}/flags", {"participant_id": "1", "reason": "bot"}),
]


def _as(role: str, login_as):
    if role == "coordinator":
        return login_as(Role.COORDINATOR)
    if role == "member":
        return login_as(Role.MEMBER)
    return None


@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator"])
@pytest.mark.parametrize(("path", "expected"), READS, ids=[p for p, _ in READS])
def test_who_may_see_which_page(client, login_as, consultation, role, path, expected):
    _as(role, login_as)
    assert client.get(path).status_code == expected[role]


@pytest.mark.parametrize("role", ["anonymous", "member"])
@pytest.mark.parametrize(("path", "data"), WRITES, ids=[p for p, _ in WRITES])
def test_only_coordinators_change_a_consultation_and_a_refusal_writes_nothing(
    client, login_as, consultation, db_session, role, path, data
):
    _as(role, login_as)
    before = _snapshot(db_session)
    response = client.post(path, data=data)
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert response.status_code != 302 or "/login" in response.headers["Location"]
    assert _snapshot(db_session) == before


def test_a_draft_is_hidden_from_members_but_not_from_coordinators(
    app, client, login_as, consultation, db_session
):
    db_session.get(Consultation, consultation.id).status = ConsultationStatus.DRAFT
    db_session.commit()
    login_as(Role.MEMBER)
    assert client.get(f"{BASE}/results").status_code == 404
    assert "Consulta de prueba" not in client.get("/consultations").get_data(as_text=True)
    coordinator = app.test_client()
    from models import User
    from tests.helpers import sign_in

    boss = db_session.scalars(select(User)).first()
    boss.role = Role.COORDINATOR
    db_session.commit()
    sign_in(coordinator, boss.email)
    assert coordinator.get(f"{BASE}/results").status_code == 200


def test_coordinators_create_and_edit_a_consultation_in_the_audit_trail(
    client, login_as, db_session
):
    login_as(Role.COORDINATOR)
    form = {
        "title": "Consulta Estatal 2027",
        "opens_on": "2027-01-10",
        "closes_on": "2027-01-01",
        "status": "draft",
    }
    refused = client.post("/consultations/new", data=form)
    assert refused.status_code == 400
    assert "no puede ser anterior" in refused.get_data(as_text=True)
    created = client.post("/consultations/new", data={**form, "closes_on": "2027-03-01"})
    assert created.headers["Location"].endswith("/consultations/consulta-estatal-2027/manage")
    consultation = db_session.scalars(select(Consultation)).one()
    stale = {**form, "closes_on": "2027-03-01", "version": consultation.version}
    assert (
        client.post(
            "/consultations/consulta-estatal-2027/edit", data={**stale, "status": "open"}
        ).status_code
        == 302
    )
    conflict = client.post(
        "/consultations/consulta-estatal-2027/edit", data={**stale, "title": "Otro título"}
    )
    assert conflict.status_code == 409 and "Otro título" in conflict.get_data(as_text=True)
    actions = db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["consultation.create", "consultation.update"]


def test_statements_refuse_exact_and_near_duplicates_unless_confirmed(
    client, login_as, consultation, db_session
):
    login_as(Role.COORDINATOR)
    url = f"{BASE}/statements"
    exact = client.post(url, data={"text_es": "la ia debe regularse con una ley general"})
    assert exact.status_code == 400 and "ya existe" in exact.get_data(as_text=True)
    near = {"text_es": "La IA debería regularse con una ley general."}
    similar = client.post(url, data=near)
    assert similar.status_code == 400 and "muy parecida" in similar.get_data(as_text=True)
    assert client.post(url, data={**near, "allow_similar": "y"}).status_code == 302
    assert db_session.scalar(select(func.count()).select_from(ConsultationStatement)) == 4


def _participant(db_session, consultation, **fields) -> ConsultationParticipant:
    person = ConsultationParticipant(
        consultation_id=consultation.id, consent_version="2026-12-01", **fields
    )
    db_session.add(person)
    db_session.flush()
    return person


def _propose(db_session, consultation, person, text) -> ConsultationStatement:
    statement = ConsultationStatement(
        consultation_id=consultation.id,
        text_es=text,
        text_key=statement_key(text),
        status=StatementStatus.PENDING,
        proposed_by_id=person.id,
    )
    db_session.add(statement)
    db_session.commit()
    return statement


def test_the_moderation_queue_shows_near_duplicates_and_approves_or_rejects(
    client, login_as, consultation, db_session
):
    login_as(Role.COORDINATOR)
    person = _participant(db_session, consultation)
    twin = _propose(
        db_session, consultation, person, "El gobierno debería publicar los algoritmos que usa"
    )
    fresh = _propose(db_session, consultation, person, "Hace falta cómputo en los estados.")
    page = client.get(f"{BASE}/moderation").get_data(as_text=True)
    assert "Afirmaciones parecidas ya publicadas" in page
    assert page.count("parecida)") == 1
    original = db_session.scalars(
        select(ConsultationStatement).where(
            ConsultationStatement.text_es.startswith("El gobierno debe ")
        )
    ).one()
    # Each proposal's "Duplicate of": none, then the similar statement (chosen), then every
    # other approved one; nothing chosen but "not a duplicate" for the fresh one.
    twin_select = re.search(rf'<select[^>]*name="m{twin.id}-duplicate_of">(.*?)</select>', page)
    fresh_select = re.search(rf'<select[^>]*name="m{fresh.id}-duplicate_of">(.*?)</select>', page)
    assert twin_select and fresh_select
    values = re.findall(r'<option (selected )?value="(\d*)">', twin_select.group(1))
    assert values[:2] == [("", ""), ("selected ", str(original.id))]
    assert len(values) == 4 and sum(1 for chosen, _v in values if chosen) == 1
    assert re.findall(r'<option (selected )?value="(\d*)">', fresh_select.group(1))[0] == (
        "selected ",
        "",
    )
    assert f'<label class="form-label small mb-0" for="m{twin.id}-duplicate_of">' in page
    rejected = client.post(
        f"{BASE}/moderation/{twin.id}",
        data={f"m{twin.id}-decision": "reject", f"m{twin.id}-duplicate_of": str(original.id)},
    )
    assert rejected.status_code == 302
    approved = client.post(
        f"{BASE}/moderation/{fresh.id}", data={f"m{fresh.id}-decision": "approve"}
    )
    assert approved.status_code == 302
    twin, fresh = (
        db_session.get(ConsultationStatement, twin.id),
        db_session.get(ConsultationStatement, fresh.id),
    )
    assert (twin.status, twin.duplicate_of_id) == (StatementStatus.REJECTED, original.id)
    assert fresh.status == StatementStatus.APPROVED and fresh.moderated_by_id is not None
    again = client.post(f"{BASE}/moderation/{fresh.id}", data={f"m{fresh.id}-decision": "reject"})
    assert again.status_code == 400 and "ya se moderó" in again.get_data(as_text=True)
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert {"consultation.reject", "consultation.approve"} <= set(actions)


def _votes(db_session, consultation, person, values):
    statements = db_session.scalars(
        select(ConsultationStatement.id)
        .where(ConsultationStatement.consultation_id == consultation.id)
        .order_by(ConsultationStatement.id)
    ).all()
    for statement, value in zip(statements, values, strict=False):
        db_session.add(
            ConsultationVote(
                consultation_id=consultation.id,
                participant_id=person.id,
                statement_id=statement,
                value=value,
            )
        )
    db_session.commit()


def test_flagged_participants_votes_leave_the_figures_and_are_counted_apart(
    client, login_as, consultation, db_session
):
    login_as(Role.COORDINATOR)
    honest = _participant(db_session, consultation, sector_slug="academia")
    bot = _participant(db_session, consultation)
    _votes(db_session, consultation, honest, [1, -1, 0])
    _votes(db_session, consultation, bot, [1, 1, 1])
    page = client.get(f"{BASE}/results").get_data(as_text=True)
    assert 'id="participants-count">2<' in page and 'id="votes-count">6<' in page
    response = client.post(f"{BASE}/flags", data={"participant_id": bot.id, "reason": "Bot"})
    assert response.status_code == 302
    page = client.get(f"{BASE}/results").get_data(as_text=True)
    assert 'id="participants-count">1<' in page and 'id="votes-count">3<' in page
    assert 'id="flagged-count">1 <span class="fs-6">(3 votos)' in page
    rows = list(csv.reader(io.StringIO(client.get(f"{BASE}/results.csv").get_data(as_text=True))))
    header, first = rows[0], rows[1]
    assert first[header.index("n")] == "1" and first[header.index("agree")] == "1"
    assert first[header.index("academia_n")] == "1"
    # Reasons are required; unknown numbers are said so.
    assert client.post(f"{BASE}/flags", data={"participant_id": honest.id}).status_code == 400
    unknown = client.post(f"{BASE}/flags", data={"participant_id": 999999, "reason": "x"})
    assert unknown.status_code == 400 and "Ningún participante" in unknown.get_data(as_text=True)
    # Counted again.
    client.post(f"{BASE}/flags", data={"participant_id": bot.id, "flagged": "no"})
    assert 'id="votes-count">6<' in client.get(f"{BASE}/results").get_data(as_text=True)
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert {"consultation.flag", "consultation.unflag"} <= set(actions)


def test_themes_are_found_renamed_assigned_and_merged(
    client, login_as, consultation, db_session, make_group
):
    login_as(Role.COORDINATOR)
    group = make_group()
    question = db_session.scalars(select(ConsultationQuestion)).one()
    texts = [
        "Formación de docentes en escuelas",
        "Docentes con formación en las escuelas públicas",
        "Escuelas y formación de docentes",
        "Protección de datos personales",
        "Los datos personales y su protección",
        "Privacidad y protección de datos",
    ]
    for text in texts:
        person = _participant(db_session, consultation)
        db_session.add(
            ConsultationAnswer(question_id=question.id, participant_id=person.id, text=text)
        )
    db_session.commit()
    assert (
        client.post(f"{BASE}/questions/{question.id}/themes", data={"count": "9"}).status_code
        == 400
    )
    assert (
        client.post(f"{BASE}/questions/{question.id}/themes", data={"count": "2"}).status_code
        == 302
    )
    themes = db_session.scalars(select(ConsultationTheme).order_by(ConsultationTheme.id)).all()
    assert len(themes) == 2
    first, second = themes
    renamed = client.post(
        f"{BASE}/themes/{first.id}",
        data={f"t{first.id}-name": "Formación docente", f"t{first.id}-group_id": str(group.id)},
    )
    assert renamed.status_code == 302
    assert (
        client.post(
            f"{BASE}/themes/{first.id}/merge", data={f"g{first.id}-into": str(second.id)}
        ).status_code
        == 302
    )
    assert db_session.scalars(select(ConsultationTheme.id)).all() == [second.id]
    assert set(db_session.scalars(select(ConsultationAnswer.theme_id))) == {second.id}
    page = client.get(f"{BASE}/results").get_data(as_text=True)
    assert "6 respuestas" in page
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert {"consultation.themes", "consultation.theme", "consultation.merge"} <= set(actions)


def test_the_results_page_runs_the_same_queries_for_few_and_many_participants(
    app, client, login_as, consultation, db_session
):
    login_as(Role.MEMBER)
    engine = app.extensions["database"].session.get_bind()

    def grow(count):
        for n in range(count):
            person = _participant(
                db_session, consultation, sector_slug="industry", state_code="MX-JAL"
            )
            _votes(db_session, consultation, person, [1 if n % 2 else -1, 1, 0])

    grow(3)
    # Each view below is the first since the votes changed: it computes the figures.
    with count_statements(engine) as small:
        assert client.get(f"{BASE}/results").status_code == 200
    grow(40)
    with count_statements(engine) as large:
        page = client.get(f"{BASE}/results")
        assert page.status_code == 200
    assert large.count == small.count > 0, large.statements
    assert 'id="participants-count">43<' in page.get_data(as_text=True)
    # Served from the cache while nothing changed: the figures are not computed again.
    with count_statements(engine) as cached:
        assert client.get(f"{BASE}/results").status_code == 200
    assert cached.count < large.count


def test_agenda_query_lists_consensus_statements_and_themes(app, consultation, db_session):
    from coalition_app.consultation import queries

    summary = {
        "statements": [
            {"id": 1, "text_es": "Sí", "group_consensus": 0.4},
            {"id": 2, "text_es": "No", "group_consensus": 0.1},
        ]
    }
    with app.app_context():
        items = queries.consensus_items(db_session, 0.3, summary, consultation.id)
    assert items == [("statement", 1, "Sí")]


def test_agenda_items_read_the_figures_of_every_open_consultation(app, consultation, db_session):
    from coalition_app.consultation import queries

    for values in ([1, 1, 1], [1, 1, 1], [1, 1, 1], [1, -1, -1], [1, -1, -1], [1, -1, -1]):
        _votes(db_session, consultation, _participant(db_session, consultation), values)
    question = db_session.scalars(select(ConsultationQuestion)).one()
    theme = ConsultationTheme(question_id=question.id, name="Formación docente", terms=[])
    db_session.add(theme)
    db_session.commit()
    first = db_session.scalars(
        select(ConsultationStatement).order_by(ConsultationStatement.id)
    ).first()
    with app.test_request_context():
        items = queries.agenda_items(db_session, threshold=0.5)
    # Two opinion groups; the first statement both agree with: (3+1)/(3+2) squared = 0.64;
    # the others (4/5)(1/5) = 0.16.
    assert items == [
        ("statement", first.id, first.text_es),
        ("theme", theme.id, "Formación docente"),
    ]


def test_large_consultations_are_computed_in_the_background_serving_the_last_result(
    app, consultation, db_session
):
    from coalition_app.consultation.results import ResultsCache
    from coalition_app.core.stores import MemoryBackend

    started: list[int] = []
    cache = ResultsCache(MemoryBackend(), threshold=0, schedule=lambda c, cid: started.append(cid))
    person = _participant(db_session, consultation, sector_slug="academia")
    _votes(db_session, consultation, person, [1, 1, -1])
    with app.app_context():
        assert cache.get(consultation.id) is None  # nothing yet: the computation starts
        assert cache.get(consultation.id) is None and started == [consultation.id]  # once
        cache.build_now(consultation.id)  # the background job
        current = cache.get(consultation.id)
        assert current is not None and current.current and current.summary["votes"] == 3
    _votes(db_session, consultation, _participant(db_session, consultation), [1])
    with app.app_context():
        served = cache.get(consultation.id)
    assert served is not None and served.building and not served.current
    assert served.summary["votes"] == 3  # the last complete result, while the new one runs
    assert started == [consultation.id, consultation.id]


def test_the_results_follow_a_new_and_a_changed_vote_and_decode_each_result_once(
    app, consultation, db_session
):
    """The fingerprint sees a new vote (its id) and a changed one (its time, set by the
    upsert), and a result already decoded is served without reading the store again."""
    from coalition_app.consultation import service
    from coalition_app.consultation.results import ResultsCache
    from coalition_app.core.stores import MemoryBackend

    class CountingBackend(MemoryBackend):
        reads = 0

        def get(self, key):
            self.reads += 1
            return super().get(key)

    backend = CountingBackend()
    cache = ResultsCache(backend, threshold=1_000_000)
    person = _participant(db_session, consultation, sector_slug="academia")
    _votes(db_session, consultation, person, [1, 1, -1])
    first = db_session.scalars(
        select(ConsultationStatement.id)
        .where(ConsultationStatement.consultation_id == consultation.id)
        .order_by(ConsultationStatement.id)
    ).first()
    with app.test_request_context():
        before = cache.get(consultation.id)
        reads = backend.reads
        again = cache.get(consultation.id)
        assert backend.reads == reads  # decoded once, kept
        assert again is not None and again.summary is before.summary and cache.builds == 1
        assert before.summary["statements"][0]["overall"]["agree"] == 1
        service.vote(person.id, first, Vote(-1), consultation=consultation, today=clock.today())
        db_session.commit()
        changed = cache.get(consultation.id)
        assert cache.builds == 2
        assert changed.summary["statements"][0]["overall"]["agree"] == 0
        assert changed.summary["statements"][0]["overall"]["disagree"] == 1
        _votes(db_session, consultation, _participant(db_session, consultation), [1])
        assert cache.get(consultation.id).summary["votes"] == 4 and cache.builds == 3


def test_each_moderation_form_carries_the_token_that_csrf_protection_asks(
    app, client, login_as, consultation, db_session
):
    login_as(Role.COORDINATOR)
    person = _participant(db_session, consultation)
    proposal = _propose(db_session, consultation, person, "Hace falta cómputo en los estados.")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"{BASE}/moderation").get_data(as_text=True)
        token = re.search(
            rf'<input id="m{proposal.id}-csrf_token" name="m{proposal.id}-csrf_token" '
            r'type="hidden" value="([^"]+)">',
            page,
        )
        assert token
        url = f"{BASE}/moderation/{proposal.id}"
        decision = {f"m{proposal.id}-decision": "approve"}
        assert client.post(url, data=decision).status_code == 400  # no token
        with_token = {**decision, f"m{proposal.id}-csrf_token": token.group(1)}
        assert client.post(url, data=with_token).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db_session.get(ConsultationStatement, proposal.id).status == StatementStatus.APPROVED


def test_the_kept_results_figures_follow_the_language_and_the_names(
    client, login_as, consultation, db_session, make_group
):
    """The figures section is kept per summary, language and names: a renamed working group
    and the other language show at once."""
    login_as(Role.COORDINATOR)
    group = make_group(name_es="Grupo Ética", name_en="Ethics Group")
    first = db_session.scalars(
        select(ConsultationStatement).order_by(ConsultationStatement.id)
    ).first()
    first.group_id = group.id
    db_session.commit()
    _votes(db_session, consultation, _participant(db_session, consultation), [1, -1, 0])
    client.get(f"{BASE}/results")  # shows the sign-in's message
    page = client.get(f"{BASE}/results").get_data(as_text=True)
    assert "Grupo Ética" in page and "de acuerdo" in page
    again = client.get(f"{BASE}/results").get_data(as_text=True)
    assert _figures_section(again) == _figures_section(page)  # kept, the same
    db_session.get(WorkingGroup, group.id).name_es = "Grupo de Ética y Derechos"
    db_session.commit()
    renamed = client.get(f"{BASE}/results").get_data(as_text=True)
    assert "Grupo de Ética y Derechos" in renamed and "Grupo Ética<" not in renamed
    client.post("/language/en")
    english = client.get(f"{BASE}/results").get_data(as_text=True)
    assert "Ethics Group" in english and "100% agree, 0% disagree" in english
    assert "de acuerdo" not in english


def _figures_section(page: str) -> str:
    start = page.index('aria-labelledby="participation-heading"')
    return page[start : page.index('id="themes-heading"')]
