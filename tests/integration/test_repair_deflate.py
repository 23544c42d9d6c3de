"""A repair that deflates only what it changed ships the wheel auditwheel's own repair
gives, byte for byte: auditwheel writes the members stored, the stage gives the unchanged
ones the built wheel's compressed bytes (wheels/deflate.py)."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from cells import run_nox_cell

pytestmark = pytest.mark.integration


def test_the_repaired_wheel_is_what_auditwheel_writes_at_its_default_level(tmp_path):
    cache = tmp_path / "cache"
    cell = run_nox_cell(tmp_path / "home", "build-3.12-openblas", env={"MESONMATRIX_CACHE": str(cache)})
    assert cell.returncode == 0, cell.output[-3000:]
    log = (cell.record_path.parent / "cell.log").read_text()
    assert "--zip-compression-level 0" in log and " deflated (changed or added by the repair)]" in log
    built = Path(cell.record["built_wheels"][0]["path"])
    shipped = Path(cell.record["wheels"][0]["path"])
    if not built.is_absolute():
        built, shipped = Path.cwd() / built, Path.cwd() / shipped
    (env,) = [p for p in (cache / "envs").glob("py3.12-*") if p.is_dir() and not p.is_symlink()]
    libs = next(env.glob("lib/python3.12/site-packages/scipy_openblas32/lib"))
    out = tmp_path / "auditwheel-default"
    subprocess.run(["auditwheel", "repair", "--wheel-dir", str(out), str(built)], check=True, capture_output=True,
                   env=dict(os.environ, PATH=f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}",
                            LD_LIBRARY_PATH=str(libs), SOURCE_DATE_EPOCH=str(cell.record["source_date_epoch"])))
    (reference,) = out.glob("*.whl")
    assert reference.name == shipped.name
    with zipfile.ZipFile(reference) as a, zipfile.ZipFile(shipped) as b:
        assert [(i.filename, i.CRC, i.date_time) for i in a.infolist()] == \
            [(i.filename, i.CRC, i.date_time) for i in b.infolist()]
    # The same zlib deflated the built wheel and auditwheel's, so the bytes are the same too.
    assert reference.read_bytes() == shipped.read_bytes(), json.dumps(cell.record["repair"])
