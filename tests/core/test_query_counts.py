"""The home and group pages: what they show, and a fixed number of queries whatever the data."""

from datetime import date, timedelta

import pytest

from models import Deliverable, Institution, Task, WorkStatus
from tests.helpers import add_group_work, count_statements


@pytest.fixture
def coalition(db_session, make_institution, make_group, make_user):
    """A small coalition: one group led by one institution with one member institution."""
    lead = make_institution(name="Líder A", acronym="LA", sector_slug="civil_society")
    member = make_institution(name="Miembro B", acronym="MB", sector_slug="industry")
    group = make_group(
        leads=[lead], members=[member], slug="etica", name_es="Ética de la IA", name_en="AI Ethics"
    )
    return {"lead": lead, "member": member, "group": group}


def test_home_shows_the_headline_figures(client, login_as, coalition, db_session):
    db_session.add(
        Deliverable(
            group_id=coalition["group"].id,
            title="Código de ética",
            due_on=date.today() + timedelta(days=10),
        )
    )
    db_session.add(
        Deliverable(
            group_id=coalition["group"].id,
            title="Ya vencido",
            due_on=date.today() - timedelta(days=3),
        )
    )
    db_session.add(
        Deliverable(
            group_id=coalition["group"].id,
            title="Terminado",
            status=WorkStatus.DONE,
            due_on=date.today(),
        )
    )
    db_session.commit()
    login_as(institution=coalition["member"])
    page = client.get("/").get_data(as_text=True)
    assert "Código de ética" in page
    # Overdue work is listed too (its own list, tests/home/test_due_figures.py); done work is not.
    assert "Ya vencido" in page and "Terminado" not in page
    assert "Entregables abiertos con la fecha límite vencida" in page
    assert "Ética de la IA" in page and "LA" in page


@pytest.mark.parametrize("path", ["/", "/groups/etica", "/groups/", "/my-work", "/inbox"])
def test_page_runs_a_fixed_number_of_queries(app, client, login_as, coalition, db_session, path):
    login_as(institution=coalition["member"])
    client.get("/my-work")  # read the welcome message: both views below carry none
    engine = app.extensions["database"].session.get_bind()
    add_group_work(db_session, coalition["group"], 3, "small")
    db_session.commit()
    with count_statements(engine) as small:
        assert client.get(path).status_code == 200
    add_group_work(db_session, coalition["group"], 60, "large")
    db_session.commit()
    with count_statements(engine) as large:
        assert client.get(path).status_code == 200
    assert large.count == small.count > 0, large.statements


def test_group_page_shows_members_by_sector_and_leads(client, login_as, coalition):
    login_as(institution=coalition["member"])
    page = client.get("/groups/etica").get_data(as_text=True)
    assert "Instituciones líderes" in page
    assert "Líder A" in page and "Miembro B" in page
    assert "Sociedad civil" in page and "Industria" in page


def test_former_members_are_not_listed_in_a_group(client, login_as, coalition, db_session):
    gone = db_session.get(Institution, coalition["member"].id)
    gone.left_on = date.today() - timedelta(days=1)
    db_session.commit()
    login_as()
    assert "Miembro B" not in client.get("/groups/etica").get_data(as_text=True)


def test_unknown_group_is_a_styled_404(client, login_as):
    login_as()
    response = client.get("/groups/nope")
    assert response.status_code == 404
    assert "Página no encontrada" in response.get_data(as_text=True)


def test_english_is_one_click_away_and_remembered(client, login_as, coalition, db_session):
    user = login_as()
    response = client.post("/language/en", data={"next": "/groups/etica"})
    assert response.headers["Location"] == "/groups/etica"
    assert "Lead institutions" in client.get("/groups/etica").get_data(as_text=True)
    from models import User

    assert db_session.get(User, user.id).locale == "en"


def test_unknown_language_is_a_404(client, login_as):
    login_as()
    assert client.post("/language/fr").status_code == 404


def test_api_paths_get_json_errors(client, login_as):
    login_as()
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_an_unexpected_error_is_a_styled_500_without_a_trace(app, client, login_as):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    login_as()
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "Algo salió mal" in body


def test_deliverable_page_runs_a_fixed_number_of_queries(
    app, client, login_as, coalition, db_session
):
    from models import ProgressUpdate

    login_as(institution=coalition["member"])
    deliverable = Deliverable(group_id=coalition["group"].id, title="Medido")
    db_session.add(deliverable)
    db_session.commit()
    engine = app.extensions["database"].session.get_bind()

    def add_tasks(n):
        for i in range(n):
            task = Task(deliverable_id=deliverable.id, title=f"T{i}")
            db_session.add(task)
            db_session.add(ProgressUpdate(task=task, changes={"progress": [0, 10]}))
        db_session.commit()

    add_tasks(2)
    with count_statements(engine) as small:
        assert client.get(f"/deliverables/{deliverable.id}").status_code == 200
    add_tasks(40)
    with count_statements(engine) as large:
        assert client.get(f"/deliverables/{deliverable.id}").status_code == 200
    assert large.count == small.count > 0


def test_deliverable_page_with_comments_and_files_runs_a_fixed_number_of_queries(
    app, client, login_as, coalition, db_session, make_user
):
    """Issue 14: 50 comments (with mentions, one hidden) and 20 files cost what 1 and 1 do."""
    from models import Attachment, Comment, CommentMention, utcnow

    viewer = login_as(institution=coalition["member"])
    authors = [make_user(institution=coalition["lead"]) for _ in range(3)]
    deliverable = Deliverable(group_id=coalition["group"].id, title="Comentado")
    db_session.add(deliverable)
    db_session.commit()
    engine = app.extensions["database"].session.get_bind()

    def add(comments: int, files: int, start: int) -> None:
        for i in range(start, start + comments):
            author = authors[i % len(authors)]
            comment = Comment(
                deliverable_id=deliverable.id,
                author_id=author.id,
                body=f"Comentario {i} para @{viewer.full_name}",
                hidden_at=utcnow() if i == 3 else None,
                edited_at=utcnow() if i % 5 == 0 else None,
            )
            comment.mentions.append(CommentMention(person_id=viewer.id))
            db_session.add(comment)
        for i in range(start, start + files):
            db_session.add(
                Attachment(
                    deliverable_id=deliverable.id,
                    name=f"archivo-{i}.pdf",
                    content_type="application/pdf",
                    size=1000 + i,
                    sha256="0" * 64,
                    storage_key=f"{i:040x}",
                    uploaded_by_id=authors[i % len(authors)].id,
                )
            )
        db_session.commit()

    add(1, 1, 0)
    with count_statements(engine) as small:
        page = client.get(f"/deliverables/{deliverable.id}")
    assert page.status_code == 200 and "Comentario 0" in page.get_data(as_text=True)
    add(49, 19, 1)
    with count_statements(engine) as large:
        page = client.get(f"/deliverables/{deliverable.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Comentario 49" in html and "archivo-19.pdf" in html
    assert large.count == small.count > 0
