/* Test-only extension module: matrices with known properties, built in C. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* hilbert(n): the n x n Hilbert matrix as nested lists, H[i][j] = 1 / (i + j + 1). */
static PyObject *
hilbert(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n <= 0) {
        PyErr_SetString(PyExc_ValueError, "n must be positive");
        return NULL;
    }
    PyObject *rows = PyList_New(n);
    if (rows == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_New(n);
        if (row == NULL) {
            Py_DECREF(rows);
            return NULL;
        }
        for (Py_ssize_t j = 0; j < n; j++) {
            PyList_SET_ITEM(row, j, PyFloat_FromDouble(1.0 / (double)(i + j + 1)));
        }
        PyList_SET_ITEM(rows, i, row);
    }
    return rows;
}

static PyMethodDef methods[] = {
    {"hilbert", hilbert, METH_O, "The n x n Hilbert matrix"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_test_matrices", "Test-only matrices", -1, methods,
};

PyMODINIT_FUNC
PyInit__test_matrices(void)
{
    return PyModule_Create(&module);
}
