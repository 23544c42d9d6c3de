"""The noxfile init writes declares the tool where nox's script mode reads it, and says in one
line what to install where nothing installs it."""

from __future__ import annotations

import runpy
import sys

import nox.project
import pytest

from mesonmatrix.adopt.scaffold import noxfile_text

REQUIREMENT = "mesonmatrix[all] @ git+https://github.com/example/mesonmatrix@0123abc"


def test_nox_reads_the_pinned_tool_and_itself_from_the_block(tmp_path):
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text(noxfile_text(REQUIREMENT))
    # nox's own reader of PEP 723 blocks (what its script mode installs); it must name nox.
    assert nox.project.load_toml(noxfile)["dependencies"] == ["nox>=2025.2.9", REQUIREMENT]


def test_without_the_tool_it_says_what_to_install(tmp_path, monkeypatch):
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text(noxfile_text(REQUIREMENT))
    monkeypatch.setitem(sys.modules, "mesonmatrix", None)  # as in a nox installed alone
    monkeypatch.delitem(sys.modules, "mesonmatrix.sessions", raising=False)
    with pytest.raises(SystemExit) as stopped:
        runpy.run_path(str(noxfile))
    assert str(stopped.value).startswith(f"this noxfile needs mesonmatrix beside nox: pip install '{REQUIREMENT}'")
    assert "\n" not in str(stopped.value)
