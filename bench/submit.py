"""``POST /api/v1/posts`` requests per second and latency percentiles, with wrk on loopback.

Starts ``archiver serve --no-worker [--processes N]`` on a fresh database (SQLite in a
temporary folder, or the PostgreSQL schema given with ``--database-url``, which is dropped),
creates an API key, and drives the server with wrk (``apt-get install wrk``): every request
submits a new X post URL (``--repeat-share`` of them an already-submitted one, answered 200).
The raw limit is measured in the same run: the same wrk against a bare ASGI app under the same
uvicorn that answers every POST with a fixed 202 JSON body and touches nothing, so the ratio
says what Archiver's own work costs against what Python HTTP serving on this machine allows.

    .venv/bin/python bench/submit.py [--seconds 10] [--connections 32] [--processes 1,2]
        [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text

from archiver.db.session import create_db_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rawlimits import machine_line

#: A bare ASGI app: what uvicorn alone can answer on this machine.
RAW_APP = """
BODY = b'{"id":"0","status":"pending"}'

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 202,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})
"""

WRK_SCRIPT = """
counter = 0
math.randomseed(os.time() + {seed})
request = function()
  counter = counter + 1
  local id
  if math.random() < {repeat_share} then
    id = 1000000000000000000 + math.random(1, 50)
  else
    id = 1100000000000000000 + {seed} * 100000000000 + counter
  end
  local body = string.format('{{"url": "https://x.com/bench/status/%d"}}', id)
  return wrk.format("POST", "/api/v1/posts", {{
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer {key}"}}, body)
end
"""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for ``url`` to answer (the server has migrated and started)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within a minute")


@contextmanager
def server(command: list[str], env: dict[str, str], folder: Path, probe: str) -> Iterator[int]:
    """Run ``command`` (with ``{port}`` filled in) until the block ends; yield its port."""
    port = free_port()
    log = folder / "server.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}{probe}", process, log)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(port: int, script: Path, seconds: int, connections: int) -> dict[str, float]:
    """Run wrk against the server; its requests/s, latency percentiles (ms) and errors."""
    threads = "2" if connections >= 2 else "1"
    found = subprocess.run(
        [
            "wrk",
            "-t",
            threads,
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", found)[1])}  # type: ignore[index]
    for label, name in (("50%", "p50"), ("99%", "p99")):
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", found).groups()  # type: ignore[union-attr]
        figures[name] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", found)
    sockets = re.search(r"Socket errors: (.*)", found)
    figures["non2xx"] = float(errors[1]) if errors else 0.0
    figures["socket_errors"] = (
        float(sum(int(n) for n in re.findall(r"\d+", sockets[1]))) if sockets else 0.0
    )
    return figures


def reset_database(url: str) -> None:
    """Empty a PostgreSQL database's public schema (the bench's own database)."""
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def create_key(env: dict[str, str], folder: Path) -> str:
    """Migrate the database and create a submitter key; the secret."""
    archiver = [sys.executable, "-m", "archiver"]
    subprocess.run([*archiver, "migrate"], env=env, cwd=folder, check=True, capture_output=True)
    made = subprocess.run(
        [*archiver, "keys", "create", "bench"],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    )
    return re.search(r"(arch_[A-Za-z0-9_-]+)", made.stdout + made.stderr)[1]  # type: ignore[index]


def line(label: str, figures: dict[str, float], raw: dict[str, float] | None) -> str:
    """One row of the output table."""
    ratio = f"{figures['rate'] / raw['rate']:6.2f}" if raw else "     -"
    return (
        f"{label:<34} {figures['rate']:9.1f} {figures['p50']:8.1f} {figures['p99']:8.1f}"
        f" {ratio} {figures['non2xx'] + figures['socket_errors']:7.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--processes", default="1,2", help="API process counts, comma-separated")
    parser.add_argument("--repeat-share", type=float, default=0.1, help="share of known URLs")
    parser.add_argument("--database-url", help="PostgreSQL (its schema is dropped)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/submit.py needs wrk: apt-get install wrk")
    print(f"{machine_line()}; wrk {args.connections} connections, {args.seconds} s per row")
    print(f"{'server':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'errors':>7}")
    for processes in (int(n) for n in args.processes.split(",")):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            (folder / "rawapp.py").write_text(textwrap.dedent(RAW_APP))
            uvicorn = [
                sys.executable,
                "-m",
                "uvicorn",
                "rawapp:app",
                "--port",
                "{port}",
                "--workers",
                str(processes),
                "--log-level",
                "warning",
            ]
            script = folder / "raw.lua"
            script.write_text(WRK_SCRIPT.format(seed=1, repeat_share=0, key="none"))
            with server(uvicorn, {**os.environ, "PYTHONPATH": str(folder)}, folder, "/") as port:
                raw = wrk(port, script, args.seconds, args.connections)
            print(line(f"raw uvicorn, {processes} process(es)", raw, None), flush=True)

            database = args.database_url or f"sqlite:///{folder}/archive.db"
            if args.database_url:
                reset_database(args.database_url)
            env = {
                **os.environ,
                "ARCHIVER_DATABASE_URL": database,
                "ARCHIVER_DATA_DIR": str(folder),
                "ARCHIVER_WRITE_RATE_LIMIT": "0",
                "ARCHIVER_SCREENSHOTS_DIR": str(folder / "screenshots"),
            }
            key = create_key(env, folder)
            script.write_text(
                WRK_SCRIPT.format(seed=processes, repeat_share=args.repeat_share, key=key)
            )
            serve = [
                sys.executable,
                "-m",
                "archiver",
                "serve",
                "--no-worker",
                "--port",
                "{port}",
                "--processes",
                str(processes),
            ]
            with server(serve, env, folder, "/healthz") as port:
                figures = wrk(port, script, args.seconds, args.connections)
            backend = database.split(":", 1)[0]
            print(line(f"archiver {backend}, {processes} process(es)", figures, raw), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
