"""The web interface's files: Jinja2 templates (``templates/``) and the static CSS and script
(``static/``) that the pages under ``archiver.api.routes.pages`` use; the files ship inside the
wheel with the package. The only code here is pure: ``invisible`` (hidden characters of
archived text made visible, for the pages, the citations, the oEmbed HTML and the card)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
