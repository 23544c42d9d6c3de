"""The real matrices/ load; every kind of malformed file is rejected naming file and key."""

import shutil
from pathlib import Path

import pytest

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.errors import MatrixError

ROOT = Path(__file__).resolve().parents[2]


def test_project_matrices_load():
    matrices = load_matrices(ROOT / "matrices", ROOT)
    names = matrices.matrix.by_session()
    assert "build-3.12-openblas" in names
    assert {"build-3.12-openblas-runtime", "build-3.12-openblas-split"} <= set(names)
    assert any(c.platform.startswith("macos") for c in matrices.matrix.cells)
    assert any(c.platform.startswith("windows") for c in matrices.matrix.cells)
    assert "demo" in matrices.presets


GOOD_AXES = """
target = "demo"
[axes]
python = ["3.12"]
blas = ["openblas"]
platform = ["linux-x86_64"]
system_libraries = ["none"]
install_tags = ["full"]
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "matrices").mkdir()
    shutil.copy(ROOT / "matrices" / "targets.toml", tmp_path / "matrices" / "targets.toml")
    (tmp_path / "demo").mkdir()
    return tmp_path


CASES = [
    ("syntax", "this is = = not toml", "syntax"),
    ("unknown top-level key", "frobnicate_level = 3\n" + GOOD_AXES, "frobnicate_level"),
    ("unknown axis", GOOD_AXES + "compiler = ['gcc']\n", "axes.compiler"),
    ("unknown blas", GOOD_AXES.replace('"openblas"', '"openblass"'), "openblass"),
    ("unknown platform", GOOD_AXES.replace('"linux-x86_64"', '"linux-sparc"'), "linux-sparc"),
    ("bad install tags", GOOD_AXES.replace('["full"]', '["fulll"]'), "fulll"),
    ("bad system libraries", GOOD_AXES.replace('["none"]', '["none,kahan"]'), "axes.system_libraries"),
    ("python as a float", GOOD_AXES.replace('["3.12"]', "[3.12]"), "axes.python"),
    ("empty axis", GOOD_AXES.replace('["openblas"]', "[]"), "axes.blas"),
    ("axis not a list", GOOD_AXES.replace('["openblas"]', '"openblas"'), "axes.blas"),
    ("missing axis", GOOD_AXES.replace('install_tags = ["full"]', ""), "axes.install_tags"),
    ("unknown default", GOOD_AXES + "[defaults]\npython = '3.12'\n", "defaults.python"),
    ("unknown exclude key", GOOD_AXES + "[[exclude]]\nflavour = 'x'\n", "exclude[0].flavour"),
    ("bad include value", GOOD_AXES + "[[include]]\nblas = 'atlas'\n", "include[0].blas"),
    (
        "duplicate cell",
        GOOD_AXES + "[[include]]\nblas = 'openblas'\n",
        "include[0]: two cells are named 'build-3.12-openblas'",
    ),
    ("exclude of every cell", GOOD_AXES + "[[exclude]]\nblas = 'openblas'\n", "exclude[0]: removes every cell"),
    (
        "import_name that is code",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nimport_name = \"x; open('/tmp/p', 'w')\"\n",
        "targets.x.import_name",
    ),
    (
        "apt option as a package",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nsystem_requires = { gfortran = '-oAPT::X=1' }\n",
        "targets.x.system_requires.gfortran",
    ),
    (
        "option as a command",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nsystem_requires = { '--help' = 'gfortran' }\n",
        "targets.x.system_requires.--help",
    ),
    (
        "option as a compiler",
        GOOD_AXES + "[targets.x]\npath = 'demo'\ntoolchain_min = { cc = '--version' }\n",
        "targets.x.toolchain_min.cc",
    ),
    (
        "missing source tree",
        GOOD_AXES + "[targets.x]\npath = 'nowhere'\n",
        "targets.x.path: 'nowhere' is not a directory",
    ),
    ("unknown target", GOOD_AXES.replace('target = "demo"', 'target = "nope"'), "unknown target 'nope'"),
    ("bad preset key", GOOD_AXES + "[targets.x]\npath = 'demo'\nbuild_cmd = 'rm -rf /'\n", "targets.x.build_cmd"),
    ("bad toolchain_min key", GOOD_AXES + "[toolchain_min]\npython = ['3.12']\ncc = 'gcc'\n", "toolchain_min.cc"),
    (
        "bad toolchain preset",
        GOOD_AXES + "[targets.x]\npath = 'demo'\ntoolchain_min = { ld = 'gold' }\n",
        "targets.x.toolchain_min",
    ),
    (
        "pkg-config table for a Debian flavour",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nblas_pkgconfig.netlib = { blas = 'scipy-openblas32' }\n",
        "targets.x.blas_pkgconfig.netlib: only a scipy-openblas flavour",
    ),
    (
        "pkg-config file from any package",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nblas_pkgconfig.openblas = { scipy-openblas = 'os; evil' }\n",
        "targets.x.blas_pkgconfig.openblas.scipy-openblas: 'os; evil' is not one of scipy-openblas32",
    ),
    (
        "pkg-config table without the flavour's own library",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nblas_pkgconfig.openblas64 = { scipy-openblas = 'scipy-openblas32' }\n",
        "targets.x.blas_pkgconfig.openblas64: names no file from scipy-openblas64",
    ),
    (
        "pkg-config module name ending in a newline",
        GOOD_AXES + "[targets.x]\npath = 'demo'\nblas_pkgconfig.openblas = { \"a\\n\" = 'scipy-openblas32' }\n",
        "a pkg-config module name may hold only",
    ),
    ("unsafe preset name", GOOD_AXES + "[targets.'a;b']\npath = 'demo'\n", "targets.a;b"),
    # A regex's final `$` also matches before a trailing newline: every validated value is
    # checked whole (fullmatch), so none of these gets through with one.
    *[(f"{label} ending in a newline", text, expected) for label, text, expected in [
        ("import_name", GOOD_AXES + "[targets.x]\npath = 'demo'\nimport_name = \"blasdemo\\n\"\n",
         "targets.x.import_name: 'blasdemo\\n' is not a dotted module name"),
        ("python", GOOD_AXES.replace('["3.12"]', '["3.12\\n"]'), "axes.python"),
        ("preset name", GOOD_AXES + "[targets.\"x\\n\"]\npath = 'demo'\n", "a target name may hold only"),
        ("system_requires command",
         GOOD_AXES + "[targets.x]\npath = 'demo'\nsystem_requires = { \"gcc\\n\" = 'gcc' }\n",
         "a command name may hold only"),
        ("system_requires package", GOOD_AXES + "[targets.x]\npath = 'demo'\nsystem_requires = { gcc = \"gcc\\n\" }\n",
         "is not a Debian package name"),
        ("toolchain_min compiler", GOOD_AXES + "[targets.x]\npath = 'demo'\ntoolchain_min = { cc = \"gcc\\n\" }\n",
         "targets.x.toolchain_min.cc"),
        ("sdist name",
         GOOD_AXES + "[targets.x]\nsdist = { name = \"pkg\\n\", version = '1.0', sha256 = '" + "0" * 64 + "' }\n",
         "targets.x.sdist: name and version may hold only"),
    ]],
]


@pytest.mark.parametrize(("label", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_matrix_is_rejected_naming_file_and_key(project, label, text, expected):
    bad = project / "matrices" / "zz-bad.toml"
    bad.write_text(text)
    with pytest.raises(MatrixError) as info:
        load_matrices(project / "matrices", project)
    message = str(info.value)
    assert "zz-bad.toml" in message
    assert expected in message


def test_duplicate_across_files_names_both(project):
    (project / "matrices" / "a.toml").write_text(GOOD_AXES)
    (project / "matrices" / "b.toml").write_text(GOOD_AXES)
    with pytest.raises(MatrixError) as info:
        load_matrices(project / "matrices", project)
    assert "a.toml" in str(info.value) and "b.toml" in str(info.value)


def test_excludes_and_includes(project):
    text = GOOD_AXES.replace('["openblas"]', '["openblas", "netlib"]').replace('["full"]', '["full", "split"]')
    text += "[[exclude]]\nblas = 'netlib'\ninstall_tags = ['split']\n[[include]]\nsystem_libraries = 'kahan,auto'\n"
    (project / "matrices" / "m.toml").write_text(text)
    names = set(load_matrices(project / "matrices", project).matrix.by_session())
    assert names == {
        "build-3.12-openblas",
        "build-3.12-openblas-split",
        "build-3.12-netlib",
        "build-3.12-openblas-kahan+auto",
    }


def test_a_matrix_without_a_blas_axis_names_cells_by_python(project):
    (project / "matrices" / "m.toml").write_text(GOOD_AXES.replace('blas = ["openblas"]\n', "").replace(
        'python = ["3.12"]', 'python = ["3.11", "3.12"]'))
    cells = load_matrices(project / "matrices", project).matrix.by_session()
    assert set(cells) == {"build-3.11", "build-3.12"} and cells["build-3.12"].blas == "none"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e-300, 0, -5, True, "5"])
def test_a_time_limit_must_be_seconds_from_one_to_a_week(value):
    from mesonmatrix.config.keys import MATRIX, settings_of

    with pytest.raises(MatrixError, match="test_timeout: expected seconds from 1 to"):
        settings_of(Path("m.toml"), "", {"test_timeout": value}, MATRIX)


def components(count):
    """A system_libraries axis of ``count`` component names: the cheapest way to a large matrix."""
    return "[" + ", ".join(f"'c{i}'" for i in range(count)) + "]"


def test_a_matrix_past_the_cell_limit_is_refused_with_its_count_and_the_way_out(project):
    """nox -l took 170 s on a 96,000-cell matrix (nox's session list is quadratic): a matrix
    past 5,000 cells stops with its size, each file's share, and what to do."""
    big = GOOD_AXES.replace('system_libraries = ["none"]', f"system_libraries = {components(2000)}").replace(
        'install_tags = ["full"]', 'install_tags = ["full", "runtime", "split"]')
    (project / "matrices" / "big.toml").write_text(big)
    with pytest.raises(MatrixError) as info:
        load_matrices(project / "matrices", project)
    message = str(info.value)
    assert message.startswith(f"{project / 'matrices'}: cells: 6,000 cells (big.toml: 6,000), more than 5,000: ")
    assert "[[exclude]]" in message
    assert "MESONMATRIX_MAX_CELLS=6000 allows this many" in message


def test_the_cell_limit_is_set_by_an_environment_variable(project, monkeypatch):
    (project / "matrices" / "m.toml").write_text(
        GOOD_AXES.replace('system_libraries = ["none"]', f"system_libraries = {components(3)}"))
    monkeypatch.setenv("MESONMATRIX_MAX_CELLS", "2")
    with pytest.raises(MatrixError, match=r"cells: 3 cells \(m.toml: 3\), more than 2: "):
        load_matrices(project / "matrices", project)
    monkeypatch.setenv("MESONMATRIX_MAX_CELLS", "3")
    assert len(load_matrices(project / "matrices", project).matrix.cells) == 3
    monkeypatch.setenv("MESONMATRIX_MAX_CELLS", "many")
    with pytest.raises(MatrixError, match="MESONMATRIX_MAX_CELLS: 'many' is not a number of cells"):
        load_matrices(project / "matrices", project)


def test_axes_far_past_the_limit_are_refused_before_they_are_multiplied_out(project, monkeypatch):
    monkeypatch.setenv("MESONMATRIX_MAX_CELLS", "1")
    (project / "matrices" / "m.toml").write_text(
        GOOD_AXES.replace('system_libraries = ["none"]', f"system_libraries = {components(101)}"))
    with pytest.raises(MatrixError, match=r"m.toml: axes: the axes multiply to 101 cells, more than 1: "):
        load_matrices(project / "matrices", project)
