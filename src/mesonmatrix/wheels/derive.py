"""Repair once per build: the runtime and tests wheels' repaired forms cut from the
repaired full wheel, instead of each cut wheel repaired again (auditwheel only).

Why the result is what a repair of each cut wheel gives: auditwheel patches every
extension of a wheel the same way whichever wheel it sits in, and grafts the same
libraries under the same content-hashed names. Measured on the demo's split cells (and
proven by ``tests/integration/test_derive.py`` on every run): every member of the runtime
and tests wheels repaired one by one is byte-identical to the same member of the repaired
full wheel; only RECORD, auditwheel's directory entries (which install nothing) and the
tests wheel's WHEEL differ. The tests wheel leaves out the SBOM auditwheel wrote into the
full wheel's dist-info: it lists the grafted libraries, which the runtime wheel holds.

The one real difference is the tests wheel's platform tag. Repaired alone, auditwheel
gives it the most compatible policy its own binaries meet (the demo's: manylinux_2_5);
cut from the repaired full wheel it keeps the full wheel's (manylinux_2_27). The tests
wheel requires its runtime wheel at exactly its version, and that wheel carries the full
wheel's tag too, so the pair installs on exactly the machines it did before.
``--repair-each`` repairs every cut wheel on its own instead.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from ..model import INSTALL_TAGS_BY_ROLE, TESTS, Role
from .rename import rename_wheel
from .tagsets import subset_wheel

# The tag a repaired full wheel's added members get: the grafted libraries (auditwheel's
# ``<name>.libs/``) are what the runtime wheel's extensions load.
GRAFTED_TAG = "runtime"


def derive_repaired(role: Role, repaired_full: Path, member_tags: Mapping[str, str | None], out_dir: Path, *,
                    tests_project_name: str, tests_requires: tuple[str, ...]) -> Path:
    """The repaired ``role`` wheel (runtime or tests), cut from ``repaired_full`` with the
    full wheel's member tags, written into ``out_dir``."""
    tags = dict(member_tags)
    with zipfile.ZipFile(repaired_full) as archive:
        for name in archive.namelist():
            if name not in tags and not name.endswith("/") and ".dist-info/" not in name:
                tags[name] = GRAFTED_TAG
    with tempfile.TemporaryDirectory(prefix="mesonmatrix-derive-", dir=out_dir) as work:
        cut = subset_wheel(repaired_full, tags, INSTALL_TAGS_BY_ROLE[role], Path(work))
        if role == TESTS:
            # auditwheel's SBOM lists the libraries it grafted, which stay in the runtime wheel.
            return rename_wheel(cut, tests_project_name, out_dir, requires=tests_requires, drop_metadata=("sboms/",))
        return Path(shutil.move(cut, out_dir / cut.name))
