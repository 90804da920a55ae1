"""Articles read for the posts they quote, and the quotes with their verdicts."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archiver.api.schemas.common import ArtifactRef, Timestamp
from archiver.domain import Fidelity, Platform, PostStatus, QuoteKind

#: The largest article accepted as pasted HTML or text, in characters.
ARTICLE_MAX_CHARS = 10_000_000


class ArticleSubmission(BaseModel):
    """``POST /api/v1/articles``: ``{url}`` (fetched), or ``{html, url?}`` or ``{text, url?}``."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "url": "https://news.example.com/river-vote",
                    "text": 'The council wrote "The river budget vote is on Tuesday." '
                    "(https://x.com/councilwatch/status/1785)",
                }
            ]
        },
    )

    url: str | None = Field(None, max_length=2048, description="the article's address")
    html: str | None = Field(None, max_length=ARTICLE_MAX_CHARS, description="its HTML")
    text: str | None = Field(None, max_length=ARTICLE_MAX_CHARS, description="its plain text")


class QuoteLink(BaseModel):
    """``PATCH /api/v1/articles/{id}/quotes/{qid}``: the post a quote is of."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"post_url": "https://x.com/councilwatch/status/1785"}]},
    )

    post_url: str = Field(max_length=2048, description="the quoted post's URL, in any form")


class AttributionOut(BaseModel):
    """Who the article says wrote the quoted post, and when, as it prints them."""

    name: str | None
    handle: str | None
    date: date | None


class QuoteOut(BaseModel):
    """One quote of a post in an article, and the verdict on it (SPEC §4, quote fidelity)."""

    id: str
    kind: QuoteKind
    text: str = Field(description="the quoted words as the article prints them")
    attribution: AttributionOut | None
    context: str | None = Field(description="the sentence or paragraph around the quote")
    speaker: str | None
    post_id: str | None
    post_url: str | None
    link_source: str | None = Field(
        description="how the post was found: embed, link, attribution, archive, article, manual"
    )
    unresolved_reason: str | None
    fidelity: Fidelity | None
    changes: list[dict[str, Any]] = Field(description="each editorial change, listed")
    diff: dict[str, Any] | None = Field(description="for altered quotes: post words to quote")
    matched_snapshot_id: str | None
    matched_version: str | None = Field(description="an entry of the platform's edit history")
    span: str | None = Field(description="the words of the matched version quoted")
    score: float | None
    post_status: PostStatus | None
    post_changed_since: bool | None = Field(
        description="the post went away, or now reads otherwise than the version quoted"
    )
    judged_at: Timestamp | None


class ArticlePostOut(BaseModel):
    """A post the article names."""

    id: str
    url: str
    platform: Platform
    status: PostStatus
    link: str


class ArticleOut(BaseModel):
    """An article and its quote report."""

    id: str
    url: str | None
    title: str | None
    byline: str | None
    published_at: Timestamp | None
    source: str
    submitted_at: Timestamp
    raw: ArtifactRef | None
    quotes: list[QuoteOut]
    posts: list[ArticlePostOut]
    links: dict[str, str]


class ArticleSummary(BaseModel):
    """An article in a list."""

    id: str
    url: str | None
    title: str | None
    published_at: Timestamp | None
    submitted_at: Timestamp
    link: str


class ArticleList(BaseModel):
    """A page of articles; ``next`` is the cursor of the following page, if any."""

    items: list[ArticleSummary]
    next: str | None
