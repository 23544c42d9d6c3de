"""An RPM from a staging root, as an RPM distribution (Fedora, RHEL, openSUSE) packages a
Python extension: files under ``/usr/lib64/python3.X/site-packages``, a spec made from the
wheel's metadata, ``rpmbuild -bb`` with its macros and build folders inside the workspace,
and the dependencies written by rpm's own generators, never by hand:

- ``elfdeps`` reads every extension's DT_NEEDED: ``libopenblas.so.0()(64bit)``;
- ``python.attr`` gives ``python(abi) = 3.X`` for files below the interpreter's folder;
- ``pythondistdeps.py`` reads the dist-info: ``python3.Xdist(numpy) >= 1.23`` from
  Requires-Dist, and ``python3.Xdist(<name>)`` and ``python3dist(<name>)`` as Provides.
  rpm runs it with ``/usr/bin/python3``, which need not have ``packaging``; here it runs
  with the build env's Python, which has it.

Reproducible (rpm 4.18's ``SOURCE_DATE_EPOCH`` support): build time and file mtimes are
clamped to ``SOURCE_DATE_EPOCH``, the build host is fixed, and nothing of the build
machine (debug packages, build-id links, bytecode) goes in.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import shlex
import shutil
import tarfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from ..errors import CellError
from ..machine.commands import CommandRunner
from ..wheels.rewrite import record_hash
from .staging import Layout

RPMBUILD_COMMANDS = {"rpmbuild": "rpm", "rpm": "rpm", "rpm2archive": "rpm", "rpmsign": "rpm", "rpmlint": "rpmlint",
                     "gpg": "gnupg"}
_PYTHONDISTDEPS = "/usr/lib/rpm/pythondistdeps.py"


def rpm_layout(python: str) -> Layout:
    """An RPM distribution's layout: arch-specific files in /usr/lib64's site-packages."""
    return Layout(site_packages=f"/usr/lib64/python{python}/site-packages", scripts="/usr/bin", data="/usr",
                  headers=f"/usr/include/python{python}/{{name}}")


def rpm_package_name(project: str) -> str:
    """Fedora's name for a Python library's package: ``python3-<normalised name>``."""
    return f"python3-{canonicalize_name(project)}"


def rpm_version(version: str) -> str:
    """An RPM Version may not hold '-'; a pre-release sorts before its release with '~'."""
    return re.sub(r"^(\d+(?:\.\d+)*)((?:a|b|rc|\.dev)\d*.*)$", r"\1~\2", version).replace("-", "_")


@dataclass(frozen=True, kw_only=True)
class Lint:
    errors: list[str]
    warnings: list[str]


# Checks a package made here can fail for a reason of where it is made, not of what it
# holds: without root, the local signing key cannot be put in rpm's database to verify.
BUILT_IN_FILTERS = {} if not hasattr(os, "geteuid") or os.geteuid() == 0 else {
    "unknown-key": "signed with the local packaging key, which only root can add to rpm's database",
}


def _summary(text: str, name: str) -> str:
    """RPM's Summary: one line of at most 79 characters, no final period (rpmlint's rules)."""
    line = " ".join(text.split()) or name
    if len(line) > 79:
        line = line[:79].rsplit(" ", 1)[0]
    return line.rstrip(".,;: ")


def license_tag(expression: str, license_field: str, name: str) -> str:
    """RPM's License: a name, never a license's text. Core metadata's License-Expression
    (PEP 639) is SPDX already; a one-line License field is taken as the name it usually
    is ("MIT"); a longer License field is the license's full text (SciPy 1.17 ships its
    LICENSE.txt there), so the tag points at that text, which the package ships in its
    dist-info, as SPDX's LicenseRef- does, instead of rpmlint reading the first line of
    the text as license names ("Copyright", "c")."""
    if expression.strip():
        return " ".join(expression.split())
    lines = license_field.strip().splitlines()
    if len(lines) == 1 and len(lines[0]) <= 80:
        return lines[0].strip()
    return f"LicenseRef-{re.sub(r'[^A-Za-z0-9.-]+', '-', name).strip('-') or 'Unknown'}" if lines else ""


# Shebangs Fedora's %py3_shebang_fix (pathfix.py) rewrites to the exact interpreter: env
# lookups and the unversioned name (rpmlint's env-script-interpreter is an error).
_LOOSE_SHEBANG = re.compile(rb"^#!\s*(?:/usr/bin/env\s+(?:-S\s+)?python[0-9.]*|/usr/bin/python3?)(?=\s|$)")


@dataclass(frozen=True, kw_only=True)
class ScriptFixes:
    """What fix_scripts changed below site-packages, as paths relative to it."""

    unshebanged: list[str]  # non-executable files that lost their #! line
    unexecutable: list[str]  # executable files without a #! line, now 0644
    exact: list[str]  # #!/usr/bin/env python3 (or /usr/bin/python) rewritten to the exact interpreter


def fix_scripts(site: Path, interpreter: str, record_site: Path | None = None) -> ScriptFixes:
    """As Fedora's packaging guidelines ask of files below site-packages: a non-executable
    file's ``#!`` line removed (a test module with ``#!/usr/bin/env python``: rpmlint's
    non-executable-script), an executable without one made 0644 (rpmlint's
    script-without-shebang), and an executable's env or unversioned Python shebang made
    ``interpreter`` (``%py3_shebang_fix``); the dist-info's RECORD kept in step. The wheel's
    scripts (``/usr/bin``) are fixed the same way with ``record_site``, the site-packages
    whose RECORD names them (as ``../../../bin/…``)."""
    changed: dict[str, bytes] = {}
    fixes: dict[str, list[str]] = {"unshebanged": [], "unexecutable": [], "exact": []}
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name, executable = path.relative_to(site).as_posix(), bool(path.stat().st_mode & 0o111)
        with path.open("rb") as handle:
            head = handle.read(4)
        if executable and head == b"\x7fELF":
            continue  # a shared object or program keeps its mode
        head = head[:2]
        if executable and head != b"#!":
            path.chmod(0o644)  # the bytes are the same: RECORD holds no mode
            fixes["unexecutable"].append(name)
            continue
        if head != b"#!":
            continue
        data = path.read_bytes()
        first, _, rest = data.partition(b"\n")
        if not executable:
            new, kind = rest, "unshebanged"
        elif _LOOSE_SHEBANG.match(first):
            new, kind = _LOOSE_SHEBANG.sub(b"#!" + interpreter.encode(), first, count=1) + b"\n" + rest, "exact"
        else:
            continue
        _rewrite(path, new)
        changed[os.path.relpath(path, record_site).replace(os.sep, "/") if record_site else name] = new
        fixes[kind].append(name)
    _update_record(record_site or site, changed)
    return ScriptFixes(**fixes)


def _rewrite(path: Path, data: bytes) -> None:
    stat = path.stat()
    path.write_bytes(data)
    os.utime(path, (stat.st_atime, stat.st_mtime))


def _update_record(site: Path, changed: dict[str, bytes]) -> None:
    """Each changed file's hash and size in the dist-info's RECORD."""
    if not changed:
        return
    for record in site.glob("*.dist-info/RECORD"):
        rows = list(csv.reader(record.read_text(encoding="utf-8").splitlines()))
        for row in rows:
            if row and row[0] in changed:
                row[1:3] = [record_hash(changed[row[0]]), str(len(changed[row[0]]))]
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        _rewrite(record, text.getvalue().encode("utf-8"))


def spec_file(*, name: str, version: str, summary: str, license_name: str, staged: Path, top_level: list[str],
              epoch: int) -> str:
    """The spec: its %install copies the staging root in; %files names what it holds."""
    day = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%a %b %d %Y")
    files = "\n".join(top_level)
    staged_quoted = shlex.quote(f"{staged}/.")  # %install is a shell script: a path may hold a space
    description = textwrap.fill(f"{' '.join(summary.split()) or name} Repackaged from the built wheel by "
                                "mesonmatrix.", width=79)
    return f"""Name: {name}
Version: {version}
Release: 1
Summary: {_summary(summary, name)}
License: {license_name or "LicenseRef-Unknown"}
Group: Development/Languages/Python
Packager: mesonmatrix
URL: https://pypi.org/project/{name.removeprefix("python3-")}/

%description
{description}

%prep

%build

%install
mkdir -p "%{{buildroot}}"
cp -a {staged_quoted} "%{{buildroot}}/"

%files
{files}

%changelog
* {day} mesonmatrix <mesonmatrix@localhost> - {version}-1
- Repackaged from the built wheel.
"""


def _defines(topdir: Path, python: Path) -> list[str]:
    defines = {
        "_topdir": str(topdir),
        "_buildhost": "reproducible",
        "debug_package": "%{nil}",
        "_build_id_links": "none",
        "__brp_python_bytecompile": "%{nil}",
        "__brp_mangle_shebangs": "%{nil}",
        "use_source_date_epoch_as_buildtime": "1",
        "clamp_mtime_to_source_date_epoch": "1",
        "source_date_epoch_from_changelog": "0",
        # rpm runs a generator's command through the shell: a path with a space is quoted.
        "__pythondist_requires": f"{shlex.quote(str(python))} {_PYTHONDISTDEPS} --requires",
        "__pythondist_provides": f"{shlex.quote(str(python))} {_PYTHONDISTDEPS} --provides --majorver-provides",
    }
    return [arg for key, value in defines.items() for arg in ("--define", f"{key} {value}")]


def build_rpm(spec: str, topdir: Path, out_dir: Path, runner: CommandRunner, *, python: Path, epoch: int) -> Path:
    """``rpmbuild -bb`` with everything it writes below ``topdir``; the .rpm moved to ``out_dir``."""
    shutil.rmtree(topdir, ignore_errors=True)
    (topdir / "SPECS").mkdir(parents=True)
    spec_path = topdir / "SPECS" / "package.spec"
    spec_path.write_text(spec, encoding="utf-8")
    runner.run(["rpmbuild", "-bb", *_defines(topdir, python), str(spec_path)], label="rpmbuild -bb",
               extra_env={"SOURCE_DATE_EPOCH": str(epoch)})
    built = sorted((topdir / "RPMS").rglob("*.rpm"))
    if len(built) != 1:
        raise CellError(f"rpmbuild wrote {len(built)} packages under {topdir / 'RPMS'}, expected one")
    out_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(built[0], out_dir / built[0].name))


def query(rpm: Path, what: str, runner: CommandRunner) -> list[str]:
    """``rpm -qp --requires`` (or ``--provides``) of the package, rpm's own internal ones left out."""
    out = runner.run(["rpm", "-qp", f"--{what}", str(rpm)], label=f"the package's {what}", echo=False).stdout
    return [line.strip() for line in out.splitlines() if line.strip() and not line.startswith("rpmlib(")]


def run_rpmlint(rpm: Path, runner: CommandRunner, filters: dict[str, str], work: Path) -> Lint:
    """rpmlint's errors and warnings. The built-in filters and a preset's (check -> why) go
    in an rpmlintrc beside the package, as a distribution keeps one per package, each with
    its reason as a comment."""
    rpmlintrc = work / "rpmlintrc"
    rpmlintrc.write_text("".join(f'addFilter(r"{re.escape(check)}")  # {why}\n'
                                 for check, why in {**BUILT_IN_FILTERS, **filters}.items()))
    out = runner.run(["rpmlint", "--rpmlintrc", str(rpmlintrc), str(rpm)], label=f"rpmlint {rpm.name}",
                     check=False).stdout
    findings = [line.strip() for line in out.splitlines() if re.match(r"^\S+: [EW]: ", line.strip())]
    return Lint(errors=[f for f in findings if ": E: " in f], warnings=[f for f in findings if ": W: " in f])


def unpack_rpm(rpm: Path, root: Path, runner: CommandRunner) -> None:
    """The payload below ``root``: ``rpm2archive`` (rpm's own) turns it into a tar, read by
    ``tarfile`` with its data filter (no member may land outside ``root``)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    archive = root.with_name(rpm.name + ".tgz")
    archive.unlink(missing_ok=True)
    runner.run(["rpm2archive", str(rpm)], label=f"unpack {rpm.name}", cwd=root.parent)
    made = rpm.with_name(rpm.name + ".tgz")
    with tarfile.open(made if made.is_file() else archive) as tar:
        tar.extractall(root, filter="data")
