"""The Section 11 return's pages in words and fields (pure): what a domain page's form
holds, what it reads back, where a refusal lands, and how far each domain has got.

Each standard on a page has three inputs, `<standard_id>-rating` (radios on the profile's
scale, labelled in the profile's words), `<standard_id>-narrative` and
`<standard_id>-evidence` (one reference per line), so a refusal naming
`answers.<standard_id>.rating` lands on that standard's radios; and its documents:
`<standard_id>-upload` (files to attach) and `<standard_id>-remove` (the hashes of saved
ones to take off). What the person typed is kept as typed, whether the page or the service
refused it (a file cannot be: it is chosen again).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.catalogue.section11 import Answer
from shared.profiles.schema import FrameworkProfile
from shared.profiles.section11 import Domain, Standard

PARTS = ("rating", "narrative", "evidence")
PAGE = "main-content"  # a refusal naming no field of the page: the summary links to the page's content
REASON_MIN = 5

ROLLUP_WORDS = {
    "lowest": "the lowest rating of its standards",
    "mean_rounded_down": "the average of its standards' ratings, rounded down",
    "median": "the middle rating of its standards (the lower middle one when there are two)",
}


@dataclass
class Typed:
    """A domain page as the person left it: the answers it makes, raw values and errors by input id."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def standards_of(profile: FrameworkProfile, domain_id: str) -> list[Standard]:
    return profile.section11.standards_for(domain_id)


def domain_of(profile: FrameworkProfile, domain_id: str) -> Domain | None:
    return next((d for d in profile.section11.domains if d.id == domain_id), None)


def scale_words(profile: FrameworkProfile) -> dict[int, str]:
    return {level.value: level.label for level in profile.section11.rating_scale.levels}


def guidance(profile: FrameworkProfile) -> dict[str, Any]:
    """How a rating is read, in the profile's own terms (shown beside every domain's standards)."""
    rules = profile.section11
    words = scale_words(profile)
    return {
        "levels": [{"label": lv.label, "rag": lv.rag} for lv in rules.rating_scale.levels],
        "rollup": ROLLUP_WORDS.get(rules.rollup, rules.rollup),
        "risk": words.get(rules.risk_threshold, str(rules.risk_threshold)),
        "call_in": None if rules.highest_risk is None else words.get(rules.highest_risk, str(rules.highest_risk)),
    }


def as_values(answers: Mapping[str, Answer], standards: list[Standard]) -> dict[str, str]:
    """Saved answers shown back in their inputs."""
    out: dict[str, str] = {}
    for s in standards:
        answer = answers.get(s.id)
        if answer is not None:
            out |= {f"{s.id}-rating": str(answer.rating), f"{s.id}-narrative": answer.narrative,
                    f"{s.id}-evidence": "\n".join(answer.evidence)}
    return out


def read_answers(form: Any, standards: list[Standard], saved: Mapping[str, Answer] | None = None,
                 uploads: Any = None) -> Typed:
    """The answers a domain page's form makes; a standard left wholly blank is not sent.

    `saved`: the answers as they stand (their documents are kept unless ticked for removal);
    `uploads`: the page's files, taken or refused (entrypoints/web/uploads.py)."""
    typed = Typed()
    for number, s in enumerate(standards, start=1):
        raw = {part: str(form.get(f"{s.id}-{part}", "")) for part in PARTS}
        typed.values |= {f"{s.id}-{part}": value for part, value in raw.items()}
        removed = [str(v) for v in form.getlist(f"{s.id}-remove")] if hasattr(form, "getlist") else []
        typed.values[f"{s.id}-remove"] = removed  # type: ignore[assignment]
        added = uploads.refs(f"{s.id}-upload") if uploads is not None else []
        if uploads is not None and f"{s.id}-upload" in uploads.errors:
            typed.errors[f"{s.id}-upload"] = uploads.errors[f"{s.id}-upload"]
        if not any(v.strip() for v in raw.values()) and not added and not removed:
            continue
        rating = raw["rating"].strip()
        if not rating:
            typed.errors[f"{s.id}-rating"] = f"Select a rating for standard {number}"
            continue
        if not re.fullmatch(r"-?\d{1,9}", rating):
            typed.errors[f"{s.id}-rating"] = f"Select a rating for standard {number} from the scale"
            continue
        evidence = [line.strip() for line in raw["evidence"].splitlines() if line.strip()]
        kept = [d.model_dump() for d in (saved or {}).get(s.id, Answer(rating=0)).documents if d.sha256 not in removed]
        documents = list({d["sha256"]: d for d in [*kept, *added]}.values())  # a file sent twice is attached once
        typed.answers[s.id] = {"rating": int(rating), "narrative": raw["narrative"].strip(), "evidence": evidence,
                               "documents": documents}
    return typed


def read_reason(form: Mapping[str, Any], typed: Typed) -> str:
    reason = str(form.get("reason", ""))
    typed.values["reason"] = reason
    if len(reason.strip()) < REASON_MIN:
        typed.errors["reason"] = f"Enter the reason for the change, in at least {REASON_MIN} characters"
    return reason.strip()


def input_of(refused: str | None, standards: list[Standard]) -> str:
    """The input a refusal's field names on a domain page (`answers.x.rating` -> `x-rating`)."""
    parts = re.split(r"[.\[\]]+", refused or "")
    ids = [s.id for s in standards]
    if parts[0] == "answers" and len(parts) > 1 and parts[1] in ids:
        part = parts[2] if len(parts) > 2 and parts[2] in PARTS else "rating"
        part = "upload" if len(parts) > 2 and parts[2] == "documents" else part
        return f"{parts[1]}-{part}"
    if parts[0] == "answers" and ids:
        return f"{ids[0]}-rating"
    if parts[0] == "reason":
        return "reason"
    return PAGE


def card_of(refused: str | None, profile: FrameworkProfile) -> str:
    """Where a refusal lands on the check page: the card of the domain whose standard it names."""
    parts = re.split(r"[.\[\]]+", refused or "")
    if parts[0] == "answers" and len(parts) > 1:
        standard = next((s for s in profile.section11.standards if s.id == parts[1]), None)
        if standard is not None:
            return f"domain-{standard.domain}"
    return PAGE


def sentence(message: str | None) -> str:
    text = message or "The service refused this"
    return text[:1].upper() + text[1:]


def progress(profile: FrameworkProfile, answers: Mapping[str, Answer]) -> list[dict[str, Any]]:
    """Each domain: how many of its standards are answered, and its status in the task list."""
    out = []
    for domain in profile.section11.domains:
        ids = [s.id for s in standards_of(profile, domain.id)]
        done = sum(1 for sid in ids if sid in answers)
        status = "Completed" if ids and done == len(ids) else "In progress" if done else "Not started"
        out.append({"domain": domain, "answered": done, "standards": len(ids), "status": status})
    return out


def complete(profile: FrameworkProfile, answers: Mapping[str, Answer]) -> bool:
    return all(s.id in answers for s in profile.section11.standards)


def long_date(day: Any) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


KIND_WORDS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "text/plain": "text",
    "text/csv": "CSV",
}


def document_words(document: Any) -> str:
    """A document's type and size in words: "PDF, 240 KB"."""
    size = document.size
    amount = f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1048576:.1f} MB"
    return f"{KIND_WORDS.get(document.media_type, document.media_type)}, {amount}"
