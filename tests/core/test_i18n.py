"""Every user-visible string goes through a translation call, and Spanish is complete."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from models import Role

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "coalition_app" / "translations"
# Names of languages are written in their own language, on purpose; file formats are names.
ALLOWED_WORDS = {"Español", "English", "GEXF", "GraphML", "JSON", "CSV"}
VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")


def _template_text(source: str) -> list[str]:
    """Literal text of a template (outside {{ }}, {% %}, {# #}) that a person would read."""
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    literal = "".join(value for _, kind, value in env.lex(source) if kind == "data")
    found = []
    for attribute in VISIBLE_ATTRIBUTES:
        for value in re.findall(rf'\s{attribute}="([^"{{]*)"', literal):
            if re.search(r"[A-Za-zÁÉÍÓÚáéíóúñÑ]{2,}", value):
                found.append(f'{attribute}="{value}"')
    without_tags = re.sub(r"<script\b[^>]*>.*?</script>", " ", literal, flags=re.S)
    without_tags = re.sub(r"<[^>]*>", " ", without_tags)
    without_tags = re.sub(r"&[a-z]+;|&#\d+;", " ", without_tags)
    for word in re.findall(r"[A-Za-zÁÉÍÓÚáéíóúñÑ]{2,}", without_tags):
        if word not in ALLOWED_WORDS:
            found.append(word)
    return found


@pytest.mark.parametrize(
    "path", sorted(ROOT.glob("templates/**/*.html")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_templates_have_no_text_outside_translation_calls(path):
    assert _template_text(path.read_text()) == []


def test_the_checker_catches_raw_text():
    assert _template_text('<p title="Hola">Save now {{ _("ok") }}</p>') == [
        'title="Hola"',
        "Save",
        "now",
    ]
    assert _template_text('<p>{{ _("Save now") }} · 50%</p>') == []


def _spanish():
    with open(CATALOGUES / "es" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale="es")


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entry():
    untranslated, fuzzy = [], []
    for message in _spanish():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [] and fuzzy == []


def test_every_string_in_the_code_is_in_the_spanish_catalogue(tmp_path):
    """Extract afresh: a string added to the code but not to the catalogue fails here."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _spanish() if m.id}
    assert sorted(wanted - have) == []


# --- which language a page speaks ---------------------------------------------------------------


@pytest.mark.parametrize(
    "header,expected",
    [
        (None, "es"),
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("es-MX,es;q=0.9,en;q=0.5", "es"),
        ("fr-FR,fr;q=0.9", "es"),  # neither: Spanish
        ("fr,en;q=0.8,es;q=0.5", "en"),  # the best of the two it asks for
        ("de,es;q=0.4,en;q=0.3", "es"),
    ],
)
def test_with_no_choice_the_browser_language_picks(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in page
    assert ("Iniciar sesión" in page) == (expected == "es")


def test_an_explicit_choice_beats_the_browser_language(client, login_as):
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    client.post("/language/es", headers=english_browser)
    page = client.get("/login", headers=english_browser).get_data(as_text=True)
    assert '<html lang="es">' in page


def test_a_signed_in_persons_language_beats_the_browser_language(client, login_as):
    login_as(locale="es")
    with client.session_transaction() as browser_session:
        browser_session.pop("locale", None)
    page = client.get("/my-work", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page


# --- one register: Spanish speaks as *usted* ---------------------------------------------------

#: Forms that only *tú* uses: its pronouns and possessives, and every *tú* verb form this
#: catalogue ever held (imperatives, preterites, futures, presents, with their pronouns
#: attached). Left out on purpose: words *usted* shares ("activa" is also an adjective,
#: "cambia" and "cierra" are also third person).
TU_FORMS = {
    # pronouns and possessives
    "tú", "tu", "tus", "te", "ti", "contigo", "tuyo", "tuya", "tuyos", "tuyas",
    # imperatives
    "elige", "inicia", "escribe", "usa", "revoca", "crea", "agrega", "consulta", "espera",
    "prueba", "revisa", "recarga", "restaura", "repite", "dale", "ponle", "di", "envía",
    "restablece", "ignora", "abre", "indica", "uses",
    # with a pronoun attached
    "guárdalo", "guárdalos", "revócalo", "cópialo", "inténtalo", "quítalos", "revísala",
    "actívalo", "corrígelo",
    # preterite, future and present
    "olvidaste", "leíste", "fuiste", "enviaste", "usaste", "cerraste", "recibirás",
    "escribirás", "tienes", "pierdes", "necesites", "puedes", "quieres",
}  # fmt: skip


#: "consulta" after one of these is the noun (the national consultation), not the imperative.
NOUN_DETERMINERS = {"la", "una", "esta", "otra", "cada", "su", "nueva", "de"}


def _tu_forms(text: str) -> list[str]:
    words = re.findall(r"\w+", text)
    return [
        word
        for i, word in enumerate(words)
        if word.lower() in TU_FORMS
        and not (word.lower() == "consulta" and i and words[i - 1].lower() in NOUN_DETERMINERS)
    ]


def test_the_spanish_catalogue_speaks_as_usted_throughout():
    found = []
    for message in _spanish():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if message.id and _tu_forms(string):
                found.append((string, _tu_forms(string)))
    assert found == []


def test_the_register_check_catches_tu_and_spares_usted():
    assert _tu_forms("Elige una contraseña para tu cuenta; inténtalo de nuevo.") == [
        "Elige",
        "tu",
        "inténtalo",
    ]
    assert _tu_forms("¿Olvidaste tu contraseña? Te enviaremos un enlace.") == [
        "Olvidaste",
        "tu",
        "Te",
    ]
    assert _tu_forms("Elija una institución miembro activa; cuando cambia su contraseña") == []
    assert _tu_forms("Inicie sesión. Use al menos 12 caracteres. Diga qué debe cambiar.") == []


# --- counts say their word in the singular or the plural ---------------------------------------

#: Placeholders followed by a plural word that are settings, never one: a length limit, the
#: days "due soon" covers, the weeks before a deliverable is stale, the sample size, the
#: token limit; "shown" is the table's limit of rows, only shown when there are more. The
#: network's "Shown: … institutions, … links" is formatted in JavaScript (not yet plural);
#: "high" is the top of the phone's range of digits.
NOT_COUNTS = {"limit", "n", "k", "days", "weeks", "count", "shown", "nodes", "edges", "high"}


def test_a_count_followed_by_a_plural_word_goes_through_ngettext():
    singular_only = []
    for message in _spanish():
        if not message.id or not isinstance(message.id, str):
            continue  # plural entries choose their form
        for placeholder, word in re.findall(r"%\((\w+)\)[sd] (\w+s)\b", message.string):
            if placeholder not in NOT_COUNTS:
                singular_only.append((message.string, placeholder, word))
    assert singular_only == []


def test_one_of_a_kind_reads_in_the_singular(client, login_as, make_institution, make_group):
    from datetime import date

    login_as(Role.COORDINATOR)  # their own institution: one active
    make_institution(name="Se fue AC", joined_on=date(2019, 1, 1), left_on=date(2020, 1, 1))
    directory = client.get("/institutions").get_data(as_text=True)
    assert "1 activa, 1 exmiembro" in directory
    assert "antiguas" not in directory and "1 activas" not in directory

    make_group(slug="unico")
    home = " ".join(client.get("/").get_data(as_text=True).split())
    figures = re.findall(r'<p class="figure-label mb-0">([^<]*)</p>', home)
    assert "institución miembro activa" in figures
    assert "sector representado" in figures
    assert "grupo de trabajo" in figures
    assert "entregables vencen en los próximos 30 días" in figures  # none: plural

    content = (
        "name,acronym,sector,state,website,joined_on,left_on,founder,basis,source\n"
        "Nueva Única AC,,academia,,,2020-01-01,,no,,\n"
    ).encode()
    preview = client.post(
        "/institutions/import",
        data={"file": (io.BytesIO(content), "institutions.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 nueva, 0 por actualizar, 0 sin cambios, 0 con errores" in preview


def test_the_digest_line_counts_in_the_singular_and_plural(app):
    from flask_babel import force_locale

    from coalition_app.notifications.service import message
    from models import Notification, NotificationKind

    one = Notification(
        kind=NotificationKind.DIGEST, params={"group": "Ética", "moved": 1, "stale": 1, "due": 2}
    )
    with app.test_request_context(), force_locale("es"):
        assert message(one) == (
            "Resumen semanal de Ética: 1 actualización, 1 detenido, 2 por vencer."
        )
    with app.test_request_context(), force_locale("en"):
        assert message(one) == "Weekly digest of Ética: 1 update, 1 stale, 2 due soon."


def test_no_two_meanings_share_a_spanish_word():
    """ "Estado" was both the federal entity and the situation of work; "Antigua" read as
    "old". Now: "Entidad" / "Situación", and "Exmiembro" for an institution that left."""
    words = {"State": "Entidad", "Status": "Situación", "Former": "Exmiembro"}
    by_id = {message.id: message.string for message in _spanish() if message.id}
    assert {english: by_id[english] for english in words} == words
    for message in _spanish():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert not re.search(r"\b(estados?|antigu[oa]s?)\b", string, re.I), string


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_templates_memoised_numbers_and_dates_read_as_flask_babels(app, language):
    from datetime import date

    import flask_babel

    from coalition_app.core import i18n

    with app.test_request_context(headers={"Accept-Language": language}):
        for number in (0, 7, 1234, 12345678, 12.5, 3.14159):
            assert i18n.format_number_once(number) == flask_babel.format_number(number)
            assert i18n.format_decimal_once(number, "#,##0.#") == flask_babel.format_decimal(
                number, "#,##0.#"
            )
            # A table's formatters, made for the request's language.
            assert i18n.number_formatter()(number) == flask_babel.format_number(number)
            assert i18n.number_formatter("0.000")(number) == flask_babel.format_decimal(
                number, "0.000"
            )
        for pattern in (None, "short", "medium", "long", "d MMM"):
            day = date(2026, 3, 4)
            assert i18n.format_date_once(day, pattern) == flask_babel.format_date(day, pattern)
            if pattern is not None:  # a table's formatter names its pattern ("medium" unsaid)
                assert i18n.date_formatter(pattern)(day) == flask_babel.format_date(day, pattern)


def test_messages_follow_force_locale_inside_a_request(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert gettext("Meetings held") == "Reuniones realizadas"
        with force_locale("en"):
            assert gettext("Meetings held") == "Meetings held"
        assert gettext("Meetings held") == "Reuniones realizadas"


def test_memoised_moments_follow_the_language_and_the_zone(app):
    """The templates' `format_datetime` is memoised, and so is a list's `datetime_formatter`:
    the same moment reads differently in another language and in another zone, as
    Flask-Babel's own reads it."""
    from datetime import UTC, datetime

    import flask_babel
    from flask_babel import force_locale

    from coalition_app import create_app
    from coalition_app.core import i18n
    from config import TestConfig

    moment = datetime(2026, 3, 4, 18, 30, tzinfo=UTC)
    naive = datetime(2026, 3, 4, 18, 30)  # read as UTC, as Flask-Babel reads it
    seen = set()
    in_utc = TestConfig("sqlite://")
    in_utc.BABEL_DEFAULT_TIMEZONE = "UTC"
    for each_app in (app, create_app(in_utc)):
        with each_app.test_request_context(headers={"Accept-Language": "es"}):
            for language in ("es", "en"):
                with force_locale(language):
                    for value in (moment, naive):
                        for pattern in (None, "short", "medium", "long"):
                            text = i18n.format_datetime_once(value, pattern)
                            assert text == flask_babel.format_datetime(value, pattern)
                            assert i18n.format_datetime_once(value, pattern) == text  # remembered
                            # A list's formatter: the language and zone it was made in.
                            assert i18n.datetime_formatter(pattern)(value) == text
                    seen.add(i18n.format_datetime_once(moment, "short"))
    # Mexico City and UTC, each in two languages.
    assert seen == {
        "4/3/26, 12:30",
        "3/4/26, 12:30\u202fPM",
        "4/3/26, 18:30",
        "3/4/26, 6:30\u202fPM",
    }


def test_labels_follow_the_language(app):
    from flask_babel import force_locale

    from coalition_app.core.labels import field_label, label, status_label_of
    from models import WorkStatus

    with app.test_request_context(headers={"Accept-Language": "es"}):
        for _ in range(2):  # the second time from the memo
            assert (label(WorkStatus.DONE), status_label_of("done")) == ("Terminado", "Terminado")
            assert field_label("due_on") == "Fecha límite"
            with force_locale("en"):
                assert (label(WorkStatus.DONE), field_label("due_on")) == ("Done", "Due date")
        assert (label("not-a-status"), field_label("nothing"), status_label_of("x")) == (
            "not-a-status",
            "nothing",
            "x",
        )


@pytest.mark.parametrize(
    ("language", "required"),
    [("es", "Este campo es obligatorio."), ("en", "This field is required.")],
)
def test_wtforms_messages_are_loaded_once_per_language(app, monkeypatch, language, required):
    """Flask-WTF loaded WTForms' catalogue from disk for every request with a form; the
    request now hands it the one kept per language."""
    from babel import support
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from coalition_app.core import i18n

    class OneField(FlaskForm):
        name = StringField(validators=[DataRequired()])

    i18n.wtforms_catalogue.cache_clear()
    loads = []
    real_load = support.Translations.load
    monkeypatch.setattr(
        support.Translations, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k)
    )
    for _ in range(3):
        with app.test_request_context(
            method="POST", data={"name": ""}, headers={"Accept-Language": language}
        ):
            form = OneField(meta={"csrf": False})
            assert not form.validate()
            assert form.name.errors == [required]
    assert len(loads) == 1


def test_labels_outside_an_app_keep_their_memo_bounded():
    # Outside an app each call gets a catalogue of its own (Flask-Babel's null one): the
    # labels still read in English, and the memo does not grow with the calls.
    from coalition_app.core import labels
    from models import WorkStatus

    for _ in range(3 * labels._MAX_TEXTS):
        assert labels.label(WorkStatus.DONE) == "Done"
    assert len(labels._TEXTS) <= labels._MAX_TEXTS
