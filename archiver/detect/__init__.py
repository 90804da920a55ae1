"""Pure detection logic: normalising and comparing post versions (``normalise``, ``compare``),
word-level diffs (``diff``), confirming disappearances (``confirm``) and the platform-wide
anomaly guard (``anomaly``), and judging an article's quote of a post against its versions
(``quotes``).

Pure: nothing here imports httpx, sqlalchemy, playwright or fastapi, or does any I/O; the
import-linter contract in ``pyproject.toml`` holds it to that. Callers pass clocks and data in.
"""
