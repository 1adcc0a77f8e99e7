"""Commands the Section 11 service accepts, as an agency sends them."""

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)


class SubmitSelfAssessment(BaseModel):
    """Submit a Section 11 self-assessment: one rating per signatures-of-risk domain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: UUID = Field(description="Chosen by the agency; resending the same request is safe")
    agency_id: str = Slug
    cycle_id: str = Slug
    domain_ratings: dict[str, StrictInt] = Field(min_length=1)
    submitted_by: str = Field(min_length=1, max_length=120, description="Role of the person submitting")
