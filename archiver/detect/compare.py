"""Was a post edited between two observations? (SPEC §4, Event ``kind`` ``edited``.)

A post changed iff its normalised text, its set of media or its quoted post changed; counts of
likes and reposts are not content and never count. What the platform says about edits (X's
``edit_tweet_ids``, Mastodon's ``edited_at``) is recorded as a signal beside the verdict but
does not decide it: a platform "edit" that changed nothing we compare is no edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from archiver.detect.diff import Diff, word_diff
from archiver.detect.normalise import Content
from archiver.detect.visual import ReplacedMedia


@dataclass(frozen=True, slots=True)
class Verdict:
    """What changed between two contents: ``reasons`` in a fixed order (``text``,
    ``media added``, ``media removed``, ``quoted post``, then ``media`` for photos that show
    another picture at the same address, listed in ``replaced``), the word diff of the
    normalised texts when the text changed, and what the platform said about edits, if
    anything."""

    changed: bool
    reasons: tuple[str, ...]
    text_diff: Diff | None
    platform_signal: str | None
    replaced: tuple[ReplacedMedia, ...] = ()

    def with_replaced(self, replaced: Sequence[ReplacedMedia]) -> Verdict:
        """This verdict, and the photos found replaced (reason ``media``) when there are any."""
        if not replaced:
            return self
        return replace(
            self, changed=True, reasons=(*self.reasons, "media"), replaced=tuple(replaced)
        )


def compare(
    before: Content,
    after: Content,
    *,
    before_edit_ids: Sequence[str] = (),
    after_edit_ids: Sequence[str] = (),
    before_edited_at: datetime | None = None,
    after_edited_at: datetime | None = None,
) -> Verdict:
    """The verdict on ``before`` → ``after``; the platform's edit markers only add a signal."""
    reasons: list[str] = []
    if before.text != after.text:
        reasons.append("text")
    if after.media - before.media:
        reasons.append("media added")
    if before.media - after.media:
        reasons.append("media removed")
    if before.quoted != after.quoted:
        reasons.append("quoted post")
    return Verdict(
        changed=bool(reasons),
        reasons=tuple(reasons),
        text_diff=word_diff(before.text, after.text) if "text" in reasons else None,
        platform_signal=platform_signal(
            before_edit_ids, after_edit_ids, before_edited_at, after_edited_at
        ),
    )


def platform_signal(
    before_edit_ids: Sequence[str],
    after_edit_ids: Sequence[str],
    before_edited_at: datetime | None,
    after_edited_at: datetime | None,
) -> str | None:
    """What the platform says about an edit between the two observations, or ``None``.

    X: the ``edit_tweet_ids`` list grew and now names more than one version (a list first seen
    empty, as from X's oEmbed fallback, that now names only the post itself is no signal).
    Every other platform (Mastodon first): ``edited_at`` is set and differs from before (its
    disappearance is no signal).
    """
    signals: list[str] = []
    if len(after_edit_ids) > max(len(before_edit_ids), 1):
        signals.append(
            f"x edit_tweet_ids grew from {len(before_edit_ids)} to {len(after_edit_ids)}"
        )
    if after_edited_at is not None and after_edited_at != before_edited_at:
        signals.append("edited_at changed")
    return "; ".join(signals) or None
