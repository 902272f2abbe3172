"""Property test: every list page, export and list answer of the API, with arbitrary values
for every query parameter any of them reads (and some no page reads), answers without a 5xx.
A value that is no value is ignored (the page's own default) or refused with a 400 (the
styled page, or the API's JSON error); never a stack trace.

Runs against the seeded coalition as a coordinator, who may open every one of them.
`LIST_PAGES` must name every GET route without a path variable that lists something; the
first test fails on a new one that is not here.
"""

from __future__ import annotations

import logging
import os
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import sign_in

LIST_PAGES = [
    "/",
    "/consultations",
    # The agenda (issue 16).
    "/agenda",
    "/positions",
    "/initiatives",
    "/agenda/coverage",
    "/agenda/coverage.csv",
    "/public/agenda",
    "/public/agenda.pdf",
    "/api/v1/agenda",
    "/api/v1/positions",
    "/groups/",
    "/groups/etica",
    "/groups/etica/members",
    "/groups/leadership.csv",
    "/calendar",
    "/meetings/figures.csv",
    "/growth",
    "/growth/members.csv",
    "/inbox",
    "/institutions",
    "/institutions/export.csv",
    "/audit/",
    "/audit/export.csv",
    "/people",
    "/my-work",
    "/account/tokens",
    "/network",
    "/network.json",
    "/network.gexf",
    "/network.graphml",
    "/api/v1/groups",
    "/api/v1/groups/etica",
    "/api/v1/growth",
    "/api/v1/institutions",
    "/api/v1/network",
    "/miembros",
    "/eventos",
    "/ties",
    "/ties/export.csv",
    "/api/v1/ties",
    "/api/v1/meetings",
    "/applications",
    "/privacy/requests",
    "/account/privacy",
    "/account/privacy.json",
    "/privacidad",
    "/privacy",
]
#: GET routes without a path variable that are no list: forms, sign-in steps, health checks.
NOT_LISTS = {
    "/consultations/new",
    "/account/password",
    "/account/profile",
    "/account/security",
    "/account/security/two-factor/qr.svg",
    "/calendar/events/new",
    "/api/v1/openapi.json",
    "/docs/api",  # the OpenAPI document, rendered: it reads no parameter
    "/healthz",
    "/institutions/import",
    "/institutions/new",
    "/ties/import",
    "/join",  # the application form (its query string is not read)
    "/unete",
    "/login",
    "/login/two-factor",
    "/password/forgot",
    "/readyz",
    # The public site's pages that read no parameter but their language (?lang=).
    "/coalicion",
    "/datos",
    "/sitemap.xml",
    "/robots.txt",
}
#: Every query parameter some page reads (the directory's and the API's filters, the audit's,
#: the network's), and a few nobody reads.
PARAMETERS = [
    "page",
    "per_page",
    "q",
    "sector",
    "state",
    "group",
    "founder",
    "status",
    "sort",
    "dir",
    "as_of",
    "download",
    "action",
    "actor",
    "since",
    "until",
    "institution",
    "role",
    "next",
    "lang",
    "format",
    "when",
    "kind",
    "people",
    "version",
]
EXAMPLES = int(os.environ.get("LIST_PAGE_EXAMPLES", "12"))

numbers = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    st.sampled_from(
        ["0", "1", "2", "-1", "99999999999999999999999", "9" * 5000, "²", "٣", "1e3", "0x10"]
    ),
    st.sampled_from(["", " 1 ", "1.5", "NaN", "inf", "None", "true"]),
)
dates = st.one_of(
    # A few valid days (each valid network date is a build), then anything date-like.
    st.sampled_from(["2019-06-30", "2024-01-01", date.today().isoformat()]),
    st.sampled_from(
        ["9999-12-31", "0001-01-01", "2024-02-30", "99999-01-01", "2024-13-01", "20240101"]
    ),
    st.dates().map(date.isoformat),
)
words = st.one_of(
    st.sampled_from(
        [
            "academia",
            "MX-CMX",
            "etica",
            "yes",
            "no",
            "desc",
            "asc",
            "founded",
            "active",
            "1",
            "%",
            "_",
            "'; DROP TABLE institutions; --",
            "<script>alert(1)</script>",
            "\x1b[31m",
            "a\x00b",
            "\ud7ff\ufffd",
            "x" * 5000,
            "//evil.example.org",
            "https://evil.example.org/",
        ]
    ),
    st.text(max_size=40),
)
values = st.one_of(numbers, dates, words)
queries = st.dictionaries(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=8)), values)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def coordinator_client(seeded_app):
    client = seeded_app.test_client()
    assert sign_in(client, "coordinator@example.org", "coalition-demo").status_code == 302
    return client


@pytest.fixture
def logged_errors(seeded_app):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(logging.ERROR)
    seeded_app.logger.addHandler(handler)
    yield records
    seeded_app.logger.removeHandler(handler)


def test_every_list_page_is_walked(seeded_app):
    plain_gets = {
        rule.rule
        for rule in seeded_app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    }
    adapter = seeded_app.url_map.bind("localhost")
    walked = {adapter.match(path)[0] for path in LIST_PAGES}
    lists = {adapter.match(path)[0] for path in plain_gets - NOT_LISTS}
    assert lists <= walked
    assert plain_gets >= NOT_LISTS  # no stale entry


@pytest.mark.parametrize("path", LIST_PAGES)
def test_no_query_string_makes_a_list_page_fail(coordinator_client, logged_errors, path):
    @SETTINGS
    @given(query=queries)
    @example(query={"until": "9999-12-31"})
    @example(query={"page": "99999999999999999999999"})
    @example(query={"page": "²"})
    @example(query={"page": "9" * 5000, "per_page": "9" * 5000})
    @example(query={"since": "0001-01-01", "until": "0001-01-01"})
    @example(query={"as_of": "9999-12-31"})
    def check(query):
        response = coordinator_client.get(path, query_string=query)
        assert response.status_code < 500, (path, query, response.status_code, logged_errors)
        assert response.status_code in (200, 202, 400), (path, query, response.status_code)

    check()
