"""Checks an agency's answers against the partnership's profile, naming the field at fault."""

from collections.abc import Mapping

from services.section11.domain.commands import AnswerGiven
from shared.catalogue.section11 import Answer
from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


def require_agency(profile: FrameworkProfile, agency_id: str, field: str = "agency_id") -> None:
    if agency_id not in {a.id for a in profile.agencies}:
        raise Refusal("unknown_agency", f"{agency_id!r} is not a Section 11 agency of {profile.id}", field)


def require_domain(profile: FrameworkProfile, domain_id: str, field: str = "domain_id") -> None:
    domains = [d.id for d in profile.section11.domains]
    if domain_id not in domains:
        raise Refusal("unknown_domain", f"{domain_id!r} is not a domain of {profile.id}; expected one of {domains}", field)


def require_on_scale(profile: FrameworkProfile, rating: int, field: str) -> None:
    scale = profile.section11.rating_scale.values
    if rating not in scale:
        raise Refusal("rating_off_scale", f"{rating} is not on the rating scale {scale}", field)


def checked_answers(profile: FrameworkProfile, answers: Mapping[str, AnswerGiven]) -> dict[str, Answer]:
    """Every answer names a standard of the profile and rates it on the profile's scale."""
    standards = {s.id for s in profile.section11.standards}
    for standard_id, answer in answers.items():
        if standard_id not in standards:
            raise Refusal(
                "unknown_standard",
                f"{standard_id!r} is not a Section 11 standard of {profile.id}",
                f"answers.{standard_id}",
            )
        require_on_scale(profile, answer.rating, f"answers.{standard_id}.rating")
    # Each is an `Answer` already (commands.AnswerGiven), validated with the command.
    return dict(answers)


def require_complete(profile: FrameworkProfile, answers: Mapping[str, Answer]) -> None:
    missing = [s.id for s in profile.section11.standards if s.id not in answers]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise Refusal(
            "missing_standard",
            f"a return answers every standard; {missing[0]!r} has no answer{more}",
            f"answers.{missing[0]}",
        )
