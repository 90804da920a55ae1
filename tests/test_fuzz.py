"""Contract fuzzing: Schemathesis makes requests from the app's own ``/openapi.json``, valid and
not, and checks every answer against it: no 5xx, every error under ``/api/`` is problem+json
with ``type``, ``title``, ``status`` and ``detail``, and each status, content type, header and
body is one the document declares (SPEC §5).

The app runs in-process (ASGI) on a seeded SQLite archive whose artifacts really are stored,
with real API keys (a submitter's; an admin's for the webhooks), so writes run too; generated
paths and the oEmbed ``url`` often name what is archived, so answers other than 404 are
checked as well. Nothing leaves the machine: the outbound gate refuses private addresses and
resolves every name to a refused one, and an article URL naming an address is given as text
rather than fetched.

The run is deterministic (``derandomize``): ``ARCHIVER_FUZZ_EXAMPLES=500`` and
``ARCHIVER_FUZZ_RANDOM=1`` search further and afresh.
"""

from __future__ import annotations

import os
import shutil
import string
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import Engine, select

from archiver.api.app import create_app
from archiver.api.routes import snapshots as snapshot_routes
from archiver.config import Settings, load_settings
from archiver.db import repository
from archiver.db.models import Article, Check, Quote, Snapshot
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import ApiKeyRole, HttpExchange
from archiver.egress import Egress
from archiver.storage import LocalBlobStore
from archiver.warc import build_warc
from tests.conftest import make_key
from tests.test_pages import NOON, seed

#: Schemathesis gives every operation's test one ID, which pytest-xdist would run once: this file
#: runs alone, after the parallel run (see the Makefile).
pytestmark = pytest.mark.serial

#: Examples per API operation in the fuzzing phase: the whole file runs in about 15 s.
MAX_EXAMPLES = int(os.environ.get("ARCHIVER_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("ARCHIVER_FUZZ_RANDOM") == "1"
PROBLEM_FIELDS = {"type": str, "title": str, "status": int, "detail": str}
POST_URL = "https://x.com/councilwatch/status/1785"


async def _refused_everywhere(host: str, port: int) -> list[str]:
    """Every name resolves to TEST-NET-1, which the gate refuses: no connection is tried."""
    return ["192.0.2.1"]


def _names_a_host(url: object) -> bool:
    """Whether the gate would read ``url``'s host as a name (to resolve), not an address."""
    try:
        host = httpx.URL(url).host if isinstance(url, str) else ""
    except (httpx.InvalidURL, TypeError, ValueError):
        return True  # the gate cannot read it either: refused before anything is sent
    last = host.rstrip(".").rsplit(".", 1)[-1]
    return bool(last) and all(char in string.ascii_letters for char in last)


def _offline(body: Any) -> Any:
    """An article given by a URL naming an address (``1.1.1.1``, ``16843009``, ``[::1]``: no
    name to resolve) is given as text instead, so no URL made up here is ever connected to."""
    if not isinstance(body, dict) or body.get("html") is not None or body.get("text") is not None:
        return body
    if _names_a_host(body.get("url")):
        return body
    return {**body, "text": "given, not fetched"}


def _png() -> bytes:
    """A grey PNG of one pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _store_artifacts(
    engine: Engine, app_settings: Settings, snapshot_id: str
) -> dict[str, list[str]]:
    """Give the seeded archive what a capture would have stored (the first snapshot's raw body,
    WARC, screenshot and photo; a check's WARC; the article's page) and a webhook; return
    the IDs and hashes generated paths should name, by parameter."""
    raw = b'{"text": "The river budget vote is on Tuesday."}'
    exchange = HttpExchange(
        method="GET", url="https://api.x.com/2/tweets/1785", request_headers=(),
        status=200, reason="OK", response_headers=(("Content-Type", "application/json"),),
        body=raw, http_version="HTTP/1.1", ip_address="203.0.113.7", started_at=NOON,
        elapsed_ms=12.0,
    )  # fmt: skip
    blobs = LocalBlobStore(app_settings.data_dir / "blobs")
    warc = blobs.put(build_warc([exchange], software="tests")).sha256
    photo = blobs.put(b"\xff\xd8\xff\xe0 a photo").sha256
    with transaction(create_session_factory(engine, write=True)) as session:
        snapshot = session.get(Snapshot, snapshot_id)
        assert snapshot is not None
        snapshot.raw_sha256, snapshot.warc_sha256 = blobs.put(raw).sha256, warc
        snapshot.screenshot_sha256 = LocalBlobStore(app_settings.screenshots_dir).put(_png()).sha256
        snapshot.media = [{"type": "photo", "url": "https://pbs.example/1.jpg", "sha256": photo}]
        check = session.scalars(select(Check).where(Check.post_id == snapshot.post_id)).first()
        assert check is not None
        check.warc_sha256 = warc
        article = session.scalars(select(Article)).one()
        article.raw_sha256 = blobs.put(b"<p>The river budget vote is on Tuesday.</p>").sha256
        article.raw_content_type = "text/html; charset=utf-8"
        quotes = session.scalars(select(Quote.id).where(Quote.article_id == article.id)).all()
        webhook = repository.add_webhook(
            session=session, url="https://hooks.example.com/in", secret="s" * 16,
            kinds=["*"], created_by=None, now=NOON,
        )  # fmt: skip
        return {
            "check_id": [check.id],
            "sha256": [photo],
            "quote_id": list(quotes),
            "webhook_id": [webhook.id],
        }


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI document (building it touches no database and no file)."""
    app = create_app(load_settings(database_url="sqlite://"))
    document: dict[str, Any] = app.openapi()
    app.state.engine.dispose()
    return document


schema = schemathesis.openapi.from_dict(_openapi())
#: What the seeded archive holds, by parameter name: generated requests name it often.
KNOWN: dict[str, list[str]] = {}


def _sometimes_known(values: dict[str, Any] | None) -> Any:
    if not values:
        return st.just(values)
    return st.fixed_dictionaries(
        {name: st.sampled_from([value, *KNOWN.get(name, [])]) for name, value in values.items()}
    )


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    return _sometimes_known(path_parameters)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    if context.operation.path != "/oembed":
        return st.just(query)
    return _sometimes_known(query)


@schema.hook
def map_body(context: Any, body: Any) -> Any:
    if context.operation.method == "post" and context.operation.path == "/api/v1/articles":
        return _offline(body)
    return body


@schema.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """oEmbed answers a format it does not offer with 501, as its spec (§2.3.4) asks."""
    return not (case.path == "/oembed" and response.status_code == 501)


@pytest.fixture
def app(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FastAPI]:
    """The app on a seeded archive of its own; outbound requests refused."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(snapshot_routes, "WAIT_SECONDS", 0.5)  # no worker runs: ?wait=true
    database = tmp_path / "archive.db"
    shutil.copyfile(sqlite_template, database)
    app_settings = load_settings(
        database_url=f"sqlite:///{database}",
        data_dir=tmp_path / "data",
        screenshots_dir=tmp_path / "screenshots",
        allow_private_addresses=False,
        upstream_overrides={},
        write_rate_limit="0",  # the fuzzer writes faster than a key may
    )
    engine = create_db_engine(app_settings.database_url)
    seeded = seed(engine)
    stored = _store_artifacts(engine, app_settings, seeded.first)
    keys = {
        "submitter": {"Authorization": f"Bearer {make_key(engine)}"},
        "admin": {"Authorization": f"Bearer {make_key(engine, ApiKeyRole.ADMIN)}"},
    }
    engine.dispose()
    KNOWN.clear()
    KNOWN.update(
        stored,
        post_id=[seeded.post, seeded.pending, seeded.hostile],
        snapshot_id=[seeded.first, seeded.second, seeded.hostile_snapshot],
        article_id=[seeded.article],
        original=[POST_URL, "x.com/councilwatch/status/1785"],
        url=[POST_URL, f"http://testserver/s/{seeded.first}"],
        format=["json"],
    )
    built = create_app(app_settings)
    built.state.egress = Egress(app_settings, resolver=_refused_everywhere, timeout=2.0)
    built.state.fuzz_keys = keys
    yield built
    asgi.shutdown_lifespans()  # the app's lifespan, started by its first request


def problem_details(ctx: Any, response: Any, case: Any) -> bool:
    """Every 4xx and 5xx under ``/api/`` is RFC 9457 problem+json with its four members."""
    if response.status_code < 400 or not case.path.startswith("/api/"):
        return True
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.split(";")[0] == "application/problem+json", content_type
    body = response.json()
    for name, kind in PROBLEM_FIELDS.items():
        assert isinstance(body.get(name), kind), f"{name} missing in {body}"
    assert body["status"] == response.status_code
    return True


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_openapi_contract(case: Any, app: FastAPI) -> None:
    """Generated requests, valid and not, to every operation: no 5xx, problem+json errors,
    answers as documented."""
    role = "admin" if case.path.startswith("/api/v1/webhooks") else "submitter"
    operations = case.operation.schema
    operations.app = app  # the checks' own probes (no key, other methods) go in-process too
    # A key on every request, but for the cases meant to go without one.
    headers = None if operations.is_security_param_negated(case) else app.state.fuzz_keys[role]
    case.call_and_validate(
        app=app,
        headers=headers,
        additional_checks=[problem_details],
        # What the schema cannot say (a URL of a supported platform, a cursor this API issued,
        # an RFC 1123 date) is refused with a clear 4xx, as SPEC §7 asks: not a failure.
        excluded_checks=[positive_data_acceptance],
    )
