"""ctypes declarations of the predictor's C interface (API level 4)."""
import ctypes
import ctypes.util
import os

MAX_RANK = 8  # DLP_TENSOR_MAX_RANK
DTYPES = ("F32", "F64", "I32", "I64", "U8", "BOOL")  # DlpDtype's order


class DlpError(Exception):
    """An error dlpipe reported: the message names what and where."""


class _GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int), ("message", ctypes.c_char_p)]


class _Input(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("dtype", ctypes.c_int),
        ("rank", ctypes.c_uint),
        ("shape", ctypes.c_int64 * MAX_RANK),
        ("n_values", ctypes.c_size_t),
        ("categories", ctypes.POINTER(ctypes.c_char_p)),
        ("n_categories", ctypes.c_uint),
    ]


_ERR = ctypes.POINTER(ctypes.POINTER(_GError))
_P = ctypes.c_void_p

# name: (result, arguments)
_FUNCTIONS = {
    "dlp_predictor_new": (_P, [_P, ctypes.c_char_p, _ERR]),
    "dlp_predictor_unref": (None, [_P]),
    "dlp_predictor_get_n_inputs": (ctypes.c_uint, [_P]),
    "dlp_predictor_get_input": (ctypes.POINTER(_Input), [_P, ctypes.c_uint]),
    "dlp_predictor_get_n_classes": (ctypes.c_uint, [_P]),
    "dlp_predictor_get_class_name": (ctypes.c_char_p, [_P, ctypes.c_uint]),
    "dlp_predictor_set_precision": (ctypes.c_int, [_P, ctypes.c_char_p, _ERR]),
    "dlp_predictor_predict": (ctypes.c_int, [_P, _P, ctypes.POINTER(ctypes.c_float),
                                             ctypes.POINTER(ctypes.c_int32), _ERR]),
    "dlp_predictor_rows_new": (_P, [_P, ctypes.c_int64, _ERR]),
    "dlp_predictor_rows_free": (None, [_P]),
    "dlp_predictor_rows_set_column_doubles": (ctypes.c_int, [_P, ctypes.c_uint,
                                                             ctypes.POINTER(ctypes.c_double),
                                                             ctypes.c_size_t, _ERR]),
    "dlp_predictor_rows_set_column_strings": (ctypes.c_int, [_P, ctypes.c_uint,
                                                             ctypes.POINTER(ctypes.c_char_p),
                                                             ctypes.c_size_t, _ERR]),
    "dlp_predictor_rows_finish": (_P, [_P, _ERR]),
    "dlp_dataset_unref": (None, [_P]),
}


def _open_library():
    """libdlpipe-1: DLPIPE_LIBRARY, else the one the loader finds."""
    path = os.environ.get("DLPIPE_LIBRARY") or ctypes.util.find_library("dlpipe-1") \
        or "libdlpipe-1.so.1"
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise DlpError(f"cannot load dlpipe's library {path}: {e} "
                       "(install dlpipe, or set DLPIPE_LIBRARY to the path of libdlpipe-1.so.1)") from None
    for name, (result, arguments) in _FUNCTIONS.items():
        try:
            f = getattr(lib, name)
        except AttributeError:
            raise DlpError(f"{path} has no {name}: this binding needs dlpipe's "
                           "API level 4 or later") from None
        f.restype = result
        f.argtypes = arguments
    glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")
    glib.g_error_free.argtypes = [ctypes.POINTER(_GError)]
    glib.g_error_free.restype = None
    return lib, glib


lib, glib = _open_library()


def call(function, *arguments):
    """Calls a function whose last argument is a GError **; raises
    DlpError with its message when it fails (NULL or FALSE)."""
    error = ctypes.POINTER(_GError)()
    result = function(*arguments, ctypes.byref(error))
    if error:
        message = error.contents.message.decode("utf-8", "replace")
        glib.g_error_free(error)
        raise DlpError(message)
    if not result:
        raise DlpError(f"{function.__name__} failed without saying why")
    return result
