import pytest

from mesonmatrix.errors import SystemLibrariesError
from mesonmatrix.model import SystemLibraries


@pytest.mark.parametrize(
    ("value", "mode", "required", "meson"),
    [
        ("none", "none", (), "none"),
        ("all", "all", (), "all"),
        ("auto", "auto", (), "auto"),
        ("kahan", "none", ("kahan",), "kahan"),
        ("boost.math,qhull", "none", ("boost.math", "qhull"), "boost.math,qhull"),
        ("boost.math,auto", "auto", ("boost.math",), "boost.math,auto"),
        ("auto,boost.math", "auto", ("boost.math",), "boost.math,auto"),
    ],
)
def test_system_libraries_grammar(value, mode, required, meson):
    spec = SystemLibraries.parse(value)
    assert (spec.mode, spec.required, spec.meson_value) == (mode, required, meson)


@pytest.mark.parametrize("value", ["", "none,kahan", "all,auto", "kahan,,auto", "Kahan", "kahan,kahan", "a b"])
def test_system_libraries_rejects(value):
    with pytest.raises(SystemLibrariesError):
        SystemLibraries.parse(value)


def test_unsupported_components():
    assert SystemLibraries.parse("boost.math,qhull,auto").unsupported(("qhull",)) == ["boost.math"]


def test_a_cell_without_blas_says_no_blas_not_blas_none():
    from pathlib import Path

    from mesonmatrix.model import Cell

    cell = Cell(python="3.12", blas="none", platform="linux-x86_64", system_libraries="none", install_tags="full",
                session_name="build-3.12", matrix_file=Path("m.toml"), target="x")
    assert "no BLAS" in cell.describe() and "BLAS none" not in cell.describe()
