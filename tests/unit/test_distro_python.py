"""'distro' on the python axis: the distribution's own /usr/bin/python3, whatever its
version, and the Depends a .deb built for one Python 3.X carries. The interpreter here is
a stand-in link in a temporary folder, so the tests do not depend on the host's python3."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.errors import MatrixError, PrerequisiteMissing
from mesonmatrix.machine import pythons
from mesonmatrix.repackage.deb import RELEASE_PYTHONS, interpreter_depends

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def distro(tmp_path, monkeypatch):
    """A /usr/bin/python3 that links to python3.11, as Debian 12's does."""
    real = tmp_path / "usr" / "bin" / "python3.11"
    real.parent.mkdir(parents=True)
    real.write_text("#!/bin/sh\nexit 1\n")  # never run: its name says the version
    (tmp_path / "usr" / "bin" / "python3").symlink_to("python3.11")
    monkeypatch.setattr(pythons, "DISTRO_INTERPRETER", tmp_path / "usr" / "bin" / "python3")
    return tmp_path / "usr" / "bin" / "python3"


def test_distro_is_the_version_its_link_names(distro):
    assert pythons.distro_version() == "3.11" and pythons.axis_version("distro") == "3.11"
    assert pythons.axis_version("3.12") == "3.12"
    # The interpreter as the distro's packages name it, not the file the link resolves to.
    assert pythons.find_python("distro") == distro


def test_no_distro_python_skips_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(pythons, "DISTRO_INTERPRETER", tmp_path / "none" / "python3")
    assert pythons.axis_version("distro") == "distro"
    with pytest.raises(PrerequisiteMissing, match="apt-get install python3"):
        pythons.find_python("distro")


def test_a_package_for_one_python_depends_as_debians_own_do():
    assert interpreter_depends("3.11") == ["python3 (>= 3.11~)", "python3 (<< 3.12~)"]
    assert interpreter_depends("3.13t") == ["python3 (>= 3.13~)", "python3 (<< 3.14~)"]
    assert RELEASE_PYTHONS["3.12"] == ("Ubuntu 24.04",) and RELEASE_PYTHONS["3.11"] == ("Debian 12",)


def test_a_matrix_may_name_the_distros_python(tmp_path):
    (tmp_path / "matrices").mkdir()
    shutil.copy(ROOT / "matrices" / "targets.toml", tmp_path / "matrices" / "targets.toml")
    (tmp_path / "demo").mkdir()
    axes = ('target = "demo"\n[axes]\npython = ["3.12", "distro"]\nblas = ["netlib"]\nplatform = ["linux-x86_64"]\n'
            'system_libraries = ["none"]\ninstall_tags = ["full"]\npackage = ["deb"]\n')
    (tmp_path / "matrices" / "m.toml").write_text(axes)
    cells = load_matrices(tmp_path / "matrices", tmp_path).matrix.by_session()
    assert "build-distro-netlib-deb" in cells and cells["build-distro-netlib-deb"].python == "distro"
    (tmp_path / "matrices" / "m.toml").write_text(axes.replace('"distro"', '"debian"'))
    with pytest.raises(MatrixError, match='not a Python version like "3.12", nor "distro"'):
        load_matrices(tmp_path / "matrices", tmp_path)
