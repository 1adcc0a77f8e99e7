"""The partnership's governance: its three statutory partners, its groups, the
agencies with a Section 11 duty, and the independent scrutiny role."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model, NonEmptyStr, Slug

PartnerRole = Literal["local_authority", "icb", "police"]
GroupKind = Literal[
    "board",  # the partnership board (e.g. Children's MARS Board)
    "executive",  # the safeguarding partners acting jointly / executive group
    "subgroup",  # a subgroup of the partnership
    "hub",  # a working hub / business unit (e.g. Innovation Hub)
    "panel",  # a panel or team that scrutinises (e.g. Young Inspectors)
    "forum",  # a practitioner forum or network
    "single_agency",  # a governance body inside one partner agency
    "other",
]

class StatutoryPartner(Model):
    """One of the three safeguarding partners (Children Act 2004 s.16E)."""

    id: Slug
    name: NonEmptyStr
    role: PartnerRole


class Group(Model):
    """A governance group: the board, the executive, a subgroup, a hub, ..."""

    id: Slug
    name: NonEmptyStr
    kind: GroupKind
    purpose: str = ""


class Agency(Model):
    """An agency or organisation with a duty under Section 11.

    ``statutory_partner`` names the partner id when the agency *is* one of
    the three safeguarding partners. ``part_of`` names the parent agency for
    a service of a larger organisation (e.g. a council's housing service).
    """

    id: Slug
    name: NonEmptyStr
    category: NonEmptyStr
    statutory_partner: str | None = None
    part_of: str | None = None
    notes: str = ""


class IndependentScrutiny(Model):
    title: NonEmptyStr
    duties: list[NonEmptyStr] = Field(min_length=1)
    contributes_to: list[str] = Field(default_factory=list)
    """Activity ids that the independent scrutineer leads or contributes to."""
    pool: bool = False
    """True when a pool of scrutineers is used rather than a single person."""


