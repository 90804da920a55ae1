"""The service as its own process: accepted submissions survive a crash, and concurrent
submissions of one post store it once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from archiver.config import Settings
from archiver.db.models import Post
from tests.conftest import count_rows

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    env.update(
        ARCHIVER_DATABASE_URL=settings.database_url,
        ARCHIVER_DATA_DIR=str(settings.data_dir),
        ARCHIVER_SCREENSHOTS_DIR=str(settings.screenshots_dir),
    )
    return env


@contextmanager
def running_service(settings: Settings, cwd: Path) -> Iterator[str]:
    """Run ``archiver serve`` as its own process; yield its base URL; SIGKILL it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver", "serve", "--no-worker", "--port", str(port)],
        cwd=cwd,
        env=service_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"service exited: {process.stderr.read().decode() if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("service did not become healthy within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGKILL)  # a crash, not a polite shutdown
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def create_key(settings: Settings, cwd: Path) -> dict[str, str]:
    """Create a key with the real command; return the headers that carry it."""
    created = subprocess.run(
        [sys.executable, "-m", "archiver", "keys", "create", "service-test"],
        cwd=cwd,
        env=service_env(settings),
        capture_output=True,
        text=True,
        check=True,
    )
    secret = created.stdout.strip()
    assert secret.startswith("arch_")
    return {"Authorization": f"Bearer {secret}"}


def test_an_accepted_submission_survives_a_crash(settings: Settings, tmp_path: Path) -> None:
    """A post accepted with 202 is still there after the service is killed and started again."""
    headers = create_key(settings, tmp_path)
    with running_service(settings, tmp_path) as base:
        response = httpx.post(
            f"{base}/api/v1/posts",
            json={"url": "https://x.com/jack/status/20", "tags": ["durable"]},
            headers=headers,
        )
        assert response.status_code == 202
        post_id = response.json()["id"]
    with running_service(settings, tmp_path) as base:
        post = httpx.get(f"{base}/api/v1/posts/{post_id}").json()
        assert post["id"] == post_id
        assert post["tags"] == ["durable"]
        assert post["status"] == "pending"


def test_concurrent_submissions_of_one_post_store_it_once(
    settings: Settings, tmp_path: Path, engine: Engine
) -> None:
    """Many clients submitting one post at once in its different forms get one 202, the rest 200."""
    headers = create_key(settings, tmp_path)
    forms = [
        "https://twitter.com/jack/status/20",
        "https://x.com/jack/status/20?s=20",
        "https://mobile.twitter.com/jack/status/20/photo/1",
        "https://x.com/i/web/status/20",
    ]
    with running_service(settings, tmp_path) as base, httpx.Client(base_url=base) as client:

        def send(n: int) -> tuple[int, str]:
            response = client.post(
                "/api/v1/posts", json={"url": forms[n % len(forms)]}, headers=headers, timeout=60
            )
            return response.status_code, response.json()["id"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(send, range(48)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 47 + [202]
    assert len({post_id for _, post_id in results}) == 1
    assert count_rows(engine, Post) == 1
