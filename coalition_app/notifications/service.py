"""The in-app inbox, its e-mail copies, daily reminders and the weekly group digests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale, format_datetime, get_locale, gettext, ngettext
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    event,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session, joinedload, selectinload

from models import (
    Deliverable,
    DigestPreference,
    DigestRun,
    EmailChoice,
    GroupMembership,
    Notification,
    NotificationKind,
    ProgressUpdate,
    Task,
    User,
    WorkingGroup,
    WorkStatus,
    utcnow,
)

from ..core import clock, outbox
from ..core.db import one_statement_use_case, session, use_case
from ..core.links import absolute

K = NotificationKind
# Flask-Babel ships no types: its gettext gives a str.
_: Callable[..., str] = gettext


def notify(
    user_id: int,
    kind: NotificationKind,
    params: dict[str, Any],
    *,
    link: str | None = None,
    task_id: int | None = None,
    deliverable_id: int | None = None,
    dedup_key: str | None = None,
    attachments: Sequence[Mapping[str, str]] = (),
) -> Notification:
    """Put a notification in a person's inbox and queue its e-mail copy, in the caller's
    transaction (the e-mail leaves after the commit, through the outbox), with `attachments`
    (an invitation's .ics) if any."""
    notification = Notification(
        user_id=user_id,
        kind=kind,
        params=params,
        link=link,
        task_id=task_id,
        deliverable_id=deliverable_id,
        dedup_key=dedup_key,
    )
    session.add(notification)
    recipient = session.get(User, user_id)
    if recipient is not None and recipient.is_active and wants_email(recipient, kind):
        queue_email(recipient, notification, attachments=attachments)
    return notification


#: The kinds a person may choose to get by e-mail or not (the inbox has them all). The weekly
#: digest has its own choice, per group.
EMAIL_KINDS: tuple[NotificationKind, ...] = tuple(k for k in NotificationKind if k != K.DIGEST)


def wants_email(user: User, kind: NotificationKind) -> bool:
    """Whether this person wants the e-mail copy of this kind: their choice, by default yes."""
    wanted = session.scalar(
        select(EmailChoice.wanted).where(EmailChoice.user_id == user.id, EmailChoice.kind == kind)
    )
    return True if wanted is None else bool(wanted)


def email_choices(user: User) -> dict[NotificationKind, bool]:
    """Each choosable kind and whether this person gets it by e-mail."""
    chosen = {
        kind: wanted
        for kind, wanted in session.execute(
            select(EmailChoice.kind, EmailChoice.wanted).where(EmailChoice.user_id == user.id)
        )
    }
    return {kind: chosen.get(kind, True) for kind in EMAIL_KINDS}


@use_case
def set_email_choices(user: User, wanted: set[NotificationKind]) -> None:
    """Record, for every choosable kind, whether this person wants it by e-mail."""
    existing = {
        choice.kind: choice
        for choice in session.scalars(select(EmailChoice).where(EmailChoice.user_id == user.id))
    }
    for kind in EMAIL_KINDS:
        choice = existing.get(kind)
        if choice is None:
            session.add(EmailChoice(user_id=user.id, kind=kind, wanted=kind in wanted))
        else:
            choice.wanted = kind in wanted
    session.flush()


def kind_label(kind: NotificationKind) -> str:
    """What a kind of notification is about, for the e-mail choices."""
    return kind_labels().get(kind, str(kind))


def kind_labels() -> dict[NotificationKind, str]:
    """Every kind's `kind_label`, translated once (the choices list them all)."""
    return {
        K.TASK_ASSIGNED: _("A task is assigned to me"),
        K.TASK_REASSIGNED: _("A task of mine is given to someone else"),
        K.TASK_DUE_SOON: _("A task of mine is due soon"),
        K.TASK_OVERDUE: _("A task of mine is overdue"),
        K.DELIVERABLE_SENT_BACK: _("Work of mine is sent back"),
        K.DELIVERABLE_STALE: _("A deliverable of a group I chair has had no update for weeks"),
        K.TASK_DONE: _("A task of a group I chair is finished"),
        K.DELIVERABLE_COMPLETE: _("A deliverable of a group I chair reaches 100 %"),
        K.DELIVERABLE_IN_REVIEW: _("A deliverable of a group I chair waits for review"),
        K.PROGRESS_OVERRIDDEN: _("Someone sets a deliverable's percent by hand in a group I chair"),
        K.MEETING_INVITATION: _(
            "I am invited to a meeting, or its time changes or it is cancelled"
        ),
        K.TIE_RECORDED: _("Another institution records a collaboration with mine"),
        K.TIE_ANSWERED: _("A collaboration I recorded is confirmed or declined"),
        K.COMMENT_MENTION: _("Someone mentions me in a comment"),
        K.COMMENT_ADDED: _(
            "Someone comments on my task, a deliverable of a group I chair or my meeting"
        ),
    }


def message(notification: Notification) -> str:
    """The notification's text in the current language."""
    p = notification.params or {}
    kind = notification.kind
    if kind == K.TASK_ASSIGNED:
        return _(
            "%(by)s assigned you the task “%(title)s” (%(deliverable)s).",
            **_fill(p, "by", "title", "deliverable"),
        )
    if kind == K.TASK_REASSIGNED:
        return _(
            "%(by)s reassigned the task “%(title)s” to %(to)s.", **_fill(p, "by", "title", "to")
        )
    if kind == K.TASK_DUE_SOON:
        return _("Your task “%(title)s” is due on %(due_on)s.", **_fill(p, "title", "due_on"))
    if kind == K.TASK_OVERDUE:
        return _(
            "Your task “%(title)s” was due on %(due_on)s and is not done.",
            **_fill(p, "title", "due_on"),
        )
    if kind == K.DELIVERABLE_SENT_BACK:
        return _("%(by)s sent “%(title)s” back: %(comment)s", **_fill(p, "by", "title", "comment"))
    if kind == K.DELIVERABLE_STALE:
        return _("“%(title)s” has had no update for %(weeks)s weeks.", **_fill(p, "title", "weeks"))
    if kind == K.TASK_DONE:
        return _(
            "%(by)s finished the task “%(title)s” (%(deliverable)s).",
            **_fill(p, "by", "title", "deliverable"),
        )
    if kind == K.DELIVERABLE_COMPLETE:
        return _("“%(title)s” has reached 100 %%.", **_fill(p, "title"))
    if kind == K.DELIVERABLE_IN_REVIEW:
        if p.get("by"):
            return _(
                "%(by)s sent “%(title)s” for review: it waits for your decision.",
                **_fill(p, "by", "title"),
            )
        return _(
            "All the tasks of “%(title)s” are done (%(progress)s %%): it waits for your review.",
            **_fill(p, "title", "progress"),
        )
    if kind == K.PROGRESS_OVERRIDDEN:
        return _(
            "%(by)s set “%(title)s” by hand from %(before)s %% to %(after)s %%: %(reason)s",
            **_fill(p, "by", "title", "before", "after", "reason"),
        )
    if kind == K.MEETING_INVITATION:
        p = {**p, "when": _when(p.get("starts_at"))}
        if p.get("change") == "cancelled":
            return _(
                "The meeting “%(title)s” of %(when)s is cancelled.", **_fill(p, "title", "when")
            )
        if p.get("change") == "moved":
            return _(
                "The meeting “%(title)s” has a new time: %(when)s.", **_fill(p, "title", "when")
            )
        return _("You are invited to “%(title)s”, %(when)s.", **_fill(p, "title", "when"))
    if kind == K.TIE_RECORDED:
        return _(
            "%(by)s (%(institution)s) recorded a collaboration with your institution, "
            "“%(title)s”: confirm or decline it.",
            **_fill(p, "by", "institution", "title"),
        )
    if kind == K.TIE_ANSWERED:
        if p.get("answer") == "declined":
            if p.get("reason"):
                return _(
                    "%(by)s (%(institution)s) declined the collaboration “%(title)s”: %(reason)s",
                    **_fill(p, "by", "institution", "title", "reason"),
                )
            return _(
                "%(by)s (%(institution)s) declined the collaboration “%(title)s”.",
                **_fill(p, "by", "institution", "title"),
            )
        return _(
            "%(by)s (%(institution)s) confirmed the collaboration “%(title)s”.",
            **_fill(p, "by", "institution", "title"),
        )
    if kind == K.COMMENT_MENTION:
        return _(
            "%(by)s mentioned you in a comment on “%(title)s”: %(excerpt)s",
            **_fill(p, "by", "title", "excerpt"),
        )
    if kind == K.COMMENT_ADDED:
        return _(
            "%(by)s commented on “%(title)s”: %(excerpt)s", **_fill(p, "by", "title", "excerpt")
        )
    if kind == K.DIGEST:
        if str(get_locale()) == "en" and p.get("group_en"):
            p = {**p, "group": p["group_en"]}
        moved, stale, due = (_number(p, key) for key in ("moved", "stale", "due"))
        return _(
            "Weekly digest of %(group)s: %(moved)s, %(stale)s, %(due)s.",
            group=_fill(p, "group")["group"],
            moved=ngettext("%(num)s update", "%(num)s updates", moved) if moved >= 0 else "—",
            stale=ngettext("%(num)s stale", "%(num)s stale", stale) if stale >= 0 else "—",
            due=ngettext("%(num)s due soon", "%(num)s due soon", due) if due >= 0 else "—",
        )
    return str(kind)


def _when(starts_at: object) -> str | None:
    """A recorded instant (ISO, UTC) in the reader's language and the coalition's zone."""
    if not isinstance(starts_at, str):
        return None
    try:
        moment = datetime.fromisoformat(starts_at)
    except ValueError:
        return None
    return str(format_datetime(moment, "medium"))


def _number(params: dict[str, Any], key: str) -> int:
    """A recorded count, or -1 when there is none (shown as "—")."""
    value = params.get(key)
    return value if isinstance(value, int) else -1


def _fill(params: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: params.get(key) if params.get(key) is not None else "—" for key in keys}


def queue_email(
    user: User,
    notification: Notification,
    body: str | None = None,
    attachments: Sequence[Mapping[str, str]] = (),
) -> None:
    """Queue the e-mail copy of a notification, written in its reader's language."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = body or message(notification)
        subject = _("[Coalition] %(text)s", text=_shorten(message(notification), 90))
        if notification.link:
            text += "\n\n" + absolute(notification.link)
    outbox.queue(user.email, subject, text, notification=notification, attachments=attachments)


def _shorten(text: str, limit: int) -> str:
    """One line for an e-mail subject: user text may carry line breaks, which headers refuse."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the inbox ------------------------------------------------------------------------------


def _unread_of(user_id: Any) -> Select[Any]:
    """How many of a person's notifications are unread (the one definition of "unread")."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


# Every page shows it: built once.
_UNREAD_COUNT = _unread_of(bindparam("user_id"))
#: The signed-in person's unread count, read in the statement that loads them
#: (`account.service.load_active_user`), so that the badge costs no statement of its own.
UNREAD_COUNT_COLUMN = _unread_of(User.id).scalar_subquery()
#: Where a request keeps the count read with its person: (person's id, count).
_READ_WITH_THE_PERSON = "coalition.unread_count"


def note_unread_count(user_id: int, count: int) -> None:
    """Keep, for this request, the count read with the person (until the session writes)."""
    session.info[_READ_WITH_THE_PERSON] = (user_id, count)


@event.listens_for(Session, "after_flush")
def _forget_noted_count(db_session: Session, _flush_context: Any) -> None:
    db_session.info.pop(_READ_WITH_THE_PERSON, None)


@event.listens_for(Session, "do_orm_execute")
def _forget_noted_count_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:  # a bulk update or insert (marking all read) may change it
        state.session.info.pop(_READ_WITH_THE_PERSON, None)


def unread_count(user: User) -> int:
    noted = session.info.get(_READ_WITH_THE_PERSON)
    if noted is not None and noted[0] == user.id:
        if not (session.new or session.dirty or session.deleted):
            return int(noted[1])
        session.info.pop(_READ_WITH_THE_PERSON, None)  # pending changes: asked after the flush
    return session.scalar(_UNREAD_COUNT, {"user_id": user.id}) or 0


def inbox(user: User, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(
                Notification.read_at.is_not(None),
                Notification.created_at.desc(),
                Notification.id.desc(),
            )
            .limit(limit)
        )
    )


@one_statement_use_case
def read_inbox(user: User, limit: int = 100) -> tuple[list[Notification], set[int]]:
    """Open the inbox: its newest notifications, unread first, and the ids of those that were
    unread until now. Seeing them is reading them: they are marked read in this request, so
    the badge of this very page (and of every page after) counts only what is still unseen
    (beyond the first `limit`).

    Its one write is the UPDATE, and nothing follows it: no savepoint, so that opening an
    inbox with nothing new is a read (on PostgreSQL, no transaction: four round trips fewer)."""
    items = inbox(user, limit)
    new_ids = {item.id for item in items if item.read_at is None}
    if new_ids:
        session.execute(
            update(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.read_at.is_(None),
                Notification.id.in_(sorted(new_ids)),
            )
            .values(read_at=utcnow())
        )
    return items, new_ids


@use_case
def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of this person as read."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning a Result).
    result = cast(CursorResult[Any], session.execute(statement.values(read_at=utcnow())))
    return result.rowcount


# --- daily reminders (flask send-reminders) -------------------------------------------------


@use_case
def send_reminders(today: date, now: datetime | None = None) -> dict[str, int]:
    """Due-soon, overdue and stale notices, each once (dedup keys), for cron to run daily."""
    from ..groups.queries import chairs_of
    from ..work.queries import stale_deliverables

    now = now or utcnow()
    counts = {"due_soon": 0, "overdue": 0, "stale": 0}
    notice_days = current_app.config["DUE_SOON_NOTICE_DAYS"]
    tasks = session.scalars(
        select(Task)
        .join(Task.deliverable)
        .where(
            Task.assignee_id.is_not(None),
            Task.archived_at.is_(None),
            Deliverable.archived_at.is_(None),
            or_(Task.is_overdue(today), Task.is_due_soon(today, notice_days)),
        )
    ).all()
    wanted: dict[str, tuple[Task, bool]] = {}
    for task in tasks:
        assert task.due_on is not None  # the query asks for a due date
        overdue = task.is_overdue(today)
        key = f"{'overdue' if overdue else 'due'}:{task.id}:{task.due_on.isoformat()}"
        wanted[key] = (task, overdue)
    weeks = current_app.config["STALE_AFTER_WEEKS"]
    in_progress = session.scalars(
        select(Deliverable)
        .where(Deliverable.status == WorkStatus.IN_PROGRESS, Deliverable.archived_at.is_(None))
        .options(
            joinedload(Deliverable.group)
            .selectinload(WorkingGroup.memberships)
            .joinedload(GroupMembership.institution)
        )
    ).all()
    stale_ids = stale_deliverables(in_progress, weeks, now)
    week = today.isocalendar()
    stale_keys = {
        f"stale:{d.id}:{week.year}-W{week.week:02d}": d for d in in_progress if d.id in stale_ids
    }
    person_keys = {
        f"{key}:{person.id}": (deliverable, person)
        for key, deliverable in stale_keys.items()
        for person in chairs_of(session, deliverable.group, today)
    }
    existing = set(
        session.scalars(
            select(Notification.dedup_key).where(
                Notification.dedup_key.in_(list(wanted) + list(person_keys))
            )
        )
    )
    for key, (task, overdue) in wanted.items():
        if key in existing:
            continue
        # The query asks for an assignee and a due date.
        assert task.assignee_id is not None and task.due_on is not None
        notify(
            task.assignee_id,
            K.TASK_OVERDUE if overdue else K.TASK_DUE_SOON,
            {"title": task.title, "due_on": task.due_on.isoformat()},
            link=f"/tasks/{task.id}",
            task_id=task.id,
            dedup_key=key,
        )
        counts["overdue" if overdue else "due_soon"] += 1
    for key, (deliverable, person) in person_keys.items():
        if key in existing:
            continue
        notify(
            person.id,
            K.DELIVERABLE_STALE,
            {"title": deliverable.title, "weeks": weeks},
            link=f"/deliverables/{deliverable.id}",
            deliverable_id=deliverable.id,
            dedup_key=key,
        )
        counts["stale"] += 1
    session.flush()
    return counts


# --- weekly digests (flask send-digests) ----------------------------------------------------


def wants_digest(
    user: User,
    group: WorkingGroup,
    preferences: dict[tuple[int, int], bool],
    member_institutions: set[int],
) -> bool:
    """An explicit choice wins; without one, people of the group's institutions get it."""
    chosen = preferences.get((user.id, group.id))
    if chosen is not None:
        return chosen
    return user.institution_id in member_institutions


@use_case
def set_digest_preference(user: User, group: WorkingGroup, subscribed: bool) -> None:
    preference = session.get(DigestPreference, (user.id, group.id))
    if preference is None:
        session.add(DigestPreference(user_id=user.id, group_id=group.id, subscribed=subscribed))
    else:
        preference.subscribed = subscribed
    session.flush()


_SQLInt = ColumnElement[int] | BindParameter[int] | InstrumentedAttribute[int]


def _gets_digest(
    group_id: _SQLInt,
    user_id: _SQLInt,
    institution_id: _SQLInt,
    today: BindParameter[date],
) -> ColumnElement[bool]:
    """Whether a person gets a group's weekly digest, in SQL: their choice if made, else
    whether their institution is currently in the group (the rule `wants_digest` applies
    to rows already loaded)."""
    choice = (
        select(DigestPreference.subscribed)
        .where(DigestPreference.user_id == user_id, DigestPreference.group_id == group_id)
        .scalar_subquery()
    )
    return func.coalesce(
        choice,
        exists().where(
            GroupMembership.group_id == group_id,
            GroupMembership.institution_id == institution_id,
            # The hybrid's SQL side takes a bound parameter as well as a date; SQLAlchemy
            # types both sides with the Python side's signature.
            GroupMembership.current_on(today),  # type: ignore[arg-type]
        ),
    )


# A group found by its slug, with whether the person gets its digest: what a group's page
# asks first, served from the page cache or not (one statement instead of two).
_GROUP_WITH_DIGEST = select(
    WorkingGroup,
    _gets_digest(
        WorkingGroup.id, bindparam("user_id"), bindparam("institution_id"), bindparam("today")
    ),
).where(WorkingGroup.slug == bindparam("slug"))
# Every group with the person's digest choice, for their profile: one statement.
_DIGEST_CHOICES = select(
    WorkingGroup,
    _gets_digest(
        WorkingGroup.id, bindparam("user_id"), bindparam("institution_id"), bindparam("today")
    ),
).order_by(WorkingGroup.position, WorkingGroup.name_es)


def _digest_parameters(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "institution_id": user.institution_id, "today": clock.today()}


def digest_choices(user: User) -> list[tuple[WorkingGroup, bool]]:
    """Every working group and whether this person gets its weekly digest (one query)."""
    rows = session.execute(_DIGEST_CHOICES, _digest_parameters(user))
    return [(group, bool(gets)) for group, gets in rows]


@use_case
def set_digest_choices(user: User, shown: set[int], wanted: set[int]) -> int:
    """Apply the profile's digest checkboxes: of the groups the form showed (`shown`), get
    the digest of those in `wanted` and not of the others. Only a choice that differs from
    what applies now is written, so an untouched group keeps following the default."""
    changed = 0
    for group, gets in digest_choices(user):
        if group.id in shown and (group.id in wanted) != gets:
            set_digest_preference(user, group, group.id in wanted)
            changed += 1
    return changed


def group_with_digest_preference(slug: str, user: User) -> tuple[WorkingGroup, bool] | None:
    """The group with this slug and whether this person gets its weekly digest (their
    choice, or by default whether their institution is currently in the group), or None."""
    row = session.execute(_GROUP_WITH_DIGEST, {**_digest_parameters(user), "slug": slug}).first()
    return None if row is None else (row[0], bool(row[1]))


def build_digest(group: WorkingGroup, today: date, now: datetime) -> dict[str, Any]:
    """What moved in the last week, what is stale and what is due in the coming week."""
    from ..work.queries import live_updates, stale_deliverables

    since = now - timedelta(days=7)
    deliverables = [d for d in group.deliverables if d.archived_at is None]
    ids = [d.id for d in deliverables]
    # One digest for every recipient: nothing archived in it (`live_updates`), as on the
    # group page's shared part.
    moved = (
        list(
            session.scalars(
                live_updates(ids)
                .where(ProgressUpdate.created_at >= since)
                .options(
                    joinedload(ProgressUpdate.author),
                    joinedload(ProgressUpdate.task),
                    joinedload(ProgressUpdate.deliverable),
                )
                .order_by(ProgressUpdate.created_at)
            )
        )
        if ids
        else []
    )
    stale_ids = stale_deliverables(deliverables, current_app.config["STALE_AFTER_WEEKS"], now)
    due = [d for d in deliverables if d.is_overdue(today) or d.is_due_soon(today, 7)]
    return {
        "moved": moved,
        "stale": [d for d in deliverables if d.id in stale_ids],
        "due": sorted(due, key=lambda d: d.due_on),
    }


def _digest_body(group: WorkingGroup, digest: dict[str, Any], locale: str) -> str:
    lines = [_("Weekly digest of %(group)s", group=group.name(locale)), ""]
    lines.append(_("What moved:"))
    for update_ in digest["moved"] or []:
        subject = (
            update_.task.title
            if update_.task
            else (update_.deliverable.title if update_.deliverable else "")
        )
        who = update_.author.full_name if update_.author else "—"
        lines.append(f"- {subject} ({who}) {update_.note}".rstrip())
    if not digest["moved"]:
        lines.append("- " + _("nothing this week"))
    lines += ["", _("Stale (no recent update):")]
    lines += [f"- {d.title}" for d in digest["stale"]] or ["- " + _("none")]
    lines += ["", _("Due within a week or overdue:")]
    lines += [f"- {d.title} ({d.due_on.isoformat()})" for d in digest["due"]] or ["- " + _("none")]
    return "\n".join(lines)


@use_case
def send_digests(today: date, now: datetime | None = None) -> dict[str, int]:
    """One digest per group per ISO week to each person who wants it; re-running sends none."""
    now = now or utcnow()
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    groups = session.scalars(
        select(WorkingGroup)
        .order_by(WorkingGroup.position)
        .options(
            selectinload(WorkingGroup.memberships).joinedload(GroupMembership.institution),
            selectinload(WorkingGroup.deliverables),
        )
    ).all()
    done_groups = set(session.scalars(select(DigestRun.group_id).where(DigestRun.week == week)))
    preferences = {
        (p.user_id, p.group_id): p.subscribed for p in session.scalars(select(DigestPreference))
    }
    people = session.scalars(select(User).where(User.is_active.is_(True))).all()
    sent: dict[str, int] = defaultdict(int)
    for group in groups:
        if group.id in done_groups:
            continue
        members = {m.institution_id for m in group.memberships if m.current_on(today)}
        recipients = [u for u in people if wants_digest(u, group, preferences, members)]
        digest = build_digest(group, today, now)
        params = {
            "group": group.name_es,
            "group_en": group.name_en,
            "week": week,
            "moved": len(digest["moved"]),
            "stale": len(digest["stale"]),
            "due": len(digest["due"]),
        }
        for person in recipients:
            notification = Notification(
                user_id=person.id, kind=K.DIGEST, params=params, link=f"/groups/{group.slug}"
            )
            session.add(notification)
            locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
            with force_locale(locale):
                body = _digest_body(group, digest, locale)
            queue_email(person, notification, body=body)
        session.add(DigestRun(group_id=group.id, week=week, recipients=len(recipients)))
        session.flush()
        sent[group.slug] = len(recipients)
    return dict(sent)
