"""The front door's pages on the national store, 20 signed-in people at once (issue 18).

The reporting service runs as its own process (`python -m services.runner reporting`, as
`scrutiny up` runs it) on the national database, whose read models the rebuild step made;
its clock stands on tomorrow (SCRUTINY_TODAY), so that the day the data was loaded is a
past day whose as-of view holds every event. Then people holding the roles a partnership
has (shared/roles.py: the business unit, agency leads, partners, scrutineers, board
members, inspectors; not the operator, who reads no partnership's pages) are invited as
the business unit invites them and signed in over HTTP with a one-time sign-in link, as
the tests sign people in (tests/support/people.py).

Each person's pages are found on the app itself: from their home page and the
partnership's overview, every link they are shown (two clicks deep, downloads left
out, at most two pages of a kind such as an event or a meeting), then for readers the
overview and the Section 11 area as of the loading day. All of them then walk their pages
at once, one request after another with no pause, `rounds` times over (httpx, one client
and so one session each). Each page's latencies are kept by its kind (the route with its
ids replaced), so "p95 of the Section 11 page" holds every person's visits to it.

Before the walk starts, the service's relay has published its store's outbox (the
dataset's reporting records) so that it is not measured beside the pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx

from bench.dataset import PROFILE, YEAR_START
from bench.memory import proc_memory
from bench.pipeline import percentile
from bench.servers import Servers, delete_streams
from shared.runtime.processes import free_port
from shared.waiting import eventually

# Who walks the pages: 20 people, by role (and scope, for the scoped roles).
PEOPLE = (("business-unit", 4), ("agency-lead", 4), ("partner", 3), ("scrutineer", 3), ("board-member", 3), ("inspector", 3))
DOWNLOADS = re.compile(r"/export/|[?&]format=|\.(csv|xlsx|docx|pdf)$|/documents/|/do/|/sign-out|/invitation/")
PER_KIND = 2  # pages of one kind (two events, two meetings) a person visits


@dataclass
class WebReport:
    people: dict[str, int]
    rounds: int
    seconds: float = 0.0
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # page kind -> seconds
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # page kind -> non-200 answers
    alone: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # page kind -> seconds, one person asking
    load: str = ""
    changes: int = 0
    """Times the partnership's records were marked changed during the walk."""
    memory: tuple[int, int] = (0, 0)
    """The reporting process's VmRSS and VmHWM (KiB) after the walk: its kept pages and views included."""

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.times.values())

    def rows(self) -> list[tuple[str, int, float, float, float, float]]:
        """(page, count, p50 ms, p95 ms, max ms, median ms alone), the slowest p95 first."""
        out = []
        for kind, seconds in self.times.items():
            ms = sorted(s * 1000 for s in seconds)
            alone = sorted(s * 1000 for s in self.alone.get(kind, [])) or [float("nan")]
            out.append((kind, len(ms), percentile(ms, 50), percentile(ms, 95), ms[-1], percentile(alone, 50)))
        return sorted(out, key=lambda r: -r[3])

    def lines(self) -> list[str]:
        out = [f"{'page':<40} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'alone ms':>9}"]
        out += [f"{k:<40} {n:>6} {p50:>8.0f} {p95:>8.0f} {top:>8.0f} {alone:>9.0f}"
                + (f"  ({self.failures[k]} not 200)" if self.failures.get(k) else "")
                for k, n, p50, p95, top, alone in self.rows()]
        return out

    @property
    def worst(self) -> tuple[str, float]:
        kind, _, _, p95, _, _ = self.rows()[0]
        return kind, p95


def kind_of(url: str, partnership: str) -> str:
    """The page's kind: its path with the partnership and ids replaced, and ?as_of= kept as a flag."""
    parts = urlsplit(url)
    path = parts.path.replace(f"/p/{partnership}", "/p/{p}")
    path = re.sub(r"/(agency|return|event|meetings|inbox)/[^/]+", r"/\1/{id}", path)
    path = re.sub(r"/(\d{4})$", "/{year}", path)
    path = re.sub(r"/domain/[^/]+", "/domain/{id}", path)
    if "as_of=" in parts.query:
        path += "?as_of"
    elif "meeting=" in parts.query or "group=" in parts.query:
        path += "?meeting"
    return path


def links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', html)]


async def discover(client: httpx.AsyncClient, partnership: str, alone: dict[str, list[float]]) -> list[str]:
    """The pages a person is shown, two clicks from home and the overview: one list, each kind at most PER_KIND times.
    Each page's time is kept in `alone`: what it takes with nobody else asking."""
    seen: set[str] = set()
    kinds: dict[str, int] = defaultdict(int)
    found: list[str] = []
    # The links a person is shown, and two pages not linked from the overview: the evidence
    # (by its own link) and the yearly report of the data's year (from a report's page).
    frontier = ["/", f"/p/{partnership}", f"/p/{partnership}/evidence", f"/p/{partnership}/reports/yearly/{YEAR_START.year}"]
    for _ in range(3):
        following: list[str] = []
        for url in frontier:
            if url in seen or DOWNLOADS.search(url) or url.startswith("/static") or not url.startswith(("/p/", "/inbox", "/account", "/"))\
                    or (url.startswith("/p/") and not url.startswith(f"/p/{partnership}")):
                continue
            seen.add(url)
            kind = kind_of(url, partnership)
            if kinds[kind] >= PER_KIND:
                continue
            start = time.perf_counter()
            try:
                response = await client.get(url)
            except httpx.HTTPError:
                continue
            took = time.perf_counter() - start
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            kinds[kind] += 1
            alone[kind].append(took)
            found.append(url)
            following += links(response.text)
        frontier = following
    return found


async def _invite(pool: asyncpg.Pool, clock: object, partnership: str, who: tuple[tuple[str, int], ...]) -> list[tuple[str, str]]:
    """The people, invited and made active as tests/support/people.py makes them: (role, account id)."""
    import secrets

    from services.reporting.adapters.people.accounts import SCHEMA, Accounts
    from services.reporting.adapters.records_store import RecordsStore
    from services.reporting.domain.people.policy import Grant
    from services.reporting.entrypoints.web.signin import HASHER
    from shared.profiles import load_builtin
    from shared.roles import Role

    profile = load_builtin(PROFILE)
    scopes = {Role.AGENCY_LEAD: [a.id for a in profile.agencies], Role.PARTNER: [p.id for p in profile.statutory_partners]}
    store = RecordsStore(pool, clock)  # type: ignore[arg-type]
    accounts = Accounts(pool, store, clock)  # type: ignore[arg-type]
    people = []
    password = HASHER.hash(secrets.token_urlsafe(16))
    try:
        for role_name, count in who:
            role = Role(role_name)
            for n in range(count):
                scope = scopes[role][n % len(scopes[role])] if role in scopes else None
                email = f"bench-{role.value}-{n}-{secrets.token_hex(3)}@example.org"
                grant = Grant(partnership, role, scope, None)
                await accounts.invite(partnership, email, f"Bench {role.label} {n + 1}", grant, "business-unit")
                account = await accounts.by_email(email)
                assert account is not None
                await pool.execute(f"UPDATE {SCHEMA}.accounts SET password_hash = $2, totp_secret = $3 WHERE account_id = $1",
                                   account.account_id, password, "JBSWY3DPEHPK3PXP")
                people.append((role.value, account.account_id))
        links_ = [await accounts.sign_in_link(account_id) for _, account_id in people]
    finally:
        await store.close()
    return [(role, token) for (role, _), token in zip(people, links_, strict=True)]


def _spawn(env: dict[str, str], log: Path, tree: Path | None) -> subprocess.Popen[bytes]:
    """The reporting service as `scrutiny up` runs it, its output into `log`; from the source in `tree` if given."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "services.runner", "reporting"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=tree)


async def bench_web(servers: Servers, url: str, tag: str, rounds: int = 5, *, people: tuple[tuple[str, int], ...] = PEOPLE,
                    tree: Path | None = None, changes: float = 0.0) -> WebReport:
    """`people` walk their pages `rounds` times at once; `tree`: another checkout's service (to compare two versions).

    `changes`: times a second the partnership's records are marked changed during the walk,
    as a batch of its events applied marks them (its row of `partnership_positions` written
    again), so that every view of it is read again: what the kept views
    (services/reporting/adapters/kept_views.py) save when people read while others record.
    Nothing is recorded, so what the pages show does not change."""
    from shared.clock import platform_clock

    partnership = PROFILE
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    namespace = f"bench{tag}w"
    tomorrow = date.today() + timedelta(days=1)
    loaded_on = tomorrow - timedelta(days=1)
    clock = platform_clock(tomorrow)
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="scrutiny-bench-web-"))
    env = dict(os.environ) | {
        "SCRUTINY_NATS_URL": servers.nats_url, "SCRUTINY_DATABASE_URL": url, "SCRUTINY_NAMESPACE": namespace,
        "SCRUTINY_PROFILES": json.dumps([PROFILE]), "SCRUTINY_DASHBOARD_HOST": "127.0.0.1", "SCRUTINY_DASHBOARD_PORT": str(port),
        "SCRUTINY_DATA_DIR": str(data_dir), "SCRUTINY_TODAY": tomorrow.isoformat(), "SCRUTINY_DEADLINE_INTERVAL_SECONDS": "3600",
    }
    process = _spawn(env, data_dir / "reporting.log", tree)
    base = f"http://127.0.0.1:{port}"
    report = WebReport(dict(people), rounds)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as probe:
            async def answers() -> bool:
                if process.poll() is not None:
                    told = (data_dir / "reporting.log").read_text()[-2000:]
                    raise RuntimeError(f"the reporting service exited with {process.returncode}: {told}")
                try:
                    return (await probe.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(answers, timeout=300, interval=0.5, what="the front door to answer")

        async def relayed() -> bool:
            return not await pool.fetchval("SELECT EXISTS (SELECT 1 FROM reporting_records.outbox)")

        await eventually(relayed, timeout=1800, interval=2, what="the reporting store's outbox to be relayed")
        tokens = await _invite(pool, clock, partnership, people)
        clients = []
        for _, token in tokens:
            client = httpx.AsyncClient(base_url=base, timeout=120)
            response = await client.get(f"/sign-in/link/{token}")
            assert response.status_code == 303, response.text
            clients.append(client)
        walks: list[list[str]] = []
        by_role: dict[str, list[str]] = {}
        for n, ((role, _), client) in enumerate(zip(tokens, clients, strict=True)):
            if role == "agency-lead":  # each lead's own agency: their pages are their own
                role = f"{role} {n}"
            if role not in by_role:
                pages = await discover(client, partnership, report.alone)
                if "/p/" in "".join(pages) and any(u == f"/p/{partnership}" for u in pages):
                    day = loaded_on.isoformat()
                    pages += [f"/p/{partnership}?as_of={day}", f"/p/{partnership}/section11?as_of={day}"]
                by_role[role] = pages
            walks.append(by_role[role])
        for role, pages in by_role.items():
            print(f"  {role}: {len(pages)} pages: {' '.join(sorted({kind_of(u, partnership) for u in pages}))}", flush=True)
        # Build the as-of day once before the walk (its first view is bench.as_of's measure).
        await clients[0].get(f"/p/{partnership}?as_of={loaded_on.isoformat()}", timeout=600)

        async def walk(client: httpx.AsyncClient, pages: list[str]) -> None:
            for _ in range(rounds):
                for page in pages:
                    kind = kind_of(page, partnership)
                    start = time.perf_counter()
                    try:
                        status = (await client.get(page)).status_code
                    except httpx.HTTPError:  # a timeout, or the connection dropped
                        status = 0
                    report.times[kind].append(time.perf_counter() - start)
                    if status != 200:
                        report.failures[kind] += 1

        async def change() -> None:
            while True:
                await asyncio.sleep(1 / changes)  # a pace set by the bench, not a wait for a fact
                await pool.execute(
                    "UPDATE reporting.partnership_positions SET position = position WHERE partnership_id = $1", partnership
                )
                report.changes += 1

        changing = asyncio.create_task(change()) if changes > 0 else None
        start = time.perf_counter()
        await asyncio.gather(*(walk(c, p) for c, p in zip(clients, walks, strict=True)))
        report.seconds = time.perf_counter() - start
        if changing is not None:
            changing.cancel()
            await asyncio.gather(changing, return_exceptions=True)
        report.memory = proc_memory(process.pid)
        for client in clients:
            await client.aclose()
        return report
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        await pool.close()
        with contextlib.suppress(Exception):
            await delete_streams(servers.nats_url, namespace.upper() + "_")
