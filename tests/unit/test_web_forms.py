"""The front door's generated forms: a command's JSON Schema laid out as GOV.UK fields, and
what a person typed read back into a payload (or kept, with the reason it could not be)."""

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.reporting.entrypoints.web.forms import error_field, fields_of, read_form


class Answer(BaseModel):
    rating: int
    narrative: str = ""


class Example(BaseModel):
    """An example command."""

    request_id: UUID
    title: str = Field(max_length=120)
    summary: str = Field(max_length=4000)
    held_on: date
    attendees: int | None = None
    kind: Literal["a", "b", "c"] = "a"
    tags: list[str] = Field(default_factory=list)
    answers: dict[str, Answer] | None = None
    urgent: bool = False


def kinds() -> dict[str, str]:
    return {f.name: f.kind for f in fields_of(Example.model_json_schema())}


def test_each_field_gets_the_gov_uk_input_its_type_calls_for() -> None:
    assert kinds() == {
        "request_id": "hidden", "title": "text", "summary": "textarea", "held_on": "date", "attendees": "number",
        "kind": "radios", "tags": "lines", "answers": "json", "urgent": "checkbox",
    }
    required = {f.name for f in fields_of(Example.model_json_schema()) if f.required}
    assert required == {"request_id", "title", "summary", "held_on"}


def _read(form: dict[str, str]) -> tuple[dict, dict]:
    fields = fields_of(Example.model_json_schema())
    payload, filled = read_form(fields, form, lambda name: [form[name]] if name in form else [])
    return payload, filled.errors


def test_typed_values_become_the_payload() -> None:
    payload, errors = _read({
        "request_id": "7d4f0c3e-0b7e-4a51-9a57-3c1f8f0c2b11", "title": " Held ", "summary": "s", "held_on-day": "3",
        "held_on-month": "4", "held_on-year": "2026", "attendees": "12", "kind": "b", "tags": "one\n\n two ",
        "answers": '{"x": {"rating": 2}}', "urgent": "yes",
    })
    assert errors == {}
    assert payload == {
        "request_id": "7d4f0c3e-0b7e-4a51-9a57-3c1f8f0c2b11", "title": "Held", "summary": "s", "held_on": "2026-04-03",
        "attendees": 12, "kind": "b", "tags": ["one", "two"], "answers": {"x": {"rating": 2}}, "urgent": True,
    }


def test_what_cannot_be_read_is_refused_at_its_field_and_kept() -> None:
    payload, errors = _read({"title": "", "summary": "s", "held_on-day": "31", "held_on-month": "2", "held_on-year": "2026",
                             "attendees": "twelve", "kind": "z", "answers": "{not json"})
    assert set(errors) == {"request_id", "title", "held_on", "attendees", "kind", "answers"}
    assert errors["held_on"].startswith("Held on must be a real date")
    assert "attendees" not in payload


def test_a_refusal_lands_on_the_field_it_starts_with() -> None:
    fields = fields_of(Example.model_json_schema())
    assert error_field("answers.x.rating", fields) == "answers"
    assert error_field("tags[1]", fields) == "tags"
    assert error_field("nowhere", fields) is None
    assert error_field(None, fields) is None


def test_the_profile_s_levels_grades_and_yearly_reports_are_offered_as_its_own_choices() -> None:
    from services.reporting.domain.people.policy import Row
    from services.reporting.domain.records.commands import DraftYearlyReport, RateIndicator
    from services.reporting.entrypoints.web.work import form_fields
    from services.reviews.domain.commands import GradeAuditCase
    from shared.profiles import load_builtin

    kent = load_builtin("kent")

    def field(command: type[BaseModel], name: str) -> tuple[str, tuple[str, ...]]:
        row = Row("s", "t", "business_unit", "title", "help", None, {}, command.model_json_schema())
        found = next(f for f in form_fields(row, kent, None) if f.name == name)
        return found.kind, found.choices

    assert field(RateIndicator, "rating") == ("radios", ("substantial", "moderate", "limited", "unsatisfactory"))
    assert field(GradeAuditCase, "grade") == ("radios", ("outstanding", "good", "requires-improvement", "inadequate"))
    assert field(DraftYearlyReport, "report_id") == ("radios", ("kscmp-annual-report", "scrutiny-assurance-audit-report"))
