"""The seeds' own projects, read as a cell reads them before it builds: NumPy's and SciPy's
real sdists from their presets, resolved and preflighted, nothing compiled.

The sdists are downloaded once into the shared cache, as every cell's are (about 40 MB
together), so the default suite sees the trees the acceptance builds see. A regression
here stopped ``--target numpy`` within 10 s once: the compiler preflight read the C#
test case of NumPy's vendored meson.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.machine.cachedir import shared_cache_dir
from mesonmatrix.stages.preflight import check_compilers
from mesonmatrix.targets.resolve import resolve_target

ROOT = Path(__file__).resolve().parents[2]
PRESETS = load_matrices(ROOT / "matrices", ROOT).presets
# What each project's meson.build files, followed from the root, declare (numpy 2.4.6:
# meson.build:3; scipy 1.17.1: meson.build:3 and add_languages('fortran') at :88).
EXPECTED = {"numpy": {"c", "cpp", "cython"}, "scipy": {"c", "cpp", "cython", "fortran"}}


def _compilers(folder: Path) -> str:
    """A PATH holding one stand-in for each compiler of the expected languages, and no other."""
    folder.mkdir()
    for name in ("cc", "c++", "gfortran", "cython"):
        (folder / name).write_text("#!/bin/sh\nexit 0\n")
        (folder / name).chmod(stat.S_IRWXU)
    return str(folder)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_real_sdist_declares_only_the_languages_its_build_reaches(name, tmp_path):
    cache = shared_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    target = resolve_target(name, PRESETS, cache)
    assert target.version == PRESETS[name].sdist.version
    assert {language.name for language in target.languages} == EXPECTED[name]
    # The preflight passes with exactly those compilers on the PATH: nothing else is asked for.
    check_compilers(target.languages, {"PATH": _compilers(tmp_path / "bin")})
