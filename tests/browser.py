"""Debian's headless Chromium, for tests that look at the report as a person would."""

from __future__ import annotations

import subprocess
import tempfile

import prerequisites
from cells import ROOT

ARTIFACTS = ROOT / ".matrix" / "test-artifacts"


def chromium() -> str:
    return prerequisites.command("chromium", "chromium-browser", fix="sudo apt-get install -y chromium")


def browse(page, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1600,1000", *args, page.as_uri()],
            capture_output=True, text=True, timeout=120)
