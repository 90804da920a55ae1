"""Migrations: an empty database goes to head, back to empty, and to head again, and the
models and the migration scripts describe the same schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, Table, insert, inspect, select, text

from archiver.db import migrate
from archiver.db.models import Base
from archiver.db.session import create_db_engine, create_session_factory
from archiver.ids import new_id
from archiver.services import posts
from tests.conftest import private_postgres_url, reset_postgres


def empty_database(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url = private_postgres_url()
    reset_postgres(url)
    return url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_go_up_down_and_up_without_drift(backend: str, tmp_path: Path) -> None:
    """An empty database migrates to head, down to base, up again, and matches the models."""
    engine = create_db_engine(empty_database(backend, tmp_path))
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": migrate.include_name}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_scheduler_and_list_indexes_exist(backend: str, tmp_path: Path) -> None:
    """The indexes that due-check picking, lists and lookups rely on are created."""
    engine = create_db_engine(empty_database(backend, tmp_path))
    try:
        migrate.upgrade(engine)
        inspector = inspect(engine)
        post_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("posts")}
        assert {("next_check_at",), ("status",), ("submitted_at", "id")} <= post_indexes
        uniques = {tuple(uq["column_names"]) for uq in inspector.get_unique_constraints("posts")}
        assert ("platform", "post_key") in uniques
    finally:
        engine.dispose()


def test_migrations_ship_inside_the_package_or_beside_it() -> None:
    """The migration scripts are found from the installed package."""
    folder = migrate.migrations_dir()
    assert (folder / "env.py").is_file()
    assert any(folder.glob("versions/0001_*.py"))


# --- Migrations with data ------------------------------------------------------------------
#
# An archive is migrated step by step from empty to head with rows written at every revision
# (each table as it stood then), then down step by step to empty and up again. After every
# step each row still there holds what was written (the columns the step kept); the full-text
# index of 0006 finds words written before it (its rebuild) and after (its triggers).

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
#: One word per batch, found only in that batch's snapshot text.
WORDS = ("alder", "birch", "cedar", "damson", "elder", "juniper", "larch", "maple", "rowan",
         "spruce", "tamarack", "walnut", "yew", "zelkova", "hazel", "linden", "aspen", "beech",
         "cypress", "olive", "poplar", "sequoia", "willow", "acacia")  # fmt: skip


def revisions(engine: Engine) -> list[str]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config(engine))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def batch_rows(n: int) -> dict[str, list[dict[str, Any]]]:
    """Realistic rows for every table (its columns at head), batch ``n``, parents first."""
    at = T0 + timedelta(days=n)
    key, post, other, article, webhook = (new_id() for _ in range(5))
    first, second, check, event, quote = (new_id() for _ in range(5))
    text = f"The {WORDS[n]} budget vote is on Tuesday, said Ødegård ({n})."
    edited = f"The {WORDS[n]} budget vote is postponed to Friday."
    snapshot = {
        "post_id": post, "lang": "en", "author_id": "783214", "author_handle": "councilwatch",
        "author_name": "City Council Watch", "posted_at": at - timedelta(hours=1),
        "media": [{"type": "photo", "url": "https://pbs.example/1.jpg", "sha256": "d" * 64,
                   "phash": "e0f0e0f0c0c08080", "etag": '"c3"'}],
        "metrics": {"likes": 10 + n, "reposts": 2}, "quoted_post": None,
        "reply_to": {"id": "1784", "handle": "mayor"}, "edit_history_ids": [str(1785 + n)],
        "raw_sha256": "a" * 64, "raw_content_type": "application/json", "warc_sha256": "b" * 64,
        "screenshot_sha256": "c" * 64, "screenshot_width": 550, "screenshot_height": 300,
        "screenshot_source": "platform", "browser_version": "Chromium 131.0",
        "screenshot_taken_at": at, "screenshot_url": f"https://x.com/councilwatch/status/{n}",
        "screenshot_phash": f"{n:016x}",
        "software_version": "0.9.0", "version_id": str(1785 + n), "edited_at": None,
        "raw_url": f"https://api.x.com/2/tweets/{1785 + n}", "extra": {"source": "api"},
    }  # fmt: skip
    return {
        "api_keys": [{
            "id": key, "name": f"newsroom {n}", "role": "submitter", "key_hash": f"{n:064x}",
            "prefix": f"arch_{n:04d}", "created_at": at, "last_used_at": at, "revoked_at": None,
        }],
        "posts": [{
            "id": pid, "url": f"https://twitter.com/councilwatch/status/{1785 + n}{suffix}",
            "canonical_url": f"https://x.com/councilwatch/status/{1785 + n}{suffix}",
            "platform": "x", "platform_post_id": f"{1785 + n}{suffix}",
            "post_key": f"{1785 + n}{suffix}", "host": None, "author_id": "783214",
            "author_handle": "councilwatch", "author_name": "City Council Watch",
            "posted_at": at - timedelta(hours=1), "status": status, "suspected_status": None,
            "submitted_at": at, "first_captured_at": at, "last_checked_at": at,
            "next_check_at": at + timedelta(hours=1), "recheck": "1h,1d", "submitted_by": key,
            "lease_until": None, "failure_count": n,
        } for pid, suffix, status in ((post, "", "live"), (other, "0", "deleted"))],
        "webhooks": [{
            "id": webhook, "url": f"https://hooks.example.com/{n}", "secret": "s" * 32,
            "kinds": ["deleted", "edited"], "active": True, "created_at": at, "created_by": key,
        }],
        "articles": [{
            "id": article, "url": f"https://news.example.com/river-{n}", "title": "River vote",
            "byline": "A. Reporter", "published_at": at, "source": "url", "raw_sha256": "e" * 64,
            "raw_content_type": "text/html", "text": text, "submitted_at": at,
            "submitted_by": key,
        }],
        "post_tags": [{"post_id": post, "tag": "council"}, {"post_id": other, "tag": "river"}],
        "snapshots": [
            {**snapshot, "id": first, "captured_at": at, "text": text},
            {**snapshot, "id": second, "captured_at": at + timedelta(hours=6), "text": edited},
        ],
        "checks": [{
            "id": check, "post_id": post, "checked_at": at + timedelta(hours=6),
            "outcome": "changed", "reason": None, "error": None, "retry_after": None,
            "http_status": 200, "elapsed_ms": 84, "evidence": "200 from the API",
            "warc_sha256": "b" * 64, "screenshot_error": None, "snapshot_id": second,
        }],
        "events": [{
            "id": event, "post_id": post, "kind": "edited", "before_snapshot_id": first,
            "after_snapshot_id": second, "first_observed_at": at + timedelta(hours=6),
            "confirmed_at": at + timedelta(hours=6),
            "diff": {"reasons": ["text"], "readable": "on Tuesday → postponed to Friday"},
            "article_id": None,
        }],
        "quotes": [{
            "id": quote, "article_id": article, "position": 0, "kind": "embed", "text": text,
            "attribution_name": "City Council Watch", "attribution_handle": "councilwatch",
            "attribution_date": date(2024, 5, 1), "post_id": post,
            "post_url": f"https://x.com/councilwatch/status/{1785 + n}", "fidelity": "verbatim",
            "changes": [], "diff": None, "matched_snapshot_id": first,
            "matched_version": str(1785 + n), "span": text, "score": 0.875,
            "context": "In a post, the council said", "speaker": "the council",
            "link_source": "embed", "unresolved_reason": None, "post_status": "live",
            "post_changed_since": True, "judged_at": at,
        }],
        "webhook_deliveries": [{
            "id": new_id(), "webhook_id": webhook, "event_id": event, "status": "pending",
            "attempts": 1, "next_attempt_at": at, "last_attempt_at": at, "last_status": 503,
            "last_error": "503 Service Unavailable", "created_at": at,
        }],
        "article_posts": [{"article_id": article, "post_id": post, "position": 0}],
        "snapshot_timestamps": [{
            "id": new_id(), "snapshot_id": first, "tsa_url": "https://freetsa.org/tsr",
            "requested_at": at, "next_attempt_at": None, "attempts": 2,
            "last_attempt_at": at + timedelta(minutes=1), "last_error": None,
            "manifest_sha256": "f" * 64, "token_sha256": "1" * 64, "chain_sha256": "2" * 64,
            "gen_time": at + timedelta(minutes=1), "serial_number": str(10**40 + n),
            "policy": "1.2.3.4.1", "signer": "CN=Test TSA,O=Free TSA", "verified": True,
            "verify_error": None,
        }, {
            "id": new_id(), "snapshot_id": second, "tsa_url": "https://freetsa.org/tsr",
            "requested_at": at, "next_attempt_at": at + timedelta(minutes=2), "attempts": 1,
            "last_attempt_at": at, "last_error": "the TSA answered 503 Service Unavailable",
            "manifest_sha256": None, "token_sha256": None, "chain_sha256": None,
            "gen_time": None, "serial_number": None, "policy": None, "signer": None,
            "verified": None, "verify_error": None,
        }],
        "snapshot_corroborations": [{
            "id": new_id(), "snapshot_id": first, "service": "wayback",
            "url": f"https://x.com/councilwatch/status/{1785 + n}", "status": "success",
            "requested_at": at, "next_attempt_at": None, "attempts": 1,
            "last_attempt_at": at + timedelta(seconds=40), "last_error": None,
            "submitted_at": at + timedelta(seconds=1), "job_id": f"spn2-{n:040x}",
            "status_ext": None, "message": None,
            "archived_url": f"https://web.archive.org/web/20240501120001/https://x.com/c/{n}",
            "archived_at": at + timedelta(seconds=1),
            "answer": '{"status":"success","timestamp":"20240501120001"}',
        }, {
            "id": new_id(), "snapshot_id": second, "service": "wayback",
            "url": f"https://x.com/councilwatch/status/{1785 + n}", "status": "error",
            "requested_at": at, "next_attempt_at": None, "attempts": 2, "last_attempt_at": at,
            "last_error": "the Internet Archive answered 503 Service Unavailable",
            "submitted_at": None, "job_id": None, "status_ext": "error:too-many-daily-captures",
            "message": "This URL has been already captured 10 times today.",
            "archived_url": None, "archived_at": None, "answer": None,
        }],
    }  # fmt: skip


class Archive:
    """The rows written so far, as they should read now, by table and primary key."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self.batches = 0

    def table(self, name: str) -> Table | None:
        """The table as it stands now (its columns typed as the models type them)."""
        if not inspect(self.engine).has_table(name):
            return None
        model = Base.metadata.tables[name]
        present = [c["name"] for c in inspect(self.engine).get_columns(name)]
        return Table(name, MetaData(), *(
            Column(c, model.c[c].type, primary_key=model.c[c].primary_key) for c in present
        ))  # fmt: skip

    def write(self) -> int:
        """Write the next batch into every table there is now; return its number."""
        n = self.batches
        self.batches += 1
        with self.engine.begin() as connection:
            for name, rows in batch_rows(n).items():
                table = self.table(name)
                if table is None:
                    continue
                kept = [{k: v for k, v in row.items() if k in table.c} for row in rows]
                connection.execute(insert(table), kept)
                for row in kept:
                    key = tuple(row[c.name] for c in table.primary_key)
                    self.rows.setdefault(name, {})[key] = row
        return n

    def check(self, step: str) -> None:
        """Every row written is there with its values, in the columns that still exist."""
        for name in list(self.rows):
            table = self.table(name)
            if table is None:
                del self.rows[name]  # the step dropped the table: its rows went with it
                continue
            expected = self.rows[name]
            for row in expected.values():
                for column in [c for c in row if c not in table.c]:
                    del row[column]  # the step dropped the column
            with self.engine.connect() as connection:
                found = {
                    tuple(r[c.name] for c in table.primary_key): dict(r)
                    for r in connection.execute(select(table)).mappings()
                }
            assert len(found) == len(expected), f"{step}: {name} has {len(found)} rows"
            for key, row in expected.items():
                assert key in found, f"{step}: {name} lost {key}"
                got = {column: found[key][column] for column in row}
                assert got == row, f"{step}: {name} {key} changed"


#: The app's PostgreSQL search (``repository.posts.text_search``): the 0006 index's expression.
PG_SEARCH = (
    "SELECT text FROM snapshots"
    " WHERE to_tsvector('simple'::regconfig, text) @@ to_tsquery('simple'::regconfig, :q)"
)


def assert_search_finds(engine: Engine, batches: range) -> None:
    """Each batch's word finds its snapshot in the 0006 index and its post through the app's
    own search; on PostgreSQL the query is answered from the GIN index."""
    with engine.connect() as connection:
        for n in batches:
            if engine.dialect.name == "sqlite":
                hits = connection.execute(
                    text(
                        "SELECT s.text FROM snapshots_fts JOIN snapshots AS s"
                        " ON s.rowid = snapshots_fts.rowid WHERE snapshots_fts MATCH :q"
                    ),
                    {"q": f'"{WORDS[n]}"*'},
                ).scalars()
            else:
                hits = connection.execute(text(PG_SEARCH), {"q": f"{WORDS[n]}:*"}).scalars()
            assert len({hit for hit in hits if WORDS[n] in hit}) == 2, WORDS[n]
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = connection.execute(text("EXPLAIN " + PG_SEARCH), {"q": "alder:*"}).scalars()
            assert "snapshots_fts_gin" in "\n".join(plan)
    with create_session_factory(engine)() as session:
        for n in batches:
            views, _ = posts.page(
                session=session, filters=posts.PostFilters(q=f"{WORDS[n]} ødegård"), limit=5,
                cursor=None,
            )  # fmt: skip
            assert [view.post.platform_post_id for view in views] == [str(1785 + n)], WORDS[n]


@pytest.mark.parametrize("backend", BACKENDS)
def test_data_survives_every_migration_step(backend: str, tmp_path: Path) -> None:
    """Rows written at every revision survive each step up and each step down that keeps
    their table; search finds words written before 0006 and after; no drift at head."""
    engine = create_db_engine(empty_database(backend, tmp_path))
    try:
        archive = Archive(engine)
        steps = revisions(engine)
        assert 2 * len(steps) <= len(WORDS), "more revisions than words: add words"
        for _ in range(2):  # empty → head → empty, twice
            for revision in steps:
                migrate.upgrade(engine, revision)
                archive.check(f"up to {revision}")
                archive.write()
            first = archive.batches - len(steps)
            assert_search_finds(engine, range(first, archive.batches))
            migrate.downgrade(engine, steps[-2])  # the newest step undone and made again
            archive.check("down one")
            migrate.upgrade(engine)
            archive.check("down one and up again")
            assert_search_finds(engine, range(first, archive.batches))
            for revision in [*reversed(steps[:-1]), "base"]:
                migrate.downgrade(engine, revision)
                archive.check(f"down to {revision}")
            assert archive.rows == {}
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": migrate.include_name}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
