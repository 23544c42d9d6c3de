"""The doctor session on this machine, prepared by .ci/run: everything the headline cell needs is found."""

import subprocess
import sys

import pytest

from cells import ROOT

pytestmark = pytest.mark.integration


def test_doctor_session_passes_on_a_prepared_machine():
    out = subprocess.run([sys.executable, "-m", "nox", "-s", "doctor", "--", "build-3.12-openblas"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "✓ Python 3.12" in out.stdout and "✓ BLAS openblas" in out.stdout
