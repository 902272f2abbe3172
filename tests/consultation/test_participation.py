"""A participant's way through the public pages: no account, a cookie of its own, one
statement at a time, with or without JavaScript; proposals wait for moderation; the
optional profile and e-mail confirmation; the limits."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from sqlalchemy import func, select, text

from coalition_app.core.extensions import limiter
from coalition_app.core.privacy_notice import CURRENT_VERSION
from models import (
    Consultation,
    ConsultationAnswer,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationVote,
    OutboxMessage,
    StatementStatus,
)
from models.consultation import statement_key
from tests.consultation.conftest import STATEMENTS
from tests.helpers import count_statements

URL = "/consulta/consulta-prueba"


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    with app.app_context():
        limiter.reset()


def _join(client):
    response = client.post(f"{URL}/unirse", data={"consent": "y"})
    assert response.status_code == 302
    return response


def _set_status(db_session, consultation, status) -> None:
    db_session.get(Consultation, consultation.id).status = status
    db_session.commit()


def _shown_statement(client) -> int:
    page = client.get(URL).get_data(as_text=True)
    return int(re.search(r'name="statement" value="(\d+)"', page).group(1))


def test_the_page_asks_for_consent_first_and_sets_no_cookie_before(client, consultation):
    page = client.get(URL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "aviso de privacidad" in text.lower() and "/privacidad" in text
    assert not [c for c in page.headers.getlist("Set-Cookie") if c.startswith("consulta-")]
    refused = client.post(f"{URL}/unirse", data={})
    assert refused.status_code == 400
    assert "Acepte el aviso de privacidad" in refused.get_data(as_text=True)


def test_joining_records_consent_and_sets_a_signed_cookie_for_this_consultation_only(
    client, consultation, db_session
):
    response = _join(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("consulta-"))
    assert "Path=/consulta/consulta-prueba" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    participant = db_session.scalars(select(ConsultationParticipant)).one()
    assert participant.consent_version == CURRENT_VERSION
    assert participant.consented_at is not None
    # A tampered cookie is no participant: the consent page again.
    client.set_cookie("consulta-consulta-prueba", "1.forged", path="/consulta/consulta-prueba")
    assert "unirse" in client.get(URL).get_data(as_text=True)
    # So is a value longer than any the app signs (the checked ones are kept per process).
    client.set_cookie("consulta-consulta-prueba", "x" * 200, path="/consulta/consulta-prueba")
    assert "unirse" in client.get(URL).get_data(as_text=True)


def test_one_statement_at_a_time_without_javascript(client, consultation, db_session):
    _join(client)
    page = client.get(URL).get_data(as_text=True)
    assert "0 de 3" in page
    seen = set()
    for vote in ("agree", "disagree", "pass"):
        statement = _shown_statement(client)
        assert statement not in seen
        seen.add(statement)
        response = client.post(f"{URL}/votar", data={"statement": statement, "vote": vote})
        assert response.status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "3 de 3" in page and "Ha respondido todas las afirmaciones" in page
    values = sorted(v for v in db_session.scalars(select(ConsultationVote.value)))
    assert values == [-1, 0, 1]


def _queue(client) -> dict:
    """What the voting page hands its script (#vote-queue)."""
    page = client.get(URL).get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="vote-queue">(.*?)</script>', page)
    assert found is not None, "no queue for the script"
    return json.loads(found.group(1))


def _script_vote(client, queue, statement, vote="agree", token=None):
    """A vote as the page's script posts it."""
    return client.post(
        queue["vote"],
        json={"statement": statement, "vote": vote},
        headers={
            "Accept": "application/json",
            "X-Vote-Token": queue["token"] if token is None else token,
        },
    )


def test_with_javascript_the_page_holds_the_next_cards_and_each_vote_answers_204(
    client, consultation, db_session
):
    _join(client)
    queue = _queue(client)
    first = _shown_statement(client)
    assert queue["done"] == 0 and queue["total"] == 3
    assert [c["id"] for c in queue["cards"]][0] == first and len(queue["cards"]) == 3
    assert {c["text"] for c in queue["cards"]} == set(STATEMENTS)
    assert queue["progress"] == "{done} de {total}"
    assert queue["finished"].startswith("Ha respondido todas las afirmaciones")
    response = _script_vote(client, queue, first)
    assert response.status_code == 204 and response.get_data() == b""
    assert db_session.scalars(select(ConsultationVote.value)).all() == [1]
    # The batch the script asks for when its queue runs low: what is left, in its order.
    batch = client.get(queue["more"], headers={"Accept": "application/json"})
    assert batch.status_code == 200 and batch.headers["Cache-Control"] == "no-store"
    assert batch.get_json()["done"] == 1 and batch.get_json()["total"] == 3
    assert [c["id"] for c in batch.get_json()["cards"]] == [c["id"] for c in queue["cards"][1:]]
    # Changing one's mind replaces the vote.
    assert _script_vote(client, queue, first, "disagree").status_code == 204
    assert db_session.scalars(select(ConsultationVote.value)).all() == [-1]
    # The page's queue follows the votes too; done, the page hands over no queue.
    for card in queue["cards"][1:]:
        assert _script_vote(client, queue, card["id"], "pass").status_code == 204
    page = client.get(URL).get_data(as_text=True)
    assert "3 de 3" in page and 'id="vote-queue"' not in page
    assert client.get(queue["more"]).get_json() == {"cards": [], "done": 3, "total": 3}


def test_the_page_hands_over_at_most_a_batch_of_cards(app, client, consultation, db_session):
    from coalition_app.consultation.views import QUEUE_SIZE

    for i in range(QUEUE_SIZE + 2):
        text_ = f"Afirmación adicional número {i}."
        db_session.add(
            ConsultationStatement(
                consultation_id=consultation.id, text_es=text_, text_key=statement_key(text_)
            )
        )
    db_session.commit()
    _join(client)
    queue = _queue(client)
    assert len(queue["cards"]) == QUEUE_SIZE and queue["total"] == QUEUE_SIZE + 5
    for card in queue["cards"]:
        assert _script_vote(client, queue, card["id"]).status_code == 204
    rest = client.get(queue["more"]).get_json()
    assert len(rest["cards"]) == 5 and rest["done"] == QUEUE_SIZE
    assert not {c["id"] for c in rest["cards"]} & {c["id"] for c in queue["cards"]}


def test_the_next_cards_run_a_fixed_number_of_statements_whatever_was_voted(
    client, consultation, db_session
):
    from coalition_app.consultation.views import QUEUE_SIZE

    for i in range(3 * QUEUE_SIZE):
        text_ = f"Otra afirmación de prueba {i}."
        db_session.add(
            ConsultationStatement(
                consultation_id=consultation.id, text_es=text_, text_key=statement_key(text_)
            )
        )
    db_session.commit()
    _join(client)
    queue = _queue(client)
    engine = db_session.get_bind()
    with count_statements(engine) as before:
        assert client.get(queue["more"]).status_code == 200
    for card in queue["cards"]:
        assert _script_vote(client, queue, card["id"]).status_code == 204
    with count_statements(engine) as after:
        rest = client.get(queue["more"]).get_json()
    assert rest["done"] == QUEUE_SIZE and len(rest["cards"]) == QUEUE_SIZE
    assert after.count == before.count <= 3


def test_the_script_vote_is_two_statements_no_template_and_no_session_whatever_was_voted(
    app, client, consultation, db_session, monkeypatch
):
    """The hot path: the consultation and the participant in one Core read, the vote in one
    upsert (no savepoint around it, and on PostgreSQL no SET LOCAL of its own: each would be
    a round trip), no template rendered, whatever was voted."""
    from coalition_app.consultation import views

    rendered = []
    render = views.render_template
    monkeypatch.setattr(
        views, "render_template", lambda *a, **k: rendered.append(a) or render(*a, **k)
    )
    _join(client)
    queue = _queue(client)
    rendered.clear()
    # Served without a session: the session cookie the browser sends along is never read.
    monkeypatch.setattr(
        app.session_interface.inner,
        "open_session",
        lambda *_a: pytest.fail("the script's vote opened the session"),
    )
    engine = db_session.get_bind()
    sent = []
    for card, vote in zip(queue["cards"], ("agree", "disagree", "pass"), strict=True):
        with count_statements(engine) as counter:
            response = _script_vote(client, queue, card["id"], vote)
        assert response.status_code == 204
        sent.append(counter.statements)
    assert [len(s) for s in sent] == [2, 2, 2], sent
    assert all("ON CONFLICT" in s[-1] for s in sent)
    assert rendered == []
    values = db_session.scalars(select(ConsultationVote.value).order_by(ConsultationVote.id))
    assert values.all() == [1, -1, 0]


def test_the_script_vote_needs_its_token_a_json_body_and_a_statement_of_the_consultation(
    app, client, consultation, db_session
):
    """The vote token stands for the session's CSRF token (see `views.script_vote`): without
    it, with another participant's, or with a form's body instead of JSON, nothing is
    written; every refusal is JSON."""
    from coalition_app.consultation.views import vote_token

    _join(client)
    queue = _queue(client)
    statement = queue["cards"][0]["id"]
    participant = db_session.scalars(select(ConsultationParticipant.id)).one()
    # CSRF on, as in production: the script's vote carries no session token, only its own.
    app.config["WTF_CSRF_ENABLED"] = True
    others = vote_token(app.secret_key, "consulta-prueba", participant + 1)
    for token in ("", "x" * 64, others, "ñ"):
        refused = _script_vote(client, queue, statement, token=token)
        assert refused.status_code == 403 and refused.get_json()["error"]["status"] == 403
    form_body = client.post(
        queue["vote"],
        data={"statement": statement, "vote": "agree"},
        headers={"Accept": "application/json", "X-Vote-Token": queue["token"]},
    )
    assert form_body.status_code == 400 and "error" in form_body.get_json()
    for wrong in ({"statement": statement, "vote": "maybe"}, {"statement": True, "vote": "agree"}):
        sent = client.post(
            queue["vote"],
            json=wrong,
            headers={"Accept": "application/json", "X-Vote-Token": queue["token"]},
        )
        assert sent.status_code == 400 and sent.get_json()["error"]["status"] == 400
    missing = _script_vote(client, queue, 999999)
    assert missing.status_code == 400
    assert "no forma parte de la consulta" in missing.get_json()["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(ConsultationVote)) == 0
    # The form without JavaScript still needs the session's CSRF token.
    form = client.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"})
    assert form.status_code == 400
    assert _script_vote(client, queue, statement).status_code == 204
    # Without the participant's cookie: refused (the consent page is where one starts).
    anonymous = app.test_client()
    assert _script_vote(anonymous, queue, statement).status_code == 403
    assert anonymous.get(queue["more"], headers={"Accept": "application/json"}).status_code == 403


def test_on_postgresql_a_vote_commits_without_waiting_for_the_disk(
    client, consultation, db_session
):
    """The upsert sets synchronous_commit off for its own transaction (no SET LOCAL round
    trip); SQLite's synchronous=NORMAL makes the same trade for every connection."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting (SQLite's is the connection's synchronous=NORMAL)")
    _join(client)
    statement = _shown_statement(client)
    db_session.commit()
    assert db_session.scalar(text("SHOW synchronous_commit")) == "on"
    client.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"})
    # The test's outer transaction is still open: the vote's local setting with it.
    assert db_session.scalar(text("SHOW synchronous_commit")) == "off"


def test_a_vote_needs_a_participant_and_a_statement_of_the_consultation(
    client, consultation, db_session
):
    assert client.post(f"{URL}/votar", data={"statement": 1, "vote": "agree"}).status_code == 302
    _join(client)
    bad = client.post(f"{URL}/votar", data={"statement": 999999, "vote": "agree"})
    assert bad.status_code == 302
    assert "no forma parte de la consulta" in client.get(URL).get_data(as_text=True)
    statement = _shown_statement(client)
    assert (
        client.post(f"{URL}/votar", data={"statement": statement, "vote": "maybe"}).status_code
        == 400
    )
    assert db_session.scalar(select(func.count()).select_from(ConsultationVote)) == 0


def test_a_participant_of_another_consultation_cannot_vote_here(
    app, client, consultation, db_session
):
    """The cookie is signed per participant, not per consultation: the vote's one read
    finds no participant unless it is one of this consultation's own."""
    from itsdangerous import URLSafeSerializer

    from coalition_app.consultation.views import COOKIE_SALT, vote_token

    other = Consultation(
        slug="otra-consulta",
        title="Otra",
        introduction="Otra consulta.",
        opens_on=consultation.opens_on,
        closes_on=consultation.closes_on,
        status=ConsultationStatus.OPEN,
        basis=consultation.basis,
    )
    db_session.add(other)
    db_session.flush()
    stranger = ConsultationParticipant(consultation_id=other.id, consent_version=CURRENT_VERSION)
    db_session.add(stranger)
    db_session.commit()
    statement = db_session.scalars(select(ConsultationStatement.id)).first()
    signed = URLSafeSerializer(app.secret_key, salt=COOKIE_SALT).dumps(stranger.id)
    client.set_cookie("consulta-consulta-prueba", signed, path="/consulta/consulta-prueba")
    # Even with a good token for that participant id, the vote's read finds no participant.
    token = vote_token(app.secret_key, "consulta-prueba", stranger.id)
    refused = _script_vote(client, {"vote": f"{URL}/voto", "token": token}, statement)
    assert refused.status_code == 403 and refused.get_json()["error"]["status"] == 403
    form = client.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"})
    assert form.status_code == 302 and form.headers["Location"].endswith(URL)
    assert db_session.scalar(select(func.count()).select_from(ConsultationVote)) == 0


def test_a_closed_consultation_takes_no_votes_and_a_draft_is_not_public(
    client, consultation, db_session
):
    _join(client)
    statement = _shown_statement(client)
    queue = _queue(client)
    _set_status(db_session, consultation, ConsultationStatus.CLOSED)
    client.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"})
    closed = _script_vote(client, queue, statement)
    assert closed.status_code == 400 and "cerrada" in closed.get_json()["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(ConsultationVote)) == 0
    page = client.get(URL).get_data(as_text=True)
    assert "cerrada" in page and 'id="vote-queue"' not in page
    _set_status(db_session, consultation, ConsultationStatus.DRAFT)
    assert client.get(URL).status_code == 404
    assert _script_vote(client, queue, statement).status_code == 404


def test_proposals_wait_for_moderation_and_exact_duplicates_are_refused(
    client, consultation, db_session
):
    _join(client)
    duplicate = client.post(
        f"{URL}/proponer", data={"text": "¡La IA debe regularse con una ley GENERAL!"}
    )
    assert duplicate.status_code == 400
    assert "ya está en la consulta" in duplicate.get_data(as_text=True)
    for n in range(3):
        response = client.post(
            f"{URL}/proponer", data={"text": f"Propuesta número {n} sobre datos."}
        )
        assert response.status_code == 302
    over = client.post(f"{URL}/proponer", data={"text": "Una cuarta propuesta distinta."})
    assert over.status_code == 400 and "pendientes de moderación" in over.get_data(as_text=True)
    pending = db_session.scalars(
        select(ConsultationStatement).where(ConsultationStatement.status == StatementStatus.PENDING)
    ).all()
    assert len(pending) == 3
    # Not shown to participants until approved.
    assert "Propuesta número" not in client.get(URL).get_data(as_text=True)


def test_open_answers_are_saved_and_can_be_changed(client, consultation, db_session):
    _join(client)
    question = db_session.scalars(select(ConsultationQuestion)).one()
    url = f"{URL}/preguntas/{question.id}"
    assert client.post(url, data={f"q{question.id}-text": "Formación docente."}).status_code == 302
    assert client.post(url, data={f"q{question.id}-text": "Conectividad."}).status_code == 302
    assert db_session.scalars(select(ConsultationAnswer.text)).all() == ["Conectividad."]
    assert "Conectividad." in client.get(f"{URL}/preguntas").get_data(as_text=True)
    assert client.post(url, data={f"q{question.id}-text": ""}).status_code == 400


def test_the_profile_needs_its_own_consent(client, consultation, db_session):
    _join(client)
    profile = {"sector": "academia", "state": "MX-JAL", "age_range": "30-44", "gender": "woman"}
    refused = client.post(f"{URL}/perfil", data=profile)
    assert refused.status_code == 400
    participant = db_session.scalars(select(ConsultationParticipant)).one()
    assert participant.sector_slug is None
    assert client.post(f"{URL}/perfil", data={**profile, "consent": "y"}).status_code == 302
    participant = db_session.scalars(select(ConsultationParticipant)).one()
    assert (participant.sector_slug, participant.state_code) == ("academia", "MX-JAL")
    assert participant.profile_consented_at is not None
    bad = client.post(f"{URL}/perfil", data={**profile, "sector": "nope", "consent": "y"})
    assert bad.status_code == 400
    # Withdrawing consent clears it.
    assert client.post(f"{URL}/perfil", data={}).status_code == 302
    participant = db_session.scalars(select(ConsultationParticipant)).one()
    assert participant.sector_slug is None and participant.profile_consented_at is None


def test_email_confirmation_goes_through_the_outbox_and_marks_the_participant_verified(
    app, client, consultation, db_session
):
    _join(client)
    assert client.post(f"{URL}/correo", data={"email": "ana@example.org"}).status_code == 302
    message = db_session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "ana@example.org" and "Confirme su participación" in message.subject
    link = re.search(r"http://127\.0\.0\.1:5000(/consulta/\S+)", message.body).group(1)
    assert client.get(link).status_code == 302
    participant = db_session.scalars(select(ConsultationParticipant)).one()
    assert participant.email_verified_at is not None
    assert client.get(link).status_code == 410  # used once
    # Another participant cannot take the same address.
    other = app.test_client()
    _join(other)
    taken = other.post(f"{URL}/correo", data={"email": "ANA@example.org"})
    assert taken.status_code == 400 and "ya confirma otra participación" in taken.get_data(
        as_text=True
    )


def test_limits_per_participant_per_address_and_per_email(app, client, consultation):
    app.config["CONSULTATION_VOTE_LIMIT_PER_PARTICIPANT"] = "2 per minute"
    app.config["CONSULTATION_JOIN_LIMIT_PER_ADDRESS"] = "2 per hour"
    app.config["CONSULTATION_EMAIL_LIMIT_PER_EMAIL"] = "1 per hour"
    _join(client)
    statement = _shown_statement(client)
    answers = [
        client.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"}).status_code
        for _ in range(3)
    ]
    assert answers == [302, 302, 429]
    # The script's votes count against the same limit, and are refused in JSON.
    refused = _script_vote(client, _queue(client), statement)
    assert refused.status_code == 429 and refused.get_json()["error"]["status"] == 429
    # Another participant on the same address still votes: the limit is the participant's.
    second = app.test_client()
    _join(second)
    assert (
        second.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"}).status_code
        == 302
    )
    assert _script_vote(second, _queue(second), statement).status_code == 204
    app.config["CONSULTATION_VOTE_LIMIT_PER_ADDRESS"] = "5 per minute"  # 5 counted so far
    assert _script_vote(second, _queue(second), statement).status_code == 429
    # A third participant from this address in the hour is refused.
    assert app.test_client().post(f"{URL}/unirse", data={"consent": "y"}).status_code == 429
    assert client.post(f"{URL}/correo", data={"email": "x@example.org"}).status_code == 302
    assert second.post(f"{URL}/correo", data={"email": "x@example.org"}).status_code == 429


def test_the_vote_limits_count_in_one_redis_command(app, client, consultation, monkeypatch):
    """With Redis (production), both vote limits are one command (a Lua script), and refuse
    as the limiter's fixed windows do: the participant's third vote in the minute, the form's
    and the script's votes counted together."""
    redis = pytest.importorskip("redis")
    from limits.storage import RedisStorage

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    storage = RedisStorage(url, key_prefix=f"test-votes-{secrets.token_hex(4)}")
    monkeypatch.setattr(limiter, "_storage", storage)
    app.config["CONSULTATION_VOTE_LIMIT_PER_PARTICIPANT"] = "2 per minute"
    commands = []
    execute = redis.client.Redis.execute_command
    monkeypatch.setattr(
        redis.client.Redis,
        "execute_command",
        lambda self, *a, **k: commands.append(a[0]) or execute(self, *a, **k),
    )
    _join(client)
    queue = _queue(client)
    statement = queue["cards"][0]["id"]
    answers = []
    sent = []
    for vote in (
        lambda: client.post(f"{URL}/votar", data={"statement": statement, "vote": "agree"}),
        lambda: _script_vote(client, queue, statement),
        lambda: _script_vote(client, queue, statement),
    ):
        commands.clear()
        answers.append(vote().status_code)
        sent.append(list(commands))
    try:
        assert answers == [302, 204, 429]
        # One EVALSHA each (the first may load the script once: a Redis that never ran it).
        assert sent[1:] == [["EVALSHA"], ["EVALSHA"]], sent
        assert sent[0][-1] == "EVALSHA" and len(sent[0]) <= 3
        # The counters expire with their window, as the limiter's own.
        keys = storage.get_connection().keys(f"{storage.key_prefix}*")
        assert len(keys) == 2
        assert all(0 < storage.get_connection().ttl(k) <= 60 for k in keys)
    finally:
        storage.reset()


def test_the_next_statement_is_found_for_a_participant_numbered_past_32_bits_of_mixing(
    app, db_session, consultation
):
    """The card's order mixes statement and participant ids: in 32-bit integers that overflowed
    on PostgreSQL from participant 20,506 on (the page failed)."""
    from coalition_app.consultation import queries

    participant = ConsultationParticipant(
        id=2_000_000, consultation_id=consultation.id, consent_version=CURRENT_VERSION
    )
    db_session.add(participant)
    db_session.flush()
    with app.app_context():
        statements, progress = queries.next_statements(
            db_session, consultation.id, participant.id, 10
        )
    assert len(statements) == 3 and progress.total == 3
    ids = {s.id for s in statements}
    assert ids == set(db_session.scalars(select(ConsultationStatement.id)))
