"""Helpers for tests that run real cells through nox, in a workspace of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CellResult:
    returncode: int
    output: str
    record: dict[str, Any]
    record_path: Path


def run_nox_cell(home: Path, session: str, *posargs: str, env: dict[str, str] | None = None,
                 target_name: str = "demo", project: Path = ROOT, timeout: float = 1200) -> CellResult:
    """Run one cell of ``project`` (this checkout, or a copy a test edits) with its
    workspace at ``home``."""
    full_env = dict(os.environ, MESONMATRIX_HOME=str(home), UV_PYTHON_DOWNLOADS="never")
    full_env.update(env or {})
    argv = [sys.executable, "-m", "nox", "-f", str(project / "noxfile.py"), "-s", session]
    if posargs:
        argv += ["--", *posargs]
    proc = subprocess.run(argv, cwd=project, env=full_env, capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    # results/<target>/, or results/<target>-<digest>/ when another source took the name first.
    found = sorted((home / "results").glob(f"{target_name}*/{session}/result.json"), key=lambda p: p.stat().st_mtime)
    record_path = found[-1] if found else home / "results" / target_name / session / "result.json"
    assert record_path.is_file(), f"no result record at {record_path}; nox said:\n{output[-3000:]}"
    return CellResult(proc.returncode, output, json.loads(record_path.read_text()), record_path)


def venv_python(home: Path, session: str, target: str = "demo") -> Path:
    return home / "venvs" / target / session / "bin" / "python"


def installed_build_info(home: Path, session: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(venv_python(home, session)), "-c", "import blasdemo, json; print(json.dumps(blasdemo.build_info()))"],
        capture_output=True, text=True, check=True, cwd="/",
    )
    return json.loads(out.stdout)


def runpaths(folder: Path) -> list[str]:
    """Every RPATH or RUNPATH entry of the shared objects below ``folder`` (readelf's lines):
    a repackaged extension must find its libraries where the distribution puts them."""
    found = []
    for so in folder.rglob("*.so"):
        out = subprocess.run(["readelf", "-d", str(so)], capture_output=True, text=True, check=True).stdout
        found += [line for line in out.splitlines() if "RPATH" in line or "RUNPATH" in line]
    return found


def processes_mentioning(text: str) -> list[str]:
    """``pid: command line`` of each living process (not a zombie) whose command line holds ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if text in cmdline and not stat[stat.rfind(")") + 2:].startswith("Z"):
                found.append(f"{proc.name}: {cmdline}")
    return found
