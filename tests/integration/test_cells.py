"""Real cells of the demo target, end to end: build, repair, fresh venv, installed tests."""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from mesonmatrix.machine.cachedir import shared_cache_dir

from cells import ROOT, run_nox_cell, venv_python

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-home")


@pytest.fixture(scope="module")
def headline(home):
    # As in many CI images: no bytecode written. The tool keeps its own in its cache instead.
    result = run_nox_cell(home, "build-3.12-openblas", env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": ""})
    result.started = time.time() - float(result.record["durations"]["total"])
    return result


def test_headline_cell_builds_repairs_installs_and_tests(headline):
    r = headline.record
    assert headline.returncode == 0, headline.output[-3000:]
    assert r["status"] == "passed" and r["error"] is None
    assert r["tests"]["passed"] >= 9 and r["tests"]["failed"] == 0 and r["tests"]["errors"] == 0
    assert r["repair"]["tool"] == "auditwheel" and r["repair"]["tag"].startswith("manylinux")
    assert any(lib.startswith("libscipy_openblas") for lib in r["repair"]["grafted"])
    (wheel,) = r["wheels"]
    assert wheel["role"] == "full" and "manylinux" in wheel["path"]
    assert hashlib.sha256(Path(wheel["path"]).read_bytes()).hexdigest() == wheel["sha256"]
    assert r["blas_runtime"]["name"] == "openblas" and r["blas_runtime"]["int_size"] == 32
    assert set(r["durations"]) >= {"build_env", "build", "repair", "test_env", "test", "total"}
    assert r["system_components"] == {"kahan": "vendored"}
    assert r["locks"]["build"]["path"] == "locks/demo/py3.12-build-openblas.txt"
    assert r["locks"]["test"]["path"] == "locks/demo/py3.12-test.txt" and len(r["locks"]["test"]["sha256"]) == 64
    assert "$ auditwheel show" not in Path(r["log"]).read_text()  # only with --verify-repair
    # The tests ran against the installed wheel in the fresh venv, not the source tree.
    assert str(ROOT / "demo") not in Path(r["log"]).read_text().split(" -m pytest ")[-1]


def test_bytecode_goes_to_the_cache_never_beside_sources(headline):
    # The build env's meson was imported (meson-python, meson setup): its bytecode is in the
    # cache's prefix tree, and nothing was written beside the target's own sources.
    prefix = shared_cache_dir() / "pycache"
    assert any(prefix.rglob("mesonbuild/mesonmain.cpython-312.pyc")), f"no meson bytecode under {prefix}"
    written = [p for p in (ROOT / "demo").rglob("*.pyc") if p.stat().st_mtime >= headline.started]
    assert not written


def test_unchanged_cell_reuses_its_wheel(home, headline):
    again = run_nox_cell(home, "build-3.12-openblas")
    assert again.returncode == 0
    assert again.record["build_reused"] is True
    assert "up to date" in again.output
    assert again.record["wheels"][0]["sha256"] == headline.record["wheels"][0]["sha256"]


def test_runtime_cell_reuses_the_compile_and_ships_no_tests(home, headline):
    result = run_nox_cell(home, "build-3.12-openblas-runtime", "--verify-repair")
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["tests"]["source"] == "smoke" and result.record["tests"]["passed"] == 1
    log = Path(result.record["log"]).read_text()
    assert "$ auditwheel show" in log and result.record["repair"]["tag"].startswith("manylinux")
    assert "Compiling C object" not in log, "the runtime wheel recompiled instead of reusing the build dir"
    names = zipfile.ZipFile(result.record["wheels"][0]["path"]).namelist()
    assert "blasdemo/_linalg" in " ".join(names) and not any("/tests/" in n for n in names)


def test_split_cell_partitions_the_full_wheel(home, headline):
    result = run_nox_cell(home, "build-3.12-openblas-split")
    assert result.returncode == 0, result.output[-3000:]
    r = result.record
    roles = {w["role"]: Path(w["path"]) for w in r["wheels"]}
    assert set(roles) == {"runtime", "tests"}
    assert roles["tests"].name.startswith("blasdemo_tests-0.1.0-")
    assert r["partition"]["ok"] and r["partition"]["tests_files"] >= 5
    assert r["tests"]["source"] == "tests-wheel" and r["tests"]["passed"] >= 9 and r["tests"]["failed"] == 0
    assert "Compiling C object" not in Path(r["log"]).read_text()
    # The user's source tree is never edited to rename the project.
    assert 'name = "blasdemo"' in (ROOT / "demo" / "pyproject.toml").read_text()
    status = subprocess.run(["git", "status", "--porcelain", "demo"], cwd=ROOT, capture_output=True, text=True)
    assert status.stdout == ""


def test_cut_wheels_are_the_bytes_meson_python_tags_builds(home, headline, tmp_path):
    """The runtime and tests wheels are cut from the full wheel by install tag; built the
    long way (meson-python --tags, one reconfigure each) they come out byte-identical."""
    cut = run_nox_cell(home, "build-3.12-openblas-split")
    assert cut.returncode == 0 and cut.record["tag_wheels"] == "install-plan"
    assert "-Cinstall-args=--tags" not in Path(cut.record["log"]).read_text()
    tagged = run_nox_cell(tmp_path, "build-3.12-openblas-split", "--tag-wheels", "meson-python")
    assert tagged.returncode == 0, tagged.output[-3000:]
    assert tagged.record["tag_wheels"] == "meson-python"
    assert "-Cinstall-args=--tags=tests" in Path(tagged.record["log"]).read_text()

    def built(result):
        return {w["role"]: w["sha256"] for w in result.record["built_wheels"]}

    assert built(cut) == built(tagged) and set(built(cut)) == {"runtime", "tests"}


# flavour -> (name the probe must report, integer size, a library the repair must graft or None)
FLAVOURS = {
    "netlib": ("netlib", 32, "libblas"),
    "openblas64": ("openblas", 64, "libscipy_openblas64_"),
    "system-openblas": ("openblas", 32, "libopenblas"),
    "blis": ("blis", 32, "libblis"),
    "mkl": ("mkl", 32, None),  # linked statically: nothing to graft
}


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_each_flavour_loads_its_own_blas(home, flavour):
    name, int_size, grafted = FLAVOURS[flavour]
    result = run_nox_cell(home, f"build-3.12-{flavour}")
    assert result.returncode == 0, result.output[-3000:]
    r = result.record
    assert r["tests"]["passed"] >= 10 and r["tests"]["failed"] == 0
    assert (r["blas_runtime"]["name"], r["blas_runtime"]["int_size"]) == (name, int_size)
    # What the build linked, read from the built wheel's DT_NEEDED before any repair (MKL is
    # linked statically: no library to load).
    if grafted:
        assert r["linked_blas"] and all(f"({name})" in lib or "(netlib)" in lib for lib in r["linked_blas"])
    else:
        assert r["linked_blas"] == []
    if grafted:
        assert any(lib.startswith(grafted) for lib in r["repair"]["grafted"]), r["repair"]
    # Debian installs several libblas.so.3 behind update-alternatives (netlib's LAPACK
    # needs one): the grafted copy must be this flavour's own, told apart by its symbols.
    if flavour in ("blis", "netlib"):
        import ctypes

        libs = home / "venvs"
        (grafted_blas,) = [lib for lib in r["repair"]["grafted"] if lib.startswith("libblas")]
        (path,) = libs.glob(f"demo/build-3.12-{flavour}/lib/python3.*/site-packages/blasdemo.libs/{grafted_blas}")
        library = ctypes.CDLL(str(path))
        assert hasattr(library, "caxpby_") == (flavour == "blis")  # a BLIS extension netlib lacks
        assert not hasattr(library, "openblas_get_config")


def test_a_blas_mismatch_fails_with_a_clear_message(home, headline):
    """Check the OpenBLAS cell's installed extension against what the netlib cell claims."""
    from mesonmatrix.machine.commands import CommandRunner
    from mesonmatrix.providers import PROVIDERS
    from mesonmatrix.testing.blascheck import blas_mismatch, probe_blas

    runner = CommandRunner(log=home / "probe.log", echo_output=False)
    found = probe_blas(runner, venv_python(home, "build-3.12-openblas"), "blasdemo")
    assert found.name == "openblas"
    message = blas_mismatch(found, PROVIDERS["netlib"].expectation, "netlib")
    assert re.match(r"BLAS mismatch: the cell claims netlib .* loaded openblas", message or ""), message
    assert blas_mismatch(found, PROVIDERS["openblas"].expectation, "openblas") is None


def test_other_platforms_are_skipped_with_a_reason(home):
    result = run_nox_cell(home, "build-3.12-openblas-macos-arm64")
    assert result.returncode == 0
    assert result.record["status"] == "skipped"
    assert "macos-arm64 cell on a linux-x86_64 host" in result.record["error"]


def test_a_failing_test_suite_fails_the_cell_with_counts(home, tmp_path):
    import shutil

    source = tmp_path / "broken-demo"
    shutil.copytree(ROOT / "demo", source)
    test_file = source / "src" / "blasdemo" / "tests" / "test_linalg.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_deliberately_broken():\n    assert 1 + 1 == 3\n")
    result = run_nox_cell(home, "build-3.12-openblas", "--target", str(source), "--unlocked", target_name="blasdemo")
    assert result.returncode != 0
    r = result.record
    assert r["status"] == "failed" and "tests failed: 1 failed" in r["error"]
    assert r["tests"]["failed"] == 1 and r["tests"]["passed"] >= 9


def test_a_manylinux_policy_is_met_or_named(home, headline):
    # RHEL 8's glibc: what NumPy and SciPy ship for. This host's gcc 12 build meets it.
    met = run_nox_cell(home, "build-3.12-openblas", "--manylinux", "2_28")
    assert met.returncode == 0, met.output[-3000:]
    # auditwheel tags it with every policy it meets up to the one asked for (2_27.2_28 here).
    assert "manylinux_2_28_x86_64" in Path(met.record["wheels"][0]["path"]).name
    # Too old for what the build links against: the cell fails naming the symbol versions.
    old = run_nox_cell(home, "build-3.12-openblas", "--manylinux", "2_5")
    assert old.returncode != 0 and old.record["status"] == "failed"
    assert "cannot meet manylinux_2_5_x86_64" in old.record["error"] and "GLIBC_2." in old.record["error"]
