"""Accounts of the emulated world: creating them, finding them, changing their state.

Account states look like this per platform:

* X: ``suspended``/``takedown`` → tombstone "from a suspended account"; ``protected`` → the
  protected tombstone; ``withheld`` → the age-restricted tombstone; ``deactivated`` → "from an
  account that no longer exists".
* Mastodon / Truth Social: ``suspended`` → statuses 404, web page 410, lookup answers the
  account with ``"suspended": true``; ``takedown``/``deactivated`` → 404 everywhere, page 410;
  ``withheld`` (temporary suspension) → statuses 404, page 403, lookup ``"suspended": true``;
  ``protected`` (locked, posts followers-only) → statuses 404, page 404.
* Bluesky: ``suspended``/``takedown``/``withheld`` → getPostThread 400 NotFound, getProfile
  400 AccountTakedown; ``deactivated`` → NotFound / AccountDeactivated; ``protected`` → posts
  served with the author's ``!no-unauthenticated`` label, the embed refuses (403).
* Reddit and Telegram: see ``reddit_json`` and ``telegram``.
* Threads: any state but ``active`` hides every post as a deletion does (see ``threads``).
* YouTube: see ``youtube_json``.
* Web pages (the ``web`` platform): account states do not apply (see ``web``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from archiver.emulator import idgen, links, reddit_json, telegram, threads_json, youtube_json
from archiver.emulator.common import parse_time
from archiver.emulator.model import ACCOUNT_ACTIONS, ACCOUNT_STATES, PLATFORMS, Account
from archiver.emulator.tables import SideTables

DEFAULT_HOSTS = {
    "x": "x.com",
    "bluesky": "bsky.app",
    "truthsocial": "truthsocial.com",
    "reddit": "www.reddit.com",
    "telegram": "t.me",
    "threads": "www.threads.com",
    "youtube": "www.youtube.com",
    "web": "www.riverside-dispatch.example",
}
_HANDLES = {
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    "mastodon": re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?"),
    "truthsocial": re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?"),
    "bluesky": re.compile(
        r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z][a-zA-Z0-9-]*"
    ),
    "reddit": re.compile(r"[A-Za-z0-9_-]{3,20}"),
    "telegram": re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}"),
    "threads": re.compile(r"[a-z0-9._]{1,30}"),  # Instagram usernames, lower case
    "youtube": re.compile(r"[A-Za-z0-9_.-]{3,30}"),  # channel handles, without the @
    "web": re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"),  # an author's slug on the site
}


class Accounts(SideTables):
    """The account half of ``World``. Every public method is thread-safe."""

    _accounts: dict[tuple[str, str, str], Account]
    _account_ids: dict[tuple[str, str, str], Account]

    def _where(self, platform: str, host: str | None) -> tuple[str, str]:
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
        if platform == "mastodon" and host == "truthsocial.com":
            platform = "truthsocial"
        host = DEFAULT_HOSTS.get(platform) or (host or "mastodon.social").lower()
        if platform == "mastodon" and host not in self.mastodon_hosts:
            raise ValueError(f"{host} is not an emulated Mastodon host")
        return platform, host

    def add_account(
        self,
        platform: str,
        handle: str,
        name: str | None = None,
        *,
        host: str | None = None,
        created_at: str | datetime | None = None,
        **extra: Any,
    ) -> Account:
        """Create an account (or return the existing one with that handle)."""
        platform, host = self._where(platform, host)
        handle = handle.lstrip("@")
        if platform == "bluesky" and "." not in handle:
            handle = f"{handle}.bsky.social"
        if not _HANDLES[platform].fullmatch(handle):
            raise ValueError(f"{handle!r} is not a valid {platform} handle")
        with self.lock:
            found = self._accounts.get((platform, host, handle.lower()))
            if found is not None:
                return found
            moment = parse_time(created_at) if isinstance(created_at, str) else created_at
            moment = moment or parse_time("2020-01-01T00:00:00Z")
            if platform == "x":
                account_id = idgen.x_user_id(handle)
            elif platform == "bluesky":
                account_id = idgen.plc_did(handle)
            elif platform == "reddit":
                account_id = reddit_json.account_id(handle)
            elif platform == "telegram":
                account_id = telegram.channel_id(handle)
            elif platform == "threads":
                account_id = threads_json.user_pk(handle)
            elif platform == "youtube":
                account_id = youtube_json.channel_id(handle)
            else:
                account_id = idgen.mastodon_snowflake(moment, idgen.number(host, handle))
            account = Account(platform, host, account_id, handle, name or handle, moment)
            for key, value in extra.items():
                if key in ("bio", "verified", "location", "website", "followers", "following"):
                    setattr(account, key, value)
            account.avatar_url = links.avatar(account, self.register_media)
            self._accounts[(platform, host, handle.lower())] = account
            self._account_ids[(platform, host, account.id.lower())] = account
            return account

    def account(self, platform: str, handle: str, *, host: str | None = None) -> Account | None:
        """The account with this handle (or, on Bluesky, this DID), or ``None``."""
        platform, host = self._where(platform, host)
        with self.lock:
            wanted = handle.lstrip("@").lower()
            found = self._accounts.get((platform, host, wanted))
            return found or self._account_ids.get((platform, host, wanted))

    def accounts(self) -> list[Account]:
        """Every account."""
        with self.lock:
            return list(self._accounts.values())

    def set_account_state(
        self, platform: str, handle: str, state: str, *, host: str | None = None
    ) -> Account:
        """Put an account into ``state`` (also accepts an action name such as ``suspend``)."""
        state = ACCOUNT_ACTIONS.get(state, state)
        if state not in ACCOUNT_STATES:
            raise ValueError(f"state must be one of {', '.join(ACCOUNT_STATES)}")
        with self.lock:
            account = self.account(platform, handle, host=host)
            if account is None:
                raise KeyError(f"no {platform} account {handle}")
            account.state = state
            return account

    def suspend(self, platform: str, handle: str, *, host: str | None = None) -> Account:
        """Suspend an account."""
        return self.set_account_state(platform, handle, "suspended", host=host)

    def protect(self, platform: str, handle: str, *, host: str | None = None) -> Account:
        """Make an account's posts visible to followers only."""
        return self.set_account_state(platform, handle, "protected", host=host)

    def withhold(self, platform: str, handle: str, *, host: str | None = None) -> Account:
        """Withhold an account from logged-out viewers (X: age-restricted)."""
        return self.set_account_state(platform, handle, "withheld", host=host)

    def takedown(self, platform: str, handle: str, *, host: str | None = None) -> Account:
        """Take an account down."""
        return self.set_account_state(platform, handle, "takedown", host=host)

    def reinstate(self, platform: str, handle: str, *, host: str | None = None) -> Account:
        """Make an account active again."""
        return self.set_account_state(platform, handle, "active", host=host)
