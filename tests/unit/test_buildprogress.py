"""ninja's [n/N] lines as progress on the console, the whole output in the log."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from mesonmatrix.machine.buildprogress import NinjaProgress
from mesonmatrix.machine.commands import CommandRunner


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_in_a_log_a_progress_line_now_and_then_and_every_other_line_as_it_comes():
    out, clock = io.StringIO(), _Clock()
    view = NinjaProgress(out, live=False, interval=30.0, clock=clock)
    view.show("The Meson build system\n")
    for step in range(1, 101):
        clock.now = step  # one step a second
        view.show(f"[{step}/100] Compiling C object foo_{step}.o\n")
        if step == 50:
            view.show("../src/foo.c:3: warning: unused variable\n")
    view.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "The Meson build system" and "../src/foo.c:3: warning: unused variable" in lines
    progress = [line for line in lines if line.startswith("    ninja: ")]
    assert progress == ["    ninja: 1/100 steps (1%) after 1 s", "    ninja: 31/100 steps (31%) after 31 s",
                        "    ninja: 61/100 steps (61%) after 61 s", "    ninja: 91/100 steps (91%) after 91 s",
                        "    ninja: 100/100 steps (100%) after 100 s"]
    assert "Compiling" not in out.getvalue()


def test_on_a_terminal_one_line_rewrites_itself_and_stays_at_the_end():
    out = io.StringIO()
    view = NinjaProgress(out, live=True)
    view.show("[1/2] Compiling C object a.o\n")
    view.show("warning: something\n")
    view.show("[2/2] Linking target a.so\n")
    view.finish()
    assert out.getvalue() == ("\r\033[K    [1/2] Compiling C object a.o\r\033[Kwarning: something\n"
                              "\r\033[K    [2/2] Linking target a.so\n")


def test_the_runner_logs_every_line_and_shows_the_progress(tmp_path):
    script = "for i in range(1, 41): print(f'[{i}/40] Compiling C object o{i}.o')\nprint('done')"
    out = io.StringIO()
    runner = CommandRunner(log=tmp_path / "cell.log", stream=out)
    runner.run([sys.executable, "-c", script], label="build", ninja_progress=True)
    log = Path(tmp_path / "cell.log").read_text()
    assert len(re.findall(r"(?m)^\[\d+/40\] Compiling C object", log)) == 40
    assert not re.search(r"(?m)^\[\d+/40\]", out.getvalue()) and "    ninja: 40/40 steps (100%)" in out.getvalue()
    assert out.getvalue().rstrip().endswith("done")
