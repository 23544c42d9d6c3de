"""A repaired wheel written stored is deflated where the repair changed it and nowhere
else: real zip files, as meson-python and auditwheel --zip-compression-level 0 write them."""

import hashlib
import zipfile
import zlib

from mesonmatrix.wheels.deflate import deflate_changed
from mesonmatrix.wheels.rewrite import StoredBytes


def _text(seed: str) -> bytes:
    return "".join(f"{seed} {i}: {hashlib.sha256(f'{seed}{i}'.encode()).hexdigest()}\n"
                   for i in range(5000)).encode()


def test_only_what_the_repair_changed_is_deflated(tmp_path):
    built = tmp_path / "pkg-1.0-cp312-cp312-linux_x86_64.whl"
    same, patched, grafted = _text("module"), _text("patched"), _text("library")
    # Deflated at level 1: this machine's default level would not give these bytes again.
    with zipfile.ZipFile(built, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("pkg/__init__.py", same)
        archive.writestr("pkg/_ext.so", b"\x7fELF" + same)
        archive.writestr("pkg-1.0.dist-info/RECORD", "old record\n")
    repaired = tmp_path / "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(repaired, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=0) as archive:
        archive.writestr(zipfile.ZipInfo("pkg/", date_time=(2026, 1, 1, 0, 0, 0)), "")
        archive.writestr("pkg/__init__.py", same)
        archive.writestr("pkg/_ext.so", patched)  # patchelf changed it
        archive.writestr("pkg.libs/libopenblas-1a2b.so", grafted)
        archive.writestr("pkg-1.0.dist-info/RECORD", "new record\n")
    with zipfile.ZipFile(repaired) as archive:
        order = [(i.filename, i.date_time, i.external_attr) for i in archive.infolist()]
    counts = deflate_changed(repaired, built)
    assert (counts.copied, counts.deflated) == (1, 3)
    with zipfile.ZipFile(repaired) as out, StoredBytes(repaired) as stored, StoredBytes(built) as before, \
            zipfile.ZipFile(built) as source:
        assert out.testzip() is None
        assert [(i.filename, i.date_time, i.external_attr) for i in out.infolist()] == order
        assert [out.read(n) for n in out.namelist()] == [b"", same, patched, grafted, b"new record\n"]
        # The unchanged member: the built wheel's compressed bytes, as they were.
        assert stored.read(out.getinfo("pkg/__init__.py")) == before.read(source.getinfo("pkg/__init__.py"))
        # The changed and the new: deflated at the default level, as auditwheel would.
        for name, data in (("pkg/_ext.so", patched), ("pkg.libs/libopenblas-1a2b.so", grafted)):
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            assert stored.read(out.getinfo(name)) == compressor.compress(data) + compressor.flush()
