"""Memento (RFC 7089): the TimeGate picks the snapshot closest to Accept-Datetime and the
TimeMaps list every snapshot, whatever form of the post's URL names it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.db import repository
from archiver.db.models import Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.services import memento, submissions

BASE = "http://testserver"
CANONICAL = "https://x.com/mayor/status/101"
T1 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)
T3 = T1 + timedelta(days=3)
IDS = ("AAAAAAAAAAA1", "AAAAAAAAAAA2", "AAAAAAAAAAA3")
LINKS = (
    f'<{CANONICAL}>; rel="original", '
    f'<{BASE}/timemap/link/{CANONICAL}>; rel="timemap"; type="application/link-format"'
)


def archive(engine: Engine, url: str, times: tuple[datetime, ...], ids: tuple[str, ...]) -> str:
    """Submit the post at ``url`` and give it one snapshot per time; returns its ID."""
    with transaction(create_session_factory(engine, write=True)) as session:
        post = submissions.submit_post(session=session, url=url, now=T1).post
        for snapshot_id, at in zip(ids, times, strict=True):
            snapshot = Snapshot(
                id=snapshot_id, post_id=post.id, captured_at=at, text="hi", software_version="t"
            )
            repository.add_snapshot(session=session, snapshot=snapshot)
        return post.id


@pytest.fixture
def three(engine: Engine) -> str:
    """A post on X with snapshots at T1, T2 and T3."""
    return archive(engine, CANONICAL, (T1, T2, T3), IDS)


def gate(client: TestClient, original: str, when: str | None = None) -> str:
    headers = {"Accept-Datetime": when} if when is not None else {}
    response = client.get(f"/timegate/{original}", headers=headers, follow_redirects=False)
    assert response.status_code == 302, response.text
    location: str = response.headers["location"]
    return location.removeprefix(f"{BASE}/s/")


def http(at: datetime) -> str:
    return at.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_timegate_without_accept_datetime_goes_to_the_latest(
    client: TestClient, three: str
) -> None:
    assert gate(client, CANONICAL) == IDS[2]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (T1 - timedelta(days=30), IDS[0]),  # before the first
        (T1, IDS[0]),  # exactly the first
        (T1 + timedelta(hours=11), IDS[0]),  # between, nearer the first
        (T1 + timedelta(hours=12), IDS[0]),  # a tie goes to the earlier
        (T1 + timedelta(hours=13), IDS[1]),  # between, nearer the second
        (T2 + timedelta(hours=47), IDS[2]),  # between the second and third, nearer the third
        (T3 + timedelta(days=300), IDS[2]),  # after the last
    ],
)
def test_timegate_redirects_to_the_closest_snapshot(
    client: TestClient, three: str, when: datetime, expected: str
) -> None:
    assert gate(client, CANONICAL, http(when)) == expected


def test_timegate_headers(client: TestClient, three: str) -> None:
    response = client.get(
        f"/timegate/{CANONICAL}",
        headers={"Accept-Datetime": http(T2)},
        follow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["location"] == f"{BASE}/s/{IDS[1]}"
    assert response.headers["vary"] == "accept-datetime"
    assert response.headers["link"] == LINKS


def test_timegate_answers_head_as_get(client: TestClient, three: str) -> None:
    """Memento clients often ask a TimeGate with HEAD: the same redirect and headers."""
    response = client.head(
        f"/timegate/{CANONICAL}",
        headers={"Accept-Datetime": http(T2)},
        follow_redirects=False,
    )
    assert response.status_code == 302 and response.content == b""
    assert response.headers["location"] == f"{BASE}/s/{IDS[1]}"
    assert response.headers["link"] == LINKS


@pytest.mark.parametrize(
    "original",
    [
        "https://twitter.com/mayor/status/101",
        "https://x.com/mayor/status/101?s=20",
        "https://mobile.twitter.com/Mayor/status/101/photo/1?s=20&t=abc",
        "https:/x.com/mayor/status/101",  # a proxy collapsed the //
        "x.com/i/web/status/101",
    ],
)
def test_timegate_knows_the_post_by_any_of_its_urls(
    client: TestClient, three: str, original: str
) -> None:
    response = client.get(
        f"/timegate/{original}", headers={"Accept-Datetime": http(T1)}, follow_redirects=False
    )
    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"{BASE}/s/{IDS[0]}"
    assert response.headers["link"] == LINKS  # always the canonical original


def test_timegate_for_mastodon_and_bluesky(client: TestClient, engine: Engine) -> None:
    archive(engine, "https://mastodon.social/@ana/109", (T1,), ("MMMMMMMMMMM1",))
    archive(engine, "https://bsky.app/profile/ana.bsky.social/post/3kabc", (T2,), ("BBBBBBBBBBB1",))
    assert gate(client, "https://mastodon.social/@ana/109") == "MMMMMMMMMMM1"
    assert gate(client, "https:/bsky.app/profile/ana.bsky.social/post/3kabc") == "BBBBBBBBBBB1"


def test_timegate_unknown_post_or_no_snapshot_is_404(client: TestClient, engine: Engine) -> None:
    archive(engine, "https://x.com/mayor/status/555", (), ())  # submitted, never captured
    for original in (
        "https://x.com/mayor/status/999",
        "https://x.com/mayor/status/555",
        "https://example.com/not-a-post",
    ):
        response = client.get(f"/timegate/{original}", follow_redirects=False)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("when", ["yesterday", "2026-07-01T12:00:00Z", ""])
def test_timegate_bad_accept_datetime_is_400(client: TestClient, three: str, when: str) -> None:
    response = client.get(
        f"/timegate/{CANONICAL}", headers={"Accept-Datetime": when}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "Accept-Datetime" in response.text and "RFC 1123" in response.text


def test_timemap_link_format(client: TestClient, three: str) -> None:
    response = client.get("/timemap/link/https://twitter.com/mayor/status/101?s=20")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/link-format"
    assert response.text.splitlines() == [
        f'<{CANONICAL}>; rel="original",',
        f'<{BASE}/timemap/link/{CANONICAL}>; rel="self"; type="application/link-format"; '
        'from="Wed, 01 Jul 2026 12:00:00 GMT"; until="Sat, 04 Jul 2026 12:00:00 GMT",',
        f'<{BASE}/timegate/{CANONICAL}>; rel="timegate",',
        f'<{BASE}/s/{IDS[0]}>; rel="first memento"; datetime="Wed, 01 Jul 2026 12:00:00 GMT",',
        f'<{BASE}/s/{IDS[1]}>; rel="memento"; datetime="Thu, 02 Jul 2026 12:00:00 GMT",',
        f'<{BASE}/s/{IDS[2]}>; rel="last memento"; datetime="Sat, 04 Jul 2026 12:00:00 GMT"',
    ]


def test_timemap_of_a_single_memento(client: TestClient, engine: Engine) -> None:
    archive(engine, CANONICAL, (T1,), ("AAAAAAAAAAA9",))
    lines = client.get(f"/timemap/link/{CANONICAL}").text.splitlines()
    assert lines[-1] == (
        f'<{BASE}/s/AAAAAAAAAAA9>; rel="first last memento"; '
        'datetime="Wed, 01 Jul 2026 12:00:00 GMT"'
    )
    assert client.get("/timemap/link/https://x.com/mayor/status/4040").status_code == 404


def test_timemap_json(client: TestClient, three: str) -> None:
    response = client.get("/timemap/json/https:/x.com/mayor/status/101")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    entries = [
        {"datetime": "2026-07-01T12:00:00Z", "uri": f"{BASE}/s/{IDS[0]}"},
        {"datetime": "2026-07-02T12:00:00Z", "uri": f"{BASE}/s/{IDS[1]}"},
        {"datetime": "2026-07-04T12:00:00Z", "uri": f"{BASE}/s/{IDS[2]}"},
    ]
    assert response.json() == {
        "original_uri": CANONICAL,
        "timegate_uri": f"{BASE}/timegate/{CANONICAL}",
        "timemap_uri": {
            "link_format": f"{BASE}/timemap/link/{CANONICAL}",
            "json_format": f"{BASE}/timemap/json/{CANONICAL}",
        },
        "mementos": {"first": entries[0], "last": entries[2], "list": entries},
    }


def test_memento_headers_for_snapshot_pages() -> None:
    """What a snapshot page sends (RFC 7089 §2.1): its datetime and its original, TimeGate
    and TimeMap."""
    assert memento.memento_headers(original=CANONICAL, captured_at=T1, base=BASE) == {
        "Memento-Datetime": "Wed, 01 Jul 2026 12:00:00 GMT",
        "Link": f'<{CANONICAL}>; rel="original", <{BASE}/timegate/{CANONICAL}>; rel="timegate", '
        f'<{BASE}/timemap/link/{CANONICAL}>; rel="timemap"; type="application/link-format"',
    }
