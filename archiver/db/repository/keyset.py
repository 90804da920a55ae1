"""Keyset pagination: the rows after a ``(timestamp, id)`` cursor, newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute


def older_than(
    at: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[str],
    after: tuple[datetime, str],
) -> ColumnElement[bool]:
    """Rows ordered before ``after`` in ``(at, key)`` descending order.

    Written ``at <= :at AND (at < :at OR key < :key)`` rather than the bare ``OR``: the same
    rows, but the first term bounds an index on ``at`` (or ``(at, key)``, or ``(…, at)``), so
    a page deep in a million rows is read from the cursor on, not from the newest row down
    (SQLite and PostgreSQL both scanned from the top with the bare ``OR``).
    """
    moment, item = after
    return and_(at <= moment, or_(at < moment, key < item))
