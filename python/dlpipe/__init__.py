"""dlpipe's predictor from Python: load a model package (what model_test
writes to models/final) and score raw rows with it; the package's
preprocessing is applied, as `dlpipe predict` applies it."""
import ctypes
import math

import numpy as np

from ._native import DTYPES, DlpError, call, lib

__all__ = ["DlpError", "Input", "Predictor"]
__version__ = "0.1.0"


class Input:
    """One raw input of a package: its name, dtype ("F32", "I32", ...),
    the shape of one row's value, and its categories if categorical."""

    def __init__(self, native):
        self.name = native.name.decode()
        self.dtype = DTYPES[native.dtype]
        self.shape = tuple(native.shape[d] for d in range(native.rank))
        self.n_values = native.n_values
        self.categories = (tuple(native.categories[c].decode()
                                 for c in range(native.n_categories))
                           if native.categories else None)

    def __repr__(self):
        kind = f"categories={list(self.categories)}" if self.categories else f"dtype={self.dtype}"
        return f"Input({self.name!r}, {kind}, shape={self.shape})"


def _is_missing(value):
    if value is None:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


class Predictor:
    """A loaded model package. predict() may be called from several
    threads at once."""

    def __init__(self, path, precision=None):
        self._handle = call(lib.dlp_predictor_new, None, str(path).encode())
        if precision is not None:
            call(lib.dlp_predictor_set_precision, self._handle, precision.encode())
        self.inputs = [Input(lib.dlp_predictor_get_input(self._handle, i).contents)
                       for i in range(lib.dlp_predictor_get_n_inputs(self._handle))]
        self.classes = [lib.dlp_predictor_get_class_name(self._handle, c).decode()
                        for c in range(lib.dlp_predictor_get_n_classes(self._handle))]

    def __del__(self):
        if getattr(self, "_handle", None):
            lib.dlp_predictor_unref(self._handle)
            self._handle = None

    def _set_column(self, rows, index, spec, values):
        if spec.categories is not None or (values.dtype.kind in "OUS" and spec.n_values == 1):
            flat = values.reshape(-1)
            texts = (ctypes.c_char_p * len(flat))(
                *[None if _is_missing(v) else str(v).encode() for v in flat])
            call(lib.dlp_predictor_rows_set_column_strings, rows, index, texts, len(flat))
            return
        try:
            numbers = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise DlpError(f"column '{spec.name}': expected numbers ({spec.dtype})") from None
        call(lib.dlp_predictor_rows_set_column_doubles, rows, index,
             numbers.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), numbers.size)

    def predict(self, columns):
        """Scores rows given as {input name: values}, one value (or one
        array of the input's shape) per row: a dict of lists or arrays,
        or a pandas DataFrame (an input of several values may also come as
        columns NAME_0, NAME_1, ...). Missing values are None or NaN.
        Returns (labels, probabilities): a list of class names and an
        array of n_rows x n_classes."""
        data = {}
        for spec in self.inputs:
            if spec.name in columns:
                values = columns[spec.name]
                values = np.asarray(list(values) if not hasattr(values, "__array__") else values)
                if values.dtype == object and spec.n_values > 1:
                    values = np.stack([np.asarray(v, dtype=np.float64) for v in values])
            elif spec.n_values > 1 and f"{spec.name}_0" in columns:
                values = np.stack([np.asarray(columns[f"{spec.name}_{k}"], dtype=np.float64)
                                   for k in range(spec.n_values)], axis=1)
            else:
                have = ", ".join(str(c) for c in columns) or "none"
                raise DlpError(f"no column for input '{spec.name}' (the columns given: {have})")
            data[spec.name] = values
        n_rows = len(next(iter(data.values()))) if data else 0
        for name, values in data.items():
            if len(values) != n_rows:
                raise DlpError(f"column '{name}' has {len(values)} rows, the first has {n_rows}")
        rows = call(lib.dlp_predictor_rows_new, self._handle, n_rows)
        try:
            for index, spec in enumerate(self.inputs):
                self._set_column(rows, index, spec, data[spec.name])
            dataset = call(lib.dlp_predictor_rows_finish, rows)
        finally:
            lib.dlp_predictor_rows_free(rows)
        probabilities = np.empty((n_rows, len(self.classes)), dtype=np.float32)
        classes = np.empty(n_rows, dtype=np.int32)
        try:
            call(lib.dlp_predictor_predict, self._handle, dataset,
                 probabilities.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                 classes.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)))
        finally:
            lib.dlp_dataset_unref(dataset)
        return [self.classes[c] for c in classes], probabilities
