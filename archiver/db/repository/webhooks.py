"""Webhooks and their delivery queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from archiver.db.models import (
    DeliveryStatus,
    Event,
    Post,
    Webhook,
    WebhookDelivery,
)
from archiver.db.repository.claims import hold_due, oldest_due
from archiver.db.repository.keyset import older_than


def add_webhook(
    *,
    session: Session,
    url: str,
    secret: str,
    kinds: Sequence[str],
    created_by: str | None,
    now: datetime,
) -> Webhook:
    """Store an active webhook, and flush it."""
    webhook = Webhook(
        url=url,
        secret=secret,
        kinds=list(kinds),
        active=True,
        created_at=now,
        created_by=created_by,
    )
    session.add(webhook)
    session.flush()
    return webhook


def get_webhook(*, session: Session, webhook_id: str) -> Webhook | None:
    """The webhook with this ID, or ``None``."""
    return session.get(Webhook, webhook_id)


def list_webhooks(*, session: Session) -> list[Webhook]:
    """Every webhook, oldest first."""
    return list(session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)))


def active_webhooks(*, session: Session) -> list[Webhook]:
    """The webhooks that take deliveries, oldest first."""
    return list(
        session.scalars(
            select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.created_at, Webhook.id)
        )
    )


def delete_webhook(*, session: Session, webhook_id: str) -> bool:
    """Delete a webhook and (by cascade) its deliveries; ``False`` when there is no such one."""
    result = session.execute(delete(Webhook).where(Webhook.id == webhook_id))
    return bool(getattr(result, "rowcount", 0))


def add_webhook_deliveries(
    *, session: Session, event_id: str, webhook_ids: Sequence[str], now: datetime
) -> list[WebhookDelivery]:
    """Queue the event for each webhook that does not have it yet, due at once; flush them."""
    have = set(
        session.scalars(
            select(WebhookDelivery.webhook_id).where(WebhookDelivery.event_id == event_id)
        )
    )
    added = [
        WebhookDelivery(
            webhook_id=webhook_id,
            event_id=event_id,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for webhook_id in dict.fromkeys(webhook_ids)
        if webhook_id not in have
    ]
    session.add_all(added)
    session.flush()
    return added


def claim_due_deliveries(
    *, session: Session, now: datetime, hold_until: datetime, limit: int
) -> list[str]:
    """Take up to ``limit`` due deliveries of active webhooks and return their IDs.

    Due means pending with ``next_attempt_at <= now``; claiming holds them until
    ``hold_until`` (see ``claims.hold_due``).
    """
    query = oldest_due(
        WebhookDelivery,
        WebhookDelivery.status == DeliveryStatus.PENDING,
        exists().where(Webhook.id == WebhookDelivery.webhook_id, Webhook.active.is_(True)),
        now=now,
        limit=limit,
    )
    return hold_due(session=session, model=WebhookDelivery, due=query, hold_until=hold_until)


def get_webhook_delivery(*, session: Session, delivery_id: str) -> WebhookDelivery | None:
    """The delivery with this ID, or ``None``."""
    return session.get(WebhookDelivery, delivery_id)


def delivery_context(
    *, session: Session, delivery_id: str
) -> tuple[WebhookDelivery, Webhook, Event, Post] | None:
    """A delivery with its webhook, its event and the event's post, or ``None``."""
    row = session.execute(
        select(WebhookDelivery, Webhook, Event, Post)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .join(Post, Post.id == Event.post_id)
        .where(WebhookDelivery.id == delivery_id)
    ).one_or_none()
    if row is None:
        return None
    delivery, webhook, event, post = row
    return delivery, webhook, event, post


def list_webhook_deliveries(
    *,
    session: Session,
    webhook_id: str,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first, after the ``(created_at, id)`` keyset cursor."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if after is not None:
        query = query.where(older_than(WebhookDelivery.created_at, WebhookDelivery.id, after))
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(query.limit(limit)))
