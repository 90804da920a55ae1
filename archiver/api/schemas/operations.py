"""Operations: ``/healthz``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Health(BaseModel):
    """What ``/healthz`` reports, on the API and on an ``archiver worker``'s own port."""

    status: str
    version: str
    database: str
    chromium: str | None
    #: ``running`` when this process runs the capture worker (``stopped`` once its scheduler
    #: stopped: the status is then ``unavailable``), ``off`` when it serves only.
    worker: str
    #: The worker's browser pool (``state``, ``version``, ``pages_in_use``), if screenshots are on.
    browser: dict[str, Any] | None
    #: Platforms whose answers look like an outage: no disappearance is confirmed on them.
    degraded_platforms: list[str]
