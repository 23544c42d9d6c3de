"""Requirement strings, as a target's pyproject.toml and a build env's freeze list them."""

from __future__ import annotations

import re


def requirement_name(requirement: str) -> str:
    """The normalised project name of a requirement string (``Cython>=3.0`` → ``cython``)."""
    return re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")
