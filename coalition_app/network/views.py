"""The network page and its downloads: load → authorise → serve the cache.

`GET /api/v1/network` is in `network/api.py`, on the API blueprint; it serves the same
cached document as `/network.json` (`serve_json`).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any, NamedTuple

from babel.numbers import get_decimal_symbol, get_group_symbol
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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import aliased, joinedload, lazyload

from models import (
    SECTORS_IN_ORDER,
    Deliverable,
    Institution,
    Introduction,
    TieKind,
    User,
    WorkingGroup,
)

from ..core import clock, page_cache
from ..core.db import session as db_session
from ..core.errors import DomainError
from ..core.forms import attach_error, choices
from ..core.html import escape_each
from ..core.i18n import current_language, number_formatter
from ..core.labels import label, translated_texts
from ..policy import authorize, can
from . import cache as network_cache
from . import measures, page_documents
from . import service as introductions
from .build import FIRST_YEAR
from .forms import IntroductionForm, IntroductionTaskForm
from .schemas import NetworkBuilding, parse_as_of

bp = Blueprint("network", __name__)

# Words the page's script shows (it receives them translated, in the embedded JSON).
PANEL_STRINGS = {
    "degree": _l("Degree"),
    "weighted_degree": _l("Weighted degree"),
    "betweenness": _l("Betweenness"),
    "eigenvector": _l("Eigenvector"),
    "closeness": _l("Closeness"),
    "sectors_reached": _l("Sectors reached"),
    "broker": _l("Broker score"),
    "group": _l("Group"),
    "deliverable": _l("Deliverable"),
    "joined": _l("Joined"),
    "founder": _l("Founding member"),
    "weight": _l("weight"),
    "no_ties": _l("No links on this date."),
    "visible": _l("Shown: %(nodes)s institutions, %(edges)s links."),
    "failed": _l("The graph could not be drawn."),
    "backbone": _l(
        "A large network: only the strongest links of each institution are drawn (%(k)s "
        "each), of %(total)s; the panel and the downloads have them all."
    ),
    "meetings": _l("Meetings and events together"),
    "unconfirmed": _l("unconfirmed"),
    "affiliation": _l("Same working group"),
    "view_saved": _l("View saved."),
    "view_name_needed": _l("Give the view a name."),
    "png_ready": _l("The image of the current view was downloaded."),
    "svg_ready": _l("The SVG of the current view was downloaded."),
    "svg_title": _l("The coalition's network"),
    "table_count": _l("Institutions in the table: %(shown)s of %(total)s."),
}

#: Rows of the institutions' table in the page's HTML (the top by weighted degree); the
#: script adds `TABLE_MORE` at a time, and sorts, from the details document.
TABLE_FIRST = 20
TABLE_MORE = 100

#: One line per measure, in plain language: the page shows them beside the figures.
MEASURE_HELP = {
    "degree": _l("Degree: how many institutions it collaborates with."),
    "weighted_degree": _l(
        "Weighted degree: how much it collaborates, adding up the weight of each of its links."
    ),
    "betweenness": _l(
        "Betweenness: how much it connects institutions that otherwise do not talk to each other."
    ),
    "eigenvector": _l(
        "Eigenvector: how central its partners are; high when it works with institutions that "
        "are central themselves."
    ),
    "closeness": _l("Closeness: how few steps it takes to reach every other institution."),
    "sectors_reached": _l("Sectors reached: how many other sectors it collaborates with."),
    "broker": _l(
        "Broker score: pairs of its partners, from different sectors, that only it connects."
    ),
    "communities": _l(
        "Communities: institutions that collaborate more among themselves than with the rest "
        "(Louvain)."
    ),
    "isolates": _l(
        "Isolated: members with no collaboration at all (no tie, shared meeting or shared "
        "work), whatever groups they are in."
    ),
    "weakly_tied": _l("Weakly tied: members held by a single link, or by very weak ones."),
}


@bp.record_once
def _create_cache(state) -> None:
    network_cache.init_app(state.app)


def _as_of() -> date:
    """The "as of" date from the query string (default today); anything else is a 400."""
    try:
        return parse_as_of(request.args.get("as_of", ""))
    except ValueError as error:
        abort(400, description=str(error))


def _snapshot(as_of: date):
    authorize(current_user, "view_network")
    return network_cache.get_cache().get(as_of)


def _building_response() -> Response:
    response = current_app.json.response(NetworkBuilding.now().model_dump(mode="json"))
    response.status_code = 202
    response.headers["Retry-After"] = "5"
    return response


def _headers(response: Response, snapshot) -> Response:
    response.headers["X-Network-Version"] = str(snapshot.version)
    response.headers["X-Network-Age"] = str(int(snapshot.age_seconds))
    response.headers["X-Network-Stale"] = "1" if snapshot.stale else "0"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def serve_json(as_of: date, download: bool) -> Response:
    """The cached node-link JSON of `as_of` (202 while a first large build runs)."""
    snapshot = _snapshot(as_of)
    if snapshot is None:
        return _building_response()
    try:
        payload = snapshot.json_bytes()
    except LookupError:  # superseded and expired between two reads: the client retries
        abort(503)
    response = Response(payload, mimetype="application/json")
    if download:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="coalition-network-{as_of.isoformat()}.json"'
        )
    return _headers(response, snapshot)


@bp.get("/network.json")
def network_json():
    return serve_json(_as_of(), download=request.args.get("download") == "1")


@bp.get("/network/<any(graph, details):part>.json")
def page_document(part: str):
    """One of the page's two documents (`page_documents`): the drawing, or the details."""
    snapshot = _snapshot(_as_of())
    if snapshot is None:
        return _building_response()
    try:
        payload = snapshot.derived(part, page_documents.DERIVED)
    except LookupError:
        abort(503)
    return _headers(Response(payload, mimetype="application/json"), snapshot)


EXPORTS = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
}


@bp.get("/network.<any(gexf, graphml):fmt>")
def network_export(fmt: str):
    as_of = _as_of()
    snapshot = _snapshot(as_of)
    if snapshot is None:
        return _building_response()
    try:
        payload = snapshot.export(fmt)
    except LookupError:
        abort(503)
    response = Response(payload, mimetype=EXPORTS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="coalition-network-{as_of.isoformat()}.{fmt}"'
    )
    return _headers(response, snapshot)


def _number_formatter():
    """A fast locale-aware number formatter for the long table (Babel's is ~20 µs a call)."""
    locale = get_locale()
    symbols = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})

    def number(value, digits: int = 0) -> str:
        if value is None:
            return "–"
        return f"{value:,.{digits}f}".translate(symbols)

    return number


def _whole(value: Any) -> int:
    """Jinja's `|int` of a figure (0 for none)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


#: One row of the figures by institution; its cells are filled escaped.
_INSTITUTION_ROW = (
    '\n      <tr data-node-id="{}" data-label="{}" data-degree="{}" data-weighted_degree="{}"'
    ' data-betweenness="{}" data-eigenvector="{}" data-closeness="{}" data-sectors_reached="{}"'
    ' data-broker="{}">'
    '\n        <th scope="row" class="fw-normal"><button type="button"'
    ' class="btn btn-link btn-sm p-0 text-start network-select" data-node-id="{}">{}</button></th>'
    '\n        <td data-label="{}"><span class="sector-dot sector-{}" aria-hidden="true"></span>'
    " {}</td>"
    '\n        <td class="text-end" data-label="{}">{}</td>'
    '\n        <td class="text-end" data-label="{}">{}</td>'
    '\n        <td class="text-end" data-label="{}">{}</td>'
    '\n        <td class="text-end" data-label="{}">{}</td>'
    '\n        <td class="text-end" data-label="{}">{}</td>'
    '\n        <td class="text-end" data-label="{}">{}</td>'
    '\n        <td class="text-end" data-label="{}">{}</td>'
    "\n      </tr>\n    "
)


def institution_rows(
    nodes: list[dict[str, Any]], sector_names: dict[str, str], number, labels: list[str]
) -> Markup:
    """The figures by institution's first rows, as the template loop wrote them (some twenty
    values a row, each escaped: the largest part of the page's template). `labels`: the
    cells' headings for narrow screens, sector to broker score."""
    sector, degree, weighted, betweenness, eigenvector, closeness, reached, broker = labels
    values: list[Any] = []
    for n in nodes:
        w = n["weighted_degree"]
        values += (
            n["id"], n["label"], n["degree"], w, n["betweenness"], n["eigenvector"],
            n["closeness"] if n["closeness"] is not None else -1, n["sectors_reached"],
            n["broker"], n["id"], n["label"],
            sector, n["sector"], sector_names.get(n["sector"], n["sector"]),
            degree, n["degree"],
            weighted, number(w, 0 if w == _whole(w) else 1),
            betweenness, number(n["betweenness"], 3),
            eigenvector, number(n["eigenvector"], 3),
            closeness, number(n["closeness"], 3),
            reached, n["sectors_reached"],
            broker, number(n["broker"]),
        )  # fmt: skip
    texts = escape_each(values)
    width = _INSTITUTION_ROW.count("{}")
    return Markup(
        "".join(
            [_INSTITUTION_ROW.format(*texts[at : at + width]) for at in range(0, len(texts), width)]
        )
    )


def mixing_rows(matrix: dict[str, dict[str, int]], sector_names: dict[str, str]) -> Markup:
    """The sector mixing table's rows, as the template loop wrote them: each cell's links and
    its shade (0 to 9, of the largest cell). A format, a rounding and three outputs per cell
    through the template's generators were a sixth of what the page's template still did."""
    peak = 0
    for row in matrix.values():
        for links in row.values():
            if links > peak:
                peak = links
    values: list[Any] = []
    widths = []
    number = number_formatter()
    for sector, row in matrix.items():
        values += (sector, sector_names.get(sector, sector))
        for links in row.values():
            values += (math.ceil(9 * links / peak) if peak else 0, number(links))
        widths.append(len(row))
    texts = escape_each(values)
    parts: list[str] = []
    at = 0
    for width in widths:
        sector, name, cells = texts[at], texts[at + 1], texts[at + 2 : at + 2 + 2 * width]
        at += 2 + 2 * width
        parts.append(
            f'\n        <tr><th scope="row" class="small text-start"><span class="sector-dot'
            f' sector-{sector}" aria-hidden="true"></span> {name}</th>\n        '
        )
        parts += [
            f'\n          \n          <td class="heat-{shade}">{links}</td>\n        '
            for shade, links in zip(cells[0::2], cells[1::2], strict=True)
        ]
        parts.append("</tr>\n      ")
    return Markup("".join(parts))


def over_time_rows(rows: list[dict[str, Any]], labels: list[str]) -> Markup:
    """The network's year ends as the template loop wrote them (four formats, a rounding and
    some fifteen outputs a row). `labels`: the cells' headings for narrow screens."""
    institutions, density, largest, cross = labels
    number, density_text, percent = (
        number_formatter(),
        number_formatter("0.000"),
        number_formatter("0"),
    )
    values: list[Any] = []
    for row in rows:
        share = row["cross_sector_share"]
        values += (
            row["label"],
            institutions,
            number(row["node_count"]),
            density,
            density_text(row["density"]),
            largest,
            number(row["largest_component_size"]),
            cross,
        )
        if share is not None:
            values += (int(round(100 * share)), percent(100 * share))
    texts = escape_each(values)
    parts: list[str] = []
    at = 0
    for row in rows:
        label, w_i, n, w_d, d, w_l, size, w_c = texts[at : at + 8]
        at += 8
        if row["cross_sector_share"] is None:
            bar = "–"
        else:
            pct, figure = texts[at : at + 2]
            at += 2
            bar = (
                '\n            <div class="progress network-bar" role="presentation">'
                f'<div class="progress-bar w-pct-{pct}"></div></div>'
                f'\n            <span class="small">{figure} %</span>'
            )
        parts.append(
            f'\n        \n        <tr>\n          <th scope="row" class="fw-normal">{label}</th>'
            f'\n          <td class="text-end" data-label="{w_i}">{n}</td>'
            f'\n          <td class="text-end" data-label="{w_d}">{d}</td>'
            f'\n          <td class="text-end" data-label="{w_l}">{size}</td>'
            f'\n          <td data-label="{w_c}">{bar}</td>\n        </tr>\n      '
        )
    return Markup("".join(parts))


@bp.get("/network")
def page():
    as_of = _as_of()
    snapshot = _snapshot(as_of)
    if snapshot is None:
        return _render_page(as_of, None), 202  # the first build is on its way
    if snapshot.building or snapshot.stale:
        return _render_page(as_of, snapshot)
    # A current version: served from the cache while nothing it shows has changed
    # (coalition_app/page_cache); the age it states, in minutes, is part of the key.
    age_minutes = int(snapshot.age_seconds // 60)
    return page_cache.render_page(
        (snapshot.key, age_minutes), lambda: _render_page(as_of, snapshot)
    )


class RecentIntroduction(NamedTuple):
    """One of the latest introductions, as the page lists it: a row, not an Introduction
    with its two institutions (each with its sector and state) loaded as objects."""

    first: str
    second: str
    introduced_at: datetime
    to_people: bool
    task_id: int | None


_FIRST, _SECOND = aliased(Institution), aliased(Institution)
# Built once (the pairs bound as an expanding list of tuples, the limit as a number).
_LAST_INTRODUCED = (
    select(
        Introduction.institution_a_id,
        Introduction.institution_b_id,
        func.max(Introduction.introduced_at),
    )
    .where(
        tuple_(Introduction.institution_a_id, Introduction.institution_b_id).in_(
            bindparam("pairs", expanding=True)
        )
    )
    .group_by(Introduction.institution_a_id, Introduction.institution_b_id)
)
_RECENT_INTRODUCTIONS = (
    select(
        _FIRST.name,
        _SECOND.name,
        Introduction.introduced_at,
        Introduction.to_people,
        Introduction.task_id,
    )
    .join(_FIRST, _FIRST.id == Introduction.institution_a_id)
    .join(_SECOND, _SECOND.id == Introduction.institution_b_id)
    .order_by(Introduction.introduced_at.desc(), Introduction.id.desc())
    .limit(bindparam("limit"))
)


def _introductions_of(summary) -> tuple[dict[tuple[int, int], datetime], list[RecentIntroduction]]:
    """When each suggested pair was last introduced, and the latest introductions (two
    statements, plain rows)."""
    pairs = [(s["u"], s["v"]) for s in (summary or {}).get("introductions", [])]
    last: dict[tuple[int, int], datetime] = {}
    if pairs:
        last = {
            (first, second): when
            for first, second, when in db_session.execute(_LAST_INTRODUCED, {"pairs": pairs})
        }
    recent = [
        RecentIntroduction(*row) for row in db_session.execute(_RECENT_INTRODUCTIONS, {"limit": 5})
    ]
    return last, recent


def _render_page(as_of: date, snapshot) -> str:
    lang = current_language()
    introduced, recent_introductions = _introductions_of(snapshot.summary if snapshot else None)
    sectors = db_session.scalars(SECTORS_IN_ORDER).all()
    groups = db_session.scalars(
        select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.slug)
    ).all()
    sector_names = {s.slug: s.name(lang) for s in sectors}
    group_names = {g.slug: g.name(lang) for g in groups}
    query = {"as_of": as_of.isoformat()} if request.args.get("as_of") else {}
    measure_help = translated_texts(MEASURE_HELP)
    client_config = {
        "graphUrl": url_for("network.page_document", part="graph", **query),
        "detailsUrl": url_for("network.page_document", part="details", **query),
        "tableFirst": TABLE_FIRST,
        "tableMore": TABLE_MORE,
        "profileUrl": url_for("network.page").rsplit("/", 1)[0] + "/institutions/",
        "sectors": sector_names,
        "groups": group_names,
        "tieKinds": {kind.value: label(kind) for kind in TieKind},
        "strings": translated_texts(PANEL_STRINGS),
        "help": measure_help,
        "asOf": as_of.isoformat(),
    }
    return render_template(
        "network/page.html",
        snapshot=snapshot,
        summary=snapshot.summary if snapshot else None,
        as_of=as_of,
        today=clock.today(),
        first_day=date(FIRST_YEAR, 1, 1),
        query=query,
        sectors=sectors,
        sector_names=sector_names,
        group_names=group_names,
        tie_kinds=list(TieKind),
        weights={
            **measures.weight_rule_values(),
            "half_life": ngettext("%(num)s year", "%(num)s years", measures.TIE_HALF_LIFE_YEARS),
        },
        measure_help=measure_help,
        introduced=introduced,
        recent_introductions=recent_introductions,
        may_introduce=can(current_user, "introduce_institutions"),
        client_config=client_config,
        number=_number_formatter(),
        institution_rows=institution_rows,
        mixing_rows=mixing_rows,
        over_time_rows=over_time_rows,
        table_first=TABLE_FIRST,
    )


# Built once, the two ids bound.
_PAIR = (
    select(Institution)
    .where(Institution.id.in_(bindparam("ids", expanding=True)))
    .options(
        lazyload(Institution.sector),
        lazyload(Institution.state),
        joinedload(Institution.focal_point).lazyload(User.institution),
    )
)


def _pair(first_id: int, second_id: int) -> tuple[Institution, Institution]:
    """Both institutions and their focal points in one statement (whom the message goes to);
    their sector and state, which nothing here shows, are not joined."""
    if first_id == second_id:
        abort(404)
    found = db_session.scalars(_PAIR, {"ids": [first_id, second_id]}).all()
    if len(found) != 2:
        abort(404)
    return introductions.ordered(found[0], found[1])


@bp.route("/network/introductions/<int:first_id>/<int:second_id>", methods=["GET", "POST"])
def introduce(first_id: int, second_id: int):
    """ "Introduce" on a suggestion: one message to both focal points, remembered."""
    authorize(current_user, "introduce_institutions")
    first, second = _pair(first_id, second_id)
    form = IntroductionForm()
    if request.method == "GET":
        form.subject.data = _(
            "An introduction: %(first)s and %(second)s", first=first.name, second=second.name
        )
        form.message.data = _(
            "Dear colleagues,\n\nOn behalf of the coalition's coordination we would like to "
            "introduce %(first)s and %(second)s to each other. We think you could work well "
            "together: please reply to each other to arrange a first conversation.\n\n"
            "Kind regards,\n%(name)s",
            first=first.name,
            second=second.name,
            name=current_user.full_name,
        )
    elif form.validate_on_submit():
        try:
            introductions.introduce(
                first,
                second,
                by=current_user,
                subject=form.subject.data or "",
                message=form.message.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "The introduction of %(first)s and %(second)s was sent.",
                    first=first.name,
                    second=second.name,
                ),
                "success",
            )
            return redirect(url_for("network.page") + "#introductions-heading")
    return _introduce_page(first, second, form=form)


@bp.post("/network/introductions/<int:first_id>/<int:second_id>/task")
def introduce_by_task(first_id: int, second_id: int):
    """The other way to introduce: a task for a chair, through the work's use cases."""
    authorize(current_user, "introduce_institutions")
    first, second = _pair(first_id, second_id)
    task_form = IntroductionTaskForm(prefix="task")
    if task_form.validate_on_submit():
        deliverable = db_session.get(Deliverable, task_form.deliverable_id.data or 0)
        chair = db_session.get(User, task_form.assignee_id.data or 0)
        try:
            if deliverable is None or deliverable.archived_at is not None:
                raise DomainError(_("Choose a deliverable."), field="deliverable_id")
            if chair is None:
                raise DomainError(_("Choose a chair."), field="assignee_id")
            introduction = introductions.introduce_by_task(
                first,
                second,
                by=current_user,
                deliverable=deliverable,
                chair=chair,
                title=task_form.title.data or "",
                description=task_form.description.data or "",
                due_on=task_form.due_on.data,
            )
        except DomainError as error:
            attach_error(task_form, error)
        else:
            assert introduction.task is not None
            flash(
                _(
                    "%(chair)s has the task of introducing %(first)s and %(second)s.",
                    chair=chair.full_name,
                    first=first.name,
                    second=second.name,
                ),
                "success",
            )
            return redirect(url_for("work.task", task_id=introduction.task.id))
    return _introduce_page(first, second, task_form=task_form, status=400)


def _task_choices(
    first: Institution, second: Institution, form: IntroductionTaskForm
) -> list[WorkingGroup]:
    """The task goes on a deliverable of a group both share (any group if they share none)
    to one of its chairs. Three statements, whatever the number of groups or chairs."""
    day = clock.today()
    groups, offered = introductions.groups_for_task(first, second, day)
    lang = current_language()
    deliverables = db_session.execute(
        select(Deliverable.id, Deliverable.group_id, Deliverable.title)
        .where(Deliverable.group_id.in_([g.id for g in offered]), Deliverable.archived_at.is_(None))
        .order_by(Deliverable.group_id, Deliverable.title, Deliverable.id)
    ).all()
    by_id = {g.id: g for g in offered}
    form.deliverable_id.choices = choices(
        [("", _("Choose a deliverable"))]
        + [(d.id, f"{by_id[d.group_id].name(lang)} — {d.title}") for d in deliverables]
    )
    form.assignee_id.choices = choices(
        [("", _("Choose a chair"))]
        + [
            (row.person_id, f"{row.full_name} ({by_id[row.group_id].name(lang)})")
            for row in introductions.current_chairs(offered, day)
        ]
    )
    return groups


def _introduce_page(
    first: Institution,
    second: Institution,
    *,
    form: IntroductionForm | None = None,
    task_form: IntroductionTaskForm | None = None,
    status: int | None = None,
):
    if form is None:
        form = IntroductionForm(formdata=None)
        form.subject.data = _(
            "An introduction: %(first)s and %(second)s", first=first.name, second=second.name
        )
    if task_form is None:
        task_form = IntroductionTaskForm(formdata=None, prefix="task")
        task_form.title.data = _(
            "Introduce %(first)s and %(second)s", first=first.name, second=second.name
        )
        task_form.description.data = _(
            "Put %(first)s and %(second)s in touch: the network page suggests they could work"
            " well together.",
            first=first.name,
            second=second.name,
        )
    shared = _task_choices(first, second, task_form)
    sides = introductions.recipients_of(first, second)
    earlier = db_session.scalars(
        select(Introduction)
        .where(
            Introduction.institution_a_id == first.id, Introduction.institution_b_id == second.id
        )
        .order_by(Introduction.introduced_at.desc())
    ).all()
    if status is None:
        status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "network/introduce.html",
            form=form,
            task_form=task_form,
            shared_groups=[g.name(current_language()) for g in shared],
            first=first,
            second=second,
            sides=sides,
            earlier=earlier,
        ),
        status,
    )
