"""A crowd: 250 creators and 50 staff, each signed in with their own session, using the app at once.

    uv run python bench/load_test.py                    # 60 s, 250 creators + 50 staff (make bench-load)
    uv run python bench/load_test.py --seconds 20 --creators 50 --staff 10 --workers 2
    uv run python bench/load_test.py --restart-db-at 25   # PostgreSQL restarted under the crowd (make bench-faults)

What it does, all on 127.0.0.1 in a throw-away temporary directory:

1. an embedded PostgreSQL, migrated and seeded with the demo (its history included), then scaled up
   through the real actions: `--creators` more creators with an accepted Acme offer each (one
   Instagram reel to deliver), `--staff` more Acme managers; every one of them gets a session row
   of their own (as tests/personas.py makes one). Local storage mode (files under the temp dir).
2. `rapport serve` (RAPPORT_ENV=test, LOG_LEVEL=WARNING; `--workers N` runs uvicorn --workers N).
3. Every person is an asyncio task with their own HTTP client and cookies, pausing 0.5-2 s between
   steps (a person reading the page), for `--seconds`:
   - a creator: dashboard, offers, work, their deliverable's page, their message thread; sends a
     message; once, uploads their clip (start, the part PUT to local storage, complete) and sends
     it for review;
   - a staff member: roster search, the board, the review queue, a thread; sends a message; approves
     the drafts sent by "their" creators (creator number modulo the staff count, so no two staff
     decide the same draft).
4. Afterwards it counts, in the database, every message, draft sent and approval the people were
   told had succeeded: nothing may be missing (lost) and no request may have failed (errors).
   It prints requests/s, p50/p95/p99 per page, the errors, the lost writes, and the CPU seconds and
   peak memory of the app and PostgreSQL, and writes bench/results/load-<timestamp>.json.
   Exit status 1 on any error or lost write.

With `--restart-db-at S`: S seconds into the run the embedded postmaster is stopped by its PID (fast
shutdown, every connection ends), left down `--db-down-for` seconds and started again, the app left
alone. The friendly 503 page ("briefly unavailable", Retry-After) is then an expected answer, counted
per step, not an error; any other answer that is not the step's success (a 500 above all) is still an
error. /readyz is polled every 0.25 s and its database check recorded. It reports how long after
PostgreSQL was up the app served its first page again and its last 503, and checks writes one by one:
every message, draft sent and approval the people were told had succeeded must be in the database (a
write answered 503 is not done: the person tries again later; one found stored anyway is counted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_db_restart import restart_postgres
from http_bench import RESULTS_DIR, ROOT, BenchError, Stack, git_state, machine

MARK = "load-test"
FRIENDLY_503 = "briefly unavailable"  # the page a request gets while the database is unreachable
MOVED = (302, 303)  # a form posted, then a redirect (the POST/redirect/GET pattern)
TOKEN = re.compile(r'name="_csrf_token"\s+value="([^"]+)"')


@dataclass
class Person:
    kind: str  # "creator" or "staff"
    number: int
    session: str
    creator_id: int = 0
    collaboration: int = 0
    deliverable: int = 0
    staff_id: int = 0


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    messages_sent: int = 0
    drafts_sent: int = 0
    approvals: int = 0
    requests: int = 0
    # What the people were told was done, one by one (message bodies, draft ids), for the lost-write check.
    told_messages: set[str] = field(default_factory=set)
    told_drafts: set[int] = field(default_factory=set)
    told_approvals: set[int] = field(default_factory=set)
    # With a fault: the friendly 503 page per step, and (time, status) of every answer for the timeline.
    unavailable: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    answers: list[tuple[float, int]] = field(default_factory=list)


async def scale_up(creators: int, staff: int) -> tuple[list[Person], list[Person]]:
    """More creators (each with an accepted offer) and more managers at Acme, and a session for each."""
    import secrets

    from shared.audit.context import system_actor
    from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
    from shared.db.engine import get_engine
    from shared.demo import DEMO_PASSWORD
    from shared.demo_history import _campaign, _deliverables, _terms
    from shared.identity.actions import SocialAccount, do_create_creator, do_create_staff_user, do_grant_membership
    from shared.identity.queries import get_staff_context
    from shared.identity.rules import Role
    from shared.web.sessions import PostgresSessionStore

    engine = get_engine()
    actor = system_actor("load test")
    acme = (await engine.fetch("SELECT id FROM brand WHERE slug = 'acme'"))[0]["id"]
    bob_id = (await engine.fetch("SELECT id FROM staff_user WHERE email = 'bob@acme.test'"))[0]["id"]
    bob = await get_staff_context(bob_id)
    campaign = await _campaign(actor, bob, acme, "Crowd day", "Everyone posts a reel.", str(200 * creators))
    creator_ids = []
    for number in range(creators):
        creator = await do_create_creator(
            actor,
            display_name=f"Load Creator {number}",
            email=f"load{number}@creators.test",
            country="US",
            niches=["outdoors"],
            accounts=[SocialAccount("instagram", f"load-ig-{number}", f"load.creator{number}", 5_000 + number, 200)],
        )
        creator_ids.append(int(creator.id))
    # Set-up shortcut: the onboarding pages are not part of the journey measured.
    await engine.fetch("UPDATE creator SET onboarded_at = now() WHERE id = ANY($1::int[])", creator_ids)
    collaborations = await check_send_offers(
        actor,
        bob,
        brand_id=acme,
        campaign_id=campaign,
        creator_ids=creator_ids,
        form=_terms("100", [("reel", "instagram", "Crowd reel", 10, 24)]),
    )
    store = PostgresSessionStore()
    people: list[Person] = []
    for number, (creator_id, collaboration) in enumerate(zip(creator_ids, collaborations, strict=True)):
        await do_accept_offer(actor, CreatorSide(creator_id), collaboration_id=collaboration)
        [deliverable] = await _deliverables(collaboration)
        key = secrets.token_hex(32)
        await store.set(key, json.dumps({"creator_id": creator_id}).encode(), expires_in=6 * 3600)
        people.append(Person("creator", number, key, creator_id, collaboration, deliverable))
    staff_people = []
    for number in range(staff):
        member = await do_create_staff_user(
            actor, email=f"load{number}@acme.test", name=f"Load Manager {number}", password=DEMO_PASSWORD
        )
        await do_grant_membership(actor, staff_id=int(member.id), brand_id=acme, role=Role.MANAGER)
        key = secrets.token_hex(32)
        await store.set(key, json.dumps({"staff_id": int(member.id)}).encode(), expires_in=6 * 3600)
        staff_people.append(Person("staff", number, key, staff_id=int(member.id)))
    return people, staff_people


class Run:
    def __init__(self, base_url: str, seconds: float, clip: bytes, staff_count: int, fault: bool = False) -> None:
        self.base_url = base_url
        self.fault = fault  # the database is restarted during the run: the friendly 503 page is expected
        self.deadline = 0.0
        self.seconds = seconds
        self.clip = clip
        self.tally = Tally()
        self.to_approve: list[asyncio.Queue[int]] = [asyncio.Queue() for _ in range(max(staff_count, 1))]
        self.collaborations: list[int] = []

    async def call(
        self, client: Any, label: str, method: str, url: str, ok: tuple[int, ...] = (200,), **kw: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kw)
        except Exception as exc:  # a refused or dropped connection is an error like a 500
            self.tally.errors.append(f"{label} {method} {url}: {type(exc).__name__}: {exc}")
            self.tally.answers.append((time.monotonic(), 0))  # 0: no answer, on the timeline
            return None
        self.tally.latencies[label].append((time.perf_counter() - started) * 1000)
        self.tally.requests += 1
        self.tally.answers.append((time.monotonic(), response.status_code))
        if self.fault and response.status_code == 503 and FRIENDLY_503 in response.text:
            self.tally.unavailable[label] += 1
            return None
        if response.status_code not in ok:
            self.tally.errors.append(f"{label} {method} {url}: {response.status_code} {response.text[:200]!r}")
            return None
        return response

    async def think(self) -> bool:
        await asyncio.sleep(random.uniform(0.5, 2.0))
        return time.monotonic() < self.deadline

    def client(self, person: Person) -> Any:
        import httpx

        # uvicorn closes a connection idle for 5 s; a client that sends on it at that moment gets no answer
        # ("server disconnected"), a race a browser hides by retrying. Dropping idle connections at 4 s avoids it.
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2, keepalive_expiry=4.0)
        client = httpx.AsyncClient(base_url=self.base_url, timeout=30, limits=limits, follow_redirects=False)
        client.cookies.set("rapport_session", person.session)
        return client

    async def token(self, client: Any, label: str, url: str) -> str | None:
        page = await self.call(client, label, "GET", url)
        match = TOKEN.search(page.text) if page is not None else None
        return match.group(1) if match else None

    async def creator(self, person: Person) -> None:
        async with self.client(person) as client:
            work = f"/work/{person.deliverable}"
            thread = f"/offers/{person.collaboration}/messages"
            uploaded = False
            sent = 0
            await asyncio.sleep(random.uniform(0, 2.0))  # people do not all arrive in the same millisecond
            while time.monotonic() < self.deadline:
                for label, url in (("portal home", "/home"), ("portal offers", "/offers"), ("portal work", "/work")):
                    await self.call(client, label, "GET", url)
                    if not await self.think():
                        return
                token = await self.token(client, "portal deliverable", work)
                if token and not uploaded:
                    uploaded = True
                    await self.upload(client, person, work, token)
                    if not await self.think():
                        return
                token = await self.token(client, "portal thread", thread) or token
                if token:
                    sent += 1
                    body = f"{MARK} creator {person.number} message {sent}"
                    data = {"_csrf_token": token, "body": body, "from": "page"}
                    if await self.call(client, "portal send message", "POST", thread, MOVED, data=data):
                        self.tally.messages_sent += 1
                        self.tally.told_messages.add(body)
                if not await self.think():
                    return

    async def upload(self, client: Any, person: Person, work: str, token: str) -> None:
        headers = {"x-csrftoken": token}
        meta = {"filename": "crowd.mp4", "type": "video/mp4", "size": str(len(self.clip))}
        started = await self.call(client, "upload start", "POST", f"{work}/uploads", (201,), json=meta, headers=headers)
        if started is None:
            return
        draft = started.json()["draftId"]
        signed = await self.call(client, "upload sign part", "POST", f"{work}/uploads/{draft}/parts/1", headers=headers)
        if signed is None:
            return
        put = await self.call(
            client, "upload part PUT", "PUT", signed.json()["url"], (200, 201, 204), content=self.clip
        )
        if put is None:
            return
        parts = [{"PartNumber": 1, "ETag": put.headers.get("etag", "")}]
        done = await self.call(
            client,
            "upload complete",
            "POST",
            f"{work}/uploads/{draft}/complete",
            json={"parts": parts, "caption": "#ad A day on the trail with the new pack from @acme"},
            headers=headers,
        )
        if done is None:
            return
        data = {"_csrf_token": token, "caption": "#ad A day on the trail with the new pack from @acme"}
        data |= {"confirmed": "on", "confirm_asked": "on"}
        if await self.call(client, "draft send", "POST", f"{work}/drafts/{draft}/submit", MOVED, data=data):
            self.tally.drafts_sent += 1
            self.tally.told_drafts.add(draft)
            self.to_approve[person.number % len(self.to_approve)].put_nowait(draft)

    async def staff(self, person: Person) -> None:
        acme = "/backoffice/b/acme"
        async with self.client(person) as client:
            await asyncio.sleep(random.uniform(0, 2.0))
            sent = 0
            queue = self.to_approve[person.number % len(self.to_approve)]
            while time.monotonic() < self.deadline:
                search = random.choice(["load", "creator 1", "alice", "trail", "9"])
                for label, url in (
                    ("staff roster search", f"{acme}/creators?q={search}"),
                    ("staff board", f"{acme}/deliverables"),
                    ("staff review queue", f"{acme}/reviews"),
                ):
                    await self.call(client, label, "GET", url)
                    if not await self.think():
                        return
                collaboration = random.choice(self.collaborations)
                thread = f"{acme}/offers/{collaboration}/messages"
                token = await self.token(client, "staff thread", thread)
                if token:
                    sent += 1
                    body = f"{MARK} staff {person.number} message {sent}"
                    data = {"_csrf_token": token, "body": body, "from": "page"}
                    if await self.call(client, "staff send message", "POST", thread, MOVED, data=data):
                        self.tally.messages_sent += 1
                        self.tally.told_messages.add(body)
                retry: list[int] = []
                while not queue.empty():
                    draft = queue.get_nowait()
                    token = await self.token(client, "staff review page", f"{acme}/reviews/{draft}")
                    data = {"_csrf_token": token, "decision": "approved", "note": ""}
                    url = f"{acme}/reviews/{draft}/decision"
                    if token and await self.call(client, "staff approve", "POST", url, MOVED, data=data):
                        self.tally.approvals += 1
                        self.tally.told_approvals.add(draft)
                    elif self.fault:
                        retry.append(draft)  # answered 503 (or errored): the person comes back to it later
                for draft in retry:
                    queue.put_nowait(draft)
                if not await self.think():
                    return


async def crowd(base_url: str, creators: list[Person], staff: list[Person], seconds: float, fault: bool = False) -> Run:
    from shared.demo_history import CLIPS

    run = Run(base_url, seconds, CLIPS[0].read_bytes(), len(staff), fault)
    run.collaborations = [p.collaboration for p in creators]
    run.deadline = time.monotonic() + seconds
    await asyncio.gather(*(run.creator(p) for p in creators), *(run.staff(p) for p in staff))
    return run


async def stored_writes(dsn: str) -> dict[str, set[Any]]:
    """The crowd's writes in the database: message bodies, ids of drafts sent for review and approved."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        messages = await connection.fetch("SELECT body FROM message WHERE body LIKE $1", f"{MARK} %")
        drafts = await connection.fetch(
            "SELECT d.id FROM draft d JOIN creator c ON c.id = d.creator"
            " WHERE c.email LIKE 'load%@creators.test' AND d.submitted_at IS NOT NULL"
        )
        approvals = await connection.fetch(
            "SELECT d.id FROM draft d JOIN creator c ON c.id = d.creator"
            " WHERE c.email LIKE 'load%@creators.test' AND d.decision = 'approved'"
        )
    finally:
        await connection.close()
    return {
        "messages": {r["body"] for r in messages},
        "drafts_sent": {int(r["id"]) for r in drafts},
        "approvals": {int(r["id"]) for r in approvals},
    }


def fault_report(
    run: Run, marks: dict[str, float], started: float, readyz: list[tuple[float, int, str]]
) -> dict[str, Any]:
    """What the crowd was answered before, during and after the restart, and how soon the app served again."""
    stop, up = started + marks["stop"], started + marks["up"]
    phases: dict[str, dict[int, int]] = {"before": {}, "down": {}, "after": {}}
    first_ok_after = last_503 = None
    for at, status in sorted(run.tally.answers):
        phase = "before" if at < stop else "down" if at < up else "after"
        phases[phase][status] = phases[phase].get(status, 0) + 1
        if phase == "after" and status < 400 and first_ok_after is None:
            first_ok_after = at
        if status == 503:
            last_503 = at
    checks: dict[str, dict[str, int]] = {"before": {}, "down": {}, "after": {}}
    for at, _, database in readyz:
        phase = "before" if at < stop else "down" if at < up else "after"
        checks[phase][database] = checks[phase].get(database, 0) + 1
    first_ready = next((at for at, _, database in readyz if at >= up and database == "ok"), None)
    return {
        "marks_s": {name: round(value, 2) for name, value in marks.items()},
        "answers_by_phase": phases,
        "friendly_503_by_step": dict(sorted(run.tally.unavailable.items())),
        "friendly_503": sum(run.tally.unavailable.values()),
        "answers_500": sum(1 for _, status in run.tally.answers if status == 500),
        "no_answer": sum(1 for _, status in run.tally.answers if status == 0),
        "readyz_database_by_phase": checks,
        "s_from_up_to_first_page_served": None if first_ok_after is None else round(first_ok_after - up, 2),
        "s_from_up_to_readyz_database_ok": None if first_ready is None else round(first_ready - up, 2),
        "s_from_up_to_last_503": None if last_503 is None else round(last_503 - up, 2),
    }


async def poll_readyz(base_url: str, until: float, into: list[tuple[float, int, str]]) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        while time.monotonic() < until:
            try:
                response = await client.get("/readyz")
                into.append((time.monotonic(), response.status_code, str(response.json()["checks"]["database"])))
            except Exception as exc:  # recorded as the answer
                into.append((time.monotonic(), 0, type(exc).__name__))
            await asyncio.sleep(0.25)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Sampler:
    """CPU seconds (delta) and peak resident memory of the app (with its workers) and PostgreSQL."""

    def __init__(self, app_pid: int, pg_pid: int | None) -> None:
        import psutil

        self.procs = {"app": psutil.Process(app_pid)}
        if pg_pid:
            self.procs["postgres"] = psutil.Process(pg_pid)
        self.peak_rss = {name: 0 for name in self.procs}
        self.cpu_start = self.cpu()
        self.stop = False
        self.client_cpu = 0.0

    def family(self, name: str) -> list[Any]:
        import psutil

        proc = self.procs[name]
        try:
            return [proc, *proc.children(recursive=True)]
        except psutil.Error:  # PostgreSQL restarted (--restart-db-at): its first postmaster is gone
            return []

    def cpu(self) -> dict[str, float]:
        import psutil

        out = {}
        for name in self.procs:
            total = 0.0
            for p in self.family(name):
                try:
                    t = p.cpu_times()
                    total += t.user + t.system
                except psutil.Error:
                    pass
            out[name] = total
        return out

    async def watch(self) -> None:
        import psutil

        while not self.stop:
            for name in self.procs:
                rss = 0
                for p in self.family(name):
                    with contextlib.suppress(psutil.Error):
                        rss += p.memory_info().rss
                self.peak_rss[name] = max(self.peak_rss[name], rss)
            await asyncio.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--creators", type=int, default=250)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="app processes (uvicorn --workers)")
    parser.add_argument("--restart-db-at", type=float, default=None, metavar="S",
                        help="stop PostgreSQL by its PID S seconds into the run and start it again")  # fmt: skip
    parser.add_argument("--db-down-for", type=float, default=3, metavar="S", help="with --restart-db-at")
    args = parser.parse_args(argv)
    fault = args.restart_db_at is not None
    workdir = Path(tempfile.mkdtemp(prefix="rapport-load-"))
    stack = Stack(workdir)
    try:
        print("Starting PostgreSQL, migrating, seeding the demo ...", flush=True)
        stack.start_database()

        async def prepare() -> tuple[list[Person], list[Person]]:
            from shared.db.engine import configure_database, connection_pool, get_engine
            from shared.jobs import job_queue

            configure_database(stack.dsn)
            async with job_queue(stack.dsn), connection_pool(get_engine()):
                return await scale_up(args.creators, args.staff)

        print(f"Adding {args.creators} creators with an accepted offer and {args.staff} managers ...", flush=True)
        creators, staff = asyncio.run(prepare())
        server = stack.start_app("app", ROOT, demo=False, workers=args.workers)
        print(f"App PID {server.pid} at {server.base_url}; {len(creators) + len(staff)} people for {args.seconds:g} s")

        marks: dict[str, float] = {}
        readyz: list[tuple[float, int, str]] = []

        async def restart(started: float) -> None:
            await asyncio.sleep(args.restart_db_at)
            await restart_postgres(stack, down_for=args.db_down_for, marks=marks, start=started)
            print(f"PostgreSQL restarted: {marks}", flush=True)

        async def go() -> tuple[Run, Sampler, float, float]:
            sampler = Sampler(server.pid, stack.postmaster_pid)
            watcher = asyncio.create_task(sampler.watch())
            started, client_cpu = time.monotonic(), time.process_time()
            extra = [restart(started), poll_readyz(server.base_url, started + args.seconds, readyz)] if fault else []
            run, *_ = await asyncio.gather(crowd(server.base_url, creators, staff, args.seconds, fault), *extra)
            elapsed = time.monotonic() - started
            sampler.client_cpu = time.process_time() - client_cpu
            sampler.stop = True
            await watcher
            return run, sampler, elapsed, started

        run, sampler, elapsed, started = asyncio.run(go())
        cpu_end = sampler.cpu()
        cpu = {name: round(cpu_end[name] - sampler.cpu_start[name], 1) for name in cpu_end}
        if fault:  # the postmaster sampled at the start is gone: its CPU after the restart is not counted
            cpu.pop("postgres", None)
        cpu["load generator"] = round(sampler.client_cpu, 1)  # this script: 300 httpx clients in one process
        in_database = asyncio.run(stored_writes(stack.dsn))
        told_sets = {
            "messages": run.tally.told_messages,
            "drafts_sent": run.tally.told_drafts,
            "approvals": run.tally.told_approvals,
        }
        told = {key: len(value) for key, value in told_sets.items()}
        stored = {key: len(value) for key, value in in_database.items()}
        lost = {key: len(told_sets[key] - in_database[key]) for key in told}
        # Stored although the person was not told "done" (answered 503 after the commit): not lost, counted.
        unconfirmed = {key: len(in_database[key] - told_sets[key]) for key in told}
        report = fault_report(run, marks, started, readyz) if fault else None
        pages = {
            label: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(percentile(values, 95), 1),
                "p99_ms": round(percentile(values, 99), 1),
            }
            for label, values in sorted(run.tally.latencies.items())
        }
        print(f"\n{run.tally.requests} requests in {elapsed:.1f} s = {run.tally.requests / elapsed:.0f} req/s;"
              f" {len(run.tally.errors)} errors")  # fmt: skip
        print(f"{'page':<22} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for label, row in pages.items():
            print(f"{label:<22} {row['requests']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}")
        print(f"writes the people were told succeeded: {told}; in the database: {stored}; lost: {lost};"
              f" stored but not confirmed: {unconfirmed}")  # fmt: skip
        if report is not None:
            for key, value in report.items():
                print(f"{key}: {value}")
        mib = {name: round(rss / 2**20) for name, rss in sampler.peak_rss.items()}
        print(f"CPU seconds: {cpu}; peak memory (MiB, RSS with children): {mib}")
        for error in run.tally.errors[:20]:
            print(f"  !! {error}")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        kind = "fault-db-load" if fault else "load"
        out = RESULTS_DIR / f"{kind}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(
            json.dumps(
                {
                    "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "args": vars(args),
                    "machine": machine(),
                    "git": git_state(),
                    "requests": run.tally.requests,
                    "seconds": elapsed,
                    "errors": run.tally.errors,
                    "pages": pages,
                    "told": told,
                    "stored": stored,
                    "lost": lost,
                    "stored_not_confirmed": unconfirmed,
                    "fault": report,
                    "cpu_seconds": cpu,
                    "peak_rss_mib": mib,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"Results written to {out.relative_to(ROOT)}")
        if fault:  # the app's own account of the restart (tracebacks of any 500), next to the figures
            app_log = out.with_suffix(".app.log")
            shutil.copyfile(server.log, app_log)
            print(f"The app's log: {app_log.relative_to(ROOT)}")
        broken = report is not None and (report["answers_500"] or report["s_from_up_to_first_page_served"] is None)
        return 1 if run.tally.errors or any(lost.values()) or broken else 0
    except BenchError as exc:
        print(f"load_test: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
