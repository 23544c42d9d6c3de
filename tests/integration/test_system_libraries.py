"""use-system-libraries with SciPy's semantics, against a real "system" kahan or none.

Each case runs a real cell; the installed extension reports which kahan it linked.
"""

from __future__ import annotations

import pytest

from cells import installed_build_info, run_nox_cell
from syslib import install_system_kahan

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("syslib-home")


@pytest.fixture(scope="module")
def system_kahan(tmp_path_factory):
    return str(install_system_kahan(tmp_path_factory.mktemp("prefix")))


@pytest.fixture(scope="module")
def wrong_version_kahan(tmp_path_factory):
    return str(install_system_kahan(tmp_path_factory.mktemp("old-prefix"), version="1.1.0"))


# (session, which system copy is visible, expected status, expected kahan origin or error text)
CASES = [
    ("build-3.12-openblas", None, "passed", "vendored"),
    ("build-3.12-openblas", "exact", "passed", "vendored"),  # none: never looks
    ("build-3.12-openblas-auto", None, "passed", "vendored"),
    ("build-3.12-openblas-auto", "exact", "passed", "system"),
    ("build-3.12-openblas-auto", "old", "passed", "vendored"),  # only the bundled version counts
    # Stopped before the build: the preset maps kahan to its pkg-config module.
    ("build-3.12-openblas-all", None, "failed", "pkg-config does not find its module 'kahan'"),
    ("build-3.12-openblas-all", "exact", "passed", "system"),
    ("build-3.12-openblas-kahan", "old", "failed", "kahan"),
    ("build-3.12-openblas-kahan", "exact", "passed", "system"),
]


@pytest.mark.parametrize(("session", "visible", "status", "expected"), CASES,
                         ids=[f"{c[0].removeprefix('build-3.12-')}-{c[1] or 'absent'}" for c in CASES])
def test_system_library_modes(home, system_kahan, wrong_version_kahan, session, visible, status, expected):
    pkg_config_path = {"exact": system_kahan, "old": wrong_version_kahan}.get(visible or "", "")
    result = run_nox_cell(home, session, env={"PKG_CONFIG_PATH": pkg_config_path})
    r = result.record
    assert r["status"] == status, result.output[-3000:]
    if status == "passed":
        assert result.returncode == 0
        assert r["system_components"] == {"kahan": expected}
        assert installed_build_info(home, session)["kahan_origin"] == expected
        if expected == "system":
            assert any(lib.startswith("libkahan") for lib in r["repair"]["grafted"])
    else:
        assert result.returncode != 0
        assert expected in r["error"]
        # Missing: stopped before any build. Present in the wrong version: meson's own error.
        assert (r["durations"].get("build") is None) == (visible is None), r["durations"]


def test_split_with_auto_and_a_system_copy(home, system_kahan):
    result = run_nox_cell(home, "build-3.12-openblas-auto-split", env={"PKG_CONFIG_PATH": system_kahan})
    assert result.returncode == 0, result.output[-3000:]
    assert result.record["partition"]["ok"]
    assert result.record["system_components"] == {"kahan": "system"}
