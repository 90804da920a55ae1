"""The web interface's files: Jinja2 templates (``templates/``) and the static CSS and script
(``static/``) that the pages under ``archiver.api.routes.pages`` use. No code lives here; the
files ship inside the wheel with the package."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
