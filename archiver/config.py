"""Settings, read from ``ARCHIVER_*`` environment variables and a ``.env`` file (SPEC §3).

Build them with :func:`load_settings` (or ``Settings()``) in a driver and pass them down;
nothing reads the environment at import time.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import SplitResult, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from archiver.errors import ConfigError
from archiver.units import Rate, parse_duration, parse_rate, parse_schedule, parse_size

#: The services ``ARCHIVER_CORROBORATE`` may name: each is asked for a copy of its own of every
#: new snapshot's post (``archiver.services.corroboration``).
CORROBORATION_SERVICES = ("wayback",)
#: Where the Internet Archive hands out the keys ``ARCHIVER_WAYBACK_KEYS`` holds.
WAYBACK_KEYS_PAGE = "https://archive.org/account/s3.php"


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every setting Archiver reads; the README's configuration table lists each one."""

    model_config = SettingsConfigDict(
        env_prefix="ARCHIVER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        # A value that fails is never repeated in an error: some are secrets.
        hide_input_in_errors=True,
    )

    database_url: str = Field(
        "sqlite:///data/archive.db", description="any SQLAlchemy URL; PostgreSQL for scale"
    )
    screenshots_dir: Path = Field(Path("screenshots"), description="where PNGs go")
    data_dir: Path = Field(Path("data"), description="raw bodies, WARCs, the SQLite file")
    chromium: Path | None = Field(None, description="path of the Chromium executable")
    upstream_overrides: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, description="ORIGIN=ORIGIN,... rewrites of outbound origins"
    )
    allow_private_addresses: bool = Field(
        False, description="allow outbound requests to loopback/private ranges"
    )
    recheck_schedule: Annotated[tuple[timedelta, ...], NoDecode] = Field(
        parse_schedule("10m,1h,6h,1d,3d,7d"),
        description="offsets from the first capture; the last interval repeats",
    )
    deletion_confirmations: int = Field(2, ge=1, description="gone observations to confirm")
    confirm_after: timedelta = Field(timedelta(minutes=10), description="confirmation span")
    capture_concurrency: int = Field(4, ge=1, description="browser pages at once")
    check_concurrency: int = Field(32, ge=1, description="upstream requests at once")
    screenshots: bool = Field(True, description="false captures data without screenshots")
    media_max_bytes: int = Field(100 * 10**6, ge=0, description="largest media file fetched")
    media_recheck: bool = Field(
        True, description="re-checks ask for a post's photos again, to catch one replaced in place"
    )
    phash_max_distance: int = Field(
        10, ge=0, le=64, description="perceptual-hash bits by which one picture may differ"
    )
    anomaly_min_posts: int = Field(5, ge=1, description="anomaly guard: distinct gone posts")
    anomaly_share: float = Field(0.5, gt=0, le=1, description="anomaly guard: share of checks")
    canary_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="known-live posts fetched before a deletion is confirmed"
    )
    storage_url: str | None = Field(None, description="s3://bucket/prefix for artifacts")
    s3_endpoint_url: str | None = Field(
        None, description="the S3 API of a store other than AWS (MinIO, Ceph, R2…)"
    )
    s3_region: str | None = Field(None, description="the bucket's region")
    s3_access_key_id: str | None = Field(None, description="S3 access key (else boto3's chain)")
    s3_secret_access_key: SecretStr | None = Field(None, description="its secret")
    write_rate_limit: Annotated[Rate | None, NoDecode] = Field(
        Rate(600, timedelta(minutes=1)), description="writes per API key (0: no limit)"
    )
    tsa_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="RFC 3161 Time-Stamp Authorities every snapshot is timestamped by"
    )
    tsa_ca_file: Path | None = Field(
        None, description="PEM roots a TSA's signing certificate must chain to (else certifi's)"
    )
    corroborate: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="services asked for an independent copy of each new snapshot's post"
    )
    wayback_keys: SecretStr | None = Field(
        None, description="the Internet Archive's S3-style keys, ACCESS:SECRET (Save Page Now)"
    )

    @field_validator("upstream_overrides", mode="before")
    @classmethod
    def _parse_overrides(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        overrides: dict[str, str] = {}
        for pair in _split_list(value):
            source, sep, target = pair.partition("=")
            if not sep or not _is_origin(source.strip()) or not _is_origin(target.strip()):
                raise ValueError(
                    f"{pair!r} is not ORIGIN=ORIGIN, like https://cdn.example=http://127.0.0.1:9100"
                )
            overrides[source.strip().rstrip("/").lower()] = target.strip().rstrip("/")
        return overrides

    @field_validator("recheck_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: Any) -> Any:
        return parse_schedule(value) if isinstance(value, str) else value

    @field_validator("confirm_after", mode="before")
    @classmethod
    def _parse_duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("media_max_bytes", mode="before")
    @classmethod
    def _parse_size(cls, value: Any) -> Any:
        return parse_size(value) if isinstance(value, str) else value

    @field_validator("write_rate_limit", mode="before")
    @classmethod
    def _parse_rate(cls, value: Any) -> Any:
        return parse_rate(value) if isinstance(value, str) else value

    @field_validator("canary_urls", "tsa_urls", "corroborate", mode="before")
    @classmethod
    def _parse_list(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("tsa_urls")
    @classmethod
    def _check_tsa_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not _is_http_url(url):
                raise ValueError(f"{url!r} is not an http(s) URL like https://freetsa.org/tsr")
        return tuple(dict.fromkeys(value))

    @field_validator("corroborate")
    @classmethod
    def _check_corroborate(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wanted = tuple(dict.fromkeys(service.lower() for service in value))
        for service in wanted:
            if service not in CORROBORATION_SERVICES:
                known = ", ".join(CORROBORATION_SERVICES)
                raise ValueError(f"{service!r} is not a corroboration service; use {known}")
        return wanted

    @field_validator("wayback_keys")
    @classmethod
    def _check_wayback_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        access, sep, secret = value.get_secret_value().partition(":")
        if not sep or not access or not secret or ":" in secret or _has_space(access + secret):
            raise ValueError(
                "it must be ACCESS:SECRET, the Internet Archive's two S3-style keys "
                f"({WAYBACK_KEYS_PAGE}) joined by a colon"
            )
        return value

    @model_validator(mode="after")
    def _wayback_needs_keys(self) -> Settings:
        if "wayback" in self.corroborate and self.wayback_keys is None:
            raise ValueError(
                "ARCHIVER_CORROBORATE=wayback needs ARCHIVER_WAYBACK_KEYS: the Internet "
                f"Archive's S3-style keys as ACCESS:SECRET, from {WAYBACK_KEYS_PAGE}"
            )
        return self

    @field_validator(
        "chromium",
        "tsa_ca_file",
        "storage_url",
        "s3_endpoint_url",
        "s3_region",
        "s3_access_key_id",
        "s3_secret_access_key",
        "wayback_keys",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("storage_url")
    @classmethod
    def _check_storage_url(cls, value: str | None) -> str | None:
        if value is not None:
            split_storage_url(value)
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is not None and not _is_origin(value):
            raise ValueError(f"{value!r} is not an http(s) address like http://127.0.0.1:9000")
        return value.rstrip("/") if value is not None else None

    @property
    def signing_key_file(self) -> Path:
        """The archive's WACZ signing key (``archiver.signing``), made on first use."""
        return self.data_dir / "signing-key.pem"

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (one worker process; WAL; file under ``data_dir``)."""
        return self.database_url.startswith("sqlite")


_BUCKET = re.compile(r"[a-z0-9][a-z0-9._-]{1,253}[a-z0-9]", re.IGNORECASE)


def split_storage_url(url: str) -> tuple[str, str]:
    """The bucket and key prefix (no slash at either end; may be empty) of an
    ``s3://bucket[/prefix]`` storage URL; ``ValueError`` saying the form for any other."""
    scheme, sep, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    if (
        scheme.lower() != "s3"
        or not sep
        or not _BUCKET.fullmatch(bucket)
        or any(mark in rest for mark in "?#\\")
        or any(part in {"", ".", ".."} for part in prefix.split("/") if prefix)
    ):
        raise ValueError(f"{url!r} is not s3://bucket or s3://bucket/prefix")
    return bucket, prefix


def _split_http(text: str) -> SplitResult | None:
    """The parts of an ``http``/``https`` URL with a host, no user name or password and no
    fragment; ``None`` for anything else."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if (
        parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or "@" in parts.netloc
        or parts.fragment
    ):
        return None
    return parts


def _has_space(text: str) -> bool:
    return any(char.isspace() for char in text)


def _is_http_url(text: str) -> bool:
    """An ``http``/``https`` URL (see ``_split_http``) without spaces."""
    return _split_http(text) is not None and not _has_space(text)


def _is_origin(text: str) -> bool:
    """``scheme://host[:port]`` with nothing after it but an optional slash."""
    parts = _split_http(text)
    return parts is not None and parts.path in {"", "/"} and not parts.query


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (and ``overrides``), or raise one clear ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # settings that do not fit together: the message names them
            raise ConfigError(f"{message}.") from exc
        name = "ARCHIVER_" + str(first["loc"][0]).upper()
        raise ConfigError(f"{name} is not valid: {message}") from exc


def setting_names() -> list[str]:
    """Every environment variable name Archiver reads, for docs and checks."""
    return ["ARCHIVER_" + name.upper() for name in Settings.model_fields]
