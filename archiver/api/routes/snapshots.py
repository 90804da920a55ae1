"""Snapshots, checks and their artifacts: ``/api/v1/posts/{id}/snapshots|checks``,
``/api/v1/snapshots/{id}`` and the exact bytes behind every hash."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from archiver import urls
from archiver.api.deps import KeyDep, NowDep, SessionDep, WriteSessionDep
from archiver.api.rendering import base_url
from archiver.api.schemas.common import ArtifactRef
from archiver.api.schemas.posts import Author, CheckList, CheckOut, CheckQueued
from archiver.api.schemas.snapshots import (
    CitationOut,
    CorroborationOut,
    MediaOut,
    RawRef,
    ScreenshotOut,
    SnapshotOut,
    TimestampFiles,
    TimestampOut,
)
from archiver.db.models import Check, Post, Snapshot, SnapshotCorroboration, SnapshotTimestamp
from archiver.services import citation, corroboration, posts, snapshots, timestamps
from archiver.storage import BlobStore, sha256_hex

router = APIRouter(prefix=urls.API, tags=["snapshots"])
#: How long ``?wait=true`` waits for a worker to finish the requested check.
WAIT_SECONDS = 60
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
BYTES: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
#: An artifact served with the type it came with (a raw body, a photo, an article).
ARTIFACT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"*/*": {}}, "description": "the exact bytes, with their own type"},
    404: PROBLEM,
}
WARC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/warc": BYTES}, "description": "the WARC, byte for byte"},
    404: PROBLEM,
}


def snapshot_out(snapshot: Snapshot, *, post: Post, base: str) -> SnapshotOut:
    """The API shape of a snapshot of ``post``; ``base`` roots its absolute citation URLs."""
    cited = citation.cite(citation.cited(post, snapshot, base=base))
    has_author = snapshot.author_id or snapshot.author_handle or snapshot.author_name
    return SnapshotOut(
        id=snapshot.id,
        post_id=snapshot.post_id,
        captured_at=snapshot.captured_at,
        version_id=snapshot.version_id,
        text=snapshot.text,
        lang=snapshot.lang,
        author=Author(
            id=snapshot.author_id, handle=snapshot.author_handle, name=snapshot.author_name
        )
        if has_author
        else None,
        posted_at=snapshot.posted_at,
        edited_at=snapshot.edited_at,
        media=[
            MediaOut.model_validate(
                {
                    **entry,
                    "download_url": urls.snapshot_media(snapshot.id, entry["sha256"])
                    if entry.get("sha256")
                    else None,
                }
            )
            for entry in snapshot.media
        ],
        metrics=snapshot.metrics,
        quoted_post=snapshot.quoted_post,
        reply_to=snapshot.reply_to,
        edit_history_ids=snapshot.edit_history_ids,
        raw=RawRef(
            sha256=snapshot.raw_sha256,
            url=urls.snapshot_raw(snapshot.id),
            source_url=snapshot.raw_url,
            content_type=snapshot.raw_content_type,
        )
        if snapshot.raw_sha256
        else None,
        screenshot=ScreenshotOut(
            url=urls.snapshot_screenshot(snapshot.id),
            sha256=snapshot.screenshot_sha256,
            width=snapshot.screenshot_width,
            height=snapshot.screenshot_height,
            source=snapshot.screenshot_source or "platform",
            browser_version=snapshot.browser_version,
            taken_at=snapshot.screenshot_taken_at,
            page_url=snapshot.screenshot_url,
            phash=snapshot.screenshot_phash,
        )
        if snapshot.screenshot_sha256
        else None,
        warc=ArtifactRef(sha256=snapshot.warc_sha256, url=urls.snapshot_warc(snapshot.id))
        if snapshot.warc_sha256
        else None,
        software_version=snapshot.software_version,
        extra=snapshot.extra,
        citation=CitationOut(
            url=cited.url,
            robust_link_html=cited.robust_link_html,
            apa=cited.apa,
            mla=cited.mla,
            chicago=cited.chicago,
        ),
        timestamps=[timestamp_out(stamp) for stamp in snapshot.timestamps],
        corroborations=[corroboration_out(row) for row in snapshot.corroborations],
    )


def timestamp_out(stamp: SnapshotTimestamp) -> TimestampOut:
    """The API shape of a trusted timestamp, with the address of each of its files."""
    files = {}
    for name, (column, _) in timestamps.FILES.items():
        sha256 = getattr(stamp, column)
        url = urls.snapshot_timestamp_file(stamp.snapshot_id, stamp.id, name)
        files[name.split(".")[0]] = ArtifactRef(sha256=sha256, url=url) if sha256 else None
    return TimestampOut(
        id=stamp.id,
        tsa=stamp.tsa_url,
        authority=timestamps.authority(stamp),
        status=timestamps.status_of(stamp),
        time=stamp.gen_time,
        sha256=stamp.token_sha256,
        verified=stamp.verified,
        verify_error=stamp.verify_error,
        serial_number=stamp.serial_number,
        policy=stamp.policy,
        signer=stamp.signer,
        files=TimestampFiles(**files),
        requested_at=stamp.requested_at,
        attempts=stamp.attempts,
        last_error=stamp.last_error,
        next_attempt_at=stamp.next_attempt_at,
    )


def corroboration_out(row: SnapshotCorroboration) -> CorroborationOut:
    """The API shape of an independent copy (never the keys it was asked for with)."""
    return CorroborationOut(
        id=row.id,
        service=row.service,
        status=row.status.value,
        url=row.archived_url,
        archived_at=row.archived_at,
        original_url=row.url,
        requested_at=row.requested_at,
        submitted_at=row.submitted_at,
        job_id=row.job_id,
        error=corroboration.error_of(row),
        status_ext=row.status_ext,
        answer=row.answer,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
    )


def check_out(check: Check) -> CheckOut:
    """The API shape of a check."""
    return CheckOut(
        id=check.id,
        checked_at=check.checked_at,
        outcome=check.outcome,
        reason=check.reason,
        error=check.error,
        evidence=check.evidence,
        retry_after=check.retry_after,
        http_status=check.http_status,
        elapsed_ms=check.elapsed_ms,
        snapshot_id=check.snapshot_id,
        warc=ArtifactRef(sha256=check.warc_sha256, url=urls.check_warc(check.id))
        if check.warc_sha256
        else None,
        screenshot_error=check.screenshot_error,
    )


def artifact_response(
    artifact: snapshots.Artifact, sha256: str, *, inline: bool = False
) -> Response:
    """Exact bytes with their exact type; never sniffed, never run as a page of ours."""
    digest = base64.b64encode(binascii.unhexlify(sha256)).decode()
    return Response(
        content=artifact.body,
        media_type=artifact.media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": f"{'inline' if inline else 'attachment'}; "
            f'filename="{artifact.filename}"',
            "ETag": f'"{sha256}"',
            "Repr-Digest": f"sha-256=:{digest}:",
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


def _blobs(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blobs
    return store


def _screenshots(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.screenshots
    return store


@router.get("/posts/{post_id}/snapshots", responses={404: PROBLEM})
def post_snapshots(post_id: str, session: SessionDep, request: Request) -> list[SnapshotOut]:
    """A post's snapshots, oldest first."""
    post = posts.get(session=session, post_id=post_id).post
    base = base_url(request)
    return [
        snapshot_out(s, post=post, base=base)
        for s in snapshots.list_snapshots(session=session, post_id=post.id)
    ]


@router.get("/posts/{post_id}/checks", responses={404: PROBLEM, 422: PROBLEM})
def post_checks(
    post_id: str,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CheckList:
    """A post's observation log, newest first."""
    post = posts.get(session=session, post_id=post_id).post
    rows, next_cursor = snapshots.checks_page(
        session=session, post_id=post.id, limit=limit, cursor=cursor
    )
    return CheckList(items=[check_out(c) for c in rows], next=next_cursor)


@router.post(
    "/posts/{post_id}/checks",
    status_code=202,
    response_model=CheckQueued,
    responses={
        200: {"model": CheckOut, "description": "with wait=true: the check, done"},
        401: PROBLEM,
        404: PROBLEM,
    },
)
def request_check(
    post_id: str,
    response: Response,
    session: WriteSessionDep,
    key: KeyDep,
    now: NowDep,
    request: Request,
    wait: bool = False,
) -> CheckQueued | JSONResponse:
    """Re-check a post now: 202 at once, or with ``?wait=true`` the finished check (≤ 60 s;
    still 202 if no worker took it in time)."""
    canonical = snapshots.request_check(session=session, post_id=post_id, now=now)
    session.commit()
    response.headers["Location"] = urls.post_checks_api(canonical)
    queued = CheckQueued(post_id=canonical, status="queued", requested_at=now)
    if not wait:
        return queued
    factory = request.app.state.session_factory
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with factory() as reader:
            check = snapshots.check_since(session=reader, post_id=canonical, since=now)
            if check is not None:
                done = check_out(check).model_dump(mode="json")
                return JSONResponse(done, headers={"Location": urls.post_checks_api(canonical)})
        time.sleep(0.2)
    return queued


@router.get("/snapshots/{snapshot_id}", responses={404: PROBLEM})
def get_snapshot(snapshot_id: str, session: SessionDep, request: Request) -> SnapshotOut:
    """One snapshot with the hash of every artifact, and how to cite it."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    post = posts.get(session=session, post_id=snapshot.post_id).post
    return snapshot_out(snapshot, post=post, base=base_url(request))


@router.get("/snapshots/{snapshot_id}/raw", responses=ARTIFACT, response_class=Response)
def snapshot_raw(snapshot_id: str, session: SessionDep, request: Request) -> Response:
    """The raw upstream body, byte for byte, with the type the platform gave it."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    artifact = snapshots.raw_artifact(snapshot, _blobs(request))
    return artifact_response(artifact, snapshot.raw_sha256 or "")


@router.get("/snapshots/{snapshot_id}/warc", responses=WARC, response_class=Response)
def snapshot_warc(snapshot_id: str, session: SessionDep, request: Request) -> Response:
    """The WARC of the capture, byte for byte."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    artifact = snapshots.warc_artifact(snapshot.id, snapshot.warc_sha256, _blobs(request))
    return artifact_response(artifact, snapshot.warc_sha256 or "")


@router.get(
    "/snapshots/{snapshot_id}/screenshot.png",
    responses={200: {"content": {"image/png": BYTES}, "description": "the PNG"}, 404: PROBLEM},
    response_class=Response,
)
def snapshot_screenshot(snapshot_id: str, session: SessionDep, request: Request) -> Response:
    """The PNG of the snapshot, byte for byte."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    artifact = snapshots.screenshot_artifact(snapshot, _screenshots(request))
    return artifact_response(artifact, snapshot.screenshot_sha256 or "", inline=True)


@router.get("/snapshots/{snapshot_id}/media/{sha256}", responses=ARTIFACT, response_class=Response)
def snapshot_media(
    snapshot_id: str, sha256: str, session: SessionDep, request: Request
) -> Response:
    """One photo or video of the snapshot, byte for byte."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    return artifact_response(snapshots.media_artifact(snapshot, sha256, _blobs(request)), sha256)


@router.get(
    "/snapshots/{snapshot_id}/timestamps/{timestamp_id}/{name}",
    responses={
        200: {
            "content": {media_type: BYTES for _, media_type in timestamps.FILES.values()},
            "description": "manifest.json, token.tsr or chain.pem, byte for byte",
        },
        404: PROBLEM,
    },
    response_class=Response,
)
def snapshot_timestamp_file(
    snapshot_id: str, timestamp_id: str, name: str, session: SessionDep, request: Request
) -> Response:
    """A file of one of the snapshot's trusted timestamps: the manifest timestamped, the
    TSA's token, or its certificate chain; check them with ``openssl ts -verify -data
    manifest.json -in token.tsr -CAfile chain.pem``."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    artifact = snapshots.timestamp_artifact(snapshot, timestamp_id, name, _blobs(request))
    return artifact_response(artifact, sha256_hex(artifact.body))


@router.get("/checks/{check_id}/warc", responses=WARC, response_class=Response)
def check_warc(check_id: str, session: SessionDep, request: Request) -> Response:
    """The WARC of one observation: what the platform answered, gone answers included."""
    check = snapshots.get_check(session=session, check_id=check_id)
    artifact = snapshots.warc_artifact(check.id, check.warc_sha256, _blobs(request))
    return artifact_response(artifact, check.warc_sha256 or "")
