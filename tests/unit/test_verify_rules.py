"""verify's platform rules, BLAS reading and split-pair checks, on binaries described
directly (what the ELF, Mach-O and PE readers return) and on small wheels made here."""

from __future__ import annotations

import zipfile
from pathlib import Path

from mesonmatrix.binaries import GEMM_SYMBOL, Binary
from mesonmatrix.verify import macosx, manylinux, windows
from mesonmatrix.verify.libraries import ExternalLibrary, WheelView, merge
from mesonmatrix.verify.pairs import find_pairs, pair_problems
from mesonmatrix.verify.staticblas import bound_blas


def elf(member: str, **kw) -> Binary:
    return Binary(member=member, format="ELF", archs=kw.pop("archs", ("x86_64",)), needed=kw.pop("needed", ()), **kw)


def view(platform: str, members=(), abi: str = "cp312", dll_dirs=()) -> WheelView:
    return WheelView(members=frozenset(members), platform=platform, abi=abi,
                     dll_dirs={d: "os.add_dll_directory in the test" for d in dll_dirs})


def rules_of(problems):
    return sorted(p.rule for p in problems)


def test_manylinux_bounds_glibc_versions_by_the_tag():
    ext = elf("pkg/_ext.so", needed=("libc.so.6",), symbol_versions={"libc.so.6": ("GLIBC_2.17", "GLIBC_2.34")})
    old = manylinux.check(ext, view("manylinux_2_28_x86_64"), set())
    assert rules_of(old) == ["glibc"] and "GLIBC_2.34" in old[0].detail and "2.28" in old[0].detail
    assert manylinux.check(ext, view("manylinux_2_34_x86_64"), set()) == []
    # The legacy alias names the same policy (manylinux2014 is manylinux_2_17).
    assert rules_of(manylinux.check(ext, view("manylinux2014_x86_64"), set())) == ["glibc"]


def test_manylinux_ignores_versions_of_bundled_libraries_and_the_loader():
    ext = elf("pkg.libs/libgfortran-abc.so.5", symbol_versions={"libquadmath-x.so.0": ("QUADMATH_1.0",),
                                                                 "ld-linux-x86-64.so.2": ("GLIBC_2.99",)})
    assert manylinux.check(ext, view("manylinux_2_17_x86_64"), {"libquadmath-x.so.0"}) == []


def test_manylinux_flags_arch_runpaths_outside_the_wheel_and_unrepaired_tags():
    ext = elf("pkg/_ext.so", archs=("aarch64",), search_paths=("/home/me/.matrix/envs/x/lib",))
    assert rules_of(manylinux.check(ext, view("manylinux_2_28_x86_64"), set())) == ["arch", "rpath"]
    assert rules_of(manylinux.check(ext, view("linux_x86_64"), set())) == ["tags"]


def test_manylinux_resolves_bundled_libraries_on_the_origin_runpath_only():
    members = {"pkg/_ext.so", "pkg.libs/libopenblas-1.so", "elsewhere/libfoo.so"}
    ext = elf("pkg/_ext.so", needed=("libopenblas-1.so", "libfoo.so", "libm.so.6", "libpython3.12.so.1.0"),
              search_paths=("$ORIGIN/../pkg.libs",))
    found = {r.name: (r.provided_by, r.path) for r in manylinux.resolve(ext, view("manylinux_2_28_x86_64", members))}
    assert found == {"libopenblas-1.so": ("wheel", "pkg.libs/libopenblas-1.so"), "libfoo.so": ("missing", None),
                     "libm.so.6": ("system", None), "libpython3.12.so.1.0": ("missing", None)}


def macho(member: str, **kw) -> Binary:
    return Binary(member=member, format="Mach-O", archs=kw.pop("archs", ("arm64",)), needed=kw.pop("needed", ()), **kw)


def test_macos_deployment_target_and_architectures_against_the_tag():
    ext = macho("pkg/_ext.so", min_macos=(14, 0))
    assert macosx.check(ext, view("macosx_14_0_arm64"), set()) == []
    late = macosx.check(ext, view("macosx_11_0_arm64"), set())
    assert rules_of(late) == ["macos-version"] and "14.0" in late[0].detail and "11.0" in late[0].detail
    assert rules_of(macosx.check(ext, view("macosx_14_0_universal2"), set())) == ["arch"]
    both = macho("pkg/_ext.so", archs=("x86_64", "arm64"), min_macos=(10, 13))
    assert macosx.check(both, view("macosx_10_13_universal2"), set()) == []


def test_a_universal2_binary_is_checked_slice_by_slice():
    # lxml 6.1.3's official macosx_10_13_universal2 wheel: x86_64 slices need 10.13, arm64
    # slices 11.0, the first macOS for arm64, which the tag cannot promise less than.
    lxml = macho("lxml/etree.so", archs=("x86_64", "arm64"), min_macos=(11, 0),
                 min_macos_by_arch={"x86_64": (10, 13), "arm64": (11, 0)})
    assert macosx.check(lxml, view("macosx_10_13_universal2"), set()) == []
    late = macho("pkg/_ext.so", archs=("x86_64", "arm64"), min_macos=(12, 0),
                 min_macos_by_arch={"x86_64": (12, 0), "arm64": (11, 0)})
    found = macosx.check(late, view("macosx_10_13_universal2"), set())
    assert rules_of(found) == ["macos-version"] and "its x86_64 slice" in found[0].detail


def test_macos_libraries_through_loader_path_and_rpath():
    members = {"pkg/_ext.so", "pkg/.dylibs/libgfortran.5.dylib", "pkg/.dylibs/libopenblas.dylib"}
    ext = macho("pkg/_ext.so", search_paths=("@loader_path/.dylibs",),
                needed=("@loader_path/.dylibs/libgfortran.5.dylib", "@rpath/libopenblas.dylib",
                        "/usr/lib/libSystem.B.dylib", "/opt/homebrew/lib/libomp.dylib", "@rpath/libgone.dylib"))
    found = {r.name: r.provided_by for r in macosx.resolve(ext, view("macosx_14_0_arm64", members))}
    assert found == {"@loader_path/.dylibs/libgfortran.5.dylib": "wheel", "@rpath/libopenblas.dylib": "wheel",
                     "/usr/lib/libSystem.B.dylib": "system", "/opt/homebrew/lib/libomp.dylib": "missing",
                     "@rpath/libgone.dylib": "missing"}


def pe(member: str, **kw) -> Binary:
    return Binary(member=member, format="PE", archs=kw.pop("archs", ("amd64",)), needed=kw.pop("needed", ()), **kw)


def test_windows_machine_type_against_the_tag():
    assert windows.check(pe("pkg/_ext.pyd"), view("win_amd64"), set()) == []
    assert rules_of(windows.check(pe("pkg/_ext.pyd", archs=("arm64",)), view("win_amd64"), set())) == ["arch"]


def test_windows_dlls_bundled_by_delvewheel_or_provided_by_windows_and_python():
    members = {"pkg/_ext.pyd", "pkg.libs/libopenblas-1a2b.dll", "pkg/__init__.py"}
    ext = pe("pkg/_ext.pyd", needed=("libopenblas-1a2b.dll", "KERNEL32.dll", "api-ms-win-crt-heap-l1-1-0.dll",
                                     "python312.dll", "VCRUNTIME140.dll", "MSVCP140.dll", "libgfortran-5.dll"))
    patched = {r.name: r.provided_by for r in windows.resolve(ext, view("win_amd64", members, dll_dirs={"pkg.libs"}))}
    assert patched == {"libopenblas-1a2b.dll": "wheel", "KERNEL32.dll": "system",
                       "api-ms-win-crt-heap-l1-1-0.dll": "system", "python312.dll": "system",
                       "VCRUNTIME140.dll": "system",
                       # Python does not ship the C++ runtime: delvewheel bundles it.
                       "MSVCP140.dll": "missing", "libgfortran-5.dll": "missing"}
    # Without delvewheel's patch nothing puts pkg.libs on the DLL search path.
    unpatched = {r.name: r.provided_by for r in windows.resolve(ext, view("win_amd64", members))}
    assert unpatched["libopenblas-1a2b.dll"] == "missing"


def _wheel_with(tmp_path, files: dict[str, str]):
    import zipfile

    path = tmp_path / "pkg-1.0-cp312-cp312-win_amd64.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return zipfile.ZipFile(path)


PRELOAD = """import os, os.path as op
from ctypes import WinDLL
if os.name == "nt":
    libs = op.join(op.dirname(__file__), ".libs")
    WinDLL(op.abspath(op.join(libs, "vcomp140.dll")))
    WinDLL(op.abspath(op.join(libs, "msvcp140.dll")))
"""
DELVEWHEEL = """def _delvewheel_patch():
    import os
    libs_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, 'pkg.libs'))
    if os.path.isdir(libs_dir):
        os.add_dll_directory(libs_dir)
_delvewheel_patch()
"""


def test_dlls_a_package_preloads_or_puts_on_the_path_are_provided_and_say_how(tmp_path):
    from mesonmatrix.verify.loaderpath import loader_path

    files = {"pkg/__init__.py": DELVEWHEEL, "pkg/_distributor_init.py": PRELOAD, "pkg/.libs/vcomp140.dll": "",
             "pkg/.libs/msvcp140.dll": "", "pkg.libs/libopenblas-1a2b.dll": "", "pkg/sub/_ext.pyd": ""}
    with _wheel_with(tmp_path, files) as archive:
        loader = loader_path(archive, frozenset(files))
    assert loader.dll_dirs == {"pkg.libs": "on the DLL search path: os.add_dll_directory in pkg/__init__.py"}
    assert loader.preloaded["vcomp140.dll"][0] == "pkg/.libs/vcomp140.dll"
    ext = pe("pkg/sub/_ext.pyd", needed=("VCOMP140.DLL", "MSVCP140.dll", "libopenblas-1a2b.dll", "libfoo.dll"))
    seen = WheelView(members=frozenset(files), platform="win_amd64", abi="cp312", dll_dirs=loader.dll_dirs,
                     preloaded=loader.preloaded)
    found = {r.name: (r.provided_by, r.via) for r in windows.resolve(ext, seen)}
    assert found["VCOMP140.DLL"] == ("wheel", "preloaded by pkg/_distributor_init.py (WinDLL)")
    assert found["libopenblas-1a2b.dll"][0] == "wheel" and "add_dll_directory" in found["libopenblas-1a2b.dll"][1]
    assert found["libfoo.dll"] == ("missing", None)  # neither bundled nor Windows'


def test_a_missing_visual_cpp_runtime_dll_is_named_as_such():
    assert "Visual C++ Redistributable" in windows.missing_detail("MSVCP140.dll")
    assert windows.missing_detail("libgfortran-5.dll") is None


def test_gemm_symbol_names_of_every_flavour():
    for name in ("dgemm_", "cblas_dgemm", "scipy_dgemm_64_", "scipy_cblas_dgemm64_", "_cblas_dgemm$NEWLAPACK$ILP64",
                 "sgemm_64_"):
        assert GEMM_SYMBOL.match(name), name
    for name in ("dgemv_", "dgemmt_x", "my_dgemm"):
        assert not GEMM_SYMBOL.match(name), name


def _blas(binaries, libraries):
    b = bound_blas(binaries, libraries)
    return b.name, b.int_size, b.bundled


def test_static_blas_reading():
    ext = elf("numpy/_core/_m.so", gemm_imports=("scipy_cblas_dgemm64_",))
    bundled64 = ExternalLibrary(name="libscipy_openblas64_-32a4.so", provided_by="wheel",
                                path="numpy.libs/libscipy_openblas64_-32a4.so", needed_by=[ext.member])
    assert _blas([ext], [bundled64]) == ("openblas", 64, True)
    ext32 = elf("pkg/_ext.so", gemm_imports=("scipy_dgemm_",))
    bundled32 = ExternalLibrary(name="libscipy_openblas-5e3a.so", provided_by="wheel", path="pkg.libs/x.so",
                                needed_by=[ext32.member])
    assert _blas([ext32], [bundled32]) == ("openblas", 32, True)
    accel = macho("numpy/_core/_m.so", gemm_imports=("_cblas_dgemm$NEWLAPACK$ILP64",))
    framework = ExternalLibrary(name="/System/Library/Frameworks/Accelerate.framework/Versions/A/Accelerate",
                                provided_by="system", needed_by=[accel.member])
    assert _blas([accel], [framework]) == ("accelerate", 64, False)
    debian = ExternalLibrary(name="libblas.so.3", provided_by="system", needed_by=[ext32.member])
    assert _blas([ext32], [debian]) == ("netlib", 32, False)
    assert _blas([elf("pkg/_ext.so")], [ExternalLibrary(name="libc.so.6", provided_by="system")]) == (None, None, False)
    static = elf("pkg/_linalg.so", gemm_exports=("dgemm_",))
    assert _blas([static], []) == ("static", 32, True)


def test_merge_names_every_binary_that_needs_a_library():
    from mesonmatrix.verify.libraries import Resolution

    a, b = elf("pkg/a.so"), elf("pkg/b.so")
    merged = merge([Resolution(needed_by="pkg/a.so", name="libm.so.6", provided_by="system"),
                    Resolution(needed_by="pkg/b.so", name="libm.so.6", provided_by="system")], [a, b])
    assert merged == [ExternalLibrary(name="libm.so.6", provided_by="system", needed_by=["pkg/a.so", "pkg/b.so"])]


def _wheel(folder: Path, name: str, files: dict[str, str], requires: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    path = folder / f"{dist}-1.0-cp312-cp312-linux_x86_64.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        archive.writestr(f"{dist}-1.0.dist-info/METADATA", metadata)
        archive.writestr(f"{dist}-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: cp312-cp312-linux_x86_64\n")
    return path


def test_split_pair_must_pin_and_partition(tmp_path):
    runtime = _wheel(tmp_path / "split", "pkg", {"pkg/__init__.py": ""})
    tests = _wheel(tmp_path / "split", "pkg-tests", {"pkg/tests/test_a.py": ""}, requires=("pkg==1.0",))
    full = _wheel(tmp_path / "full", "pkg", {"pkg/__init__.py": "", "pkg/tests/test_a.py": ""})
    (pair,) = find_pairs([runtime, tests, full])
    assert (pair.runtime, pair.tests, pair.full) == (runtime, tests, full)
    assert pair_problems(pair) == []

    loose = _wheel(tmp_path / "loose", "pkg-tests", {"pkg/tests/test_a.py": "", "pkg/tests/test_b.py": ""},
                   requires=("pkg>=1.0",))
    (pair,) = find_pairs([runtime, loose, full])
    problems = pair_problems(pair)
    assert [p.rule for p in problems] == ["split", "split"]
    assert ">=1.0" in problems[0].detail and "pkg/tests/test_b.py" in problems[1].detail


def test_a_grafted_library_finds_its_own_dependency_through_its_loaders_rpath():
    """SciPy 1.17.1's official manylinux wheel: libgfortran in scipy.libs has no RUNPATH and
    needs libquadmath; the extensions that load it carry DT_RPATH $ORIGIN/../../scipy.libs,
    which the loader also searches for their libraries' dependencies (DT_RUNPATH would not be)."""
    from mesonmatrix.verify.inspect import _check_platform

    members = {"scipy/linalg/_fblas.so", "scipy.libs/libgfortran-8f.so.5", "scipy.libs/libquadmath-82.so.0"}
    ext = elf("scipy/linalg/_fblas.so", needed=("libgfortran-8f.so.5",), search_paths=("$ORIGIN/../../scipy.libs",),
              inherited_paths=("$ORIGIN/../../scipy.libs",))
    gfortran = elf("scipy.libs/libgfortran-8f.so.5", needed=("libquadmath-82.so.0",))
    quadmath = elf("scipy.libs/libquadmath-82.so.0")
    problems, found = _check_platform(manylinux, [ext, gfortran, quadmath], view("manylinux_2_28_x86_64", members))
    assert problems == [] and {(r.name, r.provided_by) for r in found} == {
        ("libgfortran-8f.so.5", "wheel"), ("libquadmath-82.so.0", "wheel")}
    # With DT_RUNPATH instead, nothing is inherited: the dependency is missing.
    runpath_only = elf("scipy/linalg/_fblas.so", needed=("libgfortran-8f.so.5",),
                       search_paths=("$ORIGIN/../../scipy.libs",))
    problems, _ = _check_platform(manylinux, [runpath_only, gfortran, quadmath], view("manylinux_2_28_x86_64", members))
    assert [p.rule for p in problems] == ["library"] and "libquadmath-82.so.0" in problems[0].detail


def test_a_runpath_left_outside_the_wheel_is_a_warning_not_a_failure():
    ext = elf("scipy/special/cython_special.so", search_paths=("/opt/_internal/site-packages/scipy_openblas32/lib",))
    (found,) = manylinux.check(ext, view("manylinux_2_28_x86_64"), set())
    assert found.rule == "rpath" and found.warning


def test_a_library_finds_its_dependency_through_the_rpath_of_its_whole_loading_chain():
    """h5py 3.14.0's official manylinux_2_17 wheel: the extensions (DT_RPATH
    $ORIGIN/../h5py.libs) load libhdf5, which loads libsz, which loads libaec; none of the
    grafted libraries has a path of its own. The loader searches the DT_RPATH of each object
    up the chain that loaded libsz, so libaec is found (pyproj's libcurl and libnghttp2 too)."""
    from mesonmatrix.verify.inspect import _check_platform

    rpath = ("$ORIGIN/../h5py.libs",)
    ext = elf("h5py/h5.so", needed=("libhdf5-8c.so.310", "libc.so.6"), search_paths=rpath, inherited_paths=rpath)
    hdf5 = elf("h5py.libs/libhdf5-8c.so.310", needed=("libsz-b9.so.2", "libc.so.6"))
    sz = elf("h5py.libs/libsz-b9.so.2", needed=("libaec-7e.so.0",))
    aec = elf("h5py.libs/libaec-7e.so.0", needed=("libc.so.6",))
    members = {b.member for b in (ext, hdf5, sz, aec)}
    problems, found = _check_platform(manylinux, [ext, hdf5, sz, aec], view("manylinux_2_17_x86_64", members))
    assert problems == []
    aec_found = next(r for r in found if r.name == "libaec-7e.so.0")
    assert aec_found.path == "h5py.libs/libaec-7e.so.0" and "DT_RPATH of h5py/h5.so" in (aec_found.via or "")
    # $ORIGIN is the folder of the object whose DT_RPATH it is (here two levels below the
    # root), never that of the library being loaded.
    deep_rpath = ("$ORIGIN/../../h5py.libs",)
    deep = elf("h5py/sub/h5.so", needed=("libhdf5-8c.so.310",), search_paths=deep_rpath, inherited_paths=deep_rpath)
    problems, _ = _check_platform(manylinux, [deep, hdf5, sz, aec], view("manylinux_2_17_x86_64", members))
    assert problems == []
    # A library with a DT_RUNPATH of its own is searched there only: no loader's DT_RPATH.
    sz_runpath = elf("h5py.libs/libsz-b9.so.2", needed=("libaec-7e.so.0",), search_paths=("$ORIGIN/elsewhere",))
    problems, _ = _check_platform(manylinux, [ext, hdf5, sz_runpath, aec], view("manylinux_2_17_x86_64", members))
    assert [(p.member, p.rule) for p in problems] == [("h5py.libs/libsz-b9.so.2", "library")]


def test_import_names_come_from_the_wheel_never_from_the_distribution_name(tmp_path):
    from mesonmatrix.verify.importnames import import_names
    from mesonmatrix.verify.runhere import suite_for

    from handmade import make_wheel

    # psycopg2-binary 2.9.13: top_level.txt says psycopg2; auditwheel's folder is no package.
    psycopg2 = make_wheel(tmp_path, {"psycopg2/__init__.py": b"", "psycopg2/_psycopg.cpython-312-x86_64-linux-gnu.so":
                                     b"", "psycopg2_binary.libs/libpq-9b.so.5": b"",
                                     "psycopg2_binary-2.9.13.dist-info/top_level.txt": b"psycopg2\n"},
                          name="psycopg2-binary", version="2.9.13", tag="cp312-cp312-manylinux_2_17_x86_64")
    choice = suite_for(psycopg2, {}, None)
    assert (choice.args, choice.modules, choice.import_name) == (("psycopg2",), ("psycopg2",), "psycopg2")
    # scikit-image 0.25.2 (meson-python): no top_level.txt, the top-level entries say skimage.
    skimage = make_wheel(tmp_path, {"skimage/__init__.py": b"", "skimage/tests/test_a.py": b""},
                         name="scikit-image", version="0.25.2")
    assert suite_for(skimage, {}, None).args == ("skimage",)
    # Top-level modules are imported when nothing ships tests; names not importable are left out.
    mixed = make_wheel(tmp_path, {"six.py": b"", "_cffi_backend.cpython-312-x86_64-linux-gnu.so": b"",
                                  "mpl_toolkits/axes/__init__.py": b"", "data/x.json": b"", "my-tool.py": b""},
                       name="mixed")
    found = import_names(mixed)
    assert (found.packages, found.modules) == (("mpl_toolkits",), ("_cffi_backend", "mpl_toolkits", "six"))
    # The timeout: the option, else the cells' default.
    assert suite_for(mixed, {}, None).timeout == 3600 and suite_for(mixed, {}, None, 20).timeout == 20
