"""A deb or rpm cell's tests: the package unpacked into a fresh root, its installed test suite run
with the cell's Python against that root (a fresh venv holds only the test requirements
and a .pth file pointing at the unpacked dist-packages), the BLAS probe, and proof that
no library resolves into the build env, the workspace or the cache."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

from ..errors import CellError
from ..lockfiles.locks import TEST_TOOLS
from ..machine.context import StageContext
from ..machine.pythons import DISTRO, axis_version
from ..model import DEB, RPM
from ..plan import CellPlan
from ..record import TestCounts
from ..repackage import chroot
from ..repackage.deb import debian_package_name
from ..repackage.relocate import elf_files
from ..repackage.rpm import rpm_layout, unpack_rpm
from ..repackage.staging import DEBIAN, runtime_requirements
from ..targets.requirements import requirement_name
from ..testing.pytestrun import parse_junit, pytest_command
from . import StageResults
from .build_env import BuildEnv
from .test import TEST_STAGE, TestResult, TestsFailed, fill_test_venv, run_installed_tests

_LDD_LINE = re.compile(r"^\s*(\S+) => (\S+) \(0x[0-9a-f]+\)$")


def _venv_with_root(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, site: Path) -> Path:
    # Unlocked, what a distribution's packages would provide comes too: the package's Requires-Dist.
    venv_py = fill_test_venv(plan, ctx, build_env, [], tuple(runtime_requirements(site)))
    purelib = ctx.runner.run([str(venv_py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             label="the test venv's site-packages", echo=False).stdout.strip()
    (Path(purelib) / "mesonmatrix-unpacked-deb.pth").write_text(f"{site}\n")
    return venv_py


def resolved_outside(root: Path, ctx: StageContext, forbidden: list[Path], env: dict[str, str]) -> list[str]:
    """Libraries of the unpacked extensions that the loader finds in a forbidden place."""
    bad = []
    for path, _ in elf_files(root):
        out = ctx.runner.run(["ldd", str(path)], label=f"ldd {path.name}", extra_env=env, echo=False, check=False)
        for line in out.stdout.splitlines():
            match = _LDD_LINE.match(line)
            if match and any(Path(match[2]).resolve().is_relative_to(f) for f in forbidden):
                bad.append(f"{path.name}: {match[1]} => {match[2]}")
            elif "not found" in line:
                bad.append(f"{path.name}: {line.strip()}")
    return bad


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> TestResult:
    """The .deb or .rpm unpacked (``dpkg-deb -x``; rpm's ``rpm2archive``), its installed
    tests run against that root, its BLAS proven; and nothing it loads may come from where
    it was built (the build env, the workspace, the shared cache). Raises TestsFailed (with
    the result) when a test or a check fails."""
    build_env, package = earlier.env(), Path(earlier.packaged().path)
    forbidden = [plan.build_env, plan.workspace.root, ctx.shared_cache]
    root = plan.results_dir / "unpacked"
    shutil.rmtree(root, ignore_errors=True)
    with ctx.progress.stage("test_env", f"{package.name} unpacked into {root}; a fresh venv for its tests"):
        if plan.cell.package == RPM:
            unpack_rpm(package, root, ctx.runner)
            layout = rpm_layout(axis_version(plan.cell.python).rstrip("t"))
        else:
            ctx.runner.run(["dpkg-deb", "-x", str(package), str(root)], label=f"unpack {package.name}")
            layout = DEBIAN
        site = root / layout.site_packages.lstrip("/")
        venv_py = _venv_with_root(plan, ctx, build_env, site)
    # Debian chooses libblas.so.3 and libopenblas.so.0 through update-alternatives; the
    # flavour under test is put first, as a user of that flavour would select it.
    library_path = [str(d) for d in plan.provider.runtime_library_path()]
    path = os.pathsep.join([str(plan.platform.venv_bin(plan.test_venv)), ctx.runner.env.get("PATH", "")])
    env = {"PATH": path, **({"LD_LIBRARY_PATH": os.pathsep.join(library_path)} if library_path else {})}
    with ctx.progress.stage(TEST_STAGE, f"the package's installed tests against {site}"):
        bad = resolved_outside(root, ctx, forbidden, env)
        if bad:
            raise CellError(f"libraries of the unpacked package resolve outside the system: {'; '.join(bad[:5])}")
        result = run_installed_tests(plan, ctx, venv_py, {}, env)
        library = Path(result.blas_runtime.library) if result.blas_runtime and result.blas_runtime.library else None
        if library is not None and any(library.resolve().is_relative_to(f) for f in forbidden):
            raise CellError(f"the unpacked package loaded its BLAS from {library}, inside the build env or workspace")
        unpacked = f"the package unpacked at {root}, with {build_env.python} in a venv"
        result = replace(result, counts=replace(result.counts, where=unpacked))
        if result.failure:
            raise TestsFailed(result)
    if plan.cell.package == DEB and plan.cell.python == DISTRO:
        with ctx.progress.stage(TEST_STAGE, f"{package.name} installed by apt in a clean chroot; its tests there"):
            result = replace(result, counts=in_clean_chroot(plan, ctx, package, result.counts))
        if result.counts.failed or result.counts.errors:
            raise TestsFailed(replace(result, failure=f"{result.counts.failed} failed, {result.counts.errors} errors "
                                                      f"in the clean chroot ({result.counts.where})"))
    return result


def in_clean_chroot(plan: CellPlan, ctx: StageContext, package: Path, unpacked: TestCounts) -> TestCounts:
    """A distro cell's package installed by apt in a clean chroot of this release, and its
    tests run there by the chroot's python3, autopkgtest's way; the counts say where. Where
    no chroot can be made (not root, no mmdebstrap), the unpacked run's counts stand, and
    say why."""
    why_not = chroot.check_can_chroot()
    if why_not is not None:
        ctx.say(f"    not installed in a clean chroot: {why_not}")
        return replace(unpacked, where=f"{unpacked.where} (not in a clean chroot: {why_not})")
    release = chroot.this_release()
    tarball = chroot.chroot_tarball(ctx.shared_cache, release, ctx.runner)
    root = plan.results_dir / "chroot"
    try:
        return _tests_in(root, plan, ctx, package, tarball, release, unpacked)
    finally:
        shutil.rmtree(root, ignore_errors=True)  # a whole system: 400 MB a cell


def _tests_in(root: Path, plan: CellPlan, ctx: StageContext, package: Path, tarball: Path, release: chroot.Release,
              unpacked: TestCounts) -> TestCounts:
    chroot.install_in_chroot(tarball, root, [package], ctx.runner)
    # By name: a requirement's specifier (pytest==8.3.5 from a workflow) is no Debian package's.
    names = dict.fromkeys(requirement_name(r) for r in plan.tests.requirements)
    wanted = [debian_package_name(name) for name in names if name not in ("pytest", *TEST_TOOLS)]
    missing = chroot.install_extras(root, wanted, ctx.runner)
    python = chroot.python_version_in(root, ctx.runner)
    where = (f"installed by apt in a clean {release.name} chroot (mmdebstrap), tested by its python3 {python}"
             f"{'; not in the archive: ' + ', '.join(missing) if missing else ''}")
    clean_env = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"]
    if plan.tests.kind != "pytest":
        # The project's own commands need its tree and ran against the unpacked package: their
        # counts stand. In the chroot the installed package is imported, autopkgtest's smoke
        # test, and the record says so instead of counting the import as a test.
        smoke = plan.tests.smoke or f"import {plan.target.import_name}"
        ctx.runner.run(["chroot", str(root), *clean_env, "python3", "-c", smoke],
                       label="import the installed package in the chroot")
        return replace(unpacked, where=f"{where}, where `{smoke}` ran; the project's test commands ran against "
                                       f"{unpacked.where}")
    junit = root / "tmp" / "junit.xml"
    ctx.runner.run(["chroot", str(root), *clean_env,
                    *pytest_command(Path("python3"), plan.tests.suite_args, Path("/tmp/junit.xml"))],
                   label="the package's tests in the chroot", check=False)
    if not junit.is_file():
        raise CellError(f"pytest in the clean chroot wrote no report; log: {ctx.runner.log}")
    kept = Path(shutil.copy2(junit, plan.results_dir / "junit-chroot.xml"))  # the chroot goes; its report stays
    counts = parse_junit(kept, unpacked.suite, unpacked.source)
    ctx.say(f"    in the chroot: {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped, "
            f"{counts.errors} errors")
    return replace(counts, where=f"{where} (and before that {unpacked.where}: {unpacked.passed} passed)")
