"""A .deb's ``copyright`` file in Debian's machine-readable format 1.0
(https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/) and its control
Description, from the wheel's metadata.

Licences get Debian's short names (``Expat``, ``GPL-2+``, ``BSD-3-clause``); one Debian
ships in ``/usr/share/common-licenses`` is a pointer there (Debian Policy 12.5: lintian's
copyright-file-contains-full-apache-2-license and copyright-not-using-common-license-for-*
are errors otherwise), and the text is kept only for the others."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from .licenses import DEBIAN_SHIPS, Licence, LicenseText

FORMAT = "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
_VERSIONED = re.compile(r"(A|L)?GPL-(\d)\.(\d)(-only|-or-later|\+)?|GFDL-(\d)\.(\d)(-only|-or-later|\+)?")
# SPDX ids whose Debian short name differs (copyright-format 1.0, "License short name").
_RENAMED = {"MIT": "Expat", "Artistic-1.0-Perl": "Artistic", "Zlib": "Zlib", "BSL-1.0": "BSL-1.0"}
_HOLDER = re.compile(r"^\s*(?:copyright|\(c\)|©)\s*(?:\(c\)|©)?\s*:?\s*(.+)$", re.IGNORECASE)
# Template lines of licence texts (Apache's appendix, the GPL's "how to apply"), not holders.
_TEMPLATE = re.compile(r"\[yyyy\]|<year>|\{yyyy\}|\[name of|<name of|Free Software Foundation|holders? and contrib",
                       re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class Upstream:
    name: str
    source: str  # its home page or repository
    authors: tuple[str, ...]  # Author, Author-email, Maintainer, Maintainer-email as written


def debian_name(spdx_id: str) -> str:
    """One SPDX licence id as Debian's short name: GPL-2.0-or-later is GPL-2+,
    LGPL-2.1-only is LGPL-2.1, MIT is Expat, BSD-3-Clause is BSD-3-clause."""
    match = _VERSIONED.fullmatch(spdx_id)
    if match:
        family = spdx_id.split("-", 1)[0]
        major, minor, suffix = (match[2], match[3], match[4]) if match[2] else (match[5], match[6], match[7])
        return f"{family}-{major}{'' if minor == '0' else '.' + minor}{'+' if suffix in ('-or-later', '+') else ''}"
    if re.fullmatch(r"BSD-\d-Clause", spdx_id):
        return spdx_id.replace("Clause", "clause")
    return _RENAMED.get(spdx_id, spdx_id)


def debian_expression(spdx: str) -> str:
    """An SPDX expression in copyright-format's syntax: ``and``/``or`` in lower case,
    ``WITH X`` as ``with X exception``."""
    tokens = re.findall(r"\(|\)|[^\s()]+", spdx)
    out: list[str] = []
    exception = False
    for token in tokens:
        if token in ("AND", "OR"):
            out.append(token.lower())
        elif token == "WITH":
            exception = True
        elif exception:
            name = re.sub(r"-?exception-?", "-", token, flags=re.IGNORECASE).strip("-")
            out += ["with", f"{name} exception"]
            exception = False
        else:
            out.append(token if token in "()" else debian_name(token))
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def shipped_file(short_name: str) -> str | None:
    """The file of /usr/share/common-licenses that holds the licence, if Debian ships it."""
    base = short_name.removesuffix("+")
    return base if base in DEBIAN_SHIPS else None


def holders(texts: tuple[LicenseText, ...], upstream: Upstream) -> list[str]:
    """The copyright lines of the licence texts that are kept (a shipped licence's own
    lines are the FSF's or a template's), else the project's authors as the metadata names them."""
    found: dict[str, None] = {}
    for text in texts:
        if text.shipped:
            continue
        for line in text.text.splitlines():
            match = _HOLDER.match(line)
            if match and any(c.isdigit() for c in match[1]) and not _TEMPLATE.search(line):
                found[" ".join(match[1].split())] = None
    return list(found) or list(upstream.authors) or [f"the {upstream.name} authors"]


def _field_lines(text: str) -> str:
    """Text as a copyright-format field's continuation lines: each line indented by one
    space, an empty one as " ." (tabs expanded: lintian's tab-in-license-text)."""
    lines = [line.expandtabs().rstrip() for line in text.strip("\n").splitlines()]
    return "".join(f" {line}\n" if line.strip() else " .\n" for line in lines)


def _pointer(short_name: str, file: str) -> str:
    later = (" You may use it under that version of the licence or, at your option, any later one.\n"
             if short_name.endswith("+") else "")
    body = (f'On Debian systems, the complete text of this licence can be found in '
            f'"/usr/share/common-licenses/{file}".{later}')
    return _field_lines(textwrap.fill(body, 78))


def license_paragraphs(licence: Licence, short_names: list[str], upstream: Upstream) -> tuple[str, str]:
    """The stand-alone License paragraphs, and a Comment for kept texts no licence took."""
    kept = [t for t in licence.texts if not t.shipped]
    own = [n for n in short_names if shipped_file(n) is None]
    paragraphs = []
    for name in short_names:
        file = shipped_file(name)
        if file is not None:
            paragraphs.append(f"License: {name}\n{_pointer(name, file)}")
            continue
        mine = [t for t in kept if any(debian_name(s) == name for s in t.spdx)]
        if name == own[0]:
            mine += [t for t in kept if not any(debian_name(s) in own for s in t.spdx)]
        body = "\n\n".join(t.text.strip("\n") for t in dict.fromkeys(mine)) or (
            f"The upstream metadata names this licence, but the wheel carries no text of it; see {upstream.source}")
        paragraphs.append(f"License: {name}\n{_field_lines(body)}")
    rest = [t for t in kept if not own and t.text.strip()]
    comment = "".join(f"Comment:\n{_field_lines(t.text)}" for t in rest[:1])
    return "\n".join(paragraphs), comment


def copyright_file(licence: Licence, upstream: Upstream) -> str:
    """The whole copyright file: the header, one Files paragraph, the License paragraphs."""
    expression = (debian_expression(licence.expression) if licence.expression
                  else f"LicenseRef-{re.sub(r'[^A-Za-z0-9.-]+', '-', upstream.name)}")
    short_names = list(dict.fromkeys(t for t in re.findall(r"[^\s()]+", expression)
                                     if t not in ("and", "or", "with") and not t.endswith("exception")))
    paragraphs, comment = license_paragraphs(licence, short_names, upstream)
    who = holders(licence.texts, upstream)
    copyright_lines = who[0] + "".join(f"\n {h}" for h in who[1:])
    said = f"The licence was read from {licence.source}." if licence.expression else (
        "Its metadata names no licence this tool recognises.")
    return (f"Format: {FORMAT}\nUpstream-Name: {upstream.name}\nSource: {upstream.source}\n"
            f"Comment: Repackaged from its built wheel by mesonmatrix. {said}\n\n"
            f"Files: *\nCopyright: {copyright_lines}\nLicense: {expression}\n{comment}\n{paragraphs}")


def _prose(long_description: str) -> list[str]:
    """The paragraphs of a README that are sentences: no heading, badge, list, table,
    code or markup line; inline Markdown links and emphasis reduced to their words."""
    found = []
    for paragraph in re.split(r"\n\s*\n", long_description):
        lines = [line.strip() for line in paragraph.strip().splitlines()]
        if not lines or any(re.match(r"[#=\-*+|>!\[<`:.]|\d+\.", line) for line in lines):
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(lines))
        text = re.sub(r"[*_`]{1,2}([^*_`]+)[*_`]{1,2}", r"\1", text)
        if len(text.split()) >= 4:
            found.append(text)
    return found


def description(*, summary: str, long_description: str, name: str) -> str:
    """The control file's Description: a synopsis (the Summary, else the README's first
    sentence, else what the package is) and an extended text (the README's first prose
    paragraph, then how the package was made). lintian's description-is-pkg-name,
    description-too-short and description-starts-with-package-name are errors."""
    prose = _prose(long_description)
    first = re.split(r"(?<=[.!?])\s", prose[0], maxsplit=1)[0] if prose else ""
    synopsis = " ".join(summary.split()) or (first if 2 <= len(first.split()) and len(first) <= 75 else "")
    synopsis = synopsis[:75].rstrip(" .") or f"Python 3 module {name}"
    if synopsis.lower().startswith("python3-") or len(synopsis.split()) < 2:
        synopsis = f"Python 3 module: {synopsis}"
    extended = [p for p in prose[:1] if p.rstrip(".") != synopsis][:1]
    extended.append(f"This package holds the {name} module for Python 3, repackaged from its built wheel "
                    "by mesonmatrix, as a distro packager would.")
    body = "\n.\n".join(textwrap.fill(p[:800], 78) for p in extended)
    return synopsis + "\n" + "".join(f" {line}\n" for line in body.splitlines())
