"""Fixtures for object storage: moto's S3 server on 127.0.0.1, and both backends ready to use.

moto's server is a real HTTP S3 endpoint (in a thread, on a free port), so presigned URLs are
PUT and GET over the network exactly as a browser would. It does not check presigned
signatures or policies, so tests assert the signed URLs themselves as well.

- `s3_storage` / `local_storage`: an S3Storage on a fresh bucket / the test app's LocalStorage
  (its root is the test's tmp dir; tests/conftest.py `settings`).
- `s3_settings`, `s3_app`, `s3_app_client`: the app with STORAGE_URL=s3://<fresh bucket> and
  S3_ENDPOINT_URL=<moto>, for HTTP tests that must run in S3 mode.
- `s3_live_server`: a live server (subprocess) in S3 mode on a session bucket (browser tests, bench).
- `moto`: moto's S3 server in a subprocess of its own, for one test, which `moto.stop()` kills by its PID
  (the store unreachable: tests/test_storage_outage.py).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from shared.integrations.storage_local import LocalStorage
from shared.integrations.storage_s3 import S3Storage, s3_client
from shared.settings import Settings
from tests.conftest import app_client, reused_app
from tests.live_server import free_port, serve_app

# Fake credentials: moto accepts any, and real ones must never be picked up from the machine.
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "rapport-test",
    "AWS_SECRET_ACCESS_KEY": "rapport-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 and a free port, with fake credentials in the environment."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        for name, value in AWS_TEST_ENV.items():
            patch.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def create_bucket(endpoint: str) -> str:
    name = f"rapport-{secrets.token_hex(6)}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_bucket(moto_endpoint: str) -> str:
    """A fresh, empty bucket for one test (so listings never see another test's uploads)."""
    return create_bucket(moto_endpoint)


@pytest.fixture
def s3_storage(moto_endpoint: str, s3_bucket: str) -> S3Storage:
    return S3Storage(s3_bucket, endpoint_url=moto_endpoint)


@pytest.fixture
def local_storage(app: Litestar) -> LocalStorage:
    """The test app's own LocalStorage, so the URLs it signs are served by that app."""
    storage = app.state["storage"]
    assert isinstance(storage, LocalStorage)
    return storage


@pytest.fixture
def s3_settings(settings: Settings, moto_endpoint: str, s3_bucket: str) -> Settings:
    return dataclasses.replace(settings, storage_url=f"s3://{s3_bucket}", s3_endpoint_url=moto_endpoint)


@pytest.fixture
def s3_app(s3_settings: Settings) -> Litestar:
    return reused_app(s3_settings)


@pytest.fixture
async def s3_app_client(s3_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(s3_app) as client:
        yield client


@pytest.fixture(scope="session")
def s3_live_bucket(moto_endpoint: str) -> str:
    """The bucket `s3_live_server` stores its files in."""
    return create_bucket(moto_endpoint)


@pytest.fixture(scope="session")
def s3_live_server(
    database_url: str, moto_endpoint: str, s3_live_bucket: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like `live_server`, storing files in moto's S3 (`s3_live_bucket`)."""
    env = {**AWS_TEST_ENV, "STORAGE_URL": f"s3://{s3_live_bucket}", "S3_ENDPOINT_URL": moto_endpoint}
    with serve_app(database_url, tmp_path_factory.mktemp("live-s3") / "server.log", env) as base_url:
        yield base_url


@dataclasses.dataclass
class Moto:
    """moto's S3 server in a process of its own (`moto` fixture), so a test can stop it as a store goes away."""

    endpoint: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Gone without a word, as a store that crashed or a network that dropped it."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        with pytest.raises(httpx.TransportError):
            httpx.get(self.endpoint, timeout=2)


@pytest.fixture
def moto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with (tmp_path / "moto.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "moto.log").read_text()
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "moto's server did not start"
                time.sleep(0.1)
        yield Moto(endpoint, process)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
