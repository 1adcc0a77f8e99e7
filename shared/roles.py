"""The roles a person holds in a partnership: what the front door lets each see and do.

A command row (shared/messaging/commands.py) names the roles that may send it and the
field pinned to the person's own agency or partner; the front door's pages read the
same roles (services/reporting/domain/people/policy.py). One list, so a role added here
is a role every page and every command must answer for.
"""

from enum import StrEnum


class Role(StrEnum):
    BUSINESS_UNIT = "business-unit"
    AGENCY_LEAD = "agency-lead"
    PARTNER = "partner"
    SCRUTINEER = "scrutineer"
    BOARD_MEMBER = "board-member"
    INSPECTOR = "inspector"
    OPERATOR = "operator"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Role.BUSINESS_UNIT: "Business unit",
    Role.AGENCY_LEAD: "Agency lead",
    Role.PARTNER: "Safeguarding partner",
    Role.SCRUTINEER: "Independent scrutineer",
    Role.BOARD_MEMBER: "Board member",
    Role.INSPECTOR: "Inspector",
    Role.OPERATOR: "Operator",
}

# The role's own id in a grant: an agency lead's agency, a partner's statutory partner.
SCOPED = {Role.AGENCY_LEAD: "agency", Role.PARTNER: "partner"}
