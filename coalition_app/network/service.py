"""Use cases of the network page: introducing two institutions to each other.

They change objects and flush, never commit, never check access (the view asks the policy
first) and never send mail themselves: the messages go to the outbox in the same
transaction (`core.outbox.queue`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from models import Institution, Introduction, User

from ..core import outbox
from ..core.db import session, use_case
from ..core.errors import DomainError
from ..core.links import external_url

#: Lacking a focal point, at most this many of an institution's people are written to.
PEOPLE_FALLBACK_LIMIT = 5


@dataclass
class Recipients:
    """Who an introduction writes to, for one institution."""

    institution: Institution
    people: list[User]
    #: False: its focal point; True: it has none (or an inactive one), so its people.
    fallback: bool


def recipients_for(institution: Institution) -> Recipients:
    """The focal point of `institution`, or, lacking an active one, its active people."""
    focal = institution.focal_point
    if focal is not None and focal.is_active:
        return Recipients(institution, [focal], fallback=False)
    people = session.scalars(
        select(User)
        .where(User.institution_id == institution.id, User.is_active)
        .order_by(User.full_name, User.id)
        .limit(PEOPLE_FALLBACK_LIMIT)
    ).all()
    return Recipients(institution, list(people), fallback=True)


def ordered(first: Institution, second: Institution) -> tuple[Institution, Institution]:
    return (first, second) if first.id < second.id else (second, first)


@use_case
def introduce(
    first: Institution, second: Institution, *, by: User, subject: str, message: str
) -> Introduction:
    """Write one message to both institutions' focal points (or their people) and remember it."""
    if first.id == second.id:
        raise DomainError(_("Choose two different institutions."), field="subject")
    subject = subject.strip()
    message = message.strip()
    if not subject:
        raise DomainError(_("Write a subject."), field="subject")
    if not message:
        raise DomainError(_("Write the message that introduces them."), field="message")
    a, b = ordered(first, second)
    sides = [recipients_for(a), recipients_for(b)]
    for side in sides:
        if not side.people:
            raise DomainError(
                _(
                    "%(name)s has no focal point and no active person to write to: name its "
                    "focal point in the directory first.",
                    name=side.institution.name,
                ),
                field="message",
            )
    addresses = [person.email for side in sides for person in side.people]
    link_a = external_url("directory.profile", institution_id=a.id)
    link_b = external_url("directory.profile", institution_id=b.id)
    body = "\n".join(
        [
            message,
            "",
            "—",
            f"{a.name}: {link_a}",
            f"{b.name}: {link_b}",
            "",
            _(
                "Sent by %(name)s to: %(addresses)s.",
                name=by.full_name,
                addresses=", ".join(addresses),
            ),
        ]
    )
    for address in addresses:
        outbox.queue(address, subject, body)
    introduction = Introduction(
        institution_a_id=a.id,
        institution_b_id=b.id,
        introduced_by_id=by.id,
        subject=subject,
        message=message,
        recipients=", ".join(addresses),
        to_people=any(side.fallback for side in sides),
    )
    session.add(introduction)
    session.flush()
    return introduction
