from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..core.csv import csv_response
from ..policy import authorize
from . import service as audit
from .sentences import action_choices, describe

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filters() -> dict:
    """The filters of the query string. A value that is not one (a date that is no date) is
    ignored, and the form shows it empty; any real date works, 0001-01-01 to 9999-12-31."""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return {
        "action": request.args.get("action", "").strip()[:64] or None,
        "actor": request.args.get("actor", "").strip()[:254] or None,
        "since": day("since"),
        "until": day("until"),
    }


def _page() -> int:
    """The page asked for: a whole number from 1 (anything else is the first page; past the
    last is the last, `audit.search`)."""
    text = request.args.get("page", "1").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    # More digits than any page count has: the last page (and int() refuses thousands).
    return audit.LAST_PAGE if len(text) > 18 else max(1, int(text))


@bp.get("/")
def index():
    authorize(current_user, "manage_coalition")
    filters = _filters()
    results = audit.search(**filters, page=_page())
    return render_template(
        "audit/index.html",
        results=results,
        filters=filters,
        actions=action_choices(audit.actions()),
        sentences=describe(results.events),
    )


@bp.get("/export.csv")
def export():
    authorize(current_user, "manage_coalition")
    filters = _filters()
    rows = list(audit.export_rows(**filters))
    audit.record(
        current_user,
        "audit.export",
        "audit_log",
        None,
        filters={k: v for k, v in filters.items() if v},
    )
    return csv_response(rows, "audit.csv")
