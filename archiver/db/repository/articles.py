"""Articles, the posts they name, and their quotes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from archiver.db.models import Article, ArticlePost, Post, Quote
from archiver.db.repository.keyset import older_than


def add_article(*, session: Session, article: Article) -> Article:
    """Store an article (its quotes are added separately)."""
    session.add(article)
    session.flush()
    return article


def get_article(*, session: Session, article_id: str) -> Article | None:
    """The article with this ID, or ``None``."""
    return session.get(Article, article_id)


def list_articles(
    *, session: Session, limit: int, after: tuple[datetime, str] | None = None
) -> list[Article]:
    """Articles, newest first, after the ``(submitted_at, id)`` keyset cursor."""
    query = select(Article)
    if after is not None:
        query = query.where(older_than(Article.submitted_at, Article.id, after))
    query = query.order_by(Article.submitted_at.desc(), Article.id.desc()).limit(limit)
    return list(session.scalars(query))


def add_quote(*, session: Session, quote: Quote) -> Quote:
    """Store one quote of an article."""
    session.add(quote)
    session.flush()
    return quote


def list_quotes(*, session: Session, article_id: str) -> list[Quote]:
    """An article's quotes in the order they appear in it."""
    return list(
        session.scalars(
            select(Quote).where(Quote.article_id == article_id).order_by(Quote.position, Quote.id)
        )
    )


def get_quote(*, session: Session, article_id: str, quote_id: str) -> Quote | None:
    """One quote of one article, or ``None``."""
    quote = session.get(Quote, quote_id)
    return quote if quote is not None and quote.article_id == article_id else None


def quotes_of_post(*, session: Session, post_id: str) -> list[Quote]:
    """Every quote, of any article, linked to this post."""
    return list(session.scalars(select(Quote).where(Quote.post_id == post_id)))


def name_post(*, session: Session, article_id: str, post_id: str, position: int) -> None:
    """Record that the article names the post (once; the first position is kept)."""
    if session.get(ArticlePost, (article_id, post_id)) is None:
        session.add(ArticlePost(article_id=article_id, post_id=post_id, position=position))
        session.flush()


def posts_named(*, session: Session, article_id: str) -> list[Post]:
    """The posts an article names, in the order it names them."""
    return list(
        session.scalars(
            select(Post)
            .join(ArticlePost, ArticlePost.post_id == Post.id)
            .where(ArticlePost.article_id == article_id)
            .order_by(ArticlePost.position)
        )
    )


def articles_naming(*, session: Session, post_id: str) -> list[str]:
    """The IDs of the articles that name this post or have a quote linked to it."""
    named = select(ArticlePost.article_id).where(ArticlePost.post_id == post_id)
    quoted = select(Quote.article_id).where(Quote.post_id == post_id)
    return sorted(set(session.scalars(union(named, quoted))))


def posts_by_author(
    *, session: Session, handle: str, since: datetime | None, until: datetime | None, limit: int
) -> list[Post]:
    """Posts whose author's handle is ``handle`` (any case; a fediverse ``user@host`` matches
    its ``user`` part too), posted within ``[since, until]`` when given."""
    wanted = handle.lower().lstrip("@")
    names = {wanted, wanted.split("@", 1)[0]}
    query = select(Post).where(func.lower(Post.author_handle).in_(sorted(names)))
    if since is not None:
        query = query.where(Post.posted_at >= since)
    if until is not None:
        query = query.where(Post.posted_at <= until)
    return list(session.scalars(query.order_by(Post.posted_at.desc()).limit(limit)))


def posts_by_ids(*, session: Session, post_ids: Sequence[str]) -> dict[str, Post]:
    """The posts with these IDs, by ID."""
    if not post_ids:
        return {}
    return {post.id: post for post in session.scalars(select(Post).where(Post.id.in_(post_ids)))}
