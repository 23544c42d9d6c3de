"""mesonmatrix: a reproducible build matrix for meson-python packages with BLAS/LAPACK.

One cell of the matrix builds a target in a cached build dir, repairs the wheel, installs
it in a fresh venv and runs the installed test suite. The matrix is data (``matrices/``);
the noxfile only turns each cell into a session.
"""

__version__ = "0.1.0"
