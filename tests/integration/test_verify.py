"""``nox -s verify`` on real wheels: the demo's own cells (run here: tests and the probe),
a damaged and a mis-tagged copy, and NumPy's official wheels for four platforms."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cells import ROOT, run_nox_cell

pytestmark = pytest.mark.integration
NUMPY = "2.4.6"
OFFICIAL = ("win_amd64", "macosx_14_0_arm64", "macosx_14_0_x86_64", "manylinux_2_28_x86_64")


def verify(home: Path, *args: str) -> tuple[int, str, dict[str, dict]]:
    env = dict(os.environ, MESONMATRIX_HOME=str(home), UV_PYTHON_DOWNLOADS="never")
    proc = subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", "verify", "--", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    records = {}
    for path in (home / "results" / "verify").rglob("verify.json"):
        record = json.loads(path.read_text())
        records[record["path"]] = record
    return proc.returncode, proc.stdout + proc.stderr, records


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
    assert {"tags", "arch"} <= wrong, records[str(mistagged)]["problems"]


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
