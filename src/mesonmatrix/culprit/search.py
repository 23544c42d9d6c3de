"""The search itself, apart from how a step runs: the smallest set of changed packages that,
applied to the good versions, reproduces the failure.

The changes are put in a fixed order and the shortest failing prefix is found by
bisection (the empty prefix passes: the good run; the whole list fails: the bad run). Its
last change is the culprit when it fails alone; when it does not, it needs one of the
changes before it, found by bisecting again with the culprit always applied. A single
culprit is confirmed by running the good versions and the culprit alone once more. Each
step is one run of the cell, through its cached build dir and ccache (a step that changes
only the test env reuses the stored wheel), so a search costs about log2(changes) + 4 runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..lockfiles.resolve import Change

# How one step ended: the cell passed, failed, or its versions could not be installed together.
Outcome = Literal["passed", "failed", "unresolvable"]
Trial = Callable[[tuple[Change, ...]], Outcome]

# What the search found: one package; two that break it only together; no single package
# or pair (the failure needs more, or the steps could not be installed); the failure comes
# with the good versions too (not an upstream change).
Finding = Literal["culprit", "pair", "unclear", "good-fails", "flaky"]


@dataclass(frozen=True, kw_only=True)
class Found:
    finding: Finding
    changes: tuple[Change, ...]  # the culprit, or the pair, or the unresolved group


def search(changes: Sequence[Change], trial: Trial) -> Found:
    """``trial(applied)`` runs the cell with ``applied`` on top of the good versions."""
    ordered = tuple(changes)
    if trial(()) != "passed":
        return Found(finding="good-fails", changes=())
    end = _shortest_failing_prefix(ordered, (), trial)
    if end is None:
        return Found(finding="unclear", changes=ordered)
    culprit = ordered[end - 1]
    if trial((culprit,)) == "failed":
        # Named only when the good versions pass once more and the culprit alone fails once
        # more: a test that fails at random would otherwise get a confident, wrong culprit.
        confirmed = trial(()) == "passed" and trial((culprit,)) == "failed"
        return Found(finding="culprit" if confirmed else "flaky", changes=(culprit,))
    partner_end = _shortest_failing_prefix(ordered[:end - 1], (culprit,), trial)
    if partner_end is None:
        return Found(finding="unclear", changes=ordered[:end])
    partner = ordered[partner_end - 1]
    if trial((partner, culprit)) == "failed":
        return Found(finding="pair", changes=(partner, culprit))
    return Found(finding="unclear", changes=(*ordered[:partner_end], culprit))


def _shortest_failing_prefix(ordered: tuple[Change, ...], always: tuple[Change, ...], trial: Trial) -> int | None:
    """The smallest k such that ``ordered[:k] + always`` fails, given that the whole of
    ``ordered`` with ``always`` fails and nothing of it but ``always`` passes. A prefix that
    cannot be installed is taken one change longer. None: no prefix both installs and fails."""
    passing, failing = 0, len(ordered)
    if not ordered:
        return None
    while failing - passing > 1:
        middle = (passing + failing) // 2
        outcome = trial((*ordered[:middle], *always))
        while outcome == "unresolvable" and middle + 1 < failing:
            middle += 1
            outcome = trial((*ordered[:middle], *always))
        if outcome == "failed":
            failing = middle
        elif outcome == "passed":
            passing = middle
        else:
            return None
    return failing
