"""init: the files it derives from a project, and that it never overwrites by surprise."""

import shutil

import pytest
import yaml

from mesonmatrix.adopt.init import init, scaffold_files
from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.errors import MesonmatrixError

from cells import ROOT


@pytest.fixture
def demo(tmp_path):
    shutil.copytree(ROOT / "demo", tmp_path / "proj", ignore=shutil.ignore_patterns("build", ".mesonpy*"))
    return tmp_path / "proj"


def test_the_matrix_follows_what_the_project_declares(demo):
    files = scaffold_files(demo, "mesonmatrix")
    for name, text in files.items():
        (demo / name).parent.mkdir(parents=True, exist_ok=True)
        (demo / name).write_text(text)
    matrices = load_matrices(demo / "matrices", demo)
    cells = matrices.matrix.by_session()
    # blasdemo: requires-python >=3.10, blas and use-ilp64 options, use-system-libraries.
    assert {c.python for c in cells.values()} == {"3.10", "3.11", "3.12", "3.13", "3.14"}
    assert {c.blas for c in cells.values()} == {"openblas", "openblas64", "system-openblas", "netlib"}
    assert "build-3.12-openblas-auto" in cells and "build-3.12-netlib-macos-arm64" not in cells
    assert matrices.presets["blasdemo"].path == demo and matrices.presets["blasdemo"].import_name == "blasdemo"
    # Linux on aarch64 too (GitHub's ubuntu-24.04-arm); MKL never there, system libraries on Linux only.
    assert "build-3.12-openblas-linux-aarch64" in cells and "build-3.12-openblas-linux-aarch64-auto" in cells
    assert '# manylinux = "2_28"' in files["matrices/default.toml"]  # offered, not imposed
    workflow = yaml.safe_load(files[".github/workflows/mesonmatrix.yml"])
    assert workflow["jobs"]["cell-manylinux"]["container"] == "${{ matrix.container }}"
    assert "python -m mesonmatrix ci-matrix" in str(workflow["jobs"]["matrix"]["steps"])
    runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
    assert runs and not any("${{" in run for run in runs)  # no expansion inside run:


def test_a_project_without_blas_gets_no_blas_axis_and_its_classifiers_pythons(demo):
    (demo / "meson.options").write_text("option('use-system-libraries', type: 'array', choices: ['none'])\n")
    pyproject = demo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'requires-python = ">=3.10"',
        'requires-python = ">=3.10"\nclassifiers = ["Programming Language :: Python :: 3.11",'
        ' "Programming Language :: Python :: 3.12"]'))
    toml = scaffold_files(demo, "mesonmatrix")["matrices/default.toml"]
    assert "blas =" not in toml and 'python = ["3.11", "3.12"]' in toml


def test_init_refuses_to_overwrite_without_force(demo):
    (demo / "noxfile.py").write_text("# the project's own\n")
    with pytest.raises(MesonmatrixError, match="noxfile.py already exist.*--force"):
        init(demo, lock=False, say=lambda text: None)
    assert (demo / "noxfile.py").read_text() == "# the project's own\n"
    result = init(demo, force=True, lock=False, say=lambda text: None)
    assert demo / "noxfile.py" in result.written and "register_cells" in (demo / "noxfile.py").read_text()
    assert {".matrix/", ".nox/"} <= set((demo / ".gitignore").read_text().splitlines())


class _Installed:
    def __init__(self, direct_url: str | None) -> None:
        self.version, self._direct_url = "1.2.3", direct_url

    def read_text(self, name: str) -> str | None:
        return self._direct_url if name == "direct_url.json" else None


@pytest.mark.parametrize(("direct_url", "wanted"), [
    (None, "mesonmatrix[all]==1.2.3"),  # from an index: no direct_url.json (PEP 610)
    ('{"url": "https://github.com/o/mesonmatrix", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}',
     "mesonmatrix[all] @ git+https://github.com/o/mesonmatrix@abc123"),
])
def test_init_pins_exactly_the_running_tool(monkeypatch, direct_url, wanted):
    from mesonmatrix.adopt import pin

    monkeypatch.setattr(pin.metadata, "distribution", lambda name: _Installed(direct_url))
    assert pin.running_tool_requirement() == wanted


def test_init_refuses_a_tool_installed_from_a_local_folder(monkeypatch):
    from mesonmatrix.adopt import pin
    from mesonmatrix.errors import MesonmatrixError

    local = '{"url": "file:///home/me/mesonmatrix", "dir_info": {"editable": true}}'
    monkeypatch.setattr(pin.metadata, "distribution", lambda name: _Installed(local))
    with pytest.raises(MesonmatrixError, match="installed from file:///home/me/mesonmatrix.*--tool-requirement"):
        pin.running_tool_requirement()
