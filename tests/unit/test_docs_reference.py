"""The reference pages are what the code says: regenerated, they are unchanged."""

import subprocess
import sys

from cells import ROOT


def test_the_reference_pages_are_current():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs_reference.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_key_has_its_help():
    from mesonmatrix.config.matrixfile import MATRIX_KEY_HELP, MATRIX_KEYS
    from mesonmatrix.config.presets import PRESET_KEY_HELP, PRESET_KEYS

    assert all(MATRIX_KEY_HELP[k] for k in MATRIX_KEYS) and all(PRESET_KEY_HELP[k] for k in PRESET_KEYS)
