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
            "http://10.0.0.1/nope",
        ]
    )
    assert code == 1
    out, err = capsys.readouterr()
    assert "queued" in out and "already archived" in out
    assert "10.0.0.1/nope cannot be archived: 10.0.0.1 is a private address" in err
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


def test_import_reports_good_duplicate_and_bad_lines(
    cli_env: Settings, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`import FILE` (text, `#` comments) submits every good URL once, calls a second form of
    the same post already archived, and names each bad line without stopping (exit 1)."""
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# posts for the council story\n"
        "https://x.com/jack/status/20\n"
        "\n"
        "https://twitter.com/jack/status/20\n"
        "not-a-url\n"
        "http://localhost/nope\n"
        "https://mastodon.social/@archivist/110000000000000001\n",
        encoding="utf-8",
    )
    assert main(["import", str(listing), "--tag", "council"]) == 1
    out, err = capsys.readouterr()
    assert "2 queued, 1 already archived, 2 failed." in out
    assert "archiver: line 5: 'not-a-url' is not a URL" in err
    assert "archiver: line 6: http://localhost/nope cannot be archived" in err
    assert "line 2" not in err and "line 7" not in err
    assert count_rows(engine, Post) == 2


def test_import_reads_a_csv_with_a_url_column(
    cli_env: Settings, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV is read by its `url` column; a row without one is reported."""
    sheet = tmp_path / "sources.csv"
    sheet.write_text(
        "outlet,url,notes\n"
        'Harbour Times,https://x.com/harbour/status/21,"ferry, terminal"\n'
        "Council,,no link yet\n"
        "Archivist,https://mastodon.social/@archivist/110000000000000002,\n",
        encoding="utf-8",
    )
    assert main(["import", str(sheet)]) == 1
    out, err = capsys.readouterr()
    assert "2 queued, 1 failed." in out
    assert "archiver: line 3: no url in this row" in err
    assert count_rows(engine, Post) == 2
    assert main(["import", str(tmp_path / "missing.txt")]) == 1
    assert capsys.readouterr().err.strip() == f"archiver: there is no file {tmp_path}/missing.txt"


def test_submit_wait_captures_here_and_reports_each_post(
    cli_env: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`submit --wait` on the local database captures each post from the emulator now and
    prints captured / failed / already archived."""
    with EmulatorServer() as emulator:
        monkeypatch.setenv("ARCHIVER_UPSTREAM_OVERRIDES", emulator.overrides)
        monkeypatch.setenv("ARCHIVER_SCREENSHOTS", "false")
        live = emulator.world.add_post("x", "harbourboard", "The ferry terminal reopens Monday.")
        gone = emulator.world.add_post("bluesky", "someone.example.com", "soon gone")
        emulator.world.delete_post("bluesky", gone.id)
        assert main(["submit", live.url, gone.url, "--wait"]) == 1
        out, err = capsys.readouterr()
        assert "1 captured, 1 failed." in out
        assert "the platform says it is deleted" in err
        assert main(["submit", live.url, "--wait"]) == 0
        assert "1 already archived." in capsys.readouterr().out
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(Post.url, Post.status)).all())
    assert statuses[live.url] == "live"


@pytest.mark.slow
def test_submit_and_import_against_a_running_server(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With `--server URL --key KEY` the command goes through the API of a running service;
    `--wait` polls until the service's worker has captured each post; a wrong key is one
    sentence."""
    from tests.service import serving

    with EmulatorServer() as emulator:
        post = emulator.world.add_post("mastodon", "archivist", "Reading room opens at nine.")
        env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, "ARCHIVER_SCREENSHOTS": "false"}
        with serving(cli_env, tmp_path, env) as client:
            server = str(client.base_url)
            key = client.auth_headers["Authorization"].removeprefix("Bearer ")
            remote = ["--server", server, "--key", key]
            assert main(["submit", post.url, "--wait", *remote]) == 0
            out = capsys.readouterr().out
            assert "1 captured." in out
            post_id = client.get("/api/v1/posts", params={"limit": 1}).json()["items"][0]["id"]
            assert post_id in out
            assert client.get(f"/api/v1/posts/{post_id}").json()["status"] == "live"

            listing = tmp_path / "more.txt"
            listing.write_text(f"{post.url}\nhttp://localhost/nope\n", encoding="utf-8")
            assert main(["import", str(listing), *remote]) == 1
            out, err = capsys.readouterr()
            assert "1 already archived, 1 failed." in out
            assert "line 2: http://localhost/nope cannot be archived" in err

            assert main(["submit", post.url, "--server", server, "--key", "arch_wrong"]) == 1
            err = capsys.readouterr().err.strip()
            assert err.startswith(f"archiver: {server} refused the key") and "\n" not in err
            assert main(["submit", post.url, "--server", server]) == 2
            assert "needs an API key" in capsys.readouterr().err
