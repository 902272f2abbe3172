"""The agenda's values as people read them (templates get `agenda_label`)."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from flask_babel import lazy_gettext as _l

from models import (
    AmendmentStatus,
    Answer,
    Chamber,
    EvidenceKind,
    PositionKind,
    PositionStatus,
    RecommendationStatus,
)

from ..core.i18n import DOMAIN

LABELS: dict[str, object] = {
    RecommendationStatus.DRAFT: _l("Draft"),
    RecommendationStatus.REVIEW: _l("In review"),
    RecommendationStatus.APPROVED: _l("Approved by the group"),
    RecommendationStatus.ADOPTED: _l("Adopted into the agenda"),
    AmendmentStatus.OPEN: _l("Open"),
    AmendmentStatus.ACCEPTED: _l("Accepted"),
    AmendmentStatus.REJECTED: _l("Rejected"),
    Answer.ENDORSE: _l("Endorses"),
    Answer.ABSTAIN: _l("Abstains"),
    Answer.OBJECT: _l("Objects"),
    PositionKind.STATEMENT: _l("Statement on a bill"),
    PositionKind.OPEN_LETTER: _l("Open letter"),
    PositionStatus.DRAFT: _l("Draft"),
    PositionStatus.OPEN: _l("Open to endorsement"),
    PositionStatus.CLOSED: _l("Closed"),
    Chamber.SENATE: _l("Senate"),
    Chamber.DEPUTIES: _l("Chamber of Deputies"),
    Chamber.STATE_CONGRESS: _l("State congress"),
    EvidenceKind.DELIVERABLE: _l("Deliverable"),
    EvidenceKind.MEETING: _l("Meeting"),
    EvidenceKind.CONSULTATION_STATEMENT: _l("Consultation statement"),
    EvidenceKind.CONSULTATION_THEME: _l("Consultation theme"),
}

FIGURES: dict[str, object] = {
    "progress": _l("Progress (%)"),
    "date": _l("Date"),
    "hours": _l("Hours"),
    "attended": _l("People who attended"),
    "agreement": _l("Agreement (%)"),
    "group_consensus": _l("Group-informed consensus (%)"),
    "sector_consensus": _l("Sector-informed consensus (%)"),
    "voters": _l("Participants who voted on it"),
    "answers": _l("Participants whose answers it groups"),
}


#: {translations: {value: label}}: each label translated once per process and language
#: (pages ask it for every answer, status and figure they show).
_TRANSLATED: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()


def agenda_label(value: str) -> str:
    translations = DOMAIN.get_translations()
    labels = _TRANSLATED.get(translations)
    if labels is None:
        labels = _TRANSLATED[translations] = {
            key: str(label) for key, label in {**FIGURES, **LABELS}.items()
        }
    found = labels.get(value)
    return found if found is not None else str(value)
