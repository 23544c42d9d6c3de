"""Repair once per build: runtime and tests wheels cut from the repaired full wheel hold
exactly what auditwheel gives when it repairs each cut wheel on its own."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from cells import run_nox_cell

pytestmark = pytest.mark.integration


def payload(wheel: Path) -> dict[str, str]:
    """Every file but RECORD (rewritten for any cut wheel), by sha256. auditwheel also
    writes directory entries, which install nothing; a cut wheel has none."""
    with zipfile.ZipFile(wheel) as archive:
        return {n: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()
                if not n.endswith(".dist-info/RECORD") and not n.endswith("/")}


def tags(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
        return [line.split(":", 1)[1].strip() for line in archive.read(info).decode().splitlines()
                if line.startswith("Tag:")]


def by_role(record: dict) -> dict[str, Path]:
    return {w["role"]: Path(w["path"]) for w in record["wheels"]}


@pytest.mark.parametrize("flavour", ["openblas", "netlib"])
def test_cut_from_the_repaired_full_wheel_equals_repairing_each(tmp_path, flavour):
    full = run_nox_cell(tmp_path / "once", f"build-3.12-{flavour}")
    once = run_nox_cell(tmp_path / "once", f"build-3.12-{flavour}-split")
    each = run_nox_cell(tmp_path / "each", f"build-3.12-{flavour}-split", "--repair-each")
    for result in (full, once, each):
        assert result.returncode == 0, result.output[-3000:]
    # One repair for the build: the split cell reused the full cell's and cut from it.
    assert once.record["repair"]["derived"] == ["runtime", "tests"] and once.record["repair"]["reused"] is True
    assert each.record["repair"]["derived"] == []
    derived, repaired = by_role(once.record), by_role(each.record)
    # The same members with the same bytes, grafted libraries and auditwheel's SBOM included;
    # of the tests wheel's, all but WHEEL, whose tag follows.
    assert payload(derived["runtime"]) == payload(repaired["runtime"])
    wheel_file = "blasdemo_tests-0.1.0.dist-info/WHEEL"
    assert {k: v for k, v in payload(derived["tests"]).items() if k != wheel_file} == \
        {k: v for k, v in payload(repaired["tests"]).items() if k != wheel_file}
    # The runtime wheel is named and tagged as its own repair named it; the tests wheel keeps
    # the full wheel's tag (its own repair may pick an older policy), which its pinned
    # runtime wheel carries too, so the pair installs on the same machines.
    assert derived["runtime"].name == repaired["runtime"].name
    assert tags(derived["tests"]) == tags(derived["runtime"]) == tags(by_role(full.record)["full"])
    # Installed together and tested, with the partition check passing and the same BLAS.
    for result in (once, each):
        assert result.record["tests"]["passed"] >= 9 and result.record["tests"]["failed"] == 0
        assert result.record["partition"]["ok"] is True
    assert once.record["blas_runtime"]["library"].rsplit("/", 1)[-1] == \
        each.record["blas_runtime"]["library"].rsplit("/", 1)[-1]
