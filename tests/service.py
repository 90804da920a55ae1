"""Running the real ``archiver`` command as its own process, for tests that need one."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from archiver.config import Settings

#: Ports handed out per test process: a block of its own below the kernel's ephemeral range.
PORT_BLOCK = 2000
_handed_out = itertools.count()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A TCP port nobody listens on right now, for a server started later.

    A port the kernel picks (``bind`` to port 0) is one that any other process binding port 0
    (an emulator, a browser, another pytest-xdist worker's service) may get before our server
    binds it. So each test process takes ports from a block of its own (``PYTEST_XDIST_WORKER``
    ``gwN``: block N), below the kernel's ephemeral range, in turn: no other process is handed
    them, and one handed out is not handed out again until the block comes round.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    low = 10_000 + (int(worker) if worker.isdigit() else 0) * PORT_BLOCK
    if low + PORT_BLOCK > _ephemeral_low():  # no room below it: let the kernel pick
        return _kernel_port()
    for _ in range(PORT_BLOCK):
        port = low + next(_handed_out) % PORT_BLOCK
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # someone listens there (or it lingers): the next one
            return port
    return _kernel_port()


def _kernel_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a service process on the test's database and folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    env.update(
        ARCHIVER_DATABASE_URL=settings.database_url,
        ARCHIVER_DATA_DIR=str(settings.data_dir),
        ARCHIVER_SCREENSHOTS_DIR=str(settings.screenshots_dir),
    )
    env.update(extra or {})
    return env


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


@contextmanager
def running_service(
    settings: Settings,
    cwd: Path,
    *,
    args: Sequence[str] = ("--no-worker",),
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run ``archiver serve`` as its own process; yield its base URL; SIGKILL it afterwards.

    Its output goes to ``cwd/service.log``, quoted when the service fails to start.
    """
    port = free_port()
    log_path = cwd / f"service-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "archiver", "serve", *args, "--port", str(port)],
            cwd=cwd,
            env=service_env(settings, env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"service exited: {log_path.read_text()[-3000:]}")
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


class ServiceClient(httpx.Client):
    """An HTTP client on a running service, holding a submitter key (sent only when asked)."""

    def __init__(self, base: str, auth: dict[str, str], *, timeout: float) -> None:
        super().__init__(base_url=base, timeout=timeout)
        self.auth_headers = auth

    def submit(self, url: str) -> str:
        """Submit a post URL with the key; return the post's ID."""
        answer = self.post("/api/v1/posts", json={"url": url}, headers=self.auth_headers)
        assert answer.status_code in (200, 202), answer.text
        post_id: str = answer.json()["id"]
        return post_id


@contextmanager
def serving(
    settings: Settings, cwd: Path, env: Mapping[str, str], *, timeout: float = 30
) -> Iterator[ServiceClient]:
    """``archiver serve`` with its worker, a key, and a client on it."""
    auth = create_key(settings, cwd)
    with (
        running_service(settings, cwd, args=(), env=env) as base,
        ServiceClient(base, auth, timeout=timeout) as client,
    ):
        yield client


def until(what: str, probe: Callable[[], Any], seconds: float = 45, every: float = 0.1) -> Any:
    """Poll ``probe`` until it returns something truthy, and return that; fail naming ``what``
    after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (found := probe()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
    return found
