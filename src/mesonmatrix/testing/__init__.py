"""Running an installed test suite and proving which BLAS it loads: pytest with a JUnit
file, an import smoke test, tests kept outside the package, and the BLAS probe (a script
run with the test venv's interpreter). Used by the test stage and by ``verify``."""
