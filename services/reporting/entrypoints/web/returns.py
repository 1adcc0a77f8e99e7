"""An agency lead's Section 11 return: a task list of the profile's domains, one page per
domain (each standard with the profile's scale, a narrative and evidence), save and come
back, carry forward last cycle's answers, check answers and submit, amend with a reason,
and, once a panel has moderated, its score beside the agency's own.

Every change is one of the section11 service's own agency commands (`save-draft`,
`carry-forward`, `submit`, `amend`, and `answer-prompt` for a finding of an assurance
event put to the agency, listed on the task list), sent for the signed-in person over NATS, so the
service judges it as it judges an agency's system, and the events name the person. The
return is read from the section11 store (adapters/people/drafts.py): a draft is never
projected, so only the agency's lead and the business unit may open these pages (the
guard lets any reader of the partnership read an agency's pages; here a draft is
narrower). The business unit reads; only the lead sends. Each form carries the session's
CSRF token and a request id chosen when it was shown, so a double click is one request.
A domain page's form also takes documents for each standard's evidence (uploads.py): kept
in the document store only once the page is taken, their hashes sent in the answers.

Over 300 lines: the return's pages (task list, a domain, check and submit, amend, carry
forward, a finding's answer) share one way of reading the draft and of putting a refusal back at
its standard, kept together so the journey is read in one place; the pure parts are
return_forms.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from services.reporting.adapters.people.accounts import Accounts
from services.reporting.adapters.people.commands import CommandSender, CommandTables, ServiceAway
from services.reporting.adapters.people.drafts import (
    AgencyReturn,
    AgencyReturns,
    CycleAsked,
    Prompt,
    current_cycle,
    earlier_submitted,
)
from services.reporting.domain.people.policy import Person, sending
from services.reporting.entrypoints.web import return_forms as rf
from services.reporting.entrypoints.web.render import Renderer
from services.reporting.entrypoints.web.session import Visitor, check_csrf, forbidden, visitor
from services.reporting.entrypoints.web.uploads import (
    UPLOAD_HINT,
    TooLarge,
    form_within,
    keep,
    take_files,
)
from services.reporting.entrypoints.web.work import NotFound
from shared.documents.store import DocumentStore
from shared.partnerships import Partnerships
from shared.profiles.schema import FrameworkProfile
from shared.roles import Role

SERVICE = "section11"
SIGNED = "Agency lead (signed in)"  # who saved, submitted or amended: a role, never a name


@dataclass
class Sitting:
    """One request's view of the return: who asks, about which agency, in which cycle."""

    found: Visitor
    person: Person
    profile: FrameworkProfile
    agency_id: str
    agency_name: str
    base: str
    lead: bool  # the agency's own lead (may send); else the business unit (reads)
    cycles: list[CycleAsked]
    cycle: CycleAsked | None
    state: AgencyReturn
    earlier: CycleAsked | None
    prompts: list[Prompt]
    """Findings of assurance events about the agency, put to it in its return."""

    @property
    def open(self) -> bool:
        return self.cycle is not None and self.cycle.open

    @property
    def drafting(self) -> bool:
        return self.lead and self.open and not self.state.submitted

    @property
    def amending(self) -> bool:
        return self.lead and self.open and self.state.submitted


def routes(accounts: Accounts, tables: CommandTables, sender: CommandSender, render: Renderer,
           partnerships: Partnerships, read: AgencyReturns, documents: DocumentStore) -> list[Route]:
    async def sitting(request: Request) -> Sitting:
        found = await visitor(request, accounts)
        person = found.person
        partnership, agency_id = request.path_params["partnership"], request.path_params["agency"]
        if person is None or partnership not in partnerships:
            raise NotFound(partnership)
        profile = partnerships[partnership]
        agency = next((a for a in profile.agencies if a.id == agency_id), None)
        day = request.app.state.today()
        lead = agency_id in person.scopes(partnership, Role.AGENCY_LEAD, day)
        if agency is None or not (lead or Role.BUSINESS_UNIT in person.roles_in(partnership, day)):
            raise NotFound(agency_id)
        cycles = await read.cycles(partnership, agency_id)
        cycle = current_cycle(cycles)
        state = await read.of(partnership, agency_id, cycle.cycle_id) if cycle else AgencyReturn()
        earlier = earlier_submitted(cycles, cycle) if cycle else None
        return Sitting(found, person, profile, agency_id, agency.name, f"/p/{partnership}/return/{agency_id}", lead,
                       cycles, cycle, state, earlier, await read.prompts(partnership, agency_id))

    async def send(request: Request, at: Sitting, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The service's answer to the lead's command (a service away is a refusal to try again)."""
        row = await tables.row(SERVICE, token, "agency")
        how = sending(at.person, at.profile.id, row, request.app.state.today(), at.agency_id) if row else None
        if row is None or how is None or how.value != at.agency_id:
            raise NotFound(token)
        body = payload | {how.field: how.value} if how.field else payload
        try:
            return await sender.send(row, at.profile.id, body, at.person.account_id, at.agency_id)
        except ServiceAway as away:
            return {"status": "refused", "error": {"code": "away", "field": None, "message": str(away)}}

    def common(at: Sitting) -> dict[str, Any]:
        return {"agency_name": at.agency_name, "base": at.base, "cycle": at.cycle, "state": at.state,
                "lead": at.lead, "long_date": rf.long_date, "words": rf.scale_words(at.profile),
                "guidance": rf.guidance(at.profile), "document_words": rf.document_words,
                "documents_href": f"/p/{at.profile.id}/documents", "upload_hint": UPLOAD_HINT}

    def task_list(request: Request, at: Sitting, errors: dict[str, str] | None = None, status: int = 200,
                  typed: dict[str, str] | None = None) -> Response:
        working = at.state.working
        domains = rf.progress(at.profile, working)
        scores = [{"domain": d, "own": at.state.self_ratings.get(d.id), "moderated": at.state.moderated.get(d.id),
                   "rationale": at.state.rationales.get(d.id)} for d in at.profile.section11.domains]
        return render.page(request, "return_tasks.html", found=at.found, status=status, page_title="Section 11 return",
                           errors=errors or {}, domains=domains, scores=scores, earlier=at.earlier,
                           drafting=at.drafting, amending=at.amending, complete=rf.complete(at.profile, working),
                           completed=sum(1 for d in domains if d["status"] == "Completed"), request_id=str(uuid4()),
                           prompts=at.prompts, typed=typed or {},
                           prompt_requests={x.prompt_id: str(uuid4()) for x in at.prompts}, **common(at))

    def domain_page(request: Request, at: Sitting, domain_id: str, values: dict[str, str], errors: dict[str, str],
                    request_id: str, *, amend: bool, status: int = 200) -> Response:
        domain = rf.domain_of(at.profile, domain_id)
        assert domain is not None
        return render.page(request, "return_domain.html", found=at.found, status=status, page_title=domain.name,
                           domain=domain, standards=rf.standards_of(at.profile, domain_id),
                           levels=at.profile.section11.rating_scale.levels, saved=saved_of(at, amend=amend),
                           values=values, errors=errors, request_id=request_id, amend=amend, **common(at))

    def refused(request: Request, at: Sitting, domain_id: str, values: dict[str, str], answer: dict[str, Any],
                request_id: str, *, amend: bool) -> Response:
        """The domain page again, the service's refusal at the field it names and the input kept."""
        error = answer.get("error", {})
        standards = rf.standards_of(at.profile, domain_id)
        errors = {rf.input_of(error.get("field"), standards): rf.sentence(error.get("message"))}
        return domain_page(request, at, domain_id, values, errors, request_id, amend=amend, status=400)

    def saved_of(at: Sitting, *, amend: bool) -> dict[str, Any]:
        return at.state.answers if amend else at.state.working

    def check_page(request: Request, at: Sitting, errors: dict[str, str] | None = None, request_id: str = "",
                   status: int = 200) -> Response:
        working = at.state.working
        cards = [{"domain": d, "standards": rf.standards_of(at.profile, d.id),
                  "change": f"{at.base}/amend/{d.id}" if at.amending else f"{at.base}/domain/{d.id}" if at.drafting else None}
                 for d in at.profile.section11.domains]
        missing = sum(1 for s in at.profile.section11.standards if s.id not in working)
        return render.page(request, "return_check.html", found=at.found, status=status,
                           page_title="Your answers" if at.state.submitted else "Check your answers",
                           errors=errors or {}, cards=cards, answers=working, missing=missing,
                           may_submit=at.drafting and missing == 0, request_id=request_id or str(uuid4()), **common(at))

    def done(request: Request, at: Sitting, title: str, text: str) -> Response:
        return render.page(request, "done.html", found=at.found, page_title=title, title=title, text=text,
                           back=at.base, back_text="Back to your Section 11 return")

    async def posted(request: Request) -> tuple[Sitting, Any]:
        found = await visitor(request, accounts)
        await form_within(request)  # capped: TooLarge is answered by `guarded`
        if not await check_csrf(request, found):
            raise _Forbidden()
        at = await sitting(request)
        if not at.lead:
            raise NotFound("only the agency's lead sends its return")
        return at, await request.form()

    def known_domain(at: Sitting, request: Request) -> str:
        domain_id = request.path_params["domain_id"]
        if rf.domain_of(at.profile, domain_id) is None:
            raise NotFound(domain_id)
        return domain_id

    async def tasks(request: Request) -> Response:
        return task_list(request, await sitting(request))

    async def carry_forward(request: Request) -> Response:
        at, form = await posted(request)
        if not at.drafting or at.cycle is None:
            return RedirectResponse(at.base, status_code=303)
        answer = await send(request, at, "carry-forward", {
            "request_id": str(form.get("request_id", "")), "cycle_id": at.cycle.cycle_id,
            "from_cycle_id": str(form.get("from_cycle_id", "")), "saved_by": SIGNED})
        if answer.get("status") == "accepted":
            return RedirectResponse(at.base, status_code=303)
        return task_list(request, at, {"carry-forward": rf.sentence(answer.get("error", {}).get("message"))}, status=400)

    async def answer_prompt(request: Request) -> Response:
        """The lead's answer to a prompt, recorded in this cycle's return (answer-prompt)."""
        at, form = await posted(request)
        prompt_id = request.path_params["prompt_id"]
        if at.cycle is None or not at.open or prompt_id not in {x.prompt_id for x in at.prompts}:
            return RedirectResponse(at.base, status_code=303)
        text = str(form.get("answer", "")).strip()
        field = f"answer-{prompt_id}"
        if not text:
            return task_list(request, at, {field: "Enter your answer"}, status=400)
        answer = await send(request, at, "answer-prompt", {
            "request_id": str(form.get("request_id", "")), "cycle_id": at.cycle.cycle_id, "prompt_id": prompt_id,
            "answer": text, "answered_by": SIGNED})
        if answer.get("status") == "accepted":
            return RedirectResponse(f"{at.base}#prompts", status_code=303)
        return task_list(request, at, {field: rf.sentence(answer.get("error", {}).get("message"))}, status=400,
                         typed={prompt_id: text})

    async def show_domain(request: Request) -> Response:
        at = await sitting(request)
        domain_id = known_domain(at, request)
        if at.amending:
            return RedirectResponse(f"{at.base}/amend/{domain_id}", status_code=303)
        if not at.drafting:
            return RedirectResponse(f"{at.base}/check#domain-{domain_id}", status_code=303)
        values = rf.as_values(at.state.working, rf.standards_of(at.profile, domain_id))
        return domain_page(request, at, domain_id, values, {}, str(uuid4()), amend=False)

    async def save_domain(request: Request) -> Response:
        at, form = await posted(request)
        domain_id = known_domain(at, request)
        if not at.drafting or at.cycle is None:
            return RedirectResponse(at.base, status_code=303)
        standards = rf.standards_of(at.profile, domain_id)
        uploads = await take_files(form, [f"{s.id}-upload" for s in standards])
        typed = rf.read_answers(form, standards, saved_of(at, amend=False), uploads)
        request_id = str(form.get("request_id", ""))
        if typed.errors:
            return domain_page(request, at, domain_id, typed.values, typed.errors, request_id, amend=False, status=400)
        if typed.answers:
            await keep(documents, uploads)
            answer = await send(request, at, "save-draft", {
                "request_id": request_id, "cycle_id": at.cycle.cycle_id, "answers": typed.answers, "saved_by": SIGNED})
            if answer.get("status") != "accepted":
                return refused(request, at, domain_id, typed.values, answer, request_id, amend=False)
        return RedirectResponse(at.base, status_code=303)

    async def show_check(request: Request) -> Response:
        at = await sitting(request)
        if at.cycle is None:
            return RedirectResponse(at.base, status_code=303)
        return check_page(request, at)

    async def submit(request: Request) -> Response:
        at, form = await posted(request)
        if not at.drafting or at.cycle is None:
            return RedirectResponse(at.base, status_code=303)
        request_id = str(form.get("request_id", ""))
        answer = await send(request, at, "submit", {
            "request_id": request_id, "cycle_id": at.cycle.cycle_id, "submitted_by": SIGNED})
        if answer.get("status") == "accepted":
            return done(request, at, "Return submitted", f"{at.agency_name}, cycle {at.cycle.cycle_id}")
        error = answer.get("error", {})
        errors = {rf.card_of(error.get("field"), at.profile): rf.sentence(error.get("message"))}
        return check_page(request, at, errors, request_id, status=400)

    async def show_amend(request: Request) -> Response:
        at = await sitting(request)
        domain_id = known_domain(at, request)
        if not at.amending:
            return RedirectResponse(at.base, status_code=303)
        values = rf.as_values(at.state.answers, rf.standards_of(at.profile, domain_id))
        return domain_page(request, at, domain_id, values, {}, str(uuid4()), amend=True)

    async def amend(request: Request) -> Response:
        at, form = await posted(request)
        domain_id = known_domain(at, request)
        if not at.amending or at.cycle is None:
            return RedirectResponse(at.base, status_code=303)
        standards = rf.standards_of(at.profile, domain_id)
        uploads = await take_files(form, [f"{s.id}-upload" for s in standards])
        typed = rf.read_answers(form, standards, saved_of(at, amend=True), uploads)
        reason = rf.read_reason(form, typed)
        request_id = str(form.get("request_id", ""))
        if typed.errors:
            return domain_page(request, at, domain_id, typed.values, typed.errors, request_id, amend=True, status=400)
        await keep(documents, uploads)
        answer = await send(request, at, "amend", {
            "request_id": request_id, "cycle_id": at.cycle.cycle_id, "answers": typed.answers, "reason": reason,
            "amended_by": SIGNED})
        if answer.get("status") == "accepted":
            return done(request, at, "Amendment recorded", next(d.name for d in at.profile.section11.domains if d.id == domain_id))
        return refused(request, at, domain_id, typed.values, answer, request_id, amend=True)

    async def too_large(request: Request, message: str) -> Response:
        """A body over the limit: nothing was read into the form, nothing kept; the page again."""
        at = await sitting(request)
        domain_id = request.path_params.get("domain_id")
        if not at.lead or domain_id is None or rf.domain_of(at.profile, domain_id) is None or not (at.drafting or at.amending):
            return PlainTextResponse(f"{message}\n", status_code=413)
        standards = rf.standards_of(at.profile, domain_id)
        values = rf.as_values(saved_of(at, amend=at.amending), standards)
        return domain_page(request, at, domain_id, values, {f"{standards[0].id}-upload": message}, str(uuid4()),
                           amend=at.amending, status=413)

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except _Forbidden:
                return forbidden()
            except TooLarge as refused:
                return await too_large(request, str(refused))
            finally:
                await request.close()  # the form's spooled files, deleted
        return endpoint

    p = "/p/{partnership}/return/{agency}"
    return [
        Route(p, tasks, methods=["GET"]),
        Route(f"{p}/carry-forward", guarded(carry_forward), methods=["POST"]),
        Route(p + "/prompt/{prompt_id}", guarded(answer_prompt), methods=["POST"]),
        Route(p + "/domain/{domain_id}", show_domain, methods=["GET"]),
        Route(p + "/domain/{domain_id}", guarded(save_domain), methods=["POST"]),
        Route(f"{p}/check", show_check, methods=["GET"]),
        Route(f"{p}/check", guarded(submit), methods=["POST"]),
        Route(p + "/amend/{domain_id}", show_amend, methods=["GET"]),
        Route(p + "/amend/{domain_id}", guarded(amend), methods=["POST"]),
    ]


class _Forbidden(Exception):
    """A POST without the session's CSRF token."""
