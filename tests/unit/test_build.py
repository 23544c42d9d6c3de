"""When a stored wheel may be reused, and when the build dir must start afresh."""

from pathlib import Path

import pytest

from mesonmatrix.stages.build import build_command
from mesonmatrix.store.fingerprints import build_fingerprint, configure_fingerprint
from mesonmatrix.store.wheelstore import commit_store, stored_wheel
from mesonmatrix.targets.sources import source_tree_digest


def fingerprint(tmp_path, source_digest, setup=("-Dblas=scipy-openblas",), env=None, tags=()):
    argv = build_command(
        Path("py"), tmp_path, build_dir=Path("b"), out_dir=Path("o1"), setup_args=setup, install_tags=tags
    )
    configure = configure_fingerprint(setup_args=setup, env=env or {}, build_env_packages=["meson==1.0"])
    return build_fingerprint(argv=argv, source_digest=source_digest, configure=configure, env=env or {})


def test_source_change_changes_the_digest(tmp_path):
    (tmp_path / "a.c").write_text("int a;")
    before = source_tree_digest(tmp_path)
    (tmp_path / "a.c").write_text("int b;")
    assert source_tree_digest(tmp_path) != before


def test_build_artifacts_do_not_change_the_digest(tmp_path):
    (tmp_path / "a.c").write_text("int a;")
    before = source_tree_digest(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_text("x")
    (tmp_path / "__pycache__").mkdir()
    # meson touches subprojects/.wraplock on every setup; it is not a source.
    (tmp_path / "subprojects").mkdir()
    (tmp_path / "subprojects" / ".wraplock").write_text("")
    assert source_tree_digest(tmp_path) == before


def test_fingerprint_tracks_options_env_and_tags_not_outdir(tmp_path):
    base = fingerprint(tmp_path, "s")
    argv = build_command(
        Path("py"),
        tmp_path,
        build_dir=Path("b"),
        out_dir=Path("elsewhere"),
        setup_args=("-Dblas=scipy-openblas",),
        install_tags=(),
    )
    configure = configure_fingerprint(setup_args=("-Dblas=scipy-openblas",), env={}, build_env_packages=["meson==1.0"])
    assert build_fingerprint(argv=argv, source_digest="s", configure=configure, env={}) == base
    assert fingerprint(tmp_path, "s2") != base
    assert fingerprint(tmp_path, "s", setup=("-Dblas=openblas",)) != base
    assert fingerprint(tmp_path, "s", env={"CC": "gcc-11"}) != base
    assert fingerprint(tmp_path, "s", tags=("tests",)) != base


def test_a_new_pc_file_changes_the_configure_fingerprint(tmp_path):
    env = {"PKG_CONFIG_PATH": str(tmp_path)}
    before = configure_fingerprint(setup_args=(), env=env, build_env_packages=[])
    (tmp_path / "kahan.pc").write_text("Version: 1.2.0\n")
    assert configure_fingerprint(setup_args=(), env=env, build_env_packages=[]) != before


def test_a_library_installed_where_pkg_config_looks_by_default_changes_the_configure_fingerprint(tmp_path):
    # apt-get install libqhull-dev puts qhull_r.pc in pkg-config's default folder, named by
    # no variable: a pkg-config on PATH that answers pc_path, as Debian's does.
    default, bin_dir = tmp_path / "default-pc", tmp_path / "bin"
    default.mkdir()
    bin_dir.mkdir()
    tool = bin_dir / "pkg-config"
    tool.write_text(f'#!/bin/sh\n[ "$*" = "--variable pc_path pkg-config" ] && echo "{default}"\n')
    tool.chmod(0o755)
    env = {"PATH": str(bin_dir)}
    before = configure_fingerprint(setup_args=(), env=env, build_env_packages=[])
    (default / "qhull_r.pc").write_text("Version: 8.0.2\n")
    assert configure_fingerprint(setup_args=(), env=env, build_env_packages=[]) != before
    # PKG_CONFIG_LIBDIR replaces the default, as it does for pkg-config itself.
    elsewhere = tmp_path / "libdir"
    elsewhere.mkdir()
    assert configure_fingerprint(setup_args=(), env={**env, "PKG_CONFIG_LIBDIR": str(elsewhere)},
                                 build_env_packages=[]) != configure_fingerprint(setup_args=(), env=env,
                                                                                 build_env_packages=[])


def test_stored_wheel_needs_a_matching_stamp(tmp_path):
    partial, store = tmp_path / "full.partial", tmp_path / "full"
    partial.mkdir()
    (partial / "x-1.0-py3-none-any.whl").write_bytes(b"PK wheel bytes")
    assert stored_wheel(partial, "f") is None  # no stamp: a build was cut short
    commit_store(partial, store, "f")
    assert stored_wheel(store, "f") == store / "x-1.0-py3-none-any.whl"
    assert stored_wheel(store, "g") is None


@pytest.mark.parametrize("damage", ["truncate", "edit", "no-sha"])
def test_a_stored_wheel_whose_bytes_changed_is_made_again(tmp_path, damage):
    partial, store = tmp_path / "full.partial", tmp_path / "full"
    partial.mkdir()
    (partial / "x-1.0-py3-none-any.whl").write_bytes(b"PK wheel bytes" * 100)
    commit_store(partial, store, "f")
    wheel = store / "x-1.0-py3-none-any.whl"
    if damage == "truncate":
        wheel.write_bytes(wheel.read_bytes()[:30])
    elif damage == "edit":
        wheel.write_bytes(wheel.read_bytes().replace(b"wheel", b"wheeL", 1))
    else:
        (store / "wheel.sha256").unlink()
    said = []
    assert stored_wheel(store, "f", said.append) is None
    assert said and "making it again" in said[0] and wheel.name in said[0]


def test_installing_ccache_changes_the_configure_fingerprint(tmp_path):
    """Meson picks ccache up only at setup, so its arrival must start a fresh build dir."""
    without = configure_fingerprint(setup_args=(), env={"PATH": str(tmp_path)}, build_env_packages=[])
    ccache = tmp_path / "ccache"
    ccache.write_text("#!/bin/sh\n")
    ccache.chmod(0o755)
    assert configure_fingerprint(setup_args=(), env={"PATH": str(tmp_path)}, build_env_packages=[]) != without


def test_losing_pkg_config_changes_the_configure_fingerprint(tmp_path):
    """Meson caches pkg-config's answers in a build dir: without pkg-config the dir starts afresh."""
    fake = tmp_path / "pkg-config"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    with_it = configure_fingerprint(setup_args=(), env={"PATH": str(tmp_path)}, build_env_packages=[])
    fake.unlink()
    assert configure_fingerprint(setup_args=(), env={"PATH": str(tmp_path)}, build_env_packages=[]) != with_it


def test_a_download_the_build_cannot_make_is_named():
    from mesonmatrix.machine.mesoninfo import meson_error

    tail = ("fatal: unable to access 'https://github.com/c-util/c-siphash.git/': Could not resolve host: github.com\n"
            "ERROR: Subproject libcsiphash-1 is buildable: NO\n")
    assert meson_error(tail).startswith("the build downloads https://github.com/c-util/c-siphash.git/")
    assert meson_error("meson.build:3:0: ERROR: Dependency x not found\n") == \
        "meson.build:3:0: ERROR: Dependency x not found"


def test_the_blas_a_stored_wheel_links_is_read_once_while_the_wheel_is_unchanged(tmp_path):
    import json
    import os
    import shutil
    import zipfile

    from mesonmatrix.stages.build import _linked_blas

    elf = Path(os.__file__).parents[1] / "libpython3.so"  # any ELF shared object stands in for an extension
    elf = elf if elf.is_file() else Path("/usr/lib/x86_64-linux-gnu/libm.so.6")
    if not elf.is_file():
        pytest.skip("needs an ELF shared library to stand in for an extension")
    wheel = tmp_path / "demo-1.0-cp312-cp312-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(elf, "demo/_ext.so")
    assert _linked_blas(wheel) == ()  # libm loads no BLAS
    sidecar = wheel.with_name(wheel.name + ".linked-blas.json")
    kept = json.loads(sidecar.read_text())
    kept["linked"] = ["libsentinel.so (openblas)"]
    sidecar.write_text(json.dumps(kept))
    assert _linked_blas(wheel) == ("libsentinel.so (openblas)",)  # from the sidecar, not re-read
    shutil.copy(wheel, tmp_path / "copy.whl")
    os.replace(tmp_path / "copy.whl", wheel)  # a rebuilt wheel: another mtime
    os.utime(wheel, ns=(1, 1))
    assert _linked_blas(wheel) == ()
