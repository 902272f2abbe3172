"""The directory (everyone signed in), its coordinator's pages, people admin and invitations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from models import Basis, Institution

from ..core import clock
from ..core.csv import csv_response
from ..core.csv_import import CsvImport
from ..core.errors import DomainError, DomainErrors
from ..core.forms import attach_error
from ..core.forms import choices as select_choices
from ..core.html import escape_each
from ..core.i18n import current_language, format_date_once
from ..core.labels import label
from ..core.paging import page_number
from ..core.staged_uploads import StagedUploads
from ..core.url_patterns import url_pattern
from ..policy import authorize, can
from ..ties import queries as tie_queries
from . import csv_io as institution_io
from . import service as directory
from .forms import (
    EndMembershipForm,
    FocalPointForm,
    InstitutionForm,
)

bp = Blueprint("directory", __name__)


@bp.app_template_global()
def institution_options(institutions: Iterable[Any]) -> Markup:
    """The suggestions of an institution picker's `<datalist>`: one option per institution,
    its name as the value and its acronym as the hint. Written in one string: a picker
    offers every active member institution, and a template loop cost more per option."""
    values = [value for i in institutions for value in (i.name, i.acronym or "")]
    texts = escape_each(values)
    return Markup(
        "".join(
            f'<option value="{name}">{acronym}</option>'
            for name, acronym in zip(texts[::2], texts[1::2], strict=True)
        )
    )


def filter_options(items: Iterable[Any], key: str, chosen: object, lang: str) -> Markup:
    """A directory filter's options (sectors, states, groups: `key` is the attribute sent),
    the chosen one selected: one string (a template loop cost more per option)."""
    items = list(items)
    keys = [getattr(item, key) for item in items]
    texts = escape_each([*keys, *(item.name(lang) for item in items)])
    return Markup(
        "".join(
            f'<option value="{value}" {"selected" if chosen == keys[n] else ""}>{name}</option>'
            for n, (value, name) in enumerate(zip(texts, texts[len(keys) :], strict=False))
        )
    )


def directory_rows(page: directory.DirectoryPage, lang: str) -> Markup:
    """The directory table's rows: the markup the template's loop wrote, written here
    because fifty rows of some twenty values each were most of the page's cost."""
    t_founder, t_sector, t_state, t_since, t_membership, t_active, t_former = (
        escape(_("Founder")),
        escape(_("Sector")),
        escape(_("State")),
        escape(_("Member since")),
        escape(_("Membership")),
        escape(_("Active")),
        escape(_("Former")),
    )
    sector_names = {s.slug: escape(s.name(lang)) for s in page.sectors}
    state_names = {s.code: escape(s.name(lang)) for s in page.states}
    profile_url = url_pattern("directory.profile", "institution_id")
    founder = f'<span class="badge text-bg-light">{t_founder}</span>'
    active = f'<span class="badge text-bg-success">{t_active}</span>'
    former = f'<span class="badge text-bg-secondary">{t_former}</span>'
    rows = []
    for i in page.institutions:
        address, name, acronym_text, slug, since = escape_each(
            (
                profile_url(i.id),
                i.name,
                i.acronym or "",
                i.sector_slug,
                format_date_once(i.joined_on, "medium"),
            )
        )
        acronym = (
            f' <span class="text-body-secondary">({acronym_text})</span>'
            if i.acronym and i.acronym != i.name
            else ""
        )
        rows.append(
            "\n    <tr>\n"
            f'      <td><a href="{address}">{name}</a>{acronym}\n'
            f"        {founder if i.is_founder else ''}</td>\n"
            f'      <td data-label="{t_sector}">'
            f'<span class="sector-dot sector-{slug}" aria-hidden="true"></span>'
            f" {sector_names[i.sector_slug]}</td>\n"
            f'      <td data-label="{t_state}">'
            f"{state_names[i.state_code] if i.state_code else '—'}</td>\n"
            f'      <td data-label="{t_since}">{since}'
            "</td>\n"
            f'      <td data-label="{t_membership}">{active if i.active else former}</td>\n'
            "    </tr>\n    "
        )
    return Markup("".join(rows))


def profile_tie_rows(profile: directory.Profile, lang: str) -> Markup:
    """A profile's ties table's rows (with the cells of `ties/_macros.html`): the markup the
    template's loop and its two macros wrote, written here because they cost most of the
    page's template."""
    t_open, t_kind, t_dates, t_situation, t_ended, t_note, t_ongoing = (
        escape(_("Open the tie")),
        escape(_("Kind")),
        escape(_("Dates")),
        escape(_("Situation")),
        escape(_("ended")),
        escape(_("Note")),
        escape(_("ongoing")),
    )
    badges = {
        "unconfirmed": '\n<span class="badge text-bg-warning tie-status">'
        f"{escape(_('unconfirmed'))}</span>\n\n",
        "declined": '\n<span class="badge text-bg-secondary tie-status">'
        f"{escape(_('declined'))}</span>\n\n",
    }
    confirmed = (
        f'\n<span class="badge text-bg-success tie-status">{escape(_("confirmed"))}</span>\n'
    )
    ended_badge = f' <span class="badge text-bg-light">{t_ended}</span>'
    profile_url = url_pattern("directory.profile", "institution_id")
    tie_url = url_pattern("ties.detail", "tie_id")
    rows = []
    for view in profile.ties:
        tie, other = view.tie, view.other
        ended = bool(tie.ends_on and tie.ends_on < profile.today)
        greyed = "text-body-secondary" if tie.status == "declined" or ended else ""
        ends = escape(format_date_once(tie.ends_on, "medium")) if tie.ends_on else t_ongoing
        badge = badges.get(tie.status, confirmed)
        rows.append(
            f'\n          \n          <tr class="{greyed}">\n'
            f'            <td><a href="{escape(profile_url(other.id))}">{escape(other.name)}</a>\n'
            "              \n"
            f'              <span class="d-block small mt-1"><a href="{escape(tie_url(tie.id))}">'
            f"{escape(tie.title) if tie.title else t_open}</a></span></td>\n"
            f'            <td data-label="{t_kind}">{escape(label(tie.kind))}</td>\n'
            f'            <td data-label="{t_dates}">'
            f"{escape(format_date_once(tie.since, 'medium'))} – {ends}</td>\n"
            f'            <td data-label="{t_situation}">{badge}'
            f"{ended_badge if ended else ''}</td>\n"
            f'            <td class="small tie-note" data-label="{t_note}">'
            f"{escape(tie.description or tie.note_in(lang))}</td>\n"
            "          </tr>\n        "
        )
    return Markup("".join(rows))


#: The file between the import's preview and its confirmation.


def _imported(result) -> str:
    return _(
        "Imported: %(new)s, %(updated)s, %(unchanged)s.",
        new=ngettext("%(num)s new", "%(num)s new", result.count(institution_io.NEW)),
        updated=ngettext("%(num)s updated", "%(num)s updated", result.count(institution_io.UPDATE)),
        unchanged=ngettext(
            "%(num)s unchanged", "%(num)s unchanged", result.count(institution_io.UNCHANGED)
        ),
    )


IMPORT = CsvImport(
    csv=institution_io,
    template="directory/import.html",
    uploads=StagedUploads("institution_import"),
    upload_endpoint="directory.import_upload",
    confirm_endpoint="directory.import_confirm",
    done_endpoint="directory.index",
    summary=_imported,
)


# --- directory ----------------------------------------------------------------------------------


@bp.get("/institutions")
def index():
    authorize(current_user, "view_directory")
    query = directory.DirectoryQuery.from_args(request.args)
    page = directory.directory_page(query, clock.today())
    return render_template(
        "directory/index.html",
        page=page,
        rows=directory_rows(page, current_language()),
        filter_options=filter_options,
    )


@bp.get("/institutions/<int:institution_id>")
def profile(institution_id: int):
    authorize(current_user, "view_directory")
    data = directory.profile(
        institution_id, clock.today(), people_page=page_number(request.args.get("people"))
    )
    return _render_profile(data)


def _render_profile(
    data: directory.Profile, focal_form: FocalPointForm | None = None, status: int = 200
):
    institution = data.institution
    if focal_form is None and can(current_user, "name_focal_point", institution):
        focal_form = FocalPointForm(formdata=None, person_id=institution.focal_point_id)
    if focal_form is not None:
        focal_form.person_id.choices = select_choices(
            [("", _("— nobody —"))]
            + [(p.id, p.full_name) for p in tie_queries.people_of(institution)]
        )
    return render_template(
        "directory/profile.html",
        profile=data,
        focal_form=focal_form,
        tie_rows=profile_tie_rows(data, current_language()),
    ), status


@bp.post("/institutions/<int:institution_id>/focal-point")
def focal_point(institution_id: int):
    institution = directory.load_institution(institution_id)
    authorize(current_user, "name_focal_point", institution)
    form = FocalPointForm()
    form.person_id.choices = []
    if form.validate_on_submit():
        try:
            directory.set_focal_point(institution, form.person_id.data, current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Focal point saved."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    return _render_profile(directory.profile(institution.id, clock.today()), form, 400)


def _institution_form(form: InstitutionForm) -> None:
    sectors, states = directory.reference_lists()
    language = current_language()
    # No sector is chosen for the coordinator: "Choose…" is the empty, required first option.
    form.sector.choices = select_choices(
        [("", _("Choose…"))] + [(s.slug, s.name(language)) for s in sectors]
    )
    form.state.choices = select_choices(
        [("", _("(not recorded)"))] + [(s.code, s.name(language)) for s in states]
    )


def _data_from(form: InstitutionForm) -> directory.InstitutionData:
    return directory.InstitutionData(
        name=form.name.data or "",
        acronym=form.acronym.data or None,
        sector_slug=form.sector.data or "",
        state_code=form.state.data or None,
        website=form.website.data or None,
        joined_on=form.joined_on.data,
        is_founder=bool(form.is_founder.data),
        basis=Basis.DOCUMENTED,
        source=form.source.data or None,
    )


def _show_error(form: InstitutionForm, error: DomainError) -> None:
    """A rule's message next to its field; a taken name links to the institution that has it."""
    if isinstance(error, DomainErrors):
        for each in error.errors:
            _show_error(form, each)
        return
    if isinstance(error, directory.DuplicateName):
        error = DomainError(
            Markup(
                _(
                    "“%(name)s” is already in the directory (case and accents are ignored): "
                    '<a href="%(url)s">open its profile</a>.',
                    name=escape(error.existing.name),
                    url=url_for("directory.profile", institution_id=error.existing.id),
                )
            ),
            field="name",
        )
    attach_error(form, error)


def _check_rules_too(form: InstitutionForm, institution: Institution | None) -> None:
    """The form refused what was typed: say what the rules would refuse as well (a website, a
    taken name), so every problem shows in one answer, not one submit at a time."""
    today = clock.today()
    data = _data_from(form)
    dated = form.joined_on.data is not None and not form.joined_on.errors
    if not dated:
        # A stand-in that breaks no rule: the form already says what is wrong with the date.
        data.joined_on = today
    data.left_on = institution.left_on if institution is not None and dated else None
    for error in directory.institution_errors(data, today, institution.id if institution else None):
        field = getattr(form, error.field or "", None)
        if field is None or not field.errors:
            _show_error(form, error)


@bp.route("/institutions/new", methods=["GET", "POST"])
def create():
    authorize(current_user, "manage_institutions")
    form = InstitutionForm()
    _institution_form(form)
    status = 200
    if form.validate_on_submit():
        try:
            institution = directory.create_institution(
                _data_from(form), current_user, clock.today()
            )
        except DomainError as error:
            _show_error(form, error)
            status = 400
        else:
            flash(_("Institution added."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    elif request.method == "POST":
        _check_rules_too(form, None)
        status = 400
    return render_template("directory/form.html", form=form, institution=None), status


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
def edit(institution_id: int):
    authorize(current_user, "manage_institutions")
    institution = directory.load_institution(institution_id)
    form = InstitutionForm(
        obj=None
        if request.method == "POST"
        else _FormObject(
            name=institution.name,
            acronym=institution.acronym,
            sector=institution.sector_slug,
            state=institution.state_code or "",
            website=institution.website,
            joined_on=institution.joined_on,
            is_founder=institution.is_founder,
            source=institution.source,
        )
    )
    _institution_form(form)
    end_form = EndMembershipForm()
    status = 200
    if form.validate_on_submit():
        data = _data_from(form)
        data.basis = institution.basis
        try:
            directory.update_institution(institution, data, current_user, clock.today())
        except DomainError as error:
            _show_error(form, error)
            status = 400
        else:
            flash(_("Institution saved."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    elif request.method == "POST":
        _check_rules_too(form, institution)
        status = 400
    return render_template(
        "directory/form.html", form=form, institution=institution, end_form=end_form
    ), status


class _FormObject:
    def __init__(self, **values) -> None:
        self.__dict__.update(values)


@bp.post("/institutions/<int:institution_id>/end")
def end(institution_id: int):
    authorize(current_user, "manage_institutions")
    institution = directory.load_institution(institution_id)
    end_form = EndMembershipForm()
    if end_form.validate_on_submit():
        try:
            directory.end_membership(
                institution, end_form.left_on.data, current_user, clock.today()
            )
        except DomainError as error:
            attach_error(end_form, error)
        else:
            flash(_("Membership ended. The institution now shows as former."), "success")
            return redirect(url_for("directory.profile", institution_id=institution.id))
    form = InstitutionForm(obj=institution)
    form.sector.data, form.state.data = institution.sector_slug, institution.state_code or ""
    _institution_form(form)
    return render_template(
        "directory/form.html", form=form, institution=institution, end_form=end_form
    ), 400


# --- export and import --------------------------------------------------------------------------


@bp.get("/institutions/export.csv")
def export():
    authorize(current_user, "manage_institutions")
    rows = institution_io.export_table(current_user)
    return csv_response(rows, f"institutions-{clock.today().isoformat()}.csv")


@bp.route("/institutions/import", methods=["GET", "POST"])
def import_upload():
    authorize(current_user, "manage_institutions")
    return IMPORT.upload()


@bp.post("/institutions/import/confirm")
def import_confirm():
    authorize(current_user, "manage_institutions")
    return IMPORT.confirm()
