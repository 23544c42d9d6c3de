"""BLAS/LAPACK providers: one module per provider family, one registry entry per flavour.

Adding a flavour is one entry in ``PROVIDERS`` (and, for a new family, one module with a
class that fits ``BlasProvider``) plus one value in a matrix file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .accelerate import OSFramework
from .base import BlasExpectation, BlasProvider, Presence
from .debian_blas import DebianBLAS
from .mkl import PyPIMKL
from .none import NoBLAS
from .scipy_openblas import ScipyOpenBLAS

__all__ = ["ADOPTED_FLAVOURS", "NO_BLAS", "PROVIDERS", "provider_for", "BlasExpectation", "BlasProvider", "DebianBLAS",
           "Presence"]

NO_BLAS = NoBLAS()

PROVIDERS: dict[str, BlasProvider] = {
    p.name: p
    for p in (
        ScipyOpenBLAS(
            name="openblas",
            summary="scipy-openblas32 from PyPI (LP64, scipy_ symbol prefix)",
            package="scipy-openblas32",
            expectation=BlasExpectation(names=("openblas",), int_size=32),
        ),
        ScipyOpenBLAS(
            name="openblas64",
            summary="scipy-openblas64 from PyPI (ILP64, scipy_ prefix, 64_ suffix)",
            package="scipy-openblas64",
            expectation=BlasExpectation(names=("openblas",), int_size=64),
        ),
        DebianBLAS(
            name="netlib",
            summary="reference BLAS/LAPACK from Debian (libblas-dev, liblapack-dev)",
            apt_packages=("libblas-dev", "liblapack-dev"),
            blas_pc="netlib-blas",
            blas_dirs=("blas",),
            blas_lib="blas",
            lapack_dirs=("lapack",),
            lapack_lib="lapack",
            expectation=BlasExpectation(names=("netlib",), int_size=32),
        ),
        DebianBLAS(
            name="system-openblas",
            summary="OpenBLAS from Debian (libopenblas-dev), BLAS and LAPACK in one library",
            apt_packages=("libopenblas-dev",),
            blas_pc="system-openblas",
            blas_dirs=("openblas-pthread", "openblas-openmp", "openblas-serial"),
            blas_lib="openblas",
            lapack_dirs=("openblas-pthread", "openblas-openmp", "openblas-serial"),
            lapack_lib="openblas",
            expectation=BlasExpectation(names=("openblas",), int_size=32),
        ),
        DebianBLAS(
            name="blis",
            summary="BLIS from Debian (libblis-dev), LAPACK from netlib (liblapack-dev)",
            apt_packages=("libblis-dev", "liblapack-dev"),
            blas_pc="blis-blas",
            blas_dirs=("blis-openmp", "blis-pthread", "blis-serial"),
            blas_lib="blis",
            lapack_dirs=("lapack",),
            lapack_lib="lapack",
            expectation=BlasExpectation(names=("blis",), int_size=32),
        ),
        PyPIMKL(
            name="mkl",
            summary="Intel oneMKL from PyPI (mkl-devel, mkl-static), static, sequential threading",
            pkg_config_name="mkl-static-lp64-seq",
            expectation=BlasExpectation(names=("mkl",), int_size=32),
        ),
        OSFramework(
            name="accelerate",
            summary="Apple Accelerate (macOS only)",
            meson_name="accelerate",
            expectation=BlasExpectation(names=("accelerate",), int_size=32),
            platforms=("macos-arm64", "macos-x86_64"),
        ),
        NO_BLAS,
    )
}


# The flavours ``init`` puts in a new project's matrix: PyPI's scipy-openblas (its ILP64
# build only for a target with a use-ilp64 option) and Debian's OpenBLAS and reference BLAS,
# the ones a Linux runner provides without a licence or a framework.
ADOPTED_FLAVOURS = ("openblas", "openblas64", "system-openblas", "netlib")


def provider_for(flavour: str, *, target_declares_blas: bool,
                 pkg_config: Mapping[str, str] | None = None) -> BlasProvider:
    """The provider a cell of ``flavour`` uses: none at all for a target without a BLAS
    option, whose build must not install or pass anything for one. ``pkg_config`` (a
    preset's ``blas_pkgconfig`` for the flavour: pkg-config module -> the scipy-openblas
    package that writes it) names the files a target finds a PyPI OpenBLAS by."""
    if not target_declares_blas:
        return NO_BLAS
    provider = PROVIDERS[flavour]
    if pkg_config and isinstance(provider, ScipyOpenBLAS):
        files = tuple(pkg_config.items())
        # Two packages: an LP64 and an ILP64 library, each called by some extensions.
        hybrid = len(set(pkg_config.values())) > 1
        return replace(provider, pc_files=files, expectation=replace(provider.expectation, hybrid=hybrid))
    return provider
