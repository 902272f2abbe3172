"""The working groups' API resources: `Group`, `GroupDetail` and the list of groups."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for

from models import GroupChair, GroupRole, WorkingGroup

from ..api.schemas import DeliverableRef, InstitutionRef, PersonRef, Schema


class Group(Schema):
    slug: str
    name_es: str
    name_en: str
    description_es: str
    description_en: str
    url: str

    @classmethod
    def fields_of(cls, group: WorkingGroup) -> dict[str, Any]:
        return {
            "slug": group.slug,
            "name_es": group.name_es,
            "name_en": group.name_en,
            "description_es": group.description_es or "",
            "description_en": group.description_en or "",
            "url": url_for("api.group", slug=group.slug),
        }

    @classmethod
    def of(cls, group: WorkingGroup) -> Group:
        return cls(**cls.fields_of(group))


class GroupList(Schema):
    data: list[Group]


class GroupMember(Schema):
    institution: InstitutionRef
    role: GroupRole
    since: date

    @classmethod
    def of(cls, membership) -> GroupMember:
        return cls(
            institution=InstitutionRef.of(membership.institution),
            role=membership.role,
            since=membership.since,
        )


class GroupChairOut(Schema):
    """A person who chairs the group today (`GroupChair.current_on`), and since when."""

    person: PersonRef
    institution: InstitutionRef
    since: date

    @classmethod
    def of(cls, chair: GroupChair) -> GroupChairOut:
        return cls(
            person=PersonRef.of(chair.person),
            institution=InstitutionRef.of(chair.person.institution),
            since=chair.since,
        )


class GroupDetail(Group):
    """A group with its current institutions (leads first), the people who chair it today
    and its open deliverables."""

    institutions: list[GroupMember]
    chairs: list[GroupChairOut]
    deliverables: list[DeliverableRef]

    @classmethod
    def of(cls, group: WorkingGroup, memberships=(), deliverables=(), chairs=()) -> GroupDetail:
        return cls(
            **cls.fields_of(group),
            institutions=[GroupMember.of(m) for m in memberships],
            chairs=[GroupChairOut.of(c) for c in chairs],
            deliverables=[DeliverableRef.of(d) for d in deliverables],
        )
