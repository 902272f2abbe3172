"""Every text a person types follows two rules, in every input (forms, CSV import, API):

- a length limit, said on the page before anything is typed and counted while typing, with
  what is over it refused by a message next to the field (never cut silently: no `maxlength`,
  which makes the browser drop the rest of a pasted text);
- no control characters other than tab and newline (carriage return too in multi-line text),
  which are invisible and make the network's XML exports unreadable for everyone.

The walk below covers every form class of every feature, so a new text field without the
rule fails here.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

import coalition_app
from coalition_app.core.forms import Limit, PlainText
from models import Institution, Role


def _form_classes() -> list[type[FlaskForm]]:
    found: dict[str, type[FlaskForm]] = {}
    for module_info in pkgutil.walk_packages(coalition_app.__path__, "coalition_app."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, FlaskForm)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__name__}"] = value
    return [found[name] for name in sorted(found)]


FORMS = _form_classes()


def _fields(app, form_class, data=None):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict(data or {}), meta={"csrf": False})
        return form, list(form)


def _typed_fields(app):
    """(form class, field name, field type, limit validator) of every field one types in."""
    rows = []
    for form_class in FORMS:
        _form, fields = _fields(app, form_class)
        for field in fields:
            if isinstance(field, HiddenField) or not isinstance(field, StringField):
                continue
            limits = [v for v in field.validators if isinstance(v, Limit)]
            rows.append((form_class, field.name, type(field), limits))
    return rows


def test_the_walk_finds_the_forms_it_must_cover(app):
    names = {f.__name__ for f in FORMS}
    assert {"DeliverableForm", "ProgressForm", "InstitutionForm", "InviteForm", "TokenForm"} <= (
        names
    )
    assert len(_typed_fields(app)) >= 25


def test_every_typed_field_has_a_limit_and_text_fields_refuse_control_characters(app):
    for form_class, name, field_type, limits in _typed_fields(app):
        where = f"{form_class.__name__}.{name}"
        assert len(limits) == 1, f"{where}: no Limit/PlainText validator"
        if field_type is PasswordField:
            continue  # hashed, never shown nor exported: only the length counts
        assert isinstance(limits[0], PlainText), f"{where}: not PlainText"
        assert limits[0].multiline == (field_type is TextAreaField), where


def test_every_limit_is_said_before_typing_and_never_cuts_what_is_pasted(app):
    template = '{% from "macros/forms.html" import field %}{{ field(f) }}'
    for form_class, name, _type, limits in _typed_fields(app):
        limit = limits[0].limit
        with app.test_request_context():
            form = form_class(meta={"csrf": False})
            html = render_template_string(template, f=form[name])
        where = f"{form_class.__name__}.{name}"
        assert "maxlength" not in html, where
        assert f'data-limit="{limit}"' in html, where
        assert re.search(rf"Hasta {limit:,}".replace(",", "[.\u00a0 ]?") + " caracteres", html), (
            where
        )
        assert f'aria-describedby="{form[name].id}-limit"' in html, where


def test_every_limited_field_refuses_what_is_over_it_with_a_message(app):
    for form_class, name, _type, limits in _typed_fields(app):
        limit = limits[0].limit
        with app.test_request_context(method="POST"):
            form = form_class(formdata=MultiDict({name: "a" * (limit + 1)}), meta={"csrf": False})
            form[name].validate(form)
            errors = " ".join(str(error) for error in form[name].errors)
        where = f"{form_class.__name__}.{name}"
        assert limits[0].message is not None or (
            "Como máximo" in errors and "Acórtelo" in errors
        ), (where, errors)
        assert errors, where


@pytest.mark.parametrize("character", ["\x1b", "\x00", "\x07", "\x7f", "\x85", "\ufffe"])
def test_every_text_field_refuses_control_characters_with_a_message(app, character):
    for form_class, name, field_type, _limits in _typed_fields(app):
        if field_type is PasswordField:
            continue
        with app.test_request_context(method="POST"):
            formdata = MultiDict({name: f"Nombre{character}X"})
            form = form_class(formdata=formdata, meta={"csrf": False})
            form[name].validate(form)
        refused = any(
            f"U+{ord(character):04X}" in error and "caracteres de control" in error
            for error in form[name].errors
        )
        # A field whose filter folds whitespace (a token's name) turns U+0085 into a space.
        cleaned = character not in (form[name].data or "")
        assert refused or (cleaned and form_class.__name__ == "TokenForm"), (
            form_class.__name__,
            name,
            form[name].errors,
        )


def test_tab_and_newline_are_text_and_carriage_return_only_in_multi_line_text(app):
    from coalition_app.directory.forms import InstitutionForm
    from coalition_app.work.forms import ProgressForm

    with app.test_request_context(method="POST"):
        form = InstitutionForm(formdata=MultiDict({"source": "a\tb\nc"}), meta={"csrf": False})
        form.source.validate(form)
        assert form.source.errors == []
        form = InstitutionForm(formdata=MultiDict({"source": "a\rb"}), meta={"csrf": False})
        form.source.validate(form)
        assert "U+000D" in " ".join(form.source.errors)
        form = ProgressForm(formdata=MultiDict({"note": "uno\r\ndos\tb"}), meta={"csrf": False})
        form.note.validate(form)
        assert form.note.errors == []
        assert form.note.data == "uno\ndos\tb"  # counted and stored as the page counts it


# --- end to end: what is refused is kept in the form, and nothing is written -----------------


def test_an_institution_name_with_esc_is_refused_by_the_form(client, login_as, db_session):
    login_as(Role.COORDINATOR)
    before = db_session.scalar(select(func.count()).select_from(Institution))
    response = client.post(
        "/institutions/new",
        data={"name": "Instituto\x1b[31m Rojo", "sector": "academia", "joined_on": "2020-01-01"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Quite los caracteres de control (U+001B) de este texto" in html
    assert db_session.scalar(select(func.count()).select_from(Institution)) == before


def test_a_csv_import_with_control_characters_is_refused_row_by_row(
    app, client, login_as, db_session, tmp_path
):
    app.instance_path = str(tmp_path)
    login_as(Role.COORDINATOR)
    before = db_session.scalar(select(func.count()).select_from(Institution))
    content = (
        b"name,acronym,sector,state,website,joined_on,left_on,founder,basis,source\n"
        b"Buena AC,BAC,academia,MX-CMX,,2020-01-01,,no,documented,\n"
        b"Mala\x1b AC,MAC,academia,MX-CMX,,2020-01-01,,no,documented,\n"
        b"Otra AC,O\x07AC,academia,MX-CMX,,2020-01-01,,no,documented,\n"
    )
    response = client.post(
        "/institutions/import",
        data={"file": (io.BytesIO(content), "institutions.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "name: quite los caracteres de control (U+001B)." in html
    assert "acronym: quite los caracteres de control (U+0007)." in html
    assert db_session.scalar(select(func.count()).select_from(Institution)) == before
