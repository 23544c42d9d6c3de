"""The kahan component, vendored or from the system, must compensate rounding."""

import os

import blasdemo


def test_compensated_sum_beats_naive():
    values = [1.0] + [1e-16] * 10_000
    naive = 0.0
    for v in values:  # not sum(): Python 3.12+ compensates in sum() itself
        naive += v
    assert naive == 1.0
    assert abs(blasdemo.kahan_sum(values) - (1.0 + 1e-12)) < 1e-15


def test_kahan_version_is_the_bundled_one():
    assert blasdemo.build_info()["kahan_version"] == "1.2.0"


def test_kahan_origin():
    origin = blasdemo.build_info()["kahan_origin"]
    assert origin in ("vendored", "system")
    expected = os.environ.get("BLASDEMO_EXPECT_KAHAN")
    if expected:
        assert origin == expected
