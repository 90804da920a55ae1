"""Demo posts: a handful of realistic posts per platform, for trying Archiver by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver.emulator.model import PostInfo

if TYPE_CHECKING:
    from archiver.emulator.world import World


def seed_demo(world: World) -> dict[str, PostInfo]:
    """Create the demo accounts and posts; returns each post's ids and URLs by name."""
    posts: dict[str, PostInfo] = {}
    world.add_account("x", "councilwatch", "City Council Watch", bio="Local government news")
    posts["x_link_photo"] = world.add_post(
        "x",
        "councilwatch",
        "Tonight's vote on the river clean-up budget is postponed. Full agenda: "
        "https://www.example.org/council/agenda/2024-05-01-river-budget.html #localgov",
        created_at="2024-05-01T18:30:00.000Z",
        media=[
            {"type": "photo", "alt": "The council chamber, empty", "width": 1200, "height": 800}
        ],
        likes=48,
        replies=7,
    )
    posts["x_quote"] = world.add_post(
        "x",
        "riverkeeper_ann",
        "Third postponement this year. @councilwatch has the agenda.",
        name="Ann Riverkeeper",
        quoted_id=posts["x_link_photo"].id,
        created_at="2024-05-01T19:02:11.000Z",
        likes=12,
    )
    posts["x_video"] = world.add_post(
        "x",
        "riverkeeper_ann",
        "Water level this morning at the north bridge",
        media=[{"type": "video", "width": 1280, "height": 720}],
        created_at="2024-05-02T07:15:00.000Z",
    )
    posts["mastodon_entities"] = world.add_post(
        "mastodon",
        "archivist",
        'Tom & Jerry\'s "lost" pilot is <finally> online.\n\nRead the story: '
        "https://www.theguardian.com/culture/2024/may/01/tom-and-jerry-lost-pilot-found-archive"
        " #archives #animation",
        name="The Archivist",
        created_at="2024-05-01T09:00:00.000Z",
        likes=31,
        reposts=9,
    )
    posts["mastodon_photo"] = world.add_post(
        "mastodon",
        "archivist",
        "Reading room, first thing in the morning.",
        media=[{"type": "image", "alt": "Rows of empty desks", "width": 1600, "height": 1200}],
        created_at="2024-05-02T08:00:00.000Z",
    )
    posts["truthsocial"] = world.add_post(
        "truthsocial",
        "statenewsdesk",
        "Governor signs the water bill into law. Details: "
        "https://www.example.com/news/2024/05/03/governor-signs-water-bill",
        name="State News Desk",
        created_at="2024-05-03T14:45:12.161Z",
        likes=2,
        replies=1,
    )
    world.add_account("bluesky", "newsroom.example.com", "Example Newsroom")
    posts["bluesky_emoji_link"] = world.add_post(
        "bluesky",
        "newsroom.example.com",
        "🦋🌊 Our flood map is live: "
        "https://newsroom.example.com/interactive/2024/flood-map-every-street #floods",
        media=[{"type": "image", "alt": "Map of flooded streets", "width": 1200, "height": 900}],
        created_at="2024-05-04T10:00:00.000Z",
        likes=310,
        reposts=40,
        replies=12,
        quotes=3,
    )
    posts["bluesky_quote"] = world.add_post(
        "bluesky",
        "alice.bsky.social",
        "Useful, and fast. @newsroom.example.com",
        name="Alice",
        quoted_id=posts["bluesky_emoji_link"].id,
        created_at="2024-05-04T10:30:00.000Z",
    )
    posts["threads_photo"] = world.add_post(
        "threads",
        "ledgergazette",
        "Photos from tonight's council meeting: the river clean-up vote is off again.",
        name="The Ledger-Gazette",
        media=[{"type": "photo", "alt": "The council chamber", "width": 1200, "height": 900}],
    )
    posts["reddit_selfpost"] = world.add_post(
        "reddit",
        "riverside_resident",
        "River clean-up vote postponed a third time\n\nThe agenda is **online**; the next"
        " meeting has no date yet.",
        community="riverside",
    )
    posts["telegram_channel"] = world.add_post(
        "telegram",
        "citydesklive",
        "Council update: the river clean-up budget vote is postponed. More at 9.",
        name="City Desk Live",
    )
    posts["youtube_video"] = world.add_post(
        "youtube",
        "citydeskvideo",
        "Council meeting, May 1 (full)\n\nThe whole meeting, with the budget debate at 1:12:00.",
        name="City Desk Video",
    )
    posts["web_page"] = world.add_post(
        "web",
        "demo-reporter",
        "River clean-up: what the delay costs\n\nEvery month of delay adds to the bill, the"
        " council's own figures show.",
        name="Demo Reporter",
        id="river-clean-up-costs",
        created_at="2024-05-02T08:00:00Z",
    )
    return posts


def seed_demo_article(world: World, posts: dict[str, PostInfo]) -> str:
    """Publish a demo news article on the emulated news site that quotes two demo posts (one
    inline with an editorial change, one embedded); returns its URL."""
    council, ann = posts["x_link_photo"], posts["x_quote"]
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>River clean-up vote slips again | The Ledger-Gazette</title>
<meta property="og:title" content="River clean-up vote slips again">
<meta name="author" content="Demo Reporter">
<meta property="article:published_time" content="2024-05-01T21:00:00Z">
</head><body><article>
<h1>River clean-up vote slips again</h1>
<p>City Council Watch wrote on X that “tonight's vote on the river clean-up budget is
postponed,” and pointed readers to the agenda.</p>
<p>A local campaigner was quick to respond:</p>
<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Third postponement this year.
<a href="https://twitter.com/councilwatch">@councilwatch</a> has the agenda.</p>
&mdash; Ann Riverkeeper (@riverkeeper_ann)
<a href="{ann.url}?ref_src=twsrc%5Etfw">May 1, 2024</a></blockquote>
<p>The council's <a href="{council.url}">post</a> did not give a new date.</p>
</article></body></html>"""
    return world.add_article("/2024/05/01/river-clean-up-vote-slips-again.html", html)
