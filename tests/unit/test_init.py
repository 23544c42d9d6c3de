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


def _git(folder, *args):
    import subprocess

    subprocess.run(["git", "-C", str(folder), "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


@pytest.mark.parametrize(("remote", "url"), [
    ("https://github.com/o/mesonmatrix.git", "https://github.com/o/mesonmatrix.git"),
    ("git@github.com:o/mesonmatrix.git", "ssh://git@github.com/o/mesonmatrix.git"),  # scp-like: not a URL to pip
])
def test_a_tool_installed_from_a_checkout_with_a_remote_is_pinned_to_its_commit(tmp_path, monkeypatch, remote, url):
    from mesonmatrix.adopt import pin

    checkout = tmp_path / "mesonmatrix"
    checkout.mkdir()
    _git(checkout, "init", "-q")
    _git(checkout, "commit", "-q", "--allow-empty", "-m", "x")
    _git(checkout, "remote", "add", "origin", remote)
    commit = __import__("subprocess").run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True,
                                          text=True, check=True).stdout.strip()
    local = f'{{"url": "file://{checkout}", "dir_info": {{"editable": true}}}}'
    monkeypatch.setattr(pin.metadata, "distribution", lambda name: _Installed(local))
    assert pin.running_tool_requirement() == f"mesonmatrix[all] @ git+{url}@{commit}"


def _tiny_wheel(folder):
    """A wheel of one distribution, ``tiny 1.0``, with nothing in it but its metadata."""
    import zipfile

    folder.mkdir()
    with zipfile.ZipFile(folder / "tiny-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("tiny-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n")
        wheel.writestr("tiny-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\n"
                                                   "Tag: py3-none-any\n")
        wheel.writestr("tiny-1.0.dist-info/RECORD", "")


def test_a_requirement_no_index_has_is_named_before_ci_finds_out(tmp_path, monkeypatch):
    """mesonmatrix[all]==0.1.0, which no index had, was taken: every CI job failed at its first step."""
    from mesonmatrix.adopt.pin import resolution_problem
    from mesonmatrix.machine.uv import uv_binary

    (tmp_path / "index").mkdir()  # an index of nothing, and a folder of wheels holding tiny 1.0
    _tiny_wheel(tmp_path / "wheels")
    monkeypatch.setenv("UV_INDEX_URL", (tmp_path / "index").as_uri())
    monkeypatch.setenv("UV_FIND_LINKS", str(tmp_path / "wheels"))
    monkeypatch.setenv("UV_NO_CACHE", "1")
    assert resolution_problem("tiny==1.0", uv_binary()) is None
    problem = resolution_problem("tiny[all]==0.1.0", uv_binary())
    assert problem is not None and "no version of tiny" in problem and "\n" not in problem


def test_init_names_a_missing_project_folder_first(tmp_path, capsys):
    from mesonmatrix.cli.init import main

    assert main([str(tmp_path / "no" / "such" / "dir"), "--no-lock"]) == 2
    assert capsys.readouterr().err == (f"mesonmatrix init: {tmp_path / 'no' / 'such' / 'dir'} does not exist: give "
                                       "the project's root (the folder with its pyproject.toml)\n")
