"""The requirement that installs exactly the mesonmatrix running now, for the workflow
``init`` writes: ``mesonmatrix[all]==X.Y.Z`` when it came from an index, ``mesonmatrix[all]
@ git+URL@<commit>`` when its PEP 610 ``direct_url.json`` says it came from a VCS; a local
folder or an editable install names nothing another machine can install, so ``init``
refuses with the fix. With every extra: CI jobs may run deb, rpm and conda cells, or
verify, whatever the matrix grows into."""

from __future__ import annotations

import json
from importlib import metadata

from ..errors import MesonmatrixError

DISTRIBUTION = "mesonmatrix"
WITH_EXTRAS = f"{DISTRIBUTION}[all]"


def running_tool_requirement() -> str:
    try:
        found = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise MesonmatrixError(_refusal("it is run from a source checkout, not installed")) from None
    direct = found.read_text("direct_url.json")
    if direct is None:
        return f"{WITH_EXTRAS}=={found.version}"  # installed from an index
    try:
        origin = json.loads(direct)
    except ValueError:
        raise MesonmatrixError(_refusal("its direct_url.json cannot be read")) from None
    vcs = origin.get("vcs_info") or {}
    if vcs.get("vcs") and vcs.get("commit_id") and origin.get("url"):
        return f"{WITH_EXTRAS} @ {vcs['vcs']}+{origin['url']}@{vcs['commit_id']}"
    return _raise(_refusal(f"it was installed from {origin.get('url', 'a local path')}"))


def _raise(message: str) -> str:
    raise MesonmatrixError(message)


def _refusal(why: str) -> str:
    return (f"cannot name the mesonmatrix that runs for the workflow to install: {why}; install mesonmatrix from "
            "PyPI or from a git URL (pip install 'git+https://…@<commit>'), or pass --tool-requirement with what "
            "CI should install")
