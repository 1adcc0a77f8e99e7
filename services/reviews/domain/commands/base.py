"""What every command of the reviews service shares: frozen, unknown fields refused, typed ids."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
SlugStr = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
# Pseudonymous case references only: never a name, a date of birth or a case number.
CaseRef = Annotated[str, StringConstraints(pattern=r"^case-[a-z0-9]{3,24}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
"""A recorded reason: required, and not blank."""


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
