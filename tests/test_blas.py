"""Providers: the meson options each flavour passes and the pkg-config files it writes."""

import os
from pathlib import Path

import pytest

from mesonmatrix.blas import PROVIDERS, DebianBLAS
from mesonmatrix.commands import CommandRunner


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


def test_netlib_pins_its_own_directory(tmp_path):
    netlib = PROVIDERS["netlib"]
    assert isinstance(netlib, DebianBLAS)
    try:
        libdir = netlib.multiarch_libdir()
    except FileNotFoundError:
        pytest.skip("Debian's libblas-dev/liblapack-dev are not installed")
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    netlib.provision(runner, build_python=Path("python"), pkg_config_dir=tmp_path)
    blas_pc = (tmp_path / "netlib-blas.pc").read_text()
    lapack_pc = (tmp_path / "netlib-blas-lapack.pc").read_text()
    # The rpath makes the loader, and auditwheel, find netlib, not the alternatives link.
    assert f"libdir={libdir / 'blas'}" in blas_pc and "-Wl,-rpath,${libdir}" in blas_pc
    assert f"libdir={libdir / 'lapack'}" in lapack_pc and "Requires: netlib-blas" in lapack_pc
    assert netlib.setup_args() == ("-Dblas=netlib-blas", "-Dlapack=netlib-blas-lapack")


def test_missing_debian_blas_says_the_exact_command(monkeypatch, tmp_path):
    fake = DebianBLAS(
        name="fake", summary="", apt_packages=("libfake-dev",), blas_pc="fake", blas_dir="nowhere-fake",
        blas_lib="fake", lapack_dir="nowhere-fake", lapack_lib="fake",
        expectation=PROVIDERS["netlib"].expectation,
    )
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # as a user who may not run apt
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    with pytest.raises(Exception, match=r"sudo apt-get install -y --no-install-recommends libfake-dev"):
        fake.ensure_installed(runner)
