"""The reports' tables (pure): the risk register's open risks, and the tiered report's
tiers, tools and key indicators (every tier in one table, the tier named on each row)."""

from services.reporting.domain.views.risks import RiskRegister, Score
from services.reporting.domain.views.tiered import TieredReport

from .table import Table, TableSpec, Value, joined, yes


def _score(s: Score) -> list[Value]:
    return [s.likelihood, s.impact, s.score, s.band]


def risk_register(r: RiskRegister) -> Table:
    """The open risks, highest current score first, as the page lists them."""
    heads = ["Risk", "Risk id", "Description", "Controls", "Owner", "Owner's role"]
    for which in ("Inherent", "Current", "Target"):
        heads += [f"{which} likelihood", f"{which} impact", f"{which} score", f"{which} band"]
    heads += ["Review by", "Review overdue", "At or below target", "Recorded", "Recorded (event id)", "Last event id", "Position"]
    rows: list[list[Value]] = []
    for x in r.open:
        row = x.row
        rows.append([row.title, row.risk_id, row.description, joined(row.controls), x.owner_name, row.owner_role,
                     *_score(x.inherent), *_score(x.current), *_score(x.target),
                     row.review_on, yes(x.review_overdue), yes(x.at_target), row.recorded_on, row.event_id,
                     row.last_event_id, row.last_position])
    return RISK_REGISTER.table(heads, rows)


def tiered_summary(r: TieredReport) -> Table:
    """How many indicators of each tier are rated at each level (the report's first table)."""
    heads = ["Tier", *(label for label, _ in r.levels.values()), "Not rated"]
    rows: list[list[Value]] = [[t.name, *(t.count(level) for level in r.levels), len(t.indicators) - t.rated] for t in r.tiers]
    return TIERED_SUMMARY.table(heads, rows)


def tiered_tools(r: TieredReport) -> Table:
    heads = ["Tier", "Tool", "Activity", "Reported to", "Reported into", "Note", "Latest record", "Its status",
             "Its date", "Records", "Latest record (event id)", "Position"]
    rows: list[list[Value]] = []
    for t in r.tiers:
        for tool in t.tools:
            latest = tool.latest
            rows.append([t.name, tool.name, tool.activity_name, joined(tool.reported_to, ", "), joined(tool.feeds, ", "),
                         tool.note, latest.title if latest else None, latest.status if latest else None,
                         latest.day if latest else None, tool.records, latest.event_id if latest else None,
                         latest.position if latest else None])
    return TIERED_TOOLS.table(heads, rows)


def tiered_indicators(r: TieredReport) -> Table:
    heads = ["Tier", "Indicator", "Indicator id", "Objectives", "Rating", "Trend since the previous rating", "Rated on",
             "Rated by", "Rationale", "Evidence cited", "Times rated", "Rating (event id)", "Position"]
    rows: list[list[Value]] = []
    for t in r.tiers:
        for i in t.indicators:
            g = i.rating
            evidence = (
                [f"{c.label}{': ' + c.note if c.note else ''} ({c.event_type} · event {c.event_id})" for c in g.evidence] if g else []
            )
            rows.append([t.name, i.text, i.id, joined(i.objectives), i.level, i.trend, g.rated_on if g else None,
                         g.rated_by if g else None, g.rationale if g else None, joined(evidence, "\n"), i.ratings,
                         g.event_id if g else None, g.position if g else None])
    return TIERED_INDICATORS.table(heads, rows)


RISK_REGISTER = TableSpec("risk-register", "risks", "Risk register", risk_register)
TIERED_SUMMARY = TableSpec("tiered-summary", "tiered", "Tiered assurance: indicators rated at each level", tiered_summary)
TIERED_TOOLS = TableSpec("tiered-tools", "tiered", "Scrutiny and assurance tools, and where each is reported", tiered_tools)
TIERED_INDICATORS = TableSpec("tiered-indicators", "tiered", "Key indicators", tiered_indicators)

SPECS = [RISK_REGISTER, TIERED_SUMMARY, TIERED_TOOLS, TIERED_INDICATORS]
