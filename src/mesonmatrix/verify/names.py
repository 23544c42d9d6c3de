"""Member names as an installer writes them, as a case-insensitive filesystem sees them, and
as verify shows them.

An installer joins each member's name to the install folder and lets the filesystem
resolve it: ``pkg/./x.py`` and ``pkg//x.py`` are the file ``pkg/x.py``. macOS (APFS, HFS+)
folds case and Unicode normalisation (NFC/NFD) by default and Windows (NTFS) folds case,
so there ``pkg/Mod.py`` and ``pkg/mod.py``, or ``é`` written as one code point and as
``e`` with a combining accent, are one file too: the second copy written replaces the
first. Names come from the wheel, so a name may hold a newline or a terminal escape:
shown raw it would forge a line of verify's own output.
"""

from __future__ import annotations

import unicodedata


def canonical(name: str) -> str:
    """The path an installer writes ``name`` to: ``.`` and empty folder names dropped."""
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def folded(name: str) -> str:
    """The file ``name`` is on a case-insensitive, normalising filesystem (macOS, Windows):
    case and Unicode normalisation folded, and each part's trailing dots and spaces dropped,
    as Windows drops them when it opens a path (so ``pkg/__init__.py.`` and
    ``pkg/__init__.py `` are ``pkg/__init__.py`` there; Microsoft's "Naming Files, Paths,
    and Namespaces")."""
    parts = unicodedata.normalize("NFC", canonical(name)).casefold().split("/")
    return "/".join(part.rstrip(". ") or part for part in parts)


def shown(text: str) -> str:
    """``text`` as one printable line: each character that is not printable (newline,
    carriage return, escape, bidirectional overrides …) written as its Python escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
