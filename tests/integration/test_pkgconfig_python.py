"""A project whose meson.build calls ``dependency('python3')`` (not meson-python's
``py.dependency()``), built for pyenv's Python 3.12 on a machine whose system python3.pc
is another version: pkg-config must find the cell's own interpreter's python3.pc (from
its LIBPC) before the system's, or the extension is compiled with the wrong headers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import prerequisites
from cells import run_nox_cell

pytestmark = pytest.mark.integration

MESON_BUILD = """project('pcdep', 'c', version: '0.1.0')
py = import('python').find_installation(pure: false)
dep = dependency('python3')
if dep.version() != py.language_version()
  error('dependency(python3) found python3.pc of Python ' + dep.version() + ', building for ' + py.language_version())
endif
py.extension_module('_pcdep', 'pcdep.c', dependencies: dep, install: true, subdir: 'pcdep')
py.install_sources('__init__.py', 'test_pcdep.py', subdir: 'pcdep')
"""
PYPROJECT = """[build-system]
build-backend = "mesonpy"
requires = ["meson-python>=0.15", "meson>=1.1"]

[project]
name = "pcdep"
version = "0.1.0"
description = "Builds with dependency('python3')"
"""
MODULE_C = """#include <Python.h>
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_pcdep", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__pcdep(void) { return PyModule_Create(&def); }
"""


def test_dependency_python3_finds_the_cells_own_interpreter(tmp_path):
    system = subprocess.run(["pkg-config", "--modversion", "python3"], capture_output=True, text=True)
    if system.returncode != 0:
        prerequisites.missing("the system's python3.pc", "sudo apt-get install -y python3-dev")
    if system.stdout.strip() == "3.12":
        pytest.skip("the system's python3.pc is 3.12 already: the trap is not set here")
    project = tmp_path / "pcdep"
    (project / "pcdep").mkdir(parents=True)
    (project / "meson.build").write_text(MESON_BUILD.replace("'pcdep.c'", "'pcdep/pcdep.c'").replace(
        "py.install_sources('__init__.py', 'test_pcdep.py'",
        "py.install_sources('pcdep/__init__.py', 'pcdep/test_pcdep.py'"))
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "pcdep" / "pcdep.c").write_text(MODULE_C)
    (project / "pcdep" / "__init__.py").write_text("from ._pcdep import *  # noqa\n")
    (project / "pcdep" / "test_pcdep.py").write_text("def test_imports():\n    import pcdep._pcdep  # noqa\n")
    result = run_nox_cell(tmp_path / "home", "build-3.12-openblas", "--target", str(project), "--unlocked",
                          target_name="pcdep", env={"MESONMATRIX_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["status"] == "passed"
    log = next(Path(tmp_path / "home").rglob("meson-log.txt")).read_text()
    assert "Run-time dependency python3 found: YES 3.12" in log
    resolved = result.record["pkg_config"]["python3"]  # the record says which python3.pc was read
    assert resolved.startswith("3.12 -I") and resolved.endswith("/include/python3.12"), resolved
