"""A stored repair is reused only while every input of the repair is unchanged."""

from pathlib import Path

import pytest

from mesonmatrix.store.repairstore import repair_key, reusable_repair, store_repair

WHEEL = Path("/cell/built/pkg-1.0-cp312-cp312-linux_x86_64.whl")
OUT = Path("/cell/dist")
BASE = dict(wheel=WHEEL, wheel_sha256="aa" * 32, out_dir=OUT,
            argv=["auditwheel", "-v", "repair", "--wheel-dir", str(OUT), str(WHEEL)],
            env={"LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu/blas"}, tool="auditwheel",
            tool_versions={"auditwheel": "6.4.0", "patchelf": "0.17.2"})


@pytest.mark.parametrize("change", [
    {"wheel_sha256": "bb" * 32},
    {"tool_versions": {"auditwheel": "6.5.0", "patchelf": "0.17.2"}},
    {"tool": "repairwheel"},
    {"argv": ["auditwheel", "-v", "repair", "--plat", "manylinux_2_28_x86_64", "--wheel-dir", str(OUT), str(WHEEL)]},
    {"env": {"LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu/openblas-pthread"}},
], ids=["wheel", "tool-version", "tool", "arguments", "library-path"])
def test_each_input_changes_the_key(change):
    assert repair_key(**{**BASE, **change}) != repair_key(**BASE)


def test_the_cells_own_paths_are_not_part_of_the_key():
    """A runtime cell and a split cell repair the same cut wheel from different folders."""
    other_wheel, other_out = Path("/other/built") / WHEEL.name, Path("/other/dist")
    moved = {**BASE, "wheel": other_wheel, "out_dir": other_out,
             "argv": ["auditwheel", "-v", "repair", "--wheel-dir", str(other_out), str(other_wheel)]}
    assert repair_key(**moved) == repair_key(**BASE)


def test_a_stored_repair_is_reused_until_a_grafted_library_changes(tmp_path):
    library = tmp_path / "libblas.so.3"
    library.write_bytes(b"\x7fELF one")
    repaired = tmp_path / "pkg-1.0-cp312-cp312-manylinux_2_27_x86_64.whl"
    repaired.write_bytes(b"PK repaired")
    store, said = tmp_path / "store" / "full", []
    store_repair(repaired, store, "key", [library])
    assert reusable_repair(store, "key", said.append) == store / repaired.name
    assert reusable_repair(store, "other key", said.append) is None
    library.write_bytes(b"\x7fELF two")
    assert reusable_repair(store, "key", said.append) is None
    assert said and "grafted into" in said[-1] and "repairing again" in said[-1]
    library.unlink()
    assert reusable_repair(store, "key", said.append) is None
