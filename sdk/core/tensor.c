/* tensor.c: DlpTensor, refcounted n-dimensional arrays. */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-tensor.h>
#include "sdk-private.h"

/* Owned storage is aligned for vector loads. */
#define DLP_TENSOR_ALIGN 64 /* dlp_try_alloc0_aligned's */

struct _DlpTensor {
  gatomicrefcount ref_count;
  DlpDtype dtype;
  guint rank;
  gint64 shape[DLP_TENSOR_MAX_RANK];
  gsize n_elements;
  gsize nbytes;
  GBytes *storage; /* NULL when the tensor owns @data */
  gpointer data;
};

static const struct {
  const char *name;
  gsize size;
} dtype_info[DLP_N_DTYPES] = {
  [DLP_DTYPE_F32] = { "F32", 4 }, [DLP_DTYPE_F64] = { "F64", 8 }, [DLP_DTYPE_I32] = { "I32", 4 },
  [DLP_DTYPE_I64] = { "I64", 8 }, [DLP_DTYPE_U8] = { "U8", 1 },   [DLP_DTYPE_BOOL] = { "BOOL", 1 },
};

const char *
dlp_dtype_name (DlpDtype dtype)
{
  g_return_val_if_fail (dtype < DLP_N_DTYPES, "?");
  return dtype_info[dtype].name;
}

gsize
dlp_dtype_size (DlpDtype dtype)
{
  g_return_val_if_fail (dtype < DLP_N_DTYPES, 0);
  return dtype_info[dtype].size;
}

gboolean
dlp_dtype_from_name (const char *name, DlpDtype *dtype_out)
{
  for (guint i = 0; i < DLP_N_DTYPES; i++)
    if (g_strcmp0 (name, dtype_info[i].name) == 0)
      {
        *dtype_out = (DlpDtype) i;
        return TRUE;
      }
  return FALSE;
}

char *
dlp_shape_to_string (guint rank, const gint64 *shape)
{
  GString *s = g_string_new ("[");
  for (guint i = 0; i < rank; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Fills the header fields; fails on bad rank, negative dims or overflow. */
static gboolean
tensor_set_shape (DlpTensor *t, DlpDtype dtype, guint rank, const gint64 *shape, GError **error)
{
  if (dtype >= DLP_N_DTYPES)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "unknown tensor dtype %d", (int) dtype);
      return FALSE;
    }
  if (rank > DLP_TENSOR_MAX_RANK)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "tensor rank %u exceeds the maximum of %d",
                   rank, DLP_TENSOR_MAX_RANK);
      return FALSE;
    }
  gsize n = 1;
  for (guint i = 0; i < rank; i++)
    {
      if (shape[i] < 0)
        {
          g_autofree char *s = dlp_shape_to_string (rank, shape);
          g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                       "tensor shape %s has a negative dimension", s);
          return FALSE;
        }
      if ((guint64) shape[i] > G_MAXSIZE || !g_size_checked_mul (&n, n, (gsize) shape[i]))
        {
          g_autofree char *s = dlp_shape_to_string (rank, shape);
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "tensor shape %s has too many elements",
                       s);
          return FALSE;
        }
      t->shape[i] = shape[i];
    }
  gsize nbytes;
  if (!g_size_checked_mul (&nbytes, n, dtype_info[dtype].size) || nbytes > G_MAXSSIZE)
    {
      g_autofree char *s = dlp_shape_to_string (rank, shape);
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "tensor shape %s is too large to address", s);
      return FALSE;
    }
  t->dtype = dtype;
  t->rank = rank;
  t->n_elements = n;
  t->nbytes = nbytes;
  return TRUE;
}

static DlpTensor *
tensor_alloc_header (void)
{
  DlpTensor *t = g_new0 (DlpTensor, 1);
  g_atomic_ref_count_init (&t->ref_count);
  return t;
}

gpointer
dlp_try_alloc0_aligned (gsize size)
{
  void *p = NULL;
  if (posix_memalign (&p, DLP_TENSOR_ALIGN, MAX (size, 1)) != 0)
    return NULL;
  memset (p, 0, MAX (size, 1));
  return p;
}

/* Allocates owned, zeroed, aligned storage for a tensor with a shape. A
 * new tensor's size comes from input, so running out of memory is an
 * error, not an abort. */
static gboolean
tensor_alloc_data (DlpTensor *t, GError **error)
{
  t->data = dlp_try_alloc0_aligned (t->nbytes);
  if (t->data == NULL)
    {
      g_autofree char *s = dlp_shape_to_string (t->rank, t->shape);
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "out of memory for a tensor of shape %s "
                   "(%" G_GSIZE_FORMAT " bytes)",
                   s, t->nbytes);
      return FALSE;
    }
  return TRUE;
}

DlpTensor *
dlp_tensor_new (DlpDtype dtype, guint rank, const gint64 *shape, GError **error)
{
  DlpTensor *t = tensor_alloc_header ();
  if (!tensor_set_shape (t, dtype, rank, shape, error))
    {
      g_free (t);
      return NULL;
    }
  if (!tensor_alloc_data (t, error))
    {
      g_free (t);
      return NULL;
    }
  return t;
}

DlpTensor *
dlp_tensor_new_1d (DlpDtype dtype, gint64 n, GError **error)
{
  return dlp_tensor_new (dtype, 1, (gint64[]){ n }, error);
}

DlpTensor *
dlp_tensor_new_2d (DlpDtype dtype, gint64 rows, gint64 cols, GError **error)
{
  return dlp_tensor_new (dtype, 2, (gint64[]){ rows, cols }, error);
}

DlpTensor *
dlp_tensor_new_from_bytes (DlpDtype dtype, guint rank, const gint64 *shape, GBytes *storage,
                           gsize offset, GError **error)
{
  g_return_val_if_fail (storage != NULL, NULL);

  DlpTensor *t = tensor_alloc_header ();
  if (!tensor_set_shape (t, dtype, rank, shape, error))
    {
      g_free (t);
      return NULL;
    }
  gsize size = g_bytes_get_size (storage);
  if (offset > size || t->nbytes > size - offset)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "tensor of %" G_GSIZE_FORMAT " bytes at offset %" G_GSIZE_FORMAT
                   " lies outside its %" G_GSIZE_FORMAT "-byte storage",
                   t->nbytes, offset, size);
      g_free (t);
      return NULL;
    }
  t->storage = g_bytes_ref (storage);
  t->data = (guint8 *) g_bytes_get_data (storage, NULL) + offset;
  return t;
}

DlpTensor *
dlp_tensor_copy (const DlpTensor *tensor)
{
  DlpTensor *t = tensor_alloc_header ();
  tensor_set_shape (t, tensor->dtype, tensor->rank, tensor->shape, NULL);
  if (!tensor_alloc_data (t, NULL))
    g_error ("out of memory copying a tensor of %" G_GSIZE_FORMAT " bytes", t->nbytes);
  if (tensor->nbytes)
    memcpy (t->data, tensor->data, tensor->nbytes);
  return t;
}

DlpTensor *
dlp_tensor_reshape (const DlpTensor *tensor, guint rank, const gint64 *shape, GError **error)
{
  DlpTensor *t = tensor_alloc_header ();
  if (!tensor_set_shape (t, tensor->dtype, rank, shape, error))
    {
      g_free (t);
      return NULL;
    }
  if (t->n_elements != tensor->n_elements)
    {
      g_autofree char *from = dlp_shape_to_string (tensor->rank, tensor->shape);
      g_autofree char *to = dlp_shape_to_string (rank, shape);
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "cannot reshape %s (%" G_GSIZE_FORMAT " elements) to %s (%" G_GSIZE_FORMAT
                   " elements)",
                   from, tensor->n_elements, to, t->n_elements);
      g_free (t);
      return NULL;
    }
  if (!tensor_alloc_data (t, error))
    {
      g_free (t);
      return NULL;
    }
  if (t->nbytes)
    memcpy (t->data, tensor->data, t->nbytes);
  return t;
}

DlpTensor *
dlp_tensor_ref (DlpTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, NULL);
  g_atomic_ref_count_inc (&tensor->ref_count);
  return tensor;
}

void
dlp_tensor_unref (DlpTensor *tensor)
{
  if (tensor == NULL || !g_atomic_ref_count_dec (&tensor->ref_count))
    return;
  if (tensor->storage)
    g_bytes_unref (tensor->storage);
  else
    free (tensor->data);
  g_free (tensor);
}

DlpDtype
dlp_tensor_get_dtype (const DlpTensor *tensor)
{
  return tensor->dtype;
}

guint
dlp_tensor_get_rank (const DlpTensor *tensor)
{
  return tensor->rank;
}

const gint64 *
dlp_tensor_get_shape (const DlpTensor *tensor)
{
  return tensor->shape;
}

gint64
dlp_tensor_get_dim (const DlpTensor *tensor, guint axis)
{
  g_return_val_if_fail (axis < tensor->rank, 0);
  return tensor->shape[axis];
}

gsize
dlp_tensor_get_n_elements (const DlpTensor *tensor)
{
  return tensor->n_elements;
}

gsize
dlp_tensor_get_nbytes (const DlpTensor *tensor)
{
  return tensor->nbytes;
}

gsize
dlp_tensor_get_row_size (const DlpTensor *tensor)
{
  gsize n = 1;
  for (guint i = 1; i < tensor->rank; i++)
    n *= (gsize) tensor->shape[i];
  return n;
}

gboolean
dlp_tensor_is_mapped (const DlpTensor *tensor)
{
  return tensor->storage != NULL;
}

gconstpointer
dlp_tensor_get_data (const DlpTensor *tensor)
{
  return tensor->data;
}

gpointer
dlp_tensor_get_data_mut (DlpTensor *tensor)
{
  if (tensor->storage)
    {
      /* Copy on write: shared storage (a file mapping) is read-only. */
      gpointer old = tensor->data;
      if (!tensor_alloc_data (tensor, NULL))
        g_error ("out of memory copying a tensor of %" G_GSIZE_FORMAT " bytes", tensor->nbytes);
      if (tensor->nbytes)
        memcpy (tensor->data, old, tensor->nbytes);
      g_clear_pointer (&tensor->storage, g_bytes_unref);
    }
  return tensor->data;
}

DlpTensor *
dlp_tensor_take_rows (const DlpTensor *tensor, const gint64 *rows, gsize n_rows, GError **error)
{
  if (tensor->rank == 0)
    {
      g_set_error_literal (error, DLP_ERROR, DLP_ERROR_SHAPE,
                           "cannot take rows of a scalar tensor");
      return NULL;
    }
  gint64 shape[DLP_TENSOR_MAX_RANK];
  memcpy (shape, tensor->shape, sizeof shape);
  shape[0] = (gint64) n_rows;
  DlpTensor *t = dlp_tensor_new (tensor->dtype, tensor->rank, shape, error);
  if (t == NULL)
    return NULL;
  gsize row_bytes = dlp_tensor_get_row_size (tensor) * dtype_info[tensor->dtype].size;
  const guint8 *src = tensor->data;
  guint8 *dst = t->data;
  for (gsize i = 0; i < n_rows; i++)
    {
      if (rows[i] < 0 || rows[i] >= tensor->shape[0])
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                       "row %" G_GINT64_FORMAT " is outside 0..%" G_GINT64_FORMAT, rows[i],
                       tensor->shape[0] - 1);
          dlp_tensor_unref (t);
          return NULL;
        }
      if (row_bytes)
        memcpy (dst + i * row_bytes, src + (gsize) rows[i] * row_bytes, row_bytes);
    }
  return t;
}

gboolean
dlp_tensor_equal (const DlpTensor *a, const DlpTensor *b)
{
  if (a->dtype != b->dtype || a->rank != b->rank)
    return FALSE;
  for (guint i = 0; i < a->rank; i++)
    if (a->shape[i] != b->shape[i])
      return FALSE;
  return a->nbytes == 0 || memcmp (a->data, b->data, a->nbytes) == 0;
}

double
dlp_tensor_get_value (const DlpTensor *tensor, gsize index)
{
  g_return_val_if_fail (index < tensor->n_elements, NAN);
  gconstpointer d = dlp_tensor_get_data (tensor);
  switch (tensor->dtype)
    {
    case DLP_DTYPE_F32:
      return ((const float *) d)[index];
    case DLP_DTYPE_F64:
      return ((const double *) d)[index];
    case DLP_DTYPE_I32:
      return ((const gint32 *) d)[index];
    case DLP_DTYPE_I64:
      return (double) ((const gint64 *) d)[index];
    case DLP_DTYPE_U8:
      return ((const guint8 *) d)[index];
    case DLP_DTYPE_BOOL:
      return ((const guint8 *) d)[index] != 0;
    default:
      return NAN;
    }
}

void
dlp_values_to_floats (DlpDtype dtype, gconstpointer src, gsize n, float *dst)
{
  switch (dtype)
    {
    case DLP_DTYPE_F32:
      if (n)
        memcpy (dst, src, n * sizeof (float));
      break;
    case DLP_DTYPE_F64:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const double *) src)[i];
      break;
    case DLP_DTYPE_I32:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const gint32 *) src)[i];
      break;
    case DLP_DTYPE_I64:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const gint64 *) src)[i];
      break;
    case DLP_DTYPE_U8:
    case DLP_DTYPE_BOOL:
    default:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const guint8 *) src)[i];
      break;
    }
}
