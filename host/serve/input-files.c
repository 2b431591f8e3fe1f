/* input-files.c: reading the inputs of `dlpipe predict` (see
 * input-files.h). */
#include <string.h>
#include "input-files.h"

/* --- values out of tensors --- */

/* A tensor's rows as an input's values: the same tensor, reshaped, when
 * its element type is the input's, else NULL. */
static DlpTensor *
as_is (const DlpPredictorInput *in, DlpTensor *t)
{
  if (in->categories || dlp_tensor_get_dtype (t) != in->dtype)
    return NULL;
  gint64 shape[DLP_TENSOR_MAX_RANK + 1] = { dlp_tensor_get_dim (t, 0) };
  memcpy (shape + 1, in->shape, in->rank * sizeof (gint64));
  return dlp_tensor_reshape (t, in->rank + 1, shape, NULL);
}

static gboolean
check_rows (const char *what, const DlpPredictorInput *in, DlpTensor *t, gint64 n_rows,
            GError **error)
{
  g_autofree char *want = dlp_shape_to_string (in->rank, in->shape);
  g_autofree char *have = dlp_shape_to_string (dlp_tensor_get_rank (t), dlp_tensor_get_shape (t));
  if (dlp_tensor_get_rank (t) < 1 || dlp_tensor_get_row_size (t) != in->n_values)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "%s: %s has shape %s, but input '%s' "
                   "takes rows of shape %s (%" G_GSIZE_FORMAT " values)",
                   what, in->name, have, in->name, want, in->n_values);
      return FALSE;
    }
  if (dlp_tensor_get_dim (t, 0) != n_rows)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "%s: %s has %" G_GINT64_FORMAT " rows, "
                   "but the first input has %" G_GINT64_FORMAT,
                   what, in->name, dlp_tensor_get_dim (t, 0), n_rows);
      return FALSE;
    }
  return TRUE;
}

/* Rows from one tensor per input (@categories: the category names of a
 * categorical column, or NULL). Tensors of the inputs' own types are
 * used in place. */
static DlpDataset *
from_tensors (DlpPredictor *predictor, const char *what, DlpTensor **tensors,
              const char *const *const *categories, GError **error)
{
  gint64 n_rows = dlp_tensor_get_dim (tensors[0], 0);
  gboolean all_as_is = TRUE;
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    {
      if (!check_rows (what, dlp_predictor_get_input (predictor, i), tensors[i], n_rows, error))
        return NULL;
      if (dlp_predictor_get_input (predictor, i)->categories && categories[i] == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "%s: input '%s' is categorical, but "
                       "the file holds numbers for it, not categories",
                       what, dlp_predictor_get_input (predictor, i)->name);
          return NULL;
        }
      all_as_is =
        all_as_is && !dlp_predictor_get_input (predictor, i)->categories
        && dlp_tensor_get_dtype (tensors[i]) == dlp_predictor_get_input (predictor, i)->dtype;
    }
  if (all_as_is)
    {
      g_autoptr (DlpDataset) ds = dlp_dataset_new (n_rows);
      for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
        {
          g_autoptr (DlpTensor) t = as_is (dlp_predictor_get_input (predictor, i), tensors[i]);
          if (!dlp_dataset_add_column (ds, dlp_predictor_get_input (predictor, i)->name, t,
                                       DLP_COLUMN_FEATURE, error))
            return NULL;
        }
      return g_steal_pointer (&ds);
    }

  g_autoptr (DlpPredictorRows) table = dlp_predictor_rows_new (predictor, n_rows, error);
  if (table == NULL)
    return NULL;
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    {
      const DlpPredictorInput *in = dlp_predictor_get_input (predictor, i);
      for (gint64 r = 0; r < n_rows; r++)
        for (gsize e = 0; e < in->n_values; e++)
          {
            gsize k = (gsize) r * in->n_values + e;
            gboolean ok;
            if (categories[i])
              {
                gint32 code = ((const gint32 *) dlp_tensor_get_data (tensors[i]))[k];
                ok = code < 0 ? dlp_predictor_rows_set_missing (table, i, r, e, error)
                              : dlp_predictor_rows_set_category (table, i, r, e,
                                                                 categories[i][code], error);
              }
            else
              ok = dlp_predictor_rows_set_number (table, i, r, e,
                                                  dlp_tensor_get_value (tensors[i], k), error);
            if (!ok)
              {
                g_prefix_error (error, "%s: ", what);
                return NULL;
              }
          }
    }
  return dlp_predictor_rows_finish (table, error);
}

/* --- safetensors --- */

static DlpDataset *
from_dataset (DlpPredictor *predictor, const char *path, gboolean *preprocessed, GError **error)
{
  g_autoptr (DlpDataset) ds = dlp_dataset_load (path, error);
  if (ds == NULL)
    return NULL;
  if (dlp_predictor_is_preprocessed (predictor, ds))
    {
      *preprocessed = TRUE;
      return g_steal_pointer (&ds);
    }
  g_autofree DlpTensor **tensors = g_new0 (DlpTensor *, dlp_predictor_get_n_inputs (predictor));
  g_autofree const char *const **categories =
    g_new0 (const char *const *, dlp_predictor_get_n_inputs (predictor));
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    {
      int c = dlp_dataset_find_column (ds, dlp_predictor_get_input (predictor, i)->name);
      if (c < 0)
        {
          g_autofree char *inputs = dlp_predictor_list_inputs (predictor);
          g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                       "%s has no column '%s' (the "
                       "model's inputs: %s), and its rows did not go through the model's "
                       "preprocessing",
                       path, dlp_predictor_get_input (predictor, i)->name, inputs);
          return NULL;
        }
      tensors[i] = dlp_dataset_get_column_tensor (ds, (guint) c);
      categories[i] = dlp_dataset_get_column_categories (ds, (guint) c, NULL);
    }
  return from_tensors (predictor, path, tensors, categories, error);
}

static DlpDataset *
from_safetensors (DlpPredictor *predictor, const char *path, gboolean *preprocessed, GError **error)
{
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, error);
  if (st == NULL)
    return NULL;
  if (dlp_safetensors_get_metadata (st, "dlpipe.format"))
    return from_dataset (predictor, path, preprocessed, error);

  g_autofree DlpTensor **tensors = g_new0 (DlpTensor *, dlp_predictor_get_n_inputs (predictor));
  g_autofree const char *const **categories =
    g_new0 (const char *const *, dlp_predictor_get_n_inputs (predictor));
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    {
      tensors[i] = dlp_safetensors_get_tensor (st, dlp_predictor_get_input (predictor, i)->name);
      /* One tensor for one input, whatever its name. */
      if (tensors[i] == NULL && dlp_predictor_get_n_inputs (predictor) == 1
          && dlp_safetensors_get_n_tensors (st) == 1)
        tensors[i] = dlp_safetensors_get_tensor (st, dlp_safetensors_get_name (st, 0));
      if (tensors[i] == NULL)
        {
          g_autofree char *inputs = dlp_predictor_list_inputs (predictor);
          g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                       "%s has no tensor '%s' (the "
                       "model's inputs: %s)",
                       path, dlp_predictor_get_input (predictor, i)->name, inputs);
          return NULL;
        }
    }
  return from_tensors (predictor, path, tensors, categories, error);
}

/* --- IDX --- */

static GBytes *
gunzip (const char *path, GBytes *packed, GError **error)
{
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  gsize in_size;
  const guint8 *in = g_bytes_get_data (packed, &in_size);
  guint64 limit = MIN (dlp_limit_get (DLP_LIMIT_TENSOR_BYTES),
                       (guint64) MAX (in_size, 1) * dlp_limit_get (DLP_LIMIT_GZIP_RATIO));
  g_autoptr (GByteArray) out = g_byte_array_sized_new ((guint) MIN (in_size * 4, 1u << 30));
  gsize consumed = 0;
  for (;;)
    {
      guint8 chunk[1 << 16];
      gsize n_read = 0, n_written = 0;
      g_autoptr (GError) local = NULL;
      GConverterResult res =
        g_converter_convert (G_CONVERTER (z), in + consumed, in_size - consumed, chunk,
                             sizeof chunk, G_CONVERTER_INPUT_AT_END, &n_read, &n_written, &local);
      if (res == G_CONVERTER_ERROR)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: not valid gzip data: %s", path,
                       local->message);
          return NULL;
        }
      consumed += n_read;
      g_byte_array_append (out, chunk, (guint) n_written);
      if (out->len > limit)
        {
          dlp_limit_set_error (
            error,
            out->len > dlp_limit_get (DLP_LIMIT_TENSOR_BYTES) ? DLP_LIMIT_TENSOR_BYTES
                                                              : DLP_LIMIT_GZIP_RATIO,
            path, "decompresses to more than %" G_GUINT64_FORMAT " bytes", limit);
          return NULL;
        }
      if (res == G_CONVERTER_FINISHED)
        break;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static DlpDataset *
from_idx (DlpPredictor *predictor, const char *path, GBytes *bytes, GError **error)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (bytes, &size);
  if (size < 4 || d[0] != 0 || d[1] != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte 0: not an IDX file (it "
                   "starts with two zero bytes)",
                   path);
      return NULL;
    }
  if (d[2] != 0x08)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte 2: element type 0x%02x; "
                   "dlpipe reads unsigned-byte IDX files (0x08)",
                   path, d[2]);
      return NULL;
    }
  guint rank = d[3];
  if (rank < 1 || rank > DLP_TENSOR_MAX_RANK || size < 4 + 4 * (gsize) rank)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte 3: %u dimensions; expected 1 "
                   "to %d and their sizes after it",
                   path, rank, DLP_TENSOR_MAX_RANK);
      return NULL;
    }
  gint64 shape[DLP_TENSOR_MAX_RANK];
  gsize expected = 1;
  for (guint k = 0; k < rank; k++)
    {
      shape[k] = read_be32 (d + 4 + 4 * k);
      if (!g_size_checked_mul (&expected, expected, (gsize) shape[k]))
        expected = G_MAXSIZE;
    }
  gsize header = 4 + 4 * (gsize) rank;
  if (expected == G_MAXSIZE || size - header != expected)
    {
      g_autofree char *s = dlp_shape_to_string (rank, shape);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: the header gives shape %s, but "
                   "%" G_GSIZE_FORMAT " bytes of data follow it",
                   path, s, size - header);
      return NULL;
    }
  if (dlp_predictor_get_n_inputs (predictor) != 1)
    {
      g_autofree char *inputs = dlp_predictor_list_inputs (predictor);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: an IDX file holds one array, but "
                   "the model takes %u inputs (%s)",
                   path, dlp_predictor_get_n_inputs (predictor), inputs);
      return NULL;
    }
  g_autoptr (DlpTensor) t =
    dlp_tensor_new_from_bytes (DLP_DTYPE_U8, rank, shape, bytes, header, error);
  if (t == NULL)
    return NULL;
  DlpTensor *tensors[] = { t };
  const char *const *categories[] = { NULL };
  return from_tensors (predictor, path, tensors, categories, error);
}

DlpDataset *
dlp_input_idx_read (DlpPredictor *predictor, const char *what, GBytes *bytes, GError **error)
{
  gsize length;
  const guint8 *head = g_bytes_get_data (bytes, &length);
  if (length >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    {
      g_autoptr (GBytes) raw = gunzip (what, bytes, error);
      return raw ? from_idx (predictor, what, raw, error) : NULL;
    }
  return from_idx (predictor, what, bytes, error);
}

/* --- dispatch --- */

DlpDataset *
dlp_input_file_read (DlpPredictor *predictor, const char *path, DlpScoreOptions *options,
                     gboolean *preprocessed, GError **error)
{
  *preprocessed = FALSE;
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".safetensors"))
    return from_safetensors (predictor, path, preprocessed, error);

  g_autofree char *text = NULL;
  gsize length;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot read %s: %s", path, local->message);
      return NULL;
    }
  g_autoptr (DlpDataset) ds = NULL;
  const guint8 *head = (const guint8 *) text;
  if ((length >= 2 && head[0] == 0x1f && head[1] == 0x8b)
      || (length >= 3 && head[0] == 0 && head[1] == 0 && head[2] == 0x08))
    {
      g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), length);
      return dlp_input_idx_read (predictor, path, bytes, error);
    }
  if (g_str_has_suffix (lower, ".json"))
    ds = dlp_request_read_json (predictor, text, length, options, error);
  else if (g_str_has_suffix (lower, ".csv"))
    ds = dlp_request_read_csv (predictor, text, length, error);
  else
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: cannot tell its format; expected "
                   "a .csv, .json or .safetensors file, or an IDX file",
                   path);
      return NULL;
    }
  if (ds == NULL)
    g_prefix_error (error, "%s: ", path);
  return g_steal_pointer (&ds);
}
