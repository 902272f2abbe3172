"""Applying to join on a phone (390 px): the form fits, the honeypot is out of sight and out
of reach, and sending it says to check the e-mail."""

import pytest

pytestmark = pytest.mark.browser


def test_apply_to_join_on_a_phone(page, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/unete")
    assert page.get_by_role("heading", name="Únase a la coalición").is_visible()
    # The honeypot: not visible, not focusable by Tab, hidden from assistive technology.
    trap = page.locator("input[name=homepage]")
    assert not trap.is_visible() or trap.bounding_box()["x"] < 0
    assert trap.get_attribute("tabindex") == "-1"
    page.get_by_label("Nombre de la institución").fill("Observatorio de IA del Bajío")
    page.get_by_label("Siglas").fill("OIAB")
    page.get_by_label("Sector").select_option("civil_society")
    page.get_by_label("Entidad").select_option("MX-GUA")
    page.get_by_label("Su nombre").fill("Lucía Torres")
    page.get_by_label("Su correo").fill("lucia@oiab.example.mx")
    page.locator("input[name=groups]").first.check()
    page.get_by_label("¿Por qué desea unirse su institución?").fill("Queremos aportar datos.")
    assert page.locator("#motivation-limit").is_visible()  # the limit, said before it bites
    page.get_by_label("Aceptamos los principios de la coalición.").check()
    page.get_by_label("He leído y acepto el aviso de privacidad.").check()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    shoot(page, "join-form-390")
    page.get_by_role("button", name="Enviar la solicitud").click()
    page.wait_for_selector("text=Revise su correo")
    assert "lucia@oiab.example.mx" in page.locator("main").inner_text()
    shoot(page, "join-sent-390")
    assert page.watcher.errors == []
