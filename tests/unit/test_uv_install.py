"""Locked installs take uv's cache alone when it holds every pinned file, and ask the index
only when it does not: real uv, a real wheel, a real (local) index that counts its requests."""

import base64
import contextlib
import hashlib
import http.server
import io
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from mesonmatrix.errors import CommandFailed
from mesonmatrix.machine.commands import CommandRunner
from mesonmatrix.machine.uv import create_venv_command, install_from_lock, uv_binary


def _tiny_wheel(folder: Path) -> Path:
    wheel_file = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files = {"tinypkg/__init__.py": "VALUE = 1\n",
             "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
             "tinypkg-1.0.dist-info/WHEEL": wheel_file}

    def digest(text: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()

    record = "".join(f"{name},sha256={digest(text)},{len(text.encode())}\n" for name, text in files.items())
    path = folder / "tinypkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("tinypkg-1.0.dist-info/RECORD", record + "tinypkg-1.0.dist-info/RECORD,,\n")
    return path


@pytest.fixture
def index(tmp_path):
    """A PEP 503 index on 127.0.0.1 serving one wheel; yields (url, digest, requests made)."""
    root = tmp_path / "index"
    (root / "simple" / "tinypkg").mkdir(parents=True)
    wheel = _tiny_wheel(root)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (root / "simple" / "tinypkg" / "index.html").write_text(
        f'<html><body><a href="../../{wheel.name}#sha256={digest}">{wheel.name}</a></body></html>\n')
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple", digest, requests
    server.shutdown()


def test_a_cached_lock_is_installed_without_asking_the_index(tmp_path, index):
    url, digest, requests = index
    lock = tmp_path / "test.txt"
    lock.write_text(f"--index-url {url}\ntinypkg==1.0 --hash=sha256:{digest}\n")
    uv = uv_binary()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
           "UV_PYTHON_DOWNLOADS": "never", "NO_PROXY": "127.0.0.1"}
    runner = CommandRunner(log=tmp_path / "cell.log", env=env, stream=io.StringIO())
    for name in ("first", "second"):
        venv = tmp_path / name
        runner.run(create_venv_command(uv, Path(sys.executable), venv), label="venv")
        venv_py = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        asked = len(requests)
        install_from_lock(runner, uv, venv_py, lock, label="install")
        if name == "first":  # an empty cache: the offline attempt fails, the index serves
            assert len(requests) > asked
            assert "were unavailable because the network was disabled" in runner.log.read_text()
            assert "lacked a file: the index is asked next" in runner.log.read_text()
        else:  # everything cached: one offline install, no request at all
            assert len(requests) == asked
        assert runner.run([venv_py, "-c", "import tinypkg; print(tinypkg.VALUE)"], label="import").stdout.strip() \
            .endswith("1")
    log = runner.log.read_text()
    assert log.count(" pip install ") == 3 and log.count("--offline --no-build\n") == 2
    assert "not all in uv's cache: from the index" in runner.stream.getvalue()


@pytest.mark.parametrize("setting", ["UV_NO_CACHE", "UV_OFFLINE"])
def test_without_a_cache_or_offline_anyway_there_is_one_install(tmp_path, index, setting):
    url, digest, requests = index
    lock = tmp_path / "test.txt"
    lock.write_text(f"--index-url {url}\ntinypkg==1.0 --hash=sha256:{digest}\n")
    uv = uv_binary()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
           "UV_PYTHON_DOWNLOADS": "never", "NO_PROXY": "127.0.0.1", setting: "1"}
    runner = CommandRunner(log=tmp_path / "cell.log", env=env, stream=io.StringIO())
    runner.run(create_venv_command(uv, Path(sys.executable), tmp_path / "v"), label="venv")
    with contextlib.suppress(CommandFailed):  # offline with an empty cache: uv's own error, once
        install_from_lock(runner, uv, tmp_path / "v" / "bin" / "python", lock, label="install")
    log = runner.log.read_text()
    assert log.count(" pip install ") == 1 and "--offline" not in log
    assert bool(requests) == (setting == "UV_NO_CACHE")
