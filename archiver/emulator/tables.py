"""The world's side tables: registered media files, failure modes and the request log.

``World`` inherits these methods; they use its lock and its post lookup.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import replace

from archiver.emulator.common import DEFAULT_ORIGINS
from archiver.emulator.media import MediaFile, media_key
from archiver.emulator.model import FAILURE_MODES, Failure, Post, RequestRecord


class SideTables(ABC):
    """Media, failure modes and requests. Every public method is thread-safe."""

    lock: threading.RLock
    mastodon_hosts: set[str]
    _media: dict[tuple[str, str], MediaFile]
    _failures: list[Failure]
    _requests: deque[RequestRecord]

    @abstractmethod
    def _next(self) -> int:
        """A fresh number (the world's counter)."""

    @abstractmethod
    def _find(self, platform: str, post_id: str) -> Post | None:
        """The post with this id, or ``None``."""

    @abstractmethod
    def post(self, platform: str, post_id: str) -> Post:
        """The post with this id, or ``KeyError``."""

    # Media ------------------------------------------------------------------------------------

    def register_media(self, url: str, file: MediaFile) -> None:
        """Make a media origin serve ``file`` at ``url``."""
        with self.lock:
            self._media[media_key(url)] = file

    def media_file(self, url: str) -> MediaFile | None:
        """The media file registered at ``url``."""
        with self.lock:
            return self._media.get(media_key(url))

    def change_media(self, url: str, change: str) -> MediaFile:
        """Change the file served at ``url``, as a CDN or a page's owner may, behind the same
        address: ``replace`` it with another picture (the negative of the one shown: far from
        it by any perceptual hash; replacing twice brings the first back), or ``reencode`` the
        same picture into other bytes. ``KeyError`` for an unknown URL, ``ValueError`` for
        another change."""
        with self.lock:
            key = media_key(url)
            file = self._media.get(key)
            if file is None:
                raise KeyError(f"no media file at {url}")
            if change == "replace":
                new = replace(file, negative=not file.negative, quality=1)
            elif change == "reencode":
                new = replace(file, quality=file.quality + 1)
            else:
                raise ValueError("change must be replace or reencode")
            self._media[key] = new
            return new

    # Failure modes ----------------------------------------------------------------------------

    def add_failure(
        self,
        mode: str,
        *,
        origin: str | None = None,
        platform: str | None = None,
        post_id: str | None = None,
        count: int | None = None,
        status: int = 503,
        retry_after_seconds: int = 60,
        seconds: float | None = None,
    ) -> Failure:
        """Make an origin (a real one, ``https://mastodon.social``) or one post fail in ``mode``
        for ``count`` requests (``None``: until cleared)."""
        if mode not in FAILURE_MODES:
            raise ValueError(f"mode must be one of {', '.join(FAILURE_MODES)}")
        if (origin is None) == (post_id is None):
            raise ValueError("give either origin or platform and post_id")
        status, retry_after_seconds = int(status), int(retry_after_seconds)
        count = None if count is None else int(count)
        seconds = None if seconds is None else float(seconds)
        if not 400 <= status <= 599:
            raise ValueError("status must be 4xx or 5xx")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or absent: until cleared)")
        if post_id is not None and not platform:
            raise ValueError("a post's failure needs its platform")
        if origin is not None:
            origin = origin.rstrip("/").lower()
            known = {o.url for o in DEFAULT_ORIGINS} | {f"https://{h}" for h in self.mastodon_hosts}
            if origin not in known:
                raise ValueError(f"{origin} is not an emulated origin")
        with self.lock:
            if post_id is not None:
                platform = self.post(str(platform), post_id).platform
                post_id = self.post(platform, post_id).id
            failure = Failure(
                self._next(),
                mode,
                origin,
                platform,
                post_id,
                count,
                status,
                retry_after_seconds,
                seconds,
            )
            self._failures.append(failure)
            return failure

    def take_failure(self, origin: str, post: tuple[str, str] | None) -> Failure | None:
        """The failure mode that applies to a request (a post's before its origin's), counting
        it down."""
        with self.lock:
            if post is not None:
                found = self._find(*post)
                post = (found.platform, found.id) if found else post
            for wanted in ("post", "origin"):
                for failure in self._failures:
                    if (wanted == "post" and post == (failure.platform, failure.post_id)) or (
                        wanted == "origin" and failure.origin == origin
                    ):
                        if failure.remaining is not None:
                            failure.remaining -= 1
                            if failure.remaining <= 0:
                                self._failures.remove(failure)
                        return failure
            return None

    def failures(self) -> list[Failure]:
        """The failure modes in force."""
        with self.lock:
            return list(self._failures)

    def clear_failures(self) -> None:
        """Back to normal everywhere."""
        with self.lock:
            self._failures.clear()

    # Request log ------------------------------------------------------------------------------

    def log_request(self, record: RequestRecord) -> None:
        """Remember a request (the last 5,000 are kept)."""
        with self.lock:
            self._requests.append(record)

    def requests(self, origin: str | None = None) -> list[RequestRecord]:
        """Requests received, oldest first, optionally of one real origin only."""
        with self.lock:
            return [r for r in self._requests if origin is None or r.origin == origin]

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        with self.lock:
            self._requests.clear()
