"""A form field with its label, help, length limit and errors: the HTML of the `field` macro
(templates/macros/forms.html), written in Python.

The macro ran about thirty Jinja statements per field (sets, a list and a dict built, three
messages formatted) around the two WTForms calls, and a form page shows five to ten fields:
about 40 % of each field's cost. The text is the macro's to the character, whitespace
included (`tests/core/test_form_field.py`); the messages that never change while the process
runs (the limit's texts in each language) are worked out once per catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.fields.choices import SelectFieldBase
from wtforms.fields.core import Label
from wtforms.meta import DefaultMeta
from wtforms.widgets.core import (
    CheckboxInput,
    HiddenInput,
    Input,
    NumberInput,
    PasswordInput,
    RadioInput,
    Select,
    TextArea,
    _DateTimeBaseInput,
    clean_key,
)

from .html import escape_each
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
            render_widget(f, class_="form-check-input" + state, **attributes),
            "\n        ",
            render_label(f, "form-check-label"),
            "\n      </div>\n    \n",
        ]
    else:
        css = "form-select" if f.type in _SELECTS else "form-control"
        out += [
            "      ",
            render_label(f, "form-label"),
            "\n      \n      ",
            render_widget(f, class_=css + state, **attributes),
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


# --- WTForms' widgets, written without `Markup.format` ----------------------------------------
#
# WTForms formats each attribute of each input, label and option with `Markup.format`
# (`wtforms.widgets.core.html_params`), about ten Python calls an attribute: 18 times on a task
# page, a select of fifty people once per option. The functions below give the same HTML for
# the widgets the app uses (the same sorting, key cleaning and escaping, the same flags read);
# any other widget, a field with a `__call__` or meta of its own, or a label of its own is
# rendered by WTForms (`tests/core/test_form_field.py` compares them).

_keys: dict[str, str] = {}


def html_attributes(attributes: dict[str, Any]) -> str:
    """`wtforms.widgets.html_params(**attributes)`, as a plain string of the same text."""
    params = []
    for k in sorted(attributes):
        v = attributes[k]
        if v is False:
            continue
        key = _keys.get(k)
        if key is None:
            key = _keys[k] = str(escape(clean_key(k)))
        if v is True:
            params.append(key)
        else:
            params.append(f'{key}="{str(escape(v)).replace(chr(34), "&quot;")}"')
    return " ".join(params)


def _validation_attributes(widget: Any, field: Field, kwargs: dict[str, Any], call: bool) -> None:
    # `for k in dir(flags)`: a flag is an attribute of the instance (Flags has no other).
    flags = vars(field.flags)
    for k in widget.validation_attrs:
        if k in flags and k not in kwargs:
            value = flags[k]
            kwargs[k] = value() if call and callable(value) else value


def _input(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    """`wtforms.widgets.Input.__call__`."""
    kwargs.setdefault("id", field.id)
    kwargs.setdefault("type", widget.input_type)
    if "value" not in kwargs:
        kwargs["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in kwargs:
        kwargs["list"] = datalist if isinstance(datalist, str) else datalist.id
    _validation_attributes(widget, field, kwargs, call=True)
    return Markup(f"<input {html_attributes(dict(name=field.name, **kwargs))}>")


def _password(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    if widget.hide_value:
        kwargs["value"] = ""
    return _input(widget, field, kwargs)


def _radio(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    """`wtforms.widgets.RadioInput.__call__` (one option of a RadioField)."""
    if field.checked:
        kwargs.setdefault("checked", True)
    return _input(widget, field, kwargs)


def _checkbox(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    if getattr(field, "checked", field.data):
        kwargs.setdefault("checked", True)
    return _input(widget, field, kwargs)


def _datetime(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    """`wtforms.widgets.core._DateTimeBaseInput.__call__` (dates and times)."""
    format_ = getattr(field, "format", None)
    if format_ is not None:
        format_ = format_[0] if isinstance(format_, list) else format_
        for attr in ("min", "max"):
            value: Any = kwargs.get(attr, getattr(field.flags, attr, None))
            if callable(value):
                value = value()
            if hasattr(value, "strftime"):
                kwargs[attr] = value.strftime(format_)
    return _input(widget, field, kwargs)


def _number(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    """`wtforms.widgets.NumberInput.__call__`."""
    if widget.step is not None:
        kwargs.setdefault("step", widget.step)
    if widget.min is not None:
        kwargs.setdefault("min", widget.min)
    if widget.max is not None:
        kwargs.setdefault("max", widget.max)
    return _input(widget, field, kwargs)


def _textarea(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    """`wtforms.widgets.TextArea.__call__`."""
    kwargs.setdefault("id", field.id)
    _validation_attributes(widget, field, kwargs, call=False)
    attributes = html_attributes(dict(name=field.name, **kwargs))
    return Markup(f"<textarea {attributes}>\r\n{escape(field._value())}</textarea>")


def _option(choice: Any) -> str:
    """`wtforms.widgets.Select.render_option(choice)`."""
    value = choice.value
    if isinstance(value, bool):
        value = str(value)
    options = {"value": value, **(choice.render_kw or {})}
    if choice.selected:
        options["selected"] = True
    return f"<option {html_attributes(options)}>{escape(choice.label or choice.value)}</option>"


def _options_of(choices: list[Any], render: Callable[[Any], str]) -> list[str]:
    """Each choice's `<option>`. Without attributes of their own, as `_option` writes them
    with the values and labels escaped in one call: a picker of a hundred institutions or
    deliverables spent some ten calls an option in `_option`."""
    if render is not _option or any(choice.render_kw for choice in choices):
        return [render(choice) for choice in choices]
    texts = escape_each(
        [choice.value for choice in choices] + [choice.label or choice.value for choice in choices]
    )
    count = len(choices)
    return [
        f"<option {'selected ' if choice.selected else ''}"
        f'value="{value.replace(chr(34), "&quot;")}">{label}</option>'
        for choice, value, label in zip(choices, texts[:count], texts[count:], strict=True)
    ]


_options: dict[type, Callable[[Any], str]] = {}


def _select(widget: Any, field: Field, kwargs: dict[str, Any]) -> Markup:
    """`wtforms.widgets.Select.__call__`."""
    kwargs.setdefault("id", field.id)
    if widget.multiple:
        kwargs["multiple"] = True
    _validation_attributes(widget, field, kwargs, call=False)
    html = [f"<select {html_attributes(dict(name=field.name, **kwargs))}>"]
    kind = type(widget)
    render = _options.get(kind)
    if render is None:
        # WTForms reads the method's signature (inspect) on every select; it is the class's.
        plain = kind.render_option.__func__ is Select.render_option.__func__
        render = _options[kind] = _option if plain else kind._dispatch_render_option()
    if field.has_groups():
        for group, group_choices in field._iter_groups_normalized():
            if group is not None:
                html.append(f"<optgroup {html_attributes({'label': group})}>")
            html += _options_of(list(group_choices), render)
            if group is not None:
                html.append("</optgroup>")
    else:
        html += _options_of(list(field._iter_choices_normalized()), render)
    html.append("</select>")
    return Markup("".join(html))


def _renderer(kind: type) -> Callable[[Any, Field, dict[str, Any]], Markup] | None:
    """The function giving the HTML of a widget of this class, or None for WTForms' own."""
    call = kind.__call__
    if call is Input.__call__ and issubclass(kind, Input):
        return _input
    if call is _DateTimeBaseInput.__call__ and issubclass(kind, _DateTimeBaseInput):
        return _datetime
    if call is NumberInput.__call__ and issubclass(kind, NumberInput):
        return _number
    if call is PasswordInput.__call__ and issubclass(kind, PasswordInput):
        return _password
    if call is RadioInput.__call__ and issubclass(kind, RadioInput):
        return _radio
    if call is CheckboxInput.__call__ and issubclass(kind, CheckboxInput):
        return _checkbox
    if call is TextArea.__call__ and issubclass(kind, TextArea):
        return _textarea
    if call is Select.__call__ and issubclass(kind, Select):
        return _select
    return None


_renderers: dict[type, Callable[[Any, Field, dict[str, Any]], Markup] | None] = {}


def render_field(f: Field, render_kw: dict[str, Any]) -> Markup:
    """`DefaultMeta.render_field(f, render_kw)`: the widget's HTML with these attributes,
    written here for the widgets above and by WTForms for the others."""
    kind = type(f.widget)
    try:
        renderer = _renderers[kind]
    except KeyError:
        renderer = _renderers[kind] = _renderer(kind)
    other = getattr(f, "render_kw", None)
    if renderer is None:
        return Markup(f.widget(f, **(render_kw if other is None else dict(other, **render_kw))))
    attributes = {clean_key(k): v for k, v in render_kw.items()}
    if other is not None:
        attributes = dict({clean_key(k): v for k, v in other.items()}, **attributes)
    return renderer(f.widget, f, attributes)


class FieldsMeta:
    """A form's Meta whose fields render through `render_field`: `{{ form.x() }}`,
    `{{ option(class_=...) }}` of a radio list and `form.hidden_tag()` give WTForms' HTML
    without its `html_params` (some 500 calls a widget: a form's hidden fields cost about
    1,250). `core.forms.Form` has it."""

    def render_field(self, field: Field, render_kw: dict[str, Any]) -> Markup:
        return render_field(field, render_kw)


#: The Metas whose `render_field` is WTForms' own or this module's.
_PLAIN_RENDERING = (DefaultMeta.render_field, FieldsMeta.render_field)


def render_widget(f: Field, **kwargs: Any) -> Markup:
    """`f(**kwargs)`: the field's widget with these attributes, the same HTML."""
    if type(f).__call__ is not Field.__call__ or type(f.meta).render_field not in _PLAIN_RENDERING:
        return Markup(f(**kwargs))
    return render_field(f, kwargs)


# --- radio and checkbox lists ------------------------------------------------------------------

_OPTION_WIDGETS = {CheckboxInput: CheckboxInput.__call__, RadioInput: RadioInput.__call__}


def _plain_options(field: Any) -> bool:
    """Whether the options are what `choice_options` writes: the stock iteration, option
    class, option widget, label and rendering."""
    widget = field.option_widget
    return (
        _OPTION_WIDGETS.get(type(widget)) is type(widget).__call__
        and type(field).__iter__ is SelectFieldBase.__iter__
        and type(field)._Option is SelectFieldBase._Option
        and SelectFieldBase._Option.__call__ is Field.__call__
        and type(field.meta).render_field in _PLAIN_RENDERING
    )


def choice_options(
    field: Any, input_class: str = "form-check-input", label_class: str = "form-check-label"
) -> list[str]:
    """Each option of a radio or checkbox list (a `RadioField`, a `SelectMultipleField` of
    checkboxes) as ``{{ option(class_=input_class) }} {{ option.label(class_=label_class) }}``
    writes it, without WTForms' subfields: iterating the field builds a whole `Field` per
    option (its flags, label and data processed), about 800 calls an option. Anything else
    is rendered by WTForms."""
    if not _plain_options(field):
        return [
            f"{option(class_=input_class)} {option.label(class_=label_class)}" for option in field
        ]
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
    choices = list(field._iter_choices_normalized())
    texts = escape_each([choice.label or choice.value for choice in choices])
    out = []
    for i, (choice, text) in enumerate(zip(choices, texts, strict=True)):
        attributes = dict(given)
        option_id = f"{field.id}-{i}"
        if choice.selected:
            attributes.setdefault("checked", True)
        attributes.setdefault("id", option_id)
        attributes.setdefault("type", widget.input_type)
        attributes.setdefault("value", str(choice.value))
        attributes["name"] = field.name
        label = html_attributes({"class_": label_class, "for": option_id})
        out.append(f"<input {html_attributes(attributes)}> <label {label}>{text}</label>")
    return out


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
    return Markup(
        "".join(
            [
                f'{before}<div class="form-check">{option}{after}'
                for option in choice_options(field, input_class, label_class)
            ]
        )
    )


def render_label(f: Field, class_: str) -> Markup:
    """`f.label(class_=class_)`, the same HTML."""
    label = f.label
    if type(label) is not Label:
        return Markup(label(class_=class_))
    attributes = html_attributes({"class_": class_, "for": label.field_id})
    return Markup(f"<label {attributes}>{escape(label.text)}</label>")


def hidden_tag(form: Any) -> Markup:
    """`form.hidden_tag()` (Flask-WTF's): the form's hidden fields, one a line."""
    return Markup(
        "\n".join(str(render_widget(f)) for f in form if isinstance(f.widget, HiddenInput))
    )
