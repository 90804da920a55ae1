"""``/api/v1/webhooks``: admins register, list and delete webhooks and read their delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from archiver import urls
from archiver.api.deps import KeyDep, NowDep, WriteSessionDep
from archiver.api.schemas.webhooks import (
    WebhookCreate,
    WebhookDeliveryList,
    WebhookDeliveryOut,
    WebhookLinks,
    WebhookList,
    WebhookOut,
)
from archiver.db.models import ApiKey, Webhook, WebhookDelivery
from archiver.domain import ApiKeyRole
from archiver.errors import Forbidden
from archiver.services import webhooks

router = APIRouter(prefix=urls.webhooks_api(), tags=["webhooks"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: PROBLEM, 403: PROBLEM}


def require_admin(key: KeyDep) -> ApiKey:
    """The request's API key if it is an admin key; 403 for any other role."""
    if key.role != ApiKeyRole.ADMIN:
        raise Forbidden("managing webhooks needs an admin API key")
    return key


AdminDep = Annotated[ApiKey, Depends(require_admin)]


def webhook_out(webhook: Webhook) -> WebhookOut:
    """The API shape of a webhook: everything but its secret."""
    return WebhookOut(
        id=webhook.id,
        url=webhook.url,
        kinds=list(webhook.kinds),
        active=webhook.active,
        created_at=webhook.created_at,
        created_by=webhook.created_by,
        links=WebhookLinks(
            self=urls.webhook_api(webhook.id),
            deliveries=urls.webhook_deliveries_api(webhook.id),
        ),
    )


def delivery_out(delivery: WebhookDelivery) -> WebhookDeliveryOut:
    """The API shape of one delivery."""
    return WebhookDeliveryOut(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        status=delivery.status.value,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses={**AUTH_ERRORS, 422: PROBLEM})
def create_webhook(
    body: WebhookCreate, response: Response, session: WriteSessionDep, key: AdminDep, now: NowDep
) -> WebhookOut:
    """Register a webhook: 201 and ``Location``; its secret is not shown again."""
    webhook = webhooks.create_webhook(
        session=session,
        url=body.url,
        secret=body.secret,
        kinds=body.kinds,
        created_by=key.id,
        now=now,
    )
    session.commit()  # durable before the client hears "created"
    response.headers["Location"] = urls.webhook_api(webhook.id)
    return webhook_out(webhook)


@router.get("", responses=AUTH_ERRORS)
def list_webhooks(session: WriteSessionDep, key: AdminDep) -> WebhookList:
    """Every webhook, oldest first."""
    items = [webhook_out(webhook) for webhook in webhooks.list_webhooks(session=session)]
    session.commit()  # the key's use
    return WebhookList(items=items)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**AUTH_ERRORS, 404: PROBLEM},
)
def delete_webhook(webhook_id: str, session: WriteSessionDep, key: AdminDep) -> Response:
    """Delete a webhook and its delivery log; pending deliveries are dropped."""
    webhooks.delete_webhook(session=session, webhook_id=webhook_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", responses={**AUTH_ERRORS, 404: PROBLEM, 422: PROBLEM})
def list_deliveries(
    webhook_id: str,
    session: WriteSessionDep,
    key: AdminDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> WebhookDeliveryList:
    """A webhook's delivery log, newest first; follow ``next`` for the following page."""
    rows, next_cursor = webhooks.deliveries_page(
        session=session, webhook_id=webhook_id, limit=limit, cursor=cursor
    )
    items = [delivery_out(delivery) for delivery in rows]
    session.commit()  # the key's use
    return WebhookDeliveryList(items=items, next=next_cursor)
