"""Every MESONMATRIX_* variable the code reads is on the environment-variable reference page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "environment.md"


def _variables_in(text: str) -> set[str]:
    return set(re.findall(r"\bMESONMATRIX_[A-Z][A-Z_]*[A-Z]\b", text))


def test_every_variable_the_code_reads_is_documented():
    used = set().union(*(_variables_in(p.read_text()) for p in (ROOT / "src" / "mesonmatrix").rglob("*.py")))
    used |= _variables_in((ROOT / "tests" / "prerequisites.py").read_text())
    documented = _variables_in(PAGE.read_text())
    assert used, "no MESONMATRIX_ variable found: the scan is broken"
    assert not used - documented, f"document these in {PAGE.relative_to(ROOT)}: {sorted(used - documented)}"
    assert not documented - used, f"the page lists variables nothing reads: {sorted(documented - used)}"


def _suite_time(text: str) -> str:
    found = re.search(r"The default run takes (.+?);", " ".join(text.split()))
    assert found, "the sentence saying how long the test suite takes is gone"
    return found[1]


def test_the_readme_and_the_docs_say_the_same_test_suite_time():
    assert _suite_time((ROOT / "README.md").read_text()) == _suite_time((ROOT / "docs" / "index.md").read_text())
