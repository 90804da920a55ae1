"""Embedded posts in every platform's published embed code, and plain links to posts."""

from __future__ import annotations

from datetime import date

import pytest

from archiver.articles import Attribution, is_post_url, post_url, read_html
from archiver.domain import QuoteKind
from tests.articles.fixtures import of_kind, read_fixture

FERRY_POSTS = (
    "https://twitter.com/TidewaterPort/statuses/452481183213813999",
    "https://x.com/PortDirectorSam/status/1765000000000000123",
    "https://harbor.social/@ferryworkers/111222333444555666",
    "https://harbor.social/@ferryworkers/111222333444555777",
    "https://truthsocial.com/@GovHalvorsen/112233445566778899",
    "https://truthsocial.com/@GovHalvorsen/112233445566778900",
    "https://bsky.app/profile/did:plc:k4f7q2w3x3m5n6p6r2t4v7y3/post/3kferry2xyz2a",
    "https://bsky.app/profile/ferryworkers.bsky.social/post/3kfe1xyzabc2b",
    "https://x.com/i/status/1765000000000000456",
)
RIVERFEST_POSTS = (
    "https://www.threads.com/@riverfest_official/post/DRvF3stXk2Q",
    "https://www.instagram.com/p/DRiv3rF3st1/",
    "https://www.tiktok.com/@tacosdelrio/video/7401234567890123456",
    "https://www.facebook.com/RiversideParksDept/posts/10160123456789012/",
    "https://www.facebook.com/RiversideTransit/posts/pfbid02AbCdEfGh",
    "https://www.reddit.com/r/riversidecity/comments/1eq2x7b/riverfest_parking_was_a_disaster/",
    "https://www.youtube.com/watch?v=Rv3rF3stA1b",
    "https://www.youtube.com/watch?v=Dr0neV1ew_9",
    "https://t.me/riverfestnews/418",
)


def test_x_mastodon_truth_social_and_bluesky_embeds_name_their_posts() -> None:
    """Old and current X markup, both Mastodon embeds, Truth Social raw and HTML-escaped,
    Bluesky's AT-URI, a plain link and an already-rendered X iframe: every post, in order,
    tracking queries gone, each named once."""
    doc = read_fixture("ferry_strike_embeds.html")
    assert doc.post_urls == FERRY_POSTS
    embeds = of_kind(doc, QuoteKind.EMBED)
    assert [quote.post_url for quote in embeds] == [
        url for url in FERRY_POSTS if "3kfe1xyzabc2b" not in url
    ]
    assert len(doc.quotes) == len(embeds)


def test_old_x_markup_gives_text_and_attribution() -> None:
    """The 2014-era ``/statuses/`` embed: its paragraph is the text, its tail the attribution."""
    old = of_kind(read_fixture("ferry_strike_embeds.html"), QuoteKind.EMBED)[0]
    assert old.text == (
        "Ferry service suspended until further notice. Check the port authority site for updates."
    )
    assert old.attribution == Attribution("Port of Tidewater", "TidewaterPort", date(2014, 4, 5))


def test_bluesky_embed_text_drops_the_image_placeholder() -> None:
    """A Bluesky embed's text is the post's, without ``[image or embed]``; its attribution
    carries the handle and the date printed with a time."""
    bluesky = of_kind(read_fixture("ferry_strike_embeds.html"), QuoteKind.EMBED)[6]
    assert bluesky.text == "Day 3 on the picket line. “We move this city,” as our signs say."
    assert bluesky.attribution == Attribution(
        "Tidewater Ferry Workers", "ferryworkers.bsky.social", date(2025, 3, 25)
    )


def test_quotation_marks_inside_an_embed_are_not_inline_quotes() -> None:
    """The Bluesky post quotes its signs; that is the post's quotation, not the article's."""
    doc = read_fixture("ferry_strike_embeds.html")
    assert of_kind(doc, QuoteKind.INLINE) == []


def test_iframe_embeds_carry_no_text() -> None:
    """Mastodon and Truth Social iframes carry no words; Mastodon's blockquote names its author."""
    embeds = of_kind(read_fixture("ferry_strike_embeds.html"), QuoteKind.EMBED)
    assert [quote.text for quote in embeds[2:6]] == ["", "", "", ""]
    assert embeds[2].attribution is None
    assert embeds[3].attribution == Attribution(handle="ferryworkers@harbor.social")


def test_escaped_embed_code_is_not_article_text() -> None:
    """Embed code a CMS pasted HTML-escaped is read as an embed, not printed as prose."""
    doc = read_fixture("ferry_strike_embeds.html")
    assert "iframe" not in doc.text
    assert "truthsocial-embed" not in doc.text


def test_threads_instagram_tiktok_facebook_reddit_youtube_telegram_embeds() -> None:
    """Every other platform's embed code names its post, in order of appearance."""
    doc = read_fixture("riverfest_embeds.html")
    assert doc.post_urls == RIVERFEST_POSTS
    assert [quote.post_url for quote in doc.quotes] == list(RIVERFEST_POSTS)
    assert {quote.kind for quote in doc.quotes} == {QuoteKind.EMBED}


def test_embed_texts_and_attributions_from_other_platforms() -> None:
    """Captions and authors as each embed prints them; boilerplate left out."""
    quotes = read_fixture("riverfest_embeds.html").quotes
    threads, instagram, tiktok, facebook, _, reddit, *_ = quotes
    assert threads.text == ""
    assert (
        instagram.text == "Forty thousand of you singing the last chorus. I will never forget it."
    )
    assert instagram.attribution == Attribution(name="Juno Vale", handle="junovale")
    assert tiktok.text == "Four hours, nine hundred tacos, zero regrets #riverfest"
    assert tiktok.attribution == Attribution(handle="tacosdelrio")
    assert facebook.text.startswith("Thank you to every volunteer")
    assert facebook.attribution == Attribution(name="Riverside Parks", date=date(2024, 8, 12))
    assert reddit.text == "Riverfest parking was a disaster"
    assert reddit.attribution == Attribution(handle="commuter_kay")


def test_a_current_x_embed_with_x_com_links() -> None:
    """The x.com form of the current markup, with ``?ref_src`` dropped."""
    doc = read_html(
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Polls close at 8.</p>&mdash; '
        'County Clerk (@ClerkOfMarsh) <a href="https://x.com/ClerkOfMarsh/status/17000000000'
        '00000001?ref_src=twsrc%5Etfw">November 5, 2024</a></blockquote>'
    )
    (quote,) = doc.quotes
    assert quote.post_url == "https://x.com/ClerkOfMarsh/status/1700000000000000001"
    assert quote.attribution == Attribution("County Clerk", "ClerkOfMarsh", date(2024, 11, 5))


def test_embed_markup_without_a_post_is_read_as_text() -> None:
    """A blockquote with an embed class but no post link is prose; its attribution line still
    counts."""
    doc = read_html(
        '<blockquote class="twitter-tweet"><p>Vote early.</p>&mdash; County Clerk '
        "(@ClerkOfMarsh) November 5, 2024</blockquote>"
    )
    (quote,) = doc.quotes
    assert quote.kind is QuoteKind.ATTRIBUTION
    assert quote.text == "Vote early."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://twitter.com/a_b/status/123?s=20&t=xyz", "https://twitter.com/a_b/status/123"),
        ("//x.com/a_b/status/123#frag", "https://x.com/a_b/status/123"),
        ("https://mastodon.social/@Gargron/103270115826048975/embed",
         "https://mastodon.social/@Gargron/103270115826048975"),
        ("https://truthsocial.com/@someone/posts/1234", "https://truthsocial.com/@someone/posts/1234"),
        ("at://did:plc:k4f7q2w3x3m5n6p6r2t4v7y3/app.bsky.feed.post/3kferry2xyz2a",
         "https://bsky.app/profile/did:plc:k4f7q2w3x3m5n6p6r2t4v7y3/post/3kferry2xyz2a"),
        ("https://www.threads.net/t/C0zXcQmxO77/embed/", "https://www.threads.net/t/C0zXcQmxO77"),
        ("https://www.instagram.com/reel/DRiv3rF3st1/?igsh=abc", "https://www.instagram.com/reel/DRiv3rF3st1/"),
        ("https://www.facebook.com/permalink.php?story_fbid=123&id=456&ref=embed",
         "https://www.facebook.com/permalink.php?story_fbid=123&id=456"),
        ("https://youtu.be/Rv3rF3stA1b?t=42", "https://www.youtube.com/watch?v=Rv3rF3stA1b"),
        ("https://www.youtube.com/watch?v=Rv3rF3stA1b&list=x", "https://www.youtube.com/watch?v=Rv3rF3stA1b"),
        ("https://www.youtube.com/shorts/Rv3rF3stA1b", "https://www.youtube.com/watch?v=Rv3rF3stA1b"),
        ("https://redd.it/1eq2x7b", "https://redd.it/1eq2x7b"),
        ("https://t.me/s/riverfestnews/418", "https://t.me/riverfestnews/418"),
    ],
)  # fmt: skip
def test_post_urls_are_recognised_and_cleaned(url: str, expected: str) -> None:
    """Each platform's post URL forms, without what does not name the post."""
    assert post_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/MarshValleyCity",
        "https://twitter.com/hashtag/Riverfest?src=hash",
        "https://t.co/Rf4nD9zQ1x",
        "https://www.reddit.com/r/riversidecity/",
        "https://www.youtube.com/@RiversideCity",
        "https://t.me/joinchat/AbCdEf",
        "https://www.marshvalley.example/council/video/2023-11-07",
        "javascript:alert(1)",
        "mailto:tips@ledger.example",
        "http://[::1",
        "",
        "https://x.com/" + "a" * 3000,
    ],
)
def test_other_urls_are_not_posts(url: str) -> None:
    """Profiles, hashtags, short links, channel pages and other sites are not posts."""
    assert not is_post_url(url)
