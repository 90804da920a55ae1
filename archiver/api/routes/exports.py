"""``GET /api/v1/posts/{id}/export.wacz``: a post's evidence as one WACZ file, for replay tools
and other archives. Also the API shapes every export is written in (``API_SHAPES``)."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from archiver import urls
from archiver.api.deps import NowDep, SessionDep, SigningKeyDep
from archiver.api.rendering import base_url
from archiver.api.routes.posts import post_out
from archiver.api.routes.snapshots import check_out, snapshot_out
from archiver.errors import NotFound
from archiver.services import export, posts
from archiver.services.export_wacz import MEDIA_TYPE, write_wacz
from archiver.storage import BlobStore

router = APIRouter(prefix=urls.API, tags=["exports"])
log = logging.getLogger("archiver.api")


def api_shapes(base: str) -> export.Shapes:
    """The API's shapes, its citations rooted at ``base`` (the service's public address)."""
    return export.Shapes(
        post=lambda view: post_out(view).model_dump(mode="json"),
        snapshot=lambda snap, post: snapshot_out(snap, post=post, base=base).model_dump(
            mode="json"
        ),
        check=lambda check: check_out(check).model_dump(mode="json"),
    )


PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


@router.get(
    "/posts/{post_id}/export.wacz",
    response_class=FileResponse,
    responses={
        200: {"content": {MEDIA_TYPE: {}}, "description": "a signed WACZ 1.1.1 file"},
        404: PROBLEM,
        500: {**PROBLEM, "description": "evidence missing or damaged in storage"},
    },
)
def export_wacz(
    post_id: str, session: SessionDep, request: Request, now: NowDep, key: SigningKeyDep
) -> FileResponse:
    """Every snapshot and check of the post, with their WARCs byte for byte, the screenshots,
    a CDXJ index, a page list and a manifest of SHA-256 hashes (WACZ 1.1.1), signed with this
    archive's key (its public half at ``/.well-known/archiver-signing-key``)."""
    post = posts.get(session=session, post_id=post_id).post
    blobs: BlobStore = request.app.state.blobs
    screenshots: BlobStore = request.app.state.screenshots
    handle, name = tempfile.mkstemp(prefix="archiver-export-", suffix=".wacz")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            write_wacz(
                out, export.bundles(session=session, post_ids=[post.id]), blobs=blobs,
                screenshots=screenshots, shapes=api_shapes(base_url(request)), now=now,
                selection=export.Selection(post_ids=(post.id,)),
                title=f"Archiver: post {post.id} ({post.canonical_url})", key=key,
            )  # fmt: skip
    except export.NothingToExport as exc:
        path.unlink(missing_ok=True)
        raise NotFound(str(exc)) from exc
    except export.ExportError as exc:  # evidence missing or damaged in storage: ours, not theirs
        path.unlink(missing_ok=True)
        log.error("export of post %s failed: %s", post.id, exc)
        raise HTTPException(500, str(exc)) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=MEDIA_TYPE,
        filename=f"archiver-post-{post.id}.wacz",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
