"""A plain install (no extras) runs wheel cells: nothing a wheel cell imports needs the verify
or repackage extras, and each feature that does says so in one line with the fix."""

import subprocess
import sys
import textwrap

import pytest

from mesonmatrix.errors import PrerequisiteMissing
from mesonmatrix.machine.extras import EXTRAS, require_extra

# Runs in a fresh interpreter where the extras' modules cannot be imported, as after
# `pip install mesonmatrix` without them.
WITHOUT_EXTRAS = textwrap.dedent("""
    import importlib.abc, importlib.machinery, sys
    BLOCKED = set(sys.argv[1].split(","))

    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Absent())
    import importlib.util
    real_find_spec = importlib.util.find_spec
    importlib.util.find_spec = lambda name, *a: None if name.split(".")[0] in BLOCKED else real_find_spec(name, *a)
""")


def run_without_extras(code: str) -> subprocess.CompletedProcess[str]:
    blocked = sorted({m for modules in EXTRAS.values() for m in modules})
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS + textwrap.dedent(code), ",".join(blocked)],
                          capture_output=True, text=True)


def test_everything_a_wheel_cell_imports_loads_without_the_extras():
    out = run_without_extras("""
        import mesonmatrix.sessions, mesonmatrix.pipeline, mesonmatrix.cli
        import mesonmatrix.stages.repair, mesonmatrix.stages.package, mesonmatrix.verify
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        print("loaded:", loaded)
    """)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "loaded: []" in out.stdout


def test_a_feature_without_its_extra_names_the_extra_in_one_line():
    out = run_without_extras("""
        import tempfile
        from pathlib import Path
        from mesonmatrix.binaries import read_binary
        from mesonmatrix.errors import PrerequisiteMissing
        with tempfile.TemporaryDirectory() as scratch:
            macho = Path(scratch) / "x.dylib"
            macho.write_bytes(bytes.fromhex("cffaedfe") + bytes(60))  # a 64-bit Mach-O's magic
            try:
                read_binary("x.dylib", macho)
            except PrerequisiteMissing as exc:
                print("message:", exc)
    """)
    assert out.returncode == 0, out.stderr[-2000:]
    (line,) = [x for x in out.stdout.splitlines() if x.startswith("message:")]
    assert "'verify' extra" in line and "pip install 'mesonmatrix[verify]'" in line and "macholib" in line


def test_require_extra_passes_when_installed_and_names_what_is_missing():
    require_extra("verify", "nox -s verify", ("json",))  # present: no error
    with pytest.raises(PrerequisiteMissing, match=r"a \.deb cell needs mesonmatrix's 'repackage' extra "
                                                  r"\(missing: no_such_module_here\): python -m pip install"):
        require_extra("repackage", "a .deb cell", ("no_such_module_here",))
