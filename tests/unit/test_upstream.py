"""Dependency channels without a build: the deps axis and index keys, reading what uv
resolved, the drift from a lock, uv's failures in one line, and the culprit search's
bisection over a known set of changes (each trial a rule standing in for a cell run:
the search's own logic is under test here; tests/integration runs it on real cells)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesonmatrix.config.keys import cell_settings, settings_of
from mesonmatrix.config.matrixfile import load_matrices
from mesonmatrix.config.naming import session_name, session_tags
from mesonmatrix.culprit.run import first_failing_line
from mesonmatrix.culprit.search import search
from mesonmatrix.errors import MatrixError
from mesonmatrix.lockfiles.resolve import Change, Indexes, drift_from_lock, read_resolved, uv_failure
from mesonmatrix.options import parse_cell_args

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = {"platform": "linux-x86_64", "system_libraries": "none", "install_tags": "full", "package": "wheel",
            "deps": "locked"}


def test_a_channel_is_the_last_part_of_a_session_name_and_a_tag():
    values = {**DEFAULTS, "python": "3.12", "blas": "openblas", "deps": "latest"}
    assert session_name(values, DEFAULTS) == "build-3.12-openblas-latest"
    assert session_name({**values, "package": "deb"}, DEFAULTS) == "build-3.12-openblas-deb-latest"
    assert session_name({**values, "deps": "locked"}, DEFAULTS) == "build-3.12-openblas"
    assert {"deps-latest", "upstream"} <= set(session_tags(values))
    assert "upstream" not in session_tags({**values, "deps": "locked"})


def test_the_default_matrix_has_the_three_channels_of_the_headline_cell():
    cells = load_matrices(ROOT / "matrices", ROOT).matrix.by_session()
    assert {cells[f"build-3.12-openblas-{c}"].deps for c in ("latest", "pre", "oldest")} == {"latest", "pre", "oldest"}
    assert cells["build-3.12-openblas"].deps == "locked"


def test_an_unknown_channel_is_refused_with_the_ones_there_are(tmp_path):
    (tmp_path / "m.toml").write_text('[axes]\npython = ["3.12"]\nplatform = ["linux-x86_64"]\n'
                                     'system_libraries = ["none"]\ninstall_tags = ["full"]\ndeps = ["newest"]\n')
    with pytest.raises(MatrixError, match="unknown value 'newest'; allowed: locked, latest, pre, oldest"):
        load_matrices(tmp_path, tmp_path)


def test_index_urls_from_the_command_line_win_and_a_non_url_is_refused(tmp_path):
    given = parse_cell_args("c", ["--extra-index-url", "http://a/simple", "--extra-index-url", "file:///srv/i"],
                            ROOT).settings
    matrix = settings_of(tmp_path, "", {"extra_index_url": ["https://b/simple"], "index_url": "https://m/simple"},
                         "matrix")
    chosen = cell_settings(given, matrix)
    assert chosen.extra_index_urls == ("http://a/simple", "file:///srv/i") and chosen.index_url == "https://m/simple"
    assert cell_settings(parse_cell_args("c", [], ROOT).settings, matrix).extra_index_urls == ("https://b/simple",)
    with pytest.raises(SystemExit):
        parse_cell_args("c", ["--extra-index-url", "nightly"], ROOT)
    with pytest.raises(MatrixError, match="'pypi.org/simple' is not a package index URL"):
        settings_of(tmp_path, "", {"index_url": "pypi.org/simple"}, "matrix")


RESOLVED = """\
iniconfig==99.0 \\
    --hash=sha256:aaaa
    # via pytest
    # from http://127.0.0.1:8000/simple
pytest==9.2.0 \\
    --hash=sha256:bbbb
    # via -r test.in
    # from https://pypi.org/simple
"""
LOCK = """\
altgraph==0.17.5 ; sys_platform == 'darwin' \\
    --hash=sha256:cccc
iniconfig==2.3.1 \\
    --hash=sha256:dddd
    # via pytest
pytest==9.2.0 \\
    --hash=sha256:bbbb
    # via -r locks/demo/py3.12-test.in
pygments==2.21.0 \\
    --hash=sha256:eeee
"""


def test_what_uv_resolved_is_read_with_its_index_and_measured_against_the_lock(tmp_path):
    resolved, lock = tmp_path / "test.txt", tmp_path / "lock.txt"
    resolved.write_text(RESOLVED)
    lock.write_text(LOCK)
    pins = {p.name: p for p in read_resolved(resolved)}
    assert pins["iniconfig"].version == "99.0" and pins["iniconfig"].index == "http://127.0.0.1:8000/simple"
    drift = drift_from_lock("test", lock, resolved)
    # altgraph is another platform's (a marker): not drift; pygments is no longer installed.
    assert drift == [Change(env="test", name="iniconfig", locked="2.3.1", resolved="99.0"),
                     Change(env="test", name="pygments", locked="2.21.0", resolved=None)]
    assert drift_from_lock("test", None, resolved) == []


def test_uv_failures_become_one_line():
    dead = Indexes(extra=("http://127.0.0.1:9/simple",))
    unreachable = ("error: Request failed after 3 retries in 4.4s\n"
                   "  cause: Failed to fetch: http://127.0.0.1:9/simple/threadpoolctl/\n"
                   "  cause: error sending request for url (http://127.0.0.1:9/simple/threadpoolctl/)\n"
                   "  cause: tcp connect error\n  cause: Connection refused (os error 111)\n")
    assert uv_failure(unreachable, dead) == \
        "the package index http://127.0.0.1:9/simple cannot be reached: Connection refused (os error 111)"
    none = ("error: No solution found when resolving dependencies\n  cause: Because only numpy<=2.5.5 is available "
            "and you require numpy>=99, we can conclude that your requirements are unsatisfiable.\n")
    assert uv_failure(none, Indexes()) == ("no versions satisfy the requirements: Because only numpy<=2.5.5 is "
                                           "available and you require numpy>=99, we can conclude that your "
                                           "requirements are unsatisfiable.")


def _changes(*names: str) -> list[Change]:
    return [Change(env="test", name=n, locked="1", resolved="2") for n in names]


def _rule(breaking: set[frozenset[str]], runs: list[tuple[str, ...]]):
    def trial(applied: tuple[Change, ...]) -> str:
        names = tuple(c.name for c in applied)
        runs.append(names)
        return "failed" if any(group <= set(names) for group in breaking) else "passed"
    return trial


def test_the_search_finds_one_culprit_among_many_in_few_runs():
    runs: list[tuple[str, ...]] = []
    changes = _changes(*(f"p{i:02d}" for i in range(16)))
    found = search(changes, _rule({frozenset({"p11"})}, runs))
    assert found.finding == "culprit" and [c.name for c in found.changes] == ["p11"]
    assert len(runs) <= 9  # the good run, four halvings, the culprit alone, then both once more


def test_the_search_names_two_packages_that_break_only_together():
    runs: list[tuple[str, ...]] = []
    found = search(_changes("a", "b", "c", "d", "e", "f"), _rule({frozenset({"b", "e"})}, runs))
    assert found.finding == "pair" and [c.name for c in found.changes] == ["b", "e"]


def test_a_failure_that_comes_and_goes_is_called_flaky_not_a_culprit():
    outcomes = iter(["passed", "failed", "passed", "failed"])  # good, the culprit alone; then good, alone
    found = search(_changes("a"), lambda applied: next(outcomes))
    assert found.finding == "culprit"
    outcomes = iter(["passed", "failed", "passed", "passed"])
    found = search(_changes("a"), lambda applied: next(outcomes))
    assert found.finding == "flaky"


def test_the_search_says_when_the_good_versions_fail_too():
    found = search(_changes("a", "b"), lambda applied: "failed")
    assert found.finding == "good-fails"


def test_the_first_failing_line_prefers_pytest_s_summary_then_the_exception(tmp_path):
    log = tmp_path / "cell.log"
    log.write_text("$ pytest\nTraceback (most recent call last):\n  File \"x\", line 1\nImportError: broken\n")
    assert first_failing_line(log, "pytest exited 1") == "ImportError: broken"
    log.write_text("ValueError: an earlier note\nFAILED tests/test_a.py::test_b - AssertionError: 1 != 2\n")
    assert first_failing_line(log, None) == "FAILED tests/test_a.py::test_b - AssertionError: 1 != 2"
    assert first_failing_line(None, "build failed\nmore") == "build failed"


def test_the_report_says_a_cell_fails_only_with_its_channel_and_shows_the_culprit(tmp_path):
    from mesonmatrix.record import DepsRecord, DriftEntry, ResultRecord
    from mesonmatrix.report.upstream import upstream_markdown, upstream_rows

    base = {"target": "demo", "python": "3.12", "blas": "openblas", "platform": "linux-x86_64",
            "system_libraries": "none", "install_tags": "full"}
    (tmp_path / "culprit.json").write_text('{"line": "culprit: iniconfig 2.3.1 -> 99.0 breaks it: ImportError: x"}')
    latest = ResultRecord(session="build-3.12-openblas-latest", status="failed", log=str(tmp_path / "cell.log"),
                          deps=DepsRecord(channel="latest", drift=[DriftEntry(env="test", name="iniconfig",
                                                                              locked="2.3.1", resolved="99.0")]),
                          **base)
    locked = ResultRecord(session="build-3.12-openblas", status="passed", deps=DepsRecord(), **base)
    rows = upstream_rows([locked, latest])
    assert len(rows) == 1 and rows[0].verdict == "fails only with latest: build-3.12-openblas passes with its locks"
    text = upstream_markdown(rows)
    assert "culprit: iniconfig 2.3.1 -\\> 99.0 breaks it" in text and "test: iniconfig 2.3.1 -\\> 99.0" in text
