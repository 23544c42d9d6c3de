"""What the rpm stage takes from a wheel's metadata and files before rpmbuild sees them."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from mesonmatrix.repackage.rpm import fix_scripts, license_tag


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
    script.write_bytes(b"#!/usr/bin/python3.12\nimport sys\n")
    script.chmod(0o755)
    (site / "pkg-1.0.dist-info").mkdir()
    record = site / "pkg-1.0.dist-info" / "RECORD"
    record.write_text("pkg/test_a.py,sha256=old,31\npkg/tool.py,sha256=kept,31\npkg-1.0.dist-info/RECORD,,\n")

    assert fix_scripts(site, "/usr/bin/python3.12").unshebanged == ["pkg/test_a.py"]

    assert module.read_bytes() == b"import os\n"
    assert script.read_bytes().startswith(b"#!")
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"import os\n").digest()).rstrip(b"=").decode()
    assert record.read_text().splitlines() == [f"pkg/test_a.py,sha256={digest},10", "pkg/tool.py,sha256=kept,31",
                                               "pkg-1.0.dist-info/RECORD,,"]


def test_executables_get_an_exact_shebang_or_lose_their_mode(tmp_path: Path):
    """Fedora's %py3_shebang_fix and rpmlint: an executable module without #! is made 0644,
    an env or unversioned Python shebang names the exact interpreter, RECORD follows."""
    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    files = {"plain.py": b"import os\n", "env.py": b"#!/usr/bin/env python3\nimport sys\n",
             "bare.py": b"#!/usr/bin/python -u\nx = 1\n", "exact.py": b"#!/usr/bin/python3.12\ny = 2\n",
             "shell.sh": b"#!/bin/sh\necho\n", "_ext.so": b"\x7fELF\x02\x01"}
    for name, data in files.items():
        (site / "pkg" / name).write_bytes(data)
        (site / "pkg" / name).chmod(0o755)
    (site / "pkg-1.0.dist-info").mkdir()
    record = site / "pkg-1.0.dist-info" / "RECORD"
    record.write_text("".join(f"pkg/{name},sha256=old,{len(data)}\n" for name, data in files.items()))

    fixes = fix_scripts(site, "/usr/bin/python3.12")

    assert fixes.unexecutable == ["pkg/plain.py"] and (site / "pkg" / "plain.py").stat().st_mode & 0o777 == 0o644
    assert fixes.exact == ["pkg/bare.py", "pkg/env.py"] and fixes.unshebanged == []
    assert (site / "pkg" / "env.py").read_bytes() == b"#!/usr/bin/python3.12\nimport sys\n"
    assert (site / "pkg" / "bare.py").read_bytes() == b"#!/usr/bin/python3.12 -u\nx = 1\n"
    assert (site / "pkg" / "shell.sh").read_bytes() == files["shell.sh"]
    assert (site / "pkg" / "_ext.so").stat().st_mode & 0o777 == 0o755  # an extension module stays executable
    rows = dict(line.split(",", 1) for line in record.read_text().splitlines())
    assert rows["pkg/env.py"].endswith(",33") and not rows["pkg/env.py"].startswith("sha256=old")
    assert rows["pkg/exact.py"] == "sha256=old,28" and rows["pkg/plain.py"] == "sha256=old,10"


def test_a_console_script_in_usr_bin_gets_the_exact_interpreter_and_record_follows(tmp_path: Path):
    """cysignals 1.12.6 ships /usr/bin/cysignals-CSI with #!/usr/bin/env python3: rpmlint's
    env-script-interpreter failed its rpm cell."""
    site = tmp_path / "usr" / "lib64" / "python3.12" / "site-packages"
    (site / "pkg-1.0.dist-info").mkdir(parents=True)
    scripts = tmp_path / "usr" / "bin"
    scripts.mkdir(parents=True)
    (scripts / "tool").write_bytes(b"#!/usr/bin/env python3\nprint(1)\n")
    (scripts / "tool").chmod(0o755)
    record = site / "pkg-1.0.dist-info" / "RECORD"
    record.write_text("../../../bin/tool,sha256=old,32\n")

    fixes = fix_scripts(scripts, "/usr/bin/python3.12", record_site=site)

    assert fixes.exact == ["tool"]
    assert (scripts / "tool").read_bytes() == b"#!/usr/bin/python3.12\nprint(1)\n"
    assert not record.read_text().startswith("../../../bin/tool,sha256=old")
