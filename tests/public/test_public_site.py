"""Issue 15: the public site shows only listed institutions and no person, never touches the
session (no cookie, signed out or in), is cacheable by a shared proxy (ETag, 304), and its
open data, sitemap and robots parse."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from models import (
    AuditEvent,
    Deliverable,
    GroupMembership,
    GroupRole,
    Institution,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingOrganiser,
    Role,
    Tie,
    TieKind,
    TieStatus,
    WorkStatus,
)
from tests.helpers import count_statements, sign_in

PAGES = ("/coalicion", "/miembros", "/eventos", "/datos")
FILES = tuple(
    f"/datos/{name}.{fmt}"
    for name in ("directorio", "crecimiento", "red")
    for fmt in ("csv", "json")
)
SEO = ("/sitemap.xml", "/robots.txt")


@pytest.fixture
def coalition(db_session, make_institution, make_user, make_group):
    """A listed and an unlisted institution in a group, people at both (one a chair), a
    published deliverable, a public event attended by people, a tie each way."""
    listed = make_institution(name="Instituto Listado Público", acronym="ILP", is_listed=True)
    other = make_institution(
        name="Centro Listado Dos",
        acronym="CLD",
        is_listed=True,
        sector_slug="industry",
        state_code="MX-JAL",
    )
    hidden = make_institution(name="Organización Sin Listar", acronym="OSL", is_listed=False)
    group = make_group(
        leads=[listed, hidden],
        members=[other],
        slug="grupo-publico",
        name_es="Grupo Público",
        name_en="Public Group",
    )
    chair = make_user(
        full_name="Rosa Presidenta Privada",
        email="rosa@example.org",
        institution=listed,
        chair_of=group,
    )
    hidden_chair = make_user(
        full_name="Luis Oculto Sánchez",
        email="luis@example.org",
        institution=hidden,
        chair_of=group,
    )
    now = datetime.now(UTC)
    shown = Deliverable(
        group=group,
        title="Guía publicada de evaluación",
        status=WorkStatus.DONE,
        progress=100,
        published_at=now,
        published_by=chair,
    )
    draft = Deliverable(
        group=group, title="Borrador interno no publicado", status=WorkStatus.IN_PROGRESS
    )
    event = Meeting(
        kind=MeetingKind.EVENT,
        group=group,
        title="Foro público de prueba",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
        place="Ciudad de México",
        agenda="1. **Bienvenida**\n2. <b onclick=x>Mesa</b>",
        is_public=True,
    )
    event.organisers += [MeetingOrganiser(institution=listed), MeetingOrganiser(institution=hidden)]
    event.attendances.append(MeetingAttendance(person=chair, institution=listed, attended=True))
    private = Meeting(
        group=group,
        title="Sesión privada del grupo",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=1),
    )
    cancelled = Meeting(
        kind=MeetingKind.EVENT,
        title="Evento cancelado",
        is_public=True,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=1),
        cancelled_at=now,
    )
    past = Meeting(
        kind=MeetingKind.EVENT,
        title="Congreso pasado",
        is_public=True,
        starts_at=now - timedelta(days=40),
        ends_at=now - timedelta(days=40, hours=-3),
    )
    ties = [
        Tie(
            institution_a=listed,
            institution_b=other,
            kind=TieKind.AGREEMENT,
            since=date(2020, 1, 1),
            status=TieStatus.CONFIRMED,
        ),
        Tie(
            institution_a=listed,
            institution_b=hidden,
            kind=TieKind.AGREEMENT,
            since=date(2020, 1, 1),
            status=TieStatus.CONFIRMED,
        ),
    ]
    db_session.add_all([shown, draft, event, private, cancelled, past, *ties])
    db_session.commit()
    return {
        "listed": listed,
        "other": other,
        "hidden": hidden,
        "group": group,
        "chair": chair,
        "hidden_chair": hidden_chair,
        "event": event,
        "private": private,
        "cancelled": cancelled,
        "past": past,
        "shown": shown,
        "draft": draft,
    }


def _all_public(coalition) -> list[str]:
    event = coalition["event"].id
    return [
        *PAGES,
        *FILES,
        *SEO,
        "/grupos/grupo-publico",
        f"/eventos/{event}",
        *(f"{p}?lang=en" for p in PAGES),
    ]


def test_public_pages_show_no_unlisted_institution_and_no_person(client, coalition):
    seen = ""
    for path in _all_public(coalition):
        response = client.get(path)
        assert response.status_code == 200, path
        seen += response.get_data(as_text=True)
    assert "Instituto Listado Público" in seen and "Centro Listado Dos" in seen
    for secret in (
        "Organización Sin Listar",
        "OSL",
        "Sesión privada del grupo",
        "Evento cancelado",
        "Borrador interno no publicado",
    ):
        assert secret not in seen, secret
    for person in (coalition["chair"], coalition["hidden_chair"]):
        assert person.full_name not in seen and person.email not in seen
    assert "@example.org" not in seen
    assert "Guía publicada de evaluación" in seen and "Congreso pasado" in seen


def test_unlisted_private_and_cancelled_pages_are_not_found(client, coalition):
    for meeting in ("private", "cancelled"):
        assert client.get(f"/eventos/{coalition[meeting].id}").status_code == 404
    assert client.get("/grupos/no-such-group").status_code == 404
    assert client.get("/miembros?sector=nonsense").status_code == 400


def test_group_page_names_chairs_institutions_not_people(client, coalition):
    page = client.get("/grupos/grupo-publico").get_data(as_text=True)
    chaired = page.split('id="chairs"')[1].split("</section>")[0]
    assert "Instituto Listado Público" in chaired and "Centro Listado Dos" not in chaired
    members = page.split('id="members"')[1].split("</section>")[0]
    assert "Centro Listado Dos" in members


def test_events_list_upcoming_before_past(client, coalition):
    page = client.get("/eventos").get_data(as_text=True)
    assert (
        page.index("Foro público de prueba")
        < page.index('id="past"')
        < page.index("Congreso pasado")
    )
    detail = client.get(f"/eventos/{coalition['event'].id}").get_data(as_text=True)
    assert "Ciudad de México" in detail and "Grupo Público" in detail
    # The agenda is Markdown, rendered and sanitised as on the members' page.
    assert "<strong>Bienvenida</strong>" in detail and "<b onclick" not in detail


@pytest.mark.parametrize("signed_in", [False, True])
def test_public_answers_set_no_cookie_and_are_shared_cacheable(client, coalition, signed_in):
    if signed_in:
        assert sign_in(client, coalition["chair"].email).status_code == 302
    for path in _all_public(coalition):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
        assert response.headers["Cache-Control"] == "public, max-age=300", path
        assert response.headers["ETag"], path
        assert "Cookie" not in response.headers.get("Vary", ""), path
        assert "Accept-Language" in response.headers["Vary"], path
    if signed_in:  # the session is untouched: still signed in
        assert client.get("/").status_code == 200


def test_a_matching_etag_gets_304_and_a_change_a_new_one(client, coalition, db_session):
    first = client.get("/miembros")
    again = client.get("/miembros", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/miembros?lang=en").headers["ETag"] != first.headers["ETag"]
    db_session.get(Institution, coalition["hidden"].id).is_listed = True
    db_session.commit()
    changed = client.get("/miembros", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Organización Sin Listar" in changed.get_data(True)


def test_language_from_the_address_or_the_browser(client, coalition):
    assert '<html lang="es">' in client.get("/coalicion").get_data(as_text=True)
    english = client.get("/coalicion", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    chosen = client.get("/coalicion?lang=en", headers={"Accept-Language": "es-MX"})
    page = chosen.get_data(as_text=True)
    assert '<html lang="en">' in page and "Members by sector" in page
    assert 'hreflang="es" href="http://127.0.0.1:5000/coalicion?lang=es"' in page
    assert 'hreflang="en" href="http://127.0.0.1:5000/coalicion?lang=en"' in page
    assert '<link rel="canonical" href="http://127.0.0.1:5000/coalicion?lang=en">' in page


def test_canonical_and_open_graph_use_base_url_not_host(app, client, coalition):
    app.config["BASE_URL"] = "https://ia2030.example"
    page = client.get("/miembros?sector=academia", headers={"Host": "evil.example"}).get_data(
        as_text=True
    )
    assert re.search(
        r'<link rel="canonical" href="https://ia2030.example/miembros\?lang=es&amp;sector=academia">',
        page,
    )
    assert (
        '<meta property="og:url" content="https://ia2030.example/miembros?lang=es&amp;sector=academia">'
        in page
    )
    assert '<meta property="og:locale" content="es_MX">' in page
    assert "<title>Directorio de miembros" in page and 'name="description"' in page
    assert "evil.example" not in page


def test_filters_by_sector_state_and_name(client, coalition):
    def names(query: str) -> set[str]:
        page = client.get(f"/miembros?{query}").get_data(as_text=True)
        return set(re.findall(r"<strong>([^<]+)</strong>", page))

    assert names("") == {"Instituto Listado Público", "Centro Listado Dos"}
    assert names("sector=industry") == {"Centro Listado Dos"}
    assert names("state=MX-CMX") == {"Instituto Listado Público"}
    assert names("q=ilp") == {"Instituto Listado Público"}


def test_open_data_parses_and_holds_only_listed_institutions(client, coalition):
    rows = list(csv.DictReader(io.StringIO(client.get("/datos/directorio.csv").get_data(True))))
    assert {r["name"] for r in rows} == {"Instituto Listado Público", "Centro Listado Dos"}
    assert rows[0].keys() == {"name", "acronym", "sector", "state", "website", "joined_year"}
    document = json.loads(client.get("/datos/directorio.json").data)
    assert document["licence"] == "CC BY 4.0" and len(document["rows"]) == 2
    assert document["rows"][0]["joined_year"] == 2019

    growth = list(csv.reader(io.StringIO(client.get("/datos/crecimiento.csv").get_data(True))))
    assert growth[0][0] == "date" and growth[0][-1] == "total"
    assert growth[1][0].startswith("2019-01") and growth[-1][-1] == "2"
    assert json.loads(client.get("/datos/crecimiento.json").data)["rows"][-1]["total"] == 2

    network = list(csv.DictReader(io.StringIO(client.get("/datos/red.csv").get_data(True))))
    assert network == [
        {"sector_a": "industry", "sector_b": "academia", "ties": "1"}
    ] or network == [{"sector_a": "academia", "sector_b": "industry", "ties": "1"}]
    summary = json.loads(client.get("/datos/red.json").data)
    assert summary["headline"] == {
        "listed_institutions": 2,
        "confirmed_ties": 1,
        "working_groups": 1,
    }
    page = client.get("/datos").get_data(as_text=True)
    assert "CC BY 4.0" in page and "joined_year" in page and "sector_b" in page


def test_sitemap_lists_public_pages_in_both_languages_and_robots_points_to_it(
    app, client, coalition
):
    app.config["BASE_URL"] = "https://ia2030.example"
    tree = ElementTree.fromstring(client.get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {loc.text for loc in tree.findall("s:url/s:loc", ns)}
    for path in (
        "/coalicion",
        "/miembros",
        "/eventos",
        "/datos",
        "/grupos/grupo-publico",
        f"/eventos/{coalition['event'].id}",
    ):
        assert f"https://ia2030.example{path}?lang=es" in locs
        assert f"https://ia2030.example{path}?lang=en" in locs
    assert not any("/eventos/" + str(coalition["private"].id) + "?" in loc for loc in locs)
    robots = client.get("/robots.txt").get_data(as_text=True).splitlines()
    assert "Allow: /" in robots and "Disallow: /groups/" in robots and "Disallow: /api/" in robots
    assert "Sitemap: https://ia2030.example/sitemap.xml" in robots


@pytest.mark.parametrize("path", ["/coalicion", "/miembros", "/eventos", "/grupos/grupo-publico"])
def test_public_pages_run_a_fixed_number_of_queries(
    app, client, coalition, db_session, make_institution, path
):
    engine = app.extensions["database"].session.get_bind()

    def statements() -> int:
        with count_statements(engine) as counter:
            assert client.get(path).status_code == 200
        return counter.count

    few = statements()
    group = coalition["group"]
    now = datetime.now(UTC)
    for n in range(12):
        institution = make_institution(is_listed=True, state_code="MX-JAL" if n % 2 else "MX-NLE")
        db_session.add(
            GroupMembership(
                group=group, institution=institution, role=GroupRole.MEMBER, since=date(2019, 11, 1)
            )
        )
        meeting = Meeting(
            kind=MeetingKind.EVENT,
            group=group,
            title=f"Evento {n}",
            is_public=True,
            starts_at=now + timedelta(days=n + 1),
            ends_at=now + timedelta(days=n + 1, hours=1),
        )
        meeting.organisers.append(MeetingOrganiser(institution=institution))
        db_session.add(meeting)
        db_session.add(
            Deliverable(
                group=group,
                title=f"Entregable {n}",
                status=WorkStatus.DONE,
                progress=100,
                published_at=now,
            )
        )
    db_session.commit()
    assert statements() == few


# --- the signed-in choices behind the public site -------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("coordinator", True), ("chair", True), ("member", False), ("outsider", False)],
)
def test_who_may_publish_a_deliverable(client, coalition, make_user, db_session, who, allowed):
    group = coalition["group"]
    person = {
        "coordinator": lambda: make_user(role=Role.COORDINATOR),
        "chair": lambda: coalition["chair"],
        "member": lambda: make_user(institution=coalition["other"]),
        "outsider": lambda: make_user(),
    }[who]()
    done = Deliverable(group=group, title="Informe terminado", status=WorkStatus.DONE, progress=100)
    db_session.add(done)
    db_session.commit()
    assert sign_in(client, person.email).status_code == 302
    response = client.post(f"/deliverables/{done.id}/publication", data={"action": "publish"})
    assert response.status_code == (302 if allowed else 403)
    assert (db_session.get(Deliverable, done.id).published_at is not None) == allowed
    assert ("Informe terminado" in client.get("/grupos/grupo-publico").get_data(True)) == allowed


def test_only_a_done_deliverable_can_be_published_and_withdrawing_hides_it(
    client, coalition, db_session
):
    assert sign_in(client, coalition["chair"].email).status_code == 302
    draft = coalition["draft"]
    refused = client.post(f"/deliverables/{draft.id}/publication", data={"action": "publish"})
    assert refused.status_code == 400
    assert "Solo se puede publicar un entregable terminado." in refused.get_data(as_text=True)
    assert db_session.get(Deliverable, draft.id).published_at is None
    shown = coalition["shown"]
    assert (
        client.post(
            f"/deliverables/{shown.id}/publication", data={"action": "withdraw"}
        ).status_code
        == 302
    )
    assert "Guía publicada" not in client.get("/grupos/grupo-publico").get_data(as_text=True)
    assert (
        client.post(
            f"/deliverables/{shown.id}/publication", data={"action": "sideways"}
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("who", "allowed"), [("coordinator", True), ("own", True), ("other", False)]
)
def test_who_may_choose_an_institutions_listing(
    client, coalition, make_user, db_session, who, allowed
):
    hidden = coalition["hidden"]
    person = {
        "coordinator": lambda: make_user(role=Role.COORDINATOR),
        "own": lambda: coalition["hidden_chair"],
        "other": lambda: make_user(institution=coalition["other"]),
    }[who]()
    assert sign_in(client, person.email).status_code == 302
    profile = client.get(f"/institutions/{hidden.id}").get_data(as_text=True)
    assert ('name="listed"' in profile) == allowed
    response = client.post(f"/institutions/{hidden.id}/listing", data={"listed": "yes"})
    assert response.status_code == (302 if allowed else 403)
    assert db_session.get(Institution, hidden.id).is_listed == allowed
    recorded = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "institution.update", AuditEvent.target_id == hidden.id
        )
    ).all()
    assert [e.details["changes"] for e in recorded] == (
        [{"is_listed": [False, True]}] if allowed else []
    )
    assert ("Organización Sin Listar" in client.get("/miembros").get_data(True)) == allowed


def test_listing_needs_a_choice(client, coalition):
    assert sign_in(client, coalition["hidden_chair"].email).status_code == 302
    response = client.post(f"/institutions/{coalition['hidden'].id}/listing", data={})
    assert response.status_code == 400
