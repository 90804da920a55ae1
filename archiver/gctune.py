"""Garbage-collector settings for long-running server processes (``serve``, ``worker``).

Measured (``docs/benchmarks.md``, "Submissions"): under load, the objects of requests in
flight outlive two young collections and reach the oldest generation, so full collections ran
every second or so, each walking the whole heap (the imported libraries, the app, compiled
statements) for 100-220 ms, during which no request was answered: they were the p99.
Two remedies, both standard CPython practice:

* the heap as it stands once the app is built is frozen (:func:`gc.freeze`): it stays alive for
  the life of the process anyway, and full collections no longer walk it;
* the youngest generation is collected after 20,000 net allocations instead of 700, so a
  request's objects are usually freed by reference counting, or die young, before promotion.

Not used by tests or library callers: only the commands that run a server call it.
"""

from __future__ import annotations

import gc
from typing import Final

#: Net allocations between collections of the youngest generation (CPython's default: 700).
YOUNG_THRESHOLD: Final = 20_000


def tune_for_server() -> None:
    """Freeze what is alive now and collect the young generation less often. Call it once
    the process has built what it keeps for its whole life (the app, its settings)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
