"""Cached pages: served again while nothing they show changed, never across people, never stale."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask, template_rendered
from sqlalchemy import select

import config
from coalition_app import create_app
from coalition_app.core import page_cache
from config import TestConfig
from models import Base, Deliverable, GroupRole, Notification, NotificationKind, Role, User
from models.versions import NOT_ON_SHARED_PAGES, NOT_SHOWN_COLUMNS, PAGES, watched_columns
from tests.helpers import count_statements, sign_in


@pytest.fixture
def group(make_group, make_institution):
    lead = make_institution(name="Líder Uno", acronym="LU")
    member = make_institution(name="Miembro Dos", acronym="MD", sector_slug="industry")
    return make_group(leads=[lead], members=[member], slug="etica", name_es="Ética de la IA")


def _member_of(group, role: GroupRole):
    return next(m.institution for m in group.memberships if m.role == role)


@pytest.fixture
def signed_in(client, login_as):
    """Sign in and read the welcome message, so that the next pages carry none."""

    def sign(**fields) -> User:
        user = login_as(**fields)
        client.get("/my-work")
        return user

    return sign


def _entries(app: Flask) -> dict[str, bytes]:
    return {key: value for key, (value, _expires) in app.extensions["page_cache"]._items.items()}


def test_every_table_is_watched_for_shared_pages_or_declared_not_shown():
    # Watched is the default: a new table or column needs no entry to be watched, and one
    # declared not shown must exist (a misspelt declaration would hide nothing, silently).
    tables = Base.metadata.tables
    watched = watched_columns(PAGES)
    assert set(watched) | NOT_ON_SHARED_PAGES == set(tables)
    assert not set(watched) & NOT_ON_SHARED_PAGES
    for name, columns in NOT_SHOWN_COLUMNS.items():
        assert name in watched, f"{name}: declare the whole table in NOT_ON_SHARED_PAGES"
        assert columns <= set(tables[name].columns.keys()), f"{name}: no such columns"
    for name, columns in watched.items():
        every = {column.name for column in tables[name].columns}
        assert columns == every - NOT_SHOWN_COLUMNS.get(name, frozenset()), name


def test_a_second_view_is_served_from_the_cache_with_few_queries(
    app, client, signed_in, group, db_session
):
    db_session.add(Deliverable(group_id=group.id, title="Código de ética"))
    db_session.commit()
    signed_in(institution=_member_of(group, GroupRole.MEMBER))
    engine = app.extensions["database"].session.get_bind()

    with count_statements(engine) as first:
        page = client.get("/groups/etica").get_data(as_text=True)
    with count_statements(engine) as second:
        again = client.get("/groups/etica").get_data(as_text=True)

    assert again == page and "Código de ética" in page
    # BEGIN, the person (with the two-factor setting, the unread count and the data
    # version), the group and the digest choice: nothing of the page itself.
    assert second.count <= 4 < first.count, second.statements


def test_a_change_to_what_the_page_shows_is_seen_at_once(client, signed_in, group, db_session):
    deliverable = Deliverable(group_id=group.id, title="Primera versión")
    db_session.add(deliverable)
    db_session.commit()
    signed_in(institution=_member_of(group, GroupRole.MEMBER))
    assert "Primera versión" in client.get("/groups/etica").get_data(as_text=True)

    db_session.get(Deliverable, deliverable.id).title = "Segunda versión"
    db_session.commit()

    page = client.get("/groups/etica").get_data(as_text=True)
    assert "Segunda versión" in page and "Primera versión" not in page


def test_a_change_made_through_another_server_is_seen_at_once(
    app, client, signed_in, group, db_session
):
    deliverable = Deliverable(group_id=group.id, title="Antes")
    db_session.add(deliverable)
    db_session.commit()
    signed_in(institution=_member_of(group, GroupRole.LEAD), chair_of=group)
    assert "Antes" in client.get("/groups/etica").get_data(as_text=True)
    assert "Antes" in client.get("/groups/etica").get_data(as_text=True)  # now cached
    # A second app (its own process cache) on the same database, as a second server.
    other = create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"]))
    other.extensions["database"].engine.dispose()
    other.extensions["database"].bind_to(
        db_session.connection(), join_transaction_mode="create_savepoint"
    )
    chair = db_session.scalar(
        select(User).where(User.institution_id == _member_of(group, GroupRole.LEAD).id)
    )
    other_client = other.test_client()
    sign_in(other_client, chair.email)
    response = other_client.post(
        f"/deliverables/{deliverable.id}/edit",
        data={
            "title": "Después",
            "description": "",
            "due_on": "",
            "owner_institution_id": "",
            "progress_mode": "derived",
            "version": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    page = client.get("/groups/etica").get_data(as_text=True)
    assert "Después" in page and "Antes" not in page


def test_each_person_gets_their_own_page(app, group, make_user):
    member = make_user(institution=_member_of(group, GroupRole.MEMBER), full_name="Ana Miembro")
    chair = make_user(
        institution=_member_of(group, GroupRole.LEAD), full_name="Carlos Chair", chair_of=group
    )
    pages = {}
    tokens = {}
    for person in (member, chair):
        client = app.test_client()
        sign_in(client, person.email)
        client.get("/my-work")
        client.get("/groups/etica")
        pages[person.full_name] = client.get("/groups/etica").get_data(as_text=True)
        tokens[person.full_name] = set(
            re.findall(r'name="csrf_token" value="([^"]+)"', pages[person.full_name])
        )
        # The page's forms work for its person.
        assert client.post("/groups/etica/digest", data={"subscribed": "no"}).status_code == 302

    # The layout names its own viewer (the chair's name is also on the page, as its chair).
    header = {name: page.split("</header>", 1)[0] for name, page in pages.items()}
    assert "Ana Miembro" in header["Ana Miembro"] and "Carlos Chair" not in header["Ana Miembro"]
    assert "Carlos Chair" in header["Carlos Chair"] and "Ana Miembro" not in header["Carlos Chair"]
    # The group's people (issue 14) name everyone of its institutions, for every viewer alike.
    assert "Ana Miembro" not in pages["Carlos Chair"].split('id="people-heading"', 1)[0]
    assert "/deliverables/new" not in pages["Ana Miembro"].replace(
        "groups/etica/deliverables/new", ""
    )
    assert (
        "Nuevo entregable" in pages["Carlos Chair"]
        and "Nuevo entregable" not in pages["Ana Miembro"]
    )
    assert tokens["Ana Miembro"].isdisjoint(tokens["Carlos Chair"])


def test_the_shared_part_holds_nothing_personal(app, client, signed_in, group):
    signed_in(institution=_member_of(group, GroupRole.MEMBER), full_name="Persona Única")
    client.get("/groups/etica")

    parts = [v.decode() for k, v in _entries(app).items() if k.startswith("part")]
    assert len(parts) == 1 and "Ética de la IA" not in parts[0]  # the heading is outside
    assert "csrf_token" not in parts[0] and "Persona Única" not in parts[0]
    assert "Miembro Dos" in parts[0]


def test_one_time_messages_are_never_cached(client, signed_in, group):
    signed_in(institution=_member_of(group, GroupRole.MEMBER))
    client.get("/groups/etica")

    client.post("/groups/etica/digest", data={"subscribed": "no"})
    flashed = client.get("/groups/etica").get_data(as_text=True)
    after = client.get("/groups/etica").get_data(as_text=True)

    assert "ya no recibirá el resumen" in flashed.lower()
    assert "ya no recibirá el resumen" not in after.lower()
    assert "Recibir el resumen semanal" in after  # the choice itself is part of the key


def test_nothing_rendered_inside_an_uncommitted_change_is_stored(app, group, db_session):
    deliverable = Deliverable(group_id=group.id, title="Sin confirmar")
    with app.test_request_context("/"):
        db_session.add(deliverable)
        db_session.flush()  # bumps the version inside this transaction
        html = page_cache.render_part(
            "groups/_detail_body.html",
            ("etica", "es", date.today()),
            lambda: {"page": _group_page("etica")},
        )
        assert "Sin confirmar" in html
        assert _entries(app) == {}
        db_session.rollback()


def _group_page(slug: str):
    from coalition_app.groups.service import group_page

    return group_page(slug, date.today())


def test_the_home_page_is_cached_and_follows_changes(app, client, signed_in, group, db_session):
    signed_in(institution=_member_of(group, GroupRole.MEMBER), role=Role.MEMBER)
    engine = app.extensions["database"].session.get_bind()
    client.get("/")
    with count_statements(engine) as again:
        client.get("/")
    assert again.count <= 5, again.statements

    db_session.add(Deliverable(group_id=group.id, title="Nuevo en portada", due_on=date.today()))
    db_session.commit()
    assert "Nuevo en portada" in client.get("/").get_data(as_text=True)


def test_the_network_page_is_cached_until_the_network_changes(
    app, client, signed_in, group, db_session, make_institution
):
    from models import Tie, TieKind

    signed_in(institution=_member_of(group, GroupRole.MEMBER))
    engine = app.extensions["database"].session.get_bind()
    first = client.get("/network").get_data(as_text=True)
    with count_statements(engine) as again:
        second = client.get("/network").get_data(as_text=True)
    assert second == first and again.count <= 6, again.statements

    newcomer = make_institution(name="Recién Vinculada")
    db_session.add(
        Tie.between(
            _member_of(group, GroupRole.LEAD), newcomer, kind=TieKind.EVENT, since=date(2020, 1, 1)
        )
    )
    db_session.commit()

    third = client.get("/network").get_data(as_text=True)
    assert "Recién Vinculada" in third and "Recién Vinculada" not in first


def _badge(page: str) -> int | None:
    match = re.search(r'id="unread-count">(\d+)', page)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("path", ["/", "/groups/etica", "/network"])
def test_a_cached_page_shows_the_unread_count_as_it_is(
    app, path, client, signed_in, group, db_session
):
    # Notifications are not watched for shared pages: the count is in each page's key.
    person = signed_in(institution=_member_of(group, GroupRole.MEMBER))
    client.get(path)
    assert _badge(client.get(path).get_data(as_text=True)) is None
    assert any(key.startswith(f"page\x1f{path}?") for key in _entries(app))

    db_session.add(Notification(user_id=person.id, kind=NotificationKind.TASK_ASSIGNED))
    db_session.commit()
    assert _badge(client.get(path).get_data(as_text=True)) == 1

    assert client.post("/inbox/read").status_code == 302  # a bulk UPDATE of notifications
    assert _badge(client.get(path).get_data(as_text=True)) is None


@pytest.mark.parametrize(("enabled", "renders"), [(True, 1), (False, 2)])
def test_with_the_cache_off_every_request_renders_and_nothing_is_stored(
    app, client, signed_in, group, enabled, renders
):
    app.config["PAGE_CACHE_ENABLED"] = enabled
    signed_in(institution=_member_of(group, GroupRole.MEMBER))
    rendered: list[str] = []

    def record(_sender, template, **_extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        for path in ("/", "/groups/etica", "/network"):
            client.get(path)
            client.get(path)

    for template in ("home/index.html", "groups/_detail_body.html", "network/page.html"):
        assert rendered.count(template) == renders, (template, rendered)
    assert (_entries(app) != {}) is enabled


def test_the_page_cache_is_off_in_development_and_on_in_production(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://coalition.example")
    monkeypatch.delenv("PAGE_CACHE_ENABLED", raising=False)
    assert config.Config().PAGE_CACHE_ENABLED is False
    assert config.ProductionConfig().PAGE_CACHE_ENABLED is True
    monkeypatch.setenv("PAGE_CACHE_ENABLED", "1")
    assert config.Config().PAGE_CACHE_ENABLED is True
    monkeypatch.setenv("PAGE_CACHE_ENABLED", "0")
    assert config.ProductionConfig().PAGE_CACHE_ENABLED is False
    # The suite runs the cache as production does, whatever the shell says.
    assert config.TestConfig().PAGE_CACHE_ENABLED is True
