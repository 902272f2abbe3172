"""The network page and its downloads: load → authorise → serve the cache.

`GET /api/v1/network` is in `network/api.py`, on the API blueprint; it serves the same
cached document as `/network.json` (`serve_json`).
"""

from __future__ import annotations

from datetime import date

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import Sector, TieKind, WorkingGroup

from ..core import clock, page_cache
from ..core.db import session as db_session
from ..core.i18n import current_language
from ..core.labels import label
from ..policy import authorize
from . import cache as network_cache
from . import measures
from .build import FIRST_YEAR
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


def _render_page(as_of: date, snapshot) -> str:
    lang = current_language()
    sectors = db_session.scalars(select(Sector).order_by(Sector.position, Sector.slug)).all()
    groups = db_session.scalars(
        select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.slug)
    ).all()
    sector_names = {s.slug: s.name(lang) for s in sectors}
    group_names = {g.slug: g.name(lang) for g in groups}
    query = {"as_of": as_of.isoformat()} if request.args.get("as_of") else {}
    client_config = {
        "dataUrl": url_for("network.network_json", **query),
        "profileUrl": url_for("network.page").rsplit("/", 1)[0] + "/institutions/",
        "sectors": sector_names,
        "groups": group_names,
        "tieKinds": {kind.value: label(kind) for kind in TieKind},
        "strings": {key: str(value) for key, value in PANEL_STRINGS.items()},
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
            "tie": measures.TIE_WEIGHT,
            "deliverable": measures.DELIVERABLE_WEIGHT,
            "group": measures.GROUP_WEIGHT,
        },
        client_config=client_config,
        number=_number_formatter(),
    )
