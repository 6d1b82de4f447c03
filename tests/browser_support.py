"""Launch Debian's Chromium through Playwright, for every test that drives a real browser.

Playwright's own browser download (`playwright install`) is not available on our machines,
so tests drive the system Chromium (apt package ``chromium``). ``CHROMIUM_PATH`` points at
another build when needed. Flags and pitfalls: shared/research/feasibility.md.
"""

from __future__ import annotations

import os

from playwright.sync_api import Browser, Playwright

DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium"

# --no-sandbox: Chromium refuses to start its sandbox as root (our CI runs as root); the
# others keep the browser off the network and quiet, so tests stay offline and fast.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """The Chromium executable to drive: ``$CHROMIUM_PATH`` or Debian's ``/usr/bin/chromium``."""
    return os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM_PATH)


def launch_chromium(playwright: Playwright, *, headless: bool = True) -> Browser:
    """Start a Chromium browser; the caller closes it (one browser per test module)."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=headless, args=CHROMIUM_ARGS
    )
