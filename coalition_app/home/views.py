from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_login import current_user

from ..account import service as accounts
from ..account.views import safe_next_url
from ..core import clock, page_cache
from ..core.forms import ActionForm
from ..core.i18n import LOCALE_SESSION_KEY
from ..policy import authorize, public
from .overview import coalition_overview

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    authorize(current_user, "view_coalition")
    # Served from the cache while nothing it shows has changed (coalition_app/page_cache).
    return page_cache.render_page((), _render_home)


def _render_home() -> str:
    overview = coalition_overview(
        clock.today(), due_within_days=current_app.config["DUE_SOON_DAYS"]
    )
    return render_template("home/index.html", overview=overview)


@bp.post("/language/<code>")
@public
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    session[LOCALE_SESSION_KEY] = code
    if current_user.is_authenticated:
        accounts.set_language(current_user._get_current_object(), code)
    return redirect(safe_next_url(request.form.get("next")) or "/")
