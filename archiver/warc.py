"""WARC/1.1 records of every upstream exchange of a capture (warcio).

Each capture becomes one gzipped WARC: a ``warcinfo`` record naming the software, then a
``request`` and a ``response`` record per HTTP exchange (redirect hops included, in order).
``WARC-Target-URI`` is the platform's real URL even when an upstream override sent the
connection elsewhere; ``WARC-IP-Address`` is the address actually connected to.

Bodies arrive already decoded by the HTTP client, so ``Content-Encoding`` and
``Transfer-Encoding`` are renamed ``X-Archiver-Orig-…`` and ``Content-Length`` is set to the
stored body: the record then replays exactly the bytes we hashed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC
from io import BytesIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archiver.domain import HttpExchange

_RENAMED = {"content-encoding", "transfer-encoding"}


def flatten(exchanges: Iterable[HttpExchange]) -> Iterator[HttpExchange]:
    """Every exchange with its redirect hops first, in the order they happened."""
    for exchange in exchanges:
        yield from flatten(exchange.redirects)
        yield exchange


def _response_headers(exchange: HttpExchange) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for name, value in exchange.response_headers:
        lowered = name.lower()
        if lowered in _RENAMED:
            headers.append((f"X-Archiver-Orig-{name}", value))
        elif lowered != "content-length":
            headers.append((name, value))
    headers.append(("Content-Length", str(len(exchange.body))))
    return headers


def _request_line(exchange: HttpExchange) -> str:
    parts = urlsplit(exchange.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return f"{exchange.method} {target} {exchange.http_version or 'HTTP/1.1'}"


def build_warc(
    exchanges: Iterable[HttpExchange], *, software: str, description: str | None = None
) -> bytes:
    """One gzipped WARC/1.1 file holding a request and a response record per exchange."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
    info = {"software": software, "format": "WARC File Format 1.1"}
    if description:
        info["description"] = description
    writer.write_record(writer.create_warcinfo_record("archiver.warc.gz", info))
    for exchange in flatten(exchanges):
        # warcio writes an aware time as ``…+00:00Z`` (not a WARC-Date): hand it naive UTC.
        started = exchange.started_at.astimezone(UTC).replace(tzinfo=None)
        date = datetime_to_iso_date(started, use_micros=True)
        common = {"WARC-Date": date}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=StatusAndHeaders(
                f"{exchange.status} {exchange.reason}".strip(),
                _response_headers(exchange),
                protocol=exchange.http_version or "HTTP/1.1",
            ),
            warc_headers_dict=dict(common),
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                _request_line(exchange),
                list(exchange.request_headers),
                is_http_request=True,
            ),
            warc_headers_dict={
                **common,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request)
        writer.write_record(response)
    return buffer.getvalue()
