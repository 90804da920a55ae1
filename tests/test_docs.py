"""The README cannot drift: every setting and every platform adapter is in its tables."""

from __future__ import annotations

import re
from pathlib import Path

from archiver.config import Settings, setting_names
from archiver.platforms import ADAPTERS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def table_rows(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table under ``heading``, as lists of cell texts."""
    section = README.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


def test_every_setting_is_in_the_configuration_table() -> None:
    """Each ARCHIVER_* setting has a row in the README's configuration table."""
    documented = {re.sub(r"[`*]", "", row[0]) for row in table_rows("## Configuration")}
    assert set(setting_names()) == documented


def test_configuration_table_defaults_are_the_real_defaults() -> None:
    """Each default the README writes out parses to the default the code uses."""
    rows = {
        re.sub(r"[`*]", "", row[0]): row[1].strip("`") for row in table_rows("## Configuration")
    }
    defaults = Settings.model_construct()
    for name in Settings.model_fields:
        written = rows["ARCHIVER_" + name.upper()]
        if written in {"auto", "empty", "local folders"}:
            assert getattr(defaults, name) in (None, {}, ()), name
            continue
        parsed = Settings(**{name: written}, _env_file=None)  # type: ignore[call-arg]
        assert getattr(parsed, name) == getattr(defaults, name), name


def test_every_platform_is_in_the_platform_table() -> None:
    """Each registered platform adapter has a row in the README's platform table."""
    documented = {row[0].strip("`") for row in table_rows("## Platforms")}
    assert {adapter.platform.value for adapter in ADAPTERS} == documented
