"""blasdemo: a small SciPy-shaped package that calls BLAS and LAPACK for real."""

from __future__ import annotations

from collections.abc import Sequence

from . import _linalg

__version__ = "0.1.0"
__all__ = ["build_info", "kahan_sum", "matmul", "solve"]

Matrix = Sequence[Sequence[float]]


def _column_major(rows: Matrix) -> list[float]:
    return [float(rows[i][j]) for j in range(len(rows[0])) for i in range(len(rows))]


def matmul(a: Matrix, b: Matrix) -> list[list[float]]:
    """Return ``a @ b`` for nested lists, computed by BLAS ``dgemm``."""
    m, k, n = len(a), len(b), len(b[0])
    if any(len(row) != k for row in a):
        raise ValueError("inner dimensions do not match")
    flat = _linalg.dgemm(_column_major(a), _column_major(b), m, k, n)
    return [[flat[j * m + i] for j in range(n)] for i in range(m)]


def solve(a: Matrix, b: Sequence[float]) -> list[float]:
    """Solve ``a x = b`` with LAPACK ``dgesv``."""
    n = len(a)
    if any(len(row) != n for row in a) or len(b) != n:
        raise ValueError("a must be square and match b")
    return _linalg.dgesv(_column_major(a), [float(v) for v in b], n)


def kahan_sum(values: Sequence[float]) -> float:
    """Compensated sum from the kahan library (vendored or system copy)."""
    return _linalg.kahan_sum(values)


def build_info() -> dict[str, object]:
    """How the extension was built: BLAS integer size and symbol naming, kahan origin."""
    return dict(_linalg.build_info())
