"""Two-factor sign-in: enrolment, the code step, recovery codes, and the requirement."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from coalition_app.account.views import ENROL_SECRET_KEY, PENDING_KEY
from coalition_app.core import clock, sealed
from coalition_app.core.db import unit_of_work
from coalition_app.core.extensions import limiter
from models import AuditEvent, GroupChair, RecoveryCode, Role, SiteSetting, User
from tests.helpers import PASSWORD, sign_in

CODE_PATTERN = re.compile(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>")


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    with app.app_context():
        limiter.reset()


def _secret_offered(client) -> str:
    assert client.get("/account/security").status_code == 200
    with client.session_transaction() as session:
        return session[ENROL_SECRET_KEY]


def enrol(client) -> tuple[str, list[str]]:
    """Turn two-factor on for the signed-in person; the secret and the recovery codes."""
    secret = _secret_offered(client)
    response = client.post("/account/security/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.data
    codes = CODE_PATTERN.findall(response.get_data(as_text=True))
    return secret, codes


def next_code(secret: str) -> str:
    """The code of the next time step: valid now (one step of drift) and not used yet."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
def enrolled(client, make_user, db_session):
    """A person with two-factor on, signed out again; (user, secret, recovery codes)."""
    user = make_user()
    assert sign_in(client, user.email).status_code == 302
    secret, codes = enrol(client)
    client.post("/logout")
    db_session.expire_all()
    return user, secret, codes


def _actions(db_session, user) -> list[tuple[str, dict]]:
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == user.id).order_by(AuditEvent.id)
    )
    return [(event.action, event.details) for event in events]


def test_enrolment_with_a_wrong_code_is_refused(client, login_as, db_session):
    user = login_as()
    secret = _secret_offered(client)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    response = client.post("/account/security/two-factor", data={"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.get_data(as_text=True) or (
        "no es correcto" in response.get_data(as_text=True)
    )
    bad_shape = client.post("/account/security/two-factor", data={"code": "abc"})
    assert bad_shape.status_code == 400
    db_session.expire_all()
    assert db_session.get(User, user.id).totp_enabled_at is None


def test_enrolment_with_the_right_code_turns_it_on_with_ten_recovery_codes(
    client, login_as, db_session
):
    user = login_as()
    page = client.get("/account/security").get_data(as_text=True)
    assert "otpauth://totp/" in page
    secret, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    db_session.expire_all()
    stored = db_session.get(User, user.id)
    # Sealed in the database: the secret itself is nowhere in the row.
    assert stored.totp_enabled_at is not None and stored.totp_secret.startswith("fernet:")
    assert secret not in stored.totp_secret
    with client.application.app_context():
        assert sealed.unseal(stored.totp_secret) == secret
    rows = db_session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(rows) == 10
    assert all(code.replace("-", "") not in {row.code_hash for row in rows} for code in codes)
    # This session carries on; the codes are not shown again.
    assert client.get("/").status_code == 200
    again = client.get("/account/security").get_data(as_text=True)
    assert codes[0] not in again
    assert "two_factor.enabled" in [action for action, _ in _actions(db_session, user)]


def test_the_password_alone_gives_no_session_to_a_two_factor_user(client, enrolled):
    user, _secret, _codes = enrolled
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/two-factor")
    assert client.get("/").status_code == 302  # still not signed in
    assert "/login" in client.get("/").headers["Location"]
    assert client.get("/login/two-factor").status_code == 200


def test_the_right_code_signs_in_and_is_audited(client, enrolled, db_session):
    user, secret, _codes = enrolled
    sign_in(client, user.email, next="/groups/")
    response = client.post("/login/two-factor", data={"code": next_code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/groups/")
    assert client.get("/").status_code == 200
    actions = _actions(db_session, user)
    assert ("sign_in", {"two_factor": True, "method": "totp"}) in actions
    assert "sign_in.password_ok" in [action for action, _ in actions]


def test_a_secret_stored_before_sealing_still_works_and_is_sealed_then(
    client, enrolled, db_session
):
    user, secret, _codes = enrolled
    db_session.get(User, user.id).totp_secret = secret  # as stored before sealing
    db_session.commit()

    sign_in(client, user.email)
    assert client.post("/login/two-factor", data={"code": next_code(secret)}).status_code == 302

    db_session.expire_all()
    assert db_session.get(User, user.id).totp_secret.startswith("fernet:")


def test_with_another_key_codes_fail_closed_and_recovery_codes_still_work(
    app, client, enrolled, db_session
):
    user, secret, codes = enrolled
    app.config["TWO_FACTOR_KEY"] = Fernet.generate_key().decode()  # the key changed

    sign_in(client, user.email)
    refused = client.post("/login/two-factor", data={"code": next_code(secret)})
    assert refused.status_code == 401  # a clear refusal, not a 500
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 302


def test_a_wrong_code_is_refused_with_a_clear_message(client, enrolled, db_session):
    user, secret, _codes = enrolled
    sign_in(client, user.email)
    valid = {pyotp.TOTP(secret).at(time.time() + 30 * offset) for offset in (-1, 0, 1)}
    wrong = next(c for c in ("123456", "654321", "111111", "999999") if c not in valid)
    response = client.post("/login/two-factor", data={"code": wrong})
    assert response.status_code == 401
    assert "That code is not right, or it was already used." in response.get_data(
        as_text=True
    ) or "no es correcto" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    failures = [d for a, d in _actions(db_session, user) if a == "sign_in_failed"]
    assert failures and failures[-1]["reason"] == "two_factor"
    empty = client.post("/login/two-factor", data={"code": ""})
    assert empty.status_code == 400


def test_a_code_cannot_be_used_twice(client, enrolled):
    user, secret, _codes = enrolled
    code = next_code(secret)
    sign_in(client, user.email)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    client.post("/logout")
    sign_in(client, user.email)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 401
    # The code used at enrolment (an earlier step) is refused too.
    earlier = pyotp.TOTP(secret).now()
    assert client.post("/login/two-factor", data={"code": earlier}).status_code == 401


def test_a_recovery_code_works_once(client, enrolled, db_session):
    user, _secret, codes = enrolled
    sign_in(client, user.email)
    response = client.post("/login/two-factor", data={"code": codes[3].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    sign_in(client, user.email)
    assert client.post("/login/two-factor", data={"code": codes[3]}).status_code == 401
    assert client.post("/login/two-factor", data={"code": codes[4]}).status_code == 302
    used = db_session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None)
        )
    ).all()
    assert len(used) == 2


def test_the_code_step_expires(client, enrolled):
    user, secret, _codes = enrolled
    sign_in(client, user.email)
    with client.session_transaction() as session:
        pending = dict(session[PENDING_KEY])
        pending["until"] = int(time.time()) - 1
        session[PENDING_KEY] = pending
    response = client.post("/login/two-factor", data={"code": next_code(secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302
    # Without a password step at all, the code page sends one back to sign in.
    assert client.get("/login/two-factor").status_code == 302


def test_wrong_codes_are_throttled_per_account(client, enrolled):
    user, secret, _codes = enrolled
    sign_in(client, user.email)
    valid = {pyotp.TOTP(secret).at(time.time() + 30 * offset) for offset in (-1, 0, 1)}
    wrong = next(c for c in ("123456", "654321", "111111", "999999") if c not in valid)
    for _ in range(5):
        assert client.post("/login/two-factor", data={"code": wrong}).status_code == 401
    assert client.post("/login/two-factor", data={"code": next_code(secret)}).status_code == 429


def test_turning_it_off_needs_the_password_and_ends_other_sessions(
    app, client, enrolled, db_session
):
    user, secret, _codes = enrolled
    other = app.test_client()
    sign_in(other, user.email)
    assert other.post("/login/two-factor", data={"code": next_code(secret)}).status_code == 302
    sign_in(client, user.email)
    # The next step's code was used by the other client: this one signs in with a recovery code.
    assert client.post("/login/two-factor", data={"code": _codes[0]}).status_code == 302
    refused = client.post("/account/security/two-factor/off", data={"password": "wrong one"})
    assert refused.status_code == 400
    db_session.expire_all()
    assert db_session.get(User, user.id).totp_enabled_at is not None
    response = client.post("/account/security/two-factor/off", data={"password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/").status_code == 302  # the other one ended
    db_session.expire_all()
    assert db_session.get(User, user.id).totp_secret is None
    assert "two_factor.disabled" in [a for a, _ in _actions(db_session, user)]
    client.post("/logout")
    assert sign_in(client, user.email).headers["Location"].endswith("/")


def test_new_recovery_codes_replace_the_old_ones(client, enrolled, db_session):
    user, _secret, codes = enrolled
    sign_in(client, user.email)
    client.post("/login/two-factor", data={"code": codes[0]})
    response = client.post("/account/security/recovery-codes")
    assert response.status_code == 200
    fresh = CODE_PATTERN.findall(response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    client.post("/logout")
    sign_in(client, user.email)
    assert client.post("/login/two-factor", data={"code": codes[1]}).status_code == 401
    assert client.post("/login/two-factor", data={"code": fresh[0]}).status_code == 302
    assert "two_factor.recovery_codes_regenerated" in [a for a, _ in _actions(db_session, user)]


def _require(client, make_user, on: bool = True) -> None:
    coordinator = make_user(role=Role.COORDINATOR)
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, coordinator.email)
    client.get("/account/security")
    response = client.post("/account/security/requirement", data={"required": "y" if on else ""})
    # The coordinator who just required it has no two-factor yet: sent to enrol, as others.
    assert response.status_code == 302
    client.post("/logout")


def test_when_required_a_coordinator_without_it_is_sent_to_enrol_and_gets_nothing_else(
    client, make_user, db_session
):
    _require(client, make_user)
    assert db_session.get(SiteSetting, "require_two_factor_for_leads").value == "on"
    coordinator = make_user(role=Role.COORDINATOR)
    assert sign_in(client, coordinator.email).status_code == 302
    for path in ("/", "/groups/", "/audit/", "/account/password", "/account/tokens"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/security"), path
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 302
    assert client.get("/api/v1/network").status_code == 403  # JSON for the API, no redirect
    assert client.get("/account/security").status_code == 200
    enrol(client)
    assert client.get("/").status_code == 200


def test_when_required_an_api_token_does_not_go_round_it(app, client, make_user, db_session):
    from coalition_app.account import tokens as api_tokens
    from models import TokenScope

    coordinator = make_user(role=Role.COORDINATOR)
    with app.test_request_context(), unit_of_work():
        session = app.extensions["database"].session
        _row, value = api_tokens.create_token(
            session.get(User, coordinator.id), "script", TokenScope.READ
        )
    api = app.test_client()
    headers = {"Authorization": f"Bearer {value}"}
    assert api.get("/api/v1/groups", headers=headers).status_code == 200

    _require(client, make_user)
    refused = api.get("/api/v1/groups", headers=headers)

    assert refused.status_code == 403
    assert "API" in refused.json["error"]["message"]  # says why, not a bare 403
    sign_in(client, coordinator.email)
    enrol(client)
    # Turning two-factor on revoked the token made without it; a new one works.
    assert api.get("/api/v1/groups", headers=headers).status_code == 401
    with app.test_request_context(), unit_of_work():
        session = app.extensions["database"].session
        _row, value = api_tokens.create_token(
            session.get(User, coordinator.id), "script again", TokenScope.READ
        )
    fresh = {"Authorization": f"Bearer {value}"}
    assert api.get("/api/v1/groups", headers=fresh).status_code == 200


def test_when_required_a_chair_is_sent_to_enrol_and_a_plain_member_is_not(
    client, make_user, make_institution, make_group
):
    _require(client, make_user)
    lead, member = make_institution(), make_institution()
    group = make_group(leads=[lead], members=[member])
    chair = make_user(institution=lead, chair_of=group)
    assert sign_in(client, chair.email).status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/security")
    client.post("/logout")
    person = make_user(institution=member)
    assert sign_in(client, person.email).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/groups/").status_code == 200


def test_the_requirement_follows_named_chairs_not_their_institution(
    client, db_session, make_user, make_institution, make_group
):
    _require(client, make_user)
    lead = make_institution()
    group = make_group(leads=[lead])
    colleague = make_user(institution=lead)  # of the lead institution, never named
    former = make_user(institution=lead)
    db_session.add(
        GroupChair(
            group=group,
            person=former,
            since=date(2020, 1, 1),
            until=clock.today() - timedelta(days=1),
        )
    )
    db_session.commit()
    for person in (colleague, former):
        assert sign_in(client, person.email).status_code == 302
        assert client.get("/").status_code == 200, person
        client.post("/logout")
    chair = make_user(institution=lead, chair_of=group)
    assert sign_in(client, chair.email).status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/security")


def test_a_member_cannot_change_the_requirement(client, login_as, db_session):
    login_as()
    assert client.post("/account/security/requirement", data={"required": "y"}).status_code == 403
    assert db_session.get(SiteSetting, "require_two_factor_for_leads") is None
    assert "For the whole coalition" not in client.get("/account/security").get_data(as_text=True)


def test_people_without_two_factor_sign_in_as_before(client, make_user, db_session):
    user = make_user()
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert not response.headers["Location"].endswith("/login/two-factor")
    assert client.get("/").status_code == 200
    assert ("sign_in", {}) in _actions(db_session, user)


def test_the_requirement_comes_with_the_signed_in_person_and_follows_a_change(
    app, client, make_user, db_session
):
    from tests.helpers import count_statements

    coordinator = make_user(role=Role.COORDINATOR)
    sign_in(client, coordinator.email)
    client.get("/account/security")
    engine = app.extensions["database"].session.get_bind()
    with count_statements(engine) as counted:
        assert client.get("/groups/").status_code == 200
    # Read in the statement that loads the person, not in one of its own.
    assert not [s for s in counted.statements if s.lstrip().startswith("SELECT site_settings")]
    # Turned on in this request: the gate of the next one asks again and sends them to enrol.
    assert client.post("/account/security/requirement", data={"required": "y"}).status_code == 302
    assert client.get("/groups/").headers["Location"].endswith("/account/security")
