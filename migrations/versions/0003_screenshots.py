"""screenshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screenshot_error", sa.Text(), nullable=True))

    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("screenshot_taken_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("screenshot_url", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("screenshot_url")
        batch_op.drop_column("screenshot_taken_at")

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("screenshot_error")
