"""A form field with its label, help, length limit and errors: the HTML of the `field` macro
(templates/macros/forms.html), written in Python.

The macro ran about thirty Jinja statements per field (sets, a list and a dict built, three
messages formatted) around the two WTForms calls, and a form page shows five to ten fields:
about 40 % of each field's cost. The text is the macro's to the character, whitespace
included (`tests/core/test_form_field.py`); the messages that never change while the process
runs (the limit's texts in each language) are worked out once per catalogue.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import Field

from .i18n import DOMAIN, format_number_once


def N_(message: str) -> str:
    """Marks a message for the catalogue (`make extract-messages`); translated where shown."""
    return message


_COUNT = N_("%(count)s of %(limit)s characters.")
_OVER = N_(
    "%(count)s of %(limit)s characters: %(over)s too many. Shorten it before saving, or it "
    "will not be saved."
)
_RULE = N_("Up to %(limit)s characters.")
_SELECTS = ("SelectField", "QuerySelectField")

# {(catalogue, limit or None): text}: the catalogues live as long as the process.
_memo: dict[tuple[Any, int | None], Markup] = {}


def _limit_texts(limit: int) -> tuple[Markup, Markup]:
    """The limit's data attributes (counting texts, the thousands separator) and its rule."""
    translations = DOMAIN.get_translations()
    common = _memo.get((translations, None))
    if common is None:
        variables = {"count": "%(count)s", "limit": "%(limit)s", "over": "%(over)s"}
        common = _memo[(translations, None)] = Markup(
            ' data-thousands="{}"\n           data-count-text="{}"\n'
            '           data-over-text="{}"\n           '
        ).format(
            format_number_once(1000),
            Markup(translations.ugettext(_COUNT)) % variables,
            Markup(translations.ugettext(_OVER)) % variables,
        )
    rule = _memo.get((translations, limit))
    if rule is None:
        rule = _memo[(translations, limit)] = Markup(translations.ugettext(_RULE)) % {
            "limit": format_number_once(limit)
        }
    return common, rule


def form_field(f: Field, help: object = None, class_: object = "") -> Markup:  # noqa: A002
    """The `field(f, help=None, class_="")` macro's HTML."""
    errors = f.errors
    invalid = len(errors) > 0
    limit = f.flags.limit
    described = []
    if help:
        described.append(f.id + "-help")
    if limit:
        described.append(f.id + "-limit")
    if invalid:
        described.append(f.id + "-errors")
    attributes: dict[str, object] = {"maxlength": False}
    if described:
        attributes["aria-describedby"] = " ".join(described)
        attributes["aria-invalid"] = "true" if invalid else "false"
    if limit:
        attributes["data-limit"] = limit
    state = " is-invalid" if invalid else ""
    out = ["\n" + "  \n" * 9, '  <div class="mb-3 ', escape(class_), '">\n    \n']
    if f.type == "BooleanField":
        out += [
            '      <div class="form-check">\n        ',
            f(class_="form-check-input" + state, **attributes),
            "\n        ",
            f.label(class_="form-check-label"),
            "\n      </div>\n    \n",
        ]
    else:
        css = "form-select" if f.type in _SELECTS else "form-control"
        out += [
            "      ",
            f.label(class_="form-label"),
            "\n      \n      ",
            f(class_=css + state, **attributes),
            "\n    \n",
        ]
    out.append("    ")
    if help:
        out += ['<div id="', escape(f.id), '-help" class="form-text">', escape(help), "</div>"]
    out.append("\n    ")
    if limit:
        common, rule = _limit_texts(limit)
        out += [
            '\n      <div id="',
            escape(f.id),
            '-limit" class="form-text char-limit"',
            common,
            'data-quiet="true"' if f.type == "PasswordField" else "",
            '>\n        <span class="char-limit-rule">',
            rule,
            "</span>\n"
            '        <span class="char-limit-count"></span>\n'
            '        <span class="visually-hidden char-limit-alert" aria-live="polite"></span>\n'
            "      </div>\n    ",
        ]
    out.append("\n    ")
    if invalid:
        out += [
            '\n      <div id="',
            escape(f.id),
            '-errors" class="invalid-feedback d-block">\n        ',
        ]
        out += [Markup("<div>{}</div>").format(error) for error in errors]
        out.append("\n      </div>\n    ")
    out.append("\n  </div>\n")
    return Markup("".join(map(str, out)))
