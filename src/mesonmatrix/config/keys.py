"""Every cell option and every matrix-file and preset key, declared once.

A key is declared here with its name, the kind of value it takes, its default, its help,
its environment variable if any, where it may be set (after ``--`` on a cell, at the top
of a matrix file, in a ``[targets.NAME]`` preset) and so how it merges. Everything else is
derived from these declarations: the cell's argparse options and their help
(``options.py``), the check of every table's keys with a did-you-mean, the reading of the
settings a matrix file or a preset may give (``settings_of``), the one place precedence is
applied (``cell_settings``: the command line, then the matrix file, then the preset, then
the default), the reference pages (``scripts/docs_reference.py``) and the JSON Schema of
matrix files shipped in the package (``schemas/matrix.schema.json``, which editors and
check-jsonschema validate ``matrices/*.toml`` with).

As in nox's ``_option_set.py`` (one ``Option`` per flag, help and default included) and
scikit-build-core's settings model (one model; its parser, schema and docs derived).
"""

from __future__ import annotations

import argparse
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import MatrixError, MesonmatrixError
from ..machine.admission import POLICIES, POLICY_ENV, AdmissionPolicy

Scope = Literal["option", "matrix", "preset"]
OPTION: Scope = "option"
MATRIX: Scope = "matrix"
PRESET: Scope = "preset"

# A time limit is a number of seconds from 1 to a week: NaN, infinity and 1e-300 are not.
MAX_SECONDS = 7 * 24 * 3600.0


class InvalidValue(MesonmatrixError):
    """A value a key does not take; its message says what it takes."""


@dataclass(frozen=True, kw_only=True)
class Kind:
    """A kind of value: how it is described, its JSON Schema, and how a TOML value and a
    command-line string are read (None where the key's own module reads it)."""

    described: str
    schema: Mapping[str, Any]
    from_toml: Callable[[object], object] | None = None
    from_text: Callable[[str], object] | None = None


def _amount(unit: str, most: float, described: str) -> Kind:
    """A number of ``unit`` from 1 to ``most``: NaN, infinity, 0, a bool and 1e-300 are not."""
    def from_toml(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= most:
            raise InvalidValue(f"expected {unit} from 1 to {most:.0f}, got {value!r}")
        return float(value)

    def from_text(value: str) -> float:
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            raise InvalidValue(f"{value!r} is not a number of {unit}")
        return from_toml(float(value))

    from_toml.__name__, from_text.__name__ = f"{unit}_from_toml", unit  # argparse names a bad value by it
    return Kind(described=described, schema={"type": "number", "minimum": 1, "maximum": most},
                from_toml=from_toml, from_text=from_text)


def _glibc(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"2_[0-9]{1,2}", value):
        raise InvalidValue(f'expected a glibc version like "2_28", got {value!r}')
    return value


def _text(value: str) -> str:
    return value


def _index_url(value: object) -> str:
    """A package index's URL, as uv and pip take it: http(s) with a host, or file:// with a
    path. Checked before any build, so a typo never costs one."""
    from urllib.parse import urlsplit

    if not isinstance(value, str) or value.strip() != value or not (
            ((parts := urlsplit(value)).scheme in ("http", "https") and parts.netloc) or
            (parts.scheme == "file" and parts.path)):
        raise InvalidValue(f"{value!r} is not a package index URL (http://, https:// or file://, e.g. "
                           "https://pypi.anaconda.org/scientific-python-nightly-wheels/simple)")
    return value


def _index_urls(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InvalidValue(f"expected a list of package index URLs, got {value!r}")
    return tuple(_index_url(item) for item in value)


SECONDS = _amount("seconds", MAX_SECONDS, "number (seconds)")
GLIBC = Kind(described='string, a glibc version as a tag writes it ("2_28")',
             schema={"type": "string", "pattern": "^2_[0-9]{1,2}$"}, from_toml=_glibc, from_text=_glibc)
TEXT = Kind(described="string", schema={"type": "string"}, from_text=_text)


def _admission(value: object) -> str:
    if not isinstance(value, str) or value not in POLICIES:
        raise InvalidValue(f"expected one of {', '.join(POLICIES)}, got {value!r}")
    return value


# A suite's memory, in MB: from 1 MB to 16 TB (a typo of a unit, not a real figure, past that).
MAX_MEGABYTES = 16 * 2**20


# pytest-xdist workers: a count, or "auto" (the cores this process may use). 256 is more
# workers than any machine this runs on has cores; a larger figure is a typo.
MAX_JOBS = 256


def _jobs_from_toml(value: object) -> int | str:
    if value == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_JOBS:
        raise InvalidValue(f'expected a number of workers from 1 to {MAX_JOBS} or "auto", got {value!r}')
    return value


def _jobs_from_text(value: str) -> int | str:
    if value != "auto" and not re.fullmatch(r"[0-9]+", value):
        raise InvalidValue(f"{value!r} is not a number of workers or auto")
    return _jobs_from_toml(value if value == "auto" else int(value))


JOBS = Kind(described=f'integer from 1 to {MAX_JOBS}, or "auto"',
            schema={"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_JOBS}, {"const": "auto"}]},
            from_toml=_jobs_from_toml, from_text=_jobs_from_text)
ADMISSION = Kind(described=f"string, one of {', '.join(POLICIES)}", schema={"enum": list(POLICIES)},
                 from_toml=_admission, from_text=_admission)
MEGABYTES = _amount("megabytes", MAX_MEGABYTES, "number (MB)")
FLAG = Kind(described="flag", schema={"type": "boolean"})
TEXT_LIST = Kind(described="list of strings", schema={"type": "array", "items": {"type": "string"}})
TABLE = Kind(described="table", schema={"type": "object"})
TEXT_TABLE = Kind(described="table of strings", schema={"type": "object", "additionalProperties": {"type": "string"}})
TABLES = Kind(described="array of tables", schema={"type": "array", "items": {"type": "object"}})
URL = Kind(described="string, a package index URL", schema={"type": "string", "pattern": "^(https?|file)://"},
           from_toml=_index_url, from_text=_index_url)
URLS = Kind(described="list of package index URLs",
            schema={"type": "array", "items": {"type": "string", "pattern": "^(https?|file)://"}},
            from_toml=_index_urls, from_text=_index_url)


@dataclass(frozen=True, kw_only=True)
class Key:
    name: str  # the TOML key, and the option's name with - for _ (``--test-timeout``)
    help: str
    kind: Kind
    scopes: frozenset[Scope]
    default: object = None  # what applies when no scope sets it (None: nothing)
    env: str | None = None  # an environment variable that sets it, where one does
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    repeatable: bool = False  # an option given once per value (--keep-bound A --keep-bound B)
    dest: str | None = None  # RunOptions' field, where it is not ``name``
    # The help of the matrix file's or the preset's key, where it reads otherwise there.
    help_in: Mapping[Scope, str] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def field(self) -> str:
        return self.dest or self.name

    def help_for(self, scope: Scope) -> str:
        return (self.help_in or {}).get(scope, self.help)

    def how_to_change(self) -> str:
        """What a message that names the key says about changing it: ``test_timeout;
        --test-timeout SECONDS changes it``."""
        return f"{self.name}; {self.flag} {self.metavar or 'VALUE'} changes it"

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """This key as an option of ``parser`` (its default is left to ``cell_settings``,
        so a value not given on the command line is None and the next scope is asked)."""
        kwargs: dict[str, Any] = {"help": self.help_for(OPTION), "dest": self.field}
        if self.kind is FLAG:
            kwargs["action"] = "store_true"
        else:
            kwargs["metavar"] = self.metavar
            if self.kind.from_text is not None:
                kwargs["type"] = _argparse_type(self.kind.from_text)
        if self.choices:
            kwargs.update(choices=self.choices, metavar=None)
        if self.repeatable:
            kwargs.update(action="append", default=[])
        elif self.default is not None and OPTION in self.scopes and self.scopes == {OPTION}:
            kwargs["default"] = self.default
        parser.add_argument(self.flag, **kwargs)


def _argparse_type(read: Callable[[str], object]) -> Callable[[str], object]:
    def converted(value: str) -> object:
        try:
            return read(value)
        except InvalidValue as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    converted.__name__ = read.__name__.strip("_")
    return converted


# --- The settings a cell takes from the command line, its matrix file or its preset -----
TEST_TIMEOUT = Key(
    name="test_timeout", kind=SECONDS, default=3600.0, metavar="SECONDS",
    scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="end the test suite (and everything it started) after this long (default 3600)",
    help_in={MATRIX: "seconds a cell's test suite may run (default 3600); -- --test-timeout wins",
             PRESET: "seconds this target's test suite may run (a matrix file's test_timeout wins)"})
# A build may take hours (SciPy on a slow runner), but one that prints nothing for half an
# hour makes no progress (ninja prints a line per step).
BUILD_TIMEOUT = Key(
    name="build_timeout", kind=SECONDS, default=1800.0, metavar="SECONDS",
    scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="end a build that prints nothing for this long (default 1800)",
    help_in={MATRIX: "seconds a build may print nothing (default 1800); -- --build-timeout wins",
             PRESET: "seconds this target's build may print nothing (a matrix file's build_timeout wins)"})
# A build that prints forever never trips the silence limit. SciPy's cold build took
# 2,056 s here with both cores busy: four hours leaves a slow CI runner room.
BUILD_TIME_LIMIT = Key(
    name="build_time_limit", kind=SECONDS, default=4 * 3600.0, metavar="SECONDS",
    scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="end a build that is still running after this long, printing or not (default 14400)",
    help_in={MATRIX: "seconds a whole build may take, printing or not (default 14400); -- --build-time-limit wins",
             PRESET: "seconds this target's whole build may take (a matrix file's build_time_limit wins)"})
MANYLINUX = Key(
    name="manylinux", kind=GLIBC, metavar="X_Y", scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="the manylinux policy Linux wheels must meet, e.g. 2_28 (RHEL 8); a wheel that cannot fails the cell, "
         "naming what is too new (default: the matrix's or preset's manylinux, else the newest the wheel meets)",
    help_in={MATRIX: "the manylinux policy Linux wheels must meet, e.g. \"2_28\" (RHEL 8); -- --manylinux wins",
             PRESET: "the manylinux policy this target's Linux wheels must meet, e.g. \"2_28\" (a matrix file's "
                     "wins)"})
# Test suites start when their memory fits beside the others' (machine/admission.py).
TEST_ADMISSION = Key(
    name="test_admission", kind=ADMISSION, default="memory", env=POLICY_ENV, choices=POLICIES,
    scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="when a test suite may start beside other cells' suites on this machine: memory (when its memory fits "
         "in what is free, the default), one-at-a-time, or off",
    help_in={MATRIX: "when a cell's test suite may start beside others on the machine: \"memory\" (default), "
                     "\"one-at-a-time\" or \"off\"; " + POLICY_ENV + " and -- --test-admission win",
             PRESET: "when this target's test suite may start beside others: memory, one-at-a-time or off (a matrix "
                     "file's wins)"})
TEST_MEMORY = Key(
    name="test_memory", kind=MEGABYTES, metavar="MB", scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="the test suite's expected peak memory in MB, used until a run of the same suite has recorded its own "
         "(default 2048)",
    help_in={MATRIX: "MB a cell's test suite is expected to need until a run records its peak (default 2048)",
             PRESET: "MB this target's test suite is expected to need until a run records its peak (a matrix file's "
                     "wins)"})
# A suite on one core leaves the others idle; SciPy's dev tooling runs its own suite with
# pytest-xdist's -n (targets/pytestjobs.py).
TEST_JOBS = Key(
    name="test_jobs", kind=JOBS, metavar="N|auto", scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="run the pytest suite in N pytest-xdist workers (auto: one per core, and no more than the available memory "
         "holds at the suite's per-process peak), installing pytest-xdist in the "
         "test venv when its lock lacks it; a project whose pytest configuration or suite already passes -n keeps "
         "its own (default: one process)",
    help_in={MATRIX: "pytest-xdist workers for every cell's suite, a number or \"auto\" (one per core, no more "
                     "than the memory holds); -- --test-jobs wins",
             PRESET: "pytest-xdist workers for this target's suite, a number or \"auto\" (one per core, no more "
                     "than the memory holds; a matrix file's wins)"})
# The package indexes uv resolves and installs from, as projects add a nightly-wheels index.
# uv asks an extra index first and, by default (its "first-index" strategy), takes a
# package only from the first index that has it at all: a nightly index's numpy wins over
# PyPI's whatever the versions (docs/guide/ci.md; UV_INDEX_STRATEGY changes it).
INDEX_URL = Key(
    name="index_url", kind=URL, metavar="URL", scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="the package index requirements come from instead of PyPI (uv's --index-url)",
    help_in={MATRIX: "the package index instead of PyPI for every cell; -- --index-url wins",
             PRESET: "the package index instead of PyPI for this target (a matrix file's wins)"})
EXTRA_INDEX_URL = Key(
    name="extra_index_url", kind=URLS, metavar="URL", repeatable=True, scopes=frozenset({OPTION, MATRIX, PRESET}),
    help="another package index, asked before the main one (repeatable), e.g. a nightly-wheels index",
    help_in={MATRIX: "a list of package indexes asked before the main one; -- --extra-index-url wins",
             PRESET: "a list of package indexes asked before the main one for this target (a matrix file's wins)"})
SETTINGS = (TEST_TIMEOUT, BUILD_TIMEOUT, BUILD_TIME_LIMIT, MANYLINUX, TEST_ADMISSION, TEST_MEMORY, INDEX_URL,
            EXTRA_INDEX_URL, TEST_JOBS)


def known(keys: Iterable[Key], scope: Scope) -> tuple[Key, ...]:
    return tuple(key for key in keys if scope in key.scopes)


def did_you_mean(name: str, allowed: Iterable[str]) -> str:
    """`` (did you mean "test_timeout"?)`` for a near miss, else ``""``."""
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_keys(file: Any, where: str, table: Mapping[str, object], allowed: Iterable[str]) -> None:
    """Every key of ``table`` is one of ``allowed``; else a MatrixError naming the key, the
    closest allowed one, and all of them."""
    names = list(allowed)
    for key in table:
        if key not in names:
            prefix = f"{where}." if where else ""
            raise MatrixError(file, f"{prefix}{key}",
                              f"unknown key{did_you_mean(key, names)}; allowed: {', '.join(names)}")


def settings_of(file: Any, where: str, table: Mapping[str, object], scope: Scope) -> dict[str, object]:
    """The settings (``SETTINGS``) ``table`` gives, read and checked: by key name."""
    found: dict[str, object] = {}
    for key in known(SETTINGS, scope):
        if key.name in table:
            assert key.kind.from_toml is not None
            try:
                found[key.name] = key.kind.from_toml(table[key.name])
            except InvalidValue as exc:
                raise MatrixError(file, f"{where}.{key.name}" if where else key.name, str(exc)) from None
    return found


@dataclass(frozen=True, kw_only=True)
class CellSettings:
    """The settings a cell runs with, each from the first scope that sets it."""

    test_seconds: float  # the whole test suite
    build_silence_seconds: float  # a build without a line of output
    build_seconds: float  # a whole build
    manylinux: str | None  # the policy Linux wheels must meet
    index_url: str | None = None  # the main package index (None: uv's default, PyPI)
    extra_index_urls: tuple[str, ...] = ()  # indexes asked before the main one
    test_admission: AdmissionPolicy = "memory"  # when its suite may start beside others
    test_memory_mb: float | None = None  # the declared estimate of its suite's peak
    test_jobs: int | str | None = None  # pytest-xdist workers, or "auto"; None: one process


def first_set(key: Key, *layers: Mapping[str, object]) -> object:
    """``key``'s value from the first layer that sets it (the command line, the matrix file,
    the preset, in that order), else its default: precedence, applied in one place."""
    return next((layer[key.name] for layer in layers if layer.get(key.name) is not None), key.default)


def cell_settings(*layers: Mapping[str, object]) -> CellSettings:
    def seconds(key: Key) -> float:
        value = first_set(key, *layers)
        assert isinstance(value, float)
        return value

    manylinux, admission, memory = (first_set(key, *layers) for key in (MANYLINUX, TEST_ADMISSION, TEST_MEMORY))
    return CellSettings(test_seconds=seconds(TEST_TIMEOUT), build_silence_seconds=seconds(BUILD_TIMEOUT),
                        build_seconds=seconds(BUILD_TIME_LIMIT),
                        manylinux=manylinux if isinstance(manylinux, str) else None,
                        test_admission=next((p for p in POLICIES if p == admission), "memory"),
                        test_memory_mb=memory if isinstance(memory, float) else None,
                        test_jobs=_jobs(first_set(TEST_JOBS, *layers)),
                        **_indexes(first_set(INDEX_URL, *layers), first_set(EXTRA_INDEX_URL, *layers)))


def _jobs(value: object) -> int | str | None:
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def _indexes(index: object, extra: object) -> dict[str, Any]:
    return {"index_url": index if isinstance(index, str) else None,
            "extra_index_urls": tuple(extra) if isinstance(extra, (list, tuple)) else ()}


def environment_settings(environ: Mapping[str, str]) -> dict[str, object]:
    """The settings environment variables give (``MESONMATRIX_TEST_ADMISSION``): a layer
    between the command line and the matrix file, so one machine's policy holds for every
    project it runs."""
    found: dict[str, object] = {}
    for key in SETTINGS:
        if key.env and environ.get(key.env):
            assert key.kind.from_text is not None
            try:
                found[key.name] = key.kind.from_text(environ[key.env])
            except InvalidValue as exc:
                raise InvalidValue(f"{key.env}: {exc}") from None
    return found


TARGET = Key(name="target", kind=TEXT, scopes=frozenset({OPTION, MATRIX}), default="demo",
             help="a preset from matrices/ (demo), a meson-python source directory or an sdist",
             help_in={MATRIX: "the preset every cell builds unless `-- --target` says otherwise (default: demo)"})


# --- Options a cell takes after `--` alone ----------------------------------------------
@functools.cache
def cell_options() -> tuple[Key, ...]:
    """Every option a cell takes after ``--``. Made on first use: the repair tools' names
    come from their registry, which imports ``packaging``, and reading a matrix file (the
    bench, on a bare interpreter) needs none of it."""
    from ..model import INSTALL_PLAN, TAG_WHEEL_METHODS
    from ..repairers import REPAIRERS

    option = frozenset({OPTION})
    return (
        TARGET,
        Key(name="repair_tool", kind=TEXT, scopes=option, choices=tuple(sorted(REPAIRERS)),
            help="override the platform's repair tool (repairwheel works on every platform)"),
        Key(name="suite", kind=TEXT, scopes=option,
            help="the target's test-suite preset (e.g. smoke, fast, full); default: the target's"),
        Key(name="cc", kind=TEXT, scopes=option,
            help="toolchain-min cells: the C compiler to try as the new minimum (e.g. gcc-12)"),
        Key(name="cxx", kind=TEXT, scopes=option, help="toolchain-min cells: the C++ compiler (e.g. g++-12)"),
        Key(name="fc", kind=TEXT, scopes=option, help="toolchain-min cells: the Fortran compiler (e.g. gfortran-12)"),
        Key(name="tag_wheels", kind=TEXT, scopes=option, choices=TAG_WHEEL_METHODS, default=INSTALL_PLAN,
            help="runtime/tests wheels: cut from the full wheel by meson's install plan (default, one compile) or "
                 "built by meson-python with --tags (reconfigures for each)"),
        Key(name="verify_repair", kind=FLAG, scopes=option,
            help="run the repairer's show command on each repaired wheel and cross-check it (about 1 s a wheel)"),
        Key(name="repair_each", kind=FLAG, scopes=option,
            help="repair the runtime and tests wheels each on its own instead of cutting them from the repaired "
                 "full wheel"),
        Key(name="unlocked", kind=FLAG, scopes=option,
            help="resolve build and test requirements now, not from locks/ (the record says so)"),
        Key(name="keep_bound", kind=TEXT, scopes=option, repeatable=True, metavar="NAME", dest="keep_bounds",
            help="loosened cells: keep this build requirement's upper bound (repeatable)"),
        *SETTINGS,
    )


# --- The keys of a matrix file, and of a [targets.NAME] preset ---------------------------
MATRIX_KEYS: tuple[Key, ...] = (
    Key(name="description", kind=TEXT, scopes=frozenset({MATRIX}), help="one line saying what the matrix is for"),
    TARGET,
    Key(name="axes", kind=TABLE, scopes=frozenset({MATRIX}),
        help="the values of each axis (python, blas, platform, system_libraries, install_tags, package, deps); the "
             "cells are their product"),
    Key(name="defaults", kind=TEXT_TABLE, scopes=frozenset({MATRIX}),
        help="axis values left out of session names (platform, system_libraries, install_tags, package; deps is "
             "always locked)"),
    Key(name="exclude", kind=TABLES, scopes=frozenset({MATRIX}),
        help="tables of axis values: a cell matching every key of one is left out"),
    Key(name="include", kind=TABLES, scopes=frozenset({MATRIX}), help="tables of axis values: each adds one cell"),
    Key(name="targets", kind=TABLE, scopes=frozenset({MATRIX}),
        help="target presets, [targets.NAME] (see the preset keys)"),
    Key(name="toolchain_min", kind=TABLE, scopes=frozenset({MATRIX}),
        help="toolchain-min-<python> cells: python (a list), blas, platform"),
    Key(name="loosened", kind=TABLE, scopes=frozenset({MATRIX}),
        help="loosened-<python> cells: python (a list), blas, platform"),
    *SETTINGS,
)

_PRESET_ONLY = (
    ("description", TEXT, "one line saying what the target is"),
    ("path", TEXT, "a source tree, relative to the project root (exactly one of path and sdist)"),
    ("sdist", TEXT_TABLE, "an sdist from PyPI: { name, version, sha256 } (exactly one of path and sdist)"),
    ("import_name", TEXT, "the module the package installs, when it is not the project's name"),
    ("test_requires", TEXT_LIST, "what the tests need installed beside the wheel"),
    ("suites", TABLE, "test-suite presets: name = [arguments after pytest --pyargs]"),
    ("default_suite", TEXT, "the suite a cell runs unless -- --suite says otherwise"),
    ("smoke", TEXT, "the import smoke test of a runtime-only wheel (Python code)"),
    ("setup_args", TEXT_LIST, "meson -D options every cell of this target adds"),
    ("system_requires", TEXT_TABLE, "command = Debian package the build needs (installed as root, else named)"),
    ("system_library_modules", TEXT_TABLE,
     "use-system-libraries component = the pkg-config module it is found by (with the package that ships it); a "
     "cell that requires one pkg-config cannot find fails before its build"),
    ("blas_args", TABLE, "flavour = [meson options] where the target selects a flavour its own way"),
    ("blas_pkgconfig", TABLE,
     "flavour = { pkg-config module = scipy-openblas package that writes it }, where the target finds a PyPI "
     "OpenBLAS by other names (SciPy's ILP64 build: scipy-openblas from scipy-openblas32 beside scipy-openblas64)"),
    ("toolchain_min", TEXT_TABLE, "toolchain-min cells: cc, cxx, fc = the oldest compilers the target supports"),
    ("toolchain_min_requires", TEXT_LIST,
     "requirements a toolchain-min build adds to the lowest [build-system] requires"),
    ("test_dir", TEXT, "the folder of the source tree the tests are in, when they are not installed"),
    ("test_command", TEXT,
     "the tests as the maintainers run them, a command with cibuildwheel's placeholders {project} and {package} "
     "(a && b runs both), run from a fresh folder with test_requires installed; wins over the project's own"),
    ("loosened_keep", TEXT_TABLE, "loosened cells: requirement = why its upper bound stays"),
    ("lintian_overrides", TEXT_TABLE, "deb cells: lintian tag = why it is overridden"),
    ("rpmlint_filters", TEXT_TABLE, "rpm cells: rpmlint check = why it is filtered"),
)
PRESET_KEYS: tuple[Key, ...] = (
    *(Key(name=name, kind=kind, scopes=frozenset({PRESET}), help=text) for name, kind, text in _PRESET_ONLY),
    *SETTINGS,
)


def names(keys: Iterable[Key]) -> tuple[str, ...]:
    return tuple(key.name for key in keys)


def add_cell_options(parser: argparse.ArgumentParser) -> None:
    for key in cell_options():
        key.add_to(parser)


def command_line_settings(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """The settings the command line gave, else the environment (None where neither did)."""
    given = environment_settings(environ or {})
    # A repeatable option given no time is an empty list: it must not hide the matrix file's.
    return {key.name: getattr(args, key.field) if getattr(args, key.field) not in (None, []) else given.get(key.name)
            for key in SETTINGS}
