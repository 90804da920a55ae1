"""What the API's shapes share: RFC 3339 timestamps (UTC, ``Z``), tags, problem details
(RFC 9457) and a reference to a stored artifact."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints

from archiver.timefmt import rfc3339

Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str)]


Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Problem(BaseModel):
    """An error (RFC 9457 problem details), sent as ``application/problem+json``."""

    type: str = Field(
        description="a URI naming the kind of problem: /problems/{slug}, or about:blank"
    )
    title: str = Field(description="the kind of problem, in a few words")
    status: int = Field(ge=400, le=599, description="the HTTP status code")
    detail: str = Field(description="what went wrong with this request, in one sentence")


class ArtifactRef(BaseModel):
    """A stored artifact: its SHA-256 and where to get its exact bytes."""

    sha256: str
    url: str
