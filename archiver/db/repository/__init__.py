"""Every query Archiver makes. Functions take the session and keyword arguments only.

Routes and services call these and never build SQL themselves, so each query has one home
where its index can be checked.

The functions live in one module per subject and are all importable from here.
"""

from __future__ import annotations

from archiver.db.repository.articles import (
    add_article,
    add_quote,
    articles_naming,
    get_article,
    get_quote,
    list_articles,
    list_quotes,
    name_post,
    posts_by_author,
    posts_by_ids,
    posts_named,
    quotes_of_post,
)
from archiver.db.repository.events import (
    add_event,
    list_events,
    platform_window,
)
from archiver.db.repository.keys import (
    add_api_key,
    find_api_key,
    list_api_keys,
    revoke_api_key,
    touch_api_key,
)
from archiver.db.repository.observations import (
    add_check,
    add_snapshot,
    attach_screenshot,
    claim_due_posts,
    first_check_since,
    get_snapshot,
    lease_post,
    list_checks,
    list_snapshots,
    posts_to_observe,
    recent_checks,
    record_plain_check,
    request_check,
)
from archiver.db.repository.posts import (
    add_post,
    add_tags,
    count_events,
    count_snapshots,
    find_post,
    get_post,
    latest_snapshot,
    list_posts,
)
from archiver.db.repository.webhooks import (
    active_webhooks,
    add_webhook,
    add_webhook_deliveries,
    claim_due_deliveries,
    delete_webhook,
    delivery_context,
    get_webhook,
    get_webhook_delivery,
    list_webhook_deliveries,
    list_webhooks,
)

__all__ = [
    "active_webhooks",
    "add_api_key",
    "add_article",
    "add_check",
    "add_event",
    "add_post",
    "add_quote",
    "add_snapshot",
    "add_tags",
    "add_webhook",
    "add_webhook_deliveries",
    "articles_naming",
    "attach_screenshot",
    "claim_due_deliveries",
    "claim_due_posts",
    "count_events",
    "count_snapshots",
    "delete_webhook",
    "delivery_context",
    "find_api_key",
    "find_post",
    "first_check_since",
    "get_article",
    "get_post",
    "get_quote",
    "get_snapshot",
    "get_webhook",
    "get_webhook_delivery",
    "latest_snapshot",
    "lease_post",
    "list_api_keys",
    "list_articles",
    "list_checks",
    "list_events",
    "list_posts",
    "list_quotes",
    "list_snapshots",
    "list_webhook_deliveries",
    "list_webhooks",
    "name_post",
    "platform_window",
    "posts_by_author",
    "posts_by_ids",
    "posts_named",
    "posts_to_observe",
    "quotes_of_post",
    "recent_checks",
    "record_plain_check",
    "request_check",
    "revoke_api_key",
    "touch_api_key",
]
