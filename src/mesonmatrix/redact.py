"""Credentials out of what the tool prints and writes.

An index URL may carry them (``https://user:TOKEN@host/simple``, as private and nightly
indexes are given in CI). uv strips them from what it writes; the tool's own echo of a
command, its logs, its records and its report must too: GitHub masks a secret in the job
log, not in an uploaded artifact or a published report.
"""

from __future__ import annotations

import re

# scheme://userinfo@ — the userinfo (a user, a token, or user:password) up to the last
# "@" before the host, with no "/" in it.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s'\"]+@")


def redacted(text: str) -> str:
    """``text`` with every URL's credentials replaced by ``***``."""
    return _USERINFO.sub(r"\1***@", text)


def without_credentials(url: str) -> str:
    """``url`` with its credentials left out, as uv names an index in what it writes."""
    return _USERINFO.sub(r"\1", url)
