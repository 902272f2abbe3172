"""Issue 7: every page passes axe-core with no serious or critical violation, in both languages,
and the sign-in form, the navigation and the skip link work from the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DEMO_PASSWORD, PageWatcher, choose_language, sign_in

# Layout walks: what they check is the rendered page, the same whichever database served it;
# .ci/run runs them in the SQLite pass only (`-m "not layout"` on PostgreSQL).
pytestmark = [pytest.mark.browser, pytest.mark.layout]

# Served by the app itself, so the strict CSP (script-src 'self') lets the tests inject it.
AXE = "/static/vendor/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}

ANONYMOUS = None
MEMBER = "member@example.org"
CHAIR = "chair@example.org"
COORDINATOR = "coordinator@example.org"

# (role, path); "{deliverable}", "{task}", "{institution}" and "{invitation}" are found at run
# time from the seeded data through the pages' own links.
PAGES = [
    (ANONYMOUS, "/login"),
    (ANONYMOUS, "/password/forgot"),
    (MEMBER, "/"),
    (MEMBER, "/groups/"),
    (MEMBER, "/groups/etica"),
    (MEMBER, "{deliverable}"),
    (MEMBER, "{task}"),
    (MEMBER, "/my-work"),
    (MEMBER, "/inbox"),
    (MEMBER, "/institutions"),
    (MEMBER, "{institution}"),
    (MEMBER, "/growth"),
    (MEMBER, "/network"),
    (MEMBER, "/account/password"),
    (MEMBER, "/account/tokens"),
    (MEMBER, "/docs/api"),
    (MEMBER, "/account/security"),
    (MEMBER, "/no-such-page"),
    (CHAIR, "/groups/etica"),
    (CHAIR, "/groups/etica/deliverables/new"),
    (CHAIR, "{deliverable}"),
    (CHAIR, "{task}"),
    (COORDINATOR, "/"),
    (COORDINATOR, "/groups/etica/members"),
    (COORDINATOR, "/institutions/new"),
    (COORDINATOR, "/institutions/import"),
    (COORDINATOR, "/people"),
    (COORDINATOR, "/audit/"),
    (COORDINATOR, "/ties"),
    (COORDINATOR, "{tie}"),
    (COORDINATOR, "{tie}/edit"),
    (COORDINATOR, "{institution}/ties/new"),
    (CHAIR, "/groups/etica/email"),
    (COORDINATOR, "/account/security"),
    (MEMBER, "/calendar"),
    (COORDINATOR, "{meeting}"),
    (CHAIR, "/groups/etica/meetings/new"),
    (COORDINATOR, "/calendar/events/new"),
    (COORDINATOR, "/network"),
    (ANONYMOUS, "{invitation}"),
    (ANONYMOUS, "/invitations/not-a-real-token"),
    (ANONYMOUS, "/docs/api"),
    # The agenda (issue 16).
    (MEMBER, "/groups/etica/recommendations"),
    (CHAIR, "{recommendation}"),
    (MEMBER, "/agenda"),
    (COORDINATOR, "/agenda/coverage"),
    (COORDINATOR, "/positions"),
    (MEMBER, "{position}"),
    (ANONYMOUS, "/public/agenda"),
    (ANONYMOUS, "/public{position}"),
    (ANONYMOUS, "/coalicion"),
    (ANONYMOUS, "/miembros"),
    (ANONYMOUS, "/grupos/etica"),
    (ANONYMOUS, "/eventos"),
    (ANONYMOUS, "/datos"),
    (ANONYMOUS, "/unete"),
    (ANONYMOUS, "/privacidad"),
    (MEMBER, "/account/privacy"),
    (COORDINATOR, "/applications?status=all"),
    (COORDINATOR, "/privacy/requests"),
    (ANONYMOUS, "/consulta/consulta-nacional-ia2030"),
    (MEMBER, "/consultations/consulta-nacional-ia2030/results"),
    (COORDINATOR, "/consultations/consulta-nacional-ia2030/moderation"),
]
# Home and group pages are also checked in English; the rest in Spanish (the default).
ENGLISH = {
    (MEMBER, "/"),
    (MEMBER, "/groups/"),
    (MEMBER, "/groups/etica"),
    (COORDINATOR, "/"),
    (COORDINATOR, "/groups/etica/members"),
    (ANONYMOUS, "/login"),
    (MEMBER, "{deliverable}"),
    (MEMBER, "/network"),
    (MEMBER, "/growth"),
    (ANONYMOUS, "/unete"),
}
CASES = [(role, path, "es") for role, path in PAGES] + [
    (role, path, "en") for role, path in PAGES if (role, path) in ENGLISH
]


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page and return its serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            summary = node.get("failureSummary", "").replace("\n", " ")[:200]
            lines.append(f"    {' '.join(node['target'])}: {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sessions(browser, live_server):
    """One signed-in browser context per (role, language), shared by the module's tests."""
    contexts, pages = [], {}

    def get(role, lang):
        if (role, lang) not in pages:
            context = browser.new_context(base_url=live_server, locale="es-MX")
            contexts.append(context)
            page = context.new_page()
            page.watcher = PageWatcher(page)
            # Chosen before signing in, the language holds for this browser only and leaves
            # the account's own choice alone (the other tests expect the accounts in Spanish).
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


@pytest.fixture(scope="module")
def found(browser, live_server):
    """Real ids from the seeded data, reached through the pages' links."""
    context = browser.new_context(base_url=live_server, locale="es-MX")
    page = context.new_page()
    sign_in(page, COORDINATOR)
    page.goto("/groups/etica")
    deliverable = page.locator("a[href^='/deliverables/']").first.get_attribute("href")
    page.goto(deliverable)
    task = page.locator("a[href^='/tasks/']").first.get_attribute("href")
    page.goto("/groups/etica/calendar?when=past")  # a held meeting: attendance, minutes, items
    meeting = page.locator("main a[href^='/meetings/']").first.get_attribute("href")
    page.goto("/institutions")
    hrefs = page.locator("main a[href^='/institutions/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    institution = next(h for h in hrefs if re.fullmatch(r"/institutions/\d+", h))
    page.goto("/ties")
    tie_links = page.locator("main a[href^='/ties/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    tie = next(h for h in tie_links if re.fullmatch(r"/ties/\d+", h))
    page.goto("/people")
    invite = page.locator("form[action='/people/invite']")  # not the search form above
    invite.get_by_label("Nombre completo").fill("Persona Accesible")
    invite.get_by_label("Correo electrónico").fill("a11y-invitee@example.org")
    invite.get_by_label("Institución").fill(
        page.locator("#invite-institution-options option").first.get_attribute("value")
    )
    page.get_by_role("button", name="Crear invitación").click()
    invitation = page.locator("#invitation-link").inner_text().strip()
    page.goto("/groups/etica/recommendations")
    recommendation = page.locator("main a[href^='/recommendations/']").first.get_attribute("href")
    page.goto("/positions")
    position = page.locator("main a[href^='/positions/']").first.get_attribute("href")
    context.close()
    return {
        "recommendation": recommendation,
        "position": position,
        "deliverable": deliverable,
        "task": task,
        "institution": institution,
        "meeting": meeting,
        "tie": tie,
        "invitation": re.sub(r"^https?://[^/]+", "", invitation),
    }


@pytest.mark.parametrize(
    ("role", "path", "lang"),
    CASES,
    ids=[f"{lang}-{role or 'anonymous'}-{path}" for role, path, lang in CASES],
)
def test_page_has_no_serious_accessibility_violations(sessions, found, role, path, lang):
    page = sessions(role, lang)
    page.watcher.errors.clear()
    response = page.goto(path.format(**found))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    violations = axe_violations(page)
    assert not violations, f"axe on {path} ({lang}, {role}):\n{describe(violations)}"
    # An error page is expected to answer 4xx; Chromium logs that as a console error.
    expected = (
        f"console: Failed to load resource: the server responded with a status of {response.status}"
    )
    assert [e for e in page.watcher.errors if not e.startswith(expected)] == []


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, limit: int = 60) -> None:
    """Press Tab until the locator has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_keyboard_alone_signs_in_and_reaches_a_group(page, shoot):
    page.goto("/login")
    email = page.get_by_label("Correo electrónico")
    tab_to(page, email)
    page.keyboard.type("member@example.org")
    password = page.get_by_label("Contraseña")
    tab_to(page, password)
    page.keyboard.type("coalition-demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")

    groups_link = page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Grupos de trabajo"
    )
    tab_to(page, groups_link)
    page.keyboard.press("Enter")
    page.wait_for_url("**/groups/")
    etica = page.locator("main a[href$='/groups/etica']").first
    tab_to(page, etica)
    page.keyboard.press("Enter")
    page.wait_for_url("**/groups/etica")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ética")
    shoot(page, "a11y-keyboard-group")
    assert page.watcher.errors == []


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page):
    sign_in(page, "member@example.org")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Saltar al contenido")
    assert is_focused(skip)
    expect(skip).to_be_visible()  # visually hidden until it has the focus
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert is_focused(page.locator("main#main"))
    # The next Tab lands inside the content, past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize(
    ("role", "path", "button"),
    [
        (ANONYMOUS, "/login", "Iniciar sesión"),
        (COORDINATOR, "/institutions/new", "Guardar"),
        (COORDINATOR, "/people", "Crear invitación"),
        (CHAIR, "/groups/etica/deliverables/new", "Guardar"),
    ],
)
def test_form_with_errors_has_no_serious_accessibility_violations(sessions, role, path, button):
    page = sessions(role, "es")
    page.watcher.errors.clear()
    page.goto(path)
    page.locator("main form").get_by_role("button", name=button).click()
    expect(page.locator("main .invalid-feedback, main .alert-danger").first).to_be_visible()
    violations = axe_violations(page)
    assert not violations, f"axe on {path} with errors:\n{describe(violations)}"


def test_network_panel_and_growth_details_have_no_serious_accessibility_violations(sessions):
    page = sessions(MEMBER, "es")
    page.goto("/network")
    page.get_by_label("Buscar una institución").fill("Tecnológico de Monterrey")
    page.keyboard.press("Enter")
    expect(page.locator("#network-panel-title")).to_have_text("Tecnológico de Monterrey")
    violations = axe_violations(page)
    assert not violations, f"axe on /network with a selection:\n{describe(violations)}"
    page.goto("/growth")
    for summary in page.locator("main details > summary").all():
        summary.click()
    violations = axe_violations(page)
    assert not violations, f"axe on /growth, details open:\n{describe(violations)}"


def landmark_violations(page) -> list[dict]:
    """axe-core's landmark rules (landmark-unique and the rest), whatever their impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["id"].startswith("landmark")]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_network_page_landmarks_each_have_their_own_name(sessions, lang):
    # landmark-unique is a "moderate" rule, below the blocking set the test above uses: the
    # sector-mixing section and its scrolling table were both named "Sector mixing".
    page = sessions(MEMBER, lang)
    page.goto("/network")
    violations = landmark_violations(page)
    assert not violations, f"axe landmarks on /network ({lang}):\n{describe(violations)}"
    names = page.evaluate(
        """() => [...document.querySelectorAll('main section[aria-labelledby], main [role=region]')]
              .map(el => el.getAttribute('aria-labelledby').split(' ')
              .map(id => document.getElementById(id).textContent.trim()).join(' '))"""
    )
    assert len(names) == len(set(names)) and len(names) >= 8, names
