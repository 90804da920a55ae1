"""capture: leases, check evidence, snapshot versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("failure_count", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("elapsed_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("warc_sha256", sa.String(length=64), nullable=True))

    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("raw_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("extra")
        batch_op.drop_column("raw_url")
        batch_op.drop_column("edited_at")
        batch_op.drop_column("version_id")

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("warc_sha256")
        batch_op.drop_column("evidence")
        batch_op.drop_column("elapsed_ms")

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("failure_count")
        batch_op.drop_column("lease_until")
