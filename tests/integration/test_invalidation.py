"""Cache invalidation for real: an unchanged cell reuses its wheel, and a changed source
file or meson option rebuilds it, in a copy of this project whose demo and matrix the
test edits (build envs stay in the shared cache, so only the demo compiles)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration
CELL = "build-3.12-openblas"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("project")
    for name in ("noxfile.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("src", "matrices", "locks", "demo"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "build", ".mesonpy*"))
    return copy


def run(project: Path) -> dict:
    result = run_nox_cell(project / ".matrix", CELL, project=project)
    assert result.returncode == 0, result.output[-3000:]
    record = result.record
    record["log_text"] = (project / record["log"]).read_text()  # a workspace inside the project: relative
    return record


def installed(project: Path, code: str) -> str:
    python = project / ".matrix" / "venvs" / "demo" / CELL / "bin" / "python"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True, cwd="/").stdout.strip()


def test_unchanged_then_source_change_then_option_change(project):
    cold = run(project)
    assert cold["build_reused"] is False and "Compiling C object" in cold["log_text"]

    assert cold["repair"]["reused"] is False
    warm = run(project)
    assert warm["build_reused"] is True and "Compiling C object" not in warm["log_text"]
    assert warm["wheels"][0]["sha256"] == cold["wheels"][0]["sha256"]
    # Same built wheel, tool and grafted libraries: the repaired wheel is reused, bytes and all.
    assert warm["repair"]["reused"] is True and "Grafting:" not in warm["log_text"]

    # A source file changes: the wheel is rebuilt and the installed package has the change.
    init = project / "demo" / "src" / "blasdemo" / "__init__.py"
    init.write_text(init.read_text() + "\nEDITED_FOR_THE_TEST = 1\n")
    edited = run(project)
    assert edited["build_reused"] is False and edited["repair"]["reused"] is False
    assert edited["wheels"][0]["sha256"] != cold["wheels"][0]["sha256"]
    assert installed(project, "import blasdemo; print(blasdemo.EDITED_FOR_THE_TEST)") == "1"

    # A meson option changes (the preset's setup_args): a fresh build dir, configured with it.
    targets = project / "matrices" / "targets.toml"
    text = targets.read_text()
    anchor = 'path = "demo"\n'
    assert anchor in text
    targets.write_text(text.replace(anchor, anchor + 'setup_args = ["-Dbuildtype=debug"]\n', 1))
    optioned = run(project)
    assert optioned["build_reused"] is False
    assert "-Dbuildtype=debug" in optioned["setup_args"]
    assert "configure inputs changed" in optioned["log_text"] or "Compiling C object" in optioned["log_text"]
    options = json.loads((project / optioned["build_dir"] / "meson-info" / "intro-buildoptions.json").read_text())
    assert next(o["value"] for o in options if o["name"] == "buildtype") == "debug"
    assert (
        installed(project, "import blasdemo; print(blasdemo.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 8.0]))")
        == "[1.0, 2.0]"
    )


def _wheel_holds(record: dict, marker: bytes) -> bool:
    import zipfile

    path = next(w["path"] for w in record["wheels"] if w["role"] == "full")
    with zipfile.ZipFile(path) as wheel:
        return any(marker in wheel.read(name) for name in wheel.namelist() if name.endswith(".so"))


def test_a_variable_the_compiler_reads_is_an_input(tmp_path):
    """CPATH is read by gcc behind meson's back: a header in it wins over the system's. A
    run with it and one without must not share a wheel."""
    marker = f"CPATH-MARKER-{tmp_path.name}".encode()
    headers = tmp_path / "headers"
    headers.mkdir()
    (headers / "stdint.h").write_text("#include_next <stdint.h>\n#ifndef MESONMATRIX_MARKER\n"
                                      "#define MESONMATRIX_MARKER\n__attribute__((used)) static const char "
                                      f"mesonmatrix_marker[] = \"{marker.decode()}\";\n#endif\n")
    home = tmp_path / "home"
    marked = run_nox_cell(home, CELL, env={"CPATH": str(headers)})
    assert marked.returncode == 0, marked.output[-3000:]
    assert _wheel_holds(marked.record, marker)
    plain = run_nox_cell(home, CELL)
    assert plain.returncode == 0, plain.output[-3000:]
    assert plain.record["build_reused"] is False
    assert not _wheel_holds(plain.record, marker)
