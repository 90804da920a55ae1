"""Snapshots and their evidence: the artifacts, the screenshot, media, the citation, trusted
timestamps and independent copies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archiver.api.schemas.common import ArtifactRef, Timestamp
from archiver.api.schemas.posts import Author


class RawRef(ArtifactRef):
    """The raw upstream body the snapshot was read from."""

    source_url: str | None
    content_type: str | None


class ScreenshotOut(BaseModel):
    """A PNG of the post: the platform's own page, or Archiver's card of the captured data."""

    url: str
    sha256: str
    width: int | None
    height: int | None
    source: str  # "platform" | "archiver_card"
    browser_version: str | None
    taken_at: Timestamp | None
    page_url: str | None
    phash: str | None = Field(
        None, description="perceptual hash (pHash, 16 hex digits) of what the screenshot shows"
    )


class MediaOut(BaseModel):
    """A photo or video of the post, kept with its hash."""

    model_config = ConfigDict(extra="allow")

    type: str
    url: str
    sha256: str | None
    download_url: str | None = None
    phash: str | None = Field(
        None,
        description="a photo's perceptual hash (pHash, 16 hex digits): the same picture "
        "re-encoded hashes within a few bits of it",
    )


class CitationOut(BaseModel):
    """How to cite a snapshot: its permanent page, a Robust Link, APA 7, MLA 9, Chicago 17."""

    url: str = Field(description="the snapshot's permanent page")
    robust_link_html: str = Field(
        description="an <a> to the original with data-versionurl and data-versiondate"
    )
    apa: str
    mla: str
    chicago: str


class TimestampFiles(BaseModel):
    """The files of a trusted timestamp, each byte for byte under its SHA-256."""

    manifest: ArtifactRef | None = Field(None, description="the manifest timestamped (JSON)")
    token: ArtifactRef | None = Field(None, description="the TSA's RFC 3161 reply (.tsr)")
    chain: ArtifactRef | None = Field(None, description="the TSA's certificate chain (PEM)")


class TimestampOut(BaseModel):
    """An RFC 3161 timestamp of the snapshot's manifest by one Time-Stamp Authority."""

    id: str
    tsa: str = Field(description="the Time-Stamp Authority's URL")
    authority: str = Field(description="the TSA in words: its certificate's name, or its host")
    status: str = Field(
        description='"stamped", "pending" (requested, retried until done) or "dropped" (its TSA '
        "left ARCHIVER_TSA_URLS before it was done: no longer asked for; last_error says so)"
    )
    time: Timestamp | None = Field(description="when the TSA saw the manifest's hash")
    sha256: str | None = Field(description="SHA-256 of the token (the TSA's reply)")
    verified: bool | None = Field(
        description="the token is over the manifest, well signed, by a certificate that "
        "chains to a trusted root"
    )
    verify_error: str | None
    serial_number: str | None
    policy: str | None
    signer: str | None = Field(description="the signing certificate's subject")
    files: TimestampFiles
    requested_at: Timestamp
    attempts: int
    last_error: str | None
    next_attempt_at: Timestamp | None


class CorroborationOut(BaseModel):
    """An independent copy of the snapshot's post, made by another archive at our request."""

    id: str
    service: str = Field(description='the archive asked: "wayback" (the Wayback Machine)')
    status: str = Field(
        description='"pending" (asked for, or being made), "success" (made) or "error" '
        "(refused, or given up)"
    )
    url: str | None = Field(description="the copy's address (the Wayback Machine's), once made")
    archived_at: Timestamp | None = Field(
        description="when the archive captured it, by the archive's own clock"
    )
    original_url: str = Field(description="the URL the archive was asked to copy")
    requested_at: Timestamp
    submitted_at: Timestamp | None = Field(description="when the archive accepted the request")
    job_id: str | None = Field(description="the archive's name for the capture job")
    error: str | None = Field(
        description="why it ended in error, or (while pending) why the last attempt failed"
    )
    status_ext: str | None = Field(description="the archive's code for an error (error:…)")
    answer: str | None = Field(
        description="the archive's last answer about it, exactly as received (SPN2's JSON)"
    )
    attempts: int
    next_attempt_at: Timestamp | None


class SnapshotOut(BaseModel):
    """One immutable capture of a post (SPEC §5)."""

    id: str
    post_id: str
    captured_at: Timestamp
    version_id: str | None
    text: str
    lang: str | None
    author: Author | None
    posted_at: Timestamp | None
    edited_at: Timestamp | None
    media: list[MediaOut]
    metrics: dict[str, Any]
    quoted_post: dict[str, Any] | None
    reply_to: dict[str, Any] | None
    edit_history_ids: list[str]
    raw: RawRef | None
    screenshot: ScreenshotOut | None
    warc: ArtifactRef | None
    software_version: str
    extra: dict[str, Any]
    citation: CitationOut
    timestamps: list[TimestampOut]
    corroborations: list[CorroborationOut]
