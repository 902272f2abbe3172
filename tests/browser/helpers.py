"""What browser tests share: the demo password, a watcher of console errors and failed
requests, signing in through the page, and the language switch."""

from __future__ import annotations

DEMO_PASSWORD = "coalition-demo"


class PageWatcher:
    """Collects console errors and failed requests so a test can assert there were none."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_request_failed(self, request) -> None:
        # A navigation cancels what the previous page was still loading (ERR_ABORTED):
        # that is the browser's housekeeping, not a broken request.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"requestfailed: {request.url} ({request.failure})")

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _on_response(self, response) -> None:
        # Only our own assets count; an expected 404 page is asserted by the test itself.
        if response.status >= 400 and "/static/" in response.url:
            self.errors.append(f"{response.status}: {response.url}")


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/")


def choose_language(page, lang: str) -> None:
    """Press the footer's language button. Signed out, the choice lasts for the browser's session
    (signing in keeps it); signed in, it is also kept on the account for later sign-ins."""
    from playwright.sync_api import expect

    name = {"es": "Español", "en": "English"}[lang]
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("button", name=name, exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
