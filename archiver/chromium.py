"""Finding a Chromium for Playwright, and installing one when none exists (SPEC §2).

Order: ``ARCHIVER_CHROMIUM``; a system Chromium (``/usr/bin/chromium``, ``chromium-browser``,
``google-chrome``…); Playwright's own managed browser; then ``playwright install chromium``;
then, as root, the OS package. Nothing is downloaded when a browser is already there.

Run ``python -m archiver.chromium`` to find or install one and print its path (``make`` does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from archiver.config import load_settings
from archiver.errors import ChromiumNotFound, ConfigError

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SYSTEM_PATHS = (Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"))
INSTALL_TIMEOUT_SECONDS = 900
NOT_FOUND = (
    "No Chromium found: install your system's chromium package (e.g. `apt-get install chromium`)"
    " or set ARCHIVER_CHROMIUM to the path of a Chromium executable."
)

Runner = Callable[[Sequence[str]], bool]


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def configured_chromium(configured: Path | None) -> Path | None:
    """The configured path, if any; raises when it is set but not an executable file."""
    if configured is None:
        return None
    if not _executable(configured):
        raise ChromiumNotFound(
            f"ARCHIVER_CHROMIUM is {configured}, which is not an executable file."
        )
    return configured


def system_chromium() -> Path | None:
    """A Chromium installed on the system, if any."""
    for path in SYSTEM_PATHS:
        if _executable(path):
            return path
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def playwright_chromium() -> Path | None:
    """Playwright's managed Chromium, if it has been downloaded."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = Path(playwright.chromium.executable_path)
    except Exception:  # the driver may be missing or broken: then there is no managed browser
        return None
    return path if _executable(path) else None


def find_chromium(configured: Path | None) -> Path | None:
    """A usable Chromium without installing anything, or ``None``."""
    return configured_chromium(configured) or system_chromium() or playwright_chromium()


def _run(command: Sequence[str]) -> bool:
    try:
        completed = subprocess.run(
            list(command), check=False, timeout=INSTALL_TIMEOUT_SECONDS, stdout=sys.stderr
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0


def ensure_chromium(configured: Path | None, *, run: Runner = _run) -> Path:
    """Find a Chromium, installing one if needed; raise ChromiumNotFound with one sentence."""
    found = find_chromium(configured)
    if found is not None:
        return found
    print("No Chromium found; trying `playwright install chromium`...", file=sys.stderr)
    if run([sys.executable, "-m", "playwright", "install", "chromium"]):
        found = playwright_chromium()
        if found is not None:
            return found
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Trying the OS package: apt-get install chromium...", file=sys.stderr)
        env_ok = run(["apt-get", "update", "-qq"])
        if env_ok and run(["apt-get", "install", "-y", "-qq", "chromium"]):
            found = system_chromium()
            if found is not None:
                return found
    raise ChromiumNotFound(NOT_FOUND)


def chromium_version(path: Path) -> str | None:
    """What ``chromium --version`` prints, or ``None`` if it cannot run."""
    try:
        completed = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() or None


def main() -> int:
    """Find or install a Chromium and print its path and version; exit 1 with a sentence if none."""
    try:
        path = ensure_chromium(load_settings().chromium)
    except ConfigError as exc:
        print(f"archiver: {exc}", file=sys.stderr)
        return 1
    print(f"Chromium: {path} ({chromium_version(path) or 'version unknown'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
