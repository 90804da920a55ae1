"""The service as its own process: accepted submissions survive a crash, and concurrent
submissions of one post store it once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from archiver.config import Settings
from archiver.db.models import Post
from tests.conftest import count_rows
from tests.service import create_key, running_service

pytestmark = pytest.mark.slow


def test_an_accepted_submission_survives_a_crash(settings: Settings, tmp_path: Path) -> None:
    """A post accepted with 202 is still there after the service is killed and started again."""
    headers = create_key(settings, tmp_path)
    with running_service(settings, tmp_path) as base:
        response = httpx.post(
            f"{base}/api/v1/posts",
            json={"url": "https://x.com/jack/status/20", "tags": ["durable"]},
            headers=headers,
        )
        assert response.status_code == 202
        post_id = response.json()["id"]
    with running_service(settings, tmp_path) as base:
        post = httpx.get(f"{base}/api/v1/posts/{post_id}").json()
        assert post["id"] == post_id
        assert post["tags"] == ["durable"]
        assert post["status"] == "pending"


def test_concurrent_submissions_of_one_post_store_it_once(
    settings: Settings, tmp_path: Path, engine: Engine
) -> None:
    """Many clients submitting one post at once in its different forms get one 202, the rest 200."""
    headers = create_key(settings, tmp_path)
    forms = [
        "https://twitter.com/jack/status/20",
        "https://x.com/jack/status/20?s=20",
        "https://mobile.twitter.com/jack/status/20/photo/1",
        "https://x.com/i/web/status/20",
    ]
    with running_service(settings, tmp_path) as base, httpx.Client(base_url=base) as client:

        def send(n: int) -> tuple[int, str]:
            response = client.post(
                "/api/v1/posts", json={"url": forms[n % len(forms)]}, headers=headers, timeout=60
            )
            return response.status_code, response.json()["id"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(send, range(48)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 47 + [202]
    assert len({post_id for _, post_id in results}) == 1
    assert count_rows(engine, Post) == 1
