"""The reporting service's one Jinja environment: every page it serves or writes.

It loads the dashboard's and reports' templates (adapters/templates), the front door's
(entrypoints/web/templates, whose `layout.html` frames every page served on the web) and
GOV.UK Frontend's macros (govuk_frontend_jinja), so a dashboard page and a front-door form
share one layout, one navigation and one set of components. Its filters turn what the
records hold into words a person reads (`phrase`: an event type as a phrase)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    pass_context,
    select_autoescape,
)

from services.reporting.domain.views.heat_scale import TONES, css

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
FRONT_DOOR_TEMPLATES = HERE.parent / "entrypoints" / "web" / "templates"

# Event types whose words, split, would not read as plain English.
PHRASES: dict[str, str] = {
    "SubmissionReceived": "Section 11 return submitted",
    "SubmissionAmended": "Section 11 return amended",
    "SubmissionOverdue": "Section 11 return overdue",
    "SubmissionReminderSent": "reminder sent for the Section 11 return",
    "ScoreModerated": "score moderated by the panel",
    "AgencyInformationRequested": "information asked of an agency",
    "AgencyInformationProvided": "information provided by the agency",
    "AgencyInformationOverdue": "information from the agency overdue",
    "IndicatorRated": "key indicator rated",
    "ConfidenceGapFlagged": "confidence gap flagged",
    "ActionRaised": "action raised",
    "ActionOverdue": "action overdue",
    "ActionProgressUpdated": "progress updated",
}


def phrase(event_type: str | None) -> str:
    """`ActionProgressUpdated` -> "progress updated": the table's words, else its words split."""
    if not event_type:
        return ""
    if event_type in PHRASES:
        return PHRASES[event_type]
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+", event_type)
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in words) or event_type


def sentence(event_type: str | None) -> str:
    """The phrase with its first letter a capital, to begin a line."""
    text = phrase(event_type)
    return text[:1].upper() + text[1:]


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def words_for(text: Any, names: dict[str, str]) -> str:
    """Text as a person reads it: a JSON object as "Name: value; …", and every id of the
    profile in it (an agency's, a domain's, a grade's…) as that thing's name."""
    text = "" if text is None else str(text)
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return "; ".join(f"{names.get(str(k), str(k).replace('-', ' ').replace('_', ' ').capitalize())}: {v}" for k, v in value.items())
    return _SLUG.sub(lambda m: names.get(m.group(0), m.group(0)), text)


@pass_context
def named(context: Any, text: Any) -> str:
    """`words_for` with the page's names (`names` in the context: the profile's ids -> names)."""
    return words_for(text, context.get("names") or {})


def source_words(text: Any, names: dict[str, str]) -> str:
    """Where an action came from, "risk-flag: 2026-27/nlc-housing/culture-and-challenge", as
    "Risk flag: 2026-27, NLC Housing, Culture and challenge"."""
    kind, _, rest = str(text or "").partition(": ")
    if not rest:
        return words_for(text, names)
    parts = ", ".join(words_for(part, names) for part in rest.split("/"))
    return f"{kind.replace('-', ' ').replace('_', ' ').capitalize()}: {parts}"


@pass_context
def source(context: Any, text: Any) -> str:
    """`source_words` with the page's names."""
    return source_words(text, context.get("names") or {})


ENVIRONMENT = Environment(
    loader=ChoiceLoader([
        FileSystemLoader(TEMPLATES),
        FileSystemLoader(FRONT_DOOR_TEMPLATES),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ]),
    autoescape=select_autoescape(["html"]),
)
ENVIRONMENT.filters["phrase"] = phrase
ENVIRONMENT.globals["heat_tones"] = TONES
ENVIRONMENT.globals["heat_css"] = css()
ENVIRONMENT.filters["sentence"] = sentence
ENVIRONMENT.filters["named"] = named
ENVIRONMENT.filters["source"] = source
