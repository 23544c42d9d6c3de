"""``nox -s verify`` on real wheels: the demo's own cells (run here: tests and the probe),
a damaged and a mis-tagged copy, and NumPy's official wheels for four platforms."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from cells import ROOT, run_nox_cell
from handmade import make_wheel

pytestmark = pytest.mark.integration
NUMPY = "2.4.6"
OFFICIAL = ("win_amd64", "macosx_14_0_arm64", "macosx_14_0_x86_64", "manylinux_2_28_x86_64")


def nox(session: str, *args: str) -> list[str]:
    """The argv of ``nox -s session -- args`` in this checkout (its environment: ``nox_env``)."""
    posargs = ["--", *args] if args else []
    return [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", session, *posargs]


def nox_env(home: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, MESONMATRIX_HOME=str(home), UV_PYTHON_DOWNLOADS="never", **extra)


def records_in(home: Path) -> dict[str, dict]:
    records = {}
    for path in (home / "results" / "verify").rglob("verify.json"):
        record = json.loads(path.read_text())
        records[record["path"]] = record
    return records


def verify(home: Path, *args: str) -> tuple[int, str, dict[str, dict]]:
    proc = subprocess.run(nox("verify", *args), cwd=ROOT, env=nox_env(home), capture_output=True, text=True,
                          timeout=1200)
    return proc.returncode, proc.stdout + proc.stderr, records_in(home)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("verify-home")


@pytest.fixture(scope="module")
def demo_wheels(home):
    """The wheels of a full cell and a split cell of the demo, as CI would upload them."""
    out = home / "uploaded"
    for session in ("build-3.12-openblas", "build-3.12-openblas-split"):
        result = run_nox_cell(home, session)
        assert result.returncode == 0, result.output[-3000:]
        for wheel in result.record["wheels"]:
            (out / session).mkdir(parents=True, exist_ok=True)
            shutil.copy2(wheel["path"], out / session)
    return out


def test_demo_wheels_pass_and_run_here(home, demo_wheels):
    code, output, records = verify(home, str(demo_wheels))
    assert code == 0, output[-3000:]
    full = next(r for r in records.values()
                if r["wheel"].startswith("blasdemo-") and "build-3.12-openblas/" in r["path"])
    assert full["status"] == "passed" and full["problems"] == []
    assert full["blas"] == {"name": "openblas", "int_size": 32, "library": full["blas"]["library"], "bundled": True}
    assert full["blas"]["library"].startswith("blasdemo.libs/libscipy_openblas")
    assert full["tests"]["passed"] >= 9 and full["tests"]["failed"] == 0
    assert full["blas_runtime"]["name"] == "openblas" and full["blas_runtime"]["int_size"] == 32
    assert {lib["provided_by"] for lib in full["external_libraries"]} == {"wheel", "system"}
    # The split pair is installed and tested together, and it partitions the full wheel.
    tests = next(r for r in records.values() if r["wheel"].startswith("blasdemo_tests-"))
    assert tests["status"] == "passed" and tests["split_pair"].startswith("blasdemo-")
    assert tests["tests"] is None and "runtime wheel" in tests["tests_skipped_because"]
    runtime = next(r for r in records.values() if r["split_pair"] == tests["wheel"])
    assert runtime["status"] == "passed" and runtime["tests"]["passed"] >= 9
    assert runtime["blas_runtime"]["name"] == runtime["blas"]["name"] == "openblas"


def test_a_changed_member_and_a_wrong_tag_are_named(home, demo_wheels, tmp_path):
    original = next((demo_wheels / "build-3.12-openblas").glob("blasdemo-*.whl"))
    damaged = tmp_path / "damaged" / original.name
    damaged.parent.mkdir()
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            changed = info.filename == "blasdemo/__init__.py"
            dst.writestr(info, data + b"\n# changed after the RECORD was written\n" if changed else data)
    platform = original.name[:-4].split("-")[-1]
    mistagged = tmp_path / "mistagged" / original.name.replace(platform, "win_amd64")
    mistagged.parent.mkdir()
    shutil.copy2(original, mistagged)
    code, output, records = verify(home, "--no-tests", str(damaged), str(mistagged))
    assert code != 0 and "verify found problems" in output
    bad = records[str(damaged)]
    assert bad["status"] == "failed" and bad["tests"] is None
    assert [(p["member"], p["rule"]) for p in bad["problems"]] == [("blasdemo/__init__.py", "record")]
    wrong = {(p["rule"]) for p in records[str(mistagged)]["problems"]}
    # Linux binaries under a Windows tag: another platform's binaries, named as such.
    assert {"tags", "binary"} <= wrong, records[str(mistagged)]["problems"]


def _official(platform: str) -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mesonmatrix-tests" / platform
    found = sorted(cache.glob(f"numpy-{NUMPY}-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                        "--platform", platform, "--python-version", "3.12", "-d", str(cache), f"numpy=={NUMPY}"],
                       check=True, timeout=600)
        found = sorted(cache.glob(f"numpy-{NUMPY}-*.whl"))
    return found[0]


def test_official_numpy_wheels_of_four_platforms(home, tmp_path):
    folder = tmp_path / "official"
    folder.mkdir()
    for platform in OFFICIAL:
        shutil.copy2(_official(platform), folder)
    code, output, records = verify(home, "--no-tests", str(folder))
    assert code == 0, output[-3000:]
    by_platform = {p: next(r for r in records.values() if r["wheel"].startswith(f"numpy-{NUMPY}") and p in r["wheel"])
                   for p in OFFICIAL}
    blas = {p: (r["blas"]["name"], r["blas"]["int_size"], r["blas"]["bundled"]) for p, r in by_platform.items()}
    assert blas == {"win_amd64": ("openblas", 64, True), "macosx_14_0_arm64": ("accelerate", 64, False),
                    "macosx_14_0_x86_64": ("accelerate", 64, False), "manylinux_2_28_x86_64": ("openblas", 64, True)}
    windows = {lib["name"]: lib["provided_by"] for lib in by_platform["win_amd64"]["external_libraries"]}
    assert windows["python312.dll"] == "system" and any(n.startswith("msvcp140-") and v == "wheel"
                                                        for n, v in windows.items())
    assert all(r["status"] == "passed" and r["tests"] is None for r in by_platform.values())


def test_wheels_are_tested_under_the_names_they_install_and_an_install_failure_says_why(tmp_path):
    """psycopg2-binary installs psycopg2 and ships no tests; scikit-image installs skimage:
    the names come from the wheel. A wheel that ships no tests passes on importing each of its
    top-level modules, and says so. A wheel that cannot be installed says why its tests did
    not run (it used to say "tests not run: None")."""
    folder = tmp_path / "wheels"
    no_tests = make_wheel(folder, {"hostile/__init__.py": b"VALUE = 1\n", "hostile_tool.py": b"",
                                   "hostile_binary-1.0.dist-info/top_level.txt": b"hostile\nhostile_tool\n"},
                          name="hostile-binary")
    renamed = make_wheel(folder, {"realname/__init__.py": b"", "realname/tests/__init__.py": b"",
                                  "realname/tests/test_ok.py": b"def test_ok():\n    assert True\n"},
                         name="other-dist")
    future = make_wheel(folder, {"future/__init__.py": b""}, name="future-only", metadata="Requires-Python: >=4\n")
    code, output, records = verify(tmp_path / "home", str(folder))
    assert code != 0, output[-3000:]
    shipped_none = records[str(no_tests)]
    assert shipped_none["status"] == "passed", shipped_none
    assert shipped_none["tests"]["suite"] == "import" and shipped_none["tests"]["passed"] == 2
    assert "ships no tests" in shipped_none["warnings"][0]["detail"]
    assert "tests none shipped; 2 top-level module(s) imported" in output
    assert records[str(renamed)]["status"] == "passed" and records[str(renamed)]["tests"]["passed"] == 1
    cannot = records[str(future)]
    assert cannot["status"] == "failed" and cannot["tests"] is None
    assert cannot["tests_skipped_because"].startswith("its install failed (log: ")
    assert cannot["problems"][0]["detail"].startswith("could not be installed here: ")
    assert "Python>=4" in open(cannot["log"]).read()
    assert "not run: None" not in output


HANG = """import os, pathlib, subprocess, time


def test_hangs():
    subprocess.Popen(["sleep", "{token}"])
    pathlib.Path(os.environ["MESONMATRIX_TEST_MARKER"]).write_text("started")
    time.sleep(36000)
"""


def _hanging_wheel(tmp_path: Path) -> tuple[Path, str]:
    token = str(50000 + os.getpid() % 10000)  # unique to this run: a sleep no other run left
    wheel = make_wheel(tmp_path / "wheels", {"hangs/__init__.py": b"", "hangs/tests/__init__.py": b"",
                                             "hangs/tests/test_hang.py": HANG.format(token=token).encode()},
                       name="hangs")
    return wheel, token


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text()
        except OSError:
            continue
        if proc.name.isdigit() and text in cmdline and not state[state.rfind(")") + 2:].startswith("Z"):
            found.append(f"{proc.name}: {cmdline}")
    return found


def _started(marker: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 600
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "the hanging test never started"
        time.sleep(0.5)


def test_a_hanging_suite_ends_at_the_test_timeout_and_clean_waits_for_verify(tmp_path):
    wheel, token = _hanging_wheel(tmp_path)
    home, marker = tmp_path / "home", tmp_path / "started"
    proc = subprocess.Popen(nox("verify", "--test-timeout", "40", str(wheel)), cwd=ROOT, text=True,
                            env=nox_env(home, MESONMATRIX_TEST_MARKER=str(marker)), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    _started(marker, proc)
    # The verify run holds its results folder's lock, as a cell does: clean refuses, naming it.
    clean = subprocess.run(nox("clean"), cwd=ROOT, env=nox_env(home), capture_output=True, text=True,
                           timeout=300)
    assert clean.returncode != 0 and "not cleaning" in clean.stdout + clean.stderr
    assert "results/verify/hangs-1.0-py3-none-any" in clean.stdout + clean.stderr
    output = proc.communicate(timeout=900)[0]
    assert proc.returncode != 0
    record = records_in(home)[str(wheel)]
    assert record["status"] == "failed" and record["tests"] is None
    assert record["problems"][0]["detail"].startswith("tests timed out after 40 s (--test-timeout SECONDS changes "
                                                      "it): the suite and every process it started were ended")
    assert record["tests_skipped_because"] == "they timed out after 40 s", output[-3000:]
    assert not _processes_mentioning(f"sleep {token}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_verify_ends_its_test_processes(tmp_path, sig):
    wheel, token = _hanging_wheel(tmp_path)
    home, marker = tmp_path / "home", tmp_path / "started"
    proc = subprocess.Popen(nox("verify", str(wheel)), cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            env=nox_env(home, MESONMATRIX_TEST_MARKER=str(marker)), stderr=subprocess.STDOUT)
    _started(marker, proc)
    assert _processes_mentioning(f"sleep {token}")
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert not _processes_mentioning(f"sleep {token}")
    record = records_in(home)[str(wheel)]
    assert record["status"] == "failed" and "interrupted" in record["problems"][0]["detail"]
