"""The layout's header and footer, rendered once per shape (core/layout.py), and the
templates' gettext worked out once per message (core/i18n.py): each person and request still
gets their own name, badge, token and return path, and no shape leaks to another role."""

from __future__ import annotations

import re

from flask import render_template_string

from models import Notification, NotificationKind, Role
from tests.helpers import sign_in


def _csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_each_person_sees_their_own_name_badge_and_token(app, make_user, db_session):
    ana = make_user(full_name="Ana <b>López</b> & Cía", role=Role.MEMBER)
    luis = make_user(full_name="Luis Pérez", role=Role.MEMBER)
    db_session.add(
        Notification(user_id=ana.id, kind=NotificationKind.TASK_ASSIGNED, params={}, link="/")
    )
    db_session.commit()
    first, second = app.test_client(), app.test_client()
    sign_in(first, ana.email)
    sign_in(second, luis.email)
    first.get("/my-work")  # the welcome message read
    second.get("/my-work")

    ana_page = first.get("/groups/").get_data(as_text=True)
    luis_page = second.get("/groups/").get_data(as_text=True)

    assert "Ana &lt;b&gt;López&lt;/b&gt; &amp; Cía" in ana_page and "<b>López" not in ana_page
    assert "Luis Pérez" in luis_page and "López" not in luis_page
    assert 'id="unread-count">1<' in ana_page and 'id="unread-count"' not in luis_page
    # Every form of the page (sign-out, the language forms) carries the session's own token.
    assert len(_csrf_tokens(ana_page)) == 1 and len(_csrf_tokens(luis_page)) == 1
    assert _csrf_tokens(ana_page) != _csrf_tokens(luis_page)
    assert "\x00" not in ana_page + luis_page


def test_the_current_item_and_the_return_path_follow_the_page(client, login_as):
    login_as(Role.MEMBER)

    groups = client.get("/groups/").get_data(as_text=True)
    inbox = client.get("/inbox?page=1").get_data(as_text=True)

    assert re.search(r'class="nav-link active"\s+aria-current="page"\s+href="/groups/"', groups)
    assert not re.search(r'aria-current="page"\s+href="/groups/"', inbox)
    assert 'name="next" value="/groups/"' in groups
    assert 'name="next" value="/inbox?page=1"' in inbox


def test_a_member_never_gets_the_coordinators_shape(app, make_user):
    member, coordinator = app.test_client(), app.test_client()
    sign_in(member, make_user(role=Role.MEMBER).email)
    sign_in(coordinator, make_user(role=Role.COORDINATOR).email)

    member_first = member.get("/groups/").get_data(as_text=True)
    coordinator_page = coordinator.get("/groups/").get_data(as_text=True)
    member_again = member.get("/groups/").get_data(as_text=True)

    assert 'href="/people"' in coordinator_page
    assert 'href="/people"' not in member_first and 'href="/people"' not in member_again


def test_templates_gettext_formats_and_unescapes_as_jinja_does(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        for _ in range(2):  # the second time from the memo
            assert render_template_string("{{ _('100%% done') }}") == "100% done"
            assert render_template_string("{{ _('%(n)s <b>', n='<i>') }}") == "&lt;i&gt; <b>"
        text = app.jinja_env.from_string(
            "{% autoescape false %}{{ _('a %% <b>') }}{% endautoescape %}"
        )
        assert text.render() == "a % <b>"
