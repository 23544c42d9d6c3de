"""Numbers, not imports: BLAS and LAPACK must compute known answers."""

import os
from pathlib import Path

import pytest

import blasdemo
from blasdemo.tests._test_matrices import hilbert

DATA = Path(__file__).parent / "data"


def load_system(name):
    rows = [
        [float(v) for v in line.split()]
        for line in (DATA / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    n = len(rows[0])
    return rows[:n], rows[n], rows[n + 1]


def test_solve_known_system():
    a, b, expected = load_system("solve_3x3.txt")
    x = blasdemo.solve(a, b)
    assert x == pytest.approx(expected, rel=1e-12)


def test_matmul_matches_python():
    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    b = [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]
    expected = [[sum(a[i][p] * b[p][j] for p in range(3)) for j in range(2)] for i in range(2)]
    assert blasdemo.matmul(a, b) == expected == [[58.0, 64.0], [139.0, 154.0]]


def test_solve_hilbert_recovers_ones():
    # Hilbert matrices are ill-conditioned; n=6 still gives ~1e-6 accuracy in double.
    n = 6
    h = hilbert(n)
    b = [sum(row) for row in h]
    assert blasdemo.solve(h, b) == pytest.approx([1.0] * n, rel=1e-6)


def test_singular_matrix_is_reported():
    with pytest.raises(ArithmeticError, match="singular"):
        blasdemo.solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0])


def test_large_matmul_uses_blocked_kernel():
    # Big enough that an optimised BLAS takes its blocked path, not a scalar loop.
    n = 96
    a = [[float((i * 7 + j * 3) % 11) for j in range(n)] for i in range(n)]
    identity = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    assert blasdemo.matmul(a, identity) == a


def test_ddot_with_a_length_past_int32():
    """64-bit indices for real: an ILP64 BLAS sums 2**31 + 7 terms; LP64 refuses."""
    from blasdemo import _linalg

    n = 2**31 + 7
    if blasdemo.build_info()["blas_int_size"] == 8:
        assert _linalg.ddot_repeated(1.0, 1.0, n) == float(n)
    else:
        with pytest.raises(OverflowError, match="32-bit"):
            _linalg.ddot_repeated(1.0, 1.0, n)
    assert _linalg.ddot_repeated(2.0, 3.0, 1000) == 6000.0


def test_blas_integer_size():
    info = blasdemo.build_info()
    expected = os.environ.get("BLASDEMO_EXPECT_INT_SIZE")
    assert info["blas_int_size"] in (4, 8)
    if expected:
        assert info["blas_int_size"] == int(expected)
