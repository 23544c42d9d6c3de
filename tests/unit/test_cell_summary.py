"""The one line a cell ends with (report/summary.py) and the loaded-BLAS phrase."""

from __future__ import annotations

from mesonmatrix.record import BlasRuntime, ResultRecord, TestCounts, WheelInfo
from mesonmatrix.report.summary import cell_summary
from mesonmatrix.testing.blascheck import blas_phrase

WHEEL = ".matrix/wheelhouse/demo/blasdemo-0.1.0-cp312-cp312-manylinux_2_28_x86_64.whl"
OPENBLAS = BlasRuntime(name="openblas", library="/v/lib/python3.12/site-packages/blasdemo.libs/libscipy_openblas.so",
                       int_size=32)


def _record(**given) -> ResultRecord:
    fields = dict(session="build-3.12-openblas", target="demo", python="3.12", blas="openblas",
                  platform="linux-x86_64", system_libraries="none", install_tags="full", status="passed",
                  wheels=[WheelInfo(role="full", path=WHEEL, size=1, sha256="0")],
                  tests=TestCounts(passed=12, skipped=1), blas_runtime=OPENBLAS, durations={"total": 41.23})
    return ResultRecord(**{**fields, **given})


def test_a_passed_cell_ends_with_its_wheel_counts_blas_and_time():
    assert cell_summary(_record()) == (
        f"✓ build-3.12-openblas passed in 41.2 s: {WHEEL}; tests 12 passed, 0 failed, 1 skipped; "
        "BLAS loaded: openblas (libscipy_openblas.so, 32-bit integers)")


def test_a_failed_cell_says_why_on_the_same_line():
    line = cell_summary(_record(status="failed", wheels=[], tests=TestCounts(), blas_runtime=None,
                                error="build failed: meson exited with 1\nmore"))
    assert line == "✗ build-3.12-openblas failed in 41.2 s: build failed: meson exited with 1"


def test_a_project_without_blas_says_so_never_none_bit():
    none = BlasRuntime(name=None, library=None, int_size=None)
    assert blas_phrase(none, False) == "no BLAS (the project declares none)"
    assert blas_phrase(none, True) == "no BLAS library found loaded"
    assert "None" not in cell_summary(_record(blas_runtime=none, target_declares_blas=False))
