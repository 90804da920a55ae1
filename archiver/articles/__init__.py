"""Reading news articles for the posts they quote (SPEC §1 "Verify articles").

:func:`read_html` and :func:`read_text` turn an article into an :class:`ArticleDoc`: its
metadata, plain text, the quotes of posts in it (embeds, attribution lines such as ``— Name
(@handle) July 1, 2020``, inline quotations) and every post URL it names. :func:`decode_html`
turns a response body into text first. Judging the quotes against archived posts is not done
here. (``decode_html`` lives with the platform adapters' HTML helpers, which read pages too.)

Pure: this package does no I/O and imports neither httpx, sqlalchemy, playwright nor fastapi;
it parses HTML with Beautiful Soup's ``html.parser``. The import-linter contract in
``pyproject.toml`` holds it below the services.
"""

from __future__ import annotations

from archiver.articles.extract import read_html, read_text
from archiver.articles.model import ArticleDoc, Attribution, FoundQuote
from archiver.articles.post_urls import is_post_url, post_url
from archiver.platforms.html_decode import decode_html

__all__ = [
    "ArticleDoc",
    "Attribution",
    "FoundQuote",
    "decode_html",
    "is_post_url",
    "post_url",
    "read_html",
    "read_text",
]
