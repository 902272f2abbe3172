"""Issue 13: every page, as each role, in both languages, at 390, 768 and 1366 px.

The page itself never scrolls sideways, no visible control (link, button, field, label, table
header, navigation item) is cut by its own box, by a clipping ancestor or by the viewport, and
the navigation's items each stay on one line. Pages come from the app's url_map, so a new page
is checked (or must be declared here as not HTML) without anyone remembering to.

One browser, one context per role and language; each page is loaded once and the viewport is
resized through the three widths. Screenshots of a sample (and of every failure) are saved under
test-output/screenshots/widths/.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from coalition_app import create_app
from coalition_app.public.site import PUBLIC_SITE
from config import TestConfig
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import DEMO_PASSWORD, PageWatcher, choose_language, sign_in
from tests.routes import NOT_HTML, PUBLIC  # shared with the statement walk and the load bench

# Layout walks: what they check is the rendered page, the same whichever database served it;
# .ci/run runs them in the SQLite pass only (`-m "not layout"` on PostgreSQL).
pytestmark = [pytest.mark.browser, pytest.mark.layout]

WIDTHS = (1366, 768, 390)
HEIGHT = 900
ANONYMOUS = None
MEMBER = "member@example.org"
CHAIR = "chair@example.org"
COORDINATOR = "coordinator@example.org"
ROLES = (COORDINATOR, CHAIR, MEMBER)
LANGUAGES = ("es", "en")
# Screenshots of every page at 390 px for these (look at them); of any page when a check fails.
SAMPLED = {(COORDINATOR, "es"), (MEMBER, "en"), (ANONYMOUS, "es")}

# Values for the rules' placeholders, found in the seeded data at run time (see `ids`).
PLACEHOLDERS = {
    "<slug>": "{group}",
    "<int:deliverable_id>": "{deliverable}",
    "<int:task_id>": "{task}",
    "<int:institution_id>": "{institution}",
    "<token>": "{token}",
    "<int:meeting_id>": "{meeting}",
    "<int:recommendation_id>": "{recommendation}",
    "<int:position_id>": "{position}",
    "<int:initiative_id>": "{initiative}",
    "<int:tie_id>": "{tie}",
    "<int:application_id>": "{application}",
    "<int:request_id>": "{privacy_request}",
    "<string:slug>": "{consultation}",
    "<int:statement_id>": "{statement}",
    "<int:first_id>": "{institution}",
    "<int:second_id>": "{other_institution}",
}

# What does not fit, as sentences (the page's own measurements; see fits.js).
CHECK = "\n".join(
    line
    for line in (Path(__file__).parent / "fits.js").read_text().splitlines()
    if not line.startswith("//")  # the file's heading: Playwright wants the bare function
)


def public_site_pages() -> set[str]:
    """Endpoints of the public site's pages (`public.site.public_page`): served without a
    session, so their language comes from the address (`?lang=`)."""
    app = create_app(TestConfig("sqlite://"))
    return {name for name, view in app.view_functions.items() if getattr(view, PUBLIC_SITE, False)}


def html_routes() -> list[tuple[str, str]]:
    """(endpoint, path template) for every GET route that answers a page."""
    app = create_app(TestConfig("sqlite://"))
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_HTML:
            continue
        if rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for placeholder, value in PLACEHOLDERS.items():
            path = path.replace(placeholder, value)
        assert "<" not in path, f"{rule.rule}: add its placeholder to PLACEHOLDERS"
        routes.append((rule.endpoint, path))
    return sorted(routes, key=lambda route: route[1])


ROUTES = html_routes()
PUBLIC_SITE_PAGES = public_site_pages()
CASES = [
    (role, lang, endpoint, path)
    for role in (ANONYMOUS, *ROLES)
    for lang in LANGUAGES
    for endpoint, path in ROUTES
    if (endpoint in PUBLIC) == (role is ANONYMOUS)
] + [(role, lang, "errors.not_found", "/no-such-page") for role in ROLES for lang in LANGUAGES]


@pytest.fixture(scope="module")
def ids(browser, live_server):
    """Real ids from the seeded data, reached through the pages' own links, and a live
    invitation (its page is public)."""
    context = browser.new_context(base_url=live_server, locale="es-MX")
    page = context.new_page()
    sign_in(page, COORDINATOR)
    page.goto("/groups/etica")
    deliverable = page.locator("main a[href^='/deliverables/']").first.get_attribute("href")
    page.goto(deliverable)
    task = page.locator("main a[href^='/tasks/']").first.get_attribute("href")
    page.goto("/institutions")
    hrefs = page.locator("main a[href^='/institutions/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    institution = next(h for h in hrefs if re.fullmatch(r"/institutions/\d+", h))
    # A public event: its public page and the signed-in meeting pages open it alike.
    page.goto("/eventos")
    meeting = page.locator("main a[href^='/eventos/']").first.get_attribute("href")
    page.goto("/ties")
    tie_links = page.locator("main a[href^='/ties/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    tie = next(h for h in tie_links if re.fullmatch(r"/ties/\d+", h))
    page.goto("/people")
    invite = page.locator("form[action='/people/invite']")  # not the search form above
    invite.get_by_label("Nombre completo").fill("Persona De Ancho Completo")
    invite.get_by_label("Correo electrónico").fill("widths-invitee@example.org")
    invite.get_by_label("Institución").fill(
        page.locator("#invite-institution-options option").first.get_attribute("value")
    )
    page.get_by_role("button", name="Crear invitación").click()
    invitation = page.locator("#invitation-link").inner_text().strip()
    # The agenda's (issue 16): a recommendation of the group, a position, an initiative.
    page.goto("/groups/etica/recommendations")
    recommendation = page.locator("main a[href^='/recommendations/']").first.get_attribute("href")
    page.goto("/positions")
    position = page.locator("main a[href^='/positions/']").first.get_attribute("href")
    page.goto("/initiatives")
    initiative = page.locator("main a[href^='/initiatives/'][href$='/edit']").first
    initiative = initiative.get_attribute("href")
    # An application to join (still unconfirmed: the queue lists it under its filter) and a
    # privacy request (the coordinator's own), for their coordinators' pages.
    page.goto("/unete")
    page.get_by_label("Nombre de la institución").fill("Institución De Ancho Completo")
    page.get_by_label("Sector").select_option("academia")
    page.get_by_label("Su nombre").fill("Persona Solicitante")
    page.get_by_label("Su correo").fill("widths-applicant@example.org")
    page.get_by_label("¿Por qué desea unirse su institución?").fill("Para colaborar.")
    page.get_by_label("Aceptamos los principios de la coalición.").check()
    page.get_by_label("He leído y acepto el aviso de privacidad.").check()
    page.get_by_role("button", name="Enviar la solicitud").click()
    page.wait_for_selector("text=Revise su correo")
    page.goto("/applications?status=unconfirmed")
    application = page.locator("#applications a[href^='/applications/']").first.get_attribute(
        "href"
    )
    page.goto("/account/privacy")
    page.get_by_label("¿Qué solicita?").select_option("opposition")
    page.get_by_label("Detalles").fill("No quiero recibir correos.")
    page.get_by_role("button", name="Enviar la solicitud").click()
    page.goto("/privacy/requests")
    request = page.locator("#privacy-requests a[href^='/privacy/requests/']").first.get_attribute(
        "href"
    )
    page.goto("/consultations/consulta-nacional-ia2030/manage")
    statement = page.locator("main a[href*='/statements/']").first.get_attribute("href")
    context.close()
    return {
        "recommendation": recommendation.rsplit("/", 1)[1],
        "position": position.rsplit("/", 1)[1],
        "initiative": initiative.split("/")[2],
        "consultation": "consulta-nacional-ia2030",
        "statement": statement.rsplit("/", 1)[1],
        "group": "etica",
        "deliverable": deliverable.rsplit("/", 1)[1],
        "task": task.rsplit("/", 1)[1],
        "institution": institution.rsplit("/", 1)[1],
        "tie": tie.rsplit("/", 1)[1],
        "other_institution": next(
            h for h in hrefs if re.fullmatch(r"/institutions/\d+", h) and h != institution
        ).rsplit("/", 1)[1],
        # The invitation's page; on /password/reset/ the same token is an unknown one, which
        # shows the page a stale reset link shows.
        "token": invitation.rsplit("/", 1)[1],
        "meeting": meeting.split("?")[0].rsplit("/", 1)[1],
        "application": application.rsplit("/", 1)[1],
        "privacy_request": request.rsplit("/", 1)[1],
    }


@pytest.fixture(scope="module")
def sessions(browser, live_server):
    """One browser context per (role, language), signed in once."""
    contexts, pages = [], {}

    def get(role, lang):
        if (role, lang) not in pages:
            context = browser.new_context(
                base_url=live_server,
                locale="es-MX",
                viewport={"width": WIDTHS[0], "height": HEIGHT},
            )
            contexts.append(context)
            page = context.new_page()
            page.watcher = PageWatcher(page)
            page.goto("/login")
            choose_language(page, lang)
            if role:
                form = page.locator("main form")
                form.locator("input[name=email]").fill(role)
                form.locator("input[name=password]").fill(DEMO_PASSWORD)
                form.locator("button[type=submit]").click()
                page.wait_for_url(re.compile(r"/$"))
            pages[role, lang] = page
        return pages[role, lang]

    yield get
    for context in contexts:
        context.close()


def settle(page) -> None:
    """Let layout, resize observers and the charts' redraws run after a resize: two frames, then
    until the page fits (the graph's canvases follow a resize after a debounce), at most 2 s; the
    check then reports what is still too wide."""
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "() => document.scrollingElement.scrollWidth <= window.innerWidth",
            timeout=2000,
        )


def test_every_route_is_opened_or_declared():
    """Every GET route of the app is opened below unless declared not to be a page, and the
    declarations name real endpoints (a renamed one would silently drop out otherwise)."""
    app = create_app(TestConfig("sqlite://"))
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert endpoints >= NOT_HTML | PUBLIC
    opened = {endpoint for _role, _lang, endpoint, _path in CASES}
    pages = {e for e in endpoints - NOT_HTML if not e.startswith("api.")}
    assert pages <= opened and len(pages) >= 25


@pytest.mark.parametrize(
    ("role", "lang", "endpoint", "path"),
    CASES,
    ids=[f"{lang}-{(role or 'anonymous').split('@')[0]}-{path}" for role, lang, _e, path in CASES],
)
def test_page_fits_every_width(sessions, ids, role, lang, endpoint, path):
    page = sessions(role, lang)
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    if endpoint in PUBLIC_SITE_PAGES:
        path += f"?lang={lang}"  # the public site's language is in its address (no session)
    response = page.goto(path.format(**ids))
    assert response is not None
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if response.status == 403:
        return  # this role may not open it: the error page is checked on /no-such-page
    assert response.status < 500
    failures = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        settle(page)
        problems = page.evaluate(CHECK)
        name = f"{endpoint}-{(role or 'anonymous').split('@')[0]}-{lang}-{width}"
        if problems or ((role, lang) in SAMPLED and width == 390):
            folder = SCREENSHOTS / "widths"
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        if problems:
            failures[width] = problems
    assert not failures, f"{path} ({lang}, {role or 'signed out'}):\n" + "\n".join(
        f"  {width}px: {problem}" for width, problems in failures.items() for problem in problems
    )


def test_directory_filters_wait_behind_a_toggle_on_phones(sessions):
    page = sessions(MEMBER, "es")
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    page.goto("/institutions")
    toggle = page.locator("#directory-filters > summary")
    sector = page.get_by_label("Sector", exact=True)
    expect(toggle).to_have_text("Filtros")
    expect(page.get_by_label("Nombre o siglas")).to_be_visible()
    expect(sector).to_be_hidden()
    toggle.click()
    expect(sector).to_be_visible()
    # A filter in use keeps them open, so the phone shows what narrows the list.
    page.goto("/institutions?sector=academia")
    expect(sector).to_be_visible()
    # From 768px they are always shown, and there is nothing to toggle.
    page.goto("/institutions")
    for width in (768, 1366):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        expect(sector).to_be_visible()
        expect(toggle).to_be_hidden()


def test_an_unread_badge_in_the_navigation_is_no_second_line(sessions):
    """The header's unread badge (a padded pill beside "Inbox") is on the link's line; a link
    whose words really wrap is still reported. Shown on every page of whoever has unread
    notices, which the seeded people do not: the badge is put in as the header writes it."""
    page = sessions("chair@example.org", "es")
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    page.goto("/")
    page.evaluate(
        """() => {
          const inbox = document.querySelector('header a.nav-link[href="/inbox"]');
          inbox.insertAdjacentHTML('beforeend', '<span class="badge rounded-pill text-bg-warning'
            + ' ms-1" id="unread-count">12<span class="visually-hidden"> sin leer</span></span>');
        }"""
    )
    settle(page)
    assert page.evaluate(CHECK) == []
    page.evaluate(
        """() => {
          const inbox = document.querySelector('header a.nav-link[href="/inbox"]');
          inbox.style.whiteSpace = 'normal';
          inbox.style.width = '3em';
          inbox.style.display = 'inline-block';
        }"""
    )
    assert any("wraps onto 2 lines" in problem for problem in page.evaluate(CHECK))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_collapsed_menu_fits_a_phone_when_opened(sessions, lang):
    page = sessions(COORDINATOR, lang)
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    page.goto("/")
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    page.locator("header .navbar-toggler").click()
    expect(menu).to_be_visible()
    expect(menu.locator(".nav-link").first).to_be_in_viewport()
    page.wait_for_function("() => !document.querySelector('#main-nav.collapsing')")
    problems = page.evaluate(CHECK)
    assert problems == [], "\n".join(problems)
