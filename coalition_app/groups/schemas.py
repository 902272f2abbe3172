"""The working groups' API resources: `Group`, `GroupDetail` and the list of groups."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for

from models import GroupRole, WorkingGroup

from ..api.schemas import DeliverableRef, InstitutionRef, Schema


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


class GroupDetail(Group):
    """A group with its current institutions (leads first) and its open deliverables."""

    institutions: list[GroupMember]
    deliverables: list[DeliverableRef]

    @classmethod
    def of(cls, group: WorkingGroup, memberships=(), deliverables=()) -> GroupDetail:
        return cls(
            **cls.fields_of(group),
            institutions=[GroupMember.of(m) for m in memberships],
            deliverables=[DeliverableRef.of(d) for d in deliverables],
        )
