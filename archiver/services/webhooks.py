"""Webhooks: admins register URLs; every confirmed event is delivered to the ones that want it.

Steps:
1. ``create_webhook`` checks and stores a URL, its signing secret and the event kinds it wants
   (``["*"]`` for all); ``list_webhooks``, ``get_webhook`` and ``delete_webhook`` manage them;
2. ``enqueue``, called in the transaction that records an event, queues one pending delivery
   per active webhook whose kinds match, due at once;
3. ``deliver_due`` (the worker calls it) claims due deliveries in one short transaction, moving
   them out of the queue for a while so no other worker takes them;
4. it POSTs each one through the outbound gate, outside any transaction: the body is
   ``payload(event, post)``, signed with ``X-Archiver-Signature: sha256=HMAC`` (``sign``);
5. it records each outcome in a second transaction: a 2xx answer is delivered; anything else
   (another status, a refused address, a timeout) counts an attempt and schedules the next
   after ``delivery_backoff`` (30 s doubling, at most 6 hours, later if the receiver sent
   ``Retry-After``), until the 10th failed attempt gives up (status ``failed``). When the gate
   sends nothing because the host asked us to wait, no attempt is counted and the delivery
   waits until then;
6. ``deliveries_page`` reads a webhook's delivery log, newest first.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from archiver.db import repository
from archiver.db.models import DeliveryStatus, Event, Post, Webhook, WebhookDelivery
from archiver.domain import EventKind, HttpExchange
from archiver.errors import EgressError, EgressRateLimited, NotFound, UnprocessableContent
from archiver.ids import normalize_id
from archiver.ratelimits import parse_retry_after
from archiver.services.pagination import decode_cursor, encode_cursor
from archiver.timefmt import rfc3339

#: Every event kind, as a webhook's ``kinds``.
ALL_KINDS = "*"
MAX_URL_LENGTH = 2048
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
#: Failed attempts after which a delivery is given up.
MAX_ATTEMPTS = 10
#: Back-off after failed attempts: 30 s, doubling, at most 6 hours.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
#: How long a claimed delivery stays out of the queue (longer than any one attempt takes).
CLAIM_HOLD = timedelta(minutes=5)
#: Deliveries claimed and sent per batch.
CLAIM_LIMIT = 50
#: How much of a failing receiver's answer is kept in ``last_error``.
ERROR_BODY_CHARS = 200

SIGNATURE_HEADER = "X-Archiver-Signature"
EVENT_HEADER = "X-Archiver-Event"
DELIVERY_HEADER = "X-Archiver-Delivery"


class Sender(Protocol):
    """The outbound gate as deliveries see it (``archiver.egress.Egress`` implements it)."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
    ) -> HttpExchange:
        """Send one request through the gate."""
        ...


# --- managing webhooks ---------------------------------------------------------------------


def _check_url(url: str) -> str:
    if len(url) > MAX_URL_LENGTH:
        raise UnprocessableContent(f"a webhook URL may be at most {MAX_URL_LENGTH} characters")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise UnprocessableContent("a webhook URL may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        raise UnprocessableContent(f"{url!r} is not a valid URL") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise UnprocessableContent("a webhook URL must be an http or https URL")
    if not parts.hostname:
        raise UnprocessableContent("a webhook URL must name a host")
    if parts.username is not None or parts.password is not None:
        raise UnprocessableContent(
            "a webhook URL may not carry a user name or password (deliveries are signed instead)"
        )
    return url


def _check_secret(secret: str) -> str:
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise UnprocessableContent(
            f"a webhook secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters long"
        )
    return secret


def _check_kinds(kinds: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(kinds))
    if not wanted:
        raise UnprocessableContent('kinds must name at least one event kind, or be ["*"] for all')
    if ALL_KINDS in wanted:
        if len(wanted) > 1:
            raise UnprocessableContent('"*" already means every event kind: give it alone')
        return wanted
    known = [kind.value for kind in EventKind]
    for kind in wanted:
        if kind not in known:
            raise UnprocessableContent(
                f'{kind!r} is not an event kind; use some of {", ".join(known)}, or "*"'
            )
    return wanted


def create_webhook(
    *,
    session: Session,
    url: str,
    secret: str,
    kinds: Sequence[str],
    created_by: str | None,
    now: datetime,
) -> Webhook:
    """Check and store a webhook (step 1), or raise UnprocessableContent with one sentence."""
    return repository.add_webhook(
        session=session,
        url=_check_url(url),
        secret=_check_secret(secret),
        kinds=_check_kinds(kinds),
        created_by=created_by,
        now=now,
    )


def list_webhooks(*, session: Session) -> list[Webhook]:
    """Every webhook, oldest first."""
    return repository.list_webhooks(session=session)


def get_webhook(*, session: Session, webhook_id: str) -> Webhook:
    """The webhook with this (typed) ID, or NotFound."""
    canonical = normalize_id(webhook_id)
    found = repository.get_webhook(session=session, webhook_id=canonical) if canonical else None
    if found is None:
        raise NotFound(f"there is no webhook {webhook_id!r}")
    return found


def delete_webhook(*, session: Session, webhook_id: str) -> None:
    """Delete a webhook and its delivery log, or raise NotFound."""
    webhook = get_webhook(session=session, webhook_id=webhook_id)
    repository.delete_webhook(session=session, webhook_id=webhook.id)


def deliveries_page(
    *, session: Session, webhook_id: str, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    """A page of a webhook's deliveries, newest first, and the next cursor (step 6)."""
    webhook = get_webhook(session=session, webhook_id=webhook_id)
    after = decode_cursor(cursor) if cursor else None
    rows = repository.list_webhook_deliveries(
        session=session, webhook_id=webhook.id, limit=limit + 1, after=after
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, encode_cursor(last.created_at, last.id) if last else None


# --- queueing and signing ------------------------------------------------------------------


def wants(webhook: Webhook, kind: EventKind | str) -> bool:
    """Whether ``webhook`` takes events of ``kind``."""
    return ALL_KINDS in webhook.kinds or EventKind(kind).value in webhook.kinds


def enqueue(*, session: Session, event: Event, now: datetime) -> list[WebhookDelivery]:
    """Queue ``event`` (added to ``session``) for every active webhook that wants its kind.

    Call it in the transaction that records the event; queueing the same event twice adds
    nothing.
    """
    session.flush()  # the event's ID
    webhook_ids = [
        webhook.id
        for webhook in repository.active_webhooks(session=session)
        if wants(webhook, event.kind)
    ]
    if not webhook_ids:
        return []
    return repository.add_webhook_deliveries(
        session=session, event_id=event.id, webhook_ids=webhook_ids, now=now
    )


def payload(event: Event, post: Post) -> bytes:
    """The delivery body of an event: compact JSON with sorted keys, the same on every attempt."""
    document: dict[str, Any] = {
        "id": event.id,
        "kind": EventKind(event.kind).value,
        "post_id": event.post_id,
        "post_url": post.canonical_url,
        "before_snapshot_id": event.before_snapshot_id,
        "after_snapshot_id": event.after_snapshot_id,
        "first_observed_at": rfc3339(event.first_observed_at),
        "confirmed_at": rfc3339(event.confirmed_at),
        "diff": event.diff,
    }
    if event.article_id is not None:  # quote_changed: the article whose quote was judged anew
        document["article_id"] = event.article_id
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """The ``X-Archiver-Signature`` of ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def delivery_backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts (1 or more): 30 s doubling, ≤ 6 h."""
    exponent = min(max(attempts, 1) - 1, 20)
    wait: timedelta = BACKOFF_FIRST * (1 << exponent)
    return min(wait, BACKOFF_MAX)


# --- delivering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Job:
    """One claimed delivery, with everything needed to send it."""

    delivery_id: str
    url: str
    kind: str
    body: bytes
    signature: str


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What sending one delivery came to. ``sent`` is false when the gate sent nothing because
    the host asked us to wait (until ``retry_after``)."""

    delivery_id: str
    status: int | None
    error: str | None
    retry_after: datetime | None = None
    sent: bool = True

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _claim(sessions: sessionmaker[Session], now: datetime, limit: int) -> list[_Job]:
    with sessions() as session, session.begin():
        ids = repository.claim_due_deliveries(
            session=session, now=now, hold_until=now + CLAIM_HOLD, limit=limit
        )
        jobs = []
        for delivery_id in ids:
            found = repository.delivery_context(session=session, delivery_id=delivery_id)
            if found is None:  # cannot happen: the foreign keys cascade
                continue
            delivery, webhook, event, post = found
            body = payload(event, post)
            jobs.append(
                _Job(
                    delivery_id=delivery.id,
                    url=webhook.url,
                    kind=EventKind(event.kind).value,
                    body=body,
                    signature=sign(webhook.secret, body),
                )
            )
        return jobs


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


async def _send(egress: Sender, job: _Job, now: datetime) -> _Outcome:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: job.signature,
        EVENT_HEADER: job.kind,
        DELIVERY_HEADER: job.delivery_id,
    }
    try:
        exchange = await egress.request(
            "POST",
            job.url,
            headers=headers,
            content=job.body,
            max_bytes=64_000,
            follow_redirects=False,
        )
    except EgressRateLimited as exc:
        return _Outcome(job.delivery_id, None, str(exc), retry_after=exc.retry_after, sent=False)
    except EgressError as exc:
        return _Outcome(job.delivery_id, None, str(exc) or type(exc).__name__)
    if 200 <= exchange.status < 300:
        return _Outcome(job.delivery_id, exchange.status, None)
    said = _one_line(exchange.body.decode("utf-8", "replace"), ERROR_BODY_CHARS)
    error = f"the receiver answered {exchange.status} {exchange.reason}".rstrip()
    if 300 <= exchange.status < 400:
        error += " (redirects are not followed)"
    return _Outcome(
        job.delivery_id,
        exchange.status,
        f"{error}: {said}" if said else error,
        retry_after=parse_retry_after(exchange.response_headers, now),
    )


def _record(sessions: sessionmaker[Session], outcomes: Sequence[_Outcome], now: datetime) -> None:
    with sessions() as session, session.begin():
        for outcome in outcomes:
            delivery = repository.get_webhook_delivery(
                session=session, delivery_id=outcome.delivery_id
            )
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                continue  # the webhook was deleted meanwhile
            delivery.last_error = outcome.error
            if not outcome.sent:
                delivery.next_attempt_at = outcome.retry_after or now + delivery_backoff(1)
                continue
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.last_status = outcome.status
            if outcome.delivered:
                delivery.status = DeliveryStatus.DELIVERED
                delivery.next_attempt_at = None
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                due = now + delivery_backoff(delivery.attempts)
                retry_after = outcome.retry_after
                delivery.next_attempt_at = max(due, retry_after) if retry_after else due


async def deliver_due(
    *, sessions: sessionmaker[Session], egress: Sender, now: datetime, limit: int = CLAIM_LIMIT
) -> int:
    """Send every delivery due at ``now`` (at most ``limit``) and record how each went.

    ``sessions`` is a write session factory. Returns how many deliveries were tried; call it
    again while that is ``limit``. See steps 3 to 5 of the module docstring.
    """
    jobs = await asyncio.to_thread(_claim, sessions, now, limit)  # 3
    if not jobs:
        return 0
    results = await asyncio.gather(
        *(_send(egress, job, now) for job in jobs), return_exceptions=True
    )  # 4
    outcomes = [result for result in results if isinstance(result, _Outcome)]
    await asyncio.to_thread(_record, sessions, outcomes, now)  # 5
    for result in results:
        if isinstance(result, BaseException):  # a bug: its claim runs out and it is retried
            raise result
    return len(jobs)
