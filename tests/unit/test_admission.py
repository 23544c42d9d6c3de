"""Admission of test suites by memory (machine/admission.py): who may start, what a waiting
cell says, and where a suite's need comes from."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from mesonmatrix.config.keys import InvalidValue, cell_settings, environment_settings
from mesonmatrix.machine.admission import (
    DEFAULT_SUITE_MB,
    Holder,
    admits,
    admitted,
    available_megabytes,
    running_suites,
    suite_need,
    waiting_message,
)
from mesonmatrix.plan import last_test_peak
from mesonmatrix.record import ResultRecord, TestCounts

SMALL = suite_need(120.0, None)
HOLDER = Holder(pid=4242, who="build-3.12-openblas of blasdemo in /w1/.matrix", since="2026-12-07T21:50:03+00:00",
                megabytes=17500.0)


def test_two_small_suites_fit_side_by_side_and_a_big_one_waits():
    small_holder = Holder(pid=1, who="a", since="t", megabytes=200.0)
    assert admits(SMALL, [small_holder], available_mb=20_000.0)
    assert not admits(suite_need(17_500.0, None), [small_holder, HOLDER], available_mb=20_000.0)
    assert admits(suite_need(17_500.0, None), [], available_mb=1_000.0)  # alone, whatever its size


def test_the_policies():
    one = suite_need(10.0, None, "one-at-a-time")
    assert not admits(one, [Holder(pid=1, who="a", since="t", megabytes=1.0)], available_mb=20_000.0)
    assert admits(suite_need(1e6, None, "off"), [HOLDER], available_mb=1.0)
    # Free memory that cannot be read: as one at a time.
    assert not admits(SMALL, [HOLDER], available_mb=None)


def test_the_need_comes_from_the_last_run_then_the_declaration_then_the_default():
    assert suite_need(300.0, 9000.0).megabytes == 300.0
    assert suite_need(None, 9000.0).source == "declared test_memory"
    assert suite_need(None, None).megabytes == DEFAULT_SUITE_MB
    # The place #41's pytest-xdist workers go: each may reach the per-worker peak.
    assert suite_need(300.0, None, workers=4).megabytes == 1200.0


def test_the_waiting_line_says_who_since_when_and_how_to_change_it():
    line = waiting_message(suite_need(None, 17_500.0), [HOLDER], available_mb=6000.0)
    assert "\n" not in line
    for part in ("~17500 MB (declared test_memory)", "6000 MB free", "pid 4242 (build-3.12-openblas of blasdemo",
                 "since 2026-12-07T21:50:03+00:00", "MESONMATRIX_TEST_ADMISSION=memory|one-at-a-time|off",
                 "test_admission in the matrix file"):
        assert part in line, (part, line)


def test_memavailable_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24683520 kB\nMemFree:        1000 kB\nMemAvailable:   20480000 kB\n")
    assert available_megabytes(meminfo) == 20000.0
    assert available_megabytes(tmp_path / "missing") is None


def test_a_second_small_suite_is_admitted_while_the_first_runs(tmp_path):
    said: list[str] = []
    start = time.monotonic()
    with admitted(SMALL, "first", said.append, folder=tmp_path / "suites", free=lambda: 20_000.0):
        assert [h.who for h in running_suites(tmp_path / "suites")] == ["first"]
        with admitted(SMALL, "second", said.append, folder=tmp_path / "suites", free=lambda: 20_000.0):
            assert sorted(h.who for h in running_suites(tmp_path / "suites")) == ["first", "second"]
    assert time.monotonic() - start < 1.0 and not said
    assert running_suites(tmp_path / "suites") == []  # both reservations ended with their blocks


def test_a_suite_that_does_not_fit_waits_says_why_once_and_starts_when_the_other_ends(tmp_path):
    folder, said = tmp_path / "suites", []
    held, release = threading.Event(), threading.Event()

    def big() -> None:
        with admitted(suite_need(15_000.0, None), "big one", lambda _: None, folder=folder, free=lambda: 16_000.0):
            held.set()
            release.wait(10)

    other = threading.Thread(target=big)
    other.start()
    assert held.wait(10)
    threading.Timer(1.0, release.set).start()
    start = time.monotonic()
    with admitted(suite_need(2_000.0, None), "small one", said.append, folder=folder, poll_seconds=0.1,
                  free=lambda: 16_000.0):
        waited = time.monotonic() - start
    other.join()
    assert waited >= 0.9
    assert len(said) == 1 and "big one" in said[0] and "~2000 MB (its last run's peak)" in said[0]


def test_a_dead_holders_reservation_ends(tmp_path):
    folder = tmp_path / "suites"
    folder.mkdir(mode=0o700)
    (folder / "999999-1.json").write_text('{"pid": 999999, "who": "gone", "since": "t", "megabytes": 1e9}')
    assert running_suites(folder) == []
    assert not (folder / "999999-1.json").exists()


def test_the_policy_comes_from_the_environment_before_the_matrix_file():
    env = environment_settings({"MESONMATRIX_TEST_ADMISSION": "off"})
    assert cell_settings(env, {"test_admission": "one-at-a-time"}).test_admission == "off"
    assert cell_settings({}, {"test_admission": "one-at-a-time"}).test_admission == "one-at-a-time"
    assert cell_settings().test_admission == "memory"
    with pytest.raises(InvalidValue, match="MESONMATRIX_TEST_ADMISSION: expected one of memory, one-at-a-time"):
        environment_settings({"MESONMATRIX_TEST_ADMISSION": "sometimes"})


def _record(path: Path, suite: str, peaks: dict[str, float], tested: bool = True) -> None:
    record = ResultRecord(session="build-3.12-openblas", target="demo", python="3.12", blas="openblas",
                          platform="linux-x86_64", system_libraries="none", install_tags="full",
                          tests=TestCounts(suite=suite, passed=3), peak_rss_mb=peaks,
                          durations={"test": 1.0} if tested else {"build": 1.0})
    path.mkdir(parents=True, exist_ok=True)
    (path / "result.json").write_text(record.to_json())


def test_the_last_runs_peak_counts_only_for_the_same_suite(tmp_path):
    _record(tmp_path, "full", {"test": 17400.0, "tool": 80.0})
    assert last_test_peak(tmp_path, "full") == 17400.0
    assert last_test_peak(tmp_path, "smoke") is None  # a smoke run says nothing of the full suite
    _record(tmp_path, "smoke", {"tool": 80.0})  # within the tool's own size: bounded by it
    assert last_test_peak(tmp_path, "smoke") == 80.0
    _record(tmp_path, "smoke", {"tool": 80.0}, tested=False)  # failed before its tests
    assert last_test_peak(tmp_path, "smoke") is None
    assert last_test_peak(tmp_path / "never-ran", "smoke") is None
