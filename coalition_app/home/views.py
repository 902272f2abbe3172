from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from models import Deliverable

from ..account import service as accounts
from ..account.views import safe_next_url
from ..core import clock, page_cache
from ..core.forms import ActionForm
from ..core.html import escape_each
from ..core.i18n import LOCALE_SESSION_KEY, current_language
from ..core.url_patterns import url_pattern
from ..policy import authorize, public
from ..work.markup import Pieces
from .overview import GroupSummary, coalition_overview

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
    # The rows' functions handed to the page, not app globals: each global costs every
    # template import (Jinja compares the context's globals with the template's).
    return render_template(
        "home/index.html",
        overview=overview,
        home_work_rows=home_work_rows,
        home_group_items=home_group_items,
    )


def home_work_rows(deliverables: Iterable[Deliverable], today: date) -> Markup:
    """The rows of the home page's tables of deliverables (overdue, due soon): the markup the
    template's loop wrote, written here because each row's due date, badge and bar were
    three macro calls (`tests/home/test_rows.py` compares them)."""
    t_group, t_due, t_status, t_progress = (
        escape(_("Working group")),
        escape(_("Due")),
        escape(_("Status")),
        escape(_("Progress")),
    )
    language = current_language()
    deliverable_url = url_pattern("work.deliverable", "deliverable_id")
    group_urls: dict[str, str] = {}
    pieces = Pieces()
    rows = []
    for deliverable in deliverables:
        group = deliverable.group
        group_url = group_urls.get(group.slug)
        if group_url is None:
            group_url = group_urls[group.slug] = url_for("groups.detail", slug=group.slug)
        href, title, group_href, group_name = escape_each(
            [deliverable_url(deliverable.id), deliverable.title, group_url, group.name(language)]
        )
        rows.append(
            "\n    <tr>\n"
            f'      <td><a class="fw-semibold" href="{href}">{title}</a></td>\n'
            f'      <td data-label="{t_group}"><a href="{group_href}">{group_name}</a></td>\n'
            f'      <td data-label="{t_due}">{pieces.due(deliverable.due_on, today)}</td>\n'
            f'      <td data-label="{t_status}">{pieces.status_badge(deliverable.status)}</td>\n'
            f'      <td data-label="{t_progress}" class="progress-cell">'
            f"{pieces.progress_bar(deliverable.progress, deliverable.title)}</td>\n"
            "    </tr>\n    "
        )
    return Markup("".join(rows))


def home_group_items(groups: Iterable[GroupSummary], lang: str) -> Markup:
    """The home page's working groups (leads, chairs, figures): the markup of the template's
    loop (`tests/home/test_rows.py` compares them)."""
    t_led, t_no_lead, t_chaired = escape_each(
        [_("Led by"), _("No lead institution yet"), _("Chaired by")]
    )
    items = []
    for summary in groups:
        group = summary.group
        href, name, leads, chairs = escape_each(
            [
                url_for("groups.detail", slug=group.slug),
                group.name(lang),
                ", ".join(map(str, summary.leads)),
                ", ".join(map(str, summary.chairs)),
            ]
        )
        led = f"{t_led} {leads}" if summary.leads else t_no_lead
        chaired = f"<br>{t_chaired} {chairs}" if summary.chairs else ""
        members, due_soon = escape_each(
            [
                ngettext("%(num)s institution", "%(num)s institutions", summary.member_count),
                ngettext(
                    "%(num)s deliverable due soon",
                    "%(num)s deliverables due soon",
                    summary.due_soon,
                ),
            ]
        )
        overdue = (
            '<div class="text-danger-emphasis">'
            + str(
                escape(
                    ngettext(
                        "%(num)s deliverable overdue",
                        "%(num)s deliverables overdue",
                        summary.overdue,
                    )
                )
            )
            + "</div>"
            if summary.overdue
            else ""
        )
        items.append(
            '\n          <li class="list-group-item px-0">\n'
            '            <div class="d-flex flex-wrap justify-content-between align-items-start'
            ' gap-2">\n'
            "              <div>\n"
            f'                <a class="fw-semibold" href="{href}">{name}</a>\n'
            '                <div class="small text-body-secondary">\n'
            f"                  {led}\n"
            f"                  {chaired}\n"
            "                </div>\n"
            "              </div>\n"
            '              <div class="text-sm-end small group-figures">\n'
            f"                <div>{members}</div>\n"
            f'                <div class="text-body-secondary">{due_soon}</div>\n'
            f"                {overdue}\n"
            "              </div>\n"
            "            </div>\n"
            "          </li>\n          "
        )
    return Markup("".join(items))


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
