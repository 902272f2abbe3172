"""The audit trail in words: each event as a sentence in the reader's language, with names and
links instead of codes and ids. The named objects are loaded in bulk (a fixed number of queries
for any number of events)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import format_date, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from models import (
    Application,
    AuditEvent,
    Basis,
    Consultation,
    Deliverable,
    Institution,
    Sector,
    State,
    Task,
    Tie,
    User,
    WorkingGroup,
)

from ..core.db import session
from ..core.labels import label, translated_texts


@dataclass(frozen=True)
class Ref:
    """A name in a sentence, with the page it links to (if any)."""

    text: str
    url: str | None = None

    def html(self) -> Markup:
        if self.url is None:
            return Markup("<strong>%s</strong>") % self.text
        return Markup('<a href="%s">%s</a>') % (self.url, self.text)


@dataclass(frozen=True)
class Sentence:
    """An event told in words: `html` for pages (names linked), `text` for the CSV."""

    html: Markup
    text: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def text_with_changes(self) -> str:
        """The sentence, then each field change ("Sector: Gobierno → Sociedad civil")."""
        return "; ".join(
            [self.text, *(f"{name}: {before} → {after}" for name, before, after in self.changes)]
        )


def _say(message: str, **parts: Ref | str | int) -> tuple[Markup, str]:
    """The translated `message` filled twice: with links (names escaped) and as plain text."""
    html_parts = {k: v.html() if isinstance(v, Ref) else v for k, v in parts.items()}
    text_parts = {k: v.text if isinstance(v, Ref) else v for k, v in parts.items()}
    return Markup(message) % html_parts, message % text_parts


@dataclass
class _Names:
    """The objects the events name, loaded once for the whole page."""

    users: dict[int, User] = field(default_factory=dict)
    groups: dict[int, WorkingGroup] = field(default_factory=dict)
    institutions: dict[int, Institution] = field(default_factory=dict)
    institutions_by_name: dict[str, Institution] = field(default_factory=dict)
    deliverables: dict[int, Deliverable] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    ties: dict[int, Tie] = field(default_factory=dict)
    sectors: dict[str, Sector] = field(default_factory=dict)
    states: dict[str, State] = field(default_factory=dict)
    applications: dict[int, Application] = field(default_factory=dict)
    consultations: dict[int, Consultation] = field(default_factory=dict)

    @classmethod
    def load(cls, events: list[AuditEvent]) -> _Names:
        names = cls()
        ids: dict[str, set[int]] = {}
        institution_names: set[str] = set()
        needs_reference = False
        for event in events:
            if event.target_id is not None:
                ids.setdefault(event.target_type, set()).add(event.target_id)
            if event.actor is not None:
                names.users[event.actor.id] = event.actor
            details = event.details or {}
            if event.action == "group.membership":
                if isinstance(details.get("institution_id"), int):
                    ids.setdefault("institution", set()).add(details["institution_id"])
                elif isinstance(details.get("institution"), str):
                    institution_names.add(details["institution"])
            chair_event = event.action in ("group.chair_named", "group.chair_ended")
            if chair_event and isinstance(details.get("person_id"), int):
                ids.setdefault("user", set()).add(details["person_id"])
            if event.action in ("institution.update", "institution.create"):
                needs_reference = True
            # The agenda (issue 16): the institution that answered, the person authorised.
            if event.action == "endorsement.answer" and isinstance(
                details.get("institution_id"), int
            ):
                ids.setdefault("institution", set()).add(details["institution_id"])
            if event.action == "endorser.change" and isinstance(details.get("person_id"), int):
                ids.setdefault("user", set()).add(details["person_id"])
            if event.action == "institution.focal_point":
                for key in ("person_id", "before_id"):
                    if isinstance(details.get(key), int):
                        ids.setdefault("user", set()).add(details[key])
            if event.action in DISCUSSION_ACTIONS:
                _discussion_ids(details, ids)
            if event.action == "application.approve":
                if isinstance(details.get("institution_id"), int):
                    ids.setdefault("institution", set()).add(details["institution_id"])
                if isinstance(details.get("institution"), str):
                    institution_names.add(details["institution"])
        wanted_users = ids.get("user", set()) - names.users.keys()
        if wanted_users:
            names.users.update(
                (u.id, u) for u in session.scalars(select(User).where(User.id.in_(wanted_users)))
            )
        if ids.get("working_group"):
            names.groups = {
                g.id: g
                for g in session.scalars(
                    select(WorkingGroup).where(WorkingGroup.id.in_(ids["working_group"]))
                )
            }
        if ids.get("institution") or institution_names:
            for institution in session.scalars(
                select(Institution).where(
                    or_(
                        Institution.id.in_(ids.get("institution", set())),
                        Institution.name.in_(institution_names),
                    )
                )
            ):
                names.institutions[institution.id] = institution
                names.institutions_by_name[institution.name] = institution
        if ids.get("deliverable"):
            names.deliverables = {
                d.id: d
                for d in session.scalars(
                    select(Deliverable).where(Deliverable.id.in_(ids["deliverable"]))
                )
            }
        if ids.get("task"):
            names.tasks = {
                t.id: t for t in session.scalars(select(Task).where(Task.id.in_(ids["task"])))
            }
        if ids.get("tie"):
            names.ties = {
                t.id: t
                for t in session.scalars(
                    select(Tie)
                    .where(Tie.id.in_(ids["tie"]))
                    .options(joinedload(Tie.institution_a), joinedload(Tie.institution_b))
                )
            }
        if ids.get("application"):
            names.applications = {
                a.id: a
                for a in session.scalars(
                    select(Application).where(Application.id.in_(ids["application"]))
                )
            }
        if ids.get("consultation"):
            names.consultations = {
                c.id: c
                for c in session.scalars(
                    select(Consultation).where(Consultation.id.in_(ids["consultation"]))
                )
            }
        if needs_reference:
            names.sectors = {s.slug: s for s in session.scalars(select(Sector))}
            names.states = {s.code: s for s in session.scalars(select(State))}
        return names

    # --- the references -----------------------------------------------------------------------

    def person(self, user_id: int | None, fallback: str = "") -> Ref:
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            return Ref(fallback or _("someone"))
        return Ref(user.full_name, url_for("people.index", _anchor=f"person-{user.id}"))

    def group(self, group_id: int | None) -> Ref:
        group = self.groups.get(group_id) if group_id is not None else None
        if group is None:
            return Ref(_("a working group"))
        return Ref(group.name(_language()), url_for("groups.detail", slug=group.slug))

    def institution(self, institution_id: Any = None, name: Any = None) -> Ref:
        found = None
        if isinstance(institution_id, int):
            found = self.institutions.get(institution_id)
        if found is None and isinstance(name, str):
            found = self.institutions_by_name.get(name)
        if found is None:
            return Ref(str(name) if name else _("an institution"))
        return Ref(found.name, url_for("directory.profile", institution_id=found.id))

    def work(self, kind: str, work_id: int | None, title: Any) -> Ref:
        if kind == "deliverable" and work_id in self.deliverables:
            return Ref(
                self.deliverables[work_id].title,
                url_for("work.deliverable", deliverable_id=work_id),
            )
        if kind == "task" and work_id in self.tasks:
            return Ref(self.tasks[work_id].title, url_for("work.task", task_id=work_id))
        return Ref(str(title or ""))

    def tie(self, tie_id: int | None, title: Any = None) -> Ref | str:
        """The tie, linked; its recorded title as plain text if it is not found."""
        tie = self.ties.get(tie_id) if tie_id is not None else None
        if tie is None:
            return _("“%(title)s”", title=str(title or "—"))
        text = _(
            "“%(title)s” (%(a)s – %(b)s)",
            title=tie.title or label(tie.kind),
            a=tie.institution_a.acronym or tie.institution_a.name,
            b=tie.institution_b.acronym or tie.institution_b.name,
        )
        return Ref(text, url_for("ties.detail", tie_id=tie.id))

    def application(self, application_id: int | None, name: Any = None) -> Ref:
        found = self.applications.get(application_id) if application_id is not None else None
        if found is None:
            return Ref(str(name) if name else _("an application"))
        return Ref(
            found.institution_name,
            url_for("applications.review", application_id=found.id),
        )

    def consultation(self, consultation_id: int | None) -> Ref:
        found = self.consultations.get(consultation_id) if consultation_id is not None else None
        if found is None:
            return Ref(_("a consultation"))
        return Ref(found.title, url_for("consultation.results", slug=found.slug))


def _plural() -> Any:
    """The catalogue itself: its ngettext leaves the placeholders for `_say` to fill (Flask-Babel's
    would fill %(num)s at once)."""
    return get_translations()


def _language() -> str:
    return str(get_locale() or "es")


def _day(value: Any) -> str:
    """A stored ISO date in the app's format ("3 mar 2025"); anything else as it is."""
    try:
        return str(format_date(date.fromisoformat(str(value)[:10]), "medium"))
    except ValueError:
        return str(value)


# --- field changes of an institution ----------------------------------------------------------


def _field_labels() -> dict[str, str]:
    return {
        "name": _("Name"),
        "acronym": _("Acronym"),
        "sector_slug": _("Sector"),
        "state_code": _("Entity"),
        "website": _("Website"),
        "joined_on": _("Member since"),
        "left_on": _("Left on"),
        "is_founder": _("Founder"),
        "basis": _("Basis"),
        "source": _("Source"),
        "is_listed": _("On the public site"),
    }


def _basis_label(value: str) -> str:
    return {
        Basis.DOCUMENTED: _("documented"),
        Basis.REPORTED: _("reported"),
        Basis.DEMO: _("demo data"),
    }.get(value, value)


def _value(names: _Names, key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if key == "sector_slug" and value in names.sectors:
        return names.sectors[value].name(_language())
    if key == "state_code" and value in names.states:
        return names.states[value].name(_language())
    if key in ("joined_on", "left_on"):
        return _day(value)
    if key == "is_founder" or isinstance(value, bool):
        return _("yes") if value in (True, "True", "true") else _("no")
    if key == "basis":
        return _basis_label(str(value))
    return str(value)


def _changes(names: _Names, changes: Any) -> list[tuple[str, str, str]]:
    """[(label, before, after)] of an update's {field: [before, after]}."""
    if not isinstance(changes, dict):
        return []
    labels = _field_labels()
    rows = []
    for key, pair in changes.items():
        if isinstance(pair, list) and len(pair) == 2:
            rows.append(
                (labels.get(key, key), _value(names, key, pair[0]), _value(names, key, pair[1]))
            )
    return rows


# --- one sentence per kind of event -----------------------------------------------------------


def _sign_in_failure_reason(reason: Any) -> str:
    return {
        "password": _("wrong password"),
        "unknown account": _("no such account"),
        "inactive": _("the account is deactivated"),
        "two_factor": _("wrong two-factor code"),
    }.get(str(reason), str(reason or ""))


def _token_revoke_reason(reason: Any) -> str:
    return {
        "ended": _("their sessions were ended"),
        "password": _("a new password"),
        "two_factor": _("two-factor sign-in turned on"),
        "deactivated": _("the account was deactivated"),
        "anonymised": _("their personal data were cancelled"),
    }.get(str(reason), str(reason or ""))


Teller = Callable[[AuditEvent, _Names, Ref], tuple[Markup, str]]


def _group_membership(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    institution = names.institution(details.get("institution_id"), details.get("institution"))
    group = names.group(event.target_id)
    before, after = details.get("before"), details.get("after")
    parts: dict[str, Ref | str | int] = {"actor": actor, "institution": institution, "group": group}
    if after is None:
        return _say(_("%(actor)s removed %(institution)s from %(group)s"), **parts)
    if after == "lead":
        if before is None:
            return _say(_("%(actor)s added %(institution)s to %(group)s as lead"), **parts)
        return _say(_("%(actor)s made %(institution)s lead of %(group)s"), **parts)
    if before is None:
        return _say(_("%(actor)s added %(institution)s to %(group)s as a member"), **parts)
    return _say(_("%(actor)s made %(institution)s a member (no longer lead) of %(group)s"), **parts)


def _group_chair(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    person = names.person(details.get("person_id"), str(details.get("person") or ""))
    group = names.group(event.target_id)
    if event.action == "group.chair_named":
        return _say(
            _("%(actor)s named %(person)s chair of %(group)s from %(since)s"),
            actor=actor,
            person=person,
            group=group,
            since=_day(details.get("since")),
        )
    return _say(
        _("%(actor)s ended the chairship of %(person)s in %(group)s on %(until)s"),
        actor=actor,
        person=person,
        group=group,
        until=_day(details.get("until")),
    )


def _work(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    subject = names.work(event.target_type, event.target_id, details.get("title"))
    archive = event.action == "work.archive"
    if event.target_type == "task":
        message = (
            _("%(actor)s archived the task %(subject)s")
            if archive
            else _("%(actor)s restored the task %(subject)s")
        )
    else:
        message = (
            _("%(actor)s archived the deliverable %(subject)s")
            if archive
            else _("%(actor)s restored the deliverable %(subject)s")
        )
    return _say(message, actor=actor, subject=subject)


# --- comments and files (issue 14) -------------------------------------------------------------

DISCUSSION_ACTIONS = ("comment.hide", "comment.unhide", "file.delete")


def _discussion_ids(details: dict[str, Any], ids: dict[str, set[int]]) -> None:
    """The people and work a comment's or a file's event names, to load with the others."""
    for key in ("author_id", "uploaded_by_id"):
        if isinstance(details.get(key), int):
            ids.setdefault("user", set()).add(details[key])
    if details.get("subject") in ("deliverable", "task") and isinstance(
        details.get("subject_id"), int
    ):
        ids.setdefault(str(details["subject"]), set()).add(details["subject_id"])


def _discussed(names: _Names, details: dict[str, Any]) -> Ref:
    subject_id = details.get("subject_id")
    return names.work(
        str(details.get("subject", "")),
        subject_id if isinstance(subject_id, int) else None,
        details.get("title"),
    )


def _comment_moderation(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    parts: dict[str, Ref | str | int] = {
        "actor": actor,
        "author": names.person(details.get("author_id"), str(details.get("author") or "")),
        "subject": _discussed(names, details),
        "reason": str(details.get("reason") or ""),
    }
    if event.action == "comment.hide":
        return _say(
            _("%(actor)s hid a comment by %(author)s on %(subject)s (reason: %(reason)s)"), **parts
        )
    return _say(_("%(actor)s showed again a comment by %(author)s on %(subject)s"), **parts)


def _file_delete(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _("%(actor)s deleted the file %(name)s from %(subject)s"),
        actor=actor,
        name=Ref(str(details.get("name") or "")),
        subject=_discussed(names, details),
    )


def _sign_in(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    if (event.details or {}).get("two_factor"):
        return _say(_("%(actor)s signed in with the second step"), actor=actor)
    return _say(_("%(actor)s signed in"), actor=actor)


def _sign_in_failed(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _("Failed sign-in as %(email)s (%(reason)s)"),
        email=Ref(str(details.get("email", ""))),
        reason=_sign_in_failure_reason(details.get("reason")),
    )


def _target_person(event: AuditEvent, names: _Names) -> Ref:
    return names.person(event.target_id)


def _sessions(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    person = _target_person(event, names)
    if event.action == "sessions.sign_out":
        return _say(_("%(actor)s signed out everywhere"), actor=actor)
    if event.actor_id == event.target_id:
        return _say(_("%(actor)s ended all their sessions"), actor=actor)
    return _say(_("%(actor)s ended all sessions of %(person)s"), actor=actor, person=person)


def _tokens_revoked(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    count = int(details.get("count") or 0)
    return _say(
        _plural().ngettext(
            "%(num)d API token of %(person)s was revoked (%(reason)s)",
            "%(num)d API tokens of %(person)s were revoked (%(reason)s)",
            count,
        ),
        num=count,
        person=_target_person(event, names),
        reason=_token_revoke_reason(details.get("reason")),
    )


def _institution_create(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _("%(actor)s added %(institution)s to the directory"),
        actor=actor,
        institution=names.institution(event.target_id, details.get("name")),
    )


def _institution_update(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    return _say(
        _("%(actor)s changed %(institution)s"),
        actor=actor,
        institution=names.institution(event.target_id),
    )


def _institution_end(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    groups = details.get("groups_left") or []
    institution = names.institution(event.target_id)
    day = _day(details.get("left_on"))
    if groups:
        return _say(
            _plural().ngettext(
                "%(actor)s ended the membership of %(institution)s on %(day)s; it left "
                "%(num)d group (%(groups)s)",
                "%(actor)s ended the membership of %(institution)s on %(day)s; it left "
                "%(num)d groups (%(groups)s)",
                len(groups),
            ),
            actor=actor,
            institution=institution,
            day=day,
            num=len(groups),
            groups=", ".join(str(g) for g in groups),
        )
    return _say(
        _("%(actor)s ended the membership of %(institution)s on %(day)s"),
        actor=actor,
        institution=institution,
        day=day,
    )


def _institutions_import(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _(
            "%(actor)s imported institutions: %(new)s new, %(updated)s updated, "
            "%(unchanged)s unchanged"
        ),
        actor=actor,
        new=int(details.get("new") or 0),
        updated=int(details.get("updated") or 0),
        unchanged=int(details.get("unchanged") or 0),
    )


def _institutions_export(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    rows = int((event.details or {}).get("rows") or 0)
    return _say(
        _plural().ngettext(
            "%(actor)s downloaded the directory (%(num)d institution)",
            "%(actor)s downloaded the directory (%(num)d institutions)",
            rows,
        ),
        actor=actor,
        num=rows,
    )


def _invite(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    days = int(details.get("days") or 0)
    return _say(
        _plural().ngettext(
            "%(actor)s invited %(email)s as %(role)s (valid %(num)d day)",
            "%(actor)s invited %(email)s as %(role)s (valid %(num)d days)",
            days,
        ),
        actor=actor,
        email=Ref(str(details.get("email", ""))),
        role=label(str(details.get("role", ""))).lower(),
        num=days,
    )


def _invitation_revoke(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    email = Ref(str(details.get("email", "")))
    if details.get("reason") == "sender_deactivated":
        return _say(
            _("%(actor)s withdrew the invitation to %(email)s (its sender was deactivated)"),
            actor=actor,
            email=email,
        )
    return _say(_("%(actor)s withdrew the invitation to %(email)s"), actor=actor, email=email)


def _person_role(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _("%(actor)s changed the role of %(person)s from %(before)s to %(after)s"),
        actor=actor,
        person=_target_person(event, names),
        before=label(str(details.get("before", ""))).lower(),
        after=label(str(details.get("after", ""))).lower(),
    )


def _simple(message: Callable[[], str], with_person: bool = False) -> Teller:
    def tell(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
        if with_person:
            return _say(message(), actor=actor, person=_target_person(event, names))
        return _say(message(), actor=actor)

    return tell


def _token(message: Callable[[], str]) -> Teller:
    def tell(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
        return _say(message(), actor=actor, name=Ref(str((event.details or {}).get("name", ""))))

    return tell


def _two_factor_setting(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    if (event.details or {}).get("value") == "on":
        return _say(_("%(actor)s required two-factor sign-in for leads"), actor=actor)
    return _say(_("%(actor)s stopped requiring two-factor sign-in for leads"), actor=actor)


def _reset_requested(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    return _say(
        _("A password reset was asked for %(email)s"),
        email=Ref(str((event.details or {}).get("email", ""))),
    )


def _audit_export(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    return _say(_("%(actor)s downloaded the audit trail"), actor=actor)


def _tie(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    tie = names.tie(event.target_id, details.get("title"))
    if event.action == "tie.record":
        return _say(_("%(actor)s recorded the collaboration %(tie)s"), actor=actor, tie=tie)
    if event.action == "tie.confirm":
        return _say(_("%(actor)s confirmed the collaboration %(tie)s"), actor=actor, tie=tie)
    if event.action == "tie.decline":
        if details.get("reason"):
            return _say(
                _("%(actor)s declined the collaboration %(tie)s: %(reason)s"),
                actor=actor,
                tie=tie,
                reason=str(details["reason"]),
            )
        return _say(_("%(actor)s declined the collaboration %(tie)s"), actor=actor, tie=tie)
    if event.action == "tie.end":
        return _say(
            _("%(actor)s ended the collaboration %(tie)s on %(day)s"),
            actor=actor,
            tie=tie,
            day=_day(details.get("ends_on")),
        )
    changed = ", ".join(
        _tie_field(str(key)) for key in (details.get("changes") or {}) if key != "status"
    )
    return _say(
        _("%(actor)s changed the collaboration %(tie)s (%(fields)s)"),
        actor=actor,
        tie=tie,
        fields=changed or "—",
    )


def _tie_field(key: str) -> str:
    from ..core.labels import field_label

    return field_label(key).lower()


def _ties_import(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _("%(actor)s imported ties: %(new)s new, %(updated)s updated, %(unchanged)s unchanged"),
        actor=actor,
        new=int(details.get("new") or 0),
        updated=int(details.get("updated") or 0),
        unchanged=int(details.get("unchanged") or 0),
    )


def _ties_export(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    rows = int((event.details or {}).get("rows") or 0)
    return _say(
        _plural().ngettext(
            "%(actor)s downloaded the ties (%(num)d tie)",
            "%(actor)s downloaded the ties (%(num)d ties)",
            rows,
        ),
        actor=actor,
        num=rows,
    )


# --- applications to join and privacy (issue 15) ----------------------------------------------


def _application(message: Callable[[], str]) -> Teller:
    def tell(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
        details = event.details or {}
        return _say(
            message(),
            actor=actor,
            application=names.application(event.target_id, details.get("institution")),
        )

    return tell


# --- the consultation (issue 16) -------------------------------------------------------------


def _consultation(message: Callable[[], str], detail: str | None = None) -> Teller:
    """A coordinator's change to a consultation; `detail` names the detail quoted in it."""

    def tell(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
        details = event.details or {}
        parts: dict[str, Ref | str | int] = {
            "actor": actor,
            "consultation": names.consultation(event.target_id),
        }
        if detail is not None:
            parts["text"] = Ref(str(details.get(detail) or ""))
        return _say(message(), **parts)

    return tell


def _application_approve(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    return _say(
        _("%(actor)s approved the application of %(institution)s (a member from %(day)s)"),
        actor=actor,
        institution=names.institution(details.get("institution_id"), details.get("institution")),
        day=_day(details.get("joined_on")),
    )


def _focal_point(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    institution = names.institution(event.target_id)
    if details.get("person_id") is None:
        return _say(
            _("%(actor)s left %(institution)s without a focal point"),
            actor=actor,
            institution=institution,
        )
    return _say(
        _("%(actor)s named %(person)s focal point of %(institution)s"),
        actor=actor,
        person=names.person(details.get("person_id")),
        institution=institution,
    )


def _group_email(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    count = int(details.get("recipients") or 0)
    return _say(
        _plural().ngettext(
            "%(actor)s e-mailed the people of %(group)s (%(num)d person): %(subject)s",
            "%(actor)s e-mailed the people of %(group)s (%(num)d people): %(subject)s",
            count,
        ),
        actor=actor,
        group=names.group(event.target_id),
        num=count,
        subject=Ref(str(details.get("subject", ""))),
    )


def _privacy_request(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    kind = str((event.details or {}).get("kind", ""))
    said = {
        "rectification": _("%(actor)s asked for their data to be rectified"),
        "cancellation": _("%(actor)s asked for their personal data to be cancelled"),
        "opposition": _("%(actor)s opposed a use of their data"),
    }
    return _say(said.get(kind, _("%(actor)s made a privacy request")), actor=actor)


CONSULTATION_TELLERS: dict[str, Teller] = {
    "consultation.create": _consultation(lambda: _("%(actor)s created %(consultation)s")),
    "consultation.update": _consultation(lambda: _("%(actor)s changed %(consultation)s")),
    "consultation.statement": _consultation(
        lambda: _("%(actor)s added the statement %(text)s to %(consultation)s"), "statement"
    ),
    "consultation.statement_edit": _consultation(
        lambda: _("%(actor)s edited the statement %(text)s of %(consultation)s"), "statement"
    ),
    "consultation.approve": _consultation(
        lambda: _("%(actor)s approved the proposed statement %(text)s in %(consultation)s"),
        "statement",
    ),
    "consultation.reject": _consultation(
        lambda: _("%(actor)s rejected the proposed statement %(text)s in %(consultation)s"),
        "statement",
    ),
    "consultation.question": _consultation(
        lambda: _("%(actor)s added the open question %(text)s to %(consultation)s"), "question"
    ),
    "consultation.flag": _consultation(
        lambda: _("%(actor)s flagged participant %(text)s of %(consultation)s"), "participant"
    ),
    "consultation.unflag": _consultation(
        lambda: _("%(actor)s counted participant %(text)s of %(consultation)s again"),
        "participant",
    ),
    "consultation.themes": _consultation(
        lambda: _("%(actor)s found %(text)s themes in the answers of %(consultation)s"), "themes"
    ),
    "consultation.theme": _consultation(
        lambda: _("%(actor)s renamed or assigned the theme %(text)s of %(consultation)s"), "theme"
    ),
    "consultation.merge": _consultation(
        lambda: _("%(actor)s merged the theme %(text)s of %(consultation)s into another"), "theme"
    ),
}


TELLERS: dict[str, Teller] = {
    "application.submit": _application(lambda: _("An application from %(application)s arrived")),
    "application.confirm": _application(
        lambda: _("The applicant confirmed the e-mail of the application of %(application)s")
    ),
    "application.answer": _application(
        lambda: _("The applicant of %(application)s answered the coordination")
    ),
    "application.request_info": _application(
        lambda: _("%(actor)s asked the applicant of %(application)s for more information")
    ),
    "application.decline": _application(
        lambda: _("%(actor)s declined the application of %(application)s")
    ),
    "application.approve": _application_approve,
    "institution.focal_point": _focal_point,
    "privacy.request": _privacy_request,
    "privacy.rectify": _simple(
        lambda: _("%(actor)s rectified the data of %(person)s"), with_person=True
    ),
    "privacy.oppose": _simple(
        lambda: _("%(actor)s stopped all e-mail to %(person)s (opposition)"), with_person=True
    ),
    "privacy.refuse": _simple(lambda: _("%(actor)s refused a privacy request")),
    "privacy.anonymise": _simple(
        lambda: _("%(actor)s anonymised %(person)s (cancellation)"), with_person=True
    ),
    "sign_in": _sign_in,
    "sign_in.password_ok": _simple(
        lambda: _("%(actor)s gave the right password (the second step was still to come)")
    ),
    "sign_in_failed": _sign_in_failed,
    "sessions.sign_out": _sessions,
    "sessions.ended": _sessions,
    "password.set": _simple(lambda: _("%(actor)s set a new password")),
    "password.reset_requested": _reset_requested,
    "two_factor.enabled": _simple(lambda: _("%(actor)s turned on two-factor sign-in")),
    "two_factor.disabled": _simple(lambda: _("%(actor)s turned off two-factor sign-in")),
    "two_factor.recovery_codes_regenerated": _simple(
        lambda: _("%(actor)s made new recovery codes")
    ),
    "settings.two_factor_required": _two_factor_setting,
    "api_token.create": _token(lambda: _("%(actor)s created the API token %(name)s")),
    "api_token.revoke": _token(lambda: _("%(actor)s revoked the API token %(name)s")),
    "api_token.revoke_all": _tokens_revoked,
    "audit.export": _audit_export,
    "institutions.export": _institutions_export,
    "institutions.import": _institutions_import,
    "institution.create": _institution_create,
    "institution.update": _institution_update,
    "institution.end_membership": _institution_end,
    "group.membership": _group_membership,
    "group.chair_named": _group_chair,
    "group.chair_ended": _group_chair,
    "profile.updated": _simple(lambda: _("%(actor)s updated their profile")),
    "work.archive": _work,
    "work.restore": _work,
    "person.invite": _invite,
    "person.invitation_revoke": _invitation_revoke,
    "person.accept_invitation": _simple(
        lambda: _("%(actor)s accepted their invitation and joined")
    ),
    "person.activate": _simple(lambda: _("%(actor)s reactivated %(person)s"), with_person=True),
    "person.deactivate": _simple(lambda: _("%(actor)s deactivated %(person)s"), with_person=True),
    "person.role": _person_role,
    "tie.record": _tie,
    "tie.confirm": _tie,
    "tie.decline": _tie,
    "tie.edit": _tie,
    "tie.end": _tie,
    "ties.import": _ties_import,
    "ties.export": _ties_export,
    "group.email": _group_email,
    "comment.hide": _comment_moderation,
    "comment.unhide": _comment_moderation,
    "file.delete": _file_delete,
    **CONSULTATION_TELLERS,
}


# --- the agenda (issue 16): recommendations, editions, initiatives, positions, endorsements ----


def _agenda_subject(event: AuditEvent) -> Ref:
    """The recommendation, position or initiative an agenda event is about (by its title)."""
    title = str((event.details or {}).get("title") or "")
    if event.target_id is None:
        return Ref(title)
    if event.target_type == "recommendation":
        return Ref(title, url_for("agenda.recommendation", recommendation_id=event.target_id))
    if event.target_type == "position":
        return Ref(title, url_for("agenda.position", position_id=event.target_id))
    return Ref(title, url_for("agenda.initiatives"))


def _agenda_status(value: Any) -> str:
    from ..agenda.labels import agenda_label

    return agenda_label(str(value))


def _agenda(event: AuditEvent, names: _Names, actor: Ref) -> tuple[Markup, str]:
    details = event.details or {}
    subject = _agenda_subject(event)
    action = event.action
    if action == "recommendation.create":
        return _say(
            _("%(actor)s drafted the recommendation %(subject)s"), actor=actor, subject=subject
        )
    if action == "recommendation.edit":
        return _say(
            _("%(actor)s edited the recommendation %(subject)s"), actor=actor, subject=subject
        )
    if action == "recommendation.evidence":
        message = (
            _("%(actor)s removed evidence from the recommendation %(subject)s")
            if details.get("removed")
            else _("%(actor)s cited evidence in the recommendation %(subject)s")
        )
        return _say(message, actor=actor, subject=subject)
    if action == "amendment.propose":
        return _say(
            _("%(actor)s proposed an amendment to the recommendation %(subject)s"),
            actor=actor,
            subject=subject,
        )
    if action == "amendment.decide":
        message = (
            _("%(actor)s accepted an amendment to the recommendation %(subject)s")
            if details.get("accepted")
            else _("%(actor)s rejected an amendment to the recommendation %(subject)s")
        )
        return _say(message, actor=actor, subject=subject)
    if action in ("recommendation.status", "position.status"):
        message = (
            _("%(actor)s moved the recommendation %(subject)s from “%(before)s” to “%(after)s”")
            if action == "recommendation.status"
            else _("%(actor)s moved the position %(subject)s from “%(before)s” to “%(after)s”")
        )
        return _say(
            message,
            actor=actor,
            subject=subject,
            before=_agenda_status(details.get("before")),
            after=_agenda_status(details.get("after")),
        )
    if action == "agenda.publish":
        return _say(
            _("%(actor)s published edition %(number)s of the agenda"),
            actor=actor,
            number=Ref(str(details.get("number", "")), url_for("agenda.agenda")),
        )
    if action == "initiative.save":
        message = (
            _("%(actor)s recorded the initiative %(subject)s")
            if details.get("created")
            else _("%(actor)s updated the initiative %(subject)s")
        )
        return _say(message, actor=actor, subject=subject)
    if action == "position.save":
        message = (
            _("%(actor)s wrote the position %(subject)s")
            if details.get("created")
            else _("%(actor)s updated the position %(subject)s")
        )
        return _say(message, actor=actor, subject=subject)
    if action == "endorsement.answer":
        return _say(
            _("%(actor)s answered “%(answer)s” to %(subject)s for %(institution)s"),
            actor=actor,
            subject=subject,
            institution=names.institution(details.get("institution_id")),
            answer=_agenda_status(details.get("answer")),
        )
    person = names.person(details.get("person_id"))
    institution = names.institution(event.target_id)
    message = (
        _("%(actor)s authorised %(person)s to answer endorsements for %(institution)s")
        if details.get("granted")
        else _("%(actor)s withdrew the authorisation of %(person)s to answer for %(institution)s")
    )
    return _say(message, actor=actor, person=person, institution=institution)


AGENDA_ACTIONS = (
    "recommendation.create",
    "recommendation.edit",
    "recommendation.evidence",
    "recommendation.status",
    "amendment.propose",
    "amendment.decide",
    "agenda.publish",
    "initiative.save",
    "position.save",
    "position.status",
    "endorsement.answer",
    "endorser.change",
)
TELLERS.update(dict.fromkeys(AGENDA_ACTIONS, _agenda))


def describe(events: Iterable[AuditEvent]) -> dict[int, Sentence]:
    """{event id: its sentence}, in the current language (a fixed number of queries)."""
    events = list(events)
    names = _Names.load(events)
    told = {}
    for event in events:
        actor = names.person(event.actor_id)
        teller = TELLERS.get(event.action)
        if teller is None:
            html, text = _say(_("%(actor)s: %(action)s"), actor=actor, action=Ref(event.action))
        else:
            html, text = teller(event, names, actor)
        changes = (
            _changes(names, (event.details or {}).get("changes"))
            if event.action == "institution.update"
            else []
        )
        told[event.id] = Sentence(html, text, changes)
    return told


#: Each action's name in the audit filter (lazy: made text once per language).
_ACTION_NAMES = {
    "application.submit": _l("Application received"),
    "application.confirm": _l("Application e-mail confirmed"),
    "application.answer": _l("Applicant answered"),
    "application.request_info": _l("More information asked of an applicant"),
    "application.decline": _l("Application declined"),
    "application.approve": _l("Application approved"),
    "institution.focal_point": _l("Focal point named"),
    "privacy.request": _l("Privacy request"),
    "privacy.rectify": _l("Data rectified"),
    "privacy.oppose": _l("E-mail stopped (opposition)"),
    "privacy.refuse": _l("Privacy request refused"),
    "privacy.anonymise": _l("Person anonymised"),
    "sign_in": _l("Sign-in"),
    "sign_in.password_ok": _l("Sign-in: password given, second step pending"),
    "sign_in_failed": _l("Failed sign-in"),
    "sessions.sign_out": _l("Sign-out"),
    "sessions.ended": _l("Sessions ended"),
    "password.set": _l("New password"),
    "password.reset_requested": _l("Password reset asked for"),
    "two_factor.enabled": _l("Two-factor sign-in turned on"),
    "two_factor.disabled": _l("Two-factor sign-in turned off"),
    "two_factor.recovery_codes_regenerated": _l("New recovery codes"),
    "settings.two_factor_required": _l("Two-factor requirement for leads"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "api_token.revoke_all": _l("API tokens revoked"),
    "audit.export": _l("Audit trail downloaded"),
    "institutions.export": _l("Directory downloaded"),
    "institutions.import": _l("Institutions imported"),
    "institution.create": _l("Institution added"),
    "institution.update": _l("Institution changed"),
    "institution.end_membership": _l("Membership ended"),
    "group.membership": _l("Group membership changed"),
    "group.chair_named": _l("Chair named"),
    "group.chair_ended": _l("Chairship ended"),
    "profile.updated": _l("Profile updated"),
    "work.archive": _l("Work archived"),
    "work.restore": _l("Work restored"),
    "person.invite": _l("Invitation sent"),
    "person.invitation_revoke": _l("Invitation withdrawn"),
    "person.accept_invitation": _l("Invitation accepted"),
    "person.activate": _l("Person reactivated"),
    "person.deactivate": _l("Person deactivated"),
    "person.role": _l("Role changed"),
    "recommendation.create": _l("Recommendation drafted"),
    "recommendation.edit": _l("Recommendation edited"),
    "recommendation.evidence": _l("Recommendation's evidence changed"),
    "recommendation.status": _l("Recommendation moved"),
    "amendment.propose": _l("Amendment proposed"),
    "amendment.decide": _l("Amendment decided"),
    "agenda.publish": _l("Agenda edition published"),
    "initiative.save": _l("Initiative saved"),
    "position.save": _l("Position saved"),
    "position.status": _l("Position moved"),
    "endorsement.answer": _l("Endorsement answered"),
    "endorser.change": _l("Endorsers changed"),
    "tie.record": _l("Tie recorded"),
    "tie.confirm": _l("Tie confirmed"),
    "tie.decline": _l("Tie declined"),
    "tie.edit": _l("Tie changed"),
    "tie.end": _l("Tie ended"),
    "ties.import": _l("Ties imported"),
    "ties.export": _l("Ties downloaded"),
    "group.email": _l("E-mail to a group"),
    "comment.hide": _l("Comment hidden"),
    "comment.unhide": _l("Comment shown again"),
    "file.delete": _l("File deleted"),
    "consultation.create": _l("Consultation created"),
    "consultation.update": _l("Consultation changed"),
    "consultation.statement": _l("Consultation statement added"),
    "consultation.statement_edit": _l("Consultation statement edited"),
    "consultation.approve": _l("Proposed statement approved"),
    "consultation.reject": _l("Proposed statement rejected"),
    "consultation.question": _l("Open question added"),
    "consultation.flag": _l("Participant flagged"),
    "consultation.unflag": _l("Participant counted again"),
    "consultation.themes": _l("Themes found"),
    "consultation.theme": _l("Theme renamed or assigned"),
    "consultation.merge": _l("Themes merged"),
}


def _action_names() -> dict[str, str]:
    """The actions' names in the reader's language, worked out once per language (some
    ninety messages on every request of the audit page). Not to be changed."""
    return translated_texts(_ACTION_NAMES)


def action_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """(code, name in the reader's language) of each action, sorted by name, for the filter."""
    names = _action_names()
    return sorted(((a, names.get(a, a)) for a in actions), key=lambda pair: pair[1].casefold())
