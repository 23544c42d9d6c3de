"""The docs site builds with warnings as errors and its front page renders in a browser."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from browser import ARTIFACTS, browse, chromium
from cells import ROOT

pytestmark = pytest.mark.integration


def test_the_docs_build_strictly_and_render(tmp_path):
    chromium()
    site = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                         capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for page in ("index.html", "reference/record/index.html", "guide/troubleshooting/index.html"):
        assert (site / page).is_file(), page
    dom = browse(site / "index.html", "--dump-dom").stdout
    assert "A reproducible build matrix for meson-python packages" in dom and "Quick start" in dom
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "docs.png"
    shot.unlink(missing_ok=True)
    browse(site / "index.html", f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 10_000
