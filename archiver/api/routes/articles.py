"""``/api/v1/articles``: read an article for the posts it quotes; its quote report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from archiver import urls
from archiver.api.deps import KeyDep, NowDep, SessionDep, WriteSessionDep
from archiver.api.routes.snapshots import ARTIFACT, artifact_response
from archiver.api.schemas.articles import (
    ArticleList,
    ArticleOut,
    ArticlePostOut,
    ArticleSubmission,
    ArticleSummary,
    AttributionOut,
    QuoteLink,
    QuoteOut,
)
from archiver.api.schemas.common import ArtifactRef
from archiver.db.models import Quote
from archiver.egress import Egress
from archiver.errors import UnprocessableContent
from archiver.services import articles, snapshots
from archiver.storage import BlobStore

router = APIRouter(prefix=urls.API + "/articles", tags=["articles"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def quote_out(quote: Quote, view: articles.ArticleView) -> QuoteOut:
    """The API shape of one quote, with its post's status as it is now."""
    post = view.posts.get(quote.post_id or "")
    attributed = quote.attribution_name or quote.attribution_handle or quote.attribution_date
    return QuoteOut(
        id=quote.id,
        kind=quote.kind,
        text=quote.text,
        attribution=AttributionOut(
            name=quote.attribution_name,
            handle=quote.attribution_handle,
            date=quote.attribution_date,
        )
        if attributed
        else None,
        context=quote.context,
        speaker=quote.speaker,
        post_id=quote.post_id,
        post_url=post.canonical_url if post else quote.post_url,
        link_source=quote.link_source,
        unresolved_reason=quote.unresolved_reason,
        fidelity=quote.fidelity,
        changes=quote.changes or [],
        diff=quote.diff,
        matched_snapshot_id=quote.matched_snapshot_id,
        matched_version=quote.matched_version,
        span=quote.span,
        score=quote.score,
        post_status=post.status if post else None,
        post_changed_since=quote.post_changed_since,
        judged_at=quote.judged_at,
    )


def article_out(view: articles.ArticleView) -> ArticleOut:
    """The API shape of an article: its quote report."""
    article = view.article
    return ArticleOut(
        id=article.id,
        url=article.url,
        title=article.title,
        byline=article.byline,
        published_at=article.published_at,
        source=article.source,
        submitted_at=article.submitted_at,
        raw=ArtifactRef(sha256=article.raw_sha256, url=urls.article_raw(article.id))
        if article.raw_sha256
        else None,
        quotes=[quote_out(quote, view) for quote in view.quotes],
        posts=[
            ArticlePostOut(
                id=post.id,
                url=post.canonical_url,
                platform=post.platform,
                status=post.status,
                link=urls.post_api(post.id),
            )
            for post in view.named
        ],
        links={"self": urls.article_api(article.id), "raw": urls.article_raw(article.id)},
    )


def _blobs(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={401: PROBLEM, 422: PROBLEM, 502: PROBLEM},
)
async def submit_article(
    body: ArticleSubmission,
    request: Request,
    response: Response,
    session: WriteSessionDep,
    key: KeyDep,
    now: NowDep,
) -> ArticleOut:
    """Read an article (fetched from ``url``, or given as ``html`` or ``text``) for the posts
    it quotes: 202 with the quote report; every post it names is submitted for capture, and
    each quote is judged again as its post is captured and re-checked."""
    session.commit()  # the key check is done: hold no write lock while the page is fetched
    if body.html is None and body.text is None:
        if body.url is None:
            raise UnprocessableContent("give one of url, html or text")
        egress: Egress = request.app.state.egress
        given = await articles.fetch_article(body.url, egress)
    else:
        given = articles.given_article(url=body.url, html=body.html, text=body.text)

    def store() -> ArticleOut:
        doc = articles.read(given)
        raw = _blobs(request).put(given.body)
        article = articles.ingest(
            session=session,
            given=given,
            doc=doc,
            raw_sha256=raw.sha256,
            submitted_by=key.id,
            now=now,
        )
        session.commit()
        return article_out(articles.get_view(session=session, article_id=article.id))

    out = await run_in_threadpool(store)
    response.headers["Location"] = urls.article_api(out.id)
    return out


@router.get("", responses={422: PROBLEM})
def list_articles(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ArticleList:
    """Articles read so far, newest first."""
    rows, next_cursor = articles.page(session=session, limit=limit, cursor=cursor)
    return ArticleList(
        items=[
            ArticleSummary(
                id=row.id,
                url=row.url,
                title=row.title,
                published_at=row.published_at,
                submitted_at=row.submitted_at,
                link=urls.article_api(row.id),
            )
            for row in rows
        ],
        next=next_cursor,
    )


@router.get("/{article_id}", responses={404: PROBLEM})
def get_article(article_id: str, session: SessionDep) -> ArticleOut:
    """An article's quote report: each quote, the post it is linked to, and the verdict."""
    return article_out(articles.get_view(session=session, article_id=article_id))


@router.get("/{article_id}/raw", responses=ARTIFACT, response_class=Response)
def article_raw(article_id: str, session: SessionDep, request: Request) -> Response:
    """The article exactly as it was fetched or given, byte for byte."""
    article = articles.get_view(session=session, article_id=article_id).article
    artifact = snapshots.article_artifact(article, _blobs(request))
    return artifact_response(artifact, article.raw_sha256 or "")


@router.patch(
    "/{article_id}/quotes/{quote_id}", responses={401: PROBLEM, 404: PROBLEM, 422: PROBLEM}
)
def link_quote(
    article_id: str,
    quote_id: str,
    body: QuoteLink,
    session: WriteSessionDep,
    key: KeyDep,
    now: NowDep,
) -> ArticleOut:
    """Link a quote to a post by hand (the post is submitted if new); it is judged at once."""
    articles.link_quote(
        session=session,
        article_id=article_id,
        quote_id=quote_id,
        post_url=body.post_url,
        submitted_by=key.id,
        now=now,
    )
    session.commit()
    return article_out(articles.get_view(session=session, article_id=article_id))
