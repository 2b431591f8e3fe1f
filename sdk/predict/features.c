/* features.c: the rows a model reads, from a preprocessed dataset.
 *
 * As the trainer reads them (host/train/training-data.c): the feature
 * columns in order, each row flattened, converted to float32. Scoring
 * checks more than training does, since its inputs come from anyone: a
 * value the preprocessing left missing is named with its row and column. */
#include <math.h>
#include <string.h>
#include "predict-private.h"

static char *
layout_of (DlpDataset *ds)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint c = 0; c < dlp_dataset_get_n_columns (ds); c++)
    {
      if (dlp_dataset_get_column_role (ds, c) != DLP_COLUMN_FEATURE)
        continue;
      DlpTensor *t = dlp_dataset_get_column_tensor (ds, c);
      g_autofree char *shape =
        dlp_shape_to_string (dlp_tensor_get_rank (t) - 1, dlp_tensor_get_shape (t) + 1);
      g_string_append_printf (s, "%s'%s' %s", s->len ? " + " : "",
                              dlp_dataset_get_column_name (ds, c), shape);
    }
  return g_strdup (s->len ? s->str : "no feature columns");
}

/* The feature column whose values start at offset @j of a row. */
static const char *
column_at (DlpDataset *ds, gint64 j)
{
  for (guint c = 0; c < dlp_dataset_get_n_columns (ds); c++)
    {
      if (dlp_dataset_get_column_role (ds, c) != DLP_COLUMN_FEATURE)
        continue;
      gint64 n = (gint64) dlp_tensor_get_row_size (dlp_dataset_get_column_tensor (ds, c));
      if (j < n)
        return dlp_dataset_get_column_name (ds, c);
      j -= n;
    }
  return "?";
}

gboolean
dlp_gather_features (DlpDataset *processed, gint64 row_size, gint64 row_base, float *out,
                     GError **error)
{
  gint64 total = 0;
  guint n_columns = dlp_dataset_get_n_columns (processed);
  for (guint c = 0; c < n_columns; c++)
    {
      if (dlp_dataset_get_column_role (processed, c) != DLP_COLUMN_FEATURE)
        continue;
      if (dlp_dataset_column_is_categorical (processed, c))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "after preprocessing, feature column '%s' is still categorical; "
                       "the package cannot score it",
                       dlp_dataset_get_column_name (processed, c));
          return FALSE;
        }
      total += (gint64) dlp_tensor_get_row_size (dlp_dataset_get_column_tensor (processed, c));
    }
  if (total != row_size)
    {
      g_autofree char *layout = layout_of (processed);
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "the preprocessing gives %" G_GINT64_FORMAT " values per row (%s), but "
                   "the model takes %" G_GINT64_FORMAT,
                   total, layout, row_size);
      return FALSE;
    }

  gint64 n_rows = dlp_dataset_get_n_rows (processed);
  gsize offset = 0;
  for (guint c = 0; c < n_columns; c++)
    {
      if (dlp_dataset_get_column_role (processed, c) != DLP_COLUMN_FEATURE)
        continue;
      DlpTensor *t = dlp_dataset_get_column_tensor (processed, c);
      gsize n = dlp_tensor_get_row_size (t);
      gsize size = dlp_dtype_size (dlp_tensor_get_dtype (t));
      const guint8 *src = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        dlp_values_to_floats (dlp_tensor_get_dtype (t), src + (gsize) r * n * size, n,
                              out + (gsize) r * (gsize) row_size + offset);
      offset += n;
    }

  for (gint64 r = 0; r < n_rows; r++)
    {
      const float *row = out + (gsize) r * (gsize) row_size;
      for (gint64 j = 0; j < row_size; j++)
        if (!isfinite (row[j]))
          {
            g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                         "row %" G_GINT64_FORMAT ": feature '%s' is %s after preprocessing "
                         "(give a value, or let data_transformation impute it)",
                         row_base + r, column_at (processed, j),
                         isnan (row[j]) ? "missing" : "infinite");
            return FALSE;
          }
    }
  return TRUE;
}
