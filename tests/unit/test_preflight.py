"""Before the build: requires-python and the build's commands, each stopped with its fix."""

import dataclasses
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from mesonmatrix.errors import PrerequisiteMissing
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.stages.preflight import check_requires_python, check_system_libraries, ensure_build_commands
from mesonmatrix.targets.target import Target

TARGET = Target(name="pkg", source_dir=Path("/src"), project_name="pkg", version="1.0", import_name="pkg",
                build_requires=(), runtime_requires=(), system_components=None, test_requires=(), suites={},
                default_suite="full", smoke="import pkg")


def test_a_python_below_requires_python_stops_the_cell_with_the_reason():
    current = ".".join(map(str, sys.version_info[:3]))
    newer = f">={sys.version_info[0]}.{sys.version_info[1] + 1}"
    with pytest.raises(PrerequisiteMissing, match=rf"pkg 1.0 requires Python {newer}, .* is {current}"):
        check_requires_python(dataclasses.replace(TARGET, requires_python=newer), Path(sys.executable))
    check_requires_python(dataclasses.replace(TARGET, requires_python=">=3.10"), Path(sys.executable))
    check_requires_python(TARGET, Path(sys.executable))  # none declared


def test_a_missing_ninja_stops_the_cell_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # a user who may not run apt
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "pkg-config"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bindir))
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    fix = r"sudo apt-get install -y --no-install-recommends ninja-build"
    with pytest.raises(PrerequisiteMissing, match=rf"ninja\).*{fix}"):
        ensure_build_commands(runner, str(bindir))


def test_declared_languages_are_read_from_every_meson_build_the_build_reaches(tmp_path):
    from mesonmatrix.targets.languages import declared_languages

    (tmp_path / "meson.build").write_text("project('x', ['c', 'cpp'], version: '1')\nsubdir('f')\n"
                                          "add_languages('cuda', required: false)\n"
                                          "foreach d : ['g', 'h']\n  subdir(d)\nendforeach\n"
                                          "where = 'i'\nsubdir(where)\nsubdir(join_paths('x', 'y'))\n")
    for folder, text in {"f": "add_languages('fortran', native: false)\n", "g": "subdir('deeper')\n",
                         "g/deeper": "add_languages('rust')\n", "h": "project('h', 'objc')\n",
                         "i": "add_languages('d')\n",
                         # Never entered: a subproject, a vendored tool's own test cases (NumPy's
                         # sdist ships meson's, a C# project among them), a doc example.
                         "subprojects/dep": "project('dep', 'vala')\n",
                         "vendored-meson/meson/test cases/csharp/1 basic": "project('b', 'cs')\n",
                         "doc/examples": "project('e', 'java')\n"}.items():
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "meson.build").write_text(text)
    found = {lang.name: lang.where for lang in declared_languages(tmp_path)}
    assert found == {"c": "meson.build:1", "cpp": "meson.build:1", "fortran": "f/meson.build:1",
                     "rust": "g/deeper/meson.build:1", "objc": "h/meson.build:1", "d": "i/meson.build:1"}


def test_a_subdir_that_leaves_the_tree_or_loops_is_not_followed(tmp_path):
    from mesonmatrix.targets.languages import declared_languages

    source = tmp_path / "src"
    (source / "a").mkdir(parents=True)
    (tmp_path / "meson.build").write_text("project('outside', 'cs')\n")
    (source / "meson.build").write_text("project('x', 'c')\nsubdir('..')\nsubdir('a')\n")
    (source / "a" / "meson.build").write_text("subdir('..')\nsubdir('.')\n")
    assert [lang.name for lang in declared_languages(source)] == ["c"]


def test_declared_languages_are_remembered_until_a_meson_build_changes(tmp_path):
    from mesonmatrix.targets import languages

    source, cache = tmp_path / "src", tmp_path / "cache"
    (source / "f").mkdir(parents=True)
    cache.mkdir()
    (source / "meson.build").write_text("project('x', 'c')\nsubdir('f')\n")
    (source / "f" / "meson.build").write_text("# nothing yet\n")
    assert [lang.name for lang in languages.declared_languages(source, cache)] == ["c"]
    assert len(list((cache / "meson-languages-2").glob("*.json"))) == 1
    # Served from the cache: a parser that would fail is never called.
    original = languages._parse
    languages._parse = lambda *args: (_ for _ in ()).throw(AssertionError("parsed again"))
    try:
        assert [lang.name for lang in languages.declared_languages(source, cache)] == ["c"]
    finally:
        languages._parse = original
    (source / "f" / "meson.build").write_text("add_languages('fortran')\n")
    assert {lang.name for lang in languages.declared_languages(source, cache)} == {"c", "fortran"}
    # Same size, mtime put back (as cp -p or rsync -a would): the ctime still tells.
    info = (source / "f" / "meson.build").stat()
    (source / "f" / "meson.build").write_text("add_languages('cython')\n")
    os.utime(source / "f" / "meson.build", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert {lang.name for lang in languages.declared_languages(source, cache)} == {"c", "cython"}
    # A subdir() the root calls whose meson.build did not exist yet: its appearing tells.
    (source / "meson.build").write_text("project('x', 'c')\nsubdir('f')\nsubdir('g')\n")
    assert {lang.name for lang in languages.declared_languages(source, cache)} == {"c", "cython"}
    (source / "g").mkdir()
    (source / "g" / "meson.build").write_text("add_languages('cpp')\n")
    assert {lang.name for lang in languages.declared_languages(source, cache)} == {"c", "cython", "cpp"}
    # An entry of another shape is parsed again, never trusted.
    for entry in (cache / "meson-languages-2").glob("*.json"):
        entry.write_text(json.dumps({**json.loads(entry.read_text()), "value": None}))
    assert {lang.name for lang in languages.declared_languages(source, cache)} == {"c", "cython", "cpp"}


def test_a_declared_language_without_a_compiler_stops_with_the_install_command(tmp_path):
    from mesonmatrix.stages.preflight import check_compilers
    from mesonmatrix.targets.languages import DeclaredLanguage

    bindir = tmp_path / "bin"
    bindir.mkdir()
    gcc = bindir / "gcc"
    gcc.write_text("#!/bin/sh\n")
    gcc.chmod(0o755)
    c = DeclaredLanguage(name="c", where="meson.build:3")
    fortran = DeclaredLanguage(name="fortran", where="meson.build:9")
    check_compilers((c,), {"PATH": str(bindir)})  # gcc is one of meson's C compilers
    with pytest.raises(PrerequisiteMissing, match=r"declares fortran \(meson.build:9\).*`apt-get install gfortran`"):
        check_compilers((c, fortran), {"PATH": str(bindir)})
    with pytest.raises(PrerequisiteMissing, match="FC=gfortran-99 is not on the PATH: point FC at an installed "
                                                  "compiler$"):
        check_compilers((fortran,), {"PATH": str(bindir), "FC": "gfortran-99"})
    # The variable is what is wrong, never a package that is installed already.
    with pytest.raises(PrerequisiteMissing, match=r"^the target declares c \(meson.build:3\) but CC=/nonexistent/gcc "
                                                  r"does not exist: point CC at an installed compiler, or unset it "
                                                  r"\(gcc is on the PATH\)$"):
        check_compilers((c,), {"PATH": str(bindir), "CC": "/nonexistent/gcc"})


@pytest.mark.skipif(not __import__("shutil").which("pkg-config"), reason="pkg-config answers the lookup")
def test_a_required_system_library_pkg_config_cannot_find_stops_the_cell_before_its_build(tmp_path):
    from mesonmatrix.model import SystemLibraries

    target = dataclasses.replace(TARGET, system_components=("qhull", "boost"),
                                 system_library_modules={"qhull": "qhull_mm_test libqhull-dev"})
    environ = {"PATH": os.environ["PATH"], "PKG_CONFIG_PATH": ""}
    with pytest.raises(PrerequisiteMissing, match=r"use-system-libraries=all needs the system's qhull, .* module "
                                                   r"'qhull_mm_test': sudo apt-get install -y .*libqhull-dev"):
        check_system_libraries(target, SystemLibraries.parse("all"), environ)
    # Not required (auto), or a component without a mapped module (boost): meson's own lookup decides.
    check_system_libraries(target, SystemLibraries.parse("auto"), environ)
    check_system_libraries(target, SystemLibraries.parse("boost"), environ)
    # Found where meson will look: a -Dpkg_config_path folder of the build's options.
    (tmp_path / "qhull_mm_test.pc").write_text("Name: q\nDescription: q\nVersion: 8.0.2\n")
    check_system_libraries(target, SystemLibraries.parse("qhull"), environ, (f"-Dpkg_config_path={tmp_path}",))
