"""Running commands: argv lists only, output streamed to the console and a log file."""

from __future__ import annotations

import contextlib
import contextvars
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import CommandCancelled, CommandFailed, CommandTimedOut, PrerequisiteMissing
from ..redact import redacted
from . import peakmemory
from .buildprogress import NinjaProgress
from .guardian import guardian_session, token_env, unwatch, watch
from .processes import become_subreaper, descendants, end_leftovers, session_of

# The commands running now, by pid. Each is the leader of a session of its own, so a
# process whose session is one of these belongs to a command still running (one on
# another thread, such as the test venv made while the build runs): the leftover sweep
# after a command ends spares them.
_RUNNING: set[int] = set()
_RUNNING_LOCK = threading.Lock()

@contextlib.contextmanager
def _other_commands() -> Iterator[frozenset[int]]:
    """The sessions of the commands running now, held still (none starts) while in use,
    and this process's own: a command's leftovers are in its session or in one of their
    own (a daemon's setsid), never in ours, where only quick queries (``probe``) run."""
    own = {sid for sid in (session_of(0), guardian_session()) if sid is not None}
    with _RUNNING_LOCK:
        yield frozenset(_RUNNING | own)


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
        handle.write(f"\n$ {redacted(shlex.join(args))}  (query)\n{answer}")


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
    # When every command this runner runs must have ended (time.monotonic()): a limit
    # shared by several commands (a test suite's). ``dataclasses.replace(runner,
    # deadline=…)`` is the same runner with one.
    deadline: float | None = None
    # Set from another thread to stop the command running now (and refuse new ones):
    # raises CommandCancelled. For commands run on a thread of their own.
    cancel: threading.Event | None = None

    def run(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        label: str,
        cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        check: bool = True,
        echo: bool | None = None,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        ninja_progress: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv``; its output goes to the log, and to the console unless ``echo`` (by
        default the runner's ``echo_output``) is False. A failure's message ends with the
        output's last lines either way. ``ninja_progress``: ninja's ``[n/N]`` lines show on
        the console as progress (machine/buildprogress.py), the log keeps them all.

        ``timeout`` bounds the command's whole run and ``idle_timeout`` the time it may go
        without a line of output; past either, its whole process tree is ended and
        CommandTimedOut raised. Whenever the command ends, whatever it started and left
        running (a daemon that left its process group too) is ended and named in the log.
        """
        args = [os.fspath(a) for a in argv]
        env = dict(self.env)
        if extra_env:
            env.update(extra_env)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        grouped = in_github_actions()
        self._say(f"::group::{label}" if grouped else f"--- {label}")
        self._say(f"$ {redacted(shlex.join(args))}" + (f"  (in {cwd})" if cwd else ""))
        become_subreaper()
        guardian_session()  # started before the command, so never taken for one of its leftovers
        before = frozenset(descendants())
        if self.cancel is not None and self.cancel.is_set():
            raise CommandCancelled(args, -1, self.log, "cancelled before it started")
        view = NinjaProgress(self.stream) if ninja_progress else None
        returncode, expired, output = self._logged(args, cwd, env, self.echo_output if echo is None else echo,
                                                   _limit(timeout, self.deadline), idle_timeout, before, view)
        if grouped:
            self._say("::endgroup::")
        if expired is _CANCELLED:
            raise CommandCancelled(args, returncode, self.log, "\n".join(output.tail))
        if expired is not None:
            raise CommandTimedOut(args, expired.seconds, self.log, "\n".join(output.tail), idle=expired.idle)
        if check and returncode != 0:
            raise CommandFailed(args, returncode, self.log, "\n".join(output.tail))
        return subprocess.CompletedProcess(args, returncode, "".join(output.lines), "")

    def _logged(self, args: list[str], cwd: Path | None, env: dict[str, str], echo: bool, timeout: float | None,
                idle_timeout: float | None, before: frozenset[int],
                view: NinjaProgress | None = None) -> tuple[int, _Expired | None, _Output]:
        """Start the command, log its output, wait within the limits, end what it left:
        (exit status, the limit it broke or None, its output)."""
        start = time.monotonic()
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n$ {redacted(shlex.join(args))}\n")
            log.flush()
            with _RUNNING_LOCK:  # no sweep lists processes while a command starts unregistered
                process = _start(args, cwd=cwd, env={**env, **token_env()})
                _RUNNING.add(process.pid)
            watch(process.pid)
            output = _Output(process, log, self.stream, echo, view)
            try:
                expired = _wait(process, output, timeout, idle_timeout, self.cancel)
                if expired is not None:
                    stop_process_group(process)
            except BaseException:
                # Ctrl-C, SIGTERM or an error of ours: never leave the command, or what it
                # started (ninja, the compilers), running behind us.
                stop_process_group(process)
                self._end_leftovers(before | {process.pid}, process.pid, log)
                raise
            self._end_leftovers(before | {process.pid}, process.pid, log)
            output.finish()
            returncode = process.wait()
            log.write(f"[exit {returncode} after {time.monotonic() - start:.1f}s]\n")
        return returncode, expired, output

    def _end_leftovers(self, keep: frozenset[int], pid: int, log: TextIO) -> None:
        with _RUNNING_LOCK:
            _RUNNING.discard(pid)
        unwatch(pid)
        ended = end_leftovers(keep, spared_sessions=_other_commands)
        if ended:
            named = "; ".join(f"pid {p.pid}: {p.command[:200]}" for p in ended)
            message = f"[ended {len(ended)} process(es) the command left running: {named}]"
            log.write(message + "\n")
            self._say(f"    {message}")

    def note(self, text: str) -> None:
        """A line of the tool's own in the log (not on the console): why the next command runs."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as log:
            log.write(text + "\n")

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


# What one command's output may take: in memory (the last part is kept: callers read a
# command's last lines), in the cell log and on the console (the rest is counted, not kept).
KEPT_OUTPUT_BYTES = 16 * 1024 * 1024
LOGGED_OUTPUT_BYTES = 256 * 1024 * 1024
_LINE_BYTES = 1024 * 1024  # a line without a newline is read in pieces of this size


class _Output:
    """The command's output, read on a thread of its own (line by line into the log, the
    console and the tail kept for errors) so that waiting for the command never waits for
    the end of its output: a process it left behind may hold the pipe open forever. Memory
    and the log are bounded, whatever the command prints."""

    def __init__(self, process: subprocess.Popen[str], log: TextIO, stream: TextIO, echo: bool,
                 view: NinjaProgress | None = None) -> None:
        self._view = view
        self.tail: deque[str] = deque(maxlen=25)
        self.lines: deque[str] = deque()
        self._kept = self._logged = 0
        self.last_line = time.monotonic()
        self._log, self._stream, self._echo = log, stream, echo
        self._stop = threading.Event()
        assert process.stdout is not None
        self._pipe = process.stdout
        self._thread = threading.Thread(target=self._read, name="command-output", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            line = self._pipe.readline(_LINE_BYTES)
            if not line or self._stop.is_set():
                return
            self.last_line = time.monotonic()
            self.tail.append(line.rstrip("\n"))
            self.lines.append(line)
            self._kept += len(line)
            while self._kept > KEPT_OUTPUT_BYTES and len(self.lines) > 1:
                self._kept -= len(self.lines.popleft())
            self._logged += len(line)
            if self._logged <= LOGGED_OUTPUT_BYTES:
                self._log.write(line)
                if self._echo and self._view is not None:
                    self._view.show(line)
                elif self._echo:
                    self._stream.write(line)
                    self._stream.flush()
            elif self._logged - len(line) <= LOGGED_OUTPUT_BYTES:
                note = f"[more than {LOGGED_OUTPUT_BYTES:,} bytes of output: the rest is not logged or shown]\n"
                self._log.write(note)
                self._stream.write(note)

    def finish(self, grace: float = 5.0) -> None:
        """Wait for the rest of the output; give up after ``grace`` seconds if something
        outside this process's reach still holds the pipe (the log says so)."""
        self._thread.join(grace)
        if self._view is not None:
            self._view.finish()
        if self._thread.is_alive():
            self._stop.set()
            self._log.write(f"[output still open {grace:.0f}s after the command ended: no longer read]\n")
        self._log.flush()


def _limit(timeout: float | None, deadline: float | None) -> float | None:
    """The seconds a command may run: its own limit, or what is left before the deadline."""
    left = None if deadline is None else max(0.0, deadline - time.monotonic())
    return left if timeout is None else timeout if left is None else min(timeout, left)


@dataclass(frozen=True)
class _Expired:
    """A limit a command broke: its seconds, and whether it was the one on silence."""

    seconds: float
    idle: bool = False


_CANCELLED = _Expired(-1.0)  # what _wait returns when the runner's cancel event was set


def _wait(process: subprocess.Popen[str], output: _Output, timeout: float | None,
          idle_timeout: float | None, cancel: threading.Event | None = None) -> _Expired | None:
    """Wait for the command to end; the limit it broke, ``_CANCELLED``, or None when it
    ended.

    The exit is waited for on a thread of its own, blocked in waitpid, so it is seen the
    moment it happens: ``Popen.wait(timeout=…)`` polls with sleeps of up to 50 ms, which
    every command paid once more (about 25 ms each, a dozen commands a cell)."""
    ended = threading.Event()

    def wait_for_exit() -> None:
        with contextlib.suppress(ChildProcessError, OSError):
            _reap(process)
        ended.set()

    threading.Thread(target=wait_for_exit, name="command-exit", daemon=True).start()
    start = time.monotonic()
    while True:
        if ended.wait(0.2):
            return None
        if cancel is not None and cancel.is_set():
            return _CANCELLED
        now = time.monotonic()
        if timeout is not None and now - start > timeout:
            return _Expired(timeout)
        if idle_timeout is not None and now - output.last_line > idle_timeout:
            return _Expired(idle_timeout, idle=True)


def _reap(process: subprocess.Popen[str]) -> None:
    """Wait for the command's exit. Where there is ``wait4`` its resource usage comes with
    it: the largest resident set of the command's tree goes to ``peakmemory``."""
    wait4 = getattr(os, "wait4", None)
    # Popen's own lock around reaping: held while blocked, as Popen.wait() holds it, so a
    # Popen.wait(timeout) elsewhere (stop_process_group) never reaps the same exit and
    # takes the "no such child" that follows for an exit status of 0.
    lock = getattr(process, "_waitpid_lock", None)
    if wait4 is None or lock is None:
        process.wait()
        return
    with lock:
        if process.returncode is not None:
            return
        _, status, usage = wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    peakmemory.note(usage.ru_maxrss)


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
