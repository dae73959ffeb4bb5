"""How the browser tests and the viewer benchmark start Chromium: Debian's package (a browser is
never downloaded), headless, with the flags that work on a closed network
(../shared/spec/deps-and-data.md §5): without the background-networking ones Chromium keeps
trying to reach outside hosts."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
