"""The consultation's pages: coordinators' preparation, moderation, themes and results
(/consultations), and the public participation (/consulta/<slug>), which needs no account."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape
from sqlalchemy import select

from models import (
    SECTORS_IN_ORDER,
    ConsultationParticipant,
    ConsultationQuestion,
    ConsultationStatement,
    ConsultationStatus,
    ConsultationTheme,
    State,
    WorkingGroup,
)
from models.base import MAX_ID
from models.consultation import AGE_RANGES, GENDERS, Vote

from ..core import clock, privacy_notice
from ..core.csv import csv_response
from ..core.db import session as db_session
from ..core.errors import DomainError, EditConflict, render_error
from ..core.extensions import csrf, limiter
from ..core.forms import attach_error, choices
from ..core.html import escape_each
from ..core.i18n import current_language, datetime_formatter
from ..core.url_patterns import url_pattern
from ..policy import authorize, can, public
from ..public.site import public_page
from . import queries, throttle
from . import service as consultations
from .forms import (
    AnswerForm,
    ConsultationForm,
    EmailForm,
    FlagForm,
    JoinForm,
    MergeForm,
    ModerationForm,
    ProfileForm,
    ProposeForm,
    QuestionForm,
    StatementForm,
    ThemeForm,
    ThemesForm,
    VoteForm,
)
from .results import get_cache

bp = Blueprint("consultation", __name__)

#: The participant's own cookie (one per consultation, limited to its public pages).
COOKIE_PREFIX = "consulta-"
COOKIE_SALT = "consultation-participant"
COOKIE_DAYS = 180

GENDER_LABELS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "nonbinary": _l("Non-binary"),
    "other": _l("Other"),
}


@bp.context_processor
def _privacy_notice() -> dict:
    return {
        "privacy_version": privacy_notice.CURRENT_VERSION,
        "privacy_path": privacy_notice.PATH,
        "consultation_nav": consultation_nav,
    }


_ACTIVE = ("active", 'aria-current="page"')


def consultation_nav(consultation: Any) -> Markup:
    """The coordinators' pages of a consultation (results, preparation, moderation, themes and
    the public page): the markup of the template that was `consultation/_nav.html`, written
    here because its loop asked the policy and the request once per tab."""
    # The templates' remembering url_for (core/urls.py): the same addresses, built once.
    address = current_app.jinja_env.globals["url_for"]
    here = request.endpoint
    manager = can(current_user, "manage_consultation")
    slug = consultation.slug
    tabs = [
        ("consultation.results", _("Results")),
        ("consultation.manage", _("Prepare")),
        ("consultation.moderation", _("Moderation")),
        ("consultation.themes", _("Themes")),
    ]
    out = [
        f'<nav aria-label="{escape(_("Consultation pages"))}" class="mb-3">\n'
        '  <ul class="nav nav-pills flex-wrap gap-1">\n    '
    ]
    for endpoint, label in tabs:
        out.append("\n    ")
        if endpoint == "consultation.results" or manager:
            active, aria = _ACTIVE if here == endpoint else ("", "")
            out.append(
                f'\n    <li class="nav-item"><a class="nav-link {active}" {aria}'
                f' href="{escape(address(endpoint, slug=slug))}">{escape(label)}</a></li>\n    '
            )
        out.append("\n    ")
    out.append("\n    ")
    if consultation.status != "draft":
        public_page_address = escape(address("consultation.participate", slug=slug))
        out.append(
            f'<li class="nav-item"><a class="nav-link" href="{public_page_address}">'
            f"{escape(_('Public page'))}</a></li>"
        )
    out.append("\n  </ul>\n</nav>")
    return Markup("".join(out))


# --- limits (Flask-Limiter) -------------------------------------------------------------------


def _limit(name: str, default: str):
    return lambda: current_app.config.get(name, default)


def _participant_key() -> str:
    """Throttle key: the participant the cookie names (or the address, without one)."""
    slug = (request.view_args or {}).get("slug", "")
    return _participant_key_of(_cookie_participant_id(slug))


def _participant_key_of(participant_id: int | None) -> str:
    if participant_id is None:
        return "consultation-address:" + (request.remote_addr or "")
    return f"consultation-participant:{participant_id}"


@limiter.request_filter
def _vote_counts_its_own_limits() -> bool:
    """Flask-Limiter leaves the vote alone: `throttle` counts its two limits in one round
    trip (the limiter's per-request work cost more than the vote's statements)."""
    return request.endpoint in {"consultation.vote", "consultation.script_vote"}


def _typed_email() -> str:
    return "consultation-email:" + request.form.get("email", "").strip().casefold()[:254]


# --- coordinators and members ---------------------------------------------------------------


@bp.get("/consultations")
def index():
    authorize(current_user, "view_consultation", None)
    rows = queries.listed(db_session, include_drafts=current_user.is_coordinator)
    return render_template("consultation/index.html", rows=rows)


def _group_choices() -> list:
    groups = db_session.scalars(select(WorkingGroup).order_by(WorkingGroup.position)).all()
    return choices(
        [("", _("No working group"))] + [(g.id, g.name(current_language())) for g in groups]
    )


def _data(form: ConsultationForm) -> consultations.ConsultationData:
    return consultations.ConsultationData(
        title=form.title.data,
        introduction=form.introduction.data or "",
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        status=ConsultationStatus(form.status.data),
        slug=form.slug.data or None,
    )


@bp.route("/consultations/new", methods=["GET", "POST"])
def create():
    authorize(current_user, "manage_consultation")
    form = ConsultationForm()
    status = 200
    if form.validate_on_submit():
        try:
            consultation = consultations.create_consultation(_data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
            status = 400
        else:
            flash(_("Consultation created. Add its statements and questions."), "success")
            return redirect(url_for("consultation.manage", slug=consultation.slug))
    elif request.method == "POST":
        status = 400
    return render_template("consultation/form.html", form=form, consultation=None), status


def statement_table_rows(statements: list[Any], language: str, slug: str) -> Markup:
    """The coordinators' table of approved statements (`consultation/manage.html`): the
    markup the template's loop wrote, written here because sixty rows were half the page."""
    group_label, origin_label, actions_label = escape_each(
        [_("Working group"), _("Origin"), _("Actions")]
    )
    by_participant, by_coordinators, edit_label = escape_each(
        [_("Proposed by a participant"), _("Coordinators"), _("Edit")]
    )
    edit_url = url_pattern("consultation.edit_statement", "statement_id", slug=slug)
    english = language == "en"
    values = []
    for s in statements:
        values.append(s.text_es)
        values.append(s.text_en or "")
        values.append((s.group_en if english else s.group_es) if s.group_es else "—")
        values.append(edit_url(s.id))
    texts = escape_each(values)
    out = []
    for at, s in enumerate(statements):
        text_es, text_en, group, address = texts[4 * at : 4 * at + 4]
        english_text = (
            f'<div class="small text-body-secondary" lang="en">{text_en}</div>' if s.text_en else ""
        )
        out.append(
            "\n    <tr>\n"
            f'      <th scope="row" class="fw-normal">{text_es}{english_text}</th>\n'
            f'      <td data-label="{group_label}">{group}</td>\n'
            f'      <td data-label="{origin_label}">'
            f"{by_participant if s.proposed_by_id else by_coordinators}</td>\n"
            f'      <td data-label="{actions_label}"><a href="{address}">{edit_label}</a></td>\n'
            "    </tr>\n    "
        )
    return Markup("".join(out))


def _manage_page(consultation, form=None, statement_form=None, question_form=None):
    if form is None:
        form = ConsultationForm(formdata=None, obj=consultation)
        form.status.data = consultation.status.value
    if statement_form is None:
        statement_form = StatementForm(formdata=None)
    statement_form.group_id.choices = _group_choices()
    statements = queries.statement_rows(db_session, consultation)
    language = current_language()
    return render_template(
        "consultation/manage.html",
        consultation=consultation,
        form=form,
        statement_form=statement_form,
        question_form=question_form or QuestionForm(formdata=None),
        statements=statements,
        statement_rows=statement_table_rows(statements, language, consultation.slug),
        questions=queries.questions_with_answers(db_session, consultation, None),
        answer_counts=queries.answer_counts(db_session, consultation),
        pending=queries.pending_count(db_session, consultation),
        language=language,
    )


@bp.get("/consultations/<string:slug>/manage")
def manage(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    return _manage_page(consultation)


@bp.post("/consultations/<string:slug>/edit")
def edit(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    form = ConsultationForm()
    if form.validate_on_submit():
        try:
            consultations.update_consultation(
                consultation, _data(form), current_user, form.version.data
            )
        except DomainError as error:
            attach_error(form, error)
        except EditConflict:
            form.form_errors.append(
                _("Someone saved this consultation after you opened it: nothing was overwritten. ")
                + _("Your text is below; reload to see theirs.")
            )
            return _manage_page(consultation, form=form), 409
        else:
            flash(_("Consultation saved."), "success")
            return redirect(url_for("consultation.manage", slug=slug))
    return _manage_page(consultation, form=form), 400


@bp.post("/consultations/<string:slug>/statements")
def add_statement(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    form = StatementForm()
    form.group_id.choices = _group_choices()
    if form.validate_on_submit():
        try:
            consultations.add_statement(
                consultation,
                text_es=form.text_es.data,
                text_en=form.text_en.data,
                group_id=form.group_id.data,
                by=current_user,
                allow_similar=form.allow_similar.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Statement added."), "success")
            return redirect(url_for("consultation.manage", slug=slug, _anchor="statements"))
    return _manage_page(consultation, statement_form=form), 400


def _statement(consultation, statement_id: int) -> ConsultationStatement:
    statement = db_session.get(ConsultationStatement, statement_id)
    if statement is None or statement.consultation_id != consultation.id:
        abort(404)
    return statement


@bp.route("/consultations/<string:slug>/statements/<int:statement_id>", methods=["GET", "POST"])
def edit_statement(slug: str, statement_id: int):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    statement = _statement(consultation, statement_id)
    form = StatementForm(obj=statement if request.method == "GET" else None)
    form.group_id.choices = _group_choices()
    status = 200
    if form.validate_on_submit():
        try:
            consultations.edit_statement(
                statement,
                text_es=form.text_es.data,
                text_en=form.text_en.data,
                group_id=form.group_id.data,
                by=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
            status = 400
        else:
            flash(_("Statement saved."), "success")
            return redirect(url_for("consultation.manage", slug=slug, _anchor="statements"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "consultation/statement.html", consultation=consultation, statement=statement, form=form
    ), status


@bp.post("/consultations/<string:slug>/questions")
def add_question(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    form = QuestionForm()
    if form.validate_on_submit():
        consultations.add_question(
            consultation, text_es=form.text_es.data, text_en=form.text_en.data, by=current_user
        )
        flash(_("Question added."), "success")
        return redirect(url_for("consultation.manage", slug=slug, _anchor="questions"))
    return _manage_page(consultation, question_form=form), 400


# --- moderation -----------------------------------------------------------------------------


def _moderation_page(consultation, flag_form=None, errors=None):
    pending = queries.pending_statements(db_session, consultation)
    approved = consultations.approved_texts(consultation)  # rows: id and text are shown
    each = consultations.alike_each([s.text_es for s in pending], approved)
    similar = {s.id: alike for s, alike in zip(pending, each, strict=True)}
    return render_template(
        "consultation/moderation.html",
        consultation=consultation,
        pending=pending,
        similar=similar,
        cards=pending_cards(
            pending,
            similar,
            errors or {},
            _duplicate_options(pending, approved, similar),
            generate_csrf() if current_app.config.get("WTF_CSRF_ENABLED", True) else None,
            consultation.slug,
        ),
        errors=errors or {},
        flag_form=flag_form or FlagForm(formdata=None),
        flagged=queries.flagged_participants(db_session, consultation),
    )


def pending_cards(
    pending: list[Any],
    similar: dict[int, list[Any]],
    errors: dict[Any, str],
    duplicate_options: dict[int, Markup],
    csrf_token_value: str | None,
    slug: str,
) -> Markup:
    """The moderation queue's cards (`consultation/moderation.html`), each with its
    `ModerationForm(prefix="m<id>")` written out: the markup of the template's loop, written
    here because each card's dozen values, messages and moment cost more than its options."""
    approve_label, reject_label, duplicate_label = (
        Markup(_("Approve")),
        Markup(_("Reject")),
        Markup(_("Duplicate of")),
    )
    similar_heading = Markup(_("Similar statements already shown:"))
    proposed = Markup(_("Participant %(number)s, %(date)s"))
    alike_text = Markup(_("%(percent)s%% alike"))
    moderate_url = url_pattern("consultation.moderate", "statement_id", slug=slug)
    token = escape(csrf_token_value) if csrf_token_value else ""
    moment_text = datetime_formatter("short")
    out = []
    for s in pending:
        number = s.id
        prefix = f"m{number}"
        when = proposed % {
            "number": s.proposed_by_id,
            "date": moment_text(s.created_at),
        }
        error = errors.get(s.id)
        error_html = (
            f'<div class="alert alert-danger py-2" role="alert">{escape(errors[s.id])}</div>'
            if error
            else ""
        )
        alike = similar[s.id]
        if alike:
            items = "".join(
                [
                    f'<li>{escape(other.text_es)} <span class="small">'
                    f"({alike_text % {'percent': int(round(score * 100, 0))}})</span></li>"
                    for other, score in alike
                ]
            )
            alike_html = (
                f'\n    <div class="alert alert-warning py-2"><strong>{similar_heading}</strong>\n'
                f'      <ul class="mb-0">{items}</ul>\n'
                "    </div>\n    "
            )
        else:
            alike_html = ""
        csrf = (
            f'<input id="{prefix}-csrf_token" name="{prefix}-csrf_token" type="hidden"'
            f' value="{token}">'
            if csrf_token_value
            else ""
        )
        out.append(
            f'\n<div class="card mb-3" id="proposal-{number}">\n'
            '  <div class="card-body">\n'
            f'    <p class="fs-5 mb-1">{escape(s.text_es)}</p>\n'
            f'    <p class="small text-body-secondary mb-2">{when}</p>\n'
            f"    {error_html}\n"
            f"    {alike_html}\n    \n"
            f'    <form method="post" action="{escape(moderate_url(number))}"'
            ' class="d-flex flex-wrap gap-2 align-items-end">\n'
            f"      {csrf}\n"
            f'      <button type="submit" name="{prefix}-decision" value="approve"'
            f' class="btn btn-success">{approve_label}</button>\n'
            "      <div>\n"
            f'        <label class="form-label small mb-0" for="{prefix}-duplicate_of">'
            f"{duplicate_label}</label>\n"
            f'        <select class="form-select form-select-sm" id="{prefix}-duplicate_of"'
            f' name="{prefix}-duplicate_of">{duplicate_options[s.id]}</select>\n'
            "      </div>\n"
            f'      <button type="submit" name="{prefix}-decision" value="reject"'
            f' class="btn btn-outline-danger">{reject_label}</button>\n'
            "    </form>\n"
            "  </div>\n"
            "</div>\n"
        )
    return Markup("".join(out))


_OPTION = '<option value="{}">{}</option>'
_CHOSEN = '<option selected value="{}">{}</option>'


def _duplicate_options(pending, approved, similar) -> dict[int, Markup]:
    """{pending statement id: the options of its "Duplicate of" select}, as `ModerationForm`
    renders them (the most similar statement chosen, then the others, then every approved
    one), each approved statement's option made once for all the pending ones (issue 17: a
    form per pending statement, each listing every approved statement, was most of the page's
    rendering). `moderate` validates what is posted with `ModerationForm`."""
    # Plain str.format on escaped texts (ids are integers): Markup.format escapes each
    # argument through a formatter, several times the cost.
    option_of = {o.id: _OPTION.format(int(o.id), escape(o.text_es[:90])) for o in approved}
    nothing = escape(_("Not a duplicate"))
    options = {}
    for s in pending:
        alike = similar[s.id]
        shown = {o.id for o, _score in alike}
        parts = [(_OPTION if alike else _CHOSEN).format("", nothing)]
        parts += [
            (_CHOSEN if i == 0 else _OPTION).format(int(o.id), escape(o.text_es[:90]))
            for i, (o, _score) in enumerate(alike)
        ]
        parts += [option for oid, option in option_of.items() if oid not in shown]
        options[s.id] = Markup("".join(parts))
    return options


@bp.get("/consultations/<string:slug>/moderation")
def moderation(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    return _moderation_page(consultation)


@bp.post("/consultations/<string:slug>/moderation/<int:statement_id>")
def moderate(slug: str, statement_id: int):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    statement = _statement(consultation, statement_id)
    form = ModerationForm(prefix=f"m{statement.id}")
    if not form.validate_on_submit() or form.decision.data not in {"approve", "reject"}:
        abort(400)
    duplicate = None
    if form.decision.data == "reject" and form.duplicate_of.data:
        duplicate = db_session.get(ConsultationStatement, form.duplicate_of.data)
    try:
        consultations.moderate(
            statement,
            approve=form.decision.data == "approve",
            by=current_user,
            duplicate_of=duplicate,
        )
    except DomainError as error:
        return _moderation_page(consultation, errors={statement.id: str(error.message)}), 400
    flash(
        _("Statement approved: participants see it now.")
        if form.decision.data == "approve"
        else _("Statement rejected."),
        "success",
    )
    return redirect(url_for("consultation.moderation", slug=slug))


@bp.post("/consultations/<string:slug>/flags")
def flag(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    form = FlagForm()
    if form.validate_on_submit():
        participant = queries.participant(db_session, consultation, form.participant_id.data)
        if participant is None:
            form.participant_id.errors = [_("No participant of this consultation has this number.")]
        else:
            try:
                consultations.flag_participant(
                    participant,
                    flagged=form.flagged.data != "no",
                    reason=form.reason.data or "",
                    by=current_user,
                )
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(
                    _(
                        "Participant %(number)s flagged: their votes leave the figures.",
                        number=participant.id,
                    )
                    if participant.flagged
                    else _("Participant %(number)s is counted again.", number=participant.id),
                    "success",
                )
                return redirect(url_for("consultation.moderation", slug=slug, _anchor="flags"))
    return _moderation_page(consultation, flag_form=form), 400


# --- themes ---------------------------------------------------------------------------------


def _themes_page(consultation, errors=None):
    themes = queries.themes_of(db_session, consultation)
    theme_forms = {}
    merge_forms = {}
    for rows in themes.values():
        for row in rows:
            form = ThemeForm(formdata=None, prefix=f"t{row.theme.id}", obj=row.theme)
            form.group_id.choices = _group_choices()
            theme_forms[row.theme.id] = form
            merge = MergeForm(formdata=None, prefix=f"g{row.theme.id}")
            merge.into.choices = choices(
                [(o.theme.id, o.theme.name) for o in rows if o.theme.id != row.theme.id]
            )
            merge_forms[row.theme.id] = merge
    return render_template(
        "consultation/themes.html",
        consultation=consultation,
        questions=queries.questions_with_answers(db_session, consultation, None),
        answer_counts=queries.answer_counts(db_session, consultation),
        themes=themes,
        theme_forms=theme_forms,
        merge_forms=merge_forms,
        themes_form=ThemesForm(formdata=None),
        errors=errors or {},
        language=current_language(),
    )


@bp.get("/consultations/<string:slug>/themes")
def themes(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    return _themes_page(consultation)


def _question(consultation, question_id: int) -> ConsultationQuestion:
    question = db_session.get(ConsultationQuestion, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


def _theme(consultation, theme_id: int) -> ConsultationTheme:
    theme = db_session.get(ConsultationTheme, theme_id)
    if theme is None or theme.question.consultation_id != consultation.id:
        abort(404)
    return theme


@bp.post("/consultations/<string:slug>/questions/<int:question_id>/themes")
def find_themes(slug: str, question_id: int):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    question = _question(consultation, question_id)
    form = ThemesForm()
    if not form.validate_on_submit():
        return _themes_page(
            consultation,
            errors={
                f"q{question.id}": form.count.errors[0]
                if form.count.errors
                else _("Check the number of themes.")
            },
        ), 400
    try:
        found = consultations.find_themes(question, count=form.count.data, by=current_user)
    except DomainError as error:
        return _themes_page(consultation, errors={f"q{question.id}": str(error.message)}), 400
    flash(
        ngettext(
            "%(num)s theme found. Rename it and assign it to a working group.",
            "%(num)s themes found. Rename, merge and assign them.",
            len(found),
        ),
        "success",
    )
    return redirect(url_for("consultation.themes", slug=slug, _anchor=f"question-{question.id}"))


@bp.post("/consultations/<string:slug>/themes/<int:theme_id>")
def edit_theme(slug: str, theme_id: int):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    theme = _theme(consultation, theme_id)
    form = ThemeForm(prefix=f"t{theme.id}")
    form.group_id.choices = _group_choices()
    if form.validate_on_submit():
        try:
            consultations.edit_theme(
                theme, name=form.name.data, group_id=form.group_id.data, by=current_user
            )
        except DomainError as error:
            return _themes_page(consultation, errors={f"t{theme.id}": str(error.message)}), 400
        flash(_("Theme saved."), "success")
        return redirect(url_for("consultation.themes", slug=slug, _anchor=f"theme-{theme.id}"))
    message = "; ".join(e for errors in form.errors.values() for e in errors)
    return _themes_page(consultation, errors={f"t{theme.id}": message}), 400


@bp.post("/consultations/<string:slug>/themes/<int:theme_id>/merge")
def merge_theme(slug: str, theme_id: int):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "manage_consultation", consultation)
    theme = _theme(consultation, theme_id)
    form = MergeForm(prefix=f"g{theme.id}")
    into = db_session.get(ConsultationTheme, form.into.data) if form.into.data else None
    if not form.validate_on_submit() or into is None:
        return _themes_page(
            consultation, errors={f"t{theme.id}": _("Choose the theme to merge into.")}
        ), 400
    try:
        consultations.merge_themes(theme, into, current_user)
    except DomainError as error:
        return _themes_page(consultation, errors={f"t{theme.id}": str(error.message)}), 400
    flash(_("Themes merged."), "success")
    return redirect(url_for("consultation.themes", slug=slug, _anchor=f"theme-{into.id}"))


# --- results --------------------------------------------------------------------------------


def _names():
    language = current_language()
    sectors = {s.slug: s.name(language) for s in db_session.scalars(SECTORS_IN_ORDER)}
    states = {s.code: s.name(language) for s in db_session.scalars(select(State))}
    groups = {g.id: g.name(language) for g in db_session.scalars(select(WorkingGroup))}
    return sectors, states, groups


_BAR = (
    '<div class="consultation-bar" role="img" aria-label="{label}"><span class="bar-agree'
    ' w-pct-{a}"></span><span class="bar-pass w-pct-{p}"></span><span class="bar-disagree'
    ' w-pct-{d}"></span></div><span class="small d-block">{a}%</span><span class="small d-block'
    ' text-body-secondary text-nowrap">n={n}</span>'
)
_NO_BAR = Markup('<span class="small text-body-secondary">n=0</span>')


def agreement_bar() -> Callable[[dict[str, Any]], Markup]:
    """The results table's agreement bar of figures `f` (agree, disagree, pass, n), in the
    language of the request: widths from the .w-pct-N classes (the strict CSP forbids style
    attributes). Written in Python with the label's message looked up once per page: the
    template included for each of the table's bars (six a statement) cost most of the page
    (issue 17)."""
    label = _("%(agree)s%% agree, %(disagree)s%% disagree, %(pass)s%% pass, of %(n)s")

    def bar(f: dict[str, Any]) -> Markup:
        n = f.get("n") or 0
        if not n:
            return _NO_BAR
        a, d = round(f["agree"] * 100 / n), round(f["disagree"] * 100 / n)
        p = max(100 - a - d, 0)
        text = escape(label % {"agree": a, "disagree": d, "pass": p, "n": n})
        # Plain str.format (Markup.format escapes each number through a formatter: 1.3 ms a
        # page): the label is escaped, the rest are integers.
        return Markup(_BAR.format(label=text, a=a, p=p, d=d, n=int(n)))

    return bar


#: How many rendered figures sections a process keeps (`_results_figures`).
FIGURES_KEPT = 8


def _results_figures(consultation, summary, sectors, states, groups) -> Markup:
    """The results' figures (participation, consensus, opinion groups, the statements'
    table of agreement bars, the states), rendered once for each summary, language and set of
    names, and kept for the last few: they are a function of exactly these (the key holds the
    names themselves, so a renamed sector or group makes a new entry), and the statements'
    table was most of the page's cost (issue 17). Rendered every time in debug mode."""
    language = current_language()
    key = (
        consultation.id,
        consultation.slug,
        summary["fingerprint"],
        summary["built_at"],
        language,
        tuple(sectors.items()),
        tuple(states.items()),
        tuple(groups.items()),
    )
    kept: dict[tuple[Any, ...], Markup] = current_app.extensions.setdefault(
        "consultation_results_figures", {}
    )
    figures = None if current_app.debug else kept.get(key)
    if figures is None:
        figures = Markup(
            render_template(
                "consultation/_figures.html",
                consultation=consultation,
                summary=summary,
                sectors=sectors,
                states=states,
                groups=groups,
                language=language,
                bar=agreement_bar(),
            )
        )
        kept[key] = figures
        while len(kept) > FIGURES_KEPT:
            kept.pop(next(iter(kept)), None)
    return figures


@bp.get("/consultations/<string:slug>/results")
def results(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "view_consultation", consultation)
    result = get_cache().get(consultation.id)
    sectors, states, groups = _names()
    summary = result.summary if result else None
    return render_template(
        "consultation/results.html",
        consultation=consultation,
        result=result,
        summary=summary,
        figures=(
            _results_figures(consultation, summary, sectors, states, groups) if summary else None
        ),
        themes=queries.themes_of(db_session, consultation),
        questions=queries.questions_with_answers(db_session, consultation, None),
        language=current_language(),
        manage=current_user.is_coordinator,
    )


@bp.get("/consultations/<string:slug>/results.csv")
def results_csv(slug: str):
    consultation = queries.load_consultation(db_session, current_user, slug)
    authorize(current_user, "view_consultation", consultation)
    result = get_cache().get(consultation.id)
    if result is None:
        abort(503)
    sectors, _states, groups = _names()
    summary = result.summary
    header = [
        "statement_id",
        "statement",
        "working_group",
        "n",
        "agree",
        "disagree",
        "pass",
        "agree_share",
        "group_informed_consensus",
        "sector_informed_consensus",
        "divisiveness",
    ]
    for slug_ in sectors:
        header += [f"{slug_}_n", f"{slug_}_agree_share"]
    rows = [header]
    for s in summary["statements"]:
        o = s["overall"]
        row = [
            s["id"],
            s["text_es"],
            groups.get(s["group_id"], "") if s["group_id"] else "",
            o["n"],
            o["agree"],
            o["disagree"],
            o["pass"],
            "" if o["share"] is None else o["share"],
            "" if s["group_consensus"] is None else s["group_consensus"],
            "" if s["sector_consensus"] is None else s["sector_consensus"],
            "" if s["divisiveness"] is None else s["divisiveness"],
        ]
        for slug_ in sectors:
            part = s["sectors"].get(slug_, {})
            row += [part.get("n", 0), "" if part.get("share") is None else part["share"]]
        rows.append(row)
    return csv_response(rows, f"{consultation.slug}-statements.csv")


# --- public participation -------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.secret_key)


@lru_cache(maxsize=4)
def _serializer_for(secret: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=COOKIE_SALT)


#: Longer than any cookie the app signs (an id and its signature: about 40 characters), so
#: that the kept answers stay small whatever is sent.
MAX_COOKIE_LENGTH = 128


@lru_cache(maxsize=16384)
def _verified_participant_id(secret: str | bytes, raw: str) -> int | None:
    """The participant id a cookie's value carries, None if it is forged. Kept per process
    for the last participants (a vote a second each: the signature checked once, not on
    every vote; an answer depends only on the value and the secret)."""
    try:
        value = _serializer_for(secret).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cookie_participant_id(slug: str) -> int | None:
    """The participant id the cookie carries (checked once per request: the limits ask too)."""
    raw = request.cookies.get(COOKIE_PREFIX + slug)
    if not raw or len(raw) > MAX_COOKIE_LENGTH:
        return None
    return _verified_participant_id(current_app.secret_key, raw)


def _current_participant(consultation) -> ConsultationParticipant | None:
    return queries.participant(db_session, consultation, _cookie_participant_id(consultation.slug))


def _set_cookie(response: Response, consultation, participant: ConsultationParticipant) -> None:
    response.set_cookie(
        COOKIE_PREFIX + consultation.slug,
        _serializer().dumps(participant.id),
        max_age=COOKIE_DAYS * 24 * 3600,
        path=f"/consulta/{consultation.slug}",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


#: How many statements the page hands its script, then each batch it asks for: a read for
#: every ten votes instead of a card rendered with each.
QUEUE_SIZE = 10


def _cards(statements, language: str) -> list[dict[str, Any]]:
    return [{"id": s.id, "text": s.text(language)} for s in statements]


def _card_context(consultation, participant):
    language = current_language()
    statements, progress = queries.next_statements(
        db_session, consultation.id, participant.id, QUEUE_SIZE
    )
    statement = statements[0] if statements else None
    form = VoteForm(formdata=None)
    is_open = consultation.is_open_on(clock.today())
    queue = None
    if statement is not None:
        form.statement.data = statement.id
        if is_open:
            # What the script votes with (consultation.js): the cards it shows, where it
            # posts each vote and with which token, where it asks for more.
            queue = {
                "vote": url_for("consultation.script_vote", slug=consultation.slug),
                "more": url_for("consultation.next_cards", slug=consultation.slug),
                "token": vote_token(current_app.secret_key, consultation.slug, participant.id),
                "cards": _cards(statements, language),
                "done": progress.done,
                "total": progress.total,
                "progress": _("%(done)s of %(total)s", done="{done}", total="{total}"),
                "finished": _(
                    "You have answered every statement. Thank you! You can still answer "
                    "the open questions or propose a statement."
                ),
            }
    return {
        "consultation": consultation,
        "participant": participant,
        "statement": statement,
        "progress": progress,
        "vote_form": form,
        "language": language,
        "is_open": is_open,
        "queue": queue,
    }


@bp.get("/consulta/<string:slug>")
@public
def participate(slug: str):
    consultation, participant = queries.consultation_and_participant(
        db_session, slug, _cookie_participant_id(slug)
    )
    if participant is None:
        return render_template(
            "consultation/join.html",
            consultation=consultation,
            form=JoinForm(formdata=None),
            is_open=consultation.is_open_on(clock.today()),
            privacy_path=privacy_notice.PATH,
        )
    return render_template(
        "consultation/participate.html", **_card_context(consultation, participant)
    )


@bp.post("/consulta/<string:slug>/unirse")
@public
@limiter.limit(_limit("CONSULTATION_JOIN_LIMIT_PER_ADDRESS", "60 per hour"))
def join(slug: str):
    consultation = queries.public_consultation(db_session, slug)
    existing = _current_participant(consultation)
    if existing is not None:
        return redirect(url_for("consultation.participate", slug=slug))
    form = JoinForm()
    if form.validate_on_submit():
        try:
            participant = consultations.join(consultation, consent=True, today=clock.today())
        except DomainError as error:
            attach_error(form, error)
        else:
            response = redirect(url_for("consultation.participate", slug=slug))
            _set_cookie(response, consultation, participant)
            return response
    return render_template(
        "consultation/join.html",
        consultation=consultation,
        form=form,
        is_open=consultation.is_open_on(clock.today()),
        privacy_path=privacy_notice.PATH,
    ), 400


def _require_participant(consultation) -> ConsultationParticipant:
    participant = _current_participant(consultation)
    if participant is None:
        if request.accept_mimetypes.best == "application/json":
            abort(403)
        abort(redirect(url_for("consultation.participate", slug=consultation.slug)))
    return participant


VOTES = {"agree": Vote.AGREE, "disagree": Vote.DISAGREE, "pass": Vote.PASS}

#: The header the script sends `vote_token` in (see `script_vote`).
VOTE_TOKEN_HEADER = "X-Vote-Token"


@lru_cache(maxsize=16384)
def vote_token(secret: str | bytes, slug: str, participant_id: int) -> str:
    """The participant's vote token: an HMAC of the consultation and the participant under
    the app's secret, handed to the voting page's script (never in a cookie). Kept per
    process like the cookie's check."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"consultation-vote:{slug}:{participant_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _vote_limits_allow(participant_id: int | None) -> bool:
    """Both vote limits (per address, per participant) in one round trip (throttle.py)."""
    return throttle.allowed(
        [
            (
                "CONSULTATION_VOTE_LIMIT_PER_ADDRESS",
                "1200 per minute",
                "consultation-vote-address:" + (request.remote_addr or ""),
            ),
            (
                "CONSULTATION_VOTE_LIMIT_PER_PARTICIPANT",
                "60 per minute",
                _participant_key_of(participant_id),
            ),
        ]
    )


@bp.post("/consulta/<string:slug>/votar")
@public
def vote(slug: str):
    """The vote without JavaScript: the form posts, the page comes back with the next card."""
    participant_id = _cookie_participant_id(slug)
    if not _vote_limits_allow(participant_id):
        abort(429)
    ballot = queries.ballot(db_session, slug, participant_id)
    if ballot.participant_id is None:
        return redirect(url_for("consultation.participate", slug=slug))
    form = VoteForm()
    if not form.validate_on_submit() or form.vote.data not in VOTES:
        abort(400)
    try:
        consultations.vote(
            ballot.participant_id,
            form.statement.data,
            VOTES[form.vote.data],
            consultation=ballot,
            today=clock.today(),
        )
    except DomainError as error:
        flash(str(error.message), "danger")
    return redirect(url_for("consultation.participate", slug=slug))


@bp.post("/consulta/<string:slug>/voto")
@public_page  # served without a session: the vote reads nothing of it (public/site.py)
@csrf.exempt
def script_vote(slug: str):
    """The voting page's script posts each vote here (hundreds a second while a consultation
    is open): JSON {"statement": id, "vote": "agree"|"disagree"|"pass"} in, 204 out (the
    script already holds the next cards). One round trip for both limits, one Core read,
    one upsert, one commit; no template, no ORM object, no session (the session cookie the
    browser sends along is never decoded).

    Instead of the session's CSRF token (the session decoded, a token signed and compared
    on every vote), the vote token in a header. It is as strong: a cross-site page can
    neither read the token (it is only in our page, which the same-origin policy keeps from
    other origins) nor compute it (an HMAC under the app's secret), and it is bound to the
    participant the signed cookie names, as the session's token is bound to its session.
    Besides, a custom header and a JSON body make any cross-origin post need a CORS
    preflight, which this app never grants, and the participant's cookie is SameSite=Lax,
    so a cross-site post does not carry it at all."""
    participant_id = _cookie_participant_id(slug)
    if not _vote_limits_allow(participant_id):
        return render_error(429)
    sent = request.headers.get(VOTE_TOKEN_HEADER, "").encode()
    if participant_id is None or not hmac.compare_digest(
        sent, vote_token(current_app.secret_key, slug, participant_id).encode()
    ):
        abort(403)
    body = request.get_json(silent=True)
    statement_id = body.get("statement") if isinstance(body, dict) else None
    value = VOTES.get(body.get("vote")) if isinstance(body, dict) else None
    # type() and not isinstance(): JSON's true is no statement number.
    if type(statement_id) is not int or not 0 < statement_id <= MAX_ID or value is None:
        abort(400)
    ballot = queries.ballot(db_session, slug, participant_id)
    if ballot.participant_id is None:
        abort(403)
    try:
        consultations.vote(
            ballot.participant_id, statement_id, value, consultation=ballot, today=clock.today()
        )
    except DomainError as error:
        return render_error(400, str(error.message))
    return current_app.response_class(status=204)


@bp.get("/consulta/<string:slug>/siguientes")
@public
def next_cards(slug: str):
    """The next statements for the voting page's script, when its queue runs low."""
    ballot = queries.ballot(db_session, slug, _cookie_participant_id(slug))
    if ballot.participant_id is None:
        abort(403)
    statements, progress = queries.next_statements(
        db_session, ballot.id, ballot.participant_id, QUEUE_SIZE
    )
    response = jsonify(
        cards=_cards(statements, current_language()), done=progress.done, total=progress.total
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/consulta/<string:slug>/proponer", methods=["GET", "POST"])
@public
@limiter.limit(_limit("CONSULTATION_PROPOSE_LIMIT_PER_ADDRESS", "60 per hour"), methods=["POST"])
@limiter.limit(
    _limit("CONSULTATION_PROPOSE_LIMIT_PER_PARTICIPANT", "10 per hour"),
    key_func=_participant_key,
    methods=["POST"],
)
def propose(slug: str):
    consultation = queries.public_consultation(db_session, slug)
    participant = _require_participant(consultation)
    form = ProposeForm()
    status = 200
    if form.validate_on_submit():
        try:
            consultations.propose(
                participant, form.text.data, consultation=consultation, today=clock.today()
            )
        except DomainError as error:
            attach_error(form, error)
            status = 400
        else:
            flash(
                _("Thank you. Your statement will be shown to others once it is reviewed."),
                "success",
            )
            return redirect(url_for("consultation.participate", slug=slug))
    elif request.method == "POST":
        status = 400
    return render_template(
        "consultation/propose.html",
        consultation=consultation,
        form=form,
        is_open=consultation.is_open_on(clock.today()),
    ), status


def _questions_page(consultation, participant, failed=None):
    rows = queries.questions_with_answers(db_session, consultation, participant)
    forms = {}
    for question, text in rows:
        if failed is not None and failed[0] == question.id:
            forms[question.id] = failed[1]
        else:
            forms[question.id] = AnswerForm(formdata=None, prefix=f"q{question.id}", text=text)
    return render_template(
        "consultation/questions.html",
        consultation=consultation,
        rows=rows,
        forms=forms,
        language=current_language(),
        is_open=consultation.is_open_on(clock.today()),
    )


@bp.get("/consulta/<string:slug>/preguntas")
@public
def questions(slug: str):
    consultation = queries.public_consultation(db_session, slug)
    participant = _require_participant(consultation)
    return _questions_page(consultation, participant)


@bp.post("/consulta/<string:slug>/preguntas/<int:question_id>")
@public
@limiter.limit(
    _limit("CONSULTATION_ANSWER_LIMIT_PER_PARTICIPANT", "30 per hour"), key_func=_participant_key
)
def answer(slug: str, question_id: int):
    consultation = queries.public_consultation(db_session, slug)
    participant = _require_participant(consultation)
    question = _question(consultation, question_id)
    form = AnswerForm(prefix=f"q{question.id}")
    if form.validate_on_submit():
        try:
            consultations.answer(
                participant,
                question,
                form.text.data,
                consultation=consultation,
                today=clock.today(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Answer saved. You can change it while the consultation is open."), "success")
            return redirect(
                url_for("consultation.questions", slug=slug, _anchor=f"question-{question.id}")
            )
    return _questions_page(consultation, participant, failed=(question.id, form)), 400


def _profile_form(participant, formdata=True) -> ProfileForm:
    language = current_language()
    form = ProfileForm() if formdata else ProfileForm(formdata=None)
    form.sector.choices = choices(
        [("", _("Prefer not to say"))]
        + [(s.slug, s.name(language)) for s in db_session.scalars(SECTORS_IN_ORDER)]
    )
    form.state.choices = choices(
        [("", _("Prefer not to say"))]
        + [
            (s.code, s.name(language))
            for s in db_session.scalars(select(State).order_by(State.name_es))
        ]
    )
    form.age_range.choices = choices([("", _("Prefer not to say"))] + [(a, a) for a in AGE_RANGES])
    form.gender.choices = choices(
        [("", _("Prefer not to say"))]
        + [(g, GENDER_LABELS[g]) for g in GENDERS if g in GENDER_LABELS]
    )
    if not formdata:
        form.sector.data = participant.sector_slug or ""
        form.state.data = participant.state_code or ""
        form.age_range.data = participant.age_range or ""
        form.gender.data = participant.gender or ""
        form.consent.data = participant.profile_consented_at is not None
    return form


@bp.route("/consulta/<string:slug>/perfil", methods=["GET", "POST"])
@public
def profile(slug: str):
    consultation = queries.public_consultation(db_session, slug)
    participant = _require_participant(consultation)
    if request.method == "GET":
        form = _profile_form(participant, formdata=False)
        return render_template("consultation/profile.html", consultation=consultation, form=form)
    form = _profile_form(participant)
    if form.validate_on_submit():
        try:
            consultations.save_profile(
                participant,
                consultations.Profile(
                    sector_slug=form.sector.data or None,
                    state_code=form.state.data or None,
                    age_range=form.age_range.data or None,
                    gender=form.gender.data or None,
                    consent=form.consent.data,
                ),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Profile saved.") if form.consent.data else _("Profile cleared."), "success")
            return redirect(url_for("consultation.participate", slug=slug))
    return render_template("consultation/profile.html", consultation=consultation, form=form), 400


@bp.route("/consulta/<string:slug>/correo", methods=["GET", "POST"])
@public
@limiter.limit(_limit("CONSULTATION_EMAIL_LIMIT_PER_ADDRESS", "20 per hour"), methods=["POST"])
@limiter.limit(
    _limit("CONSULTATION_EMAIL_LIMIT_PER_EMAIL", "3 per hour"),
    key_func=_typed_email,
    methods=["POST"],
)
@limiter.limit(
    _limit("CONSULTATION_EMAIL_LIMIT_PER_PARTICIPANT", "5 per hour"),
    key_func=_participant_key,
    methods=["POST"],
)
def email(slug: str):
    consultation = queries.public_consultation(db_session, slug)
    participant = _require_participant(consultation)
    form = EmailForm()
    status = 200
    if form.validate_on_submit():
        try:
            consultations.ask_email_confirmation(
                participant,
                form.email.data,
                consultation=consultation,
                language=current_language(),
            )
        except DomainError as error:
            attach_error(form, error)
            status = 400
        else:
            flash(_("We sent you a link: open it to confirm your participation."), "success")
            return redirect(url_for("consultation.participate", slug=slug))
    elif request.method == "POST":
        status = 400
    return render_template(
        "consultation/email.html", consultation=consultation, form=form, participant=participant
    ), status


@bp.get("/consulta/<string:slug>/confirmar/<token>")
@public
def confirm_email(slug: str, token: str):
    consultation = queries.public_consultation(db_session, slug)
    try:
        consultations.confirm_email(consultation, token)
    except DomainError as error:
        return render_template(
            "errors/error.html", code=410, title=_("Link not valid"), message=error.message
        ), 410
    flash(_("Your participation is confirmed. Thank you."), "success")
    return redirect(url_for("consultation.participate", slug=slug))
