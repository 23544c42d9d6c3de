"""The one table of BLAS families: every flavour promises a family the probe and verify know,
and library names map to the family a reader would expect."""

import json

import pytest

from mesonmatrix.providers import PROVIDERS
from mesonmatrix.providers.families import BLAS_FAMILIES, FALLBACK_FAMILY, FAMILY_NAMES, family_of_library, probe_table


def test_every_flavour_expects_a_known_family():
    for provider in PROVIDERS.values():
        assert set(provider.expectation.names) <= set(FAMILY_NAMES), provider.name


def test_the_reference_blas_comes_last_for_the_probe():
    assert BLAS_FAMILIES[-1].name == FALLBACK_FAMILY
    assert [f["name"] for f in json.loads(json.dumps(probe_table()))] == list(FAMILY_NAMES)


@pytest.mark.parametrize(("library", "family"), [
    ("scipy_openblas64_.libs/libscipy_openblas64_-ff651d7f.so", "openblas"),
    ("libopenblas.so.0", "openblas"),
    ("/System/Library/Frameworks/Accelerate.framework/Versions/A/Accelerate", "accelerate"),
    ("/usr/lib/libBLAS.dylib", "accelerate"),
    ("mkl_rt.2.dll", "mkl"),
    ("libblis.so.4", "blis"),
    ("libblas.so.3", "netlib"),
    ("liblapack.so.3", "netlib"),
    ("libgfortran.so.5", None),
])
def test_library_names(library, family):
    assert family_of_library(library) == family
