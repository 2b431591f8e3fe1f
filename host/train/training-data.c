/* training-data.c: features and labels of a dataset, checked. */
#include <math.h>
#include <string.h>
#include "training-data.h"

void
dlp_training_data_free (DlpTrainingData *data)
{
  if (data == NULL)
    return;
  g_strfreev (data->class_names);
  g_free (data->layout);
  g_free (data->what);
  g_clear_pointer (&data->dataset, dlp_dataset_unref);
  g_free (data->owned_features);
  g_free (data);
}

/* Converts one numeric column's row into floats. */
static void
copy_row_as_float (const DlpTensor *t, gint64 row, float *dst)
{
  gsize n = dlp_tensor_get_row_size (t);
  gsize size = dlp_dtype_size (dlp_tensor_get_dtype (t));
  const guint8 *base = dlp_tensor_get_data (t);
  dlp_values_to_floats (dlp_tensor_get_dtype (t), base + (gsize) row * n * size, n, dst);
}

static gboolean
gather_features (DlpTrainingData *data, DlpDataset *ds, const char *what, GError **error)
{
  g_autoptr (GArray) columns = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GString) layout = g_string_new (NULL);
  for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
    {
      if (dlp_dataset_get_column_role (ds, i) != DLP_COLUMN_FEATURE)
        continue;
      const char *name = dlp_dataset_get_column_name (ds, i);
      if (dlp_dataset_column_is_categorical (ds, i))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "%s: feature column '%s' is categorical; encode it in "
                       "data_transformation (one_hot or label_encode)",
                       what, name);
          return FALSE;
        }
      DlpTensor *t = dlp_dataset_get_column_tensor (ds, i);
      g_autofree char *shape =
        dlp_shape_to_string (dlp_tensor_get_rank (t) - 1, dlp_tensor_get_shape (t) + 1);
      g_string_append_printf (layout, "%s'%s' %s", layout->len ? " + " : "", name, shape);
      data->row_size += (gint64) dlp_tensor_get_row_size (t);
      g_array_append_val (columns, i);
    }
  if (columns->len == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: no feature columns", what);
      return FALSE;
    }
  data->layout = g_strdup (layout->str);

  DlpTensor *first = dlp_dataset_get_column_tensor (ds, g_array_index (columns, guint, 0));
  if (columns->len == 1 && dlp_tensor_get_dtype (first) == DLP_DTYPE_F32)
    data->features = dlp_tensor_get_data (first);
  else
    {
      gsize total;
      if (!g_size_checked_mul (&total, (gsize) data->n_rows, (gsize) data->row_size))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "%s: too many features", what);
          return FALSE;
        }
      data->owned_features = g_try_new (float, MAX (total, 1));
      if (data->owned_features == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                       "%s: not enough memory for %" G_GSIZE_FORMAT " feature values", what, total);
          return FALSE;
        }
      for (gint64 r = 0; r < data->n_rows; r++)
        {
          float *dst = data->owned_features + (gsize) r * (gsize) data->row_size;
          for (guint c = 0; c < columns->len; c++)
            {
              DlpTensor *t = dlp_dataset_get_column_tensor (ds, g_array_index (columns, guint, c));
              copy_row_as_float (t, r, dst);
              dst += dlp_tensor_get_row_size (t);
            }
        }
      data->features = data->owned_features;
    }

  /* A missing value would only surface later as a NaN loss. */
  for (gint64 r = 0; r < data->n_rows; r++)
    {
      const float *row = data->features + (gsize) r * (gsize) data->row_size;
      for (gint64 j = 0; j < data->row_size; j++)
        if (!isfinite (row[j]))
          {
            g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                         "%s: row %" G_GINT64_FORMAT " has a missing or infinite feature "
                         "value (impute or drop missing values in data_transformation)",
                         what, r);
            return FALSE;
          }
    }
  return TRUE;
}

static gboolean
gather_labels (DlpTrainingData *data, DlpDataset *ds, const char *what, GError **error)
{
  int label = dlp_dataset_get_label_column (ds);
  if (label < 0 || !dlp_dataset_column_is_categorical (ds, (guint) label))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: no categorical label column", what);
      return FALSE;
    }
  const char *const *names =
    dlp_dataset_get_column_categories (ds, (guint) label, &data->n_classes);
  data->class_names = g_strdupv ((char **) names);
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, (guint) label);
  const gint32 *codes = dlp_tensor_get_data (t);
  for (gint64 r = 0; r < data->n_rows; r++)
    if (codes[r] < 0)
      {
        g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                     "%s: row %" G_GINT64_FORMAT " has no label (drop rows without a "
                     "label in data_transformation)",
                     what, r);
        return FALSE;
      }
  data->labels = codes;
  return TRUE;
}

DlpTrainingData *
dlp_training_data_new (DlpDataset *dataset, const char *what, GError **error)
{
  g_autoptr (DlpTrainingData) data = g_new0 (DlpTrainingData, 1);
  data->dataset = dlp_dataset_ref (dataset);
  data->what = g_strdup (what);
  data->n_rows = dlp_dataset_get_n_rows (dataset);
  if (data->n_rows == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: no rows", what);
      return NULL;
    }
  if (!gather_labels (data, dataset, what, error) || !gather_features (data, dataset, what, error))
    return NULL;
  return g_steal_pointer (&data);
}

DlpTrainingData *
dlp_training_data_load (const char *path, GError **error)
{
  g_autoptr (DlpDataset) ds = dlp_dataset_load (path, error);
  return ds ? dlp_training_data_new (ds, path, error) : NULL;
}

gboolean
dlp_training_data_check_model (const DlpTrainingData *data, DlpGraph *graph, const char *model_dir,
                               GError **error)
{
  const char *what = data->what;
  g_autofree char *expected =
    dlp_shape_to_string (dlp_graph_get_input_rank (graph), dlp_graph_get_input_shape (graph));
  if (dlp_graph_get_input_size (graph) != data->row_size)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "%s gives %" G_GINT64_FORMAT " feature values per row (%s), but the model "
                   "in %s expects input %s (%" G_GINT64_FORMAT " values); check "
                   "model.input_shape and the reshape step of data_transformation",
                   what, data->row_size, data->layout, model_dir, expected,
                   dlp_graph_get_input_size (graph));
      return FALSE;
    }
  if (dlp_graph_get_output_size (graph) != data->n_classes)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "%s has %u classes, but the model in %s has %" G_GINT64_FORMAT
                   " outputs; check model.num_classes",
                   what, data->n_classes, model_dir, dlp_graph_get_output_size (graph));
      return FALSE;
    }
  return TRUE;
}
