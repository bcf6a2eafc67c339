/* A small extension module for the end-to-end test of the `dynamic` profile: built with
 * `invoke wasm.extension`, imported by the build's import system, and loaded again with
 * ctypes.CDLL for its plain C function. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Plain C, for ctypes: the side module's own export. */
int kit_demo_twice(int value) {
    return 2 * value;
}

static PyObject *
kit_demo_add(PyObject *module, PyObject *args)
{
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLong(a + b);
}

/* Calls into the C library python.wasm links, through the main module. */
static PyObject *
kit_demo_length(PyObject *module, PyObject *arg)
{
    const char *text = PyUnicode_AsUTF8(arg);
    if (text == NULL) {
        return NULL;
    }
    return PyLong_FromSize_t(strlen(text));
}

static PyMethodDef kit_demo_methods[] = {
    {"add", kit_demo_add, METH_VARARGS, "add(a, b): a + b, in C."},
    {"length", kit_demo_length, METH_O, "length(text): strlen() of its UTF-8 form."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kit_demo_module = {
    PyModuleDef_HEAD_INIT, "kit_demo", "An extension module built by wasm.extension.", -1,
    kit_demo_methods,
};

PyMODINIT_FUNC
PyInit_kit_demo(void)
{
    return PyModule_Create(&kit_demo_module);
}
