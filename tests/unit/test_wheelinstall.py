"""The wheels under test go into a test venv and leave nothing in uv's cache: real uv, real
venvs, real wheels (one with a console script and a data file), a uv cache of the test's own."""

import base64
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pytest

from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.machine.uv import create_venv_command, install_command, uv_binary
from mesonmatrix.platforms import PLATFORMS, host_platform_name
from mesonmatrix.testing.wheelinstall import dependencies_of, install_wheels_under_test

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the POSIX venv layout")


def _wheel(folder: Path, name: str, version: str, *, value: int, requires: tuple[str, ...] = ()) -> Path:
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    files = {f"{name}/__init__.py": f"VALUE = {value}\ndef main():\n    print('ran', VALUE)\n",
             f"{name}-{version}.data/data/share/{name}/note.txt": "kept\n",
             f"{info}/METADATA": metadata,
             f"{info}/entry_points.txt": f"[console_scripts]\n{name}-say = {name}:main\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}

    def digest(text: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()

    record = "".join(f"{n},sha256={digest(t)},{len(t.encode())}\n" for n, t in files.items())
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for n, t in files.items():
            archive.writestr(n, t)
        archive.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return path


@pytest.fixture
def setting(tmp_path):
    uv = uv_binary()
    cache = tmp_path / "uv-cache"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "UV_CACHE_DIR": str(cache), "UV_PYTHON_DOWNLOADS": "never"}
    runner = CommandRunner(log=tmp_path / "cell.log", env=env, stream=io.StringIO())
    venv = tmp_path / "venv"
    runner.run(create_venv_command(uv, Path(sys.executable), venv), label="venv")
    return runner, uv, venv, cache


def _cached_files(cache: Path) -> list[Path]:
    """What uv keeps of the wheels: an unpacked copy (``archive-v0/<id>/tinypkg/``) and its
    entry (``wheels-v<N>/path/<digest>/tinypkg-1.0-py3-none-any.http``)."""
    return sorted(p for p in cache.rglob("*") if "tinypkg" in p.name)


def test_the_wheels_under_test_are_installed_and_uv_keeps_no_copy(tmp_path, setting):
    runner, uv, venv, cache = setting
    wheel = _wheel(tmp_path, "tinypkg", "1.0", value=7)
    install_wheels_under_test(runner, uv, PLATFORMS[host_platform_name()], venv, [wheel])
    out = runner.run([venv / "bin" / "python", "-c", "import tinypkg, sys; print(tinypkg.__file__, sys.prefix)"],
                     label="import").stdout
    assert str(venv / "lib") in out
    assert runner.run([venv / "bin" / "tinypkg-say"], label="script").stdout.strip().endswith("ran 7")
    assert (venv / "share" / "tinypkg" / "note.txt").read_text() == "kept\n"
    assert "with installer, outside uv's cache" in runner.log.read_text()
    assert _cached_files(cache) == []


def test_a_distribution_already_in_the_venv_is_replaced_by_uv_without_its_cache(tmp_path, setting):
    runner, uv, venv, cache = setting
    older = tmp_path / "older"
    older.mkdir()
    runner.run(install_command(uv, venv / "bin" / "python", [_wheel(older, "tinypkg", "0.9", value=1)], ()),
               label="an older copy, as a test lock might bring")
    before = set(_cached_files(cache))
    wheel = _wheel(tmp_path, "tinypkg", "1.0", value=7)
    install_wheels_under_test(runner, uv, PLATFORMS[host_platform_name()], venv, [wheel])
    assert runner.run([venv / "bin" / "tinypkg-say"], label="script").stdout.strip().endswith("ran 7")
    assert [p.name for p in (venv / "lib").glob("*/site-packages/tinypkg-*.dist-info")] == ["tinypkg-1.0.dist-info"]
    assert "--no-deps --no-cache\n" in runner.log.read_text()
    assert set(_cached_files(cache)) == before


def test_the_dependencies_of_the_wheels_name_none_of_them_and_no_extra(tmp_path):
    runtime = _wheel(tmp_path, "demo_pkg", "1.0", value=1,
                     requires=("numpy>=1.22", "tomli; python_version < '3.11'", "pytest; extra == 'test'"))
    tests = _wheel(tmp_path, "demo_pkg_tests", "1.0", value=1, requires=("demo-pkg==1.0", "numpy>=1.22"))
    assert dependencies_of([runtime, tests]) == ("numpy>=1.22", "tomli; python_version < '3.11'")
