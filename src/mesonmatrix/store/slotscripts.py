"""The build env's console scripts as seen from the slot's link to it.

A build in a slot runs the env's Python through the link (``envs/<…>.slot``), so what it
imports lives at the link's path. Not so the tools meson finds on PATH and runs as
programs, such as Cython: their scripts start with ``#!<the env's own path>/bin/python``,
so they run with the env's real path, and Cython writes where it found numpy's
``__init__.cython-30.pxd`` into every C file it generates. Each flavour's env then gave
different C files: SciPy 1.17.1's 58 Cython modules that cimport numpy were compiled
again in every later flavour, none served by ccache (its preprocessed sources differ only
in that path). Copies of the scripts whose first line names the link's Python, first on
PATH for the build, make them the same for every flavour.
"""

from __future__ import annotations

import os
from pathlib import Path


def scripts_seen_at(env_bin: Path, seen_python: Path, folder: Path) -> Path:
    """``folder`` filled with a copy of each of ``env_bin``'s scripts that start with the
    env's own Python, first line naming ``seen_python`` instead; returns ``folder``. Other
    files (binaries, scripts of other interpreters, ``/bin/sh`` wrappers) are left out: the
    build finds them in the env's folder, next on PATH."""
    own = f"#!{env_bin / 'python'}".encode()
    folder.mkdir(parents=True, exist_ok=True)
    wanted: set[str] = set()
    for script in sorted(env_bin.iterdir()):
        if script.is_symlink() or not script.is_file() or not os.access(script, os.X_OK):
            continue
        with script.open("rb") as handle:
            first = handle.readline()
            if first.rstrip(b"\r\n") not in (own, own + b"3"):
                continue
            rest = handle.read()
        wanted.add(script.name)
        _write_if_changed(folder / script.name, f"#!{seen_python}\n".encode() + rest)
    for stale in folder.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    return folder


def _write_if_changed(copy: Path, content: bytes) -> None:
    """Leave a copy that already holds ``content`` untouched: meson makes the programs it
    finds (Cython) inputs of the steps that run them, so a rewritten script, however
    identical, made ninja rerun every Cython step of each later flavour (SciPy 1.17.1: 68
    of them, 309 s of step time in system-openblas's build)."""
    try:
        if copy.read_bytes() == content and os.access(copy, os.X_OK):
            return
    except OSError:
        pass
    partial = copy.with_name(f".{copy.name}.{os.getpid()}")
    partial.write_bytes(content)
    partial.chmod(0o755)
    partial.replace(copy)
