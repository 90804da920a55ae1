"""Opaque keyset cursors: ``(timestamp, id)`` of the last item of a page, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from archiver.errors import UnprocessableContent
from archiver.ids import normalize_id


def encode_cursor(at: datetime, item_id: str) -> str:
    """A cursor pointing just after the item ``(at, item_id)``."""
    raw = f"{at.isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor this API issued, or raise UnprocessableContent."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, item_id = raw.split("|", 1)
        moment = datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise UnprocessableContent("cursor is not one this API issued") from exc
    if moment.tzinfo is None or normalize_id(item_id) != item_id:
        raise UnprocessableContent("cursor is not one this API issued")
    return moment, item_id
