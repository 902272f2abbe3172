"""Each template's globals (`coalition_app._TemplateGlobals`): the same names and values as
Jinja's ChainMap, a key set that is a plain dict's, and imported macros that still see them."""

from __future__ import annotations

from collections import ChainMap

from coalition_app import CoalitionEnvironment, _TemplateGlobals


def test_the_key_set_is_the_chain_maps(app):
    template = app.jinja_env.get_template("macros/work.html")
    assert isinstance(app.jinja_env, CoalitionEnvironment)
    assert isinstance(template.globals, _TemplateGlobals)
    assert set(template.globals.keys()) == set(ChainMap(*template.globals.maps).keys())
    assert type(template.globals.keys()) is type({}.keys())


def test_a_templates_own_global_overlays_the_environments(app):
    globals_ = app.jinja_env.make_globals({"label": "own", "extra": 1})
    assert globals_["label"] == "own" and globals_["extra"] == 1
    assert {"url_for", "extra"} <= globals_.keys()
    assert app.jinja_env.make_globals(None).keys() == app.jinja_env.globals.keys()


def test_an_imported_macro_sees_the_globals_and_a_new_one_in_the_context(app):
    env = app.jinja_env.overlay()
    env.globals["shout"] = lambda text: text.upper()  # a global the macro's template lacks
    env.loader = None
    macros = env.from_string("{% macro hello(n) %}{{ shout('hola') }} {{ n }}{% endmacro %}")
    page = env.from_string(
        "{% from macros import hello %}{{ hello(3) }}", globals={"macros": macros}
    )
    assert page.render() == "HOLA 3"
