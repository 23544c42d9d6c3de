"""A real package index (PEP 503 simple pages over HTTP, on 127.0.0.1) serving hand-made
wheels: a test's "nightly-wheels index" with a new release that breaks a project."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from handmade import make_wheel


def broken_release(name: str, version: str, message: str, metadata: str = "") -> tuple[str, str, Mapping[str, bytes],
                                                                                          str]:
    """A release of ``name`` whose import raises ``message``."""
    module = name.replace("-", "_")
    return name, version, {f"{module}/__init__.py": f"raise ImportError({message!r})\n".encode()}, metadata


def write_index(root: Path, releases: list[tuple[str, str, Mapping[str, bytes], str]]) -> Path:
    """``root/simple/<name>/index.html`` linking each release's wheel with its sha256."""
    files = root / "files"
    by_name: dict[str, list[Path]] = {}
    for name, version, members, metadata in releases:
        by_name.setdefault(name, []).append(make_wheel(files, members, name=name, version=version, metadata=metadata))
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    (simple / "index.html").write_text("".join(f'<a href="{n}/">{n}</a>\n' for n in by_name))
    for name, wheels in by_name.items():
        (simple / name).mkdir(exist_ok=True)
        links = "".join(f'<a href="../../files/{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">'
                        f"{w.name}</a>\n" for w in wheels)
        (simple / name / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    return root


@contextlib.contextmanager
def serving(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP for the block; yields the simple index's URL."""
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass
