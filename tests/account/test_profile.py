"""Issue 13: a profile page for oneself (/account/profile): name, title, phone, language,
notification choices and security, saved with optimistic locking, errors next to the fields."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from models import ApiToken, AuditEvent, DigestPreference, TokenScope, User
from tests.helpers import PASSWORD, count_statements, sign_in

PATH = "/account/profile"


def _version(page: str) -> str:
    match = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'name="version" value="(\d+)"', page
    )
    assert match, "the form carries no version"
    return match.group(1)


def _csrf(page: str) -> str:
    """The form's token (the suite runs without CSRF checks but for `csrf_app`)."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return match.group(1) if match else ""


def _form(page: str, **values) -> dict[str, str]:
    data = {
        "csrf_token": _csrf(page),
        "version": _version(page),
        "full_name": "Ana Pérez",
        "title": "",
        "phone": "",
        "locale": "es",
    }
    data.update(values)
    return data


def _errors_of(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-errors"[^>]*>(.*?)</div>\s*</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


@pytest.fixture
def person(login_as, make_institution):
    return login_as(
        full_name="Ana Pérez", email="ana@example.org", institution=make_institution(name="INAOE")
    )


def test_the_profile_shows_what_is_saved_and_links_to_security(client, person):
    response = client.get(PATH)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert 'value="Ana Pérez"' in page and "ana@example.org" in page and "INAOE" in page
    assert _version(page) == "1"
    assert re.search(r'<input[^>]*checked[^>]*value="es"|<input[^>]*value="es"[^>]*checked', page)
    # The limits are said before anything is typed.
    assert "Hasta 200 caracteres." in page and "Hasta 120 caracteres." in page
    for link in ("/account/password", "/account/security", "/account/tokens", "/inbox"):
        assert f'href="{link}"' in page, link
    assert 'id="two-factor-status">desactivado' in page or 'id="two-factor-status">off' in page
    # The navigation's name links here, on every page.
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'id="profile-link" href="/account/profile"[^>]*>Ana Pérez<', home)


def test_signed_out_the_profile_asks_to_sign_in(client):
    response = client.get(PATH)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(PATH, data={"full_name": "X"}).status_code in (302, 400)


def test_saving_the_profile_changes_it_and_the_language_at_once(client, person, db_session):
    page = client.get(PATH).get_data(as_text=True)
    response = client.post(
        PATH,
        data=_form(
            page,
            full_name="  Ana   Pérez  López ",
            title=" Directora  de investigación ",
            phone=" +52 55  1234-5678 ",
            locale="en",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    saved = db_session.get(User, person.id)
    assert saved.full_name == "Ana Pérez López"
    assert saved.title == "Directora de investigación"
    assert saved.phone == "+52 55 1234-5678"
    assert saved.locale == "en"
    assert saved.profile_version == 2
    page = client.get(PATH).get_data(as_text=True)
    assert '<html lang="en">' in page and "Your profile is saved." in page
    assert _version(page) == "2"
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.updated"))
    assert event.actor_id == person.id
    assert set(event.details["fields"]) == {"full_name", "title", "phone", "locale"}
    # Saved unchanged: nothing written (no new version, no audit row).
    assert (
        client.post(
            PATH,
            data=_form(
                page,
                full_name="Ana Pérez López",
                title="Directora de investigación",
                phone="+52 55 1234-5678",
                locale="en",
            ),
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert db_session.get(User, person.id).profile_version == 2
    assert (
        len(
            db_session.scalars(
                select(AuditEvent).where(AuditEvent.action == "profile.updated")
            ).all()
        )
        == 1
    )
    # Cleared, the optional fields are empty again (not blank strings).
    client.post(PATH, data=_form(page, full_name="Ana Pérez López", locale="en"))
    db_session.expire_all()
    saved = db_session.get(User, person.id)
    assert (saved.title, saved.phone, saved.profile_version) == (None, None, 3)


def test_a_renamed_person_is_shown_renamed_on_cached_pages(client, person):
    assert ">Ana Pérez<" in client.get("/").get_data(as_text=True)
    client.get("/")  # now served from the page cache
    page = client.get(PATH).get_data(as_text=True)
    assert client.post(PATH, data=_form(page, full_name="Ana María Pérez")).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert ">Ana María Pérez<" in home and ">Ana Pérez<" not in home


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"full_name": "   "}, "full_name", "Escriba su nombre"),
        ({"full_name": "x" * 201}, "full_name", "texto tiene 201"),
        ({"title": "t" * 121}, "title", "texto tiene 121"),
        ({"phone": "llámeme"}, "phone", "de 8 a 15 dígitos"),
        ({"phone": "1234"}, "phone", "de 8 a 15 dígitos"),
        ({"phone": "+52 55 1234 5678 9999 0"}, "phone", "de 8 a 15 dígitos"),
        ({"phone": "55+1234-5678"}, "phone", "de 8 a 15 dígitos"),
        ({"phone": "+52 55 1234\x075678"}, "phone", "caracteres de control"),
        ({"locale": "fr"}, "locale", ""),
    ],
)
def test_what_is_refused_is_said_next_to_its_field_and_nothing_is_saved(
    client, person, db_session, values, field, words
):
    page = client.get(PATH).get_data(as_text=True)
    response = client.post(PATH, data=_form(page, **values))
    assert response.status_code == 400
    answer = response.get_data(as_text=True)
    if field == "locale":
        assert re.search(r'<div class="invalid-feedback d-block">[^<]+</div>\s*</fieldset>', answer)
    else:
        assert words in _errors_of(answer, field), answer[answer.find("<main") :][:3000]
        # What was typed stays in the field.
        typed = values[field].strip() if field != "full_name" else ""
        if typed and "\x07" not in typed:
            assert f'value="{typed}"' in answer
    db_session.expire_all()
    saved = db_session.get(User, person.id)
    assert (saved.full_name, saved.title, saved.phone, saved.profile_version) == (
        "Ana Pérez",
        None,
        None,
        1,
    )


def test_a_save_from_an_older_form_is_refused_and_keeps_what_was_typed(client, person, db_session):
    first_tab = client.get(PATH).get_data(as_text=True)
    second_tab = client.get(PATH).get_data(as_text=True)
    assert (
        client.post(PATH, data=_form(first_tab, title="Directora", phone="+52 222 123 4567"))
    ).status_code == 302

    response = client.post(PATH, data=_form(second_tab, title="Investigadora"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="profile-conflict"' in page
    assert 'value="Investigadora"' in page  # what was typed stays
    conflict = page[page.find('id="profile-conflict"') :][:1500]
    assert "Directora" in conflict and "+52 222 123 4567" in conflict
    db_session.expire_all()
    saved = db_session.get(User, person.id)
    assert (saved.title, saved.profile_version) == ("Directora", 2)
    # The form now carries the saved version: saving again is a deliberate choice, and wins.
    assert _version(page) == "2"
    assert client.post(PATH, data=_form(page, title="Investigadora")).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, person.id).title == "Investigadora"
    # A form with no version at all is never taken as the latest.
    no_version = _form(page, title="Sin versión")
    del no_version["version"]
    assert client.post(PATH, data=no_version).status_code == 409


def test_digest_choices_are_shown_and_only_changed_ones_are_written(
    client, login_as, make_institution, make_group, db_session
):
    mine = make_institution()
    in_group = make_group(members=[mine], name_es="Datos abiertos")
    other_group = make_group(name_es="Salud digital")
    person = login_as(institution=mine)
    page = client.get(PATH).get_data(as_text=True)
    assert re.search(rf'value="{in_group.id}" id="digest-{in_group.id}" checked', page)
    assert re.search(rf'value="{other_group.id}" id="digest-{other_group.id}"\s+aria', page)
    assert "Datos abiertos" in page and "Salud digital" in page

    response = client.post(
        "/account/profile/digests",
        data={
            "csrf_token": _csrf(page),
            "shown": [str(in_group.id), str(other_group.id)],
            "digest": [str(other_group.id)],
        },
    )
    assert response.status_code == 302
    rows = db_session.scalars(
        select(DigestPreference).where(DigestPreference.user_id == person.id)
    ).all()
    assert {(row.group_id, row.subscribed) for row in rows} == {
        (in_group.id, False),
        (other_group.id, True),
    }
    page = client.get(PATH).get_data(as_text=True)
    assert re.search(rf'value="{other_group.id}" id="digest-{other_group.id}" checked', page)
    # The group's own page agrees.
    group_page = client.get(f"/groups/{in_group.slug}").get_data(as_text=True)
    group_page_other = client.get(f"/groups/{other_group.slug}").get_data(as_text=True)
    assert group_page != group_page_other
    # A group the form did not show is left alone (made after the page was opened).
    newer = make_group(members=[mine])
    client.post(
        "/account/profile/digests",
        data={"csrf_token": _csrf(page), "shown": [str(in_group.id)], "digest": []},
    )
    assert db_session.get(DigestPreference, (person.id, newer.id)) is None
    # Ids that are not ids: refused.
    assert (
        client.post(
            "/account/profile/digests",
            data={"csrf_token": _csrf(page), "shown": "x", "digest": "1"},
        ).status_code
        == 400
    )


def test_signing_out_the_other_sessions_keeps_this_one(app, client, person, db_session):
    other_device = app.test_client()
    assert sign_in(other_device, person.email).status_code == 302
    db_session.add(
        ApiToken(user_id=person.id, name="Hoja", token_hash="f" * 64, scope=TokenScope.READ)
    )
    db_session.commit()
    page = client.get(PATH).get_data(as_text=True)
    response = client.post("/account/profile/sessions", data={"csrf_token": _csrf(page)})
    assert response.status_code == 302
    assert client.get(PATH).status_code == 200  # this session carries on
    assert other_device.get(PATH).status_code == 302  # the other one is signed out
    db_session.expire_all()
    token = db_session.scalar(select(ApiToken).where(ApiToken.user_id == person.id))
    assert token.revoked_at is not None


def test_the_profile_runs_the_same_queries_with_few_or_many_groups(app, client, person, make_group):
    engine = app.extensions["database"].session.get_bind()
    make_group()
    client.get(PATH)
    with count_statements(engine) as few:
        assert client.get(PATH).status_code == 200
    for _ in range(25):
        make_group()
    with count_statements(engine) as many:
        page = client.get(PATH).get_data(as_text=True)
    assert page.count('name="digest"') >= 26
    assert many.count == few.count > 0, many.statements


def test_two_saves_at_once_cannot_both_win(app, person, db_session):
    """The version check and the write are one UPDATE: a save whose form and loaded person
    both say version 1, while the database already moved on, writes nothing."""
    from coalition_app.account import service as accounts
    from coalition_app.core.errors import EditConflict

    with app.test_request_context():
        session = app.extensions["database"].session
        loaded = session.get(User, person.id)
        assert loaded.profile_version == 1
        # Another request saves in between, behind this one's back (its object not refreshed).
        session.execute(
            update(User)
            .where(User.id == person.id)
            .values(title="Otra", profile_version=2)
            .execution_options(synchronize_session=False)
        )
        assert loaded.profile_version == 1
        with pytest.raises(EditConflict):
            accounts.update_profile(
                loaded,
                expected_version=1,
                full_name="Ana Pérez",
                title="Mía",
                phone=None,
                locale="es",
            )
        session.expire_all()
        assert session.get(User, person.id).title == "Otra"
        session.rollback()


def test_the_profile_forms_need_their_token_when_csrf_is_on(csrf_app):
    from datetime import date

    from werkzeug.security import generate_password_hash

    from models import Institution

    session = csrf_app.extensions["database"].session
    with csrf_app.app_context():
        user = User(
            email="perfil-csrf@example.org",
            full_name="Con Token",
            institution=Institution(
                name="CSRF Perfil", sector_slug="academia", joined_on=date(2019, 1, 1)
            ),
            password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
        )
        session.add(user)
        session.commit()
        user_id = user.id
    client = csrf_app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    credentials = {"email": "perfil-csrf@example.org", "password": PASSWORD}
    signed_in = client.post("/login", data={"csrf_token": token, **credentials})
    assert signed_in.status_code == 302
    page = client.get(PATH).get_data(as_text=True)
    for path in (PATH, "/account/profile/digests", "/account/profile/sessions"):
        without = _form(page, full_name="Sin Token")
        del without["csrf_token"]
        assert client.post(path, data=without).status_code == 400, path
    with csrf_app.app_context():
        saved = session.get(User, user_id)
        unchanged = (saved.full_name, saved.session_version, saved.profile_version)
        assert unchanged == ("Con Token", 1, 1)
    assert client.post(PATH, data=_form(page, full_name="Con Token Bien")).status_code == 302
