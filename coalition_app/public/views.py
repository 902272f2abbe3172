"""The public site: landing, member directory, groups, events, open data, sitemap, robots.

Public pages (`public_page`) are the same for every visitor: they never read or write the
session (see `site`), carry `Cache-Control: public` with an ETag, and show only listed
institutions and no person. The two POST routes here are the signed-in choices behind them:
a chair publishes a done deliverable, an institution's people choose to be listed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..core import clock, privacy_notice
from ..core.csv import csv_text
from ..core.errors import DomainError, render_error
from ..core.html import escape_each
from ..core.i18n import format_date_once
from ..core.links import absolute, external_url
from ..core.url_patterns import url_pattern
from ..directory.service import load_institution
from ..policy import authorize
from ..work.queries import load_deliverable
from . import opendata, queries, service
from .forms import ListingForm, PublishForm
from .site import (
    SitemapEntry,
    cacheable,
    install,
    public_page,
    sitemap_entries,
    sitemap_source,
    url_in,
    use_address_language,
)

bp = Blueprint("public", __name__)
# The request-only session for public pages wraps the app's session interface (the API's,
# which must be installed first: this blueprint is registered after the API's).
bp.record_once(lambda state: install(state.app))
# Signed-in areas a search engine has no business in (robots.txt).
DISALLOWED = (
    "/login",
    "/groups/",
    "/deliverables/",
    "/tasks/",
    "/institutions",
    "/people",
    "/network",
    "/growth",
    "/my-work",
    "/inbox",
    "/account/",
    "/audit/",
    "/api/",
    "/docs/",
)


@bp.before_request
def _language() -> None:
    use_address_language()


@bp.app_context_processor
def _public_helpers() -> dict:
    return {
        "url_in": url_in,
        "absolute": absolute,
        "privacy_path": privacy_notice.PATH,
        "iso_utc": lambda moment: queries.as_utc(moment).isoformat(),
        "format_time": format_time,
    }


# --- pages --------------------------------------------------------------------------------------


@bp.get("/coalicion")
@public_page
def landing() -> Response:
    def render() -> str:
        today = clock.today()
        return render_template(
            "public/landing.html",
            figures=queries.figures(today),
            events=queries.events(today, upcoming_limit=queries.UPCOMING_ON_LANDING),
        )

    return cacheable(render)


@bp.get("/miembros")
@public_page
def members() -> Response:
    query = queries.MemberQuery.from_args(request.args)

    def render() -> str:
        return render_template("public/members.html", page=queries.members(query, clock.today()))

    return cacheable(render)


@bp.app_template_global()
def public_event_items(meetings: list[Any], language: str) -> Markup:
    """Public events in a list, each its dates in the coalition's zone, place and group: the
    markup the template's include wrote per event (`public/_event_item.html`, as it was)."""
    event_url = url_pattern("public.event", "meeting_id")
    online = _("Online")
    items = []
    for meeting in meetings:
        place = meeting.place or (online if meeting.online_url else "")
        group = meeting.group
        address, title, moment, day, hour, where, group_name = escape_each(
            (
                url_in(language, event_url(meeting.id)),
                meeting.title,
                queries.as_utc(meeting.starts_at).isoformat(),
                format_date_once(meeting.starts_at, "full"),
                format_time(meeting.starts_at, "short"),
                place,
                group.name(language) if group else "",
            )
        )
        items.append(
            f'<li>\n  <h3><a href="{address}">{title}</a></h3>\n'
            f'  <div class="event-date"><time datetime="{moment}">{day}, {hour}</time></div>\n'
            f'  <div class="muted">{where}{f" · {group_name}" if group else ""}</div>\n</li>'
        )
    return Markup("".join(items))


@bp.app_template_global()
def growth_bars(points: list[tuple[int, int]], width: int, height: int, high: int) -> Markup:
    """The landing page's growth chart's bars and labels, one per year end: the markup the
    template's loop wrote (its `round(1)` is Python's `round(x, 1)`)."""
    step = width / len(points)
    bars = []
    for index, (year, count) in enumerate(points):
        h = (height - 16) * count / high
        middle = round(index * step + step / 2, 1)
        bars.append(
            "\n        \n"
            f'        <rect class="bar-rect" x="{round(index * step + 4, 1)}" '
            f'y="{round(height - h, 1)}" width="{round(step - 8, 1)}" height="{round(h, 1)}" '
            'rx="2"/>\n'
            f'        <text x="{middle}" y="{round(height - h - 4, 1)}" text-anchor="middle">'
            f"{int(count)}</text>\n"
            f'        <text x="{middle}" y="{height + 16}" text-anchor="middle">{int(year)}</text>'
            "\n        "
        )
    return Markup("".join(bars))


@bp.app_template_global()
def public_member_rows(institutions: list[Any], language: str) -> Markup:
    """The public directory's rows: the markup the template's loop wrote (a row's values
    escaped in one call)."""
    t_sector, t_state, t_since, t_website = escape_each(
        (_("Sector"), _("Federal entity"), _("Member since"), _("Website"))
    )
    rows = []
    for institution in institutions:
        acronym = institution.acronym
        website = institution.website
        linked = bool(website and website.startswith(("https://", "http://")))
        name, acronym_text, sector, state, address, shown = escape_each(
            (
                institution.name,
                acronym or "",
                institution.sector.name(language),
                institution.state.name(language) if institution.state else "—",
                website if linked else "",
                website.split("://", 1)[1].rstrip("/") if linked else "",
            )
        )
        rows.append(
            "\n      <tr>\n"
            f"        <td><strong>{name}</strong>"
            + (
                f' <span class="muted">({acronym_text})</span>'
                if acronym and acronym != institution.name
                else ""
            )
            + "</td>\n"
            f'        <td data-label="{t_sector}">{sector}</td>\n'
            f'        <td data-label="{t_state}">{state}</td>\n'
            f'        <td class="num" data-label="{t_since}">{institution.joined_on.year}</td>\n'
            f'        <td data-label="{t_website}">'
            + (f'<a href="{address}" rel="noopener">{shown}</a>' if linked else "—")
            + "</td>\n      </tr>\n    "
        )
    return Markup("".join(rows))


@bp.app_template_global()
def public_filter_options(items: list[Any], key: str, chosen: object, language: str) -> Markup:
    """The public directory's filter options (sectors by slug, states by code), the chosen
    one selected: one string (a template loop cost more per option)."""
    values = [value for item in items for value in (getattr(item, key), item.name(language))]
    texts = escape_each(values)
    return Markup(
        "".join(
            f'<option value="{texts[2 * n]}"{" selected" if chosen == values[2 * n] else ""}>'
            f"{texts[2 * n + 1]}</option>"
            for n in range(len(items))
        )
    )


@bp.get("/grupos/<slug>")
@public_page
def group(slug: str) -> Response:
    def render() -> str:
        return render_template("public/group.html", page=queries.public_group(slug, clock.today()))

    return cacheable(render)


@bp.get("/eventos")
@public_page
def events() -> Response:
    def render() -> str:
        return render_template("public/events.html", events=queries.events(clock.today()))

    return cacheable(render)


@bp.get("/eventos/<int:meeting_id>")
@public_page
def event(meeting_id: int) -> Response:
    def render() -> str:
        meeting = queries.public_event(meeting_id)
        return render_template(
            "public/event.html",
            meeting=meeting,
            organisers=queries.listed_organisers(meeting),
            upcoming=queries.as_utc(meeting.ends_at) >= queries.day_start_utc(clock.today()),
        )

    return cacheable(render)


@bp.get("/datos")
@public_page
def data() -> Response:
    def render() -> str:
        return render_template(
            "public/data.html",
            datasets=opendata.DATASETS.values(),
            licence=opendata.LICENCE,
            licence_url=opendata.LICENCE_URL,
            field_types={
                "text": _("text"),
                "integer": _("whole number"),
                "date": _("date (YYYY-MM-DD)"),
                "url": _("web address"),
            },
        )

    return cacheable(render)


@bp.get("/datos/<any(directorio, crecimiento, red):dataset>.csv")
@public_page
def data_csv(dataset: str) -> Response:
    def render() -> Response:
        table = opendata.as_table(opendata.DATASETS[dataset], clock.today())
        return Response(
            csv_text(table),
            mimetype="text/csv",
            headers={"Content-Disposition": f'inline; filename="{dataset}.csv"'},
        )

    return cacheable(render)


@bp.get("/datos/<any(directorio, crecimiento, red):dataset>.json")
@public_page
def data_json(dataset: str) -> Response:
    def render() -> Response:
        document = opendata.as_json(
            opendata.DATASETS[dataset],
            clock.today(),
            external_url("public.data_json", dataset=dataset),
        )
        return Response(
            json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json"
        )

    return cacheable(render)


# --- for search engines -------------------------------------------------------------------------


@sitemap_source
def _our_pages() -> list[SitemapEntry]:
    today = clock.today()
    figures = queries.figures(today)
    listed = queries.events(today)
    return [
        SitemapEntry("public.landing"),
        SitemapEntry("public.members"),
        SitemapEntry("public.events"),
        SitemapEntry("public.data"),
        *(SitemapEntry("public.group", {"slug": g.slug}) for g in figures.groups),
        *(
            SitemapEntry("public.event", {"meeting_id": m.id})
            for m in [*listed.upcoming, *listed.past]
        ),
    ]


@bp.get("/sitemap.xml")
@public_page
def sitemap() -> Response:
    def render() -> Response:
        pages = [
            {
                "urls": {
                    lang: external_url(entry.endpoint, **entry.values, lang=lang)
                    for lang in current_app.config["LANGUAGES"]
                }
            }
            for entry in sitemap_entries()
        ]
        xml = render_template("public/sitemap.xml", pages=pages)
        return Response(xml, mimetype="application/xml")

    return cacheable(render)


@bp.get("/robots.txt")
@public_page
def robots() -> Response:
    def render() -> Response:
        lines = ["User-agent: *", "Allow: /"]
        lines += [f"Disallow: {path}" for path in DISALLOWED]
        lines += ["", f"Sitemap: {external_url('public.sitemap')}", ""]
        return Response("\n".join(lines), mimetype="text/plain")

    return cacheable(render)


# --- the signed-in choices ----------------------------------------------------------------------


@bp.post("/deliverables/<int:deliverable_id>/publication")
def publish_deliverable(deliverable_id: int):
    deliverable = load_deliverable(deliverable_id, current_user)
    authorize(current_user, "publish_deliverable", deliverable)
    form = PublishForm()
    if not form.validate_on_submit() or form.action.data not in ("publish", "withdraw"):
        return render_error(400)
    try:
        if form.action.data == "publish":
            service.publish_deliverable(deliverable, by=current_user)
            flash(_("Published on the group's public page."), "success")
        else:
            service.withdraw_deliverable(deliverable, by=current_user)
            flash(_("Taken off the group's public page."), "success")
    except DomainError as error:
        return render_error(400, str(error.message))
    return redirect(url_for("work.deliverable", deliverable_id=deliverable.id))


@bp.post("/institutions/<int:institution_id>/listing")
def choose_listing(institution_id: int):
    institution = load_institution(institution_id)
    authorize(current_user, "choose_public_listing", institution)
    form = ListingForm()
    if not form.validate_on_submit():
        return render_error(400, _("Choose whether the institution is listed."))
    service.choose_listing(institution, form.listed.data == "yes", by=current_user)
    if institution.is_listed:
        flash(_("The institution is listed on the public site."), "success")
    else:
        flash(_("The institution is no longer listed on the public site."), "success")
    return redirect(url_for("directory.profile", institution_id=institution.id))
