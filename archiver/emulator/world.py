"""The emulated world: accounts, posts with their versions, media files, failure modes and the
log of requests received. One lock guards it all; the server thread and the test thread both
call in.
How account states look per platform: see ``accounts``.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from archiver.emulator import idgen, links, reddit_json, threads_json, web, youtube_json
from archiver.emulator.accounts import Accounts
from archiver.emulator.common import now, parse_time
from archiver.emulator.model import (
    MEDIA_TYPES,
    VARIANTS,
    Post,
    PostInfo,
    Version,
)
from archiver.emulator.news import NEWS_ORIGIN
from archiver.emulator.text import bsky_text
from archiver.emulator.wayback import Wayback

_RKEY = re.compile(r"[A-Za-z0-9._:~-]{1,512}")
_BASE36 = re.compile(r"[0-9a-z]{1,13}")
_SUBREDDIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}")


class World(Accounts):
    """All emulated state. Every public method is thread-safe."""

    def __init__(self, *, mastodon_hosts: Iterable[str] = ()) -> None:
        self.lock = threading.RLock()
        self.mastodon_hosts = {"mastodon.social", "truthsocial.com", *mastodon_hosts}
        #: Reject X syndication tokens that differ from the embed's computation.
        self.strict_x_token = False
        self.reset()

    def reset(self) -> None:
        """Forget every account, post, media file, failure mode and logged request."""
        with self.lock:
            self._sequence = 0
            self._accounts = {}
            self._account_ids = {}
            self._posts: dict[tuple[str, str], Post] = {}
            self._x_versions: dict[str, tuple[Post, int]] = {}
            self._media = {}
            self._failures = []
            self._requests = deque(maxlen=5000)
            self._articles: dict[str, tuple[bytes, str]] = {}
            #: The Internet Archive's Save Page Now and Wayback Machine.
            self.wayback = Wayback()

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    # Articles (the news site) ------------------------------------------------------------------

    def add_article(
        self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8"
    ) -> str:
        """Publish a page at ``path`` on the news site; its real URL (what an archivist
        submits). A ``str`` body is sent as UTF-8; bytes are sent as they are."""
        path = "/" + path.lstrip("/")
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self._articles[path] = (data, content_type)
        return f"{NEWS_ORIGIN}{path}"

    def article(self, path: str) -> tuple[bytes, str] | None:
        """The page at ``path`` and its content type, if one was published."""
        with self.lock:
            return self._articles.get(path)

    # Posts ------------------------------------------------------------------------------------

    def add_post(
        self,
        platform: str,
        handle: str,
        text: str,
        *,
        name: str | None = None,
        host: str | None = None,
        id: str | None = None,
        html: str | None = None,
        facets: list[Any] | None = None,
        media: list[dict[str, Any]] | None = None,
        quoted_id: str | None = None,
        reply_to_id: str | None = None,
        lang: str = "en",
        created_at: str | datetime | None = None,
        community: str | None = None,
        **counts: int,
    ) -> PostInfo:
        """Publish a post (creating its account if needed) and return its ids and URLs.
        ``community`` is a Reddit submission's subreddit (default: the author's profile,
        ``u_{handle}``)."""
        platform, host = self._where(platform, host)
        moment = parse_time(created_at) if isinstance(created_at, str) else created_at
        moment = moment or now()
        with self.lock:
            account = self.add_account(platform, handle, name, host=host)
            for other in (quoted_id, reply_to_id):
                if other is not None and self._find(platform, other) is None:
                    raise KeyError(f"no {platform} post {other}")
            post_id = id or self._new_id(platform, moment)
            if platform in ("x", "mastodon", "truthsocial") and not post_id.isdigit():
                raise ValueError("X and Mastodon ids are digits")
            if platform == "bluesky" and not _RKEY.fullmatch(post_id):
                raise ValueError("a Bluesky record key is 1-512 of A-Za-z0-9._:~-")
            if platform == "reddit" and not _BASE36.fullmatch(post_id):
                raise ValueError("a Reddit id is 1-13 of 0-9a-z")
            if platform == "telegram" and not post_id.isdigit():
                raise ValueError("a Telegram message id is digits")
            if platform == "threads" and not threads_json.is_code(post_id):
                raise ValueError("a Threads shortcode is 5-64 of A-Za-z0-9-_")
            if platform == "youtube" and not youtube_json.is_video_id(post_id):
                raise ValueError("a YouTube video id is 11 of A-Za-z0-9-_")
            if platform == "web" and not web.is_slug(post_id):
                raise ValueError("a web page's id is its slug: 1-80 of a-z0-9-")
            if self._find(platform, post_id) is not None:
                raise ValueError(f"{platform} post {post_id} exists")
            post = Post(platform, host, post_id, account, [], lang, moment, quoted_id, reply_to_id)
            if platform == "reddit":
                post.community = community or f"u_{account.handle}"
                if not _SUBREDDIT.fullmatch(post.community):
                    raise ValueError(f"{post.community!r} is not a subreddit name")
            for key, value in counts.items():
                if key in ("likes", "replies", "reposts", "quotes"):
                    setattr(post, key, int(value))
            post.versions.append(self._version(post, post_id, text, moment, html, facets, media))
            self._posts[(platform, post_id)] = post
            if platform == "x":
                self._x_versions[post_id] = (post, 0)
            account.post_count += 1
            account.last_post_at = max(moment, account.last_post_at or moment)
            return self.info(post)

    def _new_id(self, platform: str, moment: datetime) -> str:
        while True:
            if platform == "x":
                candidate = idgen.x_snowflake(moment, self._next())
            elif platform == "bluesky":
                candidate = idgen.tid(moment, self._next())
            elif platform == "reddit":
                candidate = reddit_json.new_id(moment, self._next())
            elif platform == "telegram":
                candidate = str(self._next())
            elif platform == "threads":
                candidate = threads_json.new_code(moment, self._next())
            elif platform == "youtube":
                candidate = youtube_json.new_id(moment, self._next())
            elif platform == "web":
                candidate = web.new_slug(self._next())
            else:
                candidate = idgen.mastodon_snowflake(moment, self._next())
            if self._find(platform, candidate) is None:
                return candidate

    def _version(
        self,
        post: Post,
        version_id: str,
        text: str,
        moment: datetime,
        html: str | None,
        facets: list[Any] | None,
        media: list[dict[str, Any]] | None,
    ) -> Version:
        items = []
        for index, spec in enumerate(media or []):
            kind = MEDIA_TYPES.get(str(spec.get("type", "image")))
            if kind is None:
                raise ValueError(f"media type must be one of {', '.join(MEDIA_TYPES)}")
            spec = {**spec, "type": kind}
            items.append(links.make_media(post, spec, index, self._next(), self.register_media))
        version = Version(version_id, text, moment, html, facets, items)
        if post.platform == "bluesky":
            if facets is None:
                version.text, version.facets = bsky_text(text, did_of=self._did_of)
            uri = links.at_uri(post)
            version.cid = idgen.cid((uri, version.text, repr(version.facets), len(post.versions)))
        return version

    def _did_of(self, handle: str) -> str | None:
        account = self.account("bluesky", handle)
        return account.id if account else None

    def _find(self, platform: str, post_id: str) -> Post | None:
        if platform == "x":
            found = self._x_versions.get(post_id)
            return found[0] if found else None
        if platform in ("mastodon", "truthsocial"):
            return self._posts.get(("mastodon", post_id)) or self._posts.get(
                ("truthsocial", post_id)
            )
        return self._posts.get((platform, post_id))

    def post(self, platform: str, post_id: str) -> Post:
        """The post with this id (on X: any version's id), or ``KeyError``."""
        with self.lock:
            post = self._find(platform, post_id)
            if post is None:
                raise KeyError(f"no {platform} post {post_id}")
            return post

    def info(self, post: Post) -> PostInfo:
        """A post's ids and URLs."""
        with self.lock:
            current = post.current
            media_urls = tuple(
                item.urls.get("full") or item.urls.get("mp4") or item.urls.get("playlist") or ""
                for item in current.media
                if item.urls
            )
            uri = ""
            if post.platform == "bluesky":
                uri = links.at_uri(post)
            elif post.platform == "truthsocial":
                uri = f"https://{post.host}/@{post.account.handle}/{post.id}"
            elif post.platform == "mastodon":
                uri = f"https://{post.host}/users/{post.account.handle}/statuses/{post.id}"
            return PostInfo(
                platform=post.platform,
                host=post.host,
                id=current.id,
                url=links.post_url(post),
                api_url=links.api_url(post),
                handle=post.account.handle,
                account_id=post.account.id,
                first_id=post.id,
                edit_ids=tuple(version.id for version in post.versions),
                uri=uri,
                cid=current.cid,
                did=post.account.id if post.platform == "bluesky" else "",
                media_urls=media_urls,
            )

    def posts(self) -> list[PostInfo]:
        """Every post, oldest first."""
        with self.lock:
            return [self.info(post) for post in self._posts.values()]

    def posts_of(self, platform: str) -> list[Post]:
        """Every post of one platform, oldest first."""
        with self.lock:
            return [post for post in self._posts.values() if post.platform == platform]

    def edit_post(
        self,
        platform: str,
        post_id: str,
        text: str,
        *,
        html: str | None = None,
        facets: list[Any] | None = None,
        media: list[dict[str, Any]] | None = None,
    ) -> PostInfo:
        """Edit a post. On X the edit is a new post id (returned as ``id``); elsewhere the id
        stays and ``edited_at`` / the CID change. ``media=None`` keeps the current media."""
        with self.lock:
            post = self.post(platform, post_id)
            moment = now()
            version_id = self._new_id("x", moment) if post.platform == "x" else post.id
            version = self._version(post, version_id, text, moment, html, facets, media)
            if media is None:
                version.media = post.current.media
            post.versions.append(version)
            if post.platform == "x":
                self._x_versions[version_id] = (post, len(post.versions) - 1)
            return self.info(post)

    def delete_post(self, platform: str, post_id: str) -> PostInfo:
        """Delete a post (on X: the whole edit chain)."""
        return self._mark(platform, post_id, deleted=True)

    def restore_post(self, platform: str, post_id: str) -> PostInfo:
        """Undo a deletion."""
        return self._mark(platform, post_id, deleted=False)

    def _mark(self, platform: str, post_id: str, *, deleted: bool) -> PostInfo:
        with self.lock:
            post = self.post(platform, post_id)
            post.deleted = deleted
            return self.info(post)

    def set_variant(self, platform: str, post_id: str, variant: str) -> PostInfo:
        """Present a post in a special way (see ``model.VARIANTS``); ``normal`` undoes it."""
        with self.lock:
            post = self.post(platform, post_id)
            if variant != "normal" and variant not in VARIANTS[post.platform]:
                allowed = ", ".join(("normal", *VARIANTS[post.platform]))
                raise ValueError(f"variant must be one of {allowed}")
            post.variant = variant
            return self.info(post)

    def set_counts(self, platform: str, post_id: str, **counts: int) -> PostInfo:
        """Change engagement counts (``likes``, ``replies``, ``reposts``, ``quotes``)."""
        with self.lock:
            post = self.post(platform, post_id)
            for key, value in counts.items():
                if key not in ("likes", "replies", "reposts", "quotes"):
                    raise ValueError(f"unknown count {key}")
                setattr(post, key, int(value))
            return self.info(post)

    # Lookups for the handlers -----------------------------------------------------------------

    def x_version(self, tweet_id: str) -> tuple[Post, int] | None:
        """The X post one of whose versions has this id, and that version's index."""
        with self.lock:
            return self._x_versions.get(tweet_id)

    def status(self, host: str, status_id: str) -> Post | None:
        """A Mastodon-style status on ``host``."""
        with self.lock:
            platform = "truthsocial" if host == "truthsocial.com" else "mastodon"
            post = self._posts.get((platform, status_id))
            return post if post is not None and post.host == host else None

    def bsky_post(self, did: str, rkey: str) -> Post | None:
        """A Bluesky post by its author's DID and record key."""
        post = self.bsky_rkey(rkey)
        return post if post is not None and post.account.id == did else None

    def bsky_rkey(self, rkey: str) -> Post | None:
        """A Bluesky post by its record key alone."""
        with self.lock:
            return self._posts.get(("bluesky", rkey))

    def seed_demo(self) -> dict[str, PostInfo]:
        """Create a handful of realistic posts per platform; returns them by name."""
        from archiver.emulator.demo import seed_demo

        return seed_demo(self)
