"""The run-time BLAS probe's decisions that do not need a loader: on Windows, which loaded
module is the wheel's BLAS (the loader part runs there only; see blasprobe.py)."""

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
