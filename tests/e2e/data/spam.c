/* A small extension module for the end-to-end test of the `dynamic` profile: built with
 * `invoke wasm.extension`, imported by the build's import system, and loaded again with
 * ctypes.CDLL for its plain C function. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Plain C, for ctypes: the side module's own export. */
int spam_twice(int value) {
    return 2 * value;
}

static PyObject *
spam_add(PyObject *module, PyObject *args)
{
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLong(a + b);
}

/* Calls into the C library python.wasm links, through the main module. */
static PyObject *
spam_length(PyObject *module, PyObject *arg)
{
    const char *text = PyUnicode_AsUTF8(arg);
    if (text == NULL) {
        return NULL;
    }
    return PyLong_FromSize_t(strlen(text));
}

static PyMethodDef spam_methods[] = {
    {"add", spam_add, METH_VARARGS, "add(a, b): a + b, in C."},
    {"length", spam_length, METH_O, "length(text): strlen() of its UTF-8 form."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef spam_module = {
    PyModuleDef_HEAD_INIT, "spam", "An extension module built by wasm.extension.", -1,
    spam_methods,
};

PyMODINIT_FUNC
PyInit_spam(void)
{
    return PyModule_Create(&spam_module);
}
