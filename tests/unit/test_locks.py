"""Lock files: their inputs match the presets, and they pin every platform's repair tool."""

from pathlib import Path

import pytest

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.lockfiles.files import (
    build_lock_inputs,
    build_lock_path,
    compile_command,
    lock_covers,
    lock_problem,
    repair_requirements,
    suite_lock_inputs,
    suite_lock_path,
)
from mesonmatrix.providers import PROVIDERS
from mesonmatrix.repairers import REPAIRERS
from mesonmatrix.targets.resolve import resolve_target

from cells import ROOT

MATRICES = load_matrices(ROOT / "matrices", ROOT)
DEMO = resolve_target("demo", MATRICES.presets, Path("/unused"))
FLAVOURS = sorted({c.blas for c in MATRICES.matrix.cells})


def test_repair_tools_carry_platform_markers():
    assert "auditwheel; sys_platform == 'linux'" in repair_requirements()
    assert "delocate; sys_platform == 'darwin'" in repair_requirements()
    assert "delvewheel; sys_platform == 'win32'" in repair_requirements()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_committed_demo_locks_match_the_presets(flavour):
    """A preset or provider change without `nox -s lock` would leave a stale lock: caught here."""
    lock = build_lock_path(ROOT, DEMO.name, "3.12", flavour)
    assert lock.with_suffix(".in").read_text().splitlines() == build_lock_inputs(DEMO, PROVIDERS[flavour])
    assert "--hash=sha256:" in lock.read_text()
    assert lock_covers(lock, REPAIRERS["auditwheel"]) and lock_covers(lock, REPAIRERS["delvewheel"])
    assert not lock_covers(lock, REPAIRERS["repairwheel"])


def test_committed_demo_test_lock_matches():
    lock = suite_lock_path(ROOT, DEMO.name, "3.12")
    assert lock.with_suffix(".in").read_text().splitlines() == suite_lock_inputs(DEMO)


def test_compile_command_is_universal_and_hashed():
    argv = compile_command("uv", Path("locks/x.in"), Path("locks/x.txt"), "3.12")
    assert argv[:3] == ["uv", "pip", "compile"]
    assert {"--universal", "--generate-hashes"} <= set(argv)
    assert argv[argv.index("--python-version") + 1] == "3.12"


def test_a_lock_compiled_from_the_current_inputs_is_usable(tmp_path):
    lock = tmp_path / "py3.12-test.txt"
    lock.write_text("pytest==8.0 --hash=sha256:00\n")
    lock.with_suffix(".in").write_text("pytest\nthreadpoolctl\n")
    assert lock_problem(lock, ["threadpoolctl", "pytest"]) is None


def test_a_missing_or_stale_lock_says_what_is_wrong(tmp_path):
    lock = tmp_path / "py3.12-test.txt"
    assert lock_problem(lock, ["pytest"]) == "there is no lock file py3.12-test.txt"
    lock.write_text("pytest==8.0\n")
    assert "has no py3.12-test.in beside it" in lock_problem(lock, ["pytest"])
    lock.with_suffix(".in").write_text("pytest\nthreadpoolctl\n")
    problem = lock_problem(lock, ["pytest", "six", "threadpoolctl"])
    assert problem == "py3.12-test.txt is stale: the target now also asks for six"
    assert "no longer asks for threadpoolctl" in lock_problem(lock, ["pytest"])
