"""Pages of meetings and events: the calendars (the coalition's and each group's), a meeting's
page (answers, attendance, minutes, decisions, action items), the forms, the iCalendar feeds
and the figures' CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest

from models import (
    Deliverable,
    Institution,
    Meeting,
    MeetingActionItem,
    Rsvp,
    User,
    WorkingGroup,
)

from ..core import clock
from ..core.csv import csv_response
from ..core.db import session as db_session
from ..core.errors import DomainError, EditConflict
from ..core.fields import render_label, render_widget
from ..core.forms import (
    ActionForm,
    attach_error,
    choices,
    control_characters,
    require_action_form,
)
from ..core.html import escape_each
from ..core.i18n import (
    DOMAIN,
    current_language,
    format_date_once,
    number_formatter,
)
from ..core.links import external_url
from ..core.markdown import render_markdown
from ..core.paging import page_number
from ..core.url_patterns import url_pattern
from ..directory import service as directory
from ..groups import service as group_service
from ..policy import authorize, can, public, require_visible
from . import ical
from . import queries as meeting_queries
from . import service as meetings
from .forms import (
    ActionItemForm,
    AttendanceForm,
    FilterForm,
    MakeTaskForm,
    MeetingForm,
    MinutesForm,
)
from .ical import as_utc

bp = Blueprint("meetings", __name__)
T = TypeVar("T")


# What other features' pages include (a group's figures, the growth table, the home's next
# meetings; each a fixed number of statements) and the macros use: template globals.


@bp.app_template_global()
def meeting_figures(
    group: WorkingGroup | None = None,
) -> tuple[meeting_queries.FigureTable, list[int]]:
    return meeting_queries.figures(db_session, group)


@bp.app_template_global()
def meeting_figure_groups() -> list[tuple[int, str]]:
    english = current_language() == "en"
    return [
        (g.id, g.name_en if english else g.name_es) for g in meeting_queries.group_names(db_session)
    ]


@bp.app_template_global()
def upcoming_meetings() -> list[Any]:
    return meeting_queries.upcoming_for(db_session, current_user)


@bp.app_template_global()
def meeting_text(text: str) -> Markup:
    """An agenda, minutes or decisions as typed in Markdown, sanitised (as comments are)."""
    return render_markdown(text)


@bp.app_template_global()
def local_time(moment: datetime) -> datetime:
    """A stored instant in the coalition's zone (for the pages)."""
    return as_utc(moment).astimezone(ZoneInfo(clock.zone_name()))


# --- markup written in Python -----------------------------------------------------------------
#
# What the templates' macros and loops wrote (`meetings/_macros.html` was the macros), the same
# text: a calendar's rows, a meeting's people and the figures' tables each cost more through
# Jinja (an output, an escape and a `Context.call` per value, a generator step per statement)
# than the rest of their page. Each is compared with the loop it replaced, kept verbatim in
# tests/meetings/test_rows.py. Messages are the templates' (not escaped: `_()` in a template
# marks its text safe as it is), with literal `_()` calls so that the catalogue finds them.


def _per_catalogue(build: Callable[[], T]) -> Callable[[], T]:
    """`build()`, which only translates messages, worked out once per catalogue (one per
    language, kept for the process by Flask-Babel, re-read after `refresh()`): a row writer
    called per month or per page asked for the same messages again."""
    memo: dict[Any, T] = {}

    def texts() -> T:
        translations = DOMAIN.get_translations()
        found = memo.get(translations)
        if found is None:
            found = memo[translations] = build()
        return found

    return texts


def _when(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    starts, ends = as_utc(starts_at).astimezone(zone), as_utc(ends_at).astimezone(zone)
    first, last = starts.date(), ends.date()
    text = (
        f'<time datetime="{starts.isoformat()}">{escape(format_date_once(first, "medium"))}, '
        f'{starts.strftime("%H:%M")}</time>–<time datetime="{ends.isoformat()}">'
    )
    if last != first:
        text += f"{escape(format_date_once(last, 'medium'))}, "
    return f"{text}{ends.strftime('%H:%M')}</time>"


@bp.app_template_global()
def meeting_when(m: Any) -> Markup:
    """When a meeting is, in the coalition's zone: "12 mar 2026, 10:00–12:00", or both ends
    with their day when it spans days."""
    return Markup(_when(m.starts_at, m.ends_at, ZoneInfo(clock.zone_name())))


@_per_catalogue
def _badge_texts() -> tuple[str, str, str, str]:
    return (
        f'<span class="badge text-bg-danger">{_("Cancelled")}</span>',
        f'<span class="badge text-bg-info">{_("Coalition event")}</span>',
        f'<span class="badge text-bg-light border">{_("Public")}</span>',
        f'<span class="badge text-bg-light border">{_("Members only")}</span>',
    )


def _badges(m: Any, texts: tuple[str, str, str, str]) -> str:
    cancelled, event, public, members = texts
    in_group = m.group_id is not None
    return (
        f"{cancelled if m.cancelled_at else ''}\n  {'' if in_group else event}\n  "
        f"{public if m.is_public else members if in_group else ''}"
    )


@bp.app_template_global()
def meeting_badges(m: Any) -> Markup:
    """A meeting's badges: cancelled, a coalition event, public or members only."""
    return Markup(_badges(m, _badge_texts()))


@_per_catalogue
def _calendar_labels() -> tuple[str, str, str, str]:
    return _("When"), _("Organised by"), _("Where"), _("Online")


@bp.app_template_global()
def calendar_rows(items: list[Any], organisers: dict[int, list[str]], lang: str) -> Markup:
    """A calendar month's table rows (`queries.calendar_page_rows`' rows): the meeting, its
    badges, when, who organises it (its group, or the organisers' acronyms) and where."""
    zone = ZoneInfo(clock.zone_name())
    badges = _badge_texts()
    t_when, t_organised, t_where, t_online = _calendar_labels()
    detail_url = url_pattern("meetings.detail", "meeting_id")
    values = []
    for m in items:
        if m.group_id is not None:
            by = m.group_name_en if lang == "en" else m.group_name_es
        else:
            by = ", ".join(organisers.get(m.id, ()))
        values += (detail_url(m.id), m.title, by, m.place or "")
    escaped = escape_each(values)  # all the rows' values in one call
    rows = []
    for n, m in enumerate(items):
        url, title, by, place = escaped[4 * n : 4 * n + 4]
        rows.append(
            f'\n    <tr>\n      <td><a class="fw-semibold" href="{url}">{title}</a> '
            f"{_badges(m, badges)}</td>\n"
            f'      <td data-label="{t_when}">{_when(m.starts_at, m.ends_at, zone)}</td>\n'
            f'      <td data-label="{t_organised}">{by}</td>\n'
            f'      <td data-label="{t_where}">'
            f"{place or (t_online if m.online_url else '—')}</td>\n    </tr>\n    "
        )
    return Markup("".join(rows))


@_per_catalogue
def _event_text() -> str:
    return _("Coalition event")


@bp.app_template_global()
def upcoming_items(items: list[Any], lang: str) -> Markup:
    """The home's next meetings (`queries.upcoming_for`' rows), as list items: the meeting,
    when and its group (or "Coalition event")."""
    zone = ZoneInfo(clock.zone_name())
    t_event = _event_text()
    detail_url = url_pattern("meetings.detail", "meeting_id")
    values = []
    for m in items:
        group = m.group_name_en if lang == "en" else m.group_name_es
        values += (detail_url(m.id), m.title, group)
    escaped = escape_each(values)
    out = []
    for n, m in enumerate(items):
        url, title, group = escaped[3 * n : 3 * n + 3]
        out.append(
            f'\n    <li class="mb-1"><a href="{url}">{title}</a> '
            f'<span class="small text-body-secondary">· {_when(m.starts_at, m.ends_at, zone)}'
            f" · {t_event if m.group_id is None else group}</span></li>\n    "
        )
    return Markup("".join(out))


@_per_catalogue
def _answers() -> dict[str, str]:
    return {"yes": _("Yes"), "maybe": _("Maybe"), "no": _("No")}


@bp.app_template_global()
def attendance_checks(rows: list[Any]) -> Markup:
    """A meeting's list of people as the organisers' attendance checkboxes: each with the
    institution they came for and their answer (`queries.attendance_rows`' rows)."""
    if not rows:
        return Markup(
            f'\n        <p class="small text-body-secondary">{_("Nobody is on the list yet.")}'
            "</p>\n        "
        )
    answers = _answers()
    escaped = escape_each(
        [v for a in rows for v in (a.full_name, a.came_for_acronym or a.came_for_name)]
    )
    out = []
    for n, a in enumerate(rows):
        name, came_for = escaped[2 * n], escaped[2 * n + 1]
        answer = f" · {answers[a.rsvp.value]}" if a.rsvp else ""
        person = int(a.person_id)
        out.append(
            '\n        <div class="form-check">\n          <input class="form-check-input" '
            f'type="checkbox" name="attended" value="{person}" id="attended-{person}" '
            f"{'checked' if a.attended else ''}>\n"
            f'          <label class="form-check-label" for="attended-{person}">{name} '
            f'<span class="text-body-secondary small">({came_for}{answer})</span></label>\n'
            "        </div>\n        "
        )
    return Markup("".join(out))


@bp.app_template_global()
def attended_items(attended: list[Any]) -> Markup:
    """Who came, as list items: their name and the institution they came for."""
    values = escape_each(
        [v for a in attended for v in (a.full_name, a.came_for_acronym or a.came_for_name)]
    )
    return Markup(
        "".join(
            [
                f"<li>{name} ({came_for})</li>"
                for name, came_for in zip(values[::2], values[1::2], strict=True)
            ]
        )
    )


@bp.app_template_global()
def people_options(candidates: list[Any]) -> Markup:
    """The people one may add to a meeting's list, as a datalist's options ("name <e-mail>")."""
    values = escape_each([v for p in candidates for v in (p.full_name, p.email)])
    return Markup(
        "".join(
            [
                f'<option value="{name} &lt;{email}&gt;"></option>'
                for name, email in zip(values[::2], values[1::2], strict=True)
            ]
        )
    )


@_per_catalogue
def _figure_labels() -> tuple[str, str, str, str, str]:
    return (
        _("Meetings held"),
        _("Participants"),
        _("Institutions"),
        _("Hours of dialogue"),
        _("All years"),
    )


def _figure_cells(figures: list[meeting_queries.Figures], indent: str) -> list[str]:
    """Each figure's four cells (meetings, participants, institutions, hours), their
    numbers escaped in one call for the table."""
    t_meetings, t_participants, t_institutions, t_hours, _all_years = _figure_labels()
    count, hours = number_formatter(), number_formatter("#,##0.#")
    numbers = escape_each(
        [
            number
            for f in figures
            for number in (
                count(f.meetings),
                count(f.participants),
                count(f.institutions),
                hours(f.hours),
            )
        ]
    )
    return [
        f'{indent}<td data-label="{t_meetings}">{numbers[n]}</td>\n'
        f'{indent}<td data-label="{t_participants}">{numbers[n + 1]}</td>\n'
        f'{indent}<td data-label="{t_institutions}">{numbers[n + 2]}</td>\n'
        f'{indent}<td data-label="{t_hours}">{numbers[n + 3]}</td>\n'
        for n in range(0, len(numbers), 4)
    ]


def _figure_years(years: list[int]) -> list[int | None]:
    return [*years, None] if len(years) > 1 else list(years)


@bp.app_template_global()
def figures_rows(table: meeting_queries.FigureTable, years: list[int], key: object) -> Markup:
    """The rows of a figures table (a group's page): a year's (and "all years") meetings,
    participants, institutions and hours; `key` is a group's id (or "all")."""
    all_years = _figure_labels()[4]
    shown = [
        (year, f)
        for year in _figure_years(years)
        if (f := table.get((key, year)))  # type: ignore[arg-type]
    ]
    cells = _figure_cells([f for _year, f in shown], "    ")
    return Markup(
        "".join(
            [
                f'\n  <tr>\n    <th scope="row">{all_years if year is None else year}</th>\n'
                f"{row_cells}  </tr>\n  "
                for (year, _f), row_cells in zip(shown, cells, strict=True)
            ]
        )
    )


@bp.app_template_global()
def growth_figures_rows(
    table: meeting_queries.FigureTable,
    years: list[int],
    columns: list[tuple[object, str]],
) -> Markup:
    """The growth dashboard's figures table: per year (and "all years"), a row per group,
    the coalition's events and the whole coalition (`columns`: their keys and names)."""
    all_years = _figure_labels()[4]
    names = escape_each([name for _key, name in columns])
    # Per year: its rows' heads and figures (the years without any still write their gap).
    per_year = []
    for year in _figure_years(years):
        shown = all_years if year is None else year
        found = []
        for (key, _name), name in zip(columns, names, strict=True):
            f = table.get((key, year))  # type: ignore[arg-type]
            if f:
                css = 'class="table-light fw-semibold"' if key == "all" else ""
                found.append(
                    (f'\n      <tr {css}>\n        <th scope="row">{shown} · {name}</th>\n', f)
                )
        per_year.append(found)
    cells = iter(_figure_cells([f for found in per_year for _head, f in found], "        "))
    rows = []
    for found in per_year:
        rows.append("\n      ")
        rows += [f"{head}{next(cells)}      </tr>\n      " for head, _f in found]
        rows.append("\n    ")
    return Markup("".join(rows))


def load_meeting(meeting_id: int, *, page: bool = False) -> Meeting:
    """The meeting, 404 unless one may see it; `page`: for a page showing it (GET), without
    its people (`meeting_queries.load_meeting_page`)."""
    load = meeting_queries.load_meeting_page if page else meeting_queries.load_meeting
    meeting = load(db_session, meeting_id)
    if meeting is None:
        abort(404)
    require_visible(current_user, "view_meeting", meeting)
    return meeting


def _calendar_query() -> meeting_queries.CalendarQuery:
    past = request.args.get("when", "upcoming")
    if past not in ("upcoming", "past"):
        raise BadRequest()
    group = request.args.get("group") or None
    if group is not None and (len(group) > 40 or control_characters(group)):
        raise BadRequest()
    return meeting_queries.CalendarQuery(
        page=page_number(request.args.get("page")), group=group, past=past == "past"
    )


# --- calendars ------------------------------------------------------------------------------


@bp.get("/calendar")
def calendar():
    authorize(current_user, "view_coalition")
    return _calendar_page(None)


def _calendar_page(group: WorkingGroup | None, token: str | None = None) -> str:
    query = _calendar_query()
    page = meeting_queries.calendar_page_rows(db_session, current_user, query, group=group)
    group_filter: tuple[Markup, Markup] | None = None
    if group is None:
        # The filter's label and select through the app's widgets (`core.fields`).
        filter_form = FilterForm(formdata=None, group=query.group or "")
        lang = current_language()
        filter_form.group.choices = choices(
            [("", _("All groups and events")), ("events", _("Coalition events"))]
            + [
                (g.slug, g.name_en if lang == "en" else g.name_es)
                for g in meeting_queries.group_names(db_session)
            ]
        )
        group_filter = (
            render_label(filter_form.group, "form-label small mb-1"),
            render_widget(filter_form.group, class_="form-select form-select-sm"),
        )
    feed = meeting_queries.feed_created(db_session, current_user, group)
    return render_template(
        "meetings/calendar.html",
        group=group,
        page=page,
        group_filter=group_filter,
        feed=feed,
        feed_url=external_url("meetings.feed", token=token) if token else None,
        action_form=ActionForm(),
        can_create=(
            can(current_user, "manage_group", group)
            if group is not None
            else can(current_user, "create_event")
        ),
    )


@bp.get("/groups/<slug>/calendar")
def group_calendar(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "view_group", group)
    return _calendar_page(group)


@bp.post("/calendar/feed")
def reset_feed():
    authorize(current_user, "view_coalition")
    require_action_form()
    token = meetings.reset_feed(current_user, None)
    return _calendar_page(None, token=token)


@bp.post("/groups/<slug>/calendar/feed")
def reset_group_feed(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "view_group", group)
    require_action_form()
    token = meetings.reset_feed(current_user, group)
    return _calendar_page(group, token=token)


@bp.get("/calendar/<token>.ics")
@public
def feed(token: str):
    """A secret feed: the token is the authorisation; it shows what its owner may see."""
    if len(token) > 100:
        abort(404)
    subscription = meetings.find_feed(token)
    if subscription is None or not subscription.person.is_active:
        abort(404)
    owner, group = subscription.person, subscription.group
    items = meeting_queries.feed_meetings(db_session, owner, group)
    with force_locale(owner.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        name = group.name(owner.locale or "es") if group else _("Coalition: my meetings")
    return _ics(ical.to_text(ical.calendar(items, name=name)), "coalition.ics")


def _ics(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/meetings/<int:meeting_id>.ics")
def meeting_ics(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return _ics(
        ical.to_text(ical.calendar([meeting], name=meeting.title)), f"meeting-{meeting.id}.ics"
    )


@bp.get("/meetings/figures.csv")
def figures_csv():
    """Meetings held, participants, institutions and hours, per group and year."""
    authorize(current_user, "view_coalition")
    table, years = meeting_queries.figures(db_session)
    groups = meeting_queries.group_names(db_session)
    rows: list[list[object]] = [
        ["group", "year", "meetings_held", "participants", "institutions", "hours"]
    ]
    columns: list[tuple[int | str | None, str]] = [(g.id, g.slug) for g in groups]
    columns += [(None, "coalition-events"), ("all", "all")]
    for key, slug in columns:
        for year in [*years, None]:
            figure = table.get((key, year))
            if figure is None:
                continue
            rows.append(
                [
                    slug,
                    year if year is not None else "all",
                    figure.meetings,
                    figure.participants,
                    figure.institutions,
                    figure.hours,
                ]
            )
    return csv_response(rows, "meeting-figures.csv")


# --- creating and editing -------------------------------------------------------------------


def _institutions() -> list[Institution]:
    return meetings.active_institutions()


def _form_data(form: MeetingForm) -> meetings.MeetingData:
    return meetings.MeetingData(
        title=form.title.data or "",
        starts_at=meetings.local_to_utc(form.starts_on.data, form.starts_time.data),
        ends_at=meetings.local_to_utc(form.ends_on.data, form.ends_time.data),
        place=form.place.data or "",
        online_url=form.online_url.data or "",
        agenda=form.agenda.data or "",
        is_public=bool(form.is_public.data),
    )


def _organisers(form: MeetingForm, candidates: list[Institution]) -> list[Institution]:
    chosen: list[Institution] = []
    for entry in form.organisers.entries:
        if entry.data:
            try:
                chosen.append(directory.picked_institution(entry.data, candidates, entry.name))
            except DomainError as error:
                entry.errors = [*entry.errors, str(error.message)]
    return chosen


def _form_page(
    form: MeetingForm,
    group: WorkingGroup | None,
    meeting: Meeting | None,
    status: int = 200,
    conflict: str | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "meetings/form.html",
            form=form,
            group=group,
            meeting=meeting,
            event=group is None,
            institutions=meetings.active_institution_names() if group is None else [],
            zone=clock.zone_name(),
            conflict=conflict,
        ),
        status,
    )


def _save_new(group: WorkingGroup | None):
    form = MeetingForm()
    if request.method == "GET":
        return _form_page(form, group, None)
    if not form.validate_on_submit():
        return _form_page(form, group, None, 400)
    candidates = _institutions() if group is None else []
    organisers = _organisers(form, candidates) if group is None else []
    if any(entry.errors for entry in form.organisers.entries):
        return _form_page(form, group, None, 400)
    try:
        meeting = meetings.create_meeting(
            group,
            current_user,
            _form_data(form),
            organisers=organisers,
            scope=form.scope.data or meetings.SCOPE_EVERYONE,
            confirmed_past=bool(form.confirm_past.data),
        )
    except DomainError as error:
        attach_error(form, error)
        return _form_page(form, group, None, 400)
    flash(_("Meeting saved; the invited people are told."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/groups/<slug>/meetings/new", methods=["GET", "POST"])
def new_meeting(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "manage_group", group)
    return _save_new(group)


@bp.route("/calendar/events/new", methods=["GET", "POST"])
def new_event():
    authorize(current_user, "create_event")
    return _save_new(None)


def _fill(form: MeetingForm, meeting: Meeting) -> None:
    starts, ends = local_time(meeting.starts_at), local_time(meeting.ends_at)
    form.title.data = meeting.title
    form.starts_on.data, form.starts_time.data = starts.date(), starts.time()
    form.ends_on.data, form.ends_time.data = ends.date(), ends.time()
    form.place.data = meeting.place or ""
    form.online_url.data = meeting.online_url or ""
    form.agenda.data = meeting.agenda
    form.is_public.data = meeting.is_public
    form.version.data = meeting.version
    organisers = meeting_queries.organiser_rows(db_session, meeting)
    for entry, organiser in zip(form.organisers.entries, organisers, strict=False):
        entry.data = organiser.name


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    # The form shows no one's attendance; saving tells the invited (they are loaded then).
    meeting = load_meeting(meeting_id, page=request.method == "GET")
    authorize(current_user, "manage_meeting", meeting)
    group = meeting.group
    if meeting.cancelled_at is not None:
        abort(409)
    if request.method == "GET":
        form = MeetingForm(formdata=None)
        _fill(form, meeting)
        return _form_page(form, group, meeting)
    form = MeetingForm()
    if not form.validate_on_submit():
        return _form_page(form, group, meeting, 400)
    organisers = _organisers(form, _institutions()) if group is None else None
    if any(entry.errors for entry in form.organisers.entries):
        return _form_page(form, group, meeting, 400)
    try:
        meetings.edit_meeting(
            meeting,
            current_user,
            _form_data(form),
            expected_version=form.version.data,
            organisers=organisers,
            confirmed_past=bool(form.confirm_past.data),
        )
    except EditConflict as conflict:
        fresh = conflict.subject if isinstance(conflict.subject, Meeting) else meeting
        form.version.data = fresh.version
        message = _(
            "Someone else saved this meeting while you were editing it. What you typed is "
            "still in the form; compare it with what is saved now and save again."
        )
        return _form_page(form, group, fresh, 409, conflict=message)
    except DomainError as error:
        attach_error(form, error)
        return _form_page(form, group, meeting, 400)
    flash(_("Meeting saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/cancel")
def cancel(meeting_id: int):
    meeting = load_meeting(meeting_id)
    authorize(current_user, "manage_meeting", meeting)
    require_action_form()
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the cancellation: nothing was changed."), "warning")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    try:
        meetings.cancel_meeting(meeting, current_user)
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    flash(_("The meeting is cancelled; the invited people are told."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


# --- the meeting's page ---------------------------------------------------------------------


def _detail_page(
    meeting: Meeting,
    status: int = 200,
    *,
    attendance_form: AttendanceForm | None = None,
    minutes_form: MinutesForm | None = None,
    action_form: ActionItemForm | None = None,
    task_forms: dict[int, MakeTaskForm] | None = None,
    conflict: str | None = None,
) -> tuple[str, int]:
    manage = can(current_user, "manage_meeting", meeting)
    group = meeting.group
    action_items = meeting_queries.action_item_rows(db_session, meeting)
    # The people as rows (names, acronyms): the page shows them and changes nothing.
    rows = meeting_queries.attendance_rows(db_session, meeting)
    people: list[tuple[int, str, str | None, str]] = []
    deliverables: list[Deliverable] = []
    if manage:
        if group is not None:
            people = meeting_queries.group_people_rows(db_session, group, clock.today())
            deliverables = [d for d in group.deliverables if d.archived_at is None]
            deliverables.sort(key=lambda d: d.title.casefold())
        else:
            people = [(a.person_id, a.full_name, a.acronym, a.institution_name) for a in rows]
    if minutes_form is None:
        minutes_form = MinutesForm(
            formdata=None,
            minutes=meeting.minutes,
            decisions=meeting.decisions,
            version=meeting.version,
        )
    if action_form is None:
        action_form = ActionItemForm(formdata=None)
    action_form.assignee_id.choices = choices(
        [("", _("Nobody yet"))]
        + [(pid, f"{name} ({acronym or place})") for pid, name, acronym, place in people]
    )
    task_forms = task_forms or {}
    for item in action_items:
        form = task_forms.setdefault(item.id, MakeTaskForm(formdata=None, prefix=f"task-{item.id}"))
        form.deliverable_id.choices = choices(
            [("", _("Choose a deliverable"))] + [(d.id, d.title) for d in deliverables]
        )
    # The answers counted, the viewer's row and who came, in one pass over the rows.
    mine, me = None, current_user.id
    counts = dict.fromkeys(Rsvp, 0)
    attended = []
    for a in rows:
        if a.rsvp is not None:
            counts[a.rsvp] += 1
        if a.attended:
            attended.append(a)
        if a.person_id == me:
            mine = a
    started = as_utc(meeting.starts_at) <= clock.now()
    return (
        render_template(
            "meetings/detail.html",
            meeting=meeting,
            group=group,
            organisers=meeting_queries.organiser_rows(db_session, meeting),
            action_items=action_items,
            manage=manage,
            mine=mine,
            counts=counts,
            rows=rows,
            attended=attended,
            started=started,
            action_form_empty=ActionForm(),
            attendance_form=attendance_form or AttendanceForm(formdata=None),
            minutes_form=minutes_form,
            item_form=action_form,
            task_forms=task_forms,
            candidates=meeting_queries.people_to_add_rows(db_session, {a.person_id for a in rows})
            if manage and started
            else [],
            conflict=conflict,
            can_answer=can(current_user, "answer_meeting", meeting),
        ),
        status,
    )


@bp.get("/meetings/<int:meeting_id>")
def detail(meeting_id: int):
    return _detail_page(load_meeting(meeting_id, page=True))


@bp.post("/meetings/<int:meeting_id>/rsvp")
def rsvp(meeting_id: int):
    meeting = load_meeting(meeting_id)
    authorize(current_user, "answer_meeting", meeting)
    require_action_form()
    try:
        answer = Rsvp(request.form.get("rsvp", ""))
    except ValueError:
        abort(400)
    meetings.answer(meeting, current_user, answer)
    flash(_("Your answer is saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/attendance")
def attendance(meeting_id: int):
    meeting = load_meeting(meeting_id)
    authorize(current_user, "manage_meeting", meeting)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _detail_page(meeting, 400, attendance_form=form)
    ids: set[int] = set()
    for value in request.form.getlist("attended"):
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            abort(400)
        ids.add(int(value))
    add: list[User] = []
    try:
        if form.add.data:
            add.append(meetings.person_named(form.add.data, meetings.people_to_add(meeting)))
        meetings.record_attendance(meeting, current_user, ids, add=add)
    except DomainError as error:
        error.field = error.field or "add"
        attach_error(form, error)
        return _detail_page(meeting, 400, attendance_form=form)
    flash(_("Attendance saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#attendance")


@bp.post("/meetings/<int:meeting_id>/minutes")
def minutes(meeting_id: int):
    meeting = load_meeting(meeting_id)
    authorize(current_user, "manage_meeting", meeting)
    form = MinutesForm()
    if not form.validate_on_submit():
        return _detail_page(meeting, 400, minutes_form=form)
    try:
        meetings.record_minutes(
            meeting,
            current_user,
            minutes=form.minutes.data or "",
            decisions=form.decisions.data or "",
            expected_version=form.version.data,
        )
    except EditConflict as conflict:
        fresh = conflict.subject if isinstance(conflict.subject, Meeting) else meeting
        form.version.data = fresh.version
        message = _(
            "Someone else saved this meeting while you were writing. What you typed is still "
            "in the form; the saved minutes and decisions are shown above it."
        )
        return _detail_page(fresh, 409, minutes_form=form, conflict=message)
    flash(_("Minutes and decisions saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#minutes")


@bp.post("/meetings/<int:meeting_id>/actions")
def add_action(meeting_id: int):
    meeting = load_meeting(meeting_id)
    authorize(current_user, "manage_meeting", meeting)
    form = ActionItemForm()
    form.assignee_id.choices = []
    if not form.validate_on_submit():
        return _detail_page(meeting, 400, action_form=form)
    try:
        meetings.add_action_item(
            meeting,
            current_user,
            text=form.text.data or "",
            assignee_id=form.assignee_id.data,
            due_on=form.due_on.data,
        )
    except DomainError as error:
        attach_error(form, error)
        return _detail_page(meeting, 400, action_form=form)
    flash(_("Action added."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#actions")


@bp.post("/meetings/<int:meeting_id>/actions/<int:item_id>/task")
def make_task(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    authorize(current_user, "manage_meeting", meeting)
    item = db_session.get(MeetingActionItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    form = MakeTaskForm(prefix=f"task-{item.id}")
    if not form.validate_on_submit():
        return _detail_page(meeting, 400, task_forms={item.id: form})
    deliverable = db_session.get(Deliverable, form.deliverable_id.data)
    try:
        if deliverable is None or meeting.group is None:
            raise DomainError(_("Choose a deliverable of this group."), field="deliverable_id")
        authorize(current_user, "manage_deliverable", deliverable)
        task = meetings.make_task(item, current_user, deliverable)
    except DomainError as error:
        if error.field not in ("deliverable_id",):
            error.field = "deliverable_id"
        attach_error(form, error)
        return _detail_page(meeting, 400, task_forms={item.id: form})
    flash(_("Task created: %(title)s.", title=task.title), "success")
    return redirect(url_for("work.task", task_id=task.id))
