"""The ties' pages: record one from a profile, its page (answer, edit, end, history), the
coalition-wide list, and the CSV export and import."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from models import Tie

from ..core import clock
from ..core.csv import csv_response
from ..core.csv_import import CsvImport
from ..core.errors import DomainError, DomainErrors, EditConflict
from ..core.forms import attach_error
from ..core.html import escape_each
from ..core.i18n import date_formatter
from ..core.labels import label
from ..core.staged_uploads import StagedUploads
from ..core.url_patterns import url_pattern
from ..directory import service as directory
from ..policy import authorize
from . import csv_io as tie_io
from . import queries
from . import service as ties
from .forms import AnswerForm, EndTieForm, TieForm

bp = Blueprint("ties", __name__)

#: The file between the import's preview and its confirmation.


def _imported(result) -> str:
    return _(
        "Imported: %(new)s, %(updated)s, %(unchanged)s.",
        new=ngettext("%(num)s new tie", "%(num)s new ties", result.count(tie_io.NEW)),
        updated=ngettext(
            "%(num)s tie updated", "%(num)s ties updated", result.count(tie_io.UPDATE)
        ),
        unchanged=ngettext(
            "%(num)s tie unchanged", "%(num)s ties unchanged", result.count(tie_io.UNCHANGED)
        ),
    )


IMPORT = CsvImport(
    csv=tie_io,
    template="ties/import.html",
    uploads=StagedUploads("tie_import", prefix="ties-"),
    upload_endpoint="ties.import_upload",
    confirm_endpoint="ties.import_confirm",
    done_endpoint="ties.index",
    summary=_imported,
)


def _show_error(form: TieForm, error: DomainError) -> None:
    """A rule's message next to its field; a duplicate links to the tie already recorded."""
    if isinstance(error, DomainErrors):
        for each in error.errors:
            _show_error(form, each)
        return
    if isinstance(error, ties.DuplicateTie):
        error = DomainError(
            Markup(
                escape(str(error.message))
                + " "
                + Markup('<a href="%s">%s</a>')
                % (url_for("ties.detail", tie_id=error.existing.id), _("Open it."))
            ),
            field="since",
        )
    attach_error(form, error)


def _conflict_message(conflict: EditConflict) -> str:
    when = format_datetime(conflict.changed_at, "medium") if conflict.changed_at else "—"
    return _(
        "Not saved: %(who)s changed this tie at %(when)s, after you opened the form. A field "
        "you had not changed now holds their value, one only you changed keeps what you typed; "
        "where you both changed a field, choose. Review the form and save again.",
        who=conflict.changed_by or _("someone"),
        when=when,
    )


# --- record -------------------------------------------------------------------------------------


@bp.route("/institutions/<int:institution_id>/ties/new", methods=["GET", "POST"])
def record(institution_id: int):
    institution = directory.load_institution(institution_id)
    authorize(current_user, "record_tie", institution)
    today = clock.today()
    candidates = queries.partner_candidates(institution, today)
    form = TieForm()
    status = 200
    if request.method == "GET":
        form.since.data = today
    elif form.validate_on_submit():
        try:
            picked = (
                directory.picked_institution(form.other.data or "", candidates, "other")
                if form.other.data
                else None
            )
            other = directory.load_institution(picked.id) if picked else None
            tie = ties.record_tie(institution, other, form.data_of(), current_user, today)
        except DomainError as error:
            _show_error(form, error)
            status = 400
        else:
            flash(
                _("Collaboration recorded. It shows as unconfirmed until %(name)s answers.")
                % {"name": tie.other_than(institution.id).name},
                "success",
            )
            return redirect(url_for("ties.detail", tie_id=tie.id))
    else:
        status = 400
    return render_template(
        "ties/form.html", form=form, institution=institution, tie=None, candidates=candidates
    ), status


# --- one tie ------------------------------------------------------------------------------------


def _render_tie(
    tie: Tie,
    answer_form: AnswerForm | None = None,
    end_form: EndTieForm | None = None,
    status: int = 200,
):
    today = clock.today()
    if end_form is None:
        end_form = EndTieForm(formdata=None, version=tie.version, ends_on=today)
    return render_template(
        "ties/detail.html",
        tie=tie,
        history=queries.history(tie),
        answer_form=answer_form or AnswerForm(formdata=None),
        end_form=end_form,
        today=today,
    ), status


@bp.get("/ties/<int:tie_id>")
def detail(tie_id: int):
    tie = queries.load_tie(tie_id)
    authorize(current_user, "view_tie", tie)
    return _render_tie(tie)


@bp.post("/ties/<int:tie_id>/answer")
def answer(tie_id: int):
    tie = queries.load_tie(tie_id)
    authorize(current_user, "answer_tie", tie)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_tie(tie, answer_form=form, status=400)
    if form.answer.data not in ("confirm", "decline"):
        abort(400)
    try:
        ties.answer_tie(
            tie, current_user, confirm=form.answer.data == "confirm", reason=form.reason.data or ""
        )
    except DomainError as error:
        attach_error(form, error)
        return _render_tie(tie, answer_form=form, status=400)
    flash(_("Tie confirmed.") if form.answer.data == "confirm" else _("Tie declined."), "success")
    return redirect(url_for("ties.detail", tie_id=tie.id))


@bp.route("/ties/<int:tie_id>/edit", methods=["GET", "POST"])
def edit(tie_id: int):
    tie = queries.load_tie(tie_id)
    authorize(current_user, "edit_tie", tie)
    today = clock.today()
    form = TieForm(obj=tie if request.method == "GET" else None)
    conflict, merges, status = None, [], 200
    if request.method == "GET":
        form.kind.data = tie.kind.value
        form.build_from(tie)
    else:
        form.take_chosen(tie)
        valid = form.validate_on_submit()
        merges = form.choices_missing(tie)
        status = 400
        if valid and not merges:
            try:
                ties.edit_tie(
                    tie,
                    form.data_of(),
                    current_user,
                    today,
                    expected_version=form.expected_version(),
                )
            except EditConflict as error:
                conflict = _conflict_message(error)
                merges = form.merge(tie)
                status = 409
            except DomainError as error:
                _show_error(form, error)
            else:
                flash(_("Tie saved."), "success")
                return redirect(url_for("ties.detail", tie_id=tie.id))
        elif merges:
            conflict = _("Not saved yet: for each field you and someone else both changed, choose.")
    return render_template(
        "ties/form.html",
        form=form,
        institution=tie.recorded_for or tie.institution_a,
        tie=tie,
        candidates=[],
        conflict=conflict,
        merges=merges,
    ), status


@bp.post("/ties/<int:tie_id>/end")
def end(tie_id: int):
    tie = queries.load_tie(tie_id)
    authorize(current_user, "end_tie", tie)
    form = EndTieForm()
    if not form.validate_on_submit():
        return _render_tie(tie, end_form=form, status=400)
    try:
        version = int(form.version.data) if form.version.data else None
    except ValueError:
        version = None
    try:
        ties.end_tie(tie, form.ends_on.data, current_user, clock.today(), expected_version=version)
    except EditConflict:
        form.version.data = tie.version
        form.ends_on.errors = [
            _("Someone changed this tie after you opened the page: check it and end it again.")
        ]
        return _render_tie(tie, end_form=form, status=409)
    except DomainError as error:
        attach_error(form, error)
        return _render_tie(tie, end_form=form, status=400)
    flash(_("Tie ended."), "success")
    return redirect(url_for("ties.detail", tie_id=tie.id))


# --- the coalition's list, export and import ----------------------------------------------------


@bp.get("/ties")
def index():
    authorize(current_user, "manage_ties")
    query = queries.TieQuery.from_args(request.args)
    page = queries.tie_rows_page(query, clock.today())
    return render_template("ties/index.html", page=page, rows=tie_rows(page.ties))


#: The kinds a tie may have, in the order the filter offers them.
KINDS = ("joint_project", "agreement", "event", "coauthorship", "data_sharing", "funding", "other")


def tie_rows(rows: Iterable[Any]) -> Markup:
    """The ties table's rows (the cells of `ties/_macros.html`): the markup the template's
    loop wrote, written here because fifty rows of some fifteen values each were most of
    the page's cost."""
    t_institutions, t_kind, t_dates, t_situation, t_ongoing = (
        escape(_("Institutions")),
        escape(_("Kind")),
        escape(_("Dates")),
        escape(_("Situation")),
        escape(_("ongoing")),
    )
    unconfirmed = (
        f'<span class="badge text-bg-warning tie-status">{escape(_("unconfirmed"))}</span>\n'
    )
    declined = f'<span class="badge text-bg-secondary tie-status">{escape(_("declined"))}</span>\n'
    confirmed = f'<span class="badge text-bg-success tie-status">{escape(_("confirmed"))}</span>'
    kinds = {kind: escape(label(kind)) for kind in KINDS}
    tie_url = url_pattern("ties.detail", "tie_id")
    profile_url = url_pattern("directory.profile", "institution_id")
    day = date_formatter("medium")
    rows = list(rows)
    # The rows' own values escaped in one call (one `escape` a cell was most of the cost).
    values: list[Any] = []
    for t in rows:
        values += (
            tie_url(t.id),
            t.title or "",
            profile_url(t.institution_a_id),
            t.institution_a_label,
            profile_url(t.institution_b_id),
            t.institution_b_label,
            day(t.since),
            day(t.ends_on) if t.ends_on else "",
        )
    texts = escape_each(values)
    out = []
    for at, t in enumerate(rows):
        link, title, a_link, a_label, b_link, b_label, since, ends = texts[8 * at : 8 * at + 8]
        kind = kinds[t.kind]
        if t.status == "unconfirmed":
            badge = unconfirmed
        elif t.status == "declined":
            badge = declined
        else:
            badge = confirmed
        out.append(
            "\n    \n    <tr>\n"
            f'      <td><a href="{link}">{title or kind}</a></td>\n'
            f'      <td data-label="{t_institutions}">'
            f'<a href="{a_link}">{a_label}</a> — <a href="{b_link}">{b_label}</a></td>\n'
            f'      <td data-label="{t_kind}">{kind}</td>\n'
            f'      <td data-label="{t_dates}">{since} – {ends or t_ongoing}</td>\n'
            f'      <td data-label="{t_situation}">\n{badge}\n</td>\n'
            "    </tr>\n  "
        )
    return Markup("".join(out))


@bp.get("/ties/export.csv")
def export():
    authorize(current_user, "view_directory")
    rows = tie_io.export_table(current_user)
    return csv_response(rows, f"ties-{clock.today().isoformat()}.csv")


@bp.route("/ties/import", methods=["GET", "POST"])
def import_upload():
    authorize(current_user, "manage_ties")
    return IMPORT.upload()


@bp.post("/ties/import/confirm")
def import_confirm():
    authorize(current_user, "manage_ties")
    return IMPORT.confirm()
