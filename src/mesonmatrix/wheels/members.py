"""Reading wheel files: hashes and what their members are."""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import parse_wheel_filename

_METADATA_DIRS = re.compile(r"^[^/]+\.(dist-info|libs)/")
# Test modules, not every conftest.py: NumPy and SciPy tag their package-level
# conftest.py (pytest configuration for their test() entry points) python-runtime.
_TEST_FILE = re.compile(r"(^|/)tests?/(.*/)?(test_[^/]*|[^/]*_test|conftest)\.py$")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def payload_files(wheel: Path) -> set[str]:
    """Files a wheel installs, without its dist-info and grafted ``*.libs/`` folders."""
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if not n.endswith("/") and not _METADATA_DIRS.match(n)}


def has_native_code(wheel: Path) -> bool:
    """Does the wheel hold compiled code? A repair tool refuses a wheel that has none."""
    with zipfile.ZipFile(wheel) as archive:
        return any(n.endswith((".so", ".pyd", ".dylib", ".dll")) or ".so." in n for n in archive.namelist())


def grafted_libraries(wheel: Path) -> list[str]:
    """Shared libraries a repair tool copied into the wheel (``<name>.libs/``, ``.dylibs``)."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(
            n.rsplit("/", 1)[-1]
            for n in archive.namelist()
            if not n.endswith("/") and re.match(r"^[^/]+(\.libs|/\.dylibs)/", n)
        )


def stray_test_files(wheel: Path) -> list[str]:
    """Test modules a wheel would install: a runtime-only wheel must have none."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(n for n in archive.namelist() if _TEST_FILE.search(n))


@dataclass(frozen=True)
class TagTriple:
    """A wheel file name's tags as written: ``packaging.utils.parse_wheel_filename`` checks
    the name and gives the tags as a set; the order and spelling are kept here because they
    carry meaning (auditwheel writes the policy it repaired for as the first platform tag,
    and a cut wheel keeps its full wheel's spelling byte for byte)."""

    python: str  # cp312, or py2.py3
    abi: str
    platforms: tuple[str, ...]  # in the name's order

    def __str__(self) -> str:
        return f"{self.python}-{self.abi}-{'.'.join(self.platforms)}"


def wheel_tags(name: str) -> TagTriple:
    """The tags of a wheel file name, checked by ``packaging`` and kept as written."""
    parse_wheel_filename(name)  # raises InvalidWheelFilename for anything else
    python, abi, platforms = name.removesuffix(".whl").split("-")[-3:]
    return TagTriple(python=python, abi=abi, platforms=tuple(platforms.split(".")))
