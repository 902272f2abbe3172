"""A radio or checkbox list's options, written without WTForms' subfields.

Iterating a `RadioField` or `SelectMultipleField` builds a whole `Field` per option (its
flags, label and data processed) before `html_params` formats each attribute: about 800
Python calls an option, most of the inbox's page. `choice_list` gives the template loop's
text for the two widgets the app lists options with, and falls back to WTForms' subfields for
anything else (`tests/work/test_choice_list.py` compares them). It belongs with the other
widgets in `core/fields.py` (see /work/briefs/work-findings.md).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.fields.choices import SelectFieldBase
from wtforms.meta import DefaultMeta
from wtforms.widgets.core import CheckboxInput, RadioInput, clean_key

from ..core.fields import html_attributes

_PLAIN_WIDGETS = {CheckboxInput: CheckboxInput.__call__, RadioInput: RadioInput.__call__}


def _plain(field: Any) -> bool:
    """Whether the options are what `choice_list` writes: the stock iteration, option class,
    option widget, label and rendering."""
    widget = field.option_widget
    return (
        _PLAIN_WIDGETS.get(type(widget)) is type(widget).__call__
        and type(field).__iter__ is SelectFieldBase.__iter__
        and type(field)._Option is SelectFieldBase._Option
        and SelectFieldBase._Option.__call__ is Field.__call__
        and type(field.meta).render_field is DefaultMeta.render_field
    )


def choice_list(
    field: Any,
    indent: str,
    input_class: str = "form-check-input",
    label_class: str = "form-check-label",
) -> Markup:
    """The output of this template loop, `indent` being the spaces before its lines::

    {% for option in field %}
    <div class="form-check">{{ option(class_=input_class) }} {{ option.label(class_=label_class) }}</div>
    {% endfor %}
    """  # noqa: E501 (the loop as it was written)
    before, after = f"\n{indent}", f"</div>\n{indent}"
    if not _plain(field):
        return Markup(
            "".join(
                f'{before}<div class="form-check">{option(class_=input_class)} '
                f"{option.label(class_=label_class)}{after}"
                for option in field
            )
        )
    # The option's flags: its validators' (the field's) and its widget's, as Field.__init__.
    widget = field.option_widget
    flags: dict[str, Any] = {}
    for source in (*field.validators, widget):
        flags.update(getattr(source, "field_flags", {}))
    given = {clean_key(k): v for k, v in (field.render_kw or {}).items()}
    given["class"] = input_class
    for k in widget.validation_attrs:
        if k in flags and k not in given:
            value = flags[k]
            given[k] = value() if callable(value) else value
    lines = []
    for i, choice in enumerate(field._iter_choices_normalized()):
        attributes = dict(given)
        option_id = f"{field.id}-{i}"
        if choice.selected:
            attributes.setdefault("checked", True)
        attributes.setdefault("id", option_id)
        attributes.setdefault("type", widget.input_type)
        attributes.setdefault("value", str(choice.value))
        attributes["name"] = field.name
        text = choice.label or choice.value
        label = html_attributes({"class_": label_class, "for": option_id})
        lines.append(
            f'{before}<div class="form-check"><input {html_attributes(attributes)}> '
            f"<label {label}>{escape(text)}</label>{after}"
        )
    return Markup("".join(lines))
