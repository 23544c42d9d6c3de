"""Loosening [build-system] requires as a distro packager does: every upper bound dropped
but numpy's (and the preset's), the floors kept, and what resolved above the old bounds."""

from __future__ import annotations

from mesonmatrix.targets.upperbounds import above_bounds, likely_culprit, loosen

SCIPY_1_17 = ["meson-python>=0.15.0,<0.21.0", "Cython>=3.0.8,<3.3.0", "pybind11>=2.13.2,<3.1.0",
              "pythran>=0.14.0,<0.19.0", "numpy>=2.0.0,<2.7"]


def test_scipy_bounds_are_dropped_except_numpys():
    result = loosen(SCIPY_1_17)
    assert result.requirements == ("meson-python>=0.15.0", "Cython>=3.0.8", "pybind11>=2.13.2", "pythran>=0.14.0",
                                   "numpy>=2.0.0,<2.7")
    assert result.loosened == tuple(SCIPY_1_17[:4])
    assert list(result.kept) == ["numpy>=2.0.0,<2.7"] and "except for numpy" in result.kept["numpy>=2.0.0,<2.7"]


def test_every_kind_of_upper_bound_becomes_its_floor():
    result = loosen(["a~=1.4", "b==2.1.*", "c==3.0", "d<=4", "e!=5.0,>=1", "f", "g>=1; python_version<'3.13'"])
    assert result.requirements == ("a>=1.4", "b>=2.1", "c>=3.0", "d", "e!=5.0,>=1", "f",
                                   "g>=1; python_version<'3.13'")
    assert result.loosened == ("a~=1.4", "b==2.1.*", "c==3.0", "d<=4")


def test_a_preset_or_the_command_line_keeps_more_bounds():
    result = loosen(SCIPY_1_17, {"Pythran": "pythran 0.19 changed its C++ runtime"})
    assert "pythran>=0.14.0,<0.19.0" in result.requirements
    assert result.kept["pythran>=0.14.0,<0.19.0"] == "pythran 0.19 changed its C++ runtime"


def test_what_resolved_above_the_bounds_and_the_likely_culprit():
    original = loosen(SCIPY_1_17).original
    above = above_bounds(original, {"meson-python": "0.22.1", "cython": "3.2.4", "pybind11": "3.1.2",
                                    "numpy": "2.6.1"})
    assert above == {"meson-python": "0.22.1, above <0.21.0,>=0.15.0", "pybind11": "3.1.2, above <3.1.0,>=2.13.2"}
    assert likely_culprit(above, "error: pybind11/pybind11.h: no member named 'foo'") == "pybind11"
    assert likely_culprit(above, "Segmentation fault") is None  # two suspects, neither named
    assert likely_culprit({"meson": "1.12.1, above <1.5"}, "anything at all") == "meson"


def test_the_culprit_is_read_from_the_reason_not_from_paths():
    above = {"meson-python": "0.22.1, above <0.21", "meson": "1.12.1, above <1.5"}
    reason = ("build of the full wheel failed: ../src/meson.build:54:2: ERROR: Problem encountered: "
              "not ready for meson 1.5\n`python -m build … /home/x/meson-python-cache/meson.build` exited with 1")
    assert likely_culprit(above, reason) == "meson"
    assert likely_culprit(above, "ImportError: meson_python 0.22 removed it") == "meson-python"
