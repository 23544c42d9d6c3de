"""The doctor: a found/missing table with the exact fix, and a failing exit when anything is missing."""


from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.doctor.checks import Check, format_table, run_checks

from cells import ROOT


def test_missing_items_show_their_fix():
    table = format_table([Check(item="gfortran", found=None, fix="sudo apt-get install -y gfortran"),
                          Check(item="ninja", found="/usr/bin/ninja")])
    assert "✗ gfortran  MISSING — fix: sudo apt-get install -y gfortran" in table
    assert "✓ ninja     /usr/bin/ninja" in table


def test_checks_cover_pythons_compilers_and_each_local_blas():
    cells = load_matrices(ROOT / "matrices", ROOT).matrix.cells
    items = {c.item for c in run_checks(cells, {"nonesuch-cc (target x)": ("nonesuch-cc", "nonesuch")})}
    assert {"C compiler (cc)", "pkg-config", "ninja", "BLAS openblas", "BLAS netlib"} <= items
    assert {"Python 3.12", "Python 3.12 (optional)"} & items  # found, or not installed here
    checks = run_checks(cells, {"nonesuch-cc (target x)": ("nonesuch-cc", "nonesuch")})
    (nonesuch,) = [c for c in checks if c.item == "nonesuch-cc (target x)"]
    assert not nonesuch.ok and nonesuch.fix == "sudo apt-get install -y nonesuch"
    # Whatever this host lacks, the table says how to get it.
    assert all(c.fix for c in checks if not c.ok)
