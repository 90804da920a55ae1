"""The ``archiver`` command: keys are shown once and stored hashed; errors are one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from archiver.cli import main
from archiver.config import Settings
from archiver.db.models import ApiKey, Post
from archiver.emulator import EmulatorServer
from archiver.emulator.news import NEWS_ORIGIN
from archiver.services.keys import hash_key
from tests.conftest import count_rows


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the command at the test's database and folders."""
    monkeypatch.setenv("ARCHIVER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARCHIVER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARCHIVER_SCREENSHOTS_DIR", str(settings.screenshots_dir))
    return settings


def test_a_new_key_is_printed_once_and_stored_hashed(
    cli_env: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """`keys create` prints the secret once; the database holds only its hash."""
    assert main(["keys", "create", "newsroom", "--role", "admin"]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("arch_") and len(secret) > 40
    with engine.connect() as connection:
        row = connection.execute(select(ApiKey.key_hash, ApiKey.role, ApiKey.name)).one()
    assert row == (hash_key(secret), "admin", "newsroom")
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "newsroom" in listing and secret not in listing


def test_revoking_an_unknown_key_fails_with_a_sentence(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Revoking a key that does not exist exits 1 and says so."""
    assert main(["keys", "revoke", "ZZZZZZZZZZZZ"]) == 1
    assert "no active key" in capsys.readouterr().err


def test_submit_stores_posts_and_reports_bad_ones(
    cli_env: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """`submit` stores each good URL once and names each bad one, exiting 1."""
    code = main(
        [
            "submit",
            "https://x.com/jack/status/20",
            "https://twitter.com/jack/status/20",
            "https://example.com/nope",
        ]
    )
    assert code == 1
    out, err = capsys.readouterr()
    assert "queued" in out and "already archived" in out
    assert "example.com/nope" in err
    assert count_rows(engine, Post) == 1


def test_a_bad_setting_is_one_sentence_not_a_traceback(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad ARCHIVER_* value stops the command with one line naming the variable."""
    monkeypatch.setenv("ARCHIVER_CONFIRM_AFTER", "soon")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("archiver: ARCHIVER_CONFIRM_AFTER is not valid")
    assert "\n" not in err and "Traceback" not in err


def test_article_reads_a_saved_file_captures_its_post_and_prints_the_report(
    cli_env: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`article FILE` reads the article, captures the post it embeds from the emulator, and
    prints each quote with its verdict; a missing page is one sentence and exit 1."""
    with EmulatorServer() as emulator:
        post = emulator.world.add_post(
            "x", "harbourboard", "The ferry terminal will reopen on Monday at noon."
        )
        monkeypatch.setenv("ARCHIVER_UPSTREAM_OVERRIDES", emulator.overrides)
        monkeypatch.setenv("ARCHIVER_SCREENSHOTS", "false")
        saved = tmp_path / "harbour.html"
        saved.write_text(
            "<html><head><title>Ferry terminal to reopen</title></head><body><article>"
            "<p>The harbour board tweeted that “the ferry terminal will reopen on Monday,”"
            f' in <a href="{post.url}">a post</a> on Tuesday.</p></article></body></html>',
            encoding="utf-8",
        )
        assert main(["article", str(saved)]) == 0
        out = capsys.readouterr().out
        assert "Ferry terminal to reopen" in out
        assert "editorial" in out and post.url.split("/")[-1] in out

        assert main(["article", f"{NEWS_ORIGIN}/no-such-story.html"]) == 1
        assert "answered HTTP 404" in capsys.readouterr().err
