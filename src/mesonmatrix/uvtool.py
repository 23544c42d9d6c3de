"""Locating uv, the tool that makes every venv here (build and test)."""

from __future__ import annotations

import shutil

from .commands import PrerequisiteMissing


def uv_binary() -> str:
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("uv")
    if found:
        return found
    raise PrerequisiteMissing("uv is not installed: run `python3 -m pip install uv`")
