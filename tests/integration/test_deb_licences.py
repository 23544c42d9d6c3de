"""The .deb stage's copyright file and Description for projects under each common licence,
checked by lintian itself: a staged root as the wheel's install leaves it (a dist-info with
METADATA and licence files), the deb cell's own code for the texts, dpkg-deb, lintian.
The licence texts are Debian's own (/usr/share/common-licenses), as projects ship them."""

from __future__ import annotations

from pathlib import Path

import pytest

import prerequisites

pytestmark = pytest.mark.integration
COMMON = Path("/usr/share/common-licenses")
MIT = ("Copyright (c) 2024 The Tiny Developers\n\nPermission is hereby granted, free of charge, to any person "
       "obtaining a copy\nof this software and associated documentation files (the \"Software\"), to deal\nin the "
       "Software without restriction.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND.\n")
BSD = ("Copyright (c) 2024, The Tiny Developers\nAll rights reserved.\n\nRedistribution and use in source and binary "
       "forms, with or without\nmodification, are permitted provided that the following conditions are met:\n"
       "3. Neither the name of the copyright holder nor the names of its contributors\n   may be used to endorse.\n")

# (case, METADATA headers, licence files in the dist-info, the copyright file's License, the pointer)
CASES = [
    ("mit", "License-Expression: MIT\n", {"licenses/LICENSE": MIT}, "Expat", None),
    ("bsd", "License: BSD-3-Clause\n", {"licenses/LICENSE.txt": BSD}, "BSD-3-clause", None),
    ("apache", "Classifier: License :: OSI Approved :: Apache Software License\n", {"LICENSE": "Apache-2.0"},
     "Apache-2.0", "Apache-2.0"),
    ("gpl2plus", "Classifier: License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)\n",
     {"COPYING": "GPL-2"}, "GPL-2+", "GPL-2"),
    ("gpl3plus", "License-Expression: GPL-3.0-or-later\n", {"licenses/COPYING": "GPL-3"}, "GPL-3+", "GPL-3"),
    ("lgpl", "", {"COPYING": "GPL-3", "COPYING.LESSER": "LGPL-3"}, "LGPL-3", "LGPL-3"),
    ("lgpl21", "License-Expression: LGPL-2.1-or-later\n", {"LICENSE": "LGPL-2.1"}, "LGPL-2.1+", "LGPL-2.1"),
]


def _staged(tmp_path: Path, name: str, headers: str, files: dict[str, str], summary: str) -> Path:
    root = tmp_path / name / "root"
    site = root / "usr" / "lib" / "python3" / "dist-packages"
    (site / "tiny").mkdir(parents=True)
    (site / "tiny" / "__init__.py").write_text("VALUE = 1\n")
    info = site / "tiny-1.0.dist-info"
    info.mkdir()
    for member, text in files.items():
        (info / member).parent.mkdir(parents=True, exist_ok=True)
        (info / member).write_text(text if "\n" in text else (COMMON / text).read_text())
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: tiny\nVersion: 1.0\n{summary}{headers}"
                                   "Author-email: Tiny Developers <tiny@example.org>\n\n")
    return root


@pytest.mark.parametrize(("case", "headers", "files", "license_name", "pointer"), CASES, ids=[c[0] for c in CASES])
def test_each_licence_gives_a_lintian_clean_copyright_file(tmp_path, case, headers, files, license_name, pointer):
    _lint_clean(tmp_path, case, headers, files, license_name, pointer, summary="Summary: Tiny numbers for tests\n")


def test_a_project_without_a_summary_gets_a_real_description(tmp_path):
    control = _lint_clean(tmp_path, "nosummary", "", {"LICENSE": "Apache-2.0"}, "Apache-2.0", "Apache-2.0",
                          summary="")
    assert "Description: Python 3 module tiny\n This package holds the tiny module" in control


def _lint_clean(tmp_path: Path, case: str, headers: str, files: dict[str, str], license_name: str,
                pointer: str | None, *, summary: str) -> str:
    prerequisites.command("lintian", fix="sudo apt-get install -y lintian")
    if not COMMON.is_dir():
        prerequisites.missing("/usr/share/common-licenses", "sudo apt-get install -y base-files")
    from mesonmatrix.machine.commands import CommandRunner
    from mesonmatrix.repackage import deb as debian
    from mesonmatrix.stages.package import debian_texts, package_metadata

    root = _staged(tmp_path, case, headers, files, summary)
    fields, _requires, licence_files = package_metadata(root)
    copyright_text, description, _ = debian_texts(root, fields, licence_files)
    runner = CommandRunner(log=tmp_path / f"{case}.log", echo_output=False)
    debian.write_policy_files(root, package="python3-tiny", version="1.0-1", copyright=copyright_text,
                              epoch=1700000000)
    control = debian.control_file(package="python3-tiny", version="1.0-1", depends=["python3"],
                                  description=description, installed_kib=debian.installed_size_kib(root))
    deb = debian.build_deb(root, control, tmp_path / f"python3-tiny_1.0-1_all-{case}.deb", runner, epoch=1700000000)
    lint = debian.run_lintian(deb, runner)
    assert lint.errors == [], (lint.errors, copyright_text, control)
    assert f"\nLicense: {license_name}\n" in copyright_text, copyright_text
    if pointer:
        assert f'"/usr/share/common-licenses/{pointer}"' in copyright_text
        assert "TERMS AND CONDITIONS" not in copyright_text
    else:
        assert "The Tiny Developers" in copyright_text.split("Files: *")[1]
    return control
