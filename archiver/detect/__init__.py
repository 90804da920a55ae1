"""Pure detection logic: confirming disappearances (and, later, normalising, comparing and
diffing posts and judging article quotes).

Pure: nothing here imports httpx, sqlalchemy, playwright or fastapi, or does any I/O; the
import-linter contract in ``pyproject.toml`` holds it to that. Callers pass clocks and data in.
"""
