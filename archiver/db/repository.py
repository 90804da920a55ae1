"""Every query Archiver makes. Functions take the session and keyword arguments only.

Routes and services call these and never build SQL themselves, so each query has one home
where its index can be checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from archiver.db.models import (
    ApiKey,
    Check,
    DeliveryStatus,
    Event,
    Post,
    PostTag,
    Snapshot,
    Webhook,
    WebhookDelivery,
)
from archiver.detect.anomaly import Window
from archiver.domain import ApiKeyRole, CheckOutcome, EventKind, Platform, PostRef, PostStatus


def get_post(*, session: Session, post_id: str) -> Post | None:
    """The post with this ID, or ``None``."""
    return session.get(Post, post_id)


def find_post(*, session: Session, platform: Platform, post_key: str) -> Post | None:
    """The post already stored for this platform key, or ``None``."""
    return session.scalars(
        select(Post).where(Post.platform == platform, Post.post_key == post_key)
    ).one_or_none()


def add_post(
    *,
    session: Session,
    ref: PostRef,
    url: str,
    recheck: str | None,
    submitted_by: str | None,
    now: datetime,
) -> Post:
    """Insert a pending post whose first capture is due at once, and flush it."""
    post = Post(
        url=url,
        canonical_url=ref.canonical_url,
        platform=ref.platform,
        platform_post_id=ref.post_id,
        post_key=ref.key,
        host=ref.host,
        status=PostStatus.PENDING,
        submitted_at=now,
        next_check_at=now,
        recheck=recheck,
        submitted_by=submitted_by,
    )
    session.add(post)
    session.flush()
    return post


def add_tags(*, session: Session, post: Post, tags: Sequence[str]) -> None:
    """Give a post the tags it does not have yet."""
    have = {tag.tag for tag in post.tags}
    for tag in dict.fromkeys(tags):
        if tag not in have:
            post.tags.append(PostTag(post_id=post.id, tag=tag))
    session.flush()


def list_posts(
    *,
    session: Session,
    limit: int,
    after: tuple[datetime, str] | None = None,
    status: PostStatus | None = None,
    platform: Platform | None = None,
    author: str | None = None,
    tag: str | None = None,
    text: str | None = None,
) -> list[Post]:
    """Posts newest first, filtered, starting after the ``(submitted_at, id)`` keyset cursor."""
    query = select(Post)
    if status is not None:
        query = query.where(Post.status == status)
    if platform is not None:
        query = query.where(Post.platform == platform)
    if author is not None:
        query = query.where(func.lower(Post.author_handle) == author.lower())
    if tag is not None:
        query = query.where(exists().where(PostTag.post_id == Post.id, PostTag.tag == tag))
    if text is not None:
        pattern = (
            "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            exists().where(
                Snapshot.post_id == Post.id, func.lower(Snapshot.text).like(pattern, escape="\\")
            )
        )
    if after is not None:
        at, post_id = after
        query = query.where(
            or_(Post.submitted_at < at, and_(Post.submitted_at == at, Post.id < post_id))
        )
    query = query.order_by(Post.submitted_at.desc(), Post.id.desc()).limit(limit)
    return list(session.scalars(query.options(selectinload(Post.tags))))


def count_snapshots(*, session: Session, post_id: str) -> int:
    """How many snapshots a post has."""
    return (
        session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.post_id == post_id)
        )
        or 0
    )


def count_events(*, session: Session, post_id: str, kind: EventKind) -> int:
    """How many events of one kind a post has had."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.post_id == post_id, Event.kind == kind)
        )
        or 0
    )


def latest_snapshot(*, session: Session, post_id: str) -> Snapshot | None:
    """A post's newest snapshot, or ``None`` before its first capture."""
    return session.scalars(
        select(Snapshot)
        .where(Snapshot.post_id == post_id)
        .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
        .limit(1)
    ).first()


def add_api_key(
    *, session: Session, name: str, role: ApiKeyRole, key_hash: str, prefix: str, now: datetime
) -> ApiKey:
    """Store a new API key by its hash."""
    key = ApiKey(name=name, role=role, key_hash=key_hash, prefix=prefix, created_at=now)
    session.add(key)
    session.flush()
    return key


def find_api_key(*, session: Session, key_hash: str) -> ApiKey | None:
    """The key with this hash, revoked or not, or ``None``."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).one_or_none()


def list_api_keys(*, session: Session) -> list[ApiKey]:
    """Every API key, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def touch_api_key(*, session: Session, key_id: str, now: datetime) -> None:
    """Record that a key was just used."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


def revoke_api_key(*, session: Session, key_id: str, now: datetime) -> bool:
    """Revoke a key; ``False`` when there is no such unrevoked key."""
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


# --- capture and checks -----------------------------------------------------------------


def claim_due_posts(
    *,
    session: Session,
    now: datetime,
    lease_until: datetime,
    limit: int,
    statuses: Sequence[PostStatus] | None = None,
) -> list[str]:
    """Lease up to ``limit`` due posts to this worker and return their IDs.

    Due means ``next_check_at <= now`` and no live lease. On PostgreSQL the rows are locked
    with ``SKIP LOCKED`` so concurrent workers never claim the same post; SQLite runs one
    worker and its write transaction (IMMEDIATE) already serialises claims.
    """
    query = (
        select(Post.id)
        .where(Post.next_check_at <= now)
        .where(or_(Post.lease_until.is_(None), Post.lease_until < now))
        .order_by(Post.next_check_at)
        .limit(limit)
    )
    if statuses is not None:
        query = query.where(Post.status.in_(list(statuses)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(Post).where(Post.id.in_(ids)).values(lease_until=lease_until))
    return ids


def add_check(*, session: Session, check: Check) -> Check:
    """Record one observation."""
    session.add(check)
    session.flush()
    return check


def add_snapshot(*, session: Session, snapshot: Snapshot) -> Snapshot:
    """Record one capture."""
    session.add(snapshot)
    session.flush()
    return snapshot


def recent_checks(*, session: Session, post_id: str, limit: int) -> list[Check]:
    """A post's newest checks, oldest first."""
    newest = list(
        session.scalars(
            select(Check)
            .where(Check.post_id == post_id)
            .order_by(Check.checked_at.desc(), Check.id.desc())
            .limit(limit)
        )
    )
    return newest[::-1]


def list_checks(
    *, session: Session, post_id: str, limit: int, after: tuple[datetime, str] | None = None
) -> list[Check]:
    """A post's checks, newest first, after the ``(checked_at, id)`` keyset cursor."""
    query = select(Check).where(Check.post_id == post_id)
    if after is not None:
        at, check_id = after
        query = query.where(
            or_(Check.checked_at < at, and_(Check.checked_at == at, Check.id < check_id))
        )
    query = query.order_by(Check.checked_at.desc(), Check.id.desc()).limit(limit)
    return list(session.scalars(query))


def list_snapshots(*, session: Session, post_id: str) -> list[Snapshot]:
    """A post's snapshots, oldest first."""
    return list(
        session.scalars(
            select(Snapshot)
            .where(Snapshot.post_id == post_id)
            .order_by(Snapshot.captured_at, Snapshot.id)
        )
    )


def get_snapshot(*, session: Session, snapshot_id: str) -> Snapshot | None:
    """The snapshot with this ID, or ``None``."""
    return session.get(Snapshot, snapshot_id)


def attach_screenshot(
    *,
    session: Session,
    snapshot_id: str,
    check_id: str,
    sha256: str | None,
    width: int | None,
    height: int | None,
    source: str | None,
    browser_version: str | None,
    taken_at: datetime | None,
    page_url: str | None,
    error: str | None,
) -> None:
    """Complete a snapshot with its screenshot (once: an existing one is never replaced) and
    note on the check why the platform's page was not used, if it was not."""
    if sha256 is not None:
        session.execute(
            update(Snapshot)
            .where(Snapshot.id == snapshot_id, Snapshot.screenshot_sha256.is_(None))
            .values(
                screenshot_sha256=sha256,
                screenshot_width=width,
                screenshot_height=height,
                screenshot_source=source,
                browser_version=browser_version,
                screenshot_taken_at=taken_at,
                screenshot_url=page_url,
            )
        )
    if error is not None:
        session.execute(update(Check).where(Check.id == check_id).values(screenshot_error=error))


# --- webhooks ---------------------------------------------------------------------------


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

    Due means pending with ``next_attempt_at <= now``. Claiming moves ``next_attempt_at`` to
    ``hold_until``, so no other worker takes them meanwhile and a crashed worker's claim simply
    runs out. On PostgreSQL the rows are locked with ``SKIP LOCKED`` (see ``claim_due_posts``).
    """
    query = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING)
        .where(WebhookDelivery.next_attempt_at <= now)
        .where(exists().where(Webhook.id == WebhookDelivery.webhook_id, Webhook.active.is_(True)))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(next_attempt_at=hold_until)
        )
    return ids


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
        at, delivery_id = after
        query = query.where(
            or_(
                WebhookDelivery.created_at < at,
                and_(WebhookDelivery.created_at == at, WebhookDelivery.id < delivery_id),
            )
        )
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(query.limit(limit)))


# --- watching: events and the platform window -------------------------------------------


def add_event(*, session: Session, event: Event, now: datetime) -> Event:
    """Record a confirmed change of a post."""
    session.add(event)
    session.flush()
    return event


def platform_window(*, session: Session, platform: Platform, since: datetime) -> Window:
    """One platform's checks since ``since``: distinct posts checked, and distinct posts whose
    newest answer in the window was "gone" (errors and rate limits are not counted)."""
    evidence_outcomes = [CheckOutcome.UNCHANGED, CheckOutcome.CHANGED, CheckOutcome.GONE]
    newest = (
        select(Check.post_id, func.max(Check.checked_at).label("at"))
        .join(Post, Post.id == Check.post_id)
        .where(Post.platform == platform, Check.checked_at >= since)
        .where(Check.outcome.in_(evidence_outcomes))
        .group_by(Check.post_id)
        .subquery()
    )
    rows = session.execute(
        select(Check.outcome).join(
            newest, and_(Check.post_id == newest.c.post_id, Check.checked_at == newest.c.at)
        )
    ).all()
    gone = sum(1 for (outcome,) in rows if outcome is CheckOutcome.GONE)
    return Window(posts_checked=len(rows), posts_gone=gone)


def list_events(
    *,
    session: Session,
    limit: int,
    after: tuple[datetime, str] | None = None,
    post_id: str | None = None,
    kind: EventKind | None = None,
    since: datetime | None = None,
) -> list[Event]:
    """Events newest first (by ``confirmed_at``), filtered, after the keyset cursor."""
    query = select(Event)
    if post_id is not None:
        query = query.where(Event.post_id == post_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if since is not None:
        query = query.where(Event.confirmed_at >= since)
    if after is not None:
        at, event_id = after
        query = query.where(
            or_(Event.confirmed_at < at, and_(Event.confirmed_at == at, Event.id < event_id))
        )
    query = query.order_by(Event.confirmed_at.desc(), Event.id.desc()).limit(limit)
    return list(session.scalars(query))


def request_check(*, session: Session, post_id: str, now: datetime) -> None:
    """Make a post due now (a running check keeps its lease and is not doubled)."""
    session.execute(update(Post).where(Post.id == post_id).values(next_check_at=now))


def lease_post(*, session: Session, post_id: str, now: datetime, lease_until: datetime) -> bool:
    """Lease one post to this process unless another holds it; ``True`` when leased."""
    result = session.execute(
        update(Post)
        .where(Post.id == post_id)
        .where(or_(Post.lease_until.is_(None), Post.lease_until < now))
        .values(lease_until=lease_until)
    )
    return bool(getattr(result, "rowcount", 0))


def first_check_since(*, session: Session, post_id: str, since: datetime) -> Check | None:
    """The post's first check at or after ``since``, if there is one yet."""
    return session.scalars(
        select(Check)
        .where(Check.post_id == post_id, Check.checked_at >= since)
        .order_by(Check.checked_at, Check.id)
        .limit(1)
    ).first()
