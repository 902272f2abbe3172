"""Issue 13: two-factor enrolment shows the otpauth link as a QR code drawn on the server (segno),
served as an image of this session's own offered secret, never stored; the typed key stays."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pyotp
import pytest
import segno

from coalition_app.account.views import ENROL_SECRET_KEY
from coalition_app.core.extensions import limiter
from tests.account.test_two_factor import enrol

QR_PATH = "/account/security/two-factor/qr.svg"
BORDER = 4  # the quiet zone, in modules


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    with app.app_context():
        limiter.reset()


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (column, row) an SVG drawn by segno paints: its path of one-module
    strokes ("M4 4.5h7m2 0h1..."), read back without segno."""
    path = re.search(r'<path[^>]*class="qrline"[^>]*\sd="([^"]+)"', svg)
    assert path, svg[:300]
    modules: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", path.group(1)):
        values = [float(n) for n in numbers.replace("-", " -").split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            modules.update((int(x) + i, int(y)) for i in range(int(values[0])))
            x += values[0]
    return modules


def expected_modules(uri: str) -> set[tuple[int, int]]:
    """What a QR code of `uri` (error correction M) holds, placed inside the quiet zone."""
    matrix = segno.make(uri, error="m", micro=False, boost_error=False).matrix
    return {
        (column + BORDER, row + BORDER)
        for row, cells in enumerate(matrix)
        for column, dark in enumerate(cells)
        if dark
    }


def test_enrolment_shows_a_qr_code_of_the_link_and_keeps_the_key_to_type(client, login_as):
    user = login_as(email="qr.person@example.org")
    page = client.get("/account/security").get_data(as_text=True)
    image = re.search(r'<img id="totp-qr"[^>]*>', page)
    assert image, "no QR code on the enrolment page"
    assert f'src="{QR_PATH}"' in image.group(0)  # our own route: no outside service
    assert re.search(r'alt="[^"]{10,}"', image.group(0))
    shown = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', page)
    assert shown, "the key to type by hand is gone"
    secret = shown.group(1).replace(" ", "")
    uri = html.unescape(re.search(r'<code id="totp-uri"[^>]*>([^<]+)</code>', page).group(1))
    assert uri == (f"otpauth://totp/Coalition:{quote(user.email)}?secret={secret}&issuer=Coalition")

    response = client.get(QR_PATH)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"
    svg = response.get_data(as_text=True)
    assert "<script" not in svg and "style=" not in svg and "http://www.w3.org/2000/svg" in svg
    drawn = dark_modules(svg)
    assert drawn == expected_modules(uri)
    # Not the code of some other secret: one letter changed, another picture.
    changed = ("A" if secret[0] != "A" else "B") + secret[1:]
    other = uri.replace(f"secret={secret}", f"secret={changed}")
    assert drawn != expected_modules(other)
    # The same secret as the page on every request of this session, until enrolment.
    assert dark_modules(client.get(QR_PATH).get_data(as_text=True)) == drawn


def test_the_code_follows_the_secret_the_session_offers(client, login_as):
    login_as()
    client.get("/account/security")
    first = client.get(QR_PATH).get_data(as_text=True)
    with client.session_transaction() as session:
        session[ENROL_SECRET_KEY] = pyotp.random_base32()
    assert dark_modules(client.get(QR_PATH).get_data(as_text=True)) != dark_modules(first)


def test_no_qr_code_once_two_factor_is_on_nor_without_an_offered_secret(client, login_as):
    login_as()
    # Straight to the image, before the page offered a secret: nothing to draw.
    assert client.get(QR_PATH).status_code == 404
    enrol(client)
    assert client.get(QR_PATH).status_code == 404
    page = client.get("/account/security").get_data(as_text=True)
    assert 'id="totp-qr"' not in page


def test_signed_out_the_qr_code_is_not_served(client):
    response = client.get(QR_PATH)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
