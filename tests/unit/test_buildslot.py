"""The flavours' shared build slot: who may seed whom, and a slot left by a stopped build."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mesonmatrix.machine.workspace import BuildSlot
from mesonmatrix.store.buildslot import OWNER_FILE, SEED_KEY_SUFFIX, build_in_slot, can_seed, seed_key
from mesonmatrix.store.trust import stamp_of

ENV = Path("/envs/py3.12-openblas-0123")  # a flavour's build env (the link may point anywhere)
PACKAGES = ["meson==1.12.1", "meson-python==0.20.0", "scipy-openblas32==0.3.34", "cython==3.3.1"]
INPUTS = "configure fingerprint\n/build/t-py3.12-linux.slot"  # what a completed build's stamp names


def key(*, setup_args=("-Dblas=openblas",), env=None, packages=PACKAGES):
    return seed_key(python="3.12", env=env or {"PATH": "/nowhere"}, build_env_packages=packages,
                    setup_args=setup_args)


def test_a_flavour_seeds_another_that_sets_every_option_it_set():
    openblas = key(setup_args=("-Dblas=openblas", "-Dlapack=openblas"))
    openblas64 = key(setup_args=("-Dblas=openblas", "-Dlapack=openblas", "-Duse-ilp64=true"),
                     packages=[*PACKAGES[:2], "scipy-openblas64==0.3.34", PACKAGES[3]])
    netlib = key(setup_args=("-Dblas=netlib-blas", "-Dlapack=netlib-lapack"), packages=[*PACKAGES[:2], PACKAGES[3]])
    mkl = key(setup_args=("-Dblas=mkl-dynamic-lp64-seq", "-Dlapack=mkl-dynamic-lp64-seq"),
              packages=[*PACKAGES[:2], PACKAGES[3], "mkl-devel==2025.3.0", "tbb==2022.3.0"])
    assert can_seed(openblas, openblas64)  # the flavour's own package aside, the same tools
    assert can_seed(openblas, netlib)
    assert can_seed(openblas, mkl)  # MKL's runtime packages are in its env only
    # netlib would keep use-ilp64=true: meson keeps an option until it is set again.
    assert not can_seed(openblas64, netlib)


@pytest.mark.parametrize("change", [
    {"env": {"PATH": "/nowhere", "CC": "clang"}},  # compilers are fixed at the first setup
    {"packages": ["meson==1.11.0", *PACKAGES[1:]]},  # another meson
    {"env": {"PATH": "/nowhere", "CFLAGS": "-O0"}},
])
def test_different_compilers_or_tools_never_seed(change):
    assert not can_seed(key(), key(**change))
    assert not can_seed(None, key())
    assert not can_seed("not json", key())


def ctx(said):
    return said.append


def slot_of(tmp_path: Path, flavour: str, *siblings: str) -> BuildSlot:
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    return BuildSlot(path=build / "t-py3.12-linux.slot", home=build / f"t-py3.12-{flavour}-linux",
                     env_link=tmp_path / "envs" / "t-py3.12-linux.slot",
                     siblings=tuple(build / f"t-py3.12-{s}-linux" for s in siblings))


def configured(folder: Path, seed: str, mtime: int = 1_000_000, *, completed_with: str | None = INPUTS) -> Path:
    """A configured build dir; ``completed_with``: the inputs of the last build completed in it
    (None: the last build in it was stopped)."""
    if completed_with is not None:
        stamp_of(folder).write_text(completed_with)
    (folder / "meson-private").mkdir(parents=True)
    (folder / "meson-private" / "coredata.dat").write_text("coredata")
    (folder / "build.ninja").write_text("rules")
    (folder / "obj.o").write_text("object")
    os.utime(folder / "obj.o", (mtime, mtime))
    folder.with_name(folder.name + SEED_KEY_SUFFIX).write_text(seed)
    return folder


def test_a_kept_build_dir_goes_into_the_slot_and_back(tmp_path):
    slot = slot_of(tmp_path, "openblas")
    configured(slot.home, key())
    with build_in_slot(slot, key(), ENV, ctx([]), inputs=INPUTS) as use:
        assert use.seeded_from is None and not slot.home.exists()
        assert (slot.path / "obj.o").read_text() == "object"
        assert (slot.path / OWNER_FILE).read_text() == slot.home.name
    assert (slot.home / "obj.o").is_file() and not slot.path.exists() and not (slot.home / OWNER_FILE).exists()


def test_a_new_build_dir_is_a_copy_of_a_matching_sibling_with_its_mtimes(tmp_path):
    slot = slot_of(tmp_path, "netlib", "openblas", "openblas64")
    configured(slot.siblings[0], key(setup_args=("-Dblas=openblas",)), mtime=1_000_000)
    configured(slot.siblings[1], key(setup_args=("-Dblas=openblas", "-Duse-ilp64=true")), mtime=2_000_000)
    said = []
    with build_in_slot(slot, key(setup_args=("-Dblas=netlib",)), ENV, ctx(said), inputs=INPUTS) as use:
        assert use.seeded_from == slot.siblings[0].name  # not openblas64, whose use-ilp64 would stay set
        assert (slot.path / "obj.o").stat().st_mtime == 1_000_000
    assert (slot.home / "obj.o").is_file() and (slot.siblings[0] / "obj.o").is_file()
    assert "new build dir started from t-py3.12-openblas-linux" in said[0]
    assert json.loads(slot.home.with_name(slot.home.name + SEED_KEY_SUFFIX).read_text())["options"] == ["-Dblas"]


def test_a_system_library_mode_starts_from_its_own_flavours_build_dir_first(tmp_path):
    # openblas with use-system-libraries=auto: the none mode of openblas, not a newer mkl.
    build = tmp_path / "build"
    build.mkdir()
    slot = BuildSlot(path=build / "t-py3.12-linux.slot", home=build / "t-py3.12-openblas-linux-auto",
                     env_link=tmp_path / "envs" / "t-py3.12-linux.slot",
                     siblings=(build / "t-py3.12-mkl-linux-none", build / "t-py3.12-openblas-linux-none"))
    options = ("-Dblas=x", "-Duse-system-libraries=x")
    configured(slot.siblings[1], key(setup_args=options))
    configured(slot.siblings[0], key(setup_args=options))
    os.utime(slot.siblings[0] / "build.ninja", (4_000_000_000, 4_000_000_000))  # mkl's is the newest
    with build_in_slot(slot, key(setup_args=options), ENV, ctx([]), inputs=INPUTS) as use:
        assert use.seeded_from == "t-py3.12-openblas-linux-none"


def test_a_build_dir_configured_at_another_slot_path_never_seeds():
    here, there = (seed_key(python="3.12", env={"PATH": "/nowhere"}, build_env_packages=PACKAGES, setup_args=(),
                            slot=Path(p)) for p in ("/b/t-py3.12-linux.slot", "/b/t-py3.12-linux-none.slot"))
    assert not can_seed(there, here) and can_seed(here, here)


def test_a_build_dir_left_in_the_slot_by_a_stopped_build_goes_back_to_its_owner(tmp_path):
    slot = slot_of(tmp_path, "netlib", "openblas")
    owner = slot.siblings[0]
    configured(slot.path, key(), completed_with=None)  # openblas's dir, left in the slot by a killed build
    (slot.path / OWNER_FILE).write_text(owner.name)
    owner.with_name(owner.name + SEED_KEY_SUFFIX).write_text(key())
    said = []
    with build_in_slot(slot, key(), ENV, ctx(said), inputs=INPUTS) as use:
        # Back home first; no completed build vouches for it, so it seeds nothing.
        assert use.seeded_from is None
    assert (owner / "obj.o").is_file() and not (owner / OWNER_FILE).exists()
    assert any("moved it back" in s for s in said)


def test_a_build_dir_no_completed_build_vouches_for_starts_afresh(tmp_path):
    # Killed mid-compile with CFLAGS=-O1: meson would keep -O1 on the rerun with -g.
    slot = slot_of(tmp_path, "openblas")
    configured(slot.home, key(), completed_with=None)
    said = []
    with build_in_slot(slot, key(), ENV, ctx(said), inputs=INPUTS) as use:
        assert use.seeded_from is None and not (slot.path / "obj.o").exists()
    assert any("no build in it completed" in s for s in said)
    assert not stamp_of(slot.home).exists()  # the caller writes it once its build completes


def test_a_build_dir_set_up_with_other_inputs_starts_afresh(tmp_path):
    slot = slot_of(tmp_path, "openblas")
    configured(slot.home, key(), completed_with="another fingerprint\n/build/t-py3.12-linux.slot")
    said = []
    with build_in_slot(slot, key(), ENV, ctx(said), inputs=INPUTS):
        assert not (slot.path / "obj.o").exists()
    assert any("configure inputs changed" in s for s in said)


def test_a_trusted_build_dir_is_kept_but_untrusted_while_building(tmp_path):
    slot = slot_of(tmp_path, "openblas")
    configured(slot.home, key())
    with build_in_slot(slot, key(), ENV, ctx([]), inputs=INPUTS):
        assert (slot.path / "obj.o").is_file() and not stamp_of(slot.home).exists()


def test_a_sibling_whose_last_build_was_stopped_seeds_nothing(tmp_path):
    slot = slot_of(tmp_path, "netlib", "openblas")
    configured(slot.siblings[0], key(), completed_with=None)
    with build_in_slot(slot, key(), ENV, ctx([]), inputs=INPUTS) as use:
        assert use.seeded_from is None


def test_an_unowned_slot_is_cleared(tmp_path):
    slot = slot_of(tmp_path, "netlib")
    (slot.path / "half-copied").mkdir(parents=True)  # a copy stopped before its owner was written
    with build_in_slot(slot, key(), ENV, ctx([]), inputs=INPUTS) as use:
        assert use.seeded_from is None and list(slot.path.iterdir()) == [slot.path / OWNER_FILE]
    assert list(slot.home.iterdir()) == []


def test_the_slot_goes_home_when_the_build_fails(tmp_path):
    slot = slot_of(tmp_path, "openblas")
    configured(slot.home, key())
    with pytest.raises(RuntimeError), build_in_slot(slot, key(), ENV, ctx([]), inputs=INPUTS):
        raise RuntimeError("compile failed")
    assert (slot.home / "obj.o").is_file() and not slot.path.exists()


def test_every_flavour_sees_its_build_env_at_the_slots_one_link(tmp_path):
    # A real venv reached through the link: Python takes its prefix (and so its
    # site-packages) from the path it was started at, which is what meson records.
    envs = {}
    for flavour in ("openblas", "netlib"):
        envs[flavour] = tmp_path / f"env-{flavour}"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(envs[flavour])], check=True)
        where = "import site; print(site.getsitepackages()[0])"
        site = subprocess.run([str(envs[flavour] / "bin" / "python"), "-c", where],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "flavour_marker.py").write_text(f"NAME = {flavour!r}\n")
    for flavour in ("openblas", "netlib"):
        slot = slot_of(tmp_path, flavour)
        with build_in_slot(slot, key(), envs[flavour], ctx([]), inputs=INPUTS) as use:
            assert use.env == slot.env_link and os.readlink(slot.env_link) == str(envs[flavour])
            seen = subprocess.run([str(use.env / "bin" / "python"), "-c",
                                   "import sys, flavour_marker; print(sys.prefix, flavour_marker.NAME)"],
                                  check=True, capture_output=True, text=True).stdout.split()
            assert seen == [str(slot.env_link), flavour]


def test_where_the_link_cannot_be_made_the_build_sees_the_env_itself(tmp_path):
    slot = slot_of(tmp_path, "openblas")
    (slot.env_link / "something").mkdir(parents=True)  # a real folder where the link goes
    said = []
    with build_in_slot(slot, key(), ENV, ctx(said), inputs=INPUTS) as use:
        assert use.env == ENV
    assert any("cannot link" in s for s in said)


def test_the_envs_scripts_are_seen_from_the_slot_link(tmp_path):
    import os

    from mesonmatrix.store.slotscripts import scripts_seen_at

    env_bin = tmp_path / "envs" / "py3.12-abc" / "bin"
    env_bin.mkdir(parents=True)
    scripts = {
        "cython": f"#!{env_bin / 'python'}\nfrom Cython.Compiler.Main import setuptools_main\n",
        "f2py": f"#!{env_bin / 'python3'}\nimport numpy.f2py\n",
        "wrapper": "#!/bin/sh\nexec python \"$@\"\n",  # another interpreter: left to PATH
        "notes.txt": f"#!{env_bin / 'python'}\n",  # not executable: not a script
    }
    for name, text in scripts.items():
        (env_bin / name).write_text(text)
        (env_bin / name).chmod(0o644 if name.endswith(".txt") else 0o755)
    (env_bin / "python").symlink_to("/usr/bin/python3")
    link_python = tmp_path / "envs" / "t-py3.12-linux.slot" / "bin" / "python"
    shims = scripts_seen_at(env_bin, link_python, tmp_path / "envs" / "t-py3.12-linux.slot-bin")
    assert sorted(p.name for p in shims.iterdir()) == ["cython", "f2py"]
    assert (shims / "cython").read_text() == f"#!{link_python}\nfrom Cython.Compiler.Main import setuptools_main\n"
    assert os.access(shims / "f2py", os.X_OK)
    # Made again from the env in use each time: a script the next flavour's env lacks goes.
    (env_bin / "f2py").unlink()
    assert sorted(p.name for p in scripts_seen_at(env_bin, link_python, shims).iterdir()) == ["cython"]


def test_a_script_the_next_env_makes_alike_keeps_its_mtime(tmp_path):
    """meson makes the programs it finds (Cython) inputs of the steps that run them: a
    rewritten, identical script made ninja rerun every Cython step of each later flavour."""
    import os

    from mesonmatrix.store.slotscripts import scripts_seen_at

    link_python = tmp_path / "envs" / "t-py3.12-linux.slot" / "bin" / "python"
    shims = tmp_path / "envs" / "t-py3.12-linux.slot-bin"
    for env in ("py3.12-openblas", "py3.12-debian"):  # two flavours' envs, same Cython
        env_bin = tmp_path / "envs" / env / "bin"
        env_bin.mkdir(parents=True)
        (env_bin / "cython").write_text(f"#!{env_bin / 'python'}\nfrom Cython.Compiler.Main import setuptools_main\n")
        (env_bin / "cython").chmod(0o755)
        scripts_seen_at(env_bin, link_python, shims)
        if env == "py3.12-openblas":
            os.utime(shims / "cython", ns=(1, 1))  # an old mtime the second env must not change
    assert (shims / "cython").stat().st_mtime_ns == 1  # the second env's copy was left as it was
    # A script that differs is written afresh.
    (tmp_path / "envs" / "py3.12-debian" / "bin" / "cython").write_text(
        f"#!{tmp_path / 'envs' / 'py3.12-debian' / 'bin' / 'python'}\nimport other\n")
    scripts_seen_at(tmp_path / "envs" / "py3.12-debian" / "bin", link_python, shims)
    assert (shims / "cython").read_text().endswith("import other\n") and (shims / "cython").stat().st_mtime_ns != 1
