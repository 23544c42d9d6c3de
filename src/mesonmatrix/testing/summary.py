"""A test run's counts as its own summary line says them: pytest's last line ("10 passed,
2 xfailed, 1 xpassed, 3 subtests passed in 0.50s") and unittest's ("Ran 374 tests in
1.2s" then "OK (skipped=3, expected failures=1)"). The JUnit report counts a subtest as a
test (pytest-subtests writes each as a testcase) and an xfail as a skip; the summary
keeps them apart."""

from __future__ import annotations

import re
from dataclasses import replace

from ..record import TestCounts

_PYTEST_LINE = re.compile(r"^=*\s*(\d+ [a-z].*?) in \d+(?:\.\d+)?s\b.*$")
_PYTEST_ITEM = re.compile(r"(\d+) (subtests? )?(passed|failed|skipped|xfailed|xpassed|errors?)\b")
_KEYS = ("passed", "failed", "skipped", "xfailed", "xpassed", "errors", "subtests_passed", "subtests_failed")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_UNITTEST_END = re.compile(r"^(OK|FAILED)(?: \(([^)]*)\))?\s*$", re.MULTILINE)


def from_pytest(output: str, base: TestCounts) -> TestCounts | None:
    """The counts of pytest's last summary line in ``output``; None when it has none."""
    for line in reversed(output.splitlines()):
        match = _PYTEST_LINE.match(line.strip())
        if match is None or not _PYTEST_ITEM.search(match[1]):
            continue
        found: dict[str, int] = dict.fromkeys(_KEYS, 0)
        for count, subtest, what in _PYTEST_ITEM.findall(match[1]):
            key = f"subtests_{what}" if subtest else "errors" if what.startswith("error") else what
            if key in found:  # a skipped or xfailed subtest is not a test of its own either
                found[key] += int(count)
        return replace(base, passed=found["passed"], failed=found["failed"], skipped=found["skipped"],
                       xfailed=found["xfailed"], xpassed=found["xpassed"], errors=found["errors"],
                       subtests_passed=found["subtests_passed"], subtests_failed=found["subtests_failed"])
    return None


def from_unittest(output: str, base: TestCounts) -> TestCounts | None:
    """The counts of unittest's "Ran N tests" and its verdict line; None without them."""
    ran = _UNITTEST_RAN.findall(output)
    ends = _UNITTEST_END.findall(output)
    if not ran or not ends:
        return None
    details = dict((k.strip(), int(v)) for k, _, v in (p.partition("=") for p in (ends[-1][1] or "").split(","))
                   if v.strip().isdigit())
    failed, errors, skipped = details.get("failures", 0), details.get("errors", 0), details.get("skipped", 0)
    xfailed, xpassed = details.get("expected failures", 0), details.get("unexpected successes", 0)
    total = int(ran[-1])
    return replace(base, passed=total - failed - errors - skipped - xfailed - xpassed, failed=failed, errors=errors,
                   skipped=skipped, xfailed=xfailed, xpassed=xpassed)


def counts_phrase(counts: TestCounts) -> str:
    """``10 passed, 0 failed, 1 skipped, 0 errors`` and what is counted apart, where any."""
    apart = [f"{n} {what}" for n, what in ((counts.xfailed, "xfailed"), (counts.xpassed, "xpassed"),
                                          (counts.subtests_passed, "subtests passed"),
                                          (counts.subtests_failed, "subtests failed")) if n]
    said = f"{counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped, {counts.errors} errors"
    if counts.uncounted:
        apart.append(f"{counts.uncounted} command{'s' * (counts.uncounted > 1)} exited 0 (output with no count)")
    return ", ".join([said, *apart])
