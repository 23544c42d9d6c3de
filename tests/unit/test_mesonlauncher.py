"""meson-python starts meson through the launcher: ``--version`` comes from the installed
distribution without importing meson, anything else is meson itself; a project's own meson
(NumPy's fork) or the user's MESON is never replaced."""

import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from mesonmatrix.machine.mesonlauncher import launcher_env, meson_launcher


@pytest.fixture
def launcher(tmp_path):
    pytest.importorskip("mesonbuild")  # meson is a dependency of the tool: installed beside it
    return meson_launcher(tmp_path)


def test_version_is_answered_without_importing_meson(launcher):
    out = subprocess.run([sys.executable, "-X", "importtime", str(launcher), "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == version("meson")
    assert "mesonbuild" not in out.stderr  # -X importtime lists every module imported


def test_anything_else_is_meson_itself(launcher, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "meson.build").write_text("project('p', meson_version: '>=1.0')\n")
    out = subprocess.run([sys.executable, str(launcher), "introspect", "--projectinfo",
                          str(tmp_path / "src" / "meson.build")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"descriptive_name": "p"' in out.stdout


def test_a_projects_own_meson_or_the_users_is_left_alone(tmp_path):
    assert launcher_env(tmp_path, "vendored-meson/meson/meson.py", {}) == {}
    assert launcher_env(tmp_path, None, {"MESON": "/opt/meson/meson.py"}) == {}
    chosen = launcher_env(tmp_path, None, {})
    assert chosen["MESON"].endswith(".py") and chosen == launcher_env(tmp_path, None, {})  # one file, reused


def test_version_is_read_from_the_first_meson_distribution_on_the_path(launcher, tmp_path):
    """As importlib.metadata would answer, without importing it (0.13 s of each build)."""
    site = tmp_path / "site"
    (site / "meson_python-0.20.0.dist-info").mkdir(parents=True)  # another distribution: not meson's
    (site / "meson_python-0.20.0.dist-info" / "METADATA").write_text("Name: meson-python\nVersion: 0.20.0\n")
    (site / "meson-9.8.7.dist-info").mkdir()
    (site / "meson-9.8.7.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: meson\nVersion: 9.8.7\n")
    out = subprocess.run([sys.executable, "-X", "importtime", str(launcher), "--version"], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(site)})
    assert out.stdout.strip() == "9.8.7"
    assert "importlib.metadata" not in out.stderr


def test_another_distributions_folder_or_a_body_line_is_not_merons_version(launcher, tmp_path):
    """A legacy folder name that starts like meson's, and a "Version:" line in the
    description (after the blank line that ends the headers), are not meson's version."""
    site = tmp_path / "site"
    (site / "meson-python-0.13.1.dist-info").mkdir(parents=True)  # an old installer's unnormalized name
    (site / "meson-python-0.13.1.dist-info" / "METADATA").write_text("Name: meson-python\nVersion: 0.13.1\n")
    (site / "meson-1.4.0.dist-info").mkdir()
    (site / "meson-1.4.0.dist-info" / "METADATA").write_text("Name: meson\nSummary: x\n\nVersion: not-a-header\n")
    (site / "meson-2.0.0.dist-info").mkdir()
    (site / "meson-2.0.0.dist-info" / "METADATA").write_text("Name: meson\nVersion: 2.0.0\n")
    out = subprocess.run([sys.executable, str(launcher), "--version"], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(site)})
    assert out.stdout.strip() == "2.0.0"
