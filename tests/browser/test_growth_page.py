"""The growth dashboard and the directory in a real headless Chromium."""

import pytest

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

CHARTS = ["chart-members", "chart-joins", "chart-sectors", "chart-states", "chart-groups"]


def _painted_pixels(page, canvas_id: str) -> int:
    """How many pixels of the canvas are not transparent: a drawn chart has many."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const context = canvas.getContext("2d");
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) painted++; }
            return painted;
        }""",
        canvas_id,
    )


def test_growth_dashboard_draws_its_charts_without_console_errors(page, shoot):
    sign_in(page, "member@example.org")
    page.get_by_role("button", name="Más").click()  # the navigation's less used pages
    page.get_by_role("link", name="Crecimiento").click()
    page.wait_for_url("**/growth")
    assert page.get_by_role("heading", name="Crecimiento de la coalición").is_visible()
    for canvas_id in CHARTS:  # each is drawn as it comes near the window
        page.locator(f"#{canvas_id}").scroll_into_view_if_needed()
        page.wait_for_selector(f"#{canvas_id}[data-drawn=true]")
        assert _painted_pixels(page, canvas_id) > 500, canvas_id
    assert page.locator("#year-ends").get_by_role("cell", name="2018").is_visible()
    shoot(page, "growth-dashboard")
    assert page.watcher.errors == []


def test_directory_searches_and_opens_a_profile(page, shoot):
    sign_in(page, "member@example.org")
    page.get_by_role("link", name="Instituciones").click()
    page.get_by_label("Nombre o siglas").fill("economia")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="Secretaría de Economía").click()
    assert page.get_by_role("heading", name="Secretaría de Economía").is_visible()
    shoot(page, "institution-profile")
    assert page.watcher.errors == []
