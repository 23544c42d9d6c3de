"""loosened-3.12 on real builds: the demo with its meson-python bound dropped, and a copy
whose meson bound the newest meson breaks, so the cell names meson and proves it by
building once more with that bound restored."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration


def test_demo_builds_with_the_newest_build_dependencies(tmp_path):
    result = run_nox_cell(tmp_path / "home", "loosened-3.12")
    assert result.returncode == 0, result.output[-3000:]
    deps = result.record["build_deps"]
    assert deps["loosened"] == ["meson-python>=0.15.0,<0.21.0"] and deps["kept"] == {}
    assert "meson-python" in deps["resolved"] and deps["likely_culprit"] is None
    # The copy's pyproject.toml declared the loosened requirement, and build checked it.
    log = Path(result.record["log"]).read_text()
    build = next(line for line in log.splitlines() if " -m build " in line)
    assert "--skip-dependency-check" not in build and "loosened-sources" in build
    assert result.record["tests"]["passed"] >= 9


def test_a_failure_names_the_dependency_and_the_retry_proves_it(tmp_path):
    project = tmp_path / "bounded"
    shutil.copytree(ROOT / "demo", project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"meson>=1.1.0",', '"meson>=1.1.0,<1.5",'))
    meson_build = project / "meson.build"
    meson_build.write_text(meson_build.read_text() + "\nif meson.version().version_compare('>= 1.5')\n"
                           "  error('this project is not ready for meson 1.5: its upper bound says so')\nendif\n")
    result = run_nox_cell(tmp_path / "home", "loosened-3.12", "--target", str(project), target_name="blasdemo")
    assert result.returncode != 0
    deps = result.record["build_deps"]
    assert "meson>=1.1.0,<1.5" in deps["loosened"] and re.match(r"1\.\d+", deps["above_bounds"]["meson"])
    assert deps["likely_culprit"] == "meson"
    retry = deps["retry"]
    assert retry["restored"] == "meson>=1.1.0,<1.5" and retry["status"] == "passed", retry
    assert "the newer meson breaks" in retry["verdict"]
