"""An HTML response body as text, in the encoding it declares (for platform pages, generic web
pages and news articles alike).

In order: a byte-order mark; the ``charset`` of the Content-Type header; a ``<meta charset>`` or
``<meta http-equiv="content-type">`` in the first 4 KB; else UTF-8, and Windows-1252 when the
bytes are not UTF-8. Labels are read as browsers read them (``iso-8859-1`` and ``ascii`` mean
Windows-1252; a declared UTF-16 without a BOM means UTF-8). Never raises: undecodable bytes
become U+FFFD. Pure: no I/O.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Labels browsers decode differently from Python's codec of the same name (WHATWG Encoding).
_ALIASES: Final = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "windows-1252": "cp1252",
    "x-cp1252": "cp1252", "iso-8859-9": "cp1254", "latin5": "cp1254", "tis-620": "cp874",
    "utf-16": "utf-16-le", "x-user-defined": "cp1252",
    "unicode-1-1-utf-8": "utf-8", "utf8": "utf-8", "x-sjis": "shift_jis", "gb2312": "gbk",
}  # fmt: skip
_CHARSET_PARAM: Final = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]{1,40})""", re.IGNORECASE)
_META: Final = re.compile(rb"<meta\b[^>]{0,1024}>", re.IGNORECASE)
_META_CHARSET: Final = re.compile(rb"""charset\s*=\s*["']?\s*([\w.:-]{1,40})""", re.IGNORECASE)
_SNIFF_BYTES: Final = 4096


def _codec(label: str | None) -> str | None:
    """The Python codec for an encoding label, or ``None`` if it names none."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    found = _CHARSET_PARAM.search(content_type)
    return _codec(found.group(1)) if found else None


def _from_meta(head: bytes) -> str | None:
    for tag in _META.finditer(head):
        found = _META_CHARSET.search(tag.group(0))
        if found is not None:
            codec = _codec(found.group(1).decode("ascii", "replace"))
            if codec is not None:
                return "utf-8" if codec.startswith("utf-16") else codec
    return None


def decode_html(body: bytes, content_type: str | None) -> str:
    """``body`` as text, in the encoding it declares; see the module docstring."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_codec, "replace")
    codec = _from_content_type(content_type) or _from_meta(body[:_SNIFF_BYTES])
    if codec is not None:
        return body.decode(codec, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")
