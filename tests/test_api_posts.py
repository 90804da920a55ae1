"""The posts API: submission across URL forms, bad input, keys, pagination and reading."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.db.models import Post, PostTag
from archiver.domain import ApiKeyRole
from archiver.services import keys
from tests.conftest import count_rows, make_key

SAME_POST = {
    "x": [
        "https://twitter.com/jack/status/1445078208190291973",
        "https://x.com/jack/status/1445078208190291973",
        "https://mobile.twitter.com/jack/status/1445078208190291973",
        "https://twitter.com/jack/status/1445078208190291973?s=20&t=abc",
        "https://x.com/jack/status/1445078208190291973/photo/1",
        "https://twitter.com/i/web/status/1445078208190291973",
    ],
    "mastodon": [
        "https://mastodon.social/@Gargron/109425356848184633",
        "https://mastodon.social/users/Gargron/statuses/109425356848184633",
    ],
    "truth social": [
        "https://truthsocial.com/@realDonaldTrump/posts/113405211578316151",
        "https://truthsocial.com/@realDonaldTrump/113405211578316151",
    ],
    "bluesky handle": [
        "https://bsky.app/profile/jay.bsky.team/post/3l4omssdl632g",
        "https://bsky.app/profile/Jay.Bsky.Team/post/3l4omssdl632g",
        "at://jay.bsky.team/app.bsky.feed.post/3l4omssdl632g",
    ],
}

BAD_BODIES = {
    "not a URL": {"url": "not a url"},
    "javascript": {"url": "javascript:alert(1)"},
    "file": {"url": "file:///etc/passwd"},
    "ftp": {"url": "ftp://x.com/jack/status/1"},
    "over 2 KB": {"url": "https://x.com/jack/status/1?" + "a" * 2100},
    "a local name": {"url": "http://localhost/x"},
    "a private address": {"url": "http://10.0.0.1/x"},
    "a name without a domain": {"url": "https://intranet/wiki"},
    "URL of wrong type": {"url": 12345},
    "tags of wrong type": {"url": "https://x.com/jack/status/1", "tags": "news"},
    "unknown field": {"url": "https://x.com/jack/status/1", "colour": "red"},
    "bad schedule": {"url": "https://x.com/jack/status/1", "recheck": "soon"},
    "missing url": {"tags": ["a"]},
    "list body": ["https://x.com/jack/status/1"],
}


def submit(
    client: TestClient, auth: dict[str, str], url: str, **extra: object
) -> dict[str, object]:
    response = client.post("/api/v1/posts", json={"url": url, **extra}, headers=auth)
    assert response.status_code in (200, 202), response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("forms", list(SAME_POST.values()), ids=list(SAME_POST))
def test_every_url_form_of_a_post_is_one_post(
    client: TestClient, auth: dict[str, str], engine: Engine, forms: list[str]
) -> None:
    """Submitting a post in each of its URL forms stores it once: 202 first, then 200."""
    first = client.post("/api/v1/posts", json={"url": forms[0]}, headers=auth)
    assert first.status_code == 202
    post_id = first.json()["id"]
    assert first.headers["location"] == f"/api/v1/posts/{post_id}"
    for form in forms[1:]:
        again = client.post("/api/v1/posts", json={"url": form}, headers=auth)
        assert again.status_code == 200, form
        assert again.json()["id"] == post_id
        assert "location" not in again.headers
    assert count_rows(engine, Post) == 1


def test_bluesky_handle_and_did_forms_stay_distinct(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """A Bluesky post named by handle and by DID are two posts until the handle is resolved."""
    by_handle = submit(client, auth, "https://bsky.app/profile/jay.bsky.team/post/3l4omssdl632g")
    by_did = submit(
        client, auth, "https://bsky.app/profile/did:plc:oky5czdrnfjpqslsw2a5iclo/post/3l4omssdl632g"
    )
    assert by_handle["id"] != by_did["id"]
    assert count_rows(engine, Post) == 2


def test_a_new_post_is_pending_with_every_field_named(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A new post reads back pending, with every SPEC field present and unknowns null."""
    created = submit(client, auth, "https://x.com/jack/status/20?s=20", tags=["founders"])
    body = client.get(f"/api/v1/posts/{created['id']}").json()
    assert set(body) >= {
        "id", "url", "canonical_url", "platform", "platform_post_id", "author", "posted_at",
        "status", "suspected_status", "first_captured_at", "last_checked_at", "next_check_at",
        "snapshot_count", "edit_count", "latest_snapshot", "links",
    }  # fmt: skip
    assert body["url"] == "https://x.com/jack/status/20?s=20"
    assert body["canonical_url"] == "https://x.com/jack/status/20"
    assert (body["platform"], body["platform_post_id"]) == ("x", "20")
    assert body["status"] == "pending"
    assert body["author"] is None and body["posted_at"] is None
    assert body["latest_snapshot"] is None
    assert (body["snapshot_count"], body["edit_count"]) == (0, 0)
    assert body["tags"] == ["founders"]
    assert body["next_check_at"].endswith("Z")
    assert body["links"]["self"] == f"/api/v1/posts/{created['id']}"
    assert len(body["id"]) == 12 and body["id"].isalnum()


def test_resubmitting_adds_new_tags(client: TestClient, auth: dict[str, str]) -> None:
    """Submitting a known post again with new tags adds them to the stored post."""
    submit(client, auth, "https://x.com/jack/status/20", tags=["a"])
    again = submit(client, auth, "https://twitter.com/jack/status/20", tags=["b", "a"])
    assert again["tags"] == ["a", "b"]


@pytest.mark.parametrize("body", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_bad_input_is_refused_and_writes_nothing(
    client: TestClient, auth: dict[str, str], engine: Engine, body: object
) -> None:
    """Bad input gets a 422 problem+json naming the problem, and nothing is stored."""
    response = client.post("/api/v1/posts", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert count_rows(engine, Post) == 0
    assert count_rows(engine, PostTag) == 0


def test_malformed_json_is_a_bad_request(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """A body that is not JSON gets 400 problem+json and nothing is stored."""
    response = client.post(
        "/api/v1/posts",
        content=b'{"url": "https://x.com/a/status/1"',
        headers={**auth, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "JSON" in response.json()["detail"]
    assert count_rows(engine, Post) == 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://localhost/x", "localhost is a name of this machine"),
        ("http://10.0.0.1/x", "10.0.0.1 is a private address, which Archiver never fetches"),
        ("https://printer.local/", "printer.local is a local-network (mDNS) name"),
        ("at://did:plc:abc/app.bsky.feed.like/x", "only http and https addresses"),
    ],
)
def test_a_url_no_adapter_takes_is_refused_saying_why(
    client: TestClient, auth: dict[str, str], engine: Engine, url: str, says: str
) -> None:
    """A URL that is no post and no public web page gets 422 with one sentence saying why."""
    problem = client.post("/api/v1/posts", json={"url": url}, headers=auth).json()
    assert problem["type"] == "/problems/unsupported-url"
    assert problem["detail"].startswith(f"{url} cannot be archived: ")
    assert says in problem["detail"]
    assert problem["detail"].endswith(".") and problem["detail"].count(". ") == 0
    assert count_rows(engine, Post) == 0


def test_any_public_web_page_is_accepted_as_web(client: TestClient, auth: dict[str, str]) -> None:
    """A URL of no social platform is a web page: accepted once, in any spelling of its URL."""
    first = client.post(
        "/api/v1/posts",
        json={"url": "https://Example.com/some/article?utm_source=x#top"},
        headers=auth,
    )
    assert first.status_code == 202, first.text
    body = first.json()
    assert (body["platform"], body["canonical_url"]) == ("web", "https://example.com/some/article")
    again = client.post(
        "/api/v1/posts", json={"url": "https://example.com/some/article"}, headers=auth
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer arch_wrong", "Basic dXNlcjpwYXNz", "arch_no_scheme"],
    ids=["none", "empty bearer", "wrong key", "basic auth", "no scheme"],
)
def test_writes_without_a_valid_key_are_unauthorized(
    client: TestClient, engine: Engine, header: str | None
) -> None:
    """A write without a valid bearer key gets 401 problem+json and stores nothing."""
    headers = {"Authorization": header} if header else {}
    response = client.post(
        "/api/v1/posts", json={"url": "https://x.com/a/status/1"}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert count_rows(engine, Post) == 0


def test_a_revoked_key_stops_working(client: TestClient, engine: Engine) -> None:
    """A key works until it is revoked, and not after."""
    from datetime import UTC, datetime

    from archiver.db.session import create_session_factory, transaction

    secret = make_key(engine, ApiKeyRole.ADMIN)
    headers = {"Authorization": f"Bearer {secret}"}
    assert (
        client.post(
            "/api/v1/posts", json={"url": "https://x.com/a/status/1"}, headers=headers
        ).status_code
        == 202
    )
    with transaction(create_session_factory(engine)) as session:
        record = keys.authenticate(session=session, secret=secret, now=datetime.now(UTC))
        assert record is not None and record.last_used_at is not None
        assert keys.revoke_key(session=session, key_id=record.id, now=datetime.now(UTC))
    response = client.post(
        "/api/v1/posts", json={"url": "https://x.com/a/status/2"}, headers=headers
    )
    assert response.status_code == 401


def test_reads_are_public(client: TestClient, auth: dict[str, str]) -> None:
    """Lists and posts can be read without a key."""
    created = submit(client, auth, "https://x.com/jack/status/20")
    assert client.get("/api/v1/posts").status_code == 200
    assert client.get(f"/api/v1/posts/{created['id']}").status_code == 200


def test_pages_cover_every_post_once_newest_first(client: TestClient, auth: dict[str, str]) -> None:
    """Following ``next`` walks every post exactly once, newest first, and ends with null."""
    submitted = [submit(client, auth, f"https://x.com/u/status/{n}")["id"] for n in range(1, 8)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/posts", params=params).json()
        pages += 1
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(submitted))


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "many"},
        {"cursor": "garbage!"},
        {"status": "gone"},
        {"platform": "myspace"},
    ],
    ids=["limit 0", "limit 201", "limit text", "bad cursor", "bad status", "bad platform"],
)
def test_bad_list_parameters_are_refused(client: TestClient, params: dict[str, object]) -> None:
    """A list request with bad parameters gets a 422 problem+json."""
    response = client.get("/api/v1/posts", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_lists_filter_by_platform_tag_and_status(client: TestClient, auth: dict[str, str]) -> None:
    """The list filters by platform, tag and status."""
    x_post = submit(client, auth, "https://x.com/u/status/1", tags=["election"])
    submit(client, auth, "https://mastodon.social/@u/1")

    def ids(**params: str) -> list[str]:
        return [item["id"] for item in client.get("/api/v1/posts", params=params).json()["items"]]

    assert ids(platform="x") == [x_post["id"]]
    assert ids(tag="election") == [x_post["id"]]
    assert len(ids(status="pending")) == 2
    assert ids(status="live") == []
    assert ids(q="anything") == []


def test_an_unknown_post_is_a_404_problem(client: TestClient) -> None:
    """Asking for a post that does not exist gets 404 problem+json."""
    for post_id in ("ZZZZZZZZZZZZ", "nope", "1"):
        response = client.get(f"/api/v1/posts/{post_id}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_typed_ids_are_normalised(client: TestClient, auth: dict[str, str]) -> None:
    """A post ID typed in lower case with hyphens finds the post."""
    post_id = str(submit(client, auth, "https://x.com/u/status/1")["id"])
    typed = "-".join(post_id[i : i + 4] for i in range(0, 12, 4)).lower()
    assert client.get(f"/api/v1/posts/{typed}").json()["id"] == post_id


def test_unknown_api_paths_are_problems(client: TestClient) -> None:
    """Unknown paths and methods under /api/ answer in problem+json."""
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = client.delete("/api/v1/posts")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405


def test_openapi_docs_and_health_are_served(client: TestClient) -> None:
    """The OpenAPI document, the docs page and the health check are served."""
    spec = client.get("/openapi.json").json()
    assert "/api/v1/posts" in spec["paths"] and "/api/v1/posts/{post_id}" in spec["paths"]
    assert client.get("/docs").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["database"] == "ok"


def test_problem_types_are_explained(client: TestClient) -> None:
    """Each problem ``type`` the API returns resolves to an explanation."""
    page = client.get("/problems/unsupported-url")
    assert page.status_code == 200
    assert "422" in page.text


def test_the_openapi_document_describes_errors_as_problems(client: TestClient) -> None:
    """Every error under /api/ is documented as problem+json (never FastAPI's own validation
    shape), writes name the bearer scheme, and the Memento routes' errors are plain text."""
    spec = client.get("/openapi.json").json()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    submit = spec["paths"]["/api/v1/posts"]["post"]
    for status in ("400", "401", "413", "422", "429", "503"):
        assert submit["responses"][status]["content"] == problem, status
    assert submit["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "security" not in spec["paths"]["/api/v1/posts"]["get"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {
        "type", "title", "status", "detail",
    }  # fmt: skip
    timegate = spec["paths"]["/timegate/{original}"]["get"]["responses"]
    assert list(timegate["422"]["content"]) == ["text/plain"]


@pytest.mark.parametrize(
    ("since", "status"),
    [("2020-07-01T13:59:00Z", 200), ("2020-07-01t13:59:00+02:00", 200),
     ("2020-07-01T13:59:00", 422), ("0.5", 422), ("1700000000", 422), ("soon", 422)],
)  # fmt: skip
def test_events_since_is_an_rfc_3339_time(client: TestClient, since: str, status: int) -> None:
    """``since`` is a time with a zone; a number (once read as seconds since 1970) is not."""
    response = client.get("/api/v1/events", params={"since": since})
    assert response.status_code == status, response.text
