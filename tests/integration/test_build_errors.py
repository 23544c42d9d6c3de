"""A compile error in a ninja step: the record's error is one line naming the step's
target and the compiler's first error line; the command and the rest stay in the log."""

from __future__ import annotations

import shutil

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration


def test_a_failed_compile_step_is_one_line_in_the_record(tmp_path):
    project = tmp_path / "broken"
    shutil.copytree(ROOT / "demo", project)
    source = project / "src" / "blasdemo" / "_linalg.c"
    source.write_text("#error broken on purpose\n" + source.read_text())
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--target", str(project), "--unlocked",
                          target_name="blasdemo")
    assert result.returncode != 0
    error = result.record["error"]
    assert "\n" not in error, error
    assert error.startswith("build of the full wheel failed: src/blasdemo/_linalg.")
    assert "_linalg.c:1:2: error: #error broken on purpose" in error and "(log: " in error
    assert "-MD -MQ" not in error  # the compile command stays in the log
