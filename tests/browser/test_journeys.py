"""Issue 7's full journeys in a real browser, once in Spanish and once in English.

The coordinator adds an institution and invites a person of it; the invitee sets a password
and signs in; the coordinator makes the institution a member of the AI Ethics group; the chair
assigns the invitee a task; the invitee records progress; the network and growth pages show the
new institution. Labels come from the app's own catalogue, so the test reads like the page.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from tests.browser.helpers import PageWatcher, choose_language
from tests.helpers import coalition_today

pytestmark = pytest.mark.browser

CATALOGUE = Path(__file__).resolve().parents[2] / "coalition_app" / "translations"
SPANISH = Translations.load(str(CATALOGUE), ["es"], domain="messages")
INVITEE_PASSWORD = "Ajolote-Verde-2031!"
DEMO_PASSWORD = "coalition-demo"


class Role:
    """One person's own browser context, signed in, in the run's language."""

    def __init__(self, browser, live_server, lang: str, shoot, name: str) -> None:
        self.context = browser.new_context(base_url=live_server, locale="es-MX")
        self.page = self.context.new_page()
        self.page.watcher = PageWatcher(self.page)
        self.lang, self.shoot, self.name = lang, shoot, name

    def t(self, msgid: str) -> str:
        return SPANISH.gettext(msgid) if self.lang == "es" else msgid

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        page = self.page
        page.goto("/login")
        # Chosen before signing in: the choice holds for this browser and signing in keeps it,
        # while the demo accounts keep their own language for the other tests.
        choose_language(page, self.lang)
        form = page.locator("main form")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(password)
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/$"))
        expect(page.locator("html")).to_have_attribute("lang", self.lang)

    def snap(self, step: str) -> None:
        self.shoot(self.page, f"journey-{self.lang}-{step}")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_three_roles_end_to_end(browser, live_server, shoot, lang):
    run = uuid.uuid4().hex[:6]
    institution = f"Laboratorio Ajolote {lang.upper()} {run}"
    acronym = f"LAJ-{lang.upper()}-{run}"
    invitee_name = f"Xóchitl Tepox {lang.upper()} {run}"
    invitee_email = f"xochitl.{lang}.{run}@example.org"
    deliverable = f"Marco de evaluación {lang.upper()} {run}"
    task = f"Revisar los casos de uso {lang.upper()} {run}"
    today = coalition_today()
    due = (today + timedelta(days=30)).isoformat()

    coordinator = Role(browser, live_server, lang, shoot, "coordinator")
    chair = Role(browser, live_server, lang, shoot, "chair")
    invitee = Role(browser, live_server, lang, shoot, "invitee")
    people = [coordinator, chair, invitee]
    try:
        # The coordinator signs in; the growth page's current totals before the change.
        c, t = coordinator.page, coordinator.t
        coordinator.sign_in("coordinator@example.org")
        c.goto("/growth")
        academia = c.locator("#by-sector tr[data-sector=academia] td").nth(1)
        members_before = int(academia.inner_text())
        year_before = int(c.locator("#year-ends tbody tr").last.locator("td").nth(1).inner_text())
        coordinator.snap("01-growth-before")

        # 1. The coordinator adds an institution.
        c.goto("/institutions/new")
        c.get_by_label(t("Name"), exact=True).fill(institution)
        c.get_by_label(t("Acronym")).fill(acronym)
        c.get_by_label(t("Sector")).select_option("academia")
        c.get_by_label(t("State"), exact=True).select_option(index=1)
        c.get_by_label(t("Member since")).fill(today.isoformat())
        coordinator.snap("02-institution-form")
        c.get_by_role("button", name=t("Save")).click()
        c.wait_for_url(re.compile(r"/institutions/\d+$"))
        expect(c.get_by_text(t("Institution added."))).to_be_visible()
        expect(c.get_by_role("heading", level=1)).to_contain_text(institution)
        coordinator.snap("03-institution-added")

        # 2. ... and invites a person of it; the link is shown once, on the page.
        c.goto("/people")
        invite = c.locator("form[action='/people/invite']")  # not the search form above
        invite.get_by_label(t("Full name")).fill(invitee_name)
        invite.get_by_label(t("E-mail")).fill(invitee_email)
        invite.get_by_label(t("Institution"), exact=True).fill(institution)
        c.get_by_role("button", name=t("Create invitation")).click()
        link = c.locator("#invitation-link")
        expect(link).to_be_visible()
        invitation_path = re.sub(r"^https?://[^/]+", "", link.inner_text().strip())
        assert invitation_path.startswith("/invitations/")
        coordinator.snap("04-invitation-created")

        # 3. The invitee opens the link in a browser of their own and sets a password.
        i = invitee.page
        i.goto(invitation_path)
        choose_language(i, lang)
        expect(i.get_by_role("heading", level=1)).to_have_text(invitee.t("Create your account"))
        i.get_by_label(invitee.t("Password"), exact=True).fill(INVITEE_PASSWORD)
        i.get_by_label(invitee.t("Repeat the password")).fill(INVITEE_PASSWORD)
        i.get_by_label(invitee.t("I have read and accept the privacy notice.")).check()
        invitee.snap("05-invitee-sets-password")
        i.get_by_role("button", name=invitee.t("Create account")).click()
        i.wait_for_url(re.compile(r"/$"))
        # A new account starts a new session, in the default language: choose it again.
        choose_language(i, lang)
        invitee.snap("06-invitee-account-ready")
        # ... signs out, and signs in again with the new password.
        i.get_by_role("button", name=invitee.t("Sign out")).click()
        i.wait_for_url(re.compile(r"/login"))
        invitee.sign_in(invitee_email, INVITEE_PASSWORD)
        expect(i.get_by_role("navigation", name=invitee.t("Main navigation"))).to_contain_text(
            invitee_name
        )
        invitee.snap("07-invitee-signed-in")

        # 4. The coordinator makes the new institution a member of the AI Ethics group.
        c.goto("/groups/etica")
        c.get_by_role("link", name=t("Manage institutions and chairs")).click()
        c.wait_for_url("**/groups/etica/members")
        c.get_by_label(t("Institution"), exact=True).fill(institution)
        c.get_by_label(t("Role"), exact=True).select_option("member")
        c.get_by_role("button", name=t("Save")).click()
        expect(c.get_by_text(t("Membership saved."))).to_be_visible()
        expect(c.locator("table").get_by_role("cell", name=institution)).to_be_visible()
        coordinator.snap("08-institution-joins-etica")

        # 5. The chair creates a deliverable and assigns the invitee a task.
        h, ht = chair.page, chair.t
        chair.sign_in("chair@example.org")
        h.goto("/groups/etica")
        expect(h.get_by_text(institution)).to_be_visible()
        h.get_by_role("link", name=ht("New deliverable")).click()
        h.get_by_label(ht("Title")).fill(deliverable)
        h.get_by_label(ht("Description")).fill("Criterios para evaluar sistemas de IA.")
        h.get_by_label(ht("Due date")).fill(due)
        h.get_by_role("button", name=ht("Save")).click()
        h.wait_for_url(re.compile(r"/deliverables/\d+$"))
        chair.snap("09-deliverable-created")
        h.get_by_role("link", name=ht("Add a task")).click()
        h.get_by_label(ht("Title")).fill(task)
        assignee = h.get_by_label(ht("Assignee"))
        option = assignee.locator("option", has_text=invitee_name)
        expect(option).to_have_count(1)
        assignee.select_option(option.get_attribute("value"))
        h.get_by_label(ht("Due date")).fill(due)
        h.get_by_role("button", name=ht("Save")).click()
        h.wait_for_url(re.compile(r"/deliverables/\d+"))
        tasks = h.locator("section", has=h.get_by_role("heading", name=ht("Tasks"), exact=True))
        expect(tasks.get_by_role("link", name=task)).to_be_visible()
        chair.snap("10-task-assigned")

        # 6. The invitee records progress from "My work".
        i.goto("/")
        i.get_by_role("link", name=invitee.t("My work")).click()
        i.wait_for_url("**/my-work")
        invitee.snap("11-my-work")
        i.get_by_role("link", name=task).click()
        i.wait_for_url(re.compile(r"/tasks/\d+$"))
        i.get_by_label(invitee.t("Status")).select_option("in_progress")
        i.get_by_label(invitee.t("Progress (%)")).fill("50")
        i.get_by_label(invitee.t("What was done")).fill("Primera revisión de los casos de uso")
        i.get_by_role("button", name=invitee.t("Save progress")).click()
        expect(i.get_by_text(invitee.t("Progress recorded."))).to_be_visible()
        invitee.snap("12-progress-recorded")

        # 7. The network shows the new institution: the search finds it and opens its panel.
        i.goto("/network")
        # The search is the page's script (deferred, with Cytoscape): wait until it is drawn.
        i.wait_for_selector("#network-graph[data-nodes]")
        i.get_by_label(invitee.t("Find an institution")).fill(institution)
        i.keyboard.press("Enter")
        expect(i.locator("#network-panel-title")).to_have_text(institution)
        invitee.snap("13-network")

        # 8. The growth page counts it in today's totals.
        c.goto("/growth")
        expect(academia).to_have_text(str(members_before + 1))
        expect(c.locator("#year-ends tbody tr").last.locator("td").nth(1)).to_have_text(
            str(year_before + 1)
        )
        coordinator.snap("14-growth-after")

        for person in people:
            assert person.page.watcher.errors == [], person.name
    finally:
        for person in people:
            person.context.close()
