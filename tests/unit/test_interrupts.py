"""Whatever ends the tool ends what it started: SIGTERM, SIGHUP, SIGINT, and its own death
by SIGKILL; and a leftover that forks again when it is told to stop is still ended.
Real processes (sleeps, a daemon), on Linux where /proc shows them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from mesonmatrix.machine.commands import CommandRunner

from cells import processes_mentioning

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _alive(marker: str) -> list[int]:
    return [int(line.split(":", 1)[0]) for line in processes_mentioning(marker)]


def _wait_until(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


# A command that starts a child in its group and a daemon that leaves group and session,
# then waits: what the tool's death must end. The marker is unique to the test run.
COMMAND = """
import os, subprocess, sys, time
marker = sys.argv[1]
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3601)", "sleeper", marker])
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(3602)", "sleeper", marker])
print("started", flush=True)
time.sleep(3600)
"""


def _sleepers(marker: str) -> list[int]:
    """The command's child and its daemon (not the tool, whose script names the marker too)."""
    return _alive(f"sleeper {marker}")

TOOL = """
import sys
sys.path.insert(0, {src!r})
from pathlib import Path
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.machine.interrupts import unwind_on_signals
unwind_on_signals()
runner = CommandRunner(log=Path({log!r}))
try:
    runner.run([sys.executable, "-c", {command!r}, {marker!r}], label="the build")
except KeyboardInterrupt as exc:
    print("interrupted:", exc, flush=True)
    sys.exit(3)
"""


def _tool(tmp_path: Path, marker: str) -> subprocess.Popen[str]:
    script = TOOL.format(src=str(ROOT / "src"), log=str(tmp_path / "log"), command=COMMAND, marker=marker)
    tool = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    assert _wait_until(lambda: len(_sleepers(marker)) == 2, 30), "the command did not start its two sleepers"
    return tool


@linux_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_the_tool_ends_everything_it_started(tmp_path, sig):
    marker = f"signalled-{uuid.uuid4().hex}"
    tool = _tool(tmp_path, marker)
    os.kill(tool.pid, sig)
    output = tool.communicate(timeout=60)[0]
    assert tool.returncode == 3, output
    assert "interrupted:" in output and (sig == signal.SIGINT or f"signal {sig.name}" in output)
    assert _wait_until(lambda: not _alive(marker), 10), f"left running: {_alive(marker)}"


@linux_only
def test_the_tools_own_death_ends_everything_it_started(tmp_path):
    """SIGKILL gives the tool no chance to clean up: its guardian does."""
    marker = f"killed-{uuid.uuid4().hex}"
    tool = _tool(tmp_path, marker)
    os.kill(tool.pid, signal.SIGKILL)
    tool.wait(timeout=30)
    assert _wait_until(lambda: not _alive(marker), 15), f"left running under PID 1: {_alive(marker)}"


@linux_only
def test_a_leftover_that_forks_again_on_sigterm_is_ended(tmp_path):
    """Each copy answers SIGTERM with a new copy of itself: a fixed number of sweeps
    leaves the last one running; sweeping until none is left does not."""
    marker = f"hydra-{uuid.uuid4().hex}"
    # os.fork() copies the handler with the process: each copy answers from its first instant.
    hydra = textwrap.dedent("""
        import os, signal, sys, time
        def again(signum, frame):
            if os.fork():
                os._exit(0)
        signal.signal(signal.SIGTERM, again)
        if os.fork():
            os._exit(0)
        os.setsid()
        while True:
            time.sleep(1)
    """)
    runner = CommandRunner(log=tmp_path / "log", echo_output=False)
    runner.run([sys.executable, "-c", hydra, marker], label="start a hydra")
    assert _wait_until(lambda: not _alive(marker), 10), f"left running: {_alive(marker)}"
    assert "ended" in runner.log.read_text()


@linux_only
def test_a_tool_inside_another_tools_command_still_ends_what_it_started(tmp_path):
    """The outer tool's guardian ends the inner tool (it carries the outer token) but not the
    inner guardian, which then ends the inner tool's own commands."""
    marker = f"nested-{uuid.uuid4().hex}"
    # An inner tool that dies at once on SIGTERM (no unwinding): only its guardian is left to clean up.
    inner = TOOL.format(src=str(ROOT / "src"), log=str(tmp_path / "inner.log"), command=COMMAND, marker=marker)
    inner = inner.replace("unwind_on_signals()\n", "")
    (tmp_path / "inner.py").write_text(inner)
    outer = TOOL.format(src=str(ROOT / "src"), log=str(tmp_path / "outer.log"),
                        command=f"import runpy; runpy.run_path({str(tmp_path / 'inner.py')!r})", marker="unused")
    tool = subprocess.Popen([sys.executable, "-c", outer], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    assert _wait_until(lambda: len(_sleepers(marker)) == 2, 30), "the inner command did not start its sleepers"
    os.kill(tool.pid, signal.SIGKILL)
    tool.wait(timeout=30)
    assert _wait_until(lambda: not _alive(marker), 20), f"left running: {_alive(marker)}"
