"""X's media in the syndication Tweet: ``mediaDetails`` (photo, video, animated_gif with
``video_info.variants``) and react-tweet's ``photos`` / ``video`` summaries."""

from __future__ import annotations

import math
from typing import Any

from archiver.emulator.model import Post
from archiver.emulator.text import XText


def media_details(post: Post, index: int, rendered: XText) -> dict[str, Any]:
    """``mediaDetails`` (and ``photos`` / ``video``) of version ``index`` of ``post``."""
    version = post.versions[index]
    details, photos, video = [], [], None
    for number, item in enumerate(m for m in version.media if m.type != "external"):
        kind = {"image": "photo", "video": "video", "gif": "animated_gif"}[item.type]
        expanded = f"https://x.com/{post.account.handle}/status/{version.id}/"
        expanded += f"{'photo' if kind == 'photo' else 'video'}/{number + 1}"
        entry: dict[str, Any] = {
            "display_url": "pic.x.com/" + rendered.media_url.rsplit("/", 1)[-1],
            "expanded_url": expanded,
            "indices": rendered.media_indices,
            "url": rendered.media_url,
            "id_str": item.media_id,
            "type": kind,
            "media_url_https": item.urls.get("full") or item.urls["thumb"],
            "original_info": {"width": item.width, "height": item.height, "focus_rects": []},
            "ext_media_availability": {"status": "Available"},
            "sizes": {
                "large": {"w": item.width, "h": item.height, "resize": "fit"},
                "medium": {"w": item.width, "h": item.height, "resize": "fit"},
                "small": {"w": 680, "h": 680 * item.height // max(item.width, 1), "resize": "fit"},
                "thumb": {"w": 150, "h": 150, "resize": "crop"},
            },
        }
        if item.alt:
            entry["ext_alt_text"] = item.alt
        ratio = math.gcd(item.width, item.height) or 1
        aspect = [item.width // ratio, item.height // ratio]
        if kind == "photo":
            photos.append(
                {
                    "url": entry["media_url_https"],
                    "width": item.width,
                    "height": item.height,
                    "expandedUrl": expanded,
                    "backgroundColor": {"red": 204, "green": 214, "blue": 221},
                    "cropCandidates": [],
                }
            )
        else:
            variants = [{"bitrate": 0, "content_type": "video/mp4", "url": item.urls["mp4"]}]
            if kind == "video":
                variants = [
                    {"content_type": "application/x-mpegURL", "url": item.urls["m3u8"]},
                    {"bitrate": 832000, "content_type": "video/mp4", "url": item.urls["mp4_low"]},
                    {"bitrate": 2176000, "content_type": "video/mp4", "url": item.urls["mp4"]},
                ]
            entry["video_info"] = {
                "aspect_ratio": aspect,
                "duration_millis": 3000,
                "variants": variants,
            }
            video = video or {
                "aspectRatio": aspect,
                "contentType": "media_entity" if kind == "video" else "gif",
                "durationMs": 3000,
                "mediaAvailability": {"status": "available"},
                "poster": item.urls["thumb"],
                "videoId": {"type": "tweet", "id": version.id},
                "variants": [{"type": v["content_type"], "src": v["url"]} for v in variants],
            }
        details.append(entry)
    out: dict[str, Any] = {"mediaDetails": details} if details else {}
    if photos:
        out["photos"] = photos
    if video:
        out["video"] = video
    return out
