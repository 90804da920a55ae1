"""indexes at scale: post lists filtered by status or platform read newest first from an index
of the filter and the time; a tag's posts from an index of the tag and the post; events of one
kind newest first; the checks of the last minutes of every post (the anomaly guard). The
single-column indexes of posts.platform, post_tags.tag and events.kind are dropped: each is
the first column of its replacement.

Found by ``bench/dbscale.py`` at 1,000,000 posts (``docs/benchmarks.md``). Only indexes
change: on SQLite no table is rebuilt (the FTS triggers of 0006 stay as they are).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_status_submitted_at_id", ["status", "submitted_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_posts_platform_submitted_at_id", ["platform", "submitted_at", "id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_posts_platform"))

    with op.batch_alter_table("post_tags", schema=None) as batch_op:
        batch_op.create_index("ix_post_tags_tag_post_id", ["tag", "post_id"], unique=False)
        batch_op.drop_index(batch_op.f("ix_post_tags_tag"))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_kind_confirmed_at", ["kind", "confirmed_at"], unique=False)
        batch_op.drop_index(batch_op.f("ix_events_kind"))

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checks_checked_at"), ["checked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_checked_at"))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_kind"), ["kind"], unique=False)
        batch_op.drop_index("ix_events_kind_confirmed_at")

    with op.batch_alter_table("post_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_tags_tag"), ["tag"], unique=False)
        batch_op.drop_index("ix_post_tags_tag_post_id")

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posts_platform"), ["platform"], unique=False)
        batch_op.drop_index("ix_posts_platform_submitted_at_id")
        batch_op.drop_index("ix_posts_status_submitted_at_id")
