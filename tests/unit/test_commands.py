"""The command runner ends what a command leaves behind and what runs past its limits:
real processes, real pipes."""

import contextlib
import dataclasses
import io
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from mesonmatrix.errors import CommandTimedOut
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.machine.guardian import guardian_session
from mesonmatrix.machine.processes import become_subreaper, descendants

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the subreaper and /proc are Linux's")


def _runner(tmp_path: Path) -> CommandRunner:
    return CommandRunner(log=tmp_path / "cell.log", stream=io.StringIO())


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return not stat[stat.rfind(")") + 2:].startswith("Z")


def test_a_command_past_its_time_limit_is_ended_with_what_it_started(tmp_path):
    marker = tmp_path / "child.pid"
    code = (f"import subprocess, time; p = subprocess.Popen(['sleep', '600']); "
            f"open({str(marker)!r}, 'w').write(str(p.pid)); print('started', flush=True); time.sleep(600)")
    start = time.monotonic()
    with pytest.raises(CommandTimedOut) as caught:
        _runner(tmp_path).run([sys.executable, "-c", code], label="hang", timeout=2)
    assert time.monotonic() - start < 30
    assert "timed out after 2 s" in str(caught.value)
    assert not _alive(int(marker.read_text()))


def test_a_command_silent_past_its_idle_limit_is_ended(tmp_path):
    code = "import time; print('one line', flush=True); time.sleep(600)"
    with pytest.raises(CommandTimedOut) as caught:
        _runner(tmp_path).run([sys.executable, "-c", code], label="silent", idle_timeout=1.5)
    assert caught.value.seconds == 1.5


@linux_only
def test_a_daemon_holding_the_output_pipe_neither_hangs_the_runner_nor_survives(tmp_path):
    marker = tmp_path / "daemon.pid"
    # Double fork and setsid: the daemon leaves the command's process group and keeps its stdout.
    code = ("import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            f"        open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
            "        time.sleep(900)\n"
            "    os._exit(0)\n"
            "time.sleep(0.5)\n"
            "print('done', flush=True)\n")
    assert become_subreaper()
    runner = _runner(tmp_path)
    start = time.monotonic()
    result = runner.run([sys.executable, "-c", code], label="daemon")
    assert time.monotonic() - start < 30
    assert result.returncode == 0 and "done" in result.stdout
    daemon = int(marker.read_text())
    assert not _alive(daemon)
    assert "ended 1 process(es) the command left running" in runner.log.read_text()
    assert daemon not in descendants()  # reaped, not a zombie child of ours


@linux_only
def test_a_child_left_running_is_ended_and_named(tmp_path):
    runner = _runner(tmp_path)
    runner.run([sys.executable, "-c", "import subprocess; subprocess.Popen(['sleep', '9017'])"], label="child")
    time.sleep(0.2)
    left = [pid for pid in descendants() if _alive(pid) and pid != guardian_session()]
    assert not left
    assert "sleep 9017" in runner.log.read_text()


@linux_only
def test_the_kernels_children_lists_find_what_a_scan_of_every_process_finds(monkeypatch):
    import subprocess
    import threading

    from mesonmatrix.machine import processes

    if not processes._children_files_work():
        pytest.skip("this kernel has no /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN)")
    assert become_subreaper()
    started = [subprocess.Popen(["sh", "-c", "sleep 61 & wait"])]  # a child and a grandchild
    # A child of another thread is listed under that thread, not under the main one, while
    # the thread lives.
    spawned, finish = threading.Event(), threading.Event()

    def spawn() -> None:
        started.append(subprocess.Popen(["sleep", "62"]))
        spawned.set()
        finish.wait(30)

    thread = threading.Thread(target=spawn)
    thread.start()
    spawned.wait(30)
    # An orphan: its parent exits at once, and it is re-parented to this subreaper.
    orphan = int(subprocess.run(["sh", "-c", "sleep 63 >/dev/null 2>&1 & echo $!"], capture_output=True,
                                text=True, check=True).stdout)
    try:
        time.sleep(0.2)
        listed = sorted(descendants())
        monkeypatch.setattr(processes, "_children_files_work", lambda: False)
        assert listed == sorted(descendants())
        assert {p.pid for p in started} | {orphan} <= set(listed) and len(listed) >= 4
    finally:
        finish.set()
        thread.join()
        for pid in [p.pid for p in started] + [orphan]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in started:
            process.wait()
        processes._reap(frozenset())


@linux_only
def test_a_child_whose_thread_exits_during_the_walk_is_still_found():
    """A thread that exits hands its children to another thread's list, perhaps one the
    walk has read already; the walk must still find them (it missed 14% of rounds)."""
    import random
    import threading

    from mesonmatrix.machine import processes

    if not processes._children_files_work():
        pytest.skip("this kernel has no /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN)")
    missed = 0
    for _ in range(300):
        box: list[int] = []
        spawned = threading.Event()

        def spawn(box: list[int], spawned: threading.Event) -> None:
            box.append(os.posix_spawn("/bin/sleep", ["sleep", "30"], os.environ))
            spawned.set()
            time.sleep(random.random() * 0.002)  # then the thread exits, mid-walk or not

        thread = threading.Thread(target=spawn, args=(box, spawned))
        thread.start()
        spawned.wait(30)
        try:
            while thread.is_alive():
                missed += box[0] not in descendants()
            thread.join()
            missed += box[0] not in descendants()
        finally:
            os.kill(box[0], signal.SIGKILL)
            os.waitpid(box[0], 0)
    assert missed == 0


def test_processes_running_before_the_command_are_left_alone(tmp_path):
    import subprocess

    before = subprocess.Popen(["sleep", "30"])
    try:
        _runner(tmp_path).run([sys.executable, "-c", "print(1)"], label="quick")
        assert before.poll() is None
    finally:
        before.kill()
        before.wait()


def test_output_is_bounded_in_memory_and_in_the_log(tmp_path, monkeypatch):
    from mesonmatrix.machine import commands

    monkeypatch.setattr(commands, "KEPT_OUTPUT_BYTES", 10_000)
    monkeypatch.setattr(commands, "LOGGED_OUTPUT_BYTES", 50_000)
    runner = _runner(tmp_path)
    code = "import sys\nfor i in range(20000): print('x' * 99)\nprint('last line')"
    result = runner.run([sys.executable, "-c", code], label="flood")
    assert len(result.stdout) <= 10_200 and result.stdout.endswith("last line\n")
    log = runner.log.read_text()
    assert len(log) < 60_000 and "the rest is not logged or shown" in log


def test_a_deadline_is_shared_by_every_command(tmp_path):
    runner = dataclasses.replace(_runner(tmp_path), deadline=time.monotonic() + 3)
    runner.run([sys.executable, "-c", "import time; time.sleep(2)"], label="first")
    start = time.monotonic()
    with pytest.raises(CommandTimedOut):
        runner.run([sys.executable, "-c", "import time; time.sleep(30)"], label="second")
    assert time.monotonic() - start < 10  # only what was left of the 3 s


@linux_only
def test_a_command_on_another_thread_survives_this_ones_leftover_sweep(tmp_path):
    """The test venv is made on a thread while the build runs: when the venv's command ends
    and sweeps its leftovers, the build started after it (so not among what was running
    when the venv's command began) must live on, as must a quick query of this process."""
    import subprocess
    import threading

    def first() -> None:
        CommandRunner(log=tmp_path / "other.log", stream=io.StringIO()).run(["sleep", "0.8"], label="first")

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.3)
    query = subprocess.Popen(["sleep", "1.2"])  # as ``probe`` runs one: in this process's own session
    later = _runner(tmp_path).run(["sleep", "1.5"], label="started later", check=False)
    thread.join()
    assert later.returncode == 0
    assert query.wait() == 0


def test_a_cancelled_runner_stops_its_command_at_once(tmp_path):
    import threading

    from mesonmatrix.errors import CommandCancelled

    cancel = threading.Event()
    runner = dataclasses.replace(_runner(tmp_path), cancel=cancel)
    threading.Timer(0.3, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(CommandCancelled):
        runner.run(["sleep", "30"], label="long")
    assert time.monotonic() - start < 5
    with pytest.raises(CommandCancelled):  # and starts nothing more
        runner.run(["true"], label="next")


@pytest.mark.skipif(sys.platform == "win32", reason="wait4 is POSIX's")
def test_a_stage_records_the_largest_resident_set_of_a_grandchild(tmp_path):
    from mesonmatrix.machine.progress import Progress

    # 300 MB touched by a grandchild (as a compiler under ninja under meson), the command
    # itself small: the stage's peak is the grandchild's, and the exit status is kept.
    grandchild = "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); raise SystemExit(3)"
    code = f"import subprocess, sys; sys.exit(subprocess.run([sys.executable, '-c', {grandchild!r}]).returncode)"
    progress = Progress(io.StringIO())
    with progress.stage("build", "a big compile"):
        result = _runner(tmp_path).run([sys.executable, "-c", code], label="big", check=False)
    with progress.stage("test", "a small one"):
        _runner(tmp_path).run([sys.executable, "-c", "pass"], label="small")
    assert result.returncode == 3
    assert 300 <= progress.peak_rss_mb["build"] < 600
    # A command within the tool's own size says nothing of itself (its figure carries the
    # tool's across fork and exec): its stage is left out.
    assert "test" not in progress.peak_rss_mb


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM and clear_refs are Linux's")
def test_the_tools_own_peak_starts_again_with_each_cell():
    from mesonmatrix.machine import peakmemory

    big = bytearray(400 * 2**20)
    big[::4096] = b"x" * len(big[::4096])
    assert peakmemory.own_peak_megabytes() > 400
    del big
    peakmemory.reset_own_peak()
    assert peakmemory.own_peak_megabytes() < 400
