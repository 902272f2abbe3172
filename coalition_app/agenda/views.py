"""Recommendations, the agenda, positions, initiatives and endorsements:
load → authorise → validate → call a use case → redirect or render."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select
from wtforms import SelectChoice, SelectMultipleField

from models import (
    AgendaEdition,
    Answer,
    AuthorisedEndorser,
    Chamber,
    Institution,
    Position,
    PositionKind,
    PositionStatus,
    Recommendation,
    RecommendationEvidence,
    RecommendationStatus,
    State,
    User,
)

from ..core import clock
from ..core.csv import csv_response
from ..core.db import session
from ..core.errors import DomainError, EditConflict
from ..core.fields import choice_options
from ..core.forms import attach_error, choices, require_action_form
from ..core.html import escape_each
from ..core.i18n import current_language, format_date_once
from ..groups import service as group_service
from ..policy import authorize, can, require_visible
from ..public.site import (
    SitemapEntry,
    cacheable,
    public_page,
    sitemap_source,
    use_address_language,
)
from . import publishing, service
from . import queries as q
from .forms import (
    AmendmentForm,
    DecideForm,
    EditionForm,
    EndorseForm,
    EndorserForm,
    EvidenceForm,
    InitiativeForm,
    MoveForm,
    PositionForm,
    PositionMoveForm,
    RecommendationForm,
)
from .labels import agenda_label

bp = Blueprint("agenda", __name__)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _conflict() -> str:
    return _(
        "Not saved: someone changed this after you opened the form. What you typed is kept "
        "below; compare it with the current text and save again."
    )


# --- a group's recommendations ---------------------------------------------------------------


@bp.route("/groups/<slug>/recommendations", methods=["GET", "POST"])
def group_recommendations(slug: str):
    group = group_service.load_group(slug)
    authorize(current_user, "view_recommendation", group)
    form = RecommendationForm()
    status = 200
    if request.method == "POST":
        authorize(current_user, "create_recommendation", group)
        if form.validate_on_submit():
            try:
                rec = service.create_recommendation(
                    group,
                    current_user,
                    title=form.title.data,
                    text=form.text.data,
                    rationale=form.rationale.data or "",
                )
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(_("Recommendation saved as a draft."), "success")
                return redirect(url_for("agenda.recommendation", recommendation_id=rec.id))
        status = 400
    return render_template(
        "agenda/group_recommendations.html",
        group=group,
        recommendations=q.recommendations_of(group),
        form=form,
        may_create=can(current_user, "create_recommendation", group),
    ), status


def _load(recommendation_id: int) -> Recommendation:
    rec = q.load_recommendation(recommendation_id)
    authorize(current_user, "view_recommendation", rec)
    return rec


def _recommendation_page(rec: Recommendation, status: int = 200, **forms: Any):
    candidates = (
        q.evidence_candidates(rec.group) if can(current_user, "cite_evidence", rec) else None
    )
    evidence_form = forms.get("evidence_form") or EvidenceForm(formdata=None)
    if candidates is not None:
        evidence_form.ref.choices = _evidence_choices(candidates)
    answering = q.institutions_answered_by(current_user)
    endorse_form = forms.get("endorse_form") or EndorseForm(formdata=None)
    endorse_form.institution_id.choices = choices([(i.id, i.name) for i in answering])
    versions = list(rec.versions)
    diffs = q.version_diffs(versions, ("title", "text", "rationale"))
    current_number = versions[-1].number if versions else 1
    amendment_diffs = {a.id: q.word_diff(rec.text, a.proposed_text) for a in rec.amendments}
    tally = (
        q.tallies(recommendations=[rec])[("recommendation", rec.id)]
        if rec.status == RecommendationStatus.ADOPTED
        else None
    )
    return render_template(
        "agenda/recommendation.html",
        rec=rec,
        group=rec.group,
        evidence=q.evidence_items([rec])[rec.id],
        evidence_form=evidence_form,
        amendment_form=forms.get("amendment_form")
        or AmendmentForm(formdata=None, proposed_text=rec.text),
        decide_form=DecideForm(formdata=None),
        move_form=MoveForm(formdata=None, version=rec.version),
        endorse_form=endorse_form,
        answering=answering,
        versions=list(reversed(versions)),
        diffs=diffs,
        current_number=current_number,
        amendment_diffs=amendment_diffs,
        tally=tally,
        names=_people_names(rec),
        error=forms.get("error"),
    ), status


def _evidence_choices(candidates: q.Candidates) -> list[SelectChoice]:
    """The evidence select's options, grouped by kind (an <optgroup> each)."""
    lang = current_language()
    groups = (
        (_("Deliverables"), [(f"deliverable:{d.id}", d.title) for d in candidates.deliverables]),
        (_("Meetings"), [(f"meeting:{m.id}", m.title) for m in candidates.meetings]),
        (
            _("Consultation statements"),
            [(f"consultation_statement:{s.id}", s.text(lang)) for s in candidates.statements],
        ),
        (
            _("Consultation themes"),
            [(f"consultation_theme:{t.id}", t.name) for t in candidates.themes],
        ),
    )
    return [SelectChoice("", _("Choose"))] + [
        SelectChoice(value, label, optgroup=name)
        for name, pairs in groups
        for value, label in pairs
    ]


def _people_names(rec: Recommendation) -> dict[int, str]:
    ids = {rec.approved_by_id, rec.adopted_by_id, rec.created_by_id}
    ids |= {a.decided_by_id for a in rec.amendments}
    ids.discard(None)
    if not ids:
        return {}
    rows = session.execute(_NAMES, {"ids": sorted(ids)})
    return {user_id: name for user_id, name in rows}


# Built once (bound per call): building a statement costs more than running it.
_NAMES = select(User.id, User.full_name).where(User.id.in_(bindparam("ids", expanding=True)))


@bp.get("/recommendations/<int:recommendation_id>")
def recommendation(recommendation_id: int):
    return _recommendation_page(_load(recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
def edit_recommendation(recommendation_id: int):
    rec = _load(recommendation_id)
    authorize(current_user, "edit_recommendation", rec)
    form = RecommendationForm(obj=rec if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = rec.version
        return render_template("agenda/recommendation_edit.html", rec=rec, form=form, conflict=None)
    status = 400
    conflict = None
    if form.validate_on_submit():
        try:
            service.edit_recommendation(
                rec,
                current_user,
                title=form.title.data,
                text=form.text.data,
                rationale=form.rationale.data or "",
                expected_version=_int(form.version.data),
            )
        except EditConflict:
            conflict = _conflict()
            form.version.data = rec.version
            status = 409
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Recommendation saved."), "success")
            return redirect(url_for("agenda.recommendation", recommendation_id=rec.id))
    return render_template(
        "agenda/recommendation_edit.html", rec=rec, form=form, conflict=conflict
    ), status


MOVE_RULES = {
    RecommendationStatus.REVIEW: "chair_recommendation",
    RecommendationStatus.DRAFT: "chair_recommendation",
    RecommendationStatus.APPROVED: "chair_recommendation",
    RecommendationStatus.ADOPTED: "adopt_recommendation",
}


@bp.post("/recommendations/<int:recommendation_id>/move")
def move_recommendation(recommendation_id: int):
    rec = _load(recommendation_id)
    form = MoveForm()
    try:
        target = RecommendationStatus(form.target.data)
    except ValueError:
        authorize(current_user, "chair_recommendation", rec)
        abort(400)
    authorize(current_user, MOVE_RULES[target], rec)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.move_recommendation(rec, target, current_user, _int(form.version.data))
    except EditConflict:
        return _recommendation_page(rec, 409, error=_conflict())
    except DomainError as error:
        return _recommendation_page(rec, 400, error=str(error.message))
    flash(_("The recommendation is now: %(status)s.", status=status_name(target)), "success")
    return redirect(url_for("agenda.recommendation", recommendation_id=rec.id))


@bp.post("/recommendations/<int:recommendation_id>/evidence")
def add_evidence(recommendation_id: int):
    rec = _load(recommendation_id)
    authorize(current_user, "cite_evidence", rec)
    form = EvidenceForm()
    if form.validate_on_submit():
        chosen = form.parsed()
        try:
            if chosen is None:
                raise DomainError(_("Choose what the recommendation answers."), field="ref")
            service.add_evidence(rec, chosen[0], chosen[1], current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Evidence added."), "success")
            return redirect(url_for("agenda.recommendation", recommendation_id=rec.id))
    return _recommendation_page(rec, 400, evidence_form=form)


@bp.post("/recommendations/<int:recommendation_id>/evidence/<int:evidence_id>/remove")
def remove_evidence(recommendation_id: int, evidence_id: int):
    rec = _load(recommendation_id)
    authorize(current_user, "cite_evidence", rec)
    evidence = session.get(RecommendationEvidence, evidence_id)
    if evidence is None or evidence.recommendation_id != rec.id:
        abort(404)
    require_action_form()
    service.remove_evidence(evidence, current_user)
    flash(_("Evidence removed."), "success")
    return redirect(url_for("agenda.recommendation", recommendation_id=rec.id))


@bp.post("/recommendations/<int:recommendation_id>/amendments")
def propose_amendment(recommendation_id: int):
    rec = _load(recommendation_id)
    authorize(current_user, "discuss_recommendation", rec)
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            service.propose_amendment(
                rec, current_user, form.proposed_text.data, form.note.data or ""
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Amendment proposed: a chair will accept or reject it."), "success")
            return redirect(
                url_for("agenda.recommendation", recommendation_id=rec.id) + "#amendments"
            )
    return _recommendation_page(rec, 400, amendment_form=form)


@bp.post("/amendments/<int:amendment_id>/decide")
def decide_amendment(amendment_id: int):
    authorize(current_user, "view_coalition")  # an unknown amendment is a 404 for anyone
    amendment = q.load_amendment(amendment_id)
    rec = amendment.recommendation
    authorize(current_user, "chair_recommendation", rec)
    if rec.status != RecommendationStatus.REVIEW:
        abort(403)
    form = DecideForm()
    if not form.validate_on_submit() or form.decision.data not in ("accept", "reject"):
        abort(400)
    try:
        service.decide_amendment(
            amendment, current_user, form.decision.data == "accept", form.reason.data or ""
        )
    except DomainError as error:
        return _recommendation_page(q.load_recommendation(rec.id), 400, error=str(error.message))
    flash(
        _("Amendment accepted: its text is the new version.")
        if form.decision.data == "accept"
        else _("Amendment rejected."),
        "success",
    )
    return redirect(url_for("agenda.recommendation", recommendation_id=rec.id) + "#amendments")


def _endorse(subject: Position | Recommendation, form: EndorseForm) -> DomainError | None:
    """Authorise and record an endorsement from a form; None when saved."""
    chosen = form.institution_id.data
    institution = session.get(Institution, chosen) if chosen and chosen > 0 else None
    if institution is None:
        authorize(current_user, "endorse", None)  # refused: no institution to answer for
    assert institution is not None
    authorize(current_user, "endorse", (institution, subject))
    form.institution_id.choices = choices([(institution.id, institution.name)])
    if not form.validate_on_submit():
        return DomainError(_("Choose an answer."), field="answer")
    try:
        service.answer(
            subject, institution, current_user, Answer(form.answer.data), form.note.data or ""
        )
    except DomainError as error:
        return error
    return None


@bp.post("/recommendations/<int:recommendation_id>/endorse")
def endorse_recommendation(recommendation_id: int):
    rec = _load(recommendation_id)
    form = EndorseForm()
    error = _endorse(rec, form)
    if error is not None:
        attach_error(form, error)
        return _recommendation_page(rec, 400, endorse_form=form)
    flash(_("Your institution's answer is recorded."), "success")
    return redirect(url_for("agenda.recommendation", recommendation_id=rec.id) + "#endorsements")


# --- the agenda and its editions --------------------------------------------------------------


@bp.get("/agenda")
def agenda():
    authorize(current_user, "view_coalition")
    return _agenda_page(EditionForm(formdata=None))


def _agenda_page(form: EditionForm, status: int = 200):
    data = publishing.live_agenda()
    return render_template(
        "agenda/agenda.html",
        groups=publishing.agenda_groups(data),
        editions=q.editions(),
        form=form,
        approved=list(
            session.scalars(
                select(Recommendation)
                .where(Recommendation.status == RecommendationStatus.APPROVED)
                .order_by(Recommendation.approved_at)
            )
        )
        if can(current_user, "publish_agenda")
        else [],
    ), status


@bp.post("/agenda/editions")
def publish_edition():
    authorize(current_user, "publish_agenda")
    form = EditionForm()
    if form.validate_on_submit():
        try:
            edition = service.publish_edition(current_user, form.note.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _("Edition %(number)s of the agenda is published.", number=edition.number),
                "success",
            )
            return redirect(url_for("agenda.agenda"))
    return _agenda_page(form, 400)


# --- coverage: what no recommendation answers yet ------------------------------------------


def coverage_item_rows(items: list[q.CoverageItem], lang: str) -> Markup:
    """One group's unanswered items on the coverage page (`agenda/coverage.html`): the markup
    the template's loop wrote, written here because each item's label and figures were
    most of the page."""
    values: list[Any] = []
    for item in items:
        values.append(agenda_label(item.kind))
        values.append(item.title_en if lang == "en" and item.title_en else item.title)
        for key, value in item.figures:
            values.append(agenda_label(key))
            if key == "date":
                day = value if not isinstance(value, str) else date.fromisoformat(value)
                values.append(format_date_once(day, "medium"))
            else:
                values.append(value)
    texts = iter(escape_each(values))
    out = []
    for item in items:
        kind, title = next(texts), next(texts)
        if item.figures:
            figures = " · ".join([f"{next(texts)}: {next(texts)}" for _figure in item.figures])
            figures = f'<span class="d-block small text-body-secondary">{figures}</span>'
        else:
            figures = ""
        out.append(
            '\n    <li class="card mb-2"><div class="card-body py-2">\n'
            f'      <span class="badge text-bg-light">{kind}</span>\n'
            f"      {title}\n"
            f"      {figures}\n"
            "    </div></li>\n    "
        )
    return Markup("".join(out))


@bp.get("/agenda/coverage")
def coverage():
    authorize(current_user, "view_coverage")
    groups = publishing.coverage()
    lang = current_language()
    return render_template(
        "agenda/coverage.html",
        groups=groups,
        item_rows=[coverage_item_rows(g.items, lang) for g in groups],
        total=sum(len(g.items) for g in groups),
    )


@bp.get("/agenda/coverage.csv")
def coverage_csv():
    authorize(current_user, "view_coverage")
    lang = current_language()
    rows: list[list[object]] = [
        [_("Working group"), _("Kind"), _("Number"), _("Text"), _("Figures")]
    ]
    for entry in publishing.coverage():
        name = entry.group.name(lang) if entry.group else _("No group assigned")
        for item in entry.items:
            rows.append(
                [
                    name,
                    agenda_label(item.kind),
                    item.ref_id,
                    item.title_en if lang == "en" and item.title_en else item.title,
                    " · ".join(f"{agenda_label(k)}: {v}" for k, v in item.figures),
                ]
            )
    return csv_response(rows, f"agenda-coverage-{clock.today().isoformat()}.csv")


# --- initiatives -------------------------------------------------------------------------------


def _state_choices(form: InitiativeForm) -> None:
    # Rows of the names, not objects: the form only reads them.
    states = session.execute(select(State.code, State.name_es).order_by(State.name_es))
    form.state_code.choices = choices(
        [("", _("— none —"))] + [(code, name) for code, name in states]
    )


@bp.route("/initiatives", methods=["GET", "POST"])
def initiatives():
    authorize(current_user, "view_coalition")
    form = InitiativeForm()
    _state_choices(form)
    status = 200
    if request.method == "POST":
        authorize(current_user, "manage_initiatives")
        if form.validate_on_submit():
            try:
                service.save_initiative(None, form.data, current_user)
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(_("Initiative saved."), "success")
                return redirect(url_for("agenda.initiatives"))
        status = 400
    return render_template(
        "agenda/initiatives.html",
        initiatives=q.initiatives(),
        form=form,
        may_manage=can(current_user, "manage_initiatives"),
    ), status


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
def edit_initiative(initiative_id: int):
    initiative = q.load_initiative(initiative_id)
    authorize(current_user, "manage_initiatives", initiative)
    form = InitiativeForm(obj=initiative if request.method == "GET" else None)
    if request.method == "GET":
        form.chamber.data = initiative.chamber.value
    _state_choices(form)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.save_initiative(initiative, form.data, current_user)
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(_("Initiative saved."), "success")
                return redirect(url_for("agenda.initiatives"))
        status = 400
    return render_template("agenda/initiative_edit.html", initiative=initiative, form=form), status


# --- positions ---------------------------------------------------------------------------------


def _initiative_choices(form: PositionForm) -> None:
    form.initiative_ids.choices = choices(
        [(i.id, f"{i.number} · {i.title}" if i.number else i.title) for i in q.initiative_names()]
    )


@bp.route("/positions", methods=["GET", "POST"])
def positions():
    authorize(current_user, "view_coalition")
    form = PositionForm()
    _initiative_choices(form)
    status = 200
    if request.method == "POST":
        authorize(current_user, "manage_positions")
        if form.validate_on_submit():
            try:
                position = service.save_position(
                    None,
                    current_user,
                    kind=PositionKind(form.kind.data),
                    title=form.title.data,
                    text=form.text.data,
                    initiative_ids=list(form.initiative_ids.data or []),
                )
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(_("Position saved as a draft."), "success")
                return redirect(url_for("agenda.position", position_id=position.id))
        status = 400
    manage = can(current_user, "manage_positions")
    items = q.positions(include_drafts=manage)
    return render_template(
        "agenda/positions.html",
        positions=items,
        tallies=q.tallies(positions=items),
        form=form,
        may_manage=manage,
    ), status


def _load_position(position_id: int) -> Position:
    position = q.load_position(position_id)
    require_visible(current_user, "view_position", position)
    return position


def _position_page(position: Position, status: int = 200, endorse_form: EndorseForm | None = None):
    answering = q.institutions_answered_by(current_user)
    if endorse_form is None:
        endorse_form = EndorseForm(formdata=None)
    endorse_form.institution_id.choices = choices([(i.id, i.name) for i in answering])
    return render_template(
        "agenda/position.html",
        position=position,
        diffs=q.version_diffs(position.versions, ("title", "text")),
        tally=q.tally_position(position),
        endorse_form=endorse_form,
        answering=answering,
        move_form=PositionMoveForm(formdata=None),
    ), status


@bp.get("/positions/<int:position_id>")
def position(position_id: int):
    return _position_page(_load_position(position_id))


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
def edit_position(position_id: int):
    position = _load_position(position_id)
    authorize(current_user, "manage_positions", position)
    form = PositionForm(obj=position if request.method == "GET" else None)
    _initiative_choices(form)
    if request.method == "GET":
        form.kind.data = position.kind.value
        form.initiative_ids.data = [i.id for i in position.initiatives]
        form.version.data = position.version
        return render_template(
            "agenda/position_edit.html", position=position, form=form, conflict=None
        )
    status, conflict = 400, None
    if form.validate_on_submit():
        try:
            service.save_position(
                position,
                current_user,
                kind=PositionKind(form.kind.data),
                title=form.title.data,
                text=form.text.data,
                initiative_ids=list(form.initiative_ids.data or []),
                expected_version=_int(form.version.data),
            )
        except EditConflict:
            status, conflict = 409, _conflict()
            form.version.data = position.version
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Position saved."), "success")
            return redirect(url_for("agenda.position", position_id=position.id))
    return render_template(
        "agenda/position_edit.html", position=position, form=form, conflict=conflict
    ), status


@bp.post("/positions/<int:position_id>/move")
def move_position(position_id: int):
    position = _load_position(position_id)
    authorize(current_user, "manage_positions", position)
    form = PositionMoveForm()
    try:
        target = PositionStatus(form.target.data)
    except ValueError:
        abort(400)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.move_position(position, target, current_user)
    except DomainError as error:
        flash(str(error.message), "danger")
        return _position_page(position, 400)
    flash(_("The position is now: %(status)s.", status=status_name(target)), "success")
    return redirect(url_for("agenda.position", position_id=position.id))


@bp.post("/positions/<int:position_id>/endorse")
def endorse_position(position_id: int):
    position = _load_position(position_id)
    form = EndorseForm()
    error = _endorse(position, form)
    if error is not None:
        attach_error(form, error)
        return _position_page(position, 400, endorse_form=form)
    flash(_("Your institution's answer is recorded."), "success")
    return redirect(url_for("agenda.position", position_id=position.id) + "#endorsements")


# --- who answers for an institution ---------------------------------------------------------


@bp.route("/institutions/<int:institution_id>/endorsers", methods=["GET", "POST"])
def endorsers(institution_id: int):
    institution = session.get(Institution, institution_id) if 0 < institution_id < 2**31 else None
    if institution is None:
        abort(404)
    authorize(current_user, "manage_endorsers", institution)
    form = EndorserForm()
    current = q.endorsers_of(institution)
    taken = {g.person_id for g in current} | {institution.focal_point_id}
    people = [
        p
        for p in session.scalars(
            select(User)
            .where(User.institution_id == institution.id, User.is_active.is_(True))
            .order_by(User.full_name)
        )
        if p.id not in taken
    ]
    form.person_id.choices = choices(
        [("", _("Choose a person"))] + [(p.id, p.full_name) for p in people]
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.authorise_endorser(institution, form.person_id.data, current_user)
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(_("The person may now answer endorsements for the institution."), "success")
                return redirect(url_for("agenda.endorsers", institution_id=institution.id))
        status = 400
    return render_template(
        "agenda/endorsers.html", institution=institution, endorsers=current, form=form
    ), status


@bp.post("/institutions/<int:institution_id>/endorsers/<int:endorser_id>/revoke")
def revoke_endorser(institution_id: int, endorser_id: int):
    institution = session.get(Institution, institution_id) if 0 < institution_id < 2**31 else None
    if institution is None:
        abort(404)
    authorize(current_user, "manage_endorsers", institution)
    grant = session.get(AuthorisedEndorser, endorser_id) if 0 < endorser_id < 2**31 else None
    if grant is None or grant.institution_id != institution.id:
        abort(404)
    require_action_form()
    service.revoke_endorser(grant, current_user)
    flash(_("The authorisation is revoked."), "success")
    return redirect(url_for("agenda.endorsers", institution_id=institution.id))


def status_name(value: RecommendationStatus | PositionStatus | Chamber) -> str:
    return agenda_label(value)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    # App-wide: the public pages and the PDFs (rendered outside this blueprint's requests) too.
    return {
        "agenda_label": agenda_label,
        "Answer": Answer,
        "today": clock.today,
        "initiative_checkboxes": initiative_checkboxes,
    }


def initiative_checkboxes(field: SelectMultipleField) -> Markup:
    """A position form's initiatives, a checkbox each (`agenda/_position_form.html`): the
    markup of the template's loop through WTForms, which built a field per option."""
    options = choice_options(field)
    if not options:
        return Markup(
            '\n    <p class="small text-body-secondary">'
            f"{escape(_('No initiative recorded yet.'))}</p>\n    "
        )
    return Markup(
        "".join([f'\n    <div class="form-check">{option}</div>\n    ' for option in options])
    )


# --- public pages and PDFs (no session touched: no flash, no form) ----------------------------


def _public_language() -> str | None:
    """`?lang=en` or `?lang=es` chooses; otherwise the visitor's usual language."""
    lang = request.args.get("lang")
    return lang if lang in publishing.LANGUAGES else None


def _in_language(render):
    lang = _public_language()
    if lang is None:
        return render()
    with force_locale(lang):
        return render()


def _pdf_language() -> str:
    return _public_language() or current_language()


def _pdf_response(document: bytes, name: str) -> Response:
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.get("/public/agenda")
@public_page
def public_agenda():
    use_address_language()  # before anything asks the locale (the ETag does): <html lang>, links

    def render():
        data = publishing.live_agenda()
        return _in_language(
            lambda: render_template(
                "agenda/public_agenda.html",
                groups=publishing.agenda_groups(data),
                editions=q.editions(),
                positions=q.positions(include_drafts=False),
            )
        )

    return cacheable(render)


@bp.get("/public/agenda.pdf")
@public_page
def public_agenda_pdf():
    lang = _pdf_language()
    return _pdf_response(publishing.agenda_pdf(lang), f"agenda-{lang}.pdf")


@bp.get("/public/agenda/editions/<int:number>.pdf")
@public_page
def public_edition_pdf(number: int):
    edition = (
        session.scalar(select(AgendaEdition).where(AgendaEdition.number == number))
        if 0 < number < 2**31
        else None
    )
    if edition is None:
        abort(404)
    lang = _pdf_language()
    return _pdf_response(
        publishing.agenda_pdf(lang, edition), f"agenda-{edition.number}-{lang}.pdf"
    )


def _public_position(position_id: int) -> Position:
    position = q.load_position(position_id)
    if not position.is_published:
        abort(404)
    return position


@bp.get("/public/positions/<int:position_id>")
@public_page
def public_position(position_id: int):
    use_address_language()  # before anything asks the locale (the ETag does): <html lang>, links
    position = _public_position(position_id)

    def render():
        tally = q.tally_position(position)
        return _in_language(
            lambda: render_template(
                "agenda/public_position.html",
                position=position,
                tally=tally,
                diffs=q.version_diffs(position.versions, ("title", "text")),
            )
        )

    return cacheable(render)


@sitemap_source
def _agenda_pages() -> list[SitemapEntry]:
    """The public agenda and every published position (the public site's sitemap)."""
    return [
        SitemapEntry("agenda.public_agenda"),
        *(
            SitemapEntry("agenda.public_position", {"position_id": position.id})
            for position in q.positions(include_drafts=False)
        ),
    ]


@bp.get("/public/positions/<int:position_id>.pdf")
@public_page
def public_position_pdf(position_id: int):
    position = _public_position(position_id)
    lang = _pdf_language()
    return _pdf_response(
        publishing.position_pdf(position, lang), f"position-{position.id}-{lang}.pdf"
    )
