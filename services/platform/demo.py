"""The demo: invented agencies and the business unit use the platform over NATS,
exactly as real ones would, then the board pack is written from the read models.

Everything is derived from a seed, and request ids are derived from it too, so
running the demo again on the same data directory adds nothing twice.
"""

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import asyncpg
import nats

from services.reporting.adapters.pages import write_board_pack
from services.reporting.adapters.read_models import ReadModels
from services.reporting.adapters.read_models.board_pack import BoardPackReadModels
from services.reporting.domain.views.board_pack_schedule import default_group
from shared.clock import Clock
from shared.messaging.subjects import Subjects
from shared.profiles.schema import FrameworkProfile
from shared.waiting import eventually

Progress = Callable[[str], None]
CYCLE = "2026-27"


@dataclass(frozen=True)
class DemoResult:
    board_pack: Path
    submissions: int
    actions: int


def _request_id(seed: int, *parts: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"scrutiny-demo/{seed}/" + "/".join(parts)))


async def _ask(nc: nats.NATS, subject: str, body: dict) -> dict:
    reply = await nc.request(subject, json.dumps(body, default=str).encode(), timeout=10)
    answer = json.loads(reply.data)
    if answer["status"] != "accepted":
        raise RuntimeError(f"the platform refused a demo message on {subject}: {answer['error']}")
    return answer


async def play(
    nats_url: str,
    database_url: str,
    subjects: Subjects,
    profile: FrameworkProfile,
    clock: Clock,
    out_dir: Path,
    *,
    seed: int = 2026,
    agencies: int = 8,
    progress: Progress = lambda _: None,
) -> DemoResult:
    rng = random.Random(seed)
    today = clock.now().date()
    # Spread across the partnership (council, health, police, probation), not its first few.
    chosen = profile.agencies[:: max(1, len(profile.agencies) // agencies)][:agencies]
    scale = [level.value for level in profile.section11.rating_scale.levels]
    weights = [1, 2, 4, 3][: len(scale)] if len(scale) == 4 else [1] * len(scale)
    nc = await nats.connect(nats_url)
    try:
        await _ask(
            nc,
            subjects.operator_command("section11", "open-cycle", profile.id),
            {
                "request_id": _request_id(seed, "s11-open", CYCLE),
                "cycle_id": CYCLE,
                "opened_on": today - timedelta(days=profile.section11.submission_window_days),
                "due_on": today,
            },
        )
        for agency in chosen:
            answers = {
                s.id: {
                    "rating": rng.choices(scale, weights)[0],
                    "narrative": "Summary of the agency's arrangements (invented for the demo)",
                    "evidence": [f"{agency.id}/{s.id}/policy.pdf"],
                }
                for s in profile.section11.standards
            }
            await _ask(
                nc,
                subjects.agency_command("section11", "submit", profile.id, agency.id),
                {
                    "request_id": _request_id(seed, "s11", agency.id),
                    "agency_id": agency.id,
                    "cycle_id": CYCLE,
                    "answers": answers,
                    "submitted_by": "Designated safeguarding lead (invented)",
                },
            )
            progress(f"{agency.name} submitted its Section 11 self-assessment")
        activity = next((a.id for a in profile.activities if "thematic" in a.id), profile.activities[0].id)
        await _ask(
            nc,
            subjects.operator_command("events", "conclude", profile.id),
            {
                "request_id": _request_id(seed, "event", "thematic-1"),
                "assurance_event_id": "thematic-neglect-1",
                "activity_type": activity,
                "title": "Thematic assurance event: neglect",
                "held_on": today - timedelta(days=20),
                "theme": "neglect",
                "strengths": ["Practitioners knew the neglect toolkit well"],
                "areas_for_development": ["Escalation between health and children's social care was slow"],
                "recorded_by": "Business unit (invented)",
            },
        )
        progress("A thematic assurance event on neglect concluded")
        due_dates = [today - timedelta(days=30), today - timedelta(days=3), today + timedelta(days=14), today + timedelta(days=60)]
        for number, (agency, due) in enumerate(zip(chosen, due_dates, strict=False), start=1):
            await _ask(
                nc,
                subjects.operator_command("reviews", "raise-action", profile.id),
                {
                    "request_id": _request_id(seed, "action", str(number)),
                    "action_id": f"act-{number}",
                    "title": f"Strengthen escalation practice (finding {number} of the neglect event)",
                    "owner_agency_id": agency.id,
                    "due_on": due,
                    "source_type": "assurance-event",
                    "source_id": "thematic-neglect-1",
                    "raised_by": "Business unit (invented)",
                },
            )
        progress(f"{len(due_dates)} actions raised; two are already past their due date")
    finally:
        await nc.close()

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        read_models = ReadModels(pool)
        overdue = sum(1 for d in due_dates if d < today)

        async def caught_up() -> bool:
            counts = await read_models.counts()
            overdue_now = await pool.fetchval("SELECT count(*) FROM reporting.actions WHERE status = 'overdue'")
            return (
                counts["submissions"] >= len(chosen)
                and counts["actions"] >= len(due_dates)
                and counts["assurance_events"] >= 1
                and overdue_now >= overdue
            )

        await eventually(caught_up, timeout=60, what="the reporting projections to show the demo's records")
        progress("Reporting has projected every record")
        view = await read_models.dashboard(profile, clock.now())
        pack = await BoardPackReadModels.over(read_models).board_pack(profile, default_group(profile), today, clock.now())
        path = (await asyncio.to_thread(write_board_pack, pack, out_dir)).html
        return DemoResult(path, view.overview.submissions, len(view.actions))
    finally:
        await pool.close()


def meeting_date(value: str | None, clock: Clock) -> date:
    return date.fromisoformat(value) if value else clock.now().date()
