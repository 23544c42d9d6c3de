"""Running commands: argv lists only, output streamed to the console and a log file."""

from __future__ import annotations

import contextlib
import contextvars
import os
import shlex
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import CommandFailed, PrerequisiteMissing

# Where quick queries (``probe``) are logged while a cell runs: its cell.log.
_PROBE_LOG: contextvars.ContextVar[Path | None] = contextvars.ContextVar("probe_log", default=None)


@contextlib.contextmanager
def probes_logged_to(log: Path) -> Iterator[None]:
    """Log every ``probe`` made inside the block (the interpreter and compiler queries a
    cell makes) to ``log``, beside the commands the cell's runner runs."""
    token = _PROBE_LOG.set(log)
    try:
        yield
    finally:
        _PROBE_LOG.reset(token)


def probe(argv: Sequence[str | os.PathLike[str]], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
          timeout: float | None = 30.0) -> subprocess.CompletedProcess[str] | None:
    """A quick query whose answer is read, not shown (an interpreter's version, a
    compiler's, ``git log``): output captured, no stdin, bounded by ``timeout``. None when
    the command cannot start or does not finish in time; a non-zero exit is the caller's
    to judge. Inside ``probes_logged_to`` the query and its answer go to that log."""
    args = [os.fspath(a) for a in argv]
    try:
        out = subprocess.run(args, cwd=cwd, env=None if env is None else dict(env), capture_output=True, text=True,
                             errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _log_probe(args, f"[did not run: {exc}]\n")
        return None
    _log_probe(args, f"{out.stdout}{out.stderr}[exit {out.returncode}]\n")
    return out


def _log_probe(args: list[str], answer: str) -> None:
    log = _PROBE_LOG.get()
    if log is None:
        return
    with contextlib.suppress(OSError), log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n$ {shlex.join(args)}  (query)\n{answer}")


def run_attached(argv: Sequence[str], *, cwd: Path | None = None) -> int:
    """A command that takes over this terminal (its output is the user's to read, as when
    ``mesonmatrix ci-run`` hands a CI job to nox); its exit status."""
    return subprocess.call(list(argv), cwd=cwd)


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


@dataclass
class CommandRunner:
    """Runs argv lists with a fixed base environment, appending all output to one log.

    Every command is echoed before it runs; its output goes to the console (folded into a
    group on GitHub Actions) and to ``log``, so a failure points at a file with the whole
    story while the console shows progress.
    """

    log: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    echo_output: bool = True

    def run(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        label: str,
        cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        check: bool = True,
        echo: bool | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv``; its output goes to the log, and to the console unless ``echo`` (by
        default the runner's ``echo_output``) is False. A failure's message ends with the
        output's last lines either way."""
        args = [os.fspath(a) for a in argv]
        env = dict(self.env)
        if extra_env:
            env.update(extra_env)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        tail: deque[str] = deque(maxlen=25)
        lines: list[str] = []
        grouped = in_github_actions()
        self._say(f"::group::{label}" if grouped else f"--- {label}")
        self._say(f"$ {shlex.join(args)}" + (f"  (in {cwd})" if cwd else ""))
        start = time.monotonic()
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n$ {shlex.join(args)}\n")
            log.flush()
            process = _start(args, cwd=cwd, env=env)
            try:
                self._relay(process, log, tail, lines, self.echo_output if echo is None else echo)
                returncode = process.wait()
            except BaseException:
                # Ctrl-C, SIGTERM or an error of ours: never leave the command, or what it
                # started (ninja, the compilers), running behind us.
                stop_process_group(process)
                raise
            log.write(f"[exit {returncode} after {time.monotonic() - start:.1f}s]\n")
        if grouped:
            self._say("::endgroup::")
        if check and returncode != 0:
            raise CommandFailed(args, returncode, self.log, "\n".join(tail))
        return subprocess.CompletedProcess(args, returncode, "".join(lines), "")

    def _relay(self, process: subprocess.Popen[str], log: TextIO, tail: deque[str], lines: list[str],
               echo: bool) -> None:
        """Copy the command's output to the log, the console and the tail kept for errors."""
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            tail.append(line.rstrip("\n"))
            lines.append(line)
            if echo:
                self.stream.write(line)
                self.stream.flush()

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def _start(args: list[str], *, cwd: Path | None, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a command as the leader of a process group of its own (a new session on
    POSIX), so that stopping it reaches everything it started."""
    group: dict[str, Any] = {"start_new_session": True} if hasattr(os, "killpg") else {
        "creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    try:
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace", **group)
    except FileNotFoundError as exc:
        raise PrerequisiteMissing(f"{args[0]} not found: {exc}") from exc


def stop_process_group(process: subprocess.Popen[str], grace: float = 5.0) -> None:
    """SIGTERM to the command's whole process group, SIGKILL to whatever is left after
    ``grace`` seconds, and reap the leader. Where there are no process groups (Windows)
    the command itself is killed."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:
        process.kill()
        process.wait()
        return
    sigkill = getattr(signal, "SIGKILL", signal.SIGTERM)  # no SIGKILL on Windows, where killpg is absent too
    for sig in (signal.SIGTERM, sigkill):
        try:
            killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            # The leader is gone; a member that ignored SIGTERM still gets SIGKILL.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                killpg(process.pid, sigkill)
            break
    process.wait()
