"""full-text search over archived text: an FTS5 index of snapshot texts on SQLite (kept by
triggers), a GIN index of their ``simple`` text-search vectors on PostgreSQL

Both split text into words the same way (Unicode letters and digits; case folded; accents
kept) and are matched by word prefixes (``archiver.db.repository.posts.text_search``). On
SQLite, a later batch migration that rebuilds ``snapshots`` must re-create the triggers below
and rebuild the index (``INSERT INTO snapshots_fts(snapshots_fts) VALUES ('rebuild')``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE snapshots_fts USING fts5("
    "text, content='snapshots', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER snapshots_fts_insert AFTER INSERT ON snapshots BEGIN "
    "INSERT INTO snapshots_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER snapshots_fts_delete AFTER DELETE ON snapshots BEGIN "
    "INSERT INTO snapshots_fts(snapshots_fts, rowid, text) VALUES ('delete', old.rowid, old.text);"
    " END",
    "CREATE TRIGGER snapshots_fts_update AFTER UPDATE OF text ON snapshots BEGIN "
    "INSERT INTO snapshots_fts(snapshots_fts, rowid, text) VALUES ('delete', old.rowid, old.text);"
    " INSERT INTO snapshots_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "INSERT INTO snapshots_fts(snapshots_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS snapshots_fts_update",
    "DROP TRIGGER IF EXISTS snapshots_fts_delete",
    "DROP TRIGGER IF EXISTS snapshots_fts_insert",
    "DROP TABLE IF EXISTS snapshots_fts",
]
POSTGRES_UP = [
    "CREATE INDEX snapshots_fts_gin ON snapshots USING gin (to_tsvector('simple', text))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS snapshots_fts_gin"]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})
