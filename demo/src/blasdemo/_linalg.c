/*
 * BLAS/LAPACK calls for blasdemo: dgemm and dgesv through a symbol macro that honours
 * a prefix and suffix (scipy-openblas exports scipy_dgemm_, ILP64 builds dgemm_64_),
 * and the vendored-or-system kahan library.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#include "kahan.h"

#ifndef BLAS_SYMBOL_PREFIX
#define BLAS_SYMBOL_PREFIX
#endif
#ifndef BLAS_SYMBOL_SUFFIX
#define BLAS_SYMBOL_SUFFIX
#endif

#define BLAS_CONCAT_(prefix, name, suffix) prefix##name##_##suffix
#define BLAS_CONCAT(prefix, name, suffix) BLAS_CONCAT_(prefix, name, suffix)
#define BLAS_FUNC(name) BLAS_CONCAT(BLAS_SYMBOL_PREFIX, name, BLAS_SYMBOL_SUFFIX)

#ifdef BLASDEMO_ILP64
typedef int64_t blas_int;
#else
typedef int blas_int;
#endif

void BLAS_FUNC(dgemm)(const char *transa, const char *transb, const blas_int *m,
                      const blas_int *n, const blas_int *k, const double *alpha,
                      const double *a, const blas_int *lda, const double *b,
                      const blas_int *ldb, const double *beta, double *c,
                      const blas_int *ldc);
double BLAS_FUNC(ddot)(const blas_int *n, const double *x, const blas_int *incx,
                       const double *y, const blas_int *incy);
void BLAS_FUNC(dgesv)(const blas_int *n, const blas_int *nrhs, double *a,
                      const blas_int *lda, blas_int *ipiv, double *b,
                      const blas_int *ldb, blas_int *info);

/* Copy a sequence of floats into a new C array; NULL with an exception set on error. */
static double *
doubles_from_sequence(PyObject *obj, Py_ssize_t expected, const char *what)
{
    PyObject *seq = PySequence_Fast(obj, "expected a sequence of floats");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t size = PySequence_Fast_GET_SIZE(seq);
    if (expected >= 0 && size != expected) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values, got %zd", what,
                     expected, size);
        Py_DECREF(seq);
        return NULL;
    }
    double *values = PyMem_Malloc(sizeof(double) * (size_t)(size > 0 ? size : 1));
    if (values == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        values[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
        if (values[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(values);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    return values;
}

static PyObject *
list_from_doubles(const double *values, Py_ssize_t size)
{
    PyObject *list = PyList_New(size);
    if (list == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *item = PyFloat_FromDouble(values[i]);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

/* dgemm(a, b, m, k, n): C = A @ B for column-major flat A (m x k) and B (k x n). */
static PyObject *
demo_dgemm(PyObject *self, PyObject *args)
{
    PyObject *a_obj, *b_obj;
    Py_ssize_t m, k, n;
    if (!PyArg_ParseTuple(args, "OOnnn", &a_obj, &b_obj, &m, &k, &n)) {
        return NULL;
    }
    if (m <= 0 || k <= 0 || n <= 0) {
        PyErr_SetString(PyExc_ValueError, "dimensions must be positive");
        return NULL;
    }
    double *a = doubles_from_sequence(a_obj, m * k, "a");
    if (a == NULL) {
        return NULL;
    }
    double *b = doubles_from_sequence(b_obj, k * n, "b");
    if (b == NULL) {
        PyMem_Free(a);
        return NULL;
    }
    double *c = PyMem_Calloc((size_t)(m * n), sizeof(double));
    if (c == NULL) {
        PyMem_Free(a);
        PyMem_Free(b);
        return PyErr_NoMemory();
    }
    blas_int bm = (blas_int)m, bk = (blas_int)k, bn = (blas_int)n;
    double alpha = 1.0, beta = 0.0;
    BLAS_FUNC(dgemm)("N", "N", &bm, &bn, &bk, &alpha, a, &bm, b, &bk, &beta, c, &bm);
    PyObject *result = list_from_doubles(c, m * n);
    PyMem_Free(a);
    PyMem_Free(b);
    PyMem_Free(c);
    return result;
}

/* dgesv(a, b, n): solve A x = b for column-major flat A (n x n). */
static PyObject *
demo_dgesv(PyObject *self, PyObject *args)
{
    PyObject *a_obj, *b_obj;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OOn", &a_obj, &b_obj, &n)) {
        return NULL;
    }
    if (n <= 0) {
        PyErr_SetString(PyExc_ValueError, "n must be positive");
        return NULL;
    }
    double *a = doubles_from_sequence(a_obj, n * n, "a");
    if (a == NULL) {
        return NULL;
    }
    double *b = doubles_from_sequence(b_obj, n, "b");
    if (b == NULL) {
        PyMem_Free(a);
        return NULL;
    }
    /* From libc, as real extensions allocate some of their memory: an extension that links
     * no libc at all leaves auditwheel (6.8) unable to tell its libc on Python < 3.11,
     * where it does not read it from the extension's name (pypa/auditwheel#727). */
    blas_int *ipiv = calloc((size_t)n, sizeof(blas_int));
    if (ipiv == NULL) {
        PyMem_Free(a);
        PyMem_Free(b);
        return PyErr_NoMemory();
    }
    blas_int bn = (blas_int)n, nrhs = 1, info = 0;
    BLAS_FUNC(dgesv)(&bn, &nrhs, a, &bn, ipiv, b, &bn, &info);
    PyObject *result = NULL;
    if (info < 0) {
        PyErr_Format(PyExc_ValueError, "dgesv: argument %lld is invalid", (long long)-info);
    }
    else if (info > 0) {
        PyErr_Format(PyExc_ArithmeticError, "dgesv: matrix is singular (U[%lld,%lld] == 0)",
                     (long long)info, (long long)info);
    }
    else {
        result = list_from_doubles(b, n);
    }
    PyMem_Free(a);
    PyMem_Free(b);
    free(ipiv);
    return result;
}

/* ddot_repeated(x, y, n): ddot over n copies of x and y (stride 0), so a length past
 * 2**31 needs 64-bit BLAS integers without needing 16 GiB of memory. */
static PyObject *
demo_ddot_repeated(PyObject *self, PyObject *args)
{
    double x, y;
    long long n;
    if (!PyArg_ParseTuple(args, "ddL", &x, &y, &n)) {
        return NULL;
    }
    if (n < 0 || (sizeof(blas_int) < sizeof(long long) && n > (long long)INT32_MAX)) {
        PyErr_Format(PyExc_OverflowError, "n=%lld does not fit this BLAS's %d-bit integers", n,
                     (int)(8 * sizeof(blas_int)));
        return NULL;
    }
    blas_int bn = (blas_int)n, inc = 0;
    double result;
    Py_BEGIN_ALLOW_THREADS
    result = BLAS_FUNC(ddot)(&bn, &x, &inc, &y, &inc);
    Py_END_ALLOW_THREADS
    return PyFloat_FromDouble(result);
}

static PyObject *
demo_kahan_sum(PyObject *self, PyObject *values_obj)
{
    Py_ssize_t size = PySequence_Size(values_obj);
    if (size < 0) {
        return NULL;
    }
    double *values = doubles_from_sequence(values_obj, -1, "values");
    if (values == NULL) {
        return NULL;
    }
    double sum = kahan_sum(values, (size_t)size);
    PyMem_Free(values);
    return PyFloat_FromDouble(sum);
}

static PyObject *
demo_build_info(PyObject *self, PyObject *unused)
{
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
    return Py_BuildValue(
        "{s:n,s:s,s:s,s:s,s:s}",
        "blas_int_size", (Py_ssize_t)sizeof(blas_int),
        "blas_symbol_prefix", STRINGIFY(BLAS_SYMBOL_PREFIX),
        "blas_symbol_suffix", STRINGIFY(BLAS_SYMBOL_SUFFIX),
        "kahan_origin", kahan_origin(),
        "kahan_version", kahan_version());
}

static PyMethodDef demo_methods[] = {
    {"dgemm", demo_dgemm, METH_VARARGS, "dgemm(a, b, m, k, n) -> column-major A @ B"},
    {"dgesv", demo_dgesv, METH_VARARGS, "dgesv(a, b, n) -> x solving A x = b"},
    {"ddot_repeated", demo_ddot_repeated, METH_VARARGS, "ddot over n copies of x and y (stride 0)"},
    {"kahan_sum", demo_kahan_sum, METH_O, "Compensated sum of a sequence of floats"},
    {"build_info", demo_build_info, METH_NOARGS, "How this extension was built"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef demo_module = {
    PyModuleDef_HEAD_INIT, "_linalg", "BLAS/LAPACK calls for blasdemo", -1, demo_methods,
};

PyMODINIT_FUNC
PyInit__linalg(void)
{
    return PyModule_Create(&demo_module);
}
