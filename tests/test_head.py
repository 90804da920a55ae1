"""``HEAD`` answers like ``GET`` without the body: pages, the TimeGate, the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archiver.api.app import create_app
from archiver.config import Settings


def test_head_is_get_without_a_body(client: TestClient, settings: Settings) -> None:
    """Same status and headers as GET, an empty body; a POST-only route stays 405."""
    for path in ("/", "/healthz", "/api/v1/posts", "/events", "/s/AAAAAAAAAAAA"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == str(len(got.content)), path
    assert client.head("/api/v1/webhooks/AAAAAAAAAAAA/deliveries").status_code in (401, 403, 404)
    assert create_app(settings).openapi()["paths"]  # no duplicated operations


def test_a_timegate_answers_head(client: TestClient) -> None:
    """A Memento client's HEAD to a TimeGate gets the redirect's status and Location (here a
    404: the post is unknown), without a body."""
    response = client.head("/timegate/https://x.com/nobody/status/1", follow_redirects=False)
    assert response.status_code == 404 and response.content == b""


def test_a_405_names_every_method_of_the_resource(client: TestClient) -> None:
    """``Allow`` lists every method served at the path, ``HEAD`` with ``GET`` (Starlette alone
    names only the first route's: ``DELETE /api/v1/posts`` said ``Allow: POST``)."""
    assert client.delete("/api/v1/posts").headers["allow"] == "GET, HEAD, POST"
    assert client.put("/api/v1/webhooks/AAAAAAAAAAAA").headers["allow"] == "DELETE"
    assert client.post("/healthz").headers["allow"] == "GET, HEAD"
