"""A .deb's copyright file and Description from a wheel's metadata: licences named by SPDX
and Debian short names, a shipped licence's text replaced by a pointer, a Description
that is no package name. The reference texts are made here (unit tests do not read the
host's /usr/share/common-licenses; the integration test lints real packages with them)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mesonmatrix.repackage import debcopyright, licenses

UPSTREAM = debcopyright.Upstream(name="demo", source="https://example.org/demo", authors=("Ada <ada@example.org>",))


def _licence_text(seed: int, words: int = 600) -> str:
    """A text as long as a licence's terms, words no other text shares."""
    rng = random.Random(seed)
    body = " ".join(f"w{rng.randrange(10**6)}" for _ in range(words))
    return f"Preamble {seed}\n\nTERMS AND CONDITIONS\n\n{body}\n\nEND OF TERMS AND CONDITIONS\n\nAPPENDIX {seed}\n"


@pytest.fixture
def references(tmp_path: Path) -> licenses.References:
    for seed, name in enumerate(("Apache-2.0", "GPL-2", "GPL-3", "LGPL-3")):
        (tmp_path / name).write_text(_licence_text(seed))
    return licenses.shipped_references(tmp_path)


def _identify(references, **given: object) -> licenses.Licence:
    args: dict[str, object] = {"expression": "", "license_field": "", "classifiers": [], "files": {}}
    return licenses.identify(**{**args, **given}, references=references)  # type: ignore[arg-type]


def test_spdx_names_become_debians_short_names():
    assert debcopyright.debian_expression("GPL-2.0-or-later") == "GPL-2+"
    assert debcopyright.debian_expression("LGPL-2.1-only OR MIT") == "LGPL-2.1 or Expat"
    assert debcopyright.debian_expression("(BSD-3-Clause AND GPL-3.0+) OR Apache-2.0") == \
        "(BSD-3-clause and GPL-3+) or Apache-2.0"
    assert debcopyright.debian_expression("GPL-3.0-or-later WITH GCC-exception-3.1") == "GPL-3+ with GCC-3.1 exception"
    assert debcopyright.shipped_file("GPL-2+") == "GPL-2" and debcopyright.shipped_file("Expat") is None


def test_the_licence_comes_from_the_first_place_that_names_it(references):
    assert _identify(references, expression="apache-2.0").expression == "Apache-2.0"
    assert _identify(references, license_field="mit").source == "its License field"
    field = _identify(references, license_field="Apache 2", classifiers=["License :: OSI Approved :: Apache Software "
                                                                         "License"])
    assert (field.expression, field.source) == ("Apache-2.0", "its trove classifiers")
    # A vague classifier (which BSD?) is settled by the text.
    bsd = "Copyright (c) 2020 Ada\nRedistribution and use in source and binary forms ...\nNeither the name of"
    found = _identify(references, classifiers=["License :: OSI Approved :: BSD License"], files={"LICENSE": bsd})
    assert (found.expression, found.source) == ("BSD-3-Clause", "the text of LICENSE")
    assert _identify(references).expression == ""


def test_a_shipped_licences_full_text_is_recognised_and_replaced_by_a_pointer(references):
    text = "Copyright 2024 The Demo Authors\n\n" + _licence_text(0)
    found = _identify(references, license_field=text)  # meson-python puts license = {file=...} in License
    assert found.expression == "Apache-2.0" and found.texts[0].shipped
    out = debcopyright.copyright_file(found, UPSTREAM)
    assert out.startswith(f"Format: {debcopyright.FORMAT}\n")
    assert "\nLicense: Apache-2.0\n" in out and '"/usr/share/common-licenses/Apache-2.0"' in out
    assert "TERMS AND CONDITIONS" not in out and "w" + "1" not in out.split("License: Apache-2.0")[-1][:3]
    assert "Files: *\nCopyright: Ada <ada@example.org>\n" in out  # the shipped text's lines are not holders


def test_a_text_the_distro_does_not_ship_is_kept_with_its_holders(references):
    mit = ("MIT License\n\nCopyright (c) 2019-2024 Ada Lovelace\n\n\tPermission is hereby granted, free of charge, "
           "to any person obtaining a copy\n\nof this software")
    found = _identify(references, expression="MIT", files={"licenses/LICENSE": mit})
    out = debcopyright.copyright_file(found, UPSTREAM)
    assert "Copyright: 2019-2024 Ada Lovelace\nLicense: Expat\n" in out
    assert "\nLicense: Expat\n MIT License\n .\n Copyright (c) 2019-2024 Ada Lovelace\n .\n" in out
    assert "\t" not in out


def test_gpl_or_later_points_at_its_version_and_says_later(references):
    found = _identify(references, classifiers=["License :: OSI Approved :: GNU General Public License v2 or later "
                                               "(GPLv2+)"], files={"COPYING": _licence_text(1)})
    out = debcopyright.copyright_file(found, UPSTREAM)
    assert "License: GPL-2+\n" in out and "/usr/share/common-licenses/GPL-2" in out and "later" in out
    # The text alone says only which version: GPL-3.0-only, and LGPL-3 beside the GPL-3 is the LGPL-3.
    both = _identify(references, files={"COPYING": _licence_text(2), "COPYING.LESSER": _licence_text(3)})
    assert both.expression == "LGPL-3.0-only"


def test_a_text_holding_more_than_a_licence_is_not_replaced(references):
    text = _licence_text(0) + "\n" + _licence_text(99)  # Apache-2.0 and a licence no one ships
    found = _identify(references, expression="Apache-2.0", files={"LICENSE": text})
    assert found.texts[0].spdx == ("Apache-2.0",) and not found.texts[0].shipped


def test_a_description_without_a_summary_is_not_the_package_name():
    text = debcopyright.description(summary="", long_description="", name="blasdemo")
    synopsis, extended = text.split("\n", 1)
    assert synopsis == "Python 3 module blasdemo" and extended.startswith(" This package holds the blasdemo")
    readme = ("# blasdemo\n\n[![ci](https://x/badge.svg)](https://x)\n\nFast *BLAS* calls from Python. It wraps "
              "[OpenBLAS](https://openblas.net).\n\n```\ncode\n```\n")
    synopsis, extended = debcopyright.description(summary="", long_description=readme, name="blasdemo").split("\n", 1)
    assert synopsis == "Fast BLAS calls from Python"
    assert extended.startswith(" Fast BLAS calls from Python. It wraps OpenBLAS.\n .\n This package")
    assert debcopyright.description(summary="blasdemo", long_description="", name="blasdemo").startswith(
        "Python 3 module: blasdemo\n")
