"""A project's licence as an SPDX expression, found where its metadata says it, in order:
core metadata's License-Expression (PEP 639), a one-line License field that is an SPDX
expression, its trove classifiers, and last the text of its licence files (or of a
License field that holds a whole text) recognised against the licences Debian ships in
``/usr/share/common-licenses`` and a few short permissive ones by their wording.

A recognised full text is what a distribution replaces by a pointer to its own copy
(Debian's copyright file, lintian's copyright-file-contains-full-apache-2-license)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

COMMON_LICENSES = Path("/usr/share/common-licenses")
# Debian's base-files ships these (file name -> the SPDX id of its text); a GPL-2 file
# serves GPL-2.0-only and GPL-2.0-or-later alike. From base-files 12.4 (Debian 12).
# A full text says nothing of "or later": it is named "-only" unless the metadata says more.
DEBIAN_SHIPS = {"Apache-2.0": "Apache-2.0", "GPL-1": "GPL-1.0-only", "GPL-2": "GPL-2.0-only",
                "GPL-3": "GPL-3.0-only", "LGPL-2": "LGPL-2.0-only", "LGPL-2.1": "LGPL-2.1-only",
                "LGPL-3": "LGPL-3.0-only", "MPL-1.1": "MPL-1.1", "MPL-2.0": "MPL-2.0", "CC0-1.0": "CC0-1.0",
                "GFDL-1.2": "GFDL-1.2-only", "GFDL-1.3": "GFDL-1.3-only", "Artistic": "Artistic-1.0-Perl"}

# Classifiers that name one licence exactly (PEP 639's mapping of trove classifiers to
# SPDX, where it is one to one). "BSD License" and "GNU General Public License (GPL)"
# name no version and are settled by the text instead.
CLASSIFIERS = {
    "Apache Software License": "Apache-2.0",
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "ISC License (ISCL)": "ISC",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "zlib/libpng License": "Zlib",
    "The Unlicense (Unlicense)": "Unlicense",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "Python Software Foundation License": "PSF-2.0",
}

# Short permissive licences Debian does not ship, known by their wording (the SPDX list's
# texts); tried after the shipped ones.
_WORDING = (
    ("MIT", ("permission is hereby granted free of charge to any person obtaining a copy",)),
    ("ISC", ("permission to use copy modify and or distribute this software for any purpose with or without fee",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
)
_SHINGLE = 8  # words per shingle: long enough that two licences rarely share one
_MATCH = 0.9  # the share of a licence's shingles a text holds to be that licence's text


@dataclass(frozen=True, kw_only=True)
class LicenseText:
    name: str  # the file it came from ("LICENSE"), or "License field"
    text: str
    spdx: tuple[str, ...] = ()  # the licences recognised in it
    shipped: bool = False  # every part of it is a licence Debian ships: a pointer replaces it


@dataclass(frozen=True, kw_only=True)
class Licence:
    expression: str  # an SPDX expression, "" when none was found
    source: str  # where it was found ("its License field", "the text of LICENSE"), "" when nowhere
    texts: tuple[LicenseText, ...] = field(default_factory=tuple)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + _SHINGLE]) for i in range(max(len(words) - _SHINGLE + 1, 1))}


def _terms(text: str) -> str:
    """A licence's terms: from its TERMS AND CONDITIONS heading to their end where it has
    them (the preambles carry the FSF's postal address, which older copies give otherwise)."""
    start = re.search(r"(?m)^\s*TERMS AND CONDITIONS", text)
    end = text.find("END OF TERMS AND CONDITIONS")
    return text[start.start() if start else 0:end if end > 0 else len(text)]


@dataclass(frozen=True)
class Reference:
    terms: frozenset[tuple[str, ...]]  # what a text must hold to be this licence's
    whole: frozenset[tuple[str, ...]]  # what a text may hold and still be nothing but this licence


References = dict[str, Reference]


def shipped_references(folder: Path = COMMON_LICENSES) -> References:
    """The licence texts in ``folder`` that Debian ships, by SPDX id, as shingles."""
    found = {}
    for name, spdx in DEBIAN_SHIPS.items():
        path = folder / name
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="replace")
            found[spdx] = Reference(terms=frozenset(_shingles(_words(_terms(text)))),
                                    whole=frozenset(_shingles(_words(text))))
    return found


def _held(own: set[tuple[str, ...]], references: References) -> list[str]:
    """The licences whose terms ``own`` holds, best first; of two near-identical licences
    (the LGPL 2.0 and 2.1) only the one it holds better."""
    scores = {spdx: len(ref.terms & own) / len(ref.terms) for spdx, ref in references.items() if ref.terms}
    held: list[str] = []
    for spdx in sorted((s for s, score in scores.items() if score >= _MATCH), key=lambda s: -scores[s]):
        terms = references[spdx].terms
        if all(len(terms & references[other].terms) < _MATCH * len(terms) for other in held):
            held.append(spdx)
    return held


def recognise(name: str, text: str, references: References) -> LicenseText:
    """Which licences ``text`` holds whole: Debian's shipped ones by shingles, then the
    short permissive ones by their wording; ``shipped`` when those cover nearly all of it."""
    words = _words(text)
    own = _shingles(words)
    held = _held(own, references)
    covered = frozenset().union(*(references[s].whole for s in held))
    shipped = bool(held) and len(own - covered) <= (1 - _MATCH) * len(own) + 40  # a copyright line or two
    if not held:
        joined = " ".join(words)
        held = [spdx for spdx, phrases in _WORDING if all(p in joined for p in phrases)][:1]
    return LicenseText(name=name, text=text, spdx=tuple(held), shipped=shipped)


def spdx_or_none(text: str) -> str | None:
    """``text`` as a canonical SPDX expression, or None when it is not one."""
    try:
        return str(canonicalize_license_expression(" ".join(text.split())))
    except InvalidLicenseExpression:
        return None


def _from_classifiers(classifiers: Iterable[str]) -> str | None:
    names = [c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License ::")]
    found = list(dict.fromkeys(CLASSIFIERS[n] for n in names if n in CLASSIFIERS))
    # Several licence classifiers say the user may choose (PEP 639 reads them as OR).
    return " OR ".join(found) if found and len(found) == len(names) else None


def _from_texts(texts: tuple[LicenseText, ...]) -> str | None:
    ids = list(dict.fromkeys(s for t in texts for s in t.spdx))
    if "LGPL-3.0-only" in ids:  # the LGPL-3 is read with the GPL-3 beside it (COPYING.LESSER and COPYING)
        ids.remove("GPL-3.0-only") if "GPL-3.0-only" in ids else None
    return " AND ".join(ids) or None


def identify(*, expression: str, license_field: str, classifiers: Iterable[str], files: dict[str, str],
             references: References) -> Licence:
    """The licence of a project from its metadata and licence files (name -> text)."""
    texts = [recognise(name, text, references) for name, text in files.items() if text.strip()]
    one_line = len(license_field.strip().splitlines()) == 1
    if license_field.strip() and not one_line:
        texts.append(recognise("License field", license_field, references))
    found = tuple(texts)
    if expression.strip() and (spdx := spdx_or_none(expression)):
        return Licence(expression=spdx, source="its License-Expression field", texts=found)
    if one_line and (spdx := spdx_or_none(license_field)):
        return Licence(expression=spdx, source="its License field", texts=found)
    if spdx := _from_classifiers(classifiers):
        return Licence(expression=spdx, source="its trove classifiers", texts=found)
    if spdx := _from_texts(found):
        return Licence(expression=spdx, source=f"the text of {', '.join(t.name for t in found if t.spdx)}", texts=found)
    return Licence(expression="", source="", texts=found)
