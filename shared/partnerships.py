"""The partnerships served by an installation, each with its framework profile."""

from shared.profiles.schema import FrameworkProfile
from shared.refusals import Refusal


class Partnerships(dict[str, FrameworkProfile]):
    def profile(self, partnership_id: str) -> FrameworkProfile:
        try:
            return self[partnership_id]
        except KeyError:
            raise Refusal(
                "unknown_partnership", f"{partnership_id!r} is not a partnership on this platform"
            ) from None
