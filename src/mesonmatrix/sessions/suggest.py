"""A session name nox does not know gets the closest one this noxfile registers suggested.

nox reads ``-s`` after it has loaded the noxfile and then says only "Sessions not found";
the noxfile sees the command line first (nox has parsed it, but the session list is not
passed to the noxfile), so it reads the names from ``sys.argv`` and ``NOXSESSION`` itself
(nox's own option names: ``-s``, ``-e``, ``--session``, ``--sessions``; a value runs to the
next option, as argparse's ``nargs="*"`` takes it).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

_SESSION_FLAGS = ("-s", "-e", "--session", "--sessions")


def requested_sessions(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The session names a nox command line asks for (``-s a b``, ``--session=a``), else ``NOXSESSION``'s."""
    names: list[str] = []
    taking = False
    for arg in argv:
        if arg == "--":
            break
        flag, equals, value = arg.partition("=")
        if arg in _SESSION_FLAGS:
            taking = True
        elif equals and flag in _SESSION_FLAGS:
            names += [value]
            taking = False
        elif arg.startswith("-"):
            taking = False
        elif taking:
            names.append(arg)
    if not names and environ.get("NOXSESSION"):
        names = [name for name in environ["NOXSESSION"].split(",") if name]
    return names


def unknown_session_hints(requested: Iterable[str], known: Iterable[str]) -> list[str]:
    """One line for each requested name that is no session: the closest known one, if any is close."""
    names = list(known)
    hints = []
    for name in requested:
        if name in names:
            continue
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        hints.append(f"mesonmatrix: no session {name} in this noxfile; {hint}(nox -l lists them all)")
    return hints


def suggest_close_sessions(known: Iterable[str], argv: Sequence[str] = sys.argv,
                           environ: Mapping[str, str] | None = None) -> None:
    """Print the hints when nox runs this noxfile (never when something else imports it):
    ``nox`` itself, or ``python -m nox`` (whose ``argv[0]`` is ``nox/__main__.py``)."""
    program = Path(argv[0]) if argv else Path()
    if "nox" not in (program.name, program.parent.name):
        return
    for line in unknown_session_hints(requested_sessions(argv[1:], os.environ if environ is None else environ),
                                      known):
        print(line, file=sys.stderr)
