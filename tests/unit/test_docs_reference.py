"""The reference pages are what the code says: regenerated, they are unchanged."""

import subprocess
import sys

from cells import ROOT


def test_the_reference_pages_are_current():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs_reference.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_key_has_its_help():
    from mesonmatrix.config.keys import MATRIX, MATRIX_KEYS, OPTION, PRESET, PRESET_KEYS, cell_options

    for keys, scope in ((cell_options(), OPTION), (MATRIX_KEYS, MATRIX), (PRESET_KEYS, PRESET)):
        assert all(key.help_for(scope) for key in keys)
