"""When does a string of "gone" answers become a confirmed status? (SPEC §4, Confirmation.)

A status changes only after ``needed`` consecutive ``gone`` observations with the same reason
that span at least ``span``. Errors and rate limits are not evidence either way: they neither
count nor break the run. A live observation ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from archiver.domain import CheckOutcome, PostStatus

_NOT_EVIDENCE = frozenset({CheckOutcome.ERROR, CheckOutcome.RATE_LIMITED})


@dataclass(frozen=True, slots=True)
class Seen:
    """One past observation, as far as confirmation cares."""

    at: datetime
    outcome: CheckOutcome
    reason: PostStatus | None = None


def trailing_gone(history: Sequence[Seen]) -> list[Seen]:
    """The newest run of same-reason ``gone`` observations, newest first."""
    run: list[Seen] = []
    for seen in reversed(history):
        if seen.outcome in _NOT_EVIDENCE:
            continue
        if seen.outcome is not CheckOutcome.GONE:
            break
        if run and seen.reason is not run[0].reason:
            break
        run.append(seen)
    return run


def confirmed_gone(history: Sequence[Seen], *, needed: int, span: timedelta) -> PostStatus | None:
    """The status the observations confirm, or ``None`` while it is only suspected."""
    run = trailing_gone(history)
    if len(run) >= needed and run[0].at - run[-1].at >= span:
        return run[0].reason
    return None
