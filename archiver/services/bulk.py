"""Submitting posts in bulk (``archiver submit`` and ``archiver import``): reading a file of
URLs, and submitting each to the local database or to a running Archiver over HTTP.

A file is either text (one URL a line; blank lines and lines starting with ``#`` skipped) or
CSV with a ``url`` column. A bad line is reported and the rest go on.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy.orm import Session, sessionmaker

from archiver import urls
from archiver.db import repository
from archiver.db.session import transaction
from archiver.errors import ApiError, ArchiverError
from archiver.services import submissions

#: How many times one request is sent again while the server answers 429 (after Retry-After).
RATE_LIMIT_WAITS = 30


class BulkError(ArchiverError):
    """The whole run cannot go on (unreadable file, unreachable server, refused key)."""


class Result(StrEnum):
    """What became of one submitted URL."""

    CAPTURED = "captured"
    QUEUED = "queued"
    ALREADY = "already archived"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Line:
    """One URL to submit and where it came from: its number (line of the file, or position
    on the command line) and how to name it in a message (``line 3``, or the URL itself)."""

    number: int
    where: str
    url: str


@dataclass(frozen=True, slots=True)
class Row:
    """The outcome of one line, for the summary table."""

    line: Line
    result: Result
    post_id: str | None = None
    status: str | None = None
    detail: str = ""
    captured: bool = False  # the post has a snapshot


def read_lines(path: Path) -> tuple[list[Line], list[Row]]:
    """The URLs of a text or CSV file, and a failed row for each line without a usable one."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise BulkError(f"there is no file {path}") from exc
    except UnicodeDecodeError as exc:
        raise BulkError(f"{path} is not UTF-8 text") from exc
    except OSError as exc:
        raise BulkError(f"cannot read {path}: {exc.strerror or exc}") from exc
    rows = list(csv.reader(io.StringIO(content)))
    header = next((row for row in rows if row and not row[0].lstrip().startswith("#")), [])
    columns = [cell.strip().lower() for cell in header]
    if "url" in columns and (len(columns) > 1 or path.suffix.lower() == ".csv"):
        return _csv_lines(rows, columns.index("url"))
    lines: list[Line] = []
    for number, text in enumerate(content.splitlines(), 1):
        text = text.strip()
        if text and not text.startswith("#") and text.lower() != "url":
            lines.append(Line(number, f"line {number}", text))
    return lines, []


def _csv_lines(rows: list[list[str]], column: int) -> tuple[list[Line], list[Row]]:
    lines: list[Line] = []
    bad: list[Row] = []
    seen_header = False
    for number, row in enumerate(rows, 1):
        if not row or not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if not seen_header:
            seen_header = True
            continue
        url = row[column].strip() if column < len(row) else ""
        where = f"line {number}"
        if url:
            lines.append(Line(number, where, url))
        else:
            bad.append(Row(Line(number, where, ""), Result.FAILED, detail="no url in this row"))
    return lines, bad


def settled(
    *, captured: bool, status: str, outcome: str | None, reason: str | None, error: str | None
) -> tuple[bool, str]:
    """Whether a post's first capture is over (captured, or a check said why not), and a
    sentence about it."""
    if captured:
        return True, ""
    if outcome is None:
        return False, "waiting for its first capture"
    if outcome == "gone":
        return True, f"the platform says it is {reason or 'gone'}"
    if outcome == "rate_limited":
        return True, "the platform rate-limited us; it will be tried again"
    return True, f"{outcome}: {error}" if error else outcome


class Submitter(Protocol):
    """Where posts go: the local database or a remote Archiver."""

    def submit(self, line: Line, tags: Sequence[str]) -> Row:
        """Submit one URL; a bad one is a failed row, never an exception."""
        ...

    def outcome(self, row: Row) -> tuple[bool, Row]:
        """Whether the post's first capture is over, and the row updated with what happened."""
        ...


class LocalSubmitter:
    """Submits to the configured database (the worker then captures, or ``--wait`` does)."""

    def __init__(self, sessions: sessionmaker[Session], now: datetime) -> None:
        self.sessions = sessions
        self.now = now

    def submit(self, line: Line, tags: Sequence[str]) -> Row:
        """Store the post in its own transaction."""
        try:
            with transaction(self.sessions) as session:
                result = submissions.submit_post(
                    session=session, url=line.url, tags=tags, now=self.now
                )
                post = result.post
                return Row(
                    line,
                    Result.QUEUED if result.created else Result.ALREADY,
                    post.id,
                    post.status.value,
                    post.canonical_url,
                    captured=post.first_captured_at is not None,
                )
        except ApiError as exc:
            return Row(line, Result.FAILED, detail=exc.detail)

    def outcome(self, row: Row) -> tuple[bool, Row]:
        """Read the post and its newest check."""
        with self.sessions() as session:
            post = repository.get_post(session=session, post_id=row.post_id or "")
            if post is None:
                return True, replace(row, result=Result.FAILED, detail="the post is gone")
            checks = repository.recent_checks(session=session, post_id=post.id, limit=1)
            check = checks[-1] if checks else None
            done, detail = settled(
                captured=post.first_captured_at is not None,
                status=post.status.value,
                outcome=check.outcome.value if check else None,
                reason=check.reason.value if check and check.reason else None,
                error=check.error if check else None,
            )
            return done, _finished(row, done, post.first_captured_at is not None,
                                   post.status.value, detail)  # fmt: skip


def _finished(row: Row, done: bool, captured: bool, status: str, detail: str) -> Row:
    if row.result is Result.ALREADY:
        result = Result.ALREADY
    elif captured:
        result = Result.CAPTURED
    else:
        result = Result.FAILED if done else row.result
    return replace(row, result=result, status=status, detail=detail, captured=captured)


class RemoteSubmitter:
    """Submits through a running Archiver's API with a key (``--server URL --key KEY``)."""

    def __init__(
        self,
        server: str,
        key: str,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server = server.rstrip("/")
        self.client = client or httpx.Client(base_url=self.server, timeout=30)
        self.headers = {"Authorization": f"Bearer {key}"}
        self.sleep = sleep

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = self._send(method, path, **kwargs)
        for _ in range(RATE_LIMIT_WAITS):  # the key's write budget is spent: wait as told
            if answer.status_code != 429:
                break
            wait = answer.headers.get("retry-after", "")
            self.sleep(min(int(wait), 60) if wait.isdigit() else 1)
            answer = self._send(method, path, **kwargs)
        return answer

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise BulkError(f"cannot reach {self.server}: {exc}") from exc
        if answer.status_code in (401, 403):
            raise BulkError(f"{self.server} refused the key: {_problem(answer)}")
        return answer

    def submit(self, line: Line, tags: Sequence[str]) -> Row:
        """``POST /api/v1/posts``."""
        body = {"url": line.url, "tags": list(tags)}
        answer = self._call("POST", f"{urls.API}/posts", json=body, headers=self.headers)
        if answer.status_code not in (200, 202):
            return Row(line, Result.FAILED, detail=_problem(answer))
        post = answer.json()
        return Row(
            line,
            Result.QUEUED if answer.status_code == 202 else Result.ALREADY,
            post["id"],
            post["status"],
            post["canonical_url"],
            captured=post.get("first_captured_at") is not None,
        )

    def outcome(self, row: Row) -> tuple[bool, Row]:
        """``GET /api/v1/posts/{id}`` and its newest check."""
        post_id = row.post_id or ""
        post = self._call("GET", urls.post_api(post_id)).json()
        captured = post.get("first_captured_at") is not None
        check: dict[str, Any] | None = None
        if not captured:
            items = self._call("GET", urls.post_checks_api(post_id), params={"limit": 1}).json()
            check = items["items"][0] if items.get("items") else None
        done, detail = settled(
            captured=captured,
            status=post["status"],
            outcome=check["outcome"] if check else None,
            reason=check.get("reason") if check else None,
            error=check.get("error") if check else None,
        )
        return done, _finished(row, done, captured, post["status"], detail)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def _problem(answer: httpx.Response) -> str:
    try:
        detail = answer.json().get("detail")
    except ValueError:
        detail = None
    return str(detail or f"HTTP {answer.status_code}")


def wait_all(
    submitter: Submitter, rows: list[Row], *, timeout: float, poll: float = 0.5
) -> list[Row]:
    """Poll every row not yet settled until it is, or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    rows = list(rows)
    while True:
        waiting = False
        for index, row in enumerate(rows):
            if row.post_id is None or row.captured or row.result is Result.FAILED:
                continue
            done, rows[index] = submitter.outcome(row)
            waiting = waiting or not done
        if not waiting:
            return rows
        if time.monotonic() > deadline:
            return [_timed_out(row, timeout) for row in rows]
        time.sleep(poll)


def _timed_out(row: Row, timeout: float) -> Row:
    if row.post_id is None or row.captured or row.result is not Result.QUEUED:
        return row
    return replace(row, result=Result.FAILED, detail=f"not captured within {timeout:g} s")


def submit_all(
    submitter: Submitter,
    lines: Sequence[Line],
    tags: Sequence[str],
    *,
    advance: Callable[[], None] = lambda: None,
) -> list[Row]:
    """Submit every line in turn."""
    rows = []
    for line in lines:
        rows.append(submitter.submit(line, tags))
        advance()
    return rows


def to_capture(rows: Sequence[Row]) -> list[str]:
    """The posts of these rows that have no snapshot yet (each once)."""
    return list(dict.fromkeys(r.post_id for r in rows if r.post_id and not r.captured))


async def capture_all(
    post_ids: Sequence[str],
    capture: Callable[[str], Awaitable[object]],
    *,
    concurrency: int,
    advance: Callable[[], None] = lambda: None,
) -> None:
    """Run ``capture`` on every post, ``concurrency`` at a time."""
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(post_id: str) -> None:
        async with limit:
            await capture(post_id)
        advance()

    await asyncio.gather(*(one(post_id) for post_id in post_ids))


def totals(rows: Sequence[Row]) -> str:
    """``2 captured, 1 failed.``"""
    counts = Counter(row.result.value for row in rows)
    return ", ".join(f"{count} {result}" for result, count in counts.items()) + "."


def failed(rows: Sequence[Row]) -> bool:
    """Whether any line failed."""
    return any(row.result is Result.FAILED for row in rows)
