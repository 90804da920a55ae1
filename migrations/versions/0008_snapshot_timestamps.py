"""snapshot timestamps: RFC 3161 timestamps of each snapshot's manifest, one row per snapshot
and Time-Stamp Authority (and the queue of those still to be requested).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snapshot_timestamps",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("snapshot_id", sa.String(length=12), nullable=False),
        sa.Column("tsa_url", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("chain_sha256", sa.String(length=64), nullable=True),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("policy", sa.String(length=200), nullable=True),
        sa.Column("signer", sa.Text(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("verify_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_snapshot_timestamps_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_timestamps")),
    )
    with op.batch_alter_table("snapshot_timestamps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_snapshot_timestamps_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_snapshot_timestamps_snapshot_id"), ["snapshot_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("snapshot_timestamps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshot_timestamps_snapshot_id"))
        batch_op.drop_index(batch_op.f("ix_snapshot_timestamps_next_attempt_at"))

    op.drop_table("snapshot_timestamps")
