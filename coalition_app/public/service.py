"""The public site's use cases: publishing a deliverable, choosing to be listed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import Deliverable, Institution, User, WorkStatus, utcnow

from ..audit import service as audit
from ..core.db import session, use_case
from ..core.errors import DomainError


@use_case
def publish_deliverable(deliverable: Deliverable, *, by: User) -> None:
    """Show a done deliverable on its group's public page."""
    if deliverable.status != WorkStatus.DONE:
        raise DomainError(_l("Only a done deliverable can be published."), field="publish")
    if deliverable.archived_at is not None:
        raise DomainError(_l("An archived deliverable cannot be published."), field="publish")
    if deliverable.published_at is None:
        deliverable.published_at = utcnow()
        deliverable.published_by = by
        session.flush()


@use_case
def withdraw_deliverable(deliverable: Deliverable, *, by: User) -> None:
    """Take a deliverable off its group's public page."""
    if deliverable.published_at is not None:
        deliverable.published_at = None
        deliverable.published_by = by
        session.flush()


@use_case
def choose_listing(institution: Institution, listed: bool, *, by: User) -> None:
    """List the institution on the public site, or take it off."""
    if institution.is_listed != listed:
        audit.record(
            by,
            "institution.update",
            "institution",
            institution.id,
            changes={"is_listed": [institution.is_listed, listed]},
        )
        institution.is_listed = listed
        session.flush()
