"""Section 11 returns as an agency would send them, built from a profile."""

from typing import Any

from shared.profiles.schema import FrameworkProfile


def answers(profile: FrameworkProfile, by_domain: dict[str, int] | None = None, default: int = 3) -> dict[str, Any]:
    """Every standard answered: `default`, or the rating given for its domain."""
    by_domain = by_domain or {}
    return {
        s.id: {
            "rating": by_domain.get(s.domain, default),
            "narrative": f"Self-assessment of {s.id} (invented for tests)",
            "evidence": [f"evidence/{s.id}.pdf"],
        }
        for s in profile.section11.standards
    }
