from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..core.csv import csv_response
from ..policy import authorize
from . import service as audit

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filters() -> dict:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None  # a bad date is ignored, and the form shows it empty

    return {
        "action": request.args.get("action", "").strip()[:64] or None,
        "actor": request.args.get("actor", "").strip()[:254] or None,
        "since": day("since"),
        "until": day("until"),
    }


@bp.get("/")
def index():
    authorize(current_user, "manage_coalition")
    filters = _filters()
    page = request.args.get("page", "1")
    results = audit.search(**filters, page=int(page) if page.isdigit() else 1)
    return render_template(
        "audit/index.html", results=results, filters=filters, actions=audit.actions()
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
