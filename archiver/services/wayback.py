"""Asking the Internet Archive's Save Page Now 2 API (SPN2) for a copy of a URL in the Wayback
Machine, through the outbound gate.

``submit`` POSTs ``url=…`` to ``https://web.archive.org/save`` and hands back the job the
archive started; ``status`` asks ``/save/status/{job_id}`` how the job is going: still
``pending``, or captured (the copy's address is ``/web/{timestamp}/{original_url}``, the
timestamp being the archive's own UTC clock). Both send ``Accept: application/json`` and the
user's S3-style keys as ``Authorization: LOW access:secret``; the keys appear nowhere else.

What can go wrong is one of two exceptions, each in one sentence:

* :class:`WaybackRefusal`: the archive will not make this copy. It said why (an ``error``
  answer whose ``status_ext`` is not in ``ARCHIVE_TROUBLE``: the page is not found, blocked,
  captured too often today…), or it refused the keys (401, 403);
* :class:`WaybackUnavailable`: try again later. The gate could not reach the archive or held
  the request back (the archive had asked us to wait), the archive answered 429 or 5xx, an
  answer that is not SPN2's JSON, or an ``error`` of the archive's own making
  (``ARCHIVE_TROUBLE``: no browser free, too many of our captures at once…), after which the
  job is lost and the copy must be asked for again (``restart``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote, urlencode

from pydantic import SecretStr

from archiver.domain import HttpExchange
from archiver.errors import EgressError, EgressRateLimited
from archiver.ratelimits import parse_retry_after
from archiver.services.webhooks import Sender

#: The service's name in ``ARCHIVER_CORROBORATE`` and on its rows.
SERVICE: Final = "wayback"
ORIGIN: Final = "https://web.archive.org"
SAVE_URL: Final = f"{ORIGIN}/save"
#: The largest answer read (SPN2's JSON lists the resources captured: a few kilobytes).
MAX_ANSWER_BYTES = 1_000_000
#: SPN2 errors that are the archive's own trouble, not the page's: asked again later.
ARCHIVE_TROUBLE: Final = frozenset(
    {
        "error:bandwidth-limit-exceeded",
        "error:cannot-fetch",
        "error:capture-location-error",
        "error:celery",
        "error:internal-server-error",
        "error:job-failed",
        "error:no-browsers-available",
        "error:proxy-error",
        "error:redis-error",
        "error:user-session-limit",
    }
)
_TIMESTAMP = re.compile(r"\d{14}")
_MAX_JOB_ID = 200


class WaybackRefusal(Exception):
    """The archive will not make the copy: its ``status_ext`` (``None`` when the refusal is
    not one of SPN2's codes) and the reason in words."""

    def __init__(
        self, message: str, *, status_ext: str | None = None, answer: str | None = None
    ) -> None:
        super().__init__(message)
        self.status_ext = status_ext
        self.answer = answer


class WaybackUnavailable(Exception):
    """No answer worth keeping this time: try again later. ``sent`` is false when the gate
    sent nothing because the archive had asked us to wait (until ``retry_after``);
    ``restart`` is true when the archive dropped the job, so the copy must be asked for
    again."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: datetime | None = None,
        sent: bool = True,
        restart: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.sent = sent
        self.restart = restart


@dataclass(frozen=True, slots=True)
class Accepted:
    """The archive started a capture job."""

    job_id: str
    answer: str


@dataclass(frozen=True, slots=True)
class Pending:
    """The job is still running."""

    answer: str


@dataclass(frozen=True, slots=True)
class Captured:
    """The copy is made: where it is, and when the archive captured it."""

    archived_url: str
    archived_at: datetime
    answer: str


def wayback_url(timestamp: str, original_url: str) -> str:
    """The Wayback Machine's address of the copy of ``original_url`` made at ``timestamp``."""
    return f"{ORIGIN}/web/{timestamp}/{original_url}"


def _headers(keys: SecretStr) -> dict[str, str]:
    return {"Accept": "application/json", "Authorization": f"LOW {keys.get_secret_value()}"}


async def submit(sender: Sender, keys: SecretStr, url: str, now: datetime) -> Accepted:
    """Ask the archive to capture ``url`` now; the job it started."""
    form = urlencode({"url": url, "skip_first_archive": "1"}).encode()
    headers = _headers(keys) | {"Content-Type": "application/x-www-form-urlencoded"}
    data, answer = await _ask(sender, "POST", SAVE_URL, headers, form, now)
    job_id = data.get("job_id")
    if not isinstance(job_id, str) or not job_id or len(job_id) > _MAX_JOB_ID:
        raise WaybackUnavailable("the Internet Archive accepted no job (its answer has no job_id)")
    return Accepted(job_id, answer)


async def status(sender: Sender, keys: SecretStr, job_id: str, now: datetime) -> Pending | Captured:
    """How the job ``job_id`` is going."""
    url = f"{SAVE_URL}/status/{quote(job_id, safe='')}"
    data, answer = await _ask(sender, "GET", url, _headers(keys), None, now)
    said = data.get("status")
    if said == "pending":
        return Pending(answer)
    timestamp, original = data.get("timestamp"), data.get("original_url")
    if said != "success" or not isinstance(original, str) or not original:
        raise WaybackUnavailable(f"the Internet Archive's answer about job {job_id} is unreadable")
    if not isinstance(timestamp, str) or not _TIMESTAMP.fullmatch(timestamp):
        raise WaybackUnavailable(f"the Internet Archive gave job {job_id} no valid timestamp")
    try:
        archived_at = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise WaybackUnavailable(
            f"the Internet Archive gave job {job_id} an impossible timestamp, {timestamp}"
        ) from None
    return Captured(wayback_url(timestamp, original), archived_at, answer)


async def _ask(
    sender: Sender,
    method: str,
    url: str,
    headers: dict[str, str],
    form: bytes | None,
    now: datetime,
) -> tuple[dict[str, Any], str]:
    """One exchange with SPN2: its JSON object and its text, or one of the two exceptions."""
    try:
        exchange = await sender.request(
            method, url, headers=headers, content=form, max_bytes=MAX_ANSWER_BYTES
        )
    except EgressRateLimited as exc:
        raise WaybackUnavailable(str(exc), retry_after=exc.retry_after, sent=False) from None
    except EgressError as exc:
        raise WaybackUnavailable(str(exc) or type(exc).__name__) from None
    said = f"{exchange.status} {exchange.reason}".rstrip()
    if exchange.status in (401, 403):
        raise WaybackRefusal(
            f"the Internet Archive refused the keys of ARCHIVER_WAYBACK_KEYS ({said})"
            f"{_words(exchange)}"
        )
    if exchange.status == 429 or exchange.status >= 500:
        raise WaybackUnavailable(
            f"the Internet Archive answered {said}",
            retry_after=parse_retry_after(exchange.response_headers, now),
        )
    answer = exchange.body.decode("utf-8", "replace")
    data = _json_object(exchange)
    if data is None:
        raise WaybackUnavailable(f"the Internet Archive answered {said} without SPN2's JSON")
    if data.get("status") == "error":
        status_ext = str(data.get("status_ext") or "") or None
        message = str(data.get("message") or "") or status_ext or "it gave no reason"
        if status_ext in ARCHIVE_TROUBLE:
            raise WaybackUnavailable(
                f"the Internet Archive could not capture it this time ({status_ext}: {message})",
                restart=True,
            )
        raise WaybackRefusal(message, status_ext=status_ext, answer=answer)
    if exchange.status != 200:
        raise WaybackUnavailable(f"the Internet Archive answered {said}")
    return data, answer


def _json_object(exchange: HttpExchange) -> dict[str, Any] | None:
    try:
        data = json.loads(exchange.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _words(exchange: HttpExchange) -> str:
    """``: the archive's message`` when its answer carries one."""
    data = _json_object(exchange)
    message = data.get("message") if data is not None else None
    return f": {message}" if isinstance(message, str) and message else ""
