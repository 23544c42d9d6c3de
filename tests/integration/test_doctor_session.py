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


def test_on_a_prepared_machine_only_an_unknown_command_is_missing():
    from mesonmatrix.config.matrixfile import load_matrices
    from mesonmatrix.doctor.checks import run_checks

    cells = load_matrices(ROOT / "matrices", ROOT).matrix.cells
    missing = [c for c in run_checks(cells, {"nonesuch-cc (target x)": ("nonesuch-cc", "nonesuch")}) if not c.ok]
    assert [c.item for c in missing] == ["nonesuch-cc (target x)"]
