"""Finding a usable interpreter for a cell's Python version.

``python3.12`` on PATH may be a pyenv shim that fails unless that version is selected, so
a name on PATH is only trusted after it has run. Then pyenv's versions folder, then uv's
discovery (never downloading). If nothing works, the error says how to make it visible.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from ..errors import PrerequisiteMissing
from .apt import ensure_apt_packages
from .commands import CommandRunner, probe
from .uv import uv_binary

# major.minor, and "t" for a free-threaded build (Py_GIL_DISABLED), as the matrix spells it.
_TAG = "'%d.%d' % sys.version_info[:2] + ('t' if sysconfig.get_config_var('Py_GIL_DISABLED') else '')"
_VERSION_CODE = f"import sys, sysconfig; print({_TAG})"
# Both answers at once: the matrix's spelling, then major.minor.micro.
_FACTS_CODE = f"import platform, sys, sysconfig; print({_TAG}, platform.python_version())"
# "distro" on the python axis (model.DISTRO_PYTHON): the distribution's own interpreter. On
# Debian and Ubuntu that is /usr/bin/python3, a link to python3.X (Debian Python Policy 1.1).
DISTRO = "distro"
DISTRO_INTERPRETER = Path("/usr/bin/python3")


def distro_version(interpreter: Path | None = None) -> str | None:
    """``3.11`` for the distro's python3, read from the name its link resolves to
    (``python3.11``) so that planning every cell does not start it; run only when the
    name does not say. None when there is no such interpreter."""
    interpreter = interpreter or DISTRO_INTERPRETER
    if not interpreter.exists():
        return None
    named = re.fullmatch(r"python(3\.\d+)", interpreter.resolve().name)
    return named[1] if named else interpreter_version(interpreter)


def axis_version(value: str) -> str:
    """The ``X.Y`` a python-axis value stands for: the value, or the distro's python3's
    for "distro" ("distro" itself where there is none: the cell then skips, saying so)."""
    return (distro_version() or value) if value == DISTRO else value


def interpreter_version(executable: Path | str) -> str | None:
    """``3.12`` (or ``3.13t``, free-threaded) of a working interpreter, or None if it does not run."""
    out = probe([str(executable), "-c", _VERSION_CODE])
    return out.stdout.strip() if out is not None and out.returncode == 0 else None


def full_version(executable: Path | str, *, cache_file: Path | None = None) -> str | None:
    """``major.minor.micro`` of a working interpreter (``3.12.1``), or None if it does not run."""
    facts = _facts(Path(executable), cache_file)
    return facts[1] if facts else None


def _signature(executable: Path) -> str | None:
    """What changes when the interpreter does: its resolved file's identity and mtime."""
    try:
        st = executable.resolve().stat()
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _facts(executable: Path, cache_file: Path | None) -> tuple[str, str] | None:
    """(``3.12``, ``3.12.1``) of an interpreter: run once, then remembered in ``cache_file``
    for as long as the interpreter's file is unchanged. Each query is a Python start-up
    (about 0.1 s), and every cell asked two of them."""
    signature = _signature(executable)
    known = _read_cache(cache_file)
    key = f"facts:{executable}"
    cached = known.get(key)
    if signature and isinstance(cached, list) and len(cached) == 3 and cached[0] == signature:
        return str(cached[1]), str(cached[2])
    out = probe([str(executable), "-c", _FACTS_CODE])
    if out is None or out.returncode != 0 or len(out.stdout.split()) != 2:
        return None
    tag, full = out.stdout.split()
    if cache_file is not None and signature:
        known[key] = [signature, tag, full]
        _write_cache(cache_file, known)
    return tag, full


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", path.name))


def candidates(version: str) -> list[Path]:
    """``python3.12`` on PATH, then pyenv's 3.12.* folders, newest first. A free-threaded
    ``3.13t`` is ``python3.13t`` on PATH and pyenv's ``3.13.*t`` folders."""
    base, suffix = version.removesuffix("t"), "t" if version.endswith("t") else ""
    found: list[Path] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(Path(on_path))
    versions = pyenv_root() / "versions"
    if versions.is_dir():
        # Newest patch release first: 3.12.10 before 3.12.9.
        for folder in sorted(versions.glob(f"{base}.*"), key=_version_key, reverse=True):
            if re.fullmatch(rf"{re.escape(base)}\.\d+{suffix}", folder.name):
                found.append(folder / "bin" / f"python{version}")
    return found


def find_python(version: str, *, cache_file: Path | None = None) -> Path:
    """A working interpreter for ``version``; ``cache_file`` remembers the answer.

    Discovery runs each candidate, and a failing pyenv shim alone costs about 0.1 s, on
    every cell. The cached answer is keyed by PATH and PYENV_VERSION and still has to
    report the right version before it is used: by running, or, while its file is
    unchanged, from what it reported before.
    """
    if version == DISTRO:
        return _distro_interpreter()
    key = json.dumps([version, os.environ.get("PATH", ""), os.environ.get("PYENV_VERSION", "")])
    cached = _read_cache(cache_file).get(key)
    if isinstance(cached, str):
        facts = _facts(Path(cached), cache_file)
        if facts is not None and facts[0] == version:
            return Path(cached)
    found = own_executable(_discover(version))
    if cache_file is not None:
        known = _read_cache(cache_file)
        known[key] = str(found)
        _write_cache(cache_file, known)
    return found


def _write_cache(cache_file: Path, known: dict[str, object]) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    partial = cache_file.with_name(f"{cache_file.name}.{os.getpid()}")
    partial.write_text(json.dumps(known, indent=1))
    partial.replace(cache_file)


def own_executable(candidate: Path) -> Path:
    """The interpreter a candidate really runs (a pyenv shim execs another binary), so
    that every shell names one interpreter alike: build envs record which one made them,
    and one made by another name would be made again under a running build."""
    out = probe([str(candidate), "-c", "import sys; print(sys.executable)"])
    named = Path(out.stdout.strip()) if out is not None and out.returncode == 0 else None
    return named if named is not None and named.is_absolute() and named.is_file() else candidate


def _read_cache(cache_file: Path | None) -> dict[str, object]:
    if cache_file is None:
        return {}
    try:
        loaded = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _distro_interpreter() -> Path:
    """/usr/bin/python3 as it is: never the interpreter it links to, so that the build's
    shebangs and the package's Depends name the one the distro's packages use."""
    if distro_version() is None:
        raise PrerequisiteMissing(f"Python 'distro' is the distribution's own {DISTRO_INTERPRETER}, which this machine "
                                  "does not have (or it does not run); on Debian or Ubuntu: apt-get install python3")
    return DISTRO_INTERPRETER


def ensure_distro_headers(runner: CommandRunner) -> None:
    """The distro's python3-dev (Python.h and python3.pc), which meson-python needs to build
    against /usr/bin/python3, installed with apt when missing (as every apt need is)."""
    version = distro_version()
    ensure_apt_packages(runner, ["python3-dev"], lambda: Path(f"/usr/include/python{version}/Python.h").is_file(),
                        f"building for the distro's Python {version}")


def python_pc_files(python: Path) -> list[Path]:
    """The interpreter's own pkg-config files (``python3.pc``, ``python-3.12.pc``, their
    ``-embed`` twins) from its ``LIBPC``, as meson's python dependency reads them
    (mesonbuild/dependencies/python.py searches LIBPC alone). A plain
    ``dependency('python3')`` searches pkg-config's default folders instead, where the
    system's python3.pc (another version) is found first."""
    out = probe([str(python), "-c", "import sysconfig; print(sysconfig.get_config_var('LIBPC') or '')"])
    folder = Path(out.stdout.strip()) if out is not None and out.returncode == 0 and out.stdout.strip() else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("python*.pc") if re.fullmatch(r"python(3|-3\.\d+t?)(-embed)?\.pc", p.name))


def _discover(version: str) -> Path:
    for candidate in candidates(version):
        if interpreter_version(candidate) == version:
            return candidate
    uv = uv_binary()
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    out = probe([uv, "python", "find", "--no-python-downloads", version], env=env, timeout=60)
    if out is not None and out.returncode == 0 and interpreter_version(out.stdout.strip()) == version:
        return Path(out.stdout.strip())
    raise PrerequisiteMissing(
        f"Python {version} was not found: `python{version}` on PATH does not run and neither pyenv "
        f"({pyenv_root() / 'versions'}) nor `uv python find` has it. Make it visible with "
        f"`pyenv install {version}` then `pyenv global <your default> {version}` "
        f"(or `export PYENV_VERSION=<x.y.z>`), or install it with your OS package manager."
    )
