"""Media files: small deterministic JPEG and PNG images, a fake MP4 and HLS playlists, made
here byte by byte, and the handler that serves registered media URLs.

Each image is a grid of 8x8 blocks whose colours derive from the media's seed, so two media
differ visibly and the same media is the same bytes on every run. The JPEG is a real baseline
JPEG (one DC value per block, every AC coefficient zero) that any decoder reads.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import idgen
from archiver.emulator.common import Ctx, text_response

WIDTH: Final = 64
HEIGHT: Final = 48
CONTENT_TYPES: Final = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
    "ts": "video/mp2t",
    "m3u8": "application/vnd.apple.mpegurl",
}
_BSKY_IMG: Final = re.compile(r"/img/[\w-]+/plain/(?P<did>[^/]+)/(?P<cid>[^/@]+)(?:@(?P<fmt>\w+))?")


@dataclass(frozen=True)
class MediaFile:
    """A registered media URL: its format, the seed of its bytes, and a playlist's text."""

    fmt: str
    seed: str
    playlist: str = ""
    #: 1 as first stored; each re-encoding (``World.change_media``) raises it: other bytes,
    #: the same picture (a coarser JPEG quantisation; PNG pixels a shade brighter).
    quality: int = 1
    #: A replaced picture is drawn as the negative of the seed's: surely another picture.
    negative: bool = False


def media_key(url: str) -> tuple[str, str]:
    """``(origin, normalised path)`` under which a media URL is registered and looked up.

    pbs.twimg.com ignores the extension and ``:size`` suffix (the format comes from
    ``?format=``); cdn.bsky.app ignores the preset and format; elsewhere the path is exact.
    """
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = unquote(parts.path)
    if parts.netloc == "pbs.twimg.com":
        path = re.sub(r"(\.\w+)?(:\w+)?$", "", path)
    elif parts.netloc == "cdn.bsky.app" and (found := _BSKY_IMG.fullmatch(path)):
        path = f"/img/{found['did']}/{found['cid']}"
    return origin, path


def colours(seed: str, negative: bool = False) -> list[list[tuple[int, int, int]]]:
    """The block colours of the image for ``seed`` (or its negative): rows of (r, g, b)."""
    data = idgen.digest("media", seed)
    base = (data[0], data[1], data[2])
    rows = []
    for by in range(HEIGHT // 8):
        row = []
        for bx in range(WIDTH // 8):
            shade = data[(3 + bx + 2 * by) % len(data)] // 4
            checker = 48 if (bx + by) % 2 else 0
            colour = [(c + shade + checker + 12 * i) % 256 for i, c in enumerate(base)]
            row.append(tuple(255 - c if negative else c for c in colour))
        rows.append(row)
    return rows  # type: ignore[return-value]


def png_bytes(seed: str, quality: int = 1, negative: bool = False) -> bytes:
    """A valid RGB PNG for ``seed`` (``quality`` above 1: re-encoded, a shade brighter)."""
    blocks = colours(seed, negative)
    raw = bytearray()
    for y in range(HEIGHT):
        raw.append(0)  # filter type: none
        for x in range(WIDTH):
            raw.extend(min(255, c + quality - 1) for c in blocks[y // 8][x // 8])

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


class _BitWriter:
    """Entropy-coded segment writer: bits MSB first, 0xFF bytes stuffed with 0x00."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.value = 0
        self.count = 0

    def write(self, bits: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.value = (self.value << 1) | ((bits >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.value)
                if self.value == 0xFF:
                    self.out.append(0)
                self.value, self.count = 0, 0

    def finish(self) -> bytes:
        while self.count:
            self.write(1, 1)
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_bytes(seed: str, quality: int = 1, negative: bool = False) -> bytes:
    """A valid baseline YCbCr JPEG for ``seed`` (DC-only blocks, quantised by ``quality``:
    1 as first stored, more for a re-encoding)."""
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + bytes([quality] * 64)
    sof = struct.pack(">BHHB", 8, HEIGHT, WIDTH, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    # DC table: categories 0-11, all 4-bit codes. AC table: one code, "0" = end of block.
    dht_dc = b"\x00" + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
    dht_ac = b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00"
    bits = _BitWriter()
    previous = [0, 0, 0]
    for row in colours(seed, negative):
        for red, green, blue in row:
            luma = 0.299 * red + 0.587 * green + 0.114 * blue
            cb = 128 - 0.168736 * red - 0.331264 * green + 0.5 * blue
            cr = 128 + 0.5 * red - 0.418688 * green - 0.081312 * blue
            for index, value in enumerate((luma, cb, cr)):
                dc = round(8 * (max(0.0, min(255.0, value)) - 128) / quality)
                diff, previous[index] = dc - previous[index], dc
                size = abs(diff).bit_length()
                bits.write(size, 4)
                if size:
                    bits.write(diff if diff > 0 else diff + (1 << size) - 1, size)
                bits.write(0, 1)  # end of block
    return (
        b"\xff\xd8"
        + _segment(0xE0, jfif)
        + _segment(0xDB, dqt)
        + _segment(0xC0, sof)
        + _segment(0xC4, dht_dc)
        + _segment(0xC4, dht_ac)
        + _segment(0xDA, sos)
        + bits.finish()
        + b"\xff\xd9"
    )


def mp4_bytes(seed: str) -> bytes:
    """A small fake MP4: an ``ftyp`` box, a ``free`` box and an ``mdat`` of seed bytes."""
    ftyp = b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41"
    payload = b"".join(idgen.digest("mp4", seed, n) for n in range(8))
    boxes = [ftyp, b"free", b"mdat" + payload]
    return b"".join(struct.pack(">I", len(box) + 4) + box for box in boxes)


def master_playlist(variant_path: str) -> str:
    """An HLS master playlist with one 640x360 variant."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=832000,RESOLUTION=640x360,CODECS="avc1.4D401E,mp4a.40.2"\n'
        f"{variant_path}\n"
    )


def media_playlist(segment_path: str, seconds: float = 3.0) -> str:
    """An HLS media playlist with one segment."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:{seconds:.3f},\n{segment_path}\n#EXT-X-ENDLIST\n"
    )


def render(file: MediaFile, wanted: str | None = None) -> tuple[bytes, str]:
    """The bytes and content type of a media file (``wanted`` overrides an image's format)."""
    fmt = wanted if wanted in ("jpeg", "png") and file.fmt in ("jpeg", "png") else file.fmt
    if fmt == "png":
        body = png_bytes(file.seed, file.quality, file.negative)
    elif fmt == "jpeg":
        body = jpeg_bytes(file.seed, file.quality, file.negative)
    elif fmt == "m3u8":
        body = file.playlist.encode()
    else:
        body = mp4_bytes(file.seed)
    return body, CONTENT_TYPES[fmt]


def wanted_format(request: Request, origin_host: str) -> str | None:
    """The image format a request asks for: ``?format=png`` on pbs, ``@png`` on the Bluesky CDN."""
    if origin_host == "pbs.twimg.com":
        asked = request.query_params.get("format")
        if asked is None and "." in request.url.path.rsplit("/", 1)[-1]:
            asked = request.url.path.rsplit(".", 1)[-1].split(":")[0]
    else:
        asked = request.url.path.rsplit("@", 1)[-1] if "@" in request.url.path else None
    if asked is None:
        return None
    return "png" if asked.lower() == "png" else "jpeg"


async def handle(request: Request, ctx: Ctx) -> Response:
    """Serve a registered media URL, or 404."""
    if request.method not in ("GET", "HEAD"):
        return text_response("Method Not Allowed", 405)
    file = ctx.world.media_file(f"{ctx.origin.url}{request.url.path}")
    if file is None:
        return text_response("Not Found", 404)
    wanted = wanted_format(request, ctx.origin.host)
    etag = f'"{idgen.hex_key(16, file.seed, file.fmt, wanted, file.quality, file.negative)}"'
    headers = {
        "cache-control": "max-age=604800, must-revalidate",
        "accept-ranges": "bytes",
        "etag": etag,
    }
    if request.headers.get("if-none-match") == etag:  # a CDN's answer to a revalidation
        return Response(b"", status_code=304, headers=headers)
    body, content_type = render(file, wanted)
    return Response(body, status_code=200, headers={"content-type": content_type, **headers})
