"""Articles end to end: a real service reads articles from the emulated news site (or given as
HTML or text), links their quotes to posts captured from the emulator, judges them, and judges
them again when the posts change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from archiver.config import Settings
from archiver.emulator import EmulatorServer
from archiver.emulator.news import NEWS_ORIGIN
from archiver.storage import sha256_hex
from tests.service import ServiceClient, serving, until

pytestmark = pytest.mark.slow

FAST = {
    "ARCHIVER_RECHECK_SCHEDULE": "1s,2s",
    "ARCHIVER_CONFIRM_AFTER": "2s",
    "ARCHIVER_DELETION_CONFIRMATIONS": "2",
    "ARCHIVER_SCREENSHOTS": "false",
}
POSTED = "2020-07-01T13:59:00Z"
POST_TEXT = "Another hit piece from the discredited @nytimes. Sad!"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator (and its news site) on loopback ports."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def client(settings: Settings, tmp_path: Path, emulator: EmulatorServer) -> Iterator[ServiceClient]:
    """The service with its worker, on a fast schedule, reading from the emulator."""
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **FAST}
    with serving(settings, tmp_path, env) as service:
        yield service


def send(client: ServiceClient, body: dict[str, Any]) -> httpx.Response:
    """POST an article with the client's key."""
    return client.post("/api/v1/articles", json=body, headers=client.auth_headers)


def article(client: httpx.Client, article_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/articles/{article_id}").json()
    return body


def quotes_judged(client: httpx.Client, article_id: str) -> dict[str, Any] | None:
    """The article once every linked quote has been judged against archived text."""
    body = article(client, article_id)
    linked = [q for q in body["quotes"] if q["post_id"]]
    done = linked and all(q["fidelity"] not in (None, "unverifiable") for q in linked)
    return body if done and len(linked) == len(body["quotes"]) else None


def captured(client: httpx.Client, url: str) -> str:
    """Submit a post and wait for its first capture; its ID."""
    post_id = client.submit(url)
    until(
        "the post captured",
        lambda: client.get(f"/api/v1/posts/{post_id}").json()["status"] == "live",
    )
    return post_id


def mayor_article(post_url: str) -> str:
    """An article quoting the mayor's post inline (a bracket and a lower-cased word) and
    embedding it."""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Mayor lashes out at paper over transit audit | The Ledger-Gazette</title>
<meta property="og:title" content="Mayor lashes out at paper over transit audit">
<meta name="author" content="Priya Castellanos">
<meta property="article:published_time" content="2020-07-01T18:30:00Z">
</head><body><article>
<h1>Mayor lashes out at paper over transit audit</h1>
<p>Mayor Dana Whitlock on Wednesday dismissed a newspaper investigation into the city's
transit audit as “another hit piece from the discredited [New York Times],” in a post on X
shortly after the story ran.</p>
<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Another hit piece from the
discredited <a href="https://twitter.com/nytimes?ref_src=twsrc%5Etfw">@nytimes</a>. Sad!</p>
&mdash; Dana Whitlock (@MayorWhitlock)
<a href="{post_url}?ref_src=twsrc%5Etfw">July 1, 2020</a></blockquote>
<p>The audit found that two contracts were awarded without competitive bids.</p>
</article></body></html>"""


def test_an_article_by_url_links_and_judges_both_quotes_of_a_post(
    client: ServiceClient, emulator: EmulatorServer
) -> None:
    """The typical case: one post quoted inline with editorial changes and embedded; both are
    found, linked to the post, and judged once it is captured."""
    post = emulator.world.add_post(
        "x", "MayorWhitlock", POST_TEXT, name="Dana Whitlock", created_at=POSTED
    )
    page = emulator.world.add_article(
        "/2020/07/01/mayor-transit-audit.html", mayor_article(post.url)
    )

    response = send(client, {"url": page})
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/articles/{body['id']}"
    assert body["title"] == "Mayor lashes out at paper over transit audit"
    assert body["byline"] == "Priya Castellanos"
    assert body["published_at"] == "2020-07-01T18:30:00Z"
    assert [p["platform"] for p in body["posts"]] == ["x"]
    raw = client.get(body["raw"]["url"])
    assert raw.status_code == 200
    assert sha256_hex(raw.content) == body["raw"]["sha256"]
    assert raw.content == mayor_article(post.url).encode("utf-8")

    report = until("both quotes judged", lambda: quotes_judged(client, body["id"]))
    by_kind = {q["kind"]: q for q in report["quotes"]}
    assert set(by_kind) == {"inline", "embed"}
    embed, inline = by_kind["embed"], by_kind["inline"]
    assert embed["post_id"] == inline["post_id"] == report["posts"][0]["id"]
    assert embed["attribution"] == {
        "name": "Dana Whitlock", "handle": "MayorWhitlock", "date": "2020-07-01",
    }  # fmt: skip
    assert embed["fidelity"] == "verbatim"
    assert inline["fidelity"] == "editorial"
    kinds = {change["kind"] for change in inline["changes"]}
    assert {"case", "bracket_substitution"} <= kinds
    assert inline["link_source"] in {"article", "link"}
    for quote in (embed, inline):
        assert quote["post_status"] == "live"
        assert quote["post_changed_since"] is False
        assert quote["matched_snapshot_id"]


def test_a_plain_text_article_is_linked_by_its_attribution_line(
    client: ServiceClient, emulator: EmulatorServer
) -> None:
    """Pasted text keeps only the attribution line an embed leaves; the handle and date find
    the archived post, and the quote is judged against it."""
    post = emulator.world.add_post(
        "x", "MayorWhitlock", POST_TEXT, name="Dana Whitlock", created_at=POSTED
    )
    post_id = captured(client, post.url)
    text = (
        "Mayor lashes out at paper over transit audit\n\n"
        "The mayor responded within the hour.\n\n"
        f"{POST_TEXT} — Dana Whitlock (@MayorWhitlock) July 1, 2020\n\n"
        "The audit found that two contracts were awarded without competitive bids.\n"
    )
    response = send(client, {"text": text})
    assert response.status_code == 202, response.text
    [quote] = response.json()["quotes"]
    assert quote["kind"] == "attribution"
    assert quote["attribution"]["handle"] == "MayorWhitlock"
    assert quote["post_id"] == post_id
    assert quote["link_source"] == "attribution"
    assert quote["fidelity"] == "verbatim"


def test_quotes_are_judged_again_when_the_post_is_edited_or_deleted(
    client: ServiceClient, emulator: EmulatorServer
) -> None:
    """A quote of the first version stays verbatim against that version once the post is
    edited, now marked changed since; a misquote is altered with a diff; a deletion keeps the
    archived verdict and says the post is gone. Each changed verdict is a quote_changed event."""
    world = emulator.world
    edited = world.add_post(
        "mastodon", "harbourboard", "The ferry terminal will reopen on Monday at noon."
    )
    doomed = world.add_post("x", "portcaptain", "No ships will dock until the storm passes.")
    edited_id, doomed_id = captured(client, edited.url), captured(client, doomed.url)
    html = f"""<html><head><title>Harbour news</title></head><body><article>
<p>The harbour board wrote on Mastodon that “the ferry terminal will reopen on Monday at
noon.” <a href="{edited.url}">Its post</a> was shared widely.</p>
<p>The port captain tweeted that “no boats will dock until the storm passes.”
<a href="{doomed.url}">The post</a> has since drawn criticism.</p>
</article></body></html>"""
    response = send(client, {"html": html})
    assert response.status_code == 202, response.text
    article_id = response.json()["id"]
    first = until("quotes judged", lambda: quotes_judged(client, article_id))
    by_post = {q["post_id"]: q for q in first["quotes"]}
    assert by_post[edited_id]["fidelity"] == "editorial"  # the capital T, lower-cased
    misquote = by_post[doomed_id]
    assert misquote["fidelity"] == "altered"
    assert "boats" in misquote["diff"]["readable"] and "ships" in misquote["diff"]["readable"]
    original = by_post[edited_id]["matched_snapshot_id"]

    world.edit_post("mastodon", edited.id, "The ferry terminal stays closed until further notice.")
    world.delete_post("x", doomed.id)

    def settled() -> dict[str, Any] | None:
        quotes = {q["post_id"]: q for q in article(client, article_id)["quotes"]}
        ok = (
            quotes[edited_id]["post_changed_since"]
            and quotes[doomed_id]["post_status"] == "deleted"
        )
        return quotes if ok else None

    quotes = until("the quotes judged again", settled, seconds=60)
    again = quotes[edited_id]
    assert again["fidelity"] == "editorial"
    assert again["matched_snapshot_id"] == original
    gone = quotes[doomed_id]
    assert gone["fidelity"] == "altered"  # still judged against the archived text
    assert gone["post_changed_since"] is True
    changes = client.get("/api/v1/events", params={"kind": "quote_changed"}).json()["items"]
    assert {e["post_id"] for e in changes} == {edited_id, doomed_id}
    assert all(e["article_id"] == article_id for e in changes)
    assert all(e["diff"]["before"]["post_changed_since"] is False for e in changes)


def test_spoken_quotes_link_nothing_and_unresolved_quotes_can_be_linked_by_hand(
    client: ServiceClient, emulator: EmulatorServer
) -> None:
    """People speaking at a press conference are not posts; a post quote the archive cannot
    place stays unresolved with the reason until an archivist links it."""
    spoken = """<html><body><article>
<p>“We will not raise fares this year,” the transit director told reporters at a press
conference on Tuesday.</p>
<p>“The budget is balanced,” the finance chief said in an interview, adding that
“reserves are at a ten-year high.”</p></article></body></html>"""
    response = send(client, {"html": spoken})
    assert response.status_code == 202, response.text
    assert response.json()["quotes"] == [] and response.json()["posts"] == []

    post = emulator.world.add_post(
        "bluesky", "ferrywatch.bsky.social", "Ferries are late again today, third time this week."
    )
    text = (
        'A commuter group posted on Bluesky that "ferries are late again today, third time '
        'this week," calling for an inquiry.\n'
    )
    created = send(client, {"text": text}).json()
    [quote] = created["quotes"]
    assert quote["post_id"] is None and quote["unresolved_reason"]
    linked = client.patch(
        f"/api/v1/articles/{created['id']}/quotes/{quote['id']}",
        json={"post_url": post.url},
        headers=client.auth_headers,
    )
    assert linked.status_code == 200, linked.text
    [quote] = linked.json()["quotes"]
    assert quote["link_source"] == "manual" and quote["unresolved_reason"] is None
    judged = until("the linked quote judged", lambda: quotes_judged(client, created["id"]))
    assert judged["quotes"][0]["fidelity"] == "editorial"  # case of the first word, and comma


def test_bad_article_input_is_refused_and_stores_nothing(
    client: ServiceClient, emulator: EmulatorServer
) -> None:
    """No body, two bodies, a bad URL, a page that is not there, or no key: a clear problem,
    and no article."""
    missing = f"{NEWS_ORIGIN}/2020/07/02/never-published.html"
    cases = [
        ({}, 422),
        ({"html": "<p>a</p>", "text": "a"}, 422),
        ({"url": "ftp://example.com/story"}, 422),
        ({"url": missing}, 502),
        ({"text": "   "}, 422),
        ({"text": "a", "extra": 1}, 422),
    ]
    for body, status in cases:
        response = send(client, body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]
    anonymous = httpx.post(f"{client.base_url}/api/v1/articles", json={"text": "a"})
    assert anonymous.status_code == 401
    assert client.get("/api/v1/articles/AAAAAAAAAAAA").status_code == 404
