"""Framework profiles: a partnership's scrutiny and assurance framework as configuration.

>>> from shared.profiles import load_builtin
>>> profile = load_builtin("north-lincolnshire")
>>> [d.id for d in profile.section11.domains][:2]
['leadership-and-governance', 'performance-and-outcomes']
"""

from .errors import ProfileError, ProfileProblem
from .loader import DATA_DIR, builtin_profiles, load_builtin, load_profile, parse_profile
from .schema import (
    ActionRules,
    ActivityType,
    Agency,
    Cadence,
    Domain,
    FrameworkProfile,
    Group,
    IndependentScrutiny,
    Milestone,
    PlannerEntry,
    ProfileConsistencyError,
    RatingLevel,
    RatingScale,
    ReviewTimescales,
    Section11Rules,
    Standard,
    StatutoryPartner,
)

__all__ = [
    "DATA_DIR",
    "ActionRules",
    "ActivityType",
    "Agency",
    "Cadence",
    "Domain",
    "FrameworkProfile",
    "Group",
    "IndependentScrutiny",
    "Milestone",
    "PlannerEntry",
    "ProfileConsistencyError",
    "ProfileError",
    "ProfileProblem",
    "RatingLevel",
    "RatingScale",
    "ReviewTimescales",
    "Section11Rules",
    "Standard",
    "StatutoryPartner",
    "builtin_profiles",
    "load_builtin",
    "load_profile",
    "parse_profile",
]
