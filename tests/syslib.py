"""Build and install a "system" copy of the demo's kahan library into a prefix.

This is what a distro would ship: a shared libkahan with a kahan.pc. Its origin string
says "system", so an installed blasdemo reports which copy it really linked. Usage as a
script: ``python tests/syslib.py PREFIX [VERSION]``, then point PKG_CONFIG_PATH at
``PREFIX/lib/pkgconfig``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "demo"


def install_system_kahan(prefix: Path, version: str = "1.2.0") -> Path:
    """Compile libkahan.so into ``prefix/lib`` and write its .pc; return the pkgconfig dir."""
    source = DEMO / "vendored" / "kahan"
    lib, include, pkgconfig = prefix / "lib", prefix / "include", prefix / "lib" / "pkgconfig"
    for folder in (lib, include, pkgconfig):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "kahan.h", include / "kahan.h")
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-O2", '-DKAHAN_ORIGIN="system"', "-Wl,-soname,libkahan.so.1",
         "-o", str(lib / "libkahan.so.1"), str(source / "kahan.c")],
        check=True,
    )
    link = lib / "libkahan.so"
    link.unlink(missing_ok=True)
    link.symlink_to("libkahan.so.1")
    (pkgconfig / "kahan.pc").write_text(
        f"prefix={prefix}\nlibdir=${{prefix}}/lib\nincludedir=${{prefix}}/include\n\n"
        f"Name: kahan\nDescription: compensated summation (system copy)\nVersion: {version}\n"
        "Libs: -L${libdir} -lkahan\nCflags: -I${includedir}\n"
    )
    return pkgconfig


if __name__ == "__main__":
    print(install_system_kahan(Path(sys.argv[1]).resolve(), *sys.argv[2:3]))
