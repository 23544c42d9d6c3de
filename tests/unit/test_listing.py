"""What ``nox -l`` shows of the cells: short lines that do not repeat the tags, and cells of
another platform not marked as selected (while ``nox -l --json``, CI's matrix, lists all)."""

from __future__ import annotations

import json
import subprocess
import sys

from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.platforms import host_platform_name
from mesonmatrix.sessions.cells import listed_by_default, listed_description

from cells import ROOT

CELLS = load_matrices(ROOT / "matrices", ROOT).matrix.by_session()


def _nox(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120).stdout


def test_a_cell_is_selected_only_on_its_platform_unless_ci_asks_for_the_json():
    mac = CELLS["build-3.12-openblas-macos-arm64"]
    assert listed_by_default(CELLS["build-3.12-openblas"], ["nox", "-l"], here="linux-x86_64")
    assert not listed_by_default(mac, ["nox", "-l"], here="linux-x86_64")
    assert listed_by_default(mac, ["nox", "-l"], here="macos-arm64")
    assert listed_by_default(mac, ["nox", "-l", "--json"], here="linux-x86_64")


def test_the_description_says_only_what_the_tags_do_not():
    assert listed_description(CELLS["build-3.12-openblas-split"]) == ""
    assert listed_description(CELLS["toolchain-min-3.12"]) == "oldest declared toolchain"


def test_nox_lists_short_lines_and_json_keeps_every_cell():
    lines = [line for line in _nox("-l").splitlines() if line.startswith(("* build-", "- build-"))]
    assert lines and max(map(len, lines)) <= 120, max(lines, key=len)
    here = host_platform_name()
    for line in lines:
        cell = CELLS[line.split()[1]]
        assert line.startswith("* " if cell.platform == here else "- "), line
        assert "Python" not in line and "BLAS" not in line  # the tags say it
    listed = {entry["session"] for entry in json.loads(_nox("-l", "--json"))}
    assert set(CELLS) <= listed
