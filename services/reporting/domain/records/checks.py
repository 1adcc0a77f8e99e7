"""Checks every record of the reporting service's command side makes (pure)."""

from datetime import date

from shared.refusals import Refusal


def not_after_today(day: date, today: date, field: str) -> None:
    if day > today:
        raise Refusal("in_the_future", f"{day} has not come yet (today is {today})", field)


def not_before(day: date, earliest: date, field: str, what: str) -> None:
    if day < earliest:
        raise Refusal("too_early", f"{day} is before {what} ({earliest})", field)
