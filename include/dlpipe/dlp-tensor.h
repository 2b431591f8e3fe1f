/* dlp-tensor.h: n-dimensional, row-major, refcounted arrays. */
#pragma once

#include <dlpipe/dlp-macros.h>

G_BEGIN_DECLS

#define DLP_TENSOR_MAX_RANK 8

/* Element types; the names are safetensors' (F32, F64, I32, I64, U8, BOOL). */
typedef enum {
  DLP_DTYPE_F32,
  DLP_DTYPE_F64,
  DLP_DTYPE_I32,
  DLP_DTYPE_I64,
  DLP_DTYPE_U8,
  DLP_DTYPE_BOOL,
} DlpDtype;

#define DLP_N_DTYPES (DLP_DTYPE_BOOL + 1)

typedef struct _DlpTensor DlpTensor;

/**
 * dlp_dtype_name:
 * @dtype: an element type
 *
 * Returns: (transfer none): the safetensors name of @dtype ("F32"), or "?"
 *   for a value outside DlpDtype
 */
DLP_API const char *dlp_dtype_name (DlpDtype dtype);

/**
 * dlp_dtype_size:
 * @dtype: an element type
 *
 * Returns: the bytes of one element, 0 for a value outside DlpDtype
 */
DLP_API gsize dlp_dtype_size (DlpDtype dtype);

/**
 * dlp_dtype_from_name:
 * @name: (transfer none) (nullable): a safetensors dtype name
 * @dtype_out: return location for the type
 *
 * Parses a safetensors dtype name.
 *
 * Returns: %TRUE and sets *@dtype_out; %FALSE for names dlpipe does not
 *   support (or %NULL), leaving it unchanged
 */
DLP_API gboolean dlp_dtype_from_name (const char *name, DlpDtype *dtype_out);

/**
 * dlp_tensor_new:
 * @dtype: the element type
 * @rank: the number of dimensions, at most DLP_TENSOR_MAX_RANK
 * @shape: @rank dimensions
 * @error: (nullable): return location for an error
 *
 * Makes a zero-filled tensor with storage of its own.
 *
 * Returns: (transfer full) (nullable): the tensor; %NULL with @error set to
 *   DLP_ERROR_DTYPE (@dtype outside DlpDtype), DLP_ERROR_SHAPE (@rank over
 *   the maximum, a negative dimension) or DLP_ERROR_LIMIT (the byte size
 *   overflows, or memory runs out)
 */
DLP_API DlpTensor *dlp_tensor_new (DlpDtype dtype, guint rank, const gint64 *shape, GError **error);

/**
 * dlp_tensor_new_1d:
 * @dtype: the element type
 * @n: the number of elements
 * @error: (nullable): return location for an error
 *
 * dlp_tensor_new() of rank 1.
 *
 * Returns: (transfer full) (nullable): the tensor; %NULL with @error set as
 *   dlp_tensor_new() sets it
 */
DLP_API DlpTensor *dlp_tensor_new_1d (DlpDtype dtype, gint64 n, GError **error);

/**
 * dlp_tensor_new_2d:
 * @dtype: the element type
 * @rows: the first dimension
 * @cols: the second dimension
 * @error: (nullable): return location for an error
 *
 * dlp_tensor_new() of rank 2.
 *
 * Returns: (transfer full) (nullable): the tensor; %NULL with @error set as
 *   dlp_tensor_new() sets it
 */
DLP_API DlpTensor *dlp_tensor_new_2d (DlpDtype dtype, gint64 rows, gint64 cols, GError **error);

/**
 * dlp_tensor_new_from_bytes:
 * @dtype: the element type
 * @rank: the number of dimensions
 * @shape: @rank dimensions
 * @storage: (transfer none): the bytes (a memory-mapped file, say); the
 *   tensor takes its own reference
 * @offset: where the tensor's data starts in @storage
 * @error: (nullable): return location for an error
 *
 * Makes a read-only tensor over the bytes of @storage from @offset.
 * Writing through dlp_tensor_get_data_mut() copies the data first.
 *
 * Returns: (transfer full) (nullable): the tensor; %NULL with @error set to
 *   DLP_ERROR_DTYPE, DLP_ERROR_SHAPE or DLP_ERROR_LIMIT as dlp_tensor_new()
 *   sets them, or DLP_ERROR_FORMAT (the data does not lie inside @storage)
 */
DLP_API DlpTensor *dlp_tensor_new_from_bytes (DlpDtype dtype, guint rank, const gint64 *shape,
                                              GBytes *storage, gsize offset, GError **error);

/**
 * dlp_tensor_copy:
 * @tensor: the tensor
 *
 * Makes a deep copy that owns its storage. Aborts if memory runs out.
 *
 * Returns: (transfer full): the copy
 */
DLP_API DlpTensor *dlp_tensor_copy (const DlpTensor *tensor);

/**
 * dlp_tensor_reshape:
 * @tensor: the tensor
 * @rank: the new number of dimensions
 * @shape: @rank new dimensions
 * @error: (nullable): return location for an error
 *
 * Makes a tensor with a copy of @tensor's data under a new shape of the
 * same element count.
 *
 * Returns: (transfer full) (nullable): the tensor; %NULL with @error set to
 *   DLP_ERROR_SHAPE (a bad shape, or another element count) or
 *   DLP_ERROR_LIMIT (as dlp_tensor_new())
 */
DLP_API DlpTensor *dlp_tensor_reshape (const DlpTensor *tensor, guint rank, const gint64 *shape,
                                       GError **error);

/**
 * dlp_tensor_ref:
 * @tensor: the tensor
 *
 * Takes a reference; any thread may.
 *
 * Returns: (transfer full): @tensor
 */
DLP_API DlpTensor *dlp_tensor_ref (DlpTensor *tensor);

/**
 * dlp_tensor_unref:
 * @tensor: (nullable) (transfer full): the tensor
 *
 * Drops a reference, freeing the tensor with the last one.
 */
DLP_API void dlp_tensor_unref (DlpTensor *tensor);

/**
 * dlp_tensor_get_dtype:
 * @tensor: the tensor
 *
 * Returns: the element type
 */
DLP_API DlpDtype dlp_tensor_get_dtype (const DlpTensor *tensor);

/**
 * dlp_tensor_get_rank:
 * @tensor: the tensor
 *
 * Returns: the number of dimensions
 */
DLP_API guint dlp_tensor_get_rank (const DlpTensor *tensor);

/**
 * dlp_tensor_get_shape:
 * @tensor: the tensor
 *
 * Returns: (transfer none): the tensor's rank dimensions
 */
DLP_API const gint64 *dlp_tensor_get_shape (const DlpTensor *tensor);

/**
 * dlp_tensor_get_dim:
 * @tensor: the tensor
 * @axis: an axis below the rank
 *
 * Returns: the dimension of @axis
 */
DLP_API gint64 dlp_tensor_get_dim (const DlpTensor *tensor, guint axis);

/**
 * dlp_tensor_get_n_elements:
 * @tensor: the tensor
 *
 * Returns: the product of the dimensions
 */
DLP_API gsize dlp_tensor_get_n_elements (const DlpTensor *tensor);

/**
 * dlp_tensor_get_nbytes:
 * @tensor: the tensor
 *
 * Returns: the bytes of its data
 */
DLP_API gsize dlp_tensor_get_nbytes (const DlpTensor *tensor);

/**
 * dlp_tensor_get_row_size:
 * @tensor: the tensor
 *
 * Returns: the elements per index of the first axis (the product of the
 *   other dimensions)
 */
DLP_API gsize dlp_tensor_get_row_size (const DlpTensor *tensor);

/**
 * dlp_tensor_is_mapped:
 * @tensor: the tensor
 *
 * Returns: %TRUE while the tensor reads shared storage (a mapping) rather
 *   than its own
 */
DLP_API gboolean dlp_tensor_is_mapped (const DlpTensor *tensor);

/**
 * dlp_tensor_get_data:
 * @tensor: the tensor
 *
 * Returns: (transfer none): the data, read-only, valid while @tensor lives
 *   and until dlp_tensor_get_data_mut() copies it
 */
DLP_API gconstpointer dlp_tensor_get_data (const DlpTensor *tensor);

/**
 * dlp_tensor_get_data_mut:
 * @tensor: the tensor
 *
 * Gives writable data. A tensor over shared read-only storage copies it
 * first (aborting if memory runs out). Write only into tensors you made.
 *
 * Returns: (transfer none): the data, valid while @tensor lives
 */
DLP_API gpointer dlp_tensor_get_data_mut (DlpTensor *tensor);

/**
 * dlp_tensor_get_value:
 * @tensor: the tensor
 * @index: an element, in row-major order, below dlp_tensor_get_n_elements()
 *
 * Returns: element @index as a double: a number as it is, an integer
 *   converted, a boolean as 0 or 1
 *
 * Since: API level 2
 */
DLP_API double dlp_tensor_get_value (const DlpTensor *tensor, gsize index);

/**
 * dlp_values_to_floats:
 * @dtype: the type of the values at @src
 * @src: (transfer none): @n values
 * @n: the number of values
 * @dst: (transfer none): room for @n floats
 *
 * Converts numbers, booleans and integers to their float values.
 */
DLP_API void dlp_values_to_floats (DlpDtype dtype, gconstpointer src, gsize n, float *dst);

/**
 * dlp_tensor_take_rows:
 * @tensor: the tensor
 * @rows: @n_rows indices of the first axis, in any order, repeats allowed
 * @n_rows: the number of rows to take
 * @error: (nullable): return location for an error
 *
 * Makes a tensor of the given rows.
 *
 * Returns: (transfer full) (nullable): the tensor; %NULL with @error set to
 *   DLP_ERROR_SHAPE (a scalar tensor, or a row outside it) or
 *   DLP_ERROR_LIMIT (as dlp_tensor_new())
 */
DLP_API DlpTensor *dlp_tensor_take_rows (const DlpTensor *tensor, const gint64 *rows, gsize n_rows,
                                         GError **error);

/**
 * dlp_shape_to_string:
 * @rank: the number of dimensions
 * @shape: @rank dimensions
 *
 * Returns: (transfer full): "[60000, 28, 28]"-style text, for messages
 */
DLP_API char *dlp_shape_to_string (guint rank, const gint64 *shape);

/**
 * dlp_tensor_equal:
 * @a: a tensor
 * @b: (transfer none): another tensor
 *
 * Returns: %TRUE if both have the same dtype, shape and bytes
 */
DLP_API gboolean dlp_tensor_equal (const DlpTensor *a, const DlpTensor *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpTensor, dlp_tensor_unref)

G_END_DECLS
