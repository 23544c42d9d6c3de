"""What the rpm stage takes from a wheel's metadata and files before rpmbuild sees them."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from mesonmatrix.repackage.rpm import drop_stray_shebangs, license_tag


def test_license_is_a_name_never_the_text_of_a_license():
    assert license_tag("BSD-3-Clause", "Copyright (c) …\nlong text", "scipy") == "BSD-3-Clause"
    assert license_tag("", "MIT", "PyWavelets") == "MIT"
    # SciPy 1.17.1's License field is its LICENSE.txt; rpmlint read "Copyright" and "c" as names.
    text = "Copyright (c) 2001-2002 Enthought, Inc. 2003, SciPy Developers.\nAll rights reserved.\n"
    assert license_tag("", text, "scipy") == "LicenseRef-scipy"
    assert license_tag("", "", "x") == ""


def test_a_non_executable_module_loses_its_shebang_and_record_follows(tmp_path: Path):
    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    module, script = site / "pkg" / "test_a.py", site / "pkg" / "tool.py"
    module.write_bytes(b"#!/usr/bin/env python\nimport os\n")
    script.write_bytes(b"#!/usr/bin/env python\nimport sys\n")
    script.chmod(0o755)
    (site / "pkg-1.0.dist-info").mkdir()
    record = site / "pkg-1.0.dist-info" / "RECORD"
    record.write_text("pkg/test_a.py,sha256=old,31\npkg/tool.py,sha256=kept,32\npkg-1.0.dist-info/RECORD,,\n")

    assert drop_stray_shebangs(site) == ["pkg/test_a.py"]

    assert module.read_bytes() == b"import os\n"
    assert script.read_bytes().startswith(b"#!")
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"import os\n").digest()).rstrip(b"=").decode()
    assert record.read_text().splitlines() == [f"pkg/test_a.py,sha256={digest},10", "pkg/tool.py,sha256=kept,32",
                                               "pkg-1.0.dist-info/RECORD,,"]
