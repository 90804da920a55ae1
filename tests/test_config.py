"""Settings read from ``ARCHIVER_*`` environment variables and a ``.env`` file (SPEC §3)."""

from __future__ import annotations

import importlib
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import archiver
import archiver.config
from archiver.config import Settings, load_settings, setting_names
from archiver.errors import ConfigError
from archiver.units import Rate

# The variables in SPEC §3's table, in its order.
SPEC_NAMES = [
    "ARCHIVER_DATABASE_URL",
    "ARCHIVER_SCREENSHOTS_DIR",
    "ARCHIVER_DATA_DIR",
    "ARCHIVER_CHROMIUM",
    "ARCHIVER_UPSTREAM_OVERRIDES",
    "ARCHIVER_ALLOW_PRIVATE_ADDRESSES",
    "ARCHIVER_RECHECK_SCHEDULE",
    "ARCHIVER_DELETION_CONFIRMATIONS",
    "ARCHIVER_CONFIRM_AFTER",
    "ARCHIVER_CAPTURE_CONCURRENCY",
    "ARCHIVER_CHECK_CONCURRENCY",
    "ARCHIVER_SCREENSHOTS",
    "ARCHIVER_MEDIA_MAX_BYTES",
    "ARCHIVER_ANOMALY_MIN_POSTS",
    "ARCHIVER_ANOMALY_SHARE",
    "ARCHIVER_CANARY_URLS",
    "ARCHIVER_STORAGE_URL",
]
# Settings beyond SPEC §3's table (documented in the README's).
EXTRA_NAMES = [
    "ARCHIVER_WRITE_RATE_LIMIT",
    # Reaching an S3-compatible store other than AWS, with credentials of its own.
    "ARCHIVER_S3_ENDPOINT_URL",
    "ARCHIVER_S3_REGION",
    "ARCHIVER_S3_ACCESS_KEY_ID",
    "ARCHIVER_S3_SECRET_ACCESS_KEY",
    # RFC 3161 trusted timestamps of every snapshot (issue 11).
    "ARCHIVER_TSA_URLS",
    "ARCHIVER_TSA_CA_FILE",
    # Perceptual hashes: photos asked for again on re-checks, and how near is one picture.
    "ARCHIVER_MEDIA_RECHECK",
    "ARCHIVER_PHASH_MAX_DISTANCE",
    # Independent copies by the Internet Archive's Save Page Now (issue 11).
    "ARCHIVER_CORROBORATE",
    "ARCHIVER_WAYBACK_KEYS",
]

OVERRIDES = (
    "https://cdn.syndication.twimg.com=http://127.0.0.1:9100,"
    "https://public.api.bsky.app=http://127.0.0.1:9101"
)
CANARIES = "https://x.com/jack/status/20,https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l"

# One non-default value per variable: (variable, raw value, attribute, parsed value).
NON_DEFAULTS: list[tuple[str, str, str, Any]] = [
    (
        "ARCHIVER_DATABASE_URL",
        "postgresql+psycopg://archiver@db/archive",
        "database_url",
        "postgresql+psycopg://archiver@db/archive",
    ),
    ("ARCHIVER_SCREENSHOTS_DIR", "/srv/shots", "screenshots_dir", Path("/srv/shots")),
    ("ARCHIVER_DATA_DIR", "/srv/data", "data_dir", Path("/srv/data")),
    ("ARCHIVER_CHROMIUM", "/opt/chromium/chrome", "chromium", Path("/opt/chromium/chrome")),
    (
        "ARCHIVER_UPSTREAM_OVERRIDES",
        OVERRIDES,
        "upstream_overrides",
        {
            "https://cdn.syndication.twimg.com": "http://127.0.0.1:9100",
            "https://public.api.bsky.app": "http://127.0.0.1:9101",
        },
    ),
    ("ARCHIVER_ALLOW_PRIVATE_ADDRESSES", "true", "allow_private_addresses", True),
    (
        "ARCHIVER_RECHECK_SCHEDULE",
        "1m,5m",
        "recheck_schedule",
        (timedelta(minutes=1), timedelta(minutes=5)),
    ),
    ("ARCHIVER_DELETION_CONFIRMATIONS", "3", "deletion_confirmations", 3),
    ("ARCHIVER_CONFIRM_AFTER", "30s", "confirm_after", timedelta(seconds=30)),
    ("ARCHIVER_CAPTURE_CONCURRENCY", "1", "capture_concurrency", 1),
    ("ARCHIVER_CHECK_CONCURRENCY", "64", "check_concurrency", 64),
    ("ARCHIVER_SCREENSHOTS", "false", "screenshots", False),
    ("ARCHIVER_MEDIA_MAX_BYTES", "5MiB", "media_max_bytes", 5 * 1024**2),
    ("ARCHIVER_MEDIA_RECHECK", "false", "media_recheck", False),
    ("ARCHIVER_PHASH_MAX_DISTANCE", "6", "phash_max_distance", 6),
    ("ARCHIVER_ANOMALY_MIN_POSTS", "10", "anomaly_min_posts", 10),
    ("ARCHIVER_ANOMALY_SHARE", "0.25", "anomaly_share", 0.25),
    (
        "ARCHIVER_CANARY_URLS",
        CANARIES,
        "canary_urls",
        (
            "https://x.com/jack/status/20",
            "https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l",
        ),
    ),
    ("ARCHIVER_STORAGE_URL", "s3://archive/artifacts", "storage_url", "s3://archive/artifacts"),
    (
        "ARCHIVER_S3_ENDPOINT_URL",
        "http://127.0.0.1:9000/",
        "s3_endpoint_url",
        "http://127.0.0.1:9000",
    ),
    ("ARCHIVER_S3_REGION", "eu-central-1", "s3_region", "eu-central-1"),
    ("ARCHIVER_S3_ACCESS_KEY_ID", "archiver", "s3_access_key_id", "archiver"),
    (
        "ARCHIVER_S3_SECRET_ACCESS_KEY",
        "not-a-real-secret",
        "s3_secret_access_key",
        SecretStr("not-a-real-secret"),
    ),
    ("ARCHIVER_WRITE_RATE_LIMIT", "50/10m", "write_rate_limit", Rate(50, timedelta(minutes=10))),
    (
        "ARCHIVER_TSA_URLS",
        " https://freetsa.org/tsr , http://timestamp.digicert.com,,https://freetsa.org/tsr",
        "tsa_urls",
        ("https://freetsa.org/tsr", "http://timestamp.digicert.com"),
    ),
    (
        "ARCHIVER_TSA_CA_FILE",
        "/etc/archiver/tsa-roots.pem",
        "tsa_ca_file",
        Path("/etc/archiver/tsa-roots.pem"),
    ),
    ("ARCHIVER_CORROBORATE", " Wayback ", "corroborate", ("wayback",)),
    ("ARCHIVER_WAYBACK_KEYS", "k3yacc3ss:s3cr3t", "wayback_keys", SecretStr("k3yacc3ss:s3cr3t")),
]
#: Variables that need another one set beside them to be valid.
COMPANIONS = {"ARCHIVER_CORROBORATE": ("ARCHIVER_WAYBACK_KEYS", "k3yacc3ss:s3cr3t")}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run each test with no ``ARCHIVER_*`` variables, in an empty folder (so no stray .env)."""
    for name in list(os.environ):
        if name.upper().startswith("ARCHIVER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_match_the_spec() -> None:
    """With no variables set, every setting has SPEC §3's default."""
    settings = load_settings()
    assert settings.database_url == "sqlite:///data/archive.db"
    assert settings.screenshots_dir == Path("screenshots")
    assert settings.data_dir == Path("data")
    assert settings.chromium is None
    assert settings.upstream_overrides == {}
    assert settings.allow_private_addresses is False
    assert settings.recheck_schedule == (
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=1),
        timedelta(days=3),
        timedelta(days=7),
    )
    assert settings.deletion_confirmations == 2
    assert settings.confirm_after == timedelta(minutes=10)
    assert settings.capture_concurrency == 4
    assert settings.check_concurrency == 32
    assert settings.screenshots is True
    assert settings.media_max_bytes == 100_000_000
    assert settings.anomaly_min_posts == 5
    assert settings.anomaly_share == 0.5
    assert settings.canary_urls == ()
    assert settings.storage_url is None
    assert settings.write_rate_limit == Rate(600, timedelta(minutes=1))


def test_default_schedule_has_six_offsets_starting_at_ten_minutes() -> None:
    """The default re-check schedule has six offsets, the first ten minutes."""
    schedule = load_settings().recheck_schedule
    assert len(schedule) == 6
    assert schedule[0] == timedelta(minutes=10)


def test_default_database_is_sqlite() -> None:
    """The default database URL is recognised as SQLite."""
    assert load_settings().is_sqlite is True


@pytest.mark.parametrize(
    ("variable", "raw", "attribute", "expected"),
    NON_DEFAULTS,
    ids=[row[0] for row in NON_DEFAULTS],
)
def test_each_variable_is_read(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, attribute: str, expected: Any
) -> None:
    """A non-default value in an ARCHIVER_* variable arrives parsed in its setting."""
    assert getattr(load_settings(), attribute) != expected
    monkeypatch.setenv(variable, raw)
    if variable in COMPANIONS:
        monkeypatch.setenv(*COMPANIONS[variable])
    assert getattr(load_settings(), attribute) == expected


def test_every_setting_is_covered_by_the_table() -> None:
    """The table of non-default values names every setting exactly once."""
    assert sorted(row[0] for row in NON_DEFAULTS) == sorted(setting_names())


def test_all_variables_together_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """All ARCHIVER_* variables set at once each arrive in their setting."""
    for variable, raw, _, _ in NON_DEFAULTS:
        monkeypatch.setenv(variable, raw)
    settings = load_settings()
    for _, _, attribute, expected in NON_DEFAULTS:
        assert getattr(settings, attribute) == expected, attribute
    assert settings.is_sqlite is False


def test_variable_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable name written in lower case is read too."""
    monkeypatch.setenv("archiver_check_concurrency", "7")
    assert load_settings().check_concurrency == 7


def test_upstream_overrides_normalise_the_source_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Override sources are lower-cased and lose their trailing slash; targets lose theirs."""
    monkeypatch.setenv(
        "ARCHIVER_UPSTREAM_OVERRIDES",
        " HTTPS://CDN.Syndication.Twimg.com/ = http://127.0.0.1:9100/ ,"
        "https://Public.API.bsky.app=http://127.0.0.1:9101",
    )
    overrides = load_settings().upstream_overrides
    assert overrides == {
        "https://cdn.syndication.twimg.com": "http://127.0.0.1:9100",
        "https://public.api.bsky.app": "http://127.0.0.1:9101",
    }
    assert len(overrides) == 2


def test_canary_urls_skip_blank_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank items and spaces in the canary list are dropped."""
    monkeypatch.setenv("ARCHIVER_CANARY_URLS", " https://a.example/1 ,, https://b.example/2 ,")
    assert load_settings().canary_urls == ("https://a.example/1", "https://b.example/2")


@pytest.mark.parametrize("variable", ["ARCHIVER_CHROMIUM", "ARCHIVER_STORAGE_URL"])
def test_an_empty_optional_path_means_none(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    """An empty ARCHIVER_CHROMIUM or ARCHIVER_STORAGE_URL means not set."""
    monkeypatch.setenv(variable, "")
    settings = load_settings()
    assert settings.chromium is None
    assert settings.storage_url is None


@pytest.mark.parametrize(
    "value",
    ["ftp://tsa.example/tsr", "freetsa.org/tsr", "https://user:pw@tsa.example/", "https://"],
)
def test_a_tsa_url_that_is_not_http_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """Each TSA must be an http(s) URL with a host and no credentials; the message names it."""
    monkeypatch.setenv("ARCHIVER_TSA_URLS", f"https://freetsa.org/tsr,{value}")
    with pytest.raises(
        ConfigError, match=r"ARCHIVER_TSA_URLS is not valid: .* is not an http\(s\) URL"
    ):
        load_settings()


def test_an_empty_canary_list_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty ARCHIVER_CANARY_URLS gives no canaries."""
    monkeypatch.setenv("ARCHIVER_CANARY_URLS", "")
    assert load_settings().canary_urls == ()


def test_dotenv_in_the_working_directory_is_read(clean_environment: Path) -> None:
    """A .env file in the working directory supplies settings."""
    (clean_environment / ".env").write_text(
        "ARCHIVER_DATABASE_URL=postgresql://archiver@localhost/archive\n"
        "ARCHIVER_RECHECK_SCHEDULE=1m,5m\n"
        "ARCHIVER_MEDIA_MAX_BYTES=5MiB\n"
        "ARCHIVER_SOMETHING_UNKNOWN=ignored\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.database_url == "postgresql://archiver@localhost/archive"
    assert settings.recheck_schedule == (timedelta(minutes=1), timedelta(minutes=5))
    assert settings.media_max_bytes == 5 * 1024**2


def test_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    """A variable in the environment wins over the same one in .env."""
    (clean_environment / ".env").write_text("ARCHIVER_CHECK_CONCURRENCY=8\n", encoding="utf-8")
    monkeypatch.setenv("ARCHIVER_CHECK_CONCURRENCY", "16")
    assert load_settings().check_concurrency == 16


def test_bad_value_in_dotenv_is_reported_by_name(clean_environment: Path) -> None:
    """A bad value in .env raises ConfigError naming the variable."""
    (clean_environment / ".env").write_text("ARCHIVER_CONFIRM_AFTER=soon\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^ARCHIVER_CONFIRM_AFTER is not valid"):
        load_settings()


def test_importing_config_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing archiver.config with a bad variable set raises nothing until load_settings()."""
    monkeypatch.setenv("ARCHIVER_CONFIRM_AFTER", "soon")
    original = archiver.config
    # Import a fresh copy; monkeypatch puts the original module back afterwards.
    monkeypatch.setattr(archiver, "config", original)
    monkeypatch.delitem(sys.modules, "archiver.config")
    fresh = importlib.import_module("archiver.config")
    assert fresh is not original
    with pytest.raises(ConfigError, match=r"^ARCHIVER_CONFIRM_AFTER is not valid"):
        fresh.load_settings()


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("ARCHIVER_CONFIRM_AFTER", "soon"),
        ("ARCHIVER_UPSTREAM_OVERRIDES", "nonsense"),
        ("ARCHIVER_UPSTREAM_OVERRIDES", "ftp://a.example=http://127.0.0.1:9100"),
        ("ARCHIVER_UPSTREAM_OVERRIDES", "https://a.example="),
        ("ARCHIVER_UPSTREAM_OVERRIDES", "https://a.example/path=http://127.0.0.1:9100"),
        ("ARCHIVER_UPSTREAM_OVERRIDES", "https://a.example=http://127.0.0.1:port"),
        ("ARCHIVER_ANOMALY_SHARE", "2"),
        ("ARCHIVER_ANOMALY_SHARE", "0"),
        ("ARCHIVER_DELETION_CONFIRMATIONS", "0"),
        ("ARCHIVER_CAPTURE_CONCURRENCY", "0"),
        ("ARCHIVER_CHECK_CONCURRENCY", "many"),
        ("ARCHIVER_ANOMALY_MIN_POSTS", "0"),
        ("ARCHIVER_RECHECK_SCHEDULE", "1h,10m"),
        ("ARCHIVER_RECHECK_SCHEDULE", "0s"),
        ("ARCHIVER_MEDIA_MAX_BYTES", "lots"),
        ("ARCHIVER_PHASH_MAX_DISTANCE", "65"),
        ("ARCHIVER_MEDIA_RECHECK", "sometimes"),
        ("ARCHIVER_SCREENSHOTS", "perhaps"),
        ("ARCHIVER_ALLOW_PRIVATE_ADDRESSES", "perhaps"),
        ("ARCHIVER_WRITE_RATE_LIMIT", "lots"),
        ("ARCHIVER_WRITE_RATE_LIMIT", "10/fortnight"),
        ("ARCHIVER_WRITE_RATE_LIMIT", "-5/min"),
        ("ARCHIVER_CORROBORATE", "archive.today"),
        ("ARCHIVER_WAYBACK_KEYS", "only-one-key"),
    ],
)
def test_bad_value_raises_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str
) -> None:
    """A bad value raises ConfigError whose message starts with the variable's name."""
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable} is not valid: ")
    assert "Value error" not in message
    assert "\n" not in message


def test_config_error_explains_the_expected_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ConfigError for a bad duration says how a duration is written."""
    monkeypatch.setenv("ARCHIVER_CONFIRM_AFTER", "soon")
    with pytest.raises(ConfigError, match=r"'soon' is not a duration.*10m"):
        load_settings()


def test_overrides_passed_to_load_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyword arguments to load_settings override the environment."""
    monkeypatch.setenv("ARCHIVER_CHECK_CONCURRENCY", "16")
    assert load_settings(check_concurrency=3).check_concurrency == 3


def test_bad_keyword_override_raises_config_error() -> None:
    """A bad keyword argument to load_settings raises ConfigError naming the variable."""
    with pytest.raises(ConfigError, match=r"^ARCHIVER_DELETION_CONFIRMATIONS is not valid"):
        load_settings(deletion_confirmations=0)


def test_settings_are_frozen() -> None:
    """Settings cannot be changed after they are built."""
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.check_concurrency = 1  # type: ignore[misc]
    assert settings.check_concurrency == 32


def test_setting_names_lists_every_variable() -> None:
    """setting_names() lists every ARCHIVER_* variable SPEC §3 documents, and the extras."""
    names = setting_names()
    assert sorted(names) == sorted(SPEC_NAMES + EXTRA_NAMES)
    assert len(names) == len(set(names)) == len(Settings.model_fields)
