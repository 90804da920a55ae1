"""``/api/v1/articles`` through the ASGI app, for articles given as HTML or text (nothing to
fetch): the report's shape, the article's bytes, listing, linking by hand, and bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.db.models import Article, Post, Quote
from archiver.storage import sha256_hex
from tests.conftest import count_rows

HTML = """<html><head><title>Bridge closed for repairs</title>
<meta name="author" content="Sam Okafor"></head><body><article>
<p>The transport department tweeted that “the north bridge is closed until Friday,” in
<a href="https://x.com/transportdept/status/1790000000000000001">a post</a> on Monday.</p>
<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/Cx1AbCdEfGh/"></blockquote>
</article></body></html>"""


def test_an_html_article_is_stored_byte_for_byte_and_its_posts_submitted(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """The report lists each quote linked to the post its sentence names (submitted for
    capture); a post of a platform Archiver cannot read is named, not submitted."""
    response = client.post("/api/v1/articles", json={"html": HTML}, headers=auth)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["title"] == "Bridge closed for repairs"
    assert body["byline"] == "Sam Okafor"
    assert body["source"] == "html"
    assert [p["platform"] for p in body["posts"]] == ["x"]
    assert body["posts"][0]["status"] == "pending"
    inline = next(q for q in body["quotes"] if q["kind"] == "inline")
    assert inline["text"].startswith("the north bridge is closed until Friday")
    assert inline["post_id"] == body["posts"][0]["id"]
    assert inline["fidelity"] == "unverifiable"  # nothing archived yet to compare with
    assert inline["post_status"] == "pending"
    instagram = [q for q in body["quotes"] if "instagram" in (q["post_url"] or "")]
    assert all(q["post_id"] is None and q["unresolved_reason"] for q in instagram)
    assert count_rows(engine, Post) == 1

    raw = client.get(body["raw"]["url"])
    assert raw.status_code == 200
    assert raw.content == HTML.encode("utf-8")
    assert sha256_hex(raw.content) == body["raw"]["sha256"]
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert raw.headers["content-type"].startswith("text/html")
    assert client.get(f"/api/v1/articles/{body['id']}").json() == body


EMBEDS = """<html><head><title>Festival weekend</title></head><body><article>
<p>Readers shared the weekend on every network.</p>
<blockquote class="text-post-media" data-text-post-version="0"
 data-text-post-permalink="https://www.threads.net/@citydesk/post/C8aBcDeFgHi">
<a href="https://www.threads.net/@citydesk/post/C8aBcDeFgHi?xmt=AQGz">View on Threads</a>
</blockquote>
<blockquote class="reddit-embed-bq" data-embed-height="316">
<a href="https://www.reddit.com/r/riverside/comments/1abc2de/festival_parking/">Parking</a>
<br> by <a href="https://www.reddit.com/user/riverside_resident/">u/riverside_resident</a>
in <a href="https://www.reddit.com/r/riverside/">riverside</a></blockquote>
<script async src="https://telegram.org/js/telegram-widget.js?22"
 data-telegram-post="citydesklive/4821" data-width="100%"></script>
<iframe width="560" height="315" title="YouTube video player"
 src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc"></iframe>
<p>More at <a href="https://www.example.com/festival-guide">the festival guide</a>.</p>
</article></body></html>"""


def test_embeds_of_every_platform_are_linked_and_submitted(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """An article embedding a Threads post, a Reddit submission, a Telegram channel post and
    a YouTube video has each linked to its post and submitted for capture; an ordinary link
    to a web page is not taken for a post."""
    response = client.post("/api/v1/articles", json={"html": EMBEDS}, headers=auth)
    assert response.status_code == 202, response.text
    posts = {post["platform"]: post for post in response.json()["posts"]}
    assert sorted(posts) == ["reddit", "telegram", "threads", "youtube"]
    assert posts["youtube"]["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert posts["telegram"]["url"] == "https://t.me/citydesklive/4821"
    assert all(post["status"] == "pending" for post in posts.values())
    for post in posts.values():
        stored = client.get(f"/api/v1/posts/{post['id']}").json()
        assert stored["platform"] == post["platform"]
    assert count_rows(engine, Post) == 4


def test_articles_are_listed_newest_first_a_page_at_a_time(
    client: TestClient, auth: dict[str, str]
) -> None:
    """``limit`` and the opaque ``next`` cursor walk the list; a forged cursor is a 422."""
    ids = [
        client.post("/api/v1/articles", json={"text": f"Story {n}."}, headers=auth).json()["id"]
        for n in range(3)
    ]
    first = client.get("/api/v1/articles", params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == ids[::-1][:2]
    second = client.get("/api/v1/articles", params={"limit": 2, "cursor": first["next"]}).json()
    assert [item["id"] for item in second["items"]] == [ids[0]] and second["next"] is None
    assert client.get("/api/v1/articles", params={"cursor": "bogus"}).status_code == 422


def test_linking_a_quote_by_hand_needs_a_key_a_real_quote_and_a_post_url(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """PATCH links the quote (submitting the post); without a key, for an unknown quote, or
    with a URL of no supported platform, it is refused and nothing changes."""
    text = 'The ferry operator posted on Mastodon that "sailings resume at dawn."\n'
    article = client.post("/api/v1/articles", json={"text": text}, headers=auth).json()
    [quote] = article["quotes"]
    assert quote["post_id"] is None and quote["unresolved_reason"]
    where = f"/api/v1/articles/{article['id']}/quotes/{quote['id']}"
    good = {"post_url": "https://mastodon.social/@ferryline/112233445566778899"}
    assert client.patch(where, json=good).status_code == 401
    bad = client.patch(where, json={"post_url": "https://example.com/not-a-post"}, headers=auth)
    assert bad.status_code == 422
    missing = f"/api/v1/articles/{article['id']}/quotes/AAAAAAAAAAAA"
    assert client.patch(missing, json=good, headers=auth).status_code == 404
    assert count_rows(engine, Post) == 0

    linked = client.patch(where, json=good, headers=auth)
    assert linked.status_code == 200, linked.text
    [quote] = linked.json()["quotes"]
    assert quote["link_source"] == "manual" and quote["post_id"]
    assert quote["post_url"] == good["post_url"]
    assert count_rows(engine, Post) == 1


def test_bad_article_bodies_are_refused_and_store_nothing(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """Each bad body is a 422 problem naming what is wrong; no article, quote or post."""
    for body in (
        {},
        {"html": "<p>a</p>", "text": "a"},
        {"text": ""},
        {"text": "a", "url": "not a url"},
        {"text": 5},
        {"html": "<p>a</p>", "tags": ["x"]},
    ):
        response = client.post("/api/v1/articles", json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"]
    assert client.post("/api/v1/articles", json={"text": "a"}).status_code == 401
    assert count_rows(engine, Article) == count_rows(engine, Quote) == 0
    assert client.get("/api/v1/articles/nonsense!").status_code == 404
