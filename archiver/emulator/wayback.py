"""The Internet Archive's Save Page Now 2 API and Wayback Machine (origin
``https://web.archive.org``), as Archiver's corroboration speaks to them:

* ``POST /save`` (a form: ``url`` and SPN2's options) with ``Authorization: LOW access:secret``:
  ``{"url", "job_id": "spn2-…"}``; a missing or wrong key is ``401`` with SPN2's JSON error; a
  failure planned for saves is SPN2's refusal, ``{"status": "error", "status_ext",
  "message"}`` (HTTP 200, as SPN2 sends it);
* ``GET /save/status/{job_id}`` (same header): ``{"status": "pending"}`` for the job's first
  ``pending_polls`` polls, then ``{"status": "success", "timestamp", "original_url",
  "duration_sec", "resources", …}``, or the failure planned for jobs; an unknown job is an
  error answer;
* ``GET /web/{timestamp}/{url}``: the copy made, a small page; any other is the Wayback
  Machine's 404.

``KEYS`` are the keys it accepts unless told others. 429 and 5xx answers are the control API's
failure modes on the origin (``rate_limit``, ``error``), as for every platform.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import pages
from archiver.emulator.common import Ctx, html_response, json_response, now

ORIGIN: Final = "https://web.archive.org"
#: The ``access:secret`` pair accepted by default.
KEYS: Final = "emulator-access:emulator-secret"
#: What SPN2 says when it cannot use the keys.
NOT_LOGGED_IN: Final = "You need to be logged in to use Save Page Now."
_MESSAGES: Final = {
    "error:too-many-daily-captures": (
        "This URL has been already captured 10 times today. Please try again tomorrow."
    ),
    "error:not-found": "The server cannot find the requested resource.",
    "error:blocked-url": "This URL is in the Save Page Now service block list.",
    "error:user-session-limit": (
        "You have already reached the limit of active sessions. Please try again later."
    ),
    "error:no-browsers-available": "Browsing failed, no browsers available.",
}
_AT: Final = ("save", "status")


@dataclass
class PlannedFailure:
    """The next ``remaining`` saves (``at`` ``save``) or jobs (``status``) fail this way."""

    status_ext: str
    message: str
    at: str
    remaining: int


@dataclass
class Job:
    """One capture job and how it will end."""

    job_id: str
    url: str
    timestamp: str
    pending_left: int
    failure: PlannedFailure | None = None
    polls: int = 0


@dataclass
class Save:
    """A request to ``POST /save`` that the stand-in accepted: the form it carried."""

    url: str
    form: dict[str, str]
    job_id: str
    at: str


@dataclass
class _State:
    keys: str = KEYS
    pending_polls: int = 1
    jobs: dict[str, Job] = field(default_factory=dict)
    saves: list[Save] = field(default_factory=list)
    failures: list[PlannedFailure] = field(default_factory=list)
    copies: set[tuple[str, str]] = field(default_factory=set)


class Wayback:
    """The stand-in's state: keys, jobs, copies made and failures planned. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()

    def configure(self, *, keys: str | None = None, pending_polls: int | None = None) -> None:
        """Accept other keys; make new jobs answer ``pending`` for ``pending_polls`` polls."""
        with self._lock:
            if keys is not None:
                self._state.keys = str(keys)
            if pending_polls is not None:
                if int(pending_polls) < 0:
                    raise ValueError("pending_polls must be 0 or more")
                self._state.pending_polls = int(pending_polls)

    def add_failure(
        self, status_ext: str, message: str | None = None, *, count: int = 1, at: str = "save"
    ) -> PlannedFailure:
        """Make the next ``count`` saves (``at="save"``) or jobs (``at="status"``, at their
        last poll) fail with SPN2's ``status_ext`` and ``message``."""
        if not status_ext.startswith("error:"):
            raise ValueError("status_ext is SPN2's code, like error:too-many-daily-captures")
        if at not in _AT:
            raise ValueError(f"at must be one of {', '.join(_AT)}")
        if int(count) < 1:
            raise ValueError("count must be at least 1")
        said = message or _MESSAGES.get(status_ext, f"Save Page Now failed ({status_ext}).")
        failure = PlannedFailure(status_ext, said, at, int(count))
        with self._lock:
            self._state.failures.append(failure)
        return failure

    def clear_failures(self) -> None:
        """Back to capturing everything."""
        with self._lock:
            self._state.failures.clear()

    def saves(self) -> list[Save]:
        """The saves accepted so far, oldest first."""
        with self._lock:
            return list(self._state.saves)

    def as_dict(self) -> dict[str, Any]:
        """The state, as the control API shows it (keys included: this is a test stand-in)."""
        with self._lock:
            state = self._state
            return {
                "keys": state.keys,
                "pending_polls": state.pending_polls,
                "saves": [asdict(save) for save in state.saves],
                "jobs": [asdict(job) for job in state.jobs.values()],
                "failures": [asdict(failure) for failure in state.failures],
            }

    def authorized(self, request: Request) -> bool:
        """Whether the request carries the accepted keys, as SPN2 wants them."""
        with self._lock:
            return request.headers.get("authorization") == f"LOW {self._state.keys}"

    def _planned(self, at: str) -> PlannedFailure | None:
        for failure in self._state.failures:
            if failure.at == at:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._state.failures.remove(failure)
                return failure
        return None

    def save(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        """Start a capture of ``url`` (SPN2's answer), or refuse it as planned."""
        moment = now()
        with self._lock:
            refused = self._planned("save")
            if refused is not None:
                return _error(refused)
            sequence = len(self._state.saves) + 1
            name = hashlib.sha1(f"{url}\n{sequence}".encode(), usedforsecurity=False)
            job_id = f"spn2-{name.hexdigest()}"
            job = Job(
                job_id,
                url,
                moment.strftime("%Y%m%d%H%M%S"),
                self._state.pending_polls,
                self._planned("status"),
            )
            self._state.jobs[job_id] = job
            self._state.saves.append(Save(url, form, job_id, moment.isoformat()))
            return {"url": url, "job_id": job_id}

    def poll(self, job_id: str) -> dict[str, Any]:
        """SPN2's answer about a job."""
        with self._lock:
            job = self._state.jobs.get(job_id)
            if job is None:
                return {"status": "error", "message": f"Job {job_id} was not found."}
            job.polls += 1
            if job.polls <= job.pending_left:
                return {"status": "pending", "job_id": job_id, "resources": []}
            if job.failure is not None:
                return _error(job.failure) | {"job_id": job_id, "resources": []}
            self._state.copies.add((job.timestamp, job.url))
            return {
                "status": "success",
                "job_id": job_id,
                "original_url": job.url,
                "timestamp": job.timestamp,
                "duration_sec": 4.271,
                "http_status": 200,
                "resources": [job.url],
                "outlinks": {},
            }

    def has_copy(self, timestamp: str, url: str) -> bool:
        """Whether a job made this copy."""
        with self._lock:
            return (timestamp, url) in self._state.copies


def _error(failure: PlannedFailure) -> dict[str, Any]:
    return {"status": "error", "status_ext": failure.status_ext, "message": failure.message}


async def handle(request: Request, ctx: Ctx) -> Response:
    """Every route of ``https://web.archive.org``."""
    wayback = ctx.world.wayback
    path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    if path.startswith("/web/") and request.method in ("GET", "HEAD"):
        return _copy(wayback, path, request.url.query)
    if path == "/save" and request.method == "POST":
        if not wayback.authorized(request):
            return json_response({"status": "error", "message": NOT_LOGGED_IN}, 401)
        fields = parse_qs((await request.body()).decode())
        form = {key: values[-1] for key, values in fields.items()}
        if not form.get("url"):
            return json_response({"status": "error", "message": "url is required"}, 400)
        return json_response(wayback.save(form["url"], form))
    if path.startswith("/save/status/") and request.method == "GET":
        if not wayback.authorized(request):
            return json_response({"status": "error", "message": NOT_LOGGED_IN}, 401)
        return json_response(wayback.poll(path.removeprefix("/save/status/")))
    return _not_found()


def _not_found() -> Response:
    return html_response(
        pages.notice_page("Not found", "Hrm. The Wayback Machine has not archived that URL."), 404
    )


def _copy(wayback: Wayback, path: str, query: str) -> Response:
    timestamp, _, url = path.removeprefix("/web/").partition("/")
    url += f"?{query}" if query else ""
    if not wayback.has_copy(timestamp, url):
        return _not_found()
    return html_response(
        pages.notice_page(
            f"Wayback Machine: {url}",
            f"The Wayback Machine's copy of {url}, captured {timestamp} (emulated).",
        )
    )
