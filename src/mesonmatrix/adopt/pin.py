"""The requirement that installs exactly the mesonmatrix running now, for the workflow
``init`` writes: ``mesonmatrix[all]==X.Y.Z`` when it came from an index, ``mesonmatrix[all]
@ git+URL@<commit>`` when its PEP 610 ``direct_url.json`` says it came from a VCS, or when
it was installed from a local git checkout that has a remote (its ``origin``, at the
checkout's commit); any other local folder names nothing another machine can install, so
``init`` refuses with the fix. With every extra: CI jobs may run deb, rpm and conda cells,
or verify, whatever the matrix grows into. ``resolution_problem`` asks uv whether a
requirement resolves at all (``mesonmatrix[all]==0.1.0``, which no index had, was taken)."""

from __future__ import annotations

import json
import re
import tempfile
from importlib import metadata
from pathlib import Path

from ..errors import MesonmatrixError
from ..machine.commands import probe

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
    url = str(origin.get("url", ""))
    checkout = git_checkout_requirement(Path(url.removeprefix("file://"))) if url.startswith("file://") else None
    return checkout or _raise(_refusal(f"it was installed from {url or 'a local path'}"))


def git_checkout_requirement(folder: Path) -> str | None:
    """``mesonmatrix[all] @ git+<origin>@<commit>`` for a git checkout with a remote: what CI
    can install of the checkout the tool runs from (its commit must be pushed there)."""
    remote = probe(["git", "-C", str(folder), "remote", "get-url", "origin"])
    commit = probe(["git", "-C", str(folder), "rev-parse", "HEAD"])
    if remote is None or commit is None or remote.returncode or commit.returncode or not remote.stdout.strip():
        return None
    url = remote.stdout.strip()
    # git's scp-like form (git@host:owner/repo) is not a URL pip or uv take: ssh:// is.
    scp = re.fullmatch(r"([\w.-]+@[\w.-]+):(?!//)(.+)", url)
    url = f"ssh://{scp[1]}/{scp[2]}" if scp else url
    return f"{WITH_EXTRAS} @ git+{url}@{commit.stdout.strip()}"


def resolution_problem(requirement: str, uv: str, timeout: float = 180.0) -> str | None:
    """Why ``requirement`` does not resolve (uv's own first line of error), or None when it
    does, or when the question could not be asked (no network: not the requirement's
    fault). A dry run: uv resolves into nothing, installs nothing."""
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-resolve-") as scratch:
        out = probe([uv, "pip", "install", "--dry-run", "--quiet", "--target", scratch, "--python-version", "3.12",
                     requirement], timeout=timeout)
    if out is None or out.returncode == 0:
        return None
    lines = [line.strip() for line in out.stderr.splitlines() if line.strip()]
    if any(word in line.lower() for line in lines for word in ("connect", "network", "dns", "offline")):
        return None
    # uv says "error: No solution found …" and then, more to the point, "cause: Because …".
    found = next((line for line in lines if line.startswith("cause:")), None) or \
        next((line for line in lines if line.startswith("error:")), None) or \
        (lines[0] if lines else f"uv exited with {out.returncode}")
    return found.removeprefix("cause:").removeprefix("error:").strip()


def _raise(message: str) -> str:
    raise MesonmatrixError(message)


def _refusal(why: str) -> str:
    return (f"cannot name the mesonmatrix that runs for the workflow to install: {why}, not a git checkout with a "
            "remote; pass --tool-requirement with what CI should install, e.g. 'mesonmatrix[all]==X.Y.Z' or "
            "'mesonmatrix[all] @ git+https://github.com/OWNER/mesonmatrix@COMMIT'")
