"""Providers: the meson options each flavour passes and the pkg-config files it writes."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.providers import PROVIDERS, DebianBLAS


def test_openblas_is_lp64_scipy_openblas32():
    p = PROVIDERS["openblas"]
    assert p.build_requirements() == ("scipy-openblas32",)
    assert p.setup_args() == ("-Dblas=scipy-openblas", "-Dlapack=scipy-openblas")
    assert p.expectation.int_size == 32


def test_openblas64_asks_for_ilp64():
    p = PROVIDERS["openblas64"]
    assert p.build_requirements() == ("scipy-openblas64",)
    assert "-Duse-ilp64=true" in p.setup_args()
    assert p.expectation.int_size == 64


def test_accelerate_is_macos_only():
    assert set(PROVIDERS["accelerate"].platforms) == {"macos-arm64", "macos-x86_64"}


def debian_tree(root: Path, *libraries: str) -> Path:
    """A stand-in multiarch libdir holding empty ``<dir>/lib<name>.so`` files."""
    for library in libraries:
        (root / library).parent.mkdir(parents=True, exist_ok=True)
        (root / library).write_bytes(b"")
    return root


def test_netlib_pins_its_own_directory(tmp_path):
    netlib = PROVIDERS["netlib"]
    assert isinstance(netlib, DebianBLAS)
    libdir = debian_tree(tmp_path / "usr-lib", "blas/libblas.so", "lapack/liblapack.so")
    netlib = replace(netlib, lib_roots=(tmp_path / "absent", libdir))
    blas_dir, lapack_dir = netlib.library_dirs()
    pc_dir = tmp_path / "pkgconfig"
    pc_dir.mkdir()
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    netlib.provision(runner, build_python=Path("python"), pkg_config_dir=pc_dir)
    blas_pc = (pc_dir / "netlib-blas.pc").read_text()
    lapack_pc = (pc_dir / "netlib-blas-lapack.pc").read_text()
    # The rpath makes the loader, and auditwheel, find netlib, not the alternatives link.
    assert blas_dir.name == "blas" and lapack_dir.name == "lapack"
    assert f"libdir={blas_dir}" in blas_pc and "-Wl,-rpath,${libdir}" in blas_pc
    assert f"libdir={lapack_dir}" in lapack_pc and "Requires: netlib-blas" in lapack_pc
    assert netlib.setup_args() == ("-Dblas=netlib-blas", "-Dlapack=netlib-blas-lapack")
    assert netlib.runtime_library_path() == (blas_dir, lapack_dir)
    assert netlib.presence().found == f"{blas_dir}, {lapack_dir}"


def test_a_missing_debian_flavour_tells_doctor_the_fix(tmp_path):
    netlib = replace(PROVIDERS["netlib"], lib_roots=(tmp_path,))
    assert netlib.runtime_library_path() == ()
    presence = netlib.presence()
    assert presence.found is None
    assert presence.fix == "sudo apt-get install -y --no-install-recommends libblas-dev liblapack-dev"


def test_system_openblas_prefers_the_pthread_build(tmp_path):
    libdir = debian_tree(tmp_path, "openblas-openmp/libopenblas.so", "openblas-pthread/libopenblas.so")
    p = replace(PROVIDERS["system-openblas"], lib_roots=(libdir,))
    assert p.library_dirs() == (libdir / "openblas-pthread", libdir / "openblas-pthread")
    assert p.runtime_library_path() == (libdir / "openblas-pthread",)


def test_system_openblas_is_one_library_for_blas_and_lapack():
    p = PROVIDERS["system-openblas"]
    assert p.setup_args() == ("-Dblas=system-openblas", "-Dlapack=system-openblas")
    assert p.apt_packages == ("libopenblas-dev",)


def test_blis_takes_lapack_from_netlib():
    p = PROVIDERS["blis"]
    assert p.setup_args() == ("-Dblas=blis-blas", "-Dlapack=blis-blas-lapack")
    assert set(p.apt_packages) == {"libblis-dev", "liblapack-dev"}


def test_missing_debian_blas_says_the_exact_command(monkeypatch, tmp_path):
    fake = DebianBLAS(
        name="fake", summary="", apt_packages=("libfake-dev",), blas_pc="fake", blas_dirs=("nowhere-fake",),
        blas_lib="fake", lapack_dirs=("nowhere-fake",), lapack_lib="fake",
        expectation=PROVIDERS["netlib"].expectation,
    )
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as a user who may not run apt
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    with pytest.raises(Exception, match=r"sudo apt-get install -y --no-install-recommends libfake-dev"):
        fake.ensure_installed(runner)


def test_scipy_openblas_tells_windows_repairs_where_its_dll_is(tmp_path):
    """Windows binaries have no rpath, so delvewheel gets --add-path <the package's lib dir>,
    as NumPy's and SciPy's tools/wheels/repair_windows.sh do; the package itself says where
    (get_lib_dir), here from a stand-in scipy_openblas32 on PYTHONPATH."""
    import sys

    from mesonmatrix.platforms import PLATFORMS

    package = tmp_path / "site" / "scipy_openblas32"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "import os\ndef get_lib_dir():\n    return os.path.join(os.path.dirname(__file__), 'lib')\n")
    runner = CommandRunner(log=tmp_path / "log", env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
                           echo_output=False)
    provider = PROVIDERS["openblas"]
    assert provider.shared_library_dirs(runner, Path(sys.executable)) == (package / "lib",)
    assert PLATFORMS["windows-amd64"].repair_needs_library_dirs
    assert not any(PLATFORMS[name].repair_needs_library_dirs for name in PLATFORMS if not name.startswith("windows"))
    # Flavours with nothing to bundle on Windows (MKL is linked statically) give no folder.
    assert PROVIDERS["mkl"].shared_library_dirs(runner, Path(sys.executable)) == ()


def _stand_in_openblas(site: Path, package: str) -> Path:
    """A scipy-openblas package on PYTHONPATH: its pkg-config text and library folder."""
    module = site / package
    module.mkdir(parents=True)
    (module / "__init__.py").write_text(
        "import os\n"
        f"def get_pkg_config():\n    return 'Name: {package}\\n'\n"
        "def get_lib_dir():\n    return os.path.join(os.path.dirname(__file__), 'lib')\n")
    return module / "lib"


def test_scipys_ilp64_build_gets_both_libraries_under_its_names(tmp_path):
    """SciPy's ILP64 build finds the LP64 library as scipy-openblas and the ILP64 one as
    scipy-openblas64 (SciPy 1.17.1's meson.build:274, :403): its preset's blas_pkgconfig
    installs both packages, writes a .pc from each, and hands the repair both folders;
    NumPy's (the default) keeps one scipy-openblas.pc from scipy-openblas64."""
    import sys

    from mesonmatrix.providers import provider_for

    site = tmp_path / "site"
    libs = [_stand_in_openblas(site, p) for p in ("scipy_openblas32", "scipy_openblas64")]
    runner = CommandRunner(log=tmp_path / "log", env={**os.environ, "PYTHONPATH": str(site)}, echo_output=False)
    (tmp_path / "pc").mkdir()
    (tmp_path / "numpy-pc").mkdir()
    scipys = provider_for("openblas64", target_declares_blas=True, pkg_config={
        "scipy-openblas": "scipy-openblas32", "scipy-openblas64": "scipy-openblas64"})
    assert scipys.build_requirements() == ("scipy-openblas32", "scipy-openblas64")
    assert scipys.setup_args() == PROVIDERS["openblas64"].setup_args()
    scipys.provision(runner, build_python=Path(sys.executable), pkg_config_dir=tmp_path / "pc")
    assert (tmp_path / "pc" / "scipy-openblas.pc").read_text() == "Name: scipy_openblas32\n"
    assert (tmp_path / "pc" / "scipy-openblas64.pc").read_text() == "Name: scipy_openblas64\n"
    assert scipys.shared_library_dirs(runner, Path(sys.executable)) == tuple(libs)

    numpys = provider_for("openblas64", target_declares_blas=True)
    assert numpys.build_requirements() == ("scipy-openblas64",)
    numpys.provision(runner, build_python=Path(sys.executable), pkg_config_dir=tmp_path / "numpy-pc")
    assert [p.name for p in (tmp_path / "numpy-pc").iterdir()] == ["scipy-openblas.pc"]
    assert (tmp_path / "numpy-pc" / "scipy-openblas.pc").read_text() == "Name: scipy_openblas64\n"
    # Only a scipy-openblas flavour takes the table: another flavour is the registry's own.
    assert provider_for("netlib", target_declares_blas=True, pkg_config={"x": "scipy-openblas32"}) \
        is PROVIDERS["netlib"]
