"""A new flavour's build dir started from a sibling flavour's builds exactly what a fresh
build dir would: the same wheel bytes, the flavour's own BLAS, only what the BLAS touches
compiled again."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from cells import run_nox_cell

pytestmark = pytest.mark.integration


def python_meson_saw(record: dict) -> str:
    native = configparser.ConfigParser()
    native.read(Path(record["build_dir"]) / "meson-python-native-file.ini")
    return native["binaries"]["python"].strip("'")


def built_sha(record: dict) -> str:
    return next(w["sha256"] for w in record["built_wheels"] if w["role"] == "full")


def test_seeded_flavours_build_what_fresh_build_dirs_build(tmp_path):
    seeded_home, fresh_home = tmp_path / "seeded", tmp_path / "fresh"
    first = run_nox_cell(seeded_home, "build-3.12-openblas")
    assert first.returncode == 0 and first.record["build_seeded_from"] is None
    wide = run_nox_cell(seeded_home, "build-3.12-openblas64")
    netlib = run_nox_cell(seeded_home, "build-3.12-netlib")
    for result in (wide, netlib):
        assert result.returncode == 0, result.output[-3000:]
        # From openblas: openblas64's -Duse-ilp64=true would stay set in netlib's copy.
        assert result.record["build_seeded_from"].startswith("demo-") and "-openblas-" in \
            result.record["build_seeded_from"]
        assert "new build dir started from" in result.output
        # ninja compiled only what the flavour changes: the one source that calls the BLAS.
        cache = result.record["compiler_cache"]
        assert cache is None or cache["hits"] + cache["misses"] <= 1, cache
    # Meson saw every flavour's build env at the slot's one link (else each flavour would
    # rerun every generator whose command names the env's Python).
    seen = {python_meson_saw(r.record) for r in (first, wide, netlib)}
    assert len(seen) == 1 and Path(seen.pop()).parent.parent.is_symlink(), seen
    assert wide.record["blas_runtime"]["int_size"] == 64 and "openblas64" in wide.record["blas_runtime"]["library"]
    assert netlib.record["blas_runtime"]["name"] == "netlib" and netlib.record["blas_runtime"]["int_size"] == 32
    # The same cells from fresh build dirs in another workspace: byte-identical wheels.
    for session, seeded in (("build-3.12-openblas64", wide), ("build-3.12-netlib", netlib)):
        fresh = run_nox_cell(fresh_home / session, session)
        assert fresh.returncode == 0 and fresh.record["build_seeded_from"] is None
        assert built_sha(fresh.record) == built_sha(seeded.record), session
