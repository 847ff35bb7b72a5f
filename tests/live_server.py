"""A real server for browser tests: uvicorn in a subprocess on 127.0.0.1 and a random port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(database_url: str, log_file: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the app in a uvicorn subprocess on a free port; yield its base URL; stop it by PID."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        # Uploaded files go next to the log, never into the repository's ./var/storage.
        "STORAGE_URL": f"file://{log_file.parent / 'storage'}",
        "DATABASE_URL": database_url,
        "RAPPORT_ENV": "test",
        "BASE_URL": base_url,
        "LOG_LEVEL": "INFO",
        "PORT": str(port),
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "app:app_from_env", "--host", "127.0.0.1"]
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"live server exited early:\n{log_file.read_text()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"live server did not start in 30 s:\n{log_file.read_text()}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app served by a separate process sharing the test database."""
    with serve_app(database_url, tmp_path_factory.mktemp("live") / "server.log") as base_url:
        yield base_url
