"""The run-time BLAS probe: its decisions that do not need a loader (on Windows, which
loaded module is the wheel's BLAS), and, on Linux, real shared libraries through the loader."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mesonmatrix.providers.families import probe_table
from mesonmatrix.testing import blasprobe
from mesonmatrix.testing.blasprobe import bundled_by, choose_provider


def test_windows_keeps_the_blas_the_wheel_brings_never_another_packages(tmp_path):
    site = tmp_path / "site-packages"
    package, grafted, numpys = site / "scipy", site / "scipy.libs", site / "numpy.libs"
    found = [(str(numpys / "libscipy_openblas64_-abc.dll"), "scipy_dgemm_64_"),
             (str(grafted / "libscipy_openblas-def.dll"), "scipy_dgemm_")]
    assert choose_provider(found, [str(package)], "scipy") == (str(grafted / "libscipy_openblas-def.dll"),
                                                                "scipy_dgemm_")
    # NumPy's own OpenBLAS, loaded because the package imports numpy, is not the package's BLAS.
    assert choose_provider(found[:1], [str(package)], "scipy") is None


def test_a_blas_linked_into_the_extension_is_the_wheels(tmp_path):
    package = tmp_path / "site-packages" / "blasdemo"
    assert bundled_by(str(package / "_linalg.cp312-win_amd64.pyd"), [str(package)], "blasdemo")
    assert not bundled_by(str(tmp_path / "Windows" / "System32" / "mkl_rt.2.dll"), [str(package)], "blasdemo")


def _shared(cc: str, out: Path, code: str, *libs: str) -> Path:
    source = out.with_suffix(".c")
    source.write_text(code)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(source), f"-L{out.parent}",
                    f"-Wl,-rpath,{out.parent}", *libs], check=True)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("cc"), reason="ELF and a C compiler")
def test_a_hybrid_build_proves_the_expected_integer_size_by_any_extension(tmp_path):
    """SciPy's ILP64 build calls the LP64 scipy-openblas from most extensions and the ILP64
    one from a few: given the size the cell expects, the probe names an extension that
    calls a library of that size; without it, the first extension that calls any BLAS."""
    cc = shutil.which("cc")
    libs, package = tmp_path / "libs", tmp_path / "site" / "hybrid"
    libs.mkdir()
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    _shared(cc, libs / "libfake32.so", 'void scipy_dgemm_(void) {}\n'
            'const char *scipy_openblas_get_config(void) { return "OpenBLAS 0.3 DYNAMIC_ARCH"; }\n')
    _shared(cc, libs / "libfake64.so", 'void scipy_dgemm_64_(void) {}\n'
            'const char *scipy_openblas_get_config64_(void) { return "OpenBLAS 0.3 USE64BITINT"; }\n')
    _shared(cc, package / "_a_lp64.so", "void scipy_dgemm_(void);\nvoid a(void) { scipy_dgemm_(); }\n",
            f"-L{libs}", f"-Wl,-rpath,{libs}", "-lfake32")
    _shared(cc, package / "_b_ilp64.so", "void scipy_dgemm_64_(void);\nvoid b(void) { scipy_dgemm_64_(); }\n",
            f"-L{libs}", f"-Wl,-rpath,{libs}", "-lfake64")

    def probe(*wanted: str) -> dict:
        out = subprocess.run([sys.executable, blasprobe.__file__, "hybrid", json.dumps(probe_table()), *wanted],
                             capture_output=True, text=True, check=True, cwd=tmp_path,
                             env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
        return json.loads(out.stdout)

    first, ilp64, lp64 = probe(), probe("64"), probe("32")
    assert (first["name"], first["int_size"], Path(first["extension"]).name) == ("openblas", 32, "_a_lp64.so")
    assert (ilp64["name"], ilp64["int_size"], Path(ilp64["extension"]).name) == ("openblas", 64, "_b_ilp64.so")
    assert lp64["extension"] == first["extension"]
