"""Webhooks and their deliveries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from archiver.api.schemas.common import Timestamp


class WebhookCreate(BaseModel):
    """``POST /api/v1/webhooks``: where to deliver events, the signing secret, which kinds."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/archiver",
                    "secret": "a long random shared secret",
                    "kinds": ["deleted", "edited"],
                }
            ]
        },
    )

    url: str = Field(description="an http or https URL of at most 2048 characters")
    secret: str = Field(
        description="16 to 256 characters; each delivery carries "
        "X-Archiver-Signature: sha256=HMAC-SHA256(secret, body) in hex"
    )
    kinds: list[str] = Field(
        description='event kinds to deliver (edited, deleted, …), or ["*"] for every kind'
    )


class WebhookLinks(BaseModel):
    """Where to find more about a webhook."""

    self: str
    deliveries: str


class WebhookOut(BaseModel):
    """A webhook (its secret is never shown again)."""

    id: str
    url: str
    kinds: list[str]
    active: bool
    created_at: Timestamp
    created_by: str | None
    links: WebhookLinks


class WebhookList(BaseModel):
    """Every webhook, oldest first."""

    items: list[WebhookOut]


class WebhookDeliveryOut(BaseModel):
    """One event's delivery to a webhook: ``pending`` (to be tried or retried), ``delivered``,
    or ``failed`` (given up)."""

    id: str
    webhook_id: str
    event_id: str
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: Timestamp | None
    last_attempt_at: Timestamp | None
    last_status: int | None
    last_error: str | None
    created_at: Timestamp


class WebhookDeliveryList(BaseModel):
    """A page of deliveries, newest first; ``next`` is the following page's cursor, or null."""

    items: list[WebhookDeliveryOut]
    next: str | None
