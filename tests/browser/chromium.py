"""How we start Debian's Chromium for Playwright (tests and benchmarks share it)."""

CHROMIUM = "/usr/bin/chromium"
# Chromium's background services fail on this closed network; these flags keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
