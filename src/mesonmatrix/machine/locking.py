"""A lock per cell, build dir, build env and sdist, so two processes never share a compile.

POSIX: ``flock`` on ``<folder>.lock``. Windows: ``msvcrt.locking`` on one byte far past
the holder's pid text, so that a waiter can still read who holds the lock (Windows
refuses reads of a locked range).

A lock file is opened with ``O_NOFOLLOW`` and must be a regular file: a link planted where
a lock goes (another local user can plant one in a shared temporary folder) is refused,
never followed, and the holder's pid is written only into a file of this user's with one
link. The machine-wide locks live in a folder of this user's, made 0700 and checked.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from ..errors import LockRefused

if sys.platform == "win32":
    import msvcrt

    _FAR = 1 << 20

    def _try_lock(handle: IO[str], shared: bool = False) -> bool:
        # msvcrt has no shared locks: a shared holder excludes like any other.
        handle.seek(_FAR)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(handle: IO[str], shared: bool = False) -> None:
        while not _try_lock(handle, shared):
            time.sleep(0.5)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(_FAR)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str], shared: bool = False) -> bool:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(handle: IO[str], shared: bool = False) -> None:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # Windows has no symlinks a user could plant this way
_OPEN_FLAGS = os.O_RDWR | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _user_id() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def _open_lock(lock_path: Path, *, create: bool = True) -> IO[str]:
    """Open a lock file for locking, never through a link and never anything but a regular file."""
    if create:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(lock_path, _OPEN_FLAGS | (os.O_CREAT if create else 0), 0o644)
    except OSError as exc:
        # Linux and macOS say ELOOP for O_NOFOLLOW on a link, FreeBSD EMLINK (open(2)).
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise LockRefused(f"not using the lock file {lock_path}: it is a symbolic link (a lock is never followed "
                              "to another file; someone may have planted it): remove it and run again") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockRefused(f"not using the lock file {lock_path}: it is not a regular file; remove it and run again")
    return os.fdopen(fd, "r+")


def _say_holder(handle: IO[str]) -> None:
    """Write this process's pid for waiters to read: only into a file of this user's with
    one link (a hard link planted by someone else names a file that is not the lock's own)."""
    info = os.fstat(handle.fileno())
    uid = _user_id()
    if info.st_nlink != 1 or (uid is not None and info.st_uid != uid):
        return
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()


def _mark_used(handle: IO[str]) -> None:
    """The lock file's mtime says when a cell last used its folder (``machine.eviction``);
    a shared holder writes no pid, so it touches the file."""
    with contextlib.suppress(OSError, NotImplementedError):
        os.utime(handle.fileno() if os.utime in os.supports_fd else handle.name)


@contextlib.contextmanager
def exclusive_lock(folder: Path, say: Callable[[str], None], why: str = "") -> Iterator[None]:
    """Hold ``<folder>.lock``; if another process holds it, say so (and ``why``) and wait."""
    lock_path = folder.with_name(folder.name + ".lock")
    with _open_lock(lock_path) as handle:
        if not _try_lock(handle):
            say(f"waiting: {folder} is in use by {_holder(handle)}{why}")
            _lock(handle)
        _say_holder(handle)
        _mark_used(handle)
        try:
            yield
        finally:
            _unlock(handle)


@contextlib.contextmanager
def try_exclusive_lock(folder: Path) -> Iterator[bool]:
    """Hold ``<folder>.lock`` if nobody else does; yields whether it is held (never waits)."""
    lock_path = folder.with_name(folder.name + ".lock")
    with _open_lock(lock_path) as handle:
        if not _try_lock(handle):
            yield False
            return
        try:
            yield True
        finally:
            _unlock(handle)


# Machine-wide locks, whatever the workspace or cache, in a folder of this user's: a shared
# temporary folder is one every local user can write in, so a folder of one name for all
# users is one another user can make first, or fill with links.
MACHINE_LOCKS = Path(tempfile.gettempdir()) / f"mesonmatrix-locks-{_user_id() if os.name == 'posix' else 'user'}"


def private_folder(folder: Path) -> Path:
    """``folder``, made 0700 if missing; refused unless it is a real folder of this user's
    that nobody else can write in."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    info = os.lstat(folder)
    problem = None
    if stat.S_ISLNK(info.st_mode):
        problem = "it is a symbolic link"
    elif not stat.S_ISDIR(info.st_mode):
        problem = "it is not a folder"
    elif _user_id() is not None and info.st_uid != _user_id():
        problem = f"it belongs to uid {info.st_uid}, not to you (uid {_user_id()})"
    elif sys.platform != "win32" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = f"others can write in it (mode {stat.S_IMODE(info.st_mode):o}; `chmod 700 {folder}` fixes it)"
    if problem:
        raise LockRefused(f"not using the lock folder {folder}: {problem}; remove it, or set TMPDIR to a folder "
                          "of your own")
    return folder


def machine_lock(name: str) -> Path:
    """The path of a machine-wide lock (``exclusive_lock`` adds ``.lock``), in this user's folder."""
    return private_folder(MACHINE_LOCKS) / name


@contextlib.contextmanager
def shared_lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold ``<folder>.lock`` shared: any number of processes may use the folder at once
    (builds with one build env), while ``exclusive_lock`` (reinstalling that env) waits
    for all of them, and they for it."""
    lock_path = folder.with_name(folder.name + ".lock")
    with _open_lock(lock_path) as handle:
        if not _try_lock(handle, shared=True):
            say(f"waiting: {folder} is being changed by {_holder(handle)}")
            _lock(handle, shared=True)
        _mark_used(handle)
        try:
            yield
        finally:
            _unlock(handle)


def held_locks(root: Path) -> list[tuple[Path, str]]:
    """Every lock below ``root`` that a running process holds now, with who holds it: what a
    running cell (or a build, or an env install) is using there."""
    held = []
    for lock_path in sorted(root.rglob("*.lock")) if root.is_dir() else []:
        try:
            handle = _open_lock(lock_path, create=False)
        except (OSError, LockRefused):
            continue  # gone since, or not a lock file (a link is no lock, and is never followed)
        with handle:
            if _try_lock(handle, shared=False):
                _unlock(handle)
            else:
                held.append((lock_path, _holder(handle)))
    return held


def _holder(handle: IO[str]) -> str:
    """Who holds the lock, as its holder wrote it just after taking it.

    The holder writes its pid a moment after flock succeeds, so a waiter that looks
    in that moment finds the file empty: look again briefly before giving up.
    """
    for _ in range(20):
        handle.seek(0)
        text = handle.read().strip()
        if text:
            return text
        time.sleep(0.05)
    return "another process"
