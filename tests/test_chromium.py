"""Finding a Chromium, in SPEC §2's order, with real executables made in a temporary folder.

Only ``playwright_chromium`` (which asks Playwright's driver) is ever replaced; everything else
runs for real against small shell scripts that print a version like Chromium does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from archiver import chromium
from archiver.chromium import (
    chromium_version,
    configured_chromium,
    ensure_chromium,
    find_chromium,
    system_chromium,
)
from archiver.errors import ChromiumNotFound, ConfigError

VERSION = "Chromium 123.0.6312.58 built on Debian"


def make_executable(folder: Path, name: str, *, output: str = VERSION, mode: int = 0o755) -> Path:
    """Write a shell script that prints ``output`` and give it ``mode``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{output}'\n", encoding="utf-8")
    path.chmod(mode)
    return path


def is_executable_file(path: Path) -> bool:
    """Whether ``path`` is a regular file this process may execute."""
    return path.is_file() and os.access(path, os.X_OK)


def refusing_runner(commands: list[Sequence[str]]) -> Callable[[Sequence[str]], bool]:
    """A ``run`` callable that fails the test if it is ever called."""

    def run(command: Sequence[str]) -> bool:
        commands.append(list(command))
        pytest.fail(f"ensure_chromium ran {list(command)} although a browser was found")

    return run


def recording_runner(
    commands: list[Sequence[str]], *, result: bool
) -> Callable[[Sequence[str]], bool]:
    """A ``run`` callable that records each command and returns ``result``."""

    def run(command: Sequence[str]) -> bool:
        commands.append(list(command))
        return result

    return run


@pytest.fixture
def fake_chromium(tmp_path: Path) -> Path:
    """An executable script standing in for a configured Chromium."""
    return make_executable(tmp_path / "opt", "chrome")


@pytest.fixture
def nothing_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no system Chromium, an empty PATH and no Playwright browser."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(chromium, "playwright_chromium", lambda: None)


# (a) The configured path.


def test_configured_executable_is_returned(fake_chromium: Path) -> None:
    """A configured path to an executable file is returned as it is."""
    assert configured_chromium(fake_chromium) == fake_chromium


def test_nothing_configured_is_none() -> None:
    """With no configured path there is no configured Chromium."""
    assert configured_chromium(None) is None


def test_configured_missing_file_is_refused(tmp_path: Path) -> None:
    """A configured path to a missing file raises ChromiumNotFound naming ARCHIVER_CHROMIUM."""
    missing = tmp_path / "no-such-chromium"
    with pytest.raises(ChromiumNotFound, match="ARCHIVER_CHROMIUM") as caught:
        configured_chromium(missing)
    assert str(missing) in str(caught.value)
    assert "not an executable file" in str(caught.value)


def test_configured_non_executable_file_is_refused(tmp_path: Path) -> None:
    """A configured path to a file without execute permission raises ChromiumNotFound."""
    plain = make_executable(tmp_path, "chrome-not-executable", mode=0o644)
    assert not is_executable_file(plain)
    with pytest.raises(ChromiumNotFound, match="ARCHIVER_CHROMIUM") as caught:
        configured_chromium(plain)
    assert str(plain) in str(caught.value)


def test_configured_folder_is_refused(tmp_path: Path) -> None:
    """A configured path to a folder raises ChromiumNotFound."""
    with pytest.raises(ChromiumNotFound, match="ARCHIVER_CHROMIUM"):
        configured_chromium(tmp_path)


def test_chromium_not_found_is_a_config_error(tmp_path: Path) -> None:
    """ChromiumNotFound is a ConfigError, so the CLI prints it as one sentence."""
    with pytest.raises(ConfigError):
        configured_chromium(tmp_path / "missing")
    assert issubclass(ChromiumNotFound, ConfigError)


# (b) The configured path comes first.


def test_find_prefers_the_configured_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_chromium: Path
) -> None:
    """The configured Chromium is chosen even when a system Chromium exists."""
    make_executable(tmp_path / "bin", "chromium")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    system = system_chromium()
    assert system is not None
    assert system != fake_chromium
    assert find_chromium(fake_chromium) == fake_chromium


def test_find_refuses_a_broken_configured_path_despite_a_system_chromium(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A configured path that is not executable is an error, not a reason to fall back."""
    make_executable(tmp_path / "bin", "chromium")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert system_chromium() is not None
    with pytest.raises(ChromiumNotFound, match="ARCHIVER_CHROMIUM"):
        find_chromium(tmp_path / "missing")


# (c) A system Chromium.


def test_system_chromium_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With chromium-browser on PATH, a system Chromium is found and is an executable."""
    fake = make_executable(tmp_path / "bin", "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    found = system_chromium()
    assert found is not None
    assert is_executable_file(found)
    assert found in {*chromium.SYSTEM_PATHS, fake}


def test_system_chromium_is_found_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the well-known paths, chromium-browser is found through PATH."""
    fake = make_executable(tmp_path / "bin", "chromium-browser")
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert system_chromium() == fake


def test_system_chromium_prefers_chromium_names_over_chrome(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On PATH, chromium-browser is chosen over google-chrome."""
    chrome = make_executable(tmp_path / "bin", "google-chrome")
    browser = make_executable(tmp_path / "bin", "chromium-browser")
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert system_chromium() == browser != chrome


def test_well_known_path_comes_before_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An executable at a well-known system path wins over a Chromium on PATH."""
    well_known = make_executable(tmp_path / "usr-bin", "chromium")
    make_executable(tmp_path / "bin", "chromium")
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", (tmp_path / "missing", well_known))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert system_chromium() == well_known


def test_non_executable_on_path_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A chromium file on PATH without execute permission is not a system Chromium."""
    make_executable(tmp_path / "bin", "chromium", mode=0o644)
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert system_chromium() is None


@pytest.mark.usefixtures("nothing_installed")
def test_nothing_is_found_on_a_bare_machine() -> None:
    """With no configured, system or Playwright browser, find_chromium returns None."""
    assert system_chromium() is None
    assert find_chromium(None) is None


# (d) Nothing is installed when a browser is there.


def test_ensure_with_a_configured_browser_runs_nothing(fake_chromium: Path) -> None:
    """ensure_chromium returns a configured browser without running any installer."""
    commands: list[Sequence[str]] = []
    assert ensure_chromium(fake_chromium, run=refusing_runner(commands)) == fake_chromium
    assert commands == []


def test_ensure_with_a_system_browser_runs_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ensure_chromium returns a system browser without running any installer."""
    fake = make_executable(tmp_path / "bin", "chromium-browser")
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    commands: list[Sequence[str]] = []
    assert ensure_chromium(None, run=refusing_runner(commands)) == fake
    assert commands == []


# (e) Nothing found, nothing installable.


@pytest.mark.usefixtures("nothing_installed")
def test_ensure_without_any_browser_names_what_to_install() -> None:
    """With no browser and failing installers, ChromiumNotFound says in one sentence what to do."""
    commands: list[Sequence[str]] = []
    with pytest.raises(ChromiumNotFound) as caught:
        ensure_chromium(None, run=recording_runner(commands, result=False))
    message = str(caught.value)
    assert "chromium" in message.lower()
    assert "ARCHIVER_CHROMIUM" in message
    assert "\n" not in message
    assert message.endswith(".")
    assert message.replace("e.g.", "eg").count(".") == 1
    assert commands, "no installer was tried"
    first = list(commands[0])
    assert first[0] == sys.executable
    assert first[1:] == ["-m", "playwright", "install", "chromium"]


def test_ensure_uses_playwright_after_a_successful_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """After `playwright install chromium` succeeds, Playwright's browser is used."""
    installed = make_executable(tmp_path / "ms-playwright", "chrome")
    answers = iter([None, installed])
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setattr(chromium, "SYSTEM_PATHS", ())
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(chromium, "playwright_chromium", lambda: next(answers))
    commands: list[Sequence[str]] = []
    assert ensure_chromium(None, run=recording_runner(commands, result=True)) == installed
    assert len(commands) == 1
    assert list(commands[0])[-3:] == ["playwright", "install", "chromium"]


# (f) The version line.


def test_chromium_version_is_the_printed_line(fake_chromium: Path) -> None:
    """chromium_version returns what the executable prints for --version."""
    assert chromium_version(fake_chromium) == VERSION


def test_chromium_version_of_a_silent_program_is_none(tmp_path: Path) -> None:
    """A program that prints nothing has no version."""
    silent = make_executable(tmp_path, "silent", output="")
    silent.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    assert chromium_version(silent) is None


def test_chromium_version_of_a_missing_program_is_none(tmp_path: Path) -> None:
    """A program that cannot be started has no version."""
    assert chromium_version(tmp_path / "missing") is None
