"""Every process a command started, found and ended when the command is over.

A test suite may leave processes behind: a ``Popen`` it never waited for, or a daemon
that forked twice and called ``setsid`` to leave the suite's process group (and that may
still hold the suite's output pipe, so that reading the output never ends). On Linux this
process makes itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``, see
prctl(2)): an orphaned descendant is then re-parented to it instead of to PID 1, so it
stays findable as a descendant here, and can be ended and reaped. Elsewhere only the
command's own process group is reachable (``commands.stop_process_group``).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
_PROC = Path("/proc")


@dataclass(frozen=True)
class Leftover:
    pid: int
    command: str  # its command line, for the cell log


_subreaper: bool | None = None


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants (once; Linux only). True when it is."""
    global _subreaper
    if _subreaper is None:
        _subreaper = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                # The process's own symbols (dlopen(NULL)), which include libc's prctl:
                # ctypes.util.find_library("c") runs `ldconfig -p` (2-60 ms a cell).
                libc = ctypes.CDLL(None, use_errno=True)
                _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return _subreaper


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process /proc shows (empty without /proc)."""
    parents: dict[int, int] = {}
    if not _PROC.is_dir():
        return parents
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # The command name (field 2) is in parentheses and may hold spaces: split after it.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1].isdigit():
            parents[int(entry.name)] = int(fields[1])
    return parents


@functools.cache  # the kernel's, for the life of the process
def _children_files_work() -> bool:
    """Whether the kernel lists each task's children (``/proc/<pid>/task/<tid>/children``:
    Linux 3.5+ with CONFIG_PROC_CHILDREN, which Debian's and Ubuntu's kernels have)."""
    return Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").is_file()


def _children(pid: int) -> list[int]:
    """``pid``'s children, from every one of its threads' ``children`` file (a child is
    listed under the thread that started it). A thread that exits hands its children to
    another thread's list, perhaps one already read: so the threads are listed again after
    the reading, and everything is read again until the list of threads holds still."""
    try:
        tasks = sorted(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return []  # it ended while we looked
    for _ in range(20):
        found: set[int] = set()
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listing:
                    found.update(int(child) for child in listing.read().split())
            except (OSError, ValueError):
                continue
        try:
            now = sorted(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            return sorted(found)
        if now == tasks:
            break
        tasks = now
    return sorted(found)


def descendants(pid: int | None = None) -> list[int]:
    """Every living descendant of ``pid`` (this process by default).

    Walked down from ``pid`` through the kernel's children lists where it has them: about
    0.3 ms, against 5 ms for reading every process's ``stat`` (79 processes on this
    machine, two scans a command). A process forked during the walk can be missed by
    either way of looking (proc(5) calls the lists exact only for stopped children; the
    kernel's ``get_children_pid`` may skip a child whose sibling is reaped meanwhile);
    ``end_leftovers`` repeats its sweep while ending one process frees another."""
    root = os.getpid() if pid is None else pid
    children_of: Callable[[int], list[int]] = _children
    if not _children_files_work():
        by_parent: dict[int, list[int]] = {}
        for child, parent in _parents().items():
            by_parent.setdefault(parent, []).append(child)
        children_of = lambda parent: by_parent.get(parent, [])  # noqa: E731
    found, queue = [], list(children_of(root))
    while queue:
        child = queue.pop()
        found.append(child)
        queue.extend(children_of(child))
    return found


def _command_line(pid: int) -> str:
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() or "?"


def _is_zombie(pid: int) -> bool:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2:].startswith("Z")


def end_leftovers(keep: set[int] | frozenset[int] = frozenset(), grace: float = 3.0,
                  spared_sessions: Callable[[], AbstractContextManager[frozenset[int]]] | None = None,
                  give_up_after: float = 60.0) -> list[Leftover]:
    """End every descendant of this process except ``keep`` (and theirs) and those in the
    sessions ``spared_sessions`` yields (commands still running beside this one; the
    processes are listed inside it, so a command it guards cannot start unseen meanwhile):
    SIGTERM, then SIGKILL after ``grace`` seconds, then reap those that are now this
    process's children. Returns what was ended, for the log.

    Sweeps again while any is left, until none is (a child re-parented here only as its
    parent died; a daemon that forks again when it gets SIGTERM). Only the first sweep is
    polite: later ones send SIGKILL at once, which no process can answer with a fork.
    ``give_up_after`` seconds bound the whole (a process this user may not signal)."""
    ended: dict[int, Leftover] = {}
    spared: frozenset[int] = frozenset()
    signals = [signal.SIGTERM, getattr(signal, "SIGKILL", signal.SIGTERM)]
    stop = time.monotonic() + give_up_after
    while time.monotonic() < stop:
        with spared_sessions() if spared_sessions else contextlib.nullcontext(frozenset()) as sessions:
            listed = descendants()
            spared = frozenset(pid for pid in listed if session_of(pid) in sessions)
            alive = [pid for pid in listed if pid not in keep and pid not in spared and not _is_zombie(pid)]
        if not alive:
            break
        for pid in alive:
            ended.setdefault(pid, Leftover(pid=pid, command=_command_line(pid)))
        for sig in signals:
            for pid in alive:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
            deadline = min(stop, time.monotonic() + grace)
            while time.monotonic() < deadline and any(not _is_zombie(p) for p in alive if _exists(p)):
                time.sleep(0.05)
        signals = signals[-1:]
        _reap(frozenset(keep) | spared)
    _reap(frozenset(keep) | spared)
    return list(ended.values())


def session_of(pid: int) -> int | None:
    """The session ``pid`` is in (None where there are no sessions, or it is gone)."""
    getsid: Callable[[int], int] | None = getattr(os, "getsid", None)  # POSIX only
    if getsid is None:
        return None
    try:
        return getsid(pid)
    except OSError:
        return None


def _exists(pid: int) -> bool:
    return (_PROC / str(pid)).exists()


def _reap(keep: set[int] | frozenset[int]) -> None:
    """Collect the exit status of every ended child of this process that nobody waits for."""
    if sys.platform == "win32":
        return  # no re-parenting to reap there
    for pid in descendants():
        if pid in keep:
            continue
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
