import os
import re
from pathlib import Path

import pytest

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.errors import TargetError
from mesonmatrix.targets.layout import import_name_of
from mesonmatrix.targets.mesonoptions import read_options, system_library_components
from mesonmatrix.targets.resolve import resolve_target

ROOT = Path(__file__).resolve().parents[2]
PRESETS = load_matrices(ROOT / "matrices", ROOT).presets


def test_demo_preset():
    t = resolve_target("demo", PRESETS, Path("/unused"))
    assert (t.name, t.project_name, t.version, t.import_name) == ("demo", "blasdemo", "0.1.0", "blasdemo")
    assert t.system_components == ("kahan",)
    assert t.tests_project_name == "blasdemo-tests"
    assert any(r.startswith("meson-python") for r in t.build_requires)


def test_a_path_target(tmp_path):
    t = resolve_target(str(ROOT / "demo"), PRESETS, tmp_path)
    assert t.project_name == "blasdemo" and t.smoke == "import blasdemo"


def test_unknown_target_lists_presets(tmp_path):
    with pytest.raises(TargetError, match="unknown target 'nonesuch'.*demo"):
        resolve_target("nonesuch", PRESETS, tmp_path)


@pytest.mark.parametrize("value", ["./no-such-project-dir", "../elsewhere/pkg", "~/nope", "pkg-1.0.tar.gz"])
def test_a_missing_target_path_is_named_as_missing(tmp_path, value):
    with pytest.raises(TargetError, match=rf"^target path {re.escape(value)} does not exist \(from "):
        resolve_target(value, PRESETS, tmp_path)


def test_not_meson_python(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nbuild-backend = "setuptools.build_meta"\n[project]\nname="x"\n'
    )
    with pytest.raises(TargetError, match="not a meson-python project"):
        resolve_target(str(tmp_path), PRESETS, tmp_path)


def test_no_pyproject(tmp_path):
    with pytest.raises(TargetError, match="no pyproject.toml"):
        resolve_target(str(tmp_path), PRESETS, tmp_path)


def test_scipy_style_options(tmp_path):
    (tmp_path / "meson.options").write_text(
        "option('use-system-libraries', type: 'array',\n"
        "    choices: ['none', 'all', 'auto', 'boost.math', 'qhull'], value: ['none'],\n"
        "    description: 'x')\n"
    )
    assert system_library_components(tmp_path) == ("boost.math", "qhull")
    (tmp_path / "meson.options").write_text("option('blas', type: 'string', value: 'openblas')\n")
    assert system_library_components(tmp_path) is None


def test_an_sdists_epoch_comes_from_the_tarball_not_from_files_builds_touch(tmp_path):
    """meson touches subprojects/.wraplock on every setup; SciPy's SOURCE_DATE_EPOCH was
    the time of its last build, so no two builds agreed and none was reused."""
    import io
    import os
    import tarfile

    from mesonmatrix.targets.sdists import unpack_sdist
    from mesonmatrix.targets.sources import source_date_epoch

    sdist = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, mtime in (("pkg-1.0/meson.build", 1_700_000_000), ("pkg-1.0/PKG-INFO", 1_700_000_500)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = 3, mtime
            archive.addfile(info, io.BytesIO(b"x\n\n"[:3]))
    source = unpack_sdist(sdist, tmp_path / "cache")
    assert source_date_epoch(source) == 1_700_000_500
    (source / "subprojects").mkdir()
    (source / "subprojects" / ".wraplock").write_text("")
    os.utime(source / "meson.build")  # an edit after unpacking, too, leaves the sdist's time
    assert source_date_epoch(source) == 1_700_000_500


def test_meson_options_are_read_with_mesons_parser(tmp_path):
    (tmp_path / "meson_options.txt").write_text(
        "# comments and odd spacing are meson's business\n"
        "option('blas', type : 'string', value : 'openblas')\n"
        "option(\n  'use-ilp64',\n  type: 'boolean', value: false)\n"
        "option('mode', type: 'combo', choices: ['a', 'b'], value: 'a')\n"
    )
    options = read_options(tmp_path)
    assert set(options) == {"blas", "use-ilp64", "mode"}
    assert options["use-ilp64"].type == "boolean" and options["mode"].choices == ("a", "b")
    assert read_options(tmp_path / "nowhere") == {}


def test_options_and_a_meson_version_are_remembered_until_their_file_changes(tmp_path):
    from mesonmatrix.targets import mesonoptions
    from mesonmatrix.targets.metadata import project_version

    source, cache = tmp_path / "src", tmp_path / "cache"
    source.mkdir()
    cache.mkdir()
    (source / "meson.options").write_text("option('blas', type: 'string', value: 'openblas')\n")
    (source / "meson.build").write_text("project('x', 'c', version: '1.2.3')\n")
    assert set(read_options(source, cache)) == {"blas"}
    assert project_version(source, {}, cache) == "1.2.3"
    # Served from the cache: a parser that would fail is never called.
    original = mesonoptions._parse
    mesonoptions._parse = lambda path: (_ for _ in ()).throw(AssertionError("parsed again"))
    try:
        assert set(read_options(source, cache)) == {"blas"}
    finally:
        mesonoptions._parse = original
    (source / "meson.options").write_text("option('blas', type: 'combo', choices: ['a', 'b'], value: 'a')\n")
    assert read_options(source, cache)["blas"].choices == ("a", "b")
    # Same size, mtime put back (as cp -p or rsync -a would): the ctime still tells.
    info = (source / "meson.options").stat()
    (source / "meson.options").write_text("option('blas', type: 'combo', choices: ['c', 'd'], value: 'c')\n")
    os.utime(source / "meson.options", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (source / "meson.options").stat().st_size == info.st_size
    assert read_options(source, cache)["blas"].choices == ("c", "d")
    (source / "meson.build").write_text("project('x', 'c', version: '1.2.4')\n")
    assert project_version(source, {}, cache) == "1.2.4"
    # An entry of another shape is parsed again, never trusted.
    for entry in cache.glob("meson-*/*.json"):
        entry.write_text('{"key": "x", "value": 7}')
    assert read_options(source, cache)["blas"].type == "combo" and project_version(source, {}, cache) == "1.2.4"
    for entry in cache.glob("meson-*/*.json"):  # too deep for json to read
        entry.write_text('{"key": "x", "value": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert read_options(source, cache)["blas"].type == "combo" and project_version(source, {}, cache) == "1.2.4"
    for entry in cache.glob("meson-*/*.json"):  # the right key, values of the wrong types
        entry.write_text(entry.read_text().replace('"choices": ["c", "d"]', '"choices": "cd"'))
    assert read_options(source, cache)["blas"].choices == ("c", "d")
    for entry in cache.glob("meson-*/*.json"):
        entry.write_text(entry.read_text().replace('"value": "1.2.4"', '"value": 7').replace('"choices"', '"c"'))
    assert read_options(source, cache)["blas"].type == "combo" and project_version(source, {}, cache) == "1.2.4"


def test_a_target_resolved_again_imports_no_meson_parser(tmp_path):
    """Resolving is part of every cell's start; with nothing changed it reads the cache
    and never imports mesonbuild.mparser (75 ms)."""
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path\n"
        "from mesonmatrix.config.matrixfile import load_matrices\n"
        "from mesonmatrix.targets.resolve import resolve_target\n"
        f"root = Path({str(ROOT)!r})\n"
        "t = resolve_target(str(root / 'demo'), load_matrices(root / 'matrices', root).presets, Path(sys.argv[1]))\n"
        "print(t.version, sorted(t.meson_options), 'mesonbuild.mparser' in sys.modules)\n"
    )
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}  # this checkout's code, installed or not
    first = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True,
                           env=env)
    again = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True,
                           env=env)
    assert first.stdout.split()[-1] == "True"  # parsed, the first time
    assert again.stdout.rsplit(" ", 1) == [first.stdout.rsplit(" ", 1)[0], "False\n"]


def test_the_import_name_is_the_package_the_tree_holds(tmp_path):
    for folder in ("pywt", "tests", "docs"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    assert import_name_of(tmp_path, "PyWavelets") == "pywt"
    (tmp_path / "src" / "my_pkg").mkdir(parents=True)
    (tmp_path / "src" / "my_pkg" / "__init__.py").write_text("")
    assert import_name_of(tmp_path, "my-pkg") == "my_pkg"
    assert import_name_of(tmp_path / "empty", "Some.Name") == "some_name"
