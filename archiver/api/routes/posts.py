"""``/api/v1/posts``: submit a post, list posts, read one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from archiver import urls
from archiver.api.deps import SessionDep, SubmitterDep
from archiver.api.intake import Intake
from archiver.api.schemas.posts import (
    Author,
    PostLinks,
    PostList,
    PostOut,
    PostSubmission,
    SnapshotSummary,
)
from archiver.domain import Platform, PostStatus
from archiver.services import posts, submissions

router = APIRouter(prefix=urls.API + "/posts", tags=["posts"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def post_out(view: posts.PostView) -> PostOut:
    """The API shape of a post view."""
    post = view.post
    known_author = post.author_id or post.author_handle or post.author_name
    latest = view.latest
    return PostOut(
        id=post.id,
        url=post.url,
        canonical_url=post.canonical_url,
        platform=post.platform,
        platform_post_id=post.platform_post_id,
        author=Author(id=post.author_id, handle=post.author_handle, name=post.author_name)
        if known_author
        else None,
        posted_at=post.posted_at,
        status=post.status,
        suspected_status=post.suspected_status,
        submitted_at=post.submitted_at,
        first_captured_at=post.first_captured_at,
        last_checked_at=post.last_checked_at,
        next_check_at=post.next_check_at,
        snapshot_count=view.snapshot_count,
        edit_count=view.edit_count,
        tags=[tag.tag for tag in post.tags],
        latest_snapshot=SnapshotSummary(
            id=latest.id,
            captured_at=latest.captured_at,
            text=latest.text,
            url=urls.snapshot_api(latest.id),
        )
        if latest
        else None,
        links=PostLinks(
            self=urls.post_api(post.id),
            snapshots=urls.post_snapshots_api(post.id),
            checks=urls.post_checks_api(post.id),
            events=urls.post_events_api(post.id),
        ),
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PostOut,
    responses={
        200: {"model": PostOut, "description": "already submitted"},
        401: PROBLEM,
        422: PROBLEM,
    },
)
async def submit_post(body: PostSubmission, request: Request, key: SubmitterDep) -> Response:
    """Submit a post for capture: 202 and ``Location`` when new, 200 when already known.

    Stored with the submissions that arrive at the same moment, in one transaction
    (``archiver.api.intake``), and durable before the client hears "accepted"."""
    wanted = submissions.prepare(
        url=body.url, tags=body.tags, recheck=body.recheck, submitted_by=key.id
    )
    intake: Intake = request.app.state.intake
    accepted = await intake.submit(wanted, key)
    post_id = accepted.view.post.id
    return Response(
        post_out(accepted.view).model_dump_json(),
        status_code=status.HTTP_202_ACCEPTED if accepted.created else status.HTTP_200_OK,
        headers={"Location": urls.post_api(post_id)} if accepted.created else None,
        media_type="application/json",
    )


@router.get("", responses={422: PROBLEM})
def list_posts(
    session: SessionDep,
    status_: Annotated[PostStatus | None, Query(alias="status")] = None,
    platform: Platform | None = None,
    author: Annotated[str | None, Query(max_length=256)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> PostList:
    """Posts, newest submission first, filtered; follow ``next`` for the following page."""
    filters = posts.PostFilters(status=status_, platform=platform, author=author, tag=tag, q=q)
    views, next_cursor = posts.page(session=session, filters=filters, limit=limit, cursor=cursor)
    return PostList(items=[post_out(view) for view in views], next=next_cursor)


@router.get("/{post_id}", responses={404: PROBLEM})
def get_post(post_id: str, session: SessionDep) -> PostOut:
    """One post with its status, counts and newest snapshot."""
    return post_out(posts.get(session=session, post_id=post_id))
