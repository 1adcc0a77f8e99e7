"""Debian's Chromium for page tests, driven by Playwright (which downloads no browser).

`find_chromium()` is the executable (SCRUTINY_CHROMIUM, else chromium on the PATH), or
skips the test saying why; `launch(pw, path)` starts it headless as the machine allows."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest


def find_chromium() -> str:
    named = os.environ.get("SCRUTINY_CHROMIUM")
    if named and not shutil.which(named):
        pytest.skip(f"no chromium on this machine: SCRUTINY_CHROMIUM={named} is not an executable")
    found = named or next(
        (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
    )
    if found is None:
        pytest.skip("no chromium on this machine: install Debian's chromium package (apt-get install chromium) or set SCRUTINY_CHROMIUM")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    return found


async def launch(pw: Any, path: str) -> Any:
    return await pw.chromium.launch(
        executable_path=path,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    )
