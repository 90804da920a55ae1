"""articles and quotes judged: the posts an article names; an article's text and
content type; each quote's verdict in
full (matched version and span, score, context, how the post was found, why unresolved, the
post's status and whether it changed since); events may name an article (quote_changed)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_posts",
        sa.Column("article_id", sa.String(length=12), nullable=False),
        sa.Column("post_id", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_posts_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_article_posts_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "post_id", name=op.f("pk_article_posts")),
    )
    with op.batch_alter_table("article_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_posts_post_id"), ["post_id"], unique=False)

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_content_type", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_id", sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_article_id"), ["article_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_events_article_id_articles"),
            "articles",
            ["article_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matched_version", sa.String(length=600), nullable=True))
        batch_op.add_column(sa.Column("span", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("context", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("speaker", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("link_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("unresolved_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("post_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("post_changed_since", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_column("judged_at")
        batch_op.drop_column("post_changed_since")
        batch_op.drop_column("post_status")
        batch_op.drop_column("unresolved_reason")
        batch_op.drop_column("link_source")
        batch_op.drop_column("speaker")
        batch_op.drop_column("context")
        batch_op.drop_column("score")
        batch_op.drop_column("span")
        batch_op.drop_column("matched_version")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_article_id_articles"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_events_article_id"))
        batch_op.drop_column("article_id")

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("text")
        batch_op.drop_column("raw_content_type")

    with op.batch_alter_table("article_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_posts_post_id"))

    op.drop_table("article_posts")
