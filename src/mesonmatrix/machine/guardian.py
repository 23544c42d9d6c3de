"""A watcher that outlives the tool: when the tool dies, however it dies, what it started
is ended.

Ctrl-C, SIGTERM and SIGHUP unwind the tool, which then ends its commands itself
(``commands.stop_process_group`` and the leftover sweep). A SIGKILL, an out-of-memory
kill or a crash leaves no chance to: the build or the test suite would run on under
PID 1. So the first command a process starts also starts a guardian, a small Python
process in a session of its own that reads a pipe from the tool: the process groups of
the commands running now ("+pid" and "-pid" lines), and nothing else. When the pipe
closes (the tool exited, whatever the cause) the guardian ends those groups and every
process whose environment carries this tool's token (``GUARDIAN_TOKEN``: a daemon that
left its command's group and session still inherited it), TERM first and KILL after a
grace period, and exits. After a clean exit the groups are empty and no process carries
the token: it exits at once.

``prctl(PR_SET_PDEATHSIG)`` was not enough: it reaches only the direct child (``python -m
build``, not ninja or the compilers), fires when the parent *thread* exits, and needs a
``preexec_fn``, which is unsafe in a process with threads (the output readers).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import threading

GUARDIAN_TOKEN = "MESONMATRIX_GUARDIAN_TOKEN"

# Run with -S -I: no site-packages, .pth files or user environment, so it starts in
# about 15 ms and nothing of the user's is imported into it.
_GUARDIAN = r'''
import os, signal, sys, time
token = ("%s=" % sys.argv[1] + sys.argv[2]).encode()
groups = set()
for line in sys.stdin:
    line = line.strip()
    if line[1:].isdigit():
        (groups.add if line[0] == "+" else groups.discard)(int(line[1:]))

def marked():
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open("/proc/%s/environ" % entry, "rb") as handle:
                    if token in handle.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                pass
    return found

for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 1.0)):
    targets = marked()
    for group in groups:
        try:
            os.killpg(group, sig)
        except OSError:
            pass
    for pid in targets:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    if not groups and not targets:
        break
    end = time.monotonic() + wait
    while time.monotonic() < end and marked():
        time.sleep(0.1)
'''

_lock = threading.Lock()
_pipe: list[subprocess.Popen[str]] = []  # the guardian of this process, once started
_token = secrets.token_hex(8)


def token_env() -> dict[str, str]:
    """The variable every command this process starts carries, so the guardian knows it."""
    return {GUARDIAN_TOKEN: _token}


def _guardian() -> subprocess.Popen[str] | None:
    """This process's guardian, started with the first command (Linux only: it finds
    processes through /proc); None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    with _lock:
        if _pipe and _pipe[0].poll() is None:
            return _pipe[0]
        _pipe.clear()
        with contextlib.suppress(OSError):
            _pipe.append(subprocess.Popen(
                [sys.executable, "-S", "-I", "-c", _GUARDIAN, GUARDIAN_TOKEN, _token],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                start_new_session=True, close_fds=True, pass_fds=(),
                # Without a token of its own: where this tool runs inside another's command,
                # the outer guardian ends this tool but leaves its guardian to end what it started.
                env={k: v for k, v in os.environ.items() if k != GUARDIAN_TOKEN},
            ))
        return _pipe[0] if _pipe else None


def _tell(line: str) -> None:
    guardian = _guardian()
    if guardian is None or guardian.stdin is None:
        return
    with _lock, contextlib.suppress(OSError, ValueError):
        guardian.stdin.write(line + "\n")
        guardian.stdin.flush()


def guardian_session() -> int | None:
    """The guardian's session (its own), which no leftover sweep may end; starts it."""
    guardian = _guardian()
    return guardian.pid if guardian is not None else None


def watch(group: int) -> None:
    """A command's process group is running: the guardian ends it if the tool dies."""
    _tell(f"+{group}")


def unwatch(group: int) -> None:
    """The command has ended (and its group with it)."""
    _tell(f"-{group}")
