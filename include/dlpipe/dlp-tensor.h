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

DLP_API const char *dlp_dtype_name (DlpDtype dtype);
DLP_API gsize dlp_dtype_size (DlpDtype dtype);
/* Parses a safetensors dtype name; FALSE for names dlpipe does not support. */
DLP_API gboolean dlp_dtype_from_name (const char *name, DlpDtype *dtype_out);

/* A new zero-filled tensor. Fails if the rank exceeds DLP_TENSOR_MAX_RANK, a
 * dimension is negative or the byte size overflows. */
DLP_API DlpTensor *dlp_tensor_new (DlpDtype dtype, guint rank,
                                   const gint64 *shape, GError **error);
/* Convenience for rank 1 and 2. */
DLP_API DlpTensor *dlp_tensor_new_1d (DlpDtype dtype, gint64 n, GError **error);
DLP_API DlpTensor *dlp_tensor_new_2d (DlpDtype dtype, gint64 rows, gint64 cols,
                                      GError **error);
/* A read-only tensor over @nbytes of @storage starting at @offset (for
 * example a memory-mapped file). Takes a reference on @storage. Writing
 * through dlp_tensor_get_data_mut() copies the data first. */
DLP_API DlpTensor *dlp_tensor_new_from_bytes (DlpDtype dtype, guint rank,
                                              const gint64 *shape,
                                              GBytes *storage, gsize offset,
                                              GError **error);
/* A deep copy that owns its storage. */
DLP_API DlpTensor *dlp_tensor_copy (const DlpTensor *tensor);
/* A tensor with the same data and a new shape of equal element count. */
DLP_API DlpTensor *dlp_tensor_reshape (const DlpTensor *tensor, guint rank,
                                       const gint64 *shape, GError **error);

DLP_API DlpTensor *dlp_tensor_ref (DlpTensor *tensor);
DLP_API void dlp_tensor_unref (DlpTensor *tensor);

DLP_API DlpDtype dlp_tensor_get_dtype (const DlpTensor *tensor);
DLP_API guint dlp_tensor_get_rank (const DlpTensor *tensor);
DLP_API const gint64 *dlp_tensor_get_shape (const DlpTensor *tensor);
DLP_API gint64 dlp_tensor_get_dim (const DlpTensor *tensor, guint axis);
DLP_API gsize dlp_tensor_get_n_elements (const DlpTensor *tensor);
DLP_API gsize dlp_tensor_get_nbytes (const DlpTensor *tensor);
/* Elements per index of the first axis (the product of the other dims). */
DLP_API gsize dlp_tensor_get_row_size (const DlpTensor *tensor);
DLP_API gboolean dlp_tensor_is_mapped (const DlpTensor *tensor);

DLP_API gconstpointer dlp_tensor_get_data (const DlpTensor *tensor);
/* Writable data; a tensor that shares read-only storage is copied first. */
DLP_API gpointer dlp_tensor_get_data_mut (DlpTensor *tensor);

/* Converts @n values of type @dtype at @src to floats at @dst (booleans
 * and integers to their values). */
DLP_API void dlp_values_to_floats (DlpDtype dtype, gconstpointer src, gsize n,
                                   float *dst);

/* A new tensor made of rows @rows[0..n_rows) of the first axis. */
DLP_API DlpTensor *dlp_tensor_take_rows (const DlpTensor *tensor,
                                         const gint64 *rows, gsize n_rows,
                                         GError **error);
/* "[60000, 28, 28]"-style text for messages. */
DLP_API char *dlp_shape_to_string (guint rank, const gint64 *shape);
/* TRUE if both have the same dtype, shape and bytes. */
DLP_API gboolean dlp_tensor_equal (const DlpTensor *a, const DlpTensor *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpTensor, dlp_tensor_unref)

G_END_DECLS
