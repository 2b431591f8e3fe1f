/* drop-nulls.c: the drop_nulls step, dropping rows with a missing value.
 *
 *   - drop_nulls: {}                          # any column
 *   - drop_nulls: {columns: [sex, body_mass_g]}
 *
 * Missing is NaN in any element of a float column, code -1 in a
 * categorical one. A training-only step: serving keeps every input row. */
#include <math.h>
#include "step-util.h"

static const DlpParamSpec drop_nulls_params[] = {
  DLP_PARAM_LIST ("columns", "Columns to look at (default: every column)", NULL),
  DLP_PARAM_END,
};

typedef struct {
  GStrv columns; /* NULL: every column */
} DropNulls;

static void
drop_nulls_free (gpointer self)
{
  DropNulls *d = self;
  g_strfreev (d->columns);
  g_free (d);
}

static gpointer
drop_nulls_create (DlpConfig *config, GError **error)
{
  DropNulls *d = g_new0 (DropNulls, 1);
  if (!step_get_columns (config, &d->columns, error))
    {
      drop_nulls_free (d);
      return NULL;
    }
  return d;
}

/* Clears keep[r] for rows of column @index with a missing value. */
static void
mark_missing (DlpDataset *ds, guint index, gboolean *keep)
{
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, index);
  gint64 n_rows = dlp_dataset_get_n_rows (ds);
  gsize row = dlp_tensor_get_row_size (t);
  if (dlp_dataset_column_is_categorical (ds, index))
    {
      const gint32 *v = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        if (v[r] < 0)
          keep[r] = FALSE;
      return;
    }
  DlpDtype dt = dlp_tensor_get_dtype (t);
  if (dt == DLP_DTYPE_F32)
    {
      const float *v = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        for (gsize j = 0; keep[r] && j < row; j++)
          if (isnan (v[(gsize) r * row + j]))
            keep[r] = FALSE;
    }
  else if (dt == DLP_DTYPE_F64)
    {
      const double *v = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        for (gsize j = 0; keep[r] && j < row; j++)
          if (isnan (v[(gsize) r * row + j]))
            keep[r] = FALSE;
    }
}

static DlpDataset *
drop_nulls_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  DropNulls *d = self;
  (void) context;
  gint64 n_rows = dlp_dataset_get_n_rows (ds);
  g_autofree gboolean *keep = g_new (gboolean, MAX (n_rows, 1));
  for (gint64 r = 0; r < n_rows; r++)
    keep[r] = TRUE;
  if (d->columns)
    for (guint i = 0; d->columns[i]; i++)
      {
        int index = dlp_dataset_lookup_column (ds, d->columns[i], error);
        if (index < 0)
          return NULL;
        mark_missing (ds, (guint) index, keep);
      }
  else
    for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
      mark_missing (ds, i, keep);

  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (gint64 r = 0; r < n_rows; r++)
    if (keep[r])
      g_array_append_val (rows, r);
  if ((gint64) rows->len == n_rows)
    return dlp_dataset_copy (ds);
  return dlp_dataset_take_rows (ds, (const gint64 *) rows->data, rows->len, error);
}

static JsonNode *
drop_nulls_save_state (gpointer self)
{
  DropNulls *d = self;
  JsonObject *o = json_object_new ();
  if (d->columns)
    json_object_set_member (o, "columns", step_strv_to_json ((const char *const *) d->columns));
  return step_state_to_json (o, NULL);
}

static gboolean
drop_nulls_load_state (gpointer self, JsonNode *state, GError **error)
{
  DropNulls *d = self;
  if (state && JSON_NODE_HOLDS_OBJECT (state)
      && json_object_has_member (json_node_get_object (state), "columns"))
    {
      GStrv cols =
        step_json_to_strv (json_object_get_member (json_node_get_object (state), "columns"),
                           "drop_nulls state columns", error);
      if (cols == NULL)
        return FALSE;
      g_strfreev (d->columns);
      d->columns = cols;
    }
  return TRUE;
}

static const DlpTransformClass drop_nulls_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "drop_nulls",
  .description = "Drops rows with a missing value (in any column, or in named ones)",
  .params = drop_nulls_params,
  .flags = DLP_TRANSFORM_FLAG_TRAINING_ONLY,
  .create = drop_nulls_create,
  .destroy = drop_nulls_free,
  .apply = drop_nulls_apply,
  .save_state = drop_nulls_save_state,
  .load_state = drop_nulls_load_state,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &drop_nulls_transform, error);
}

DLP_PLUGIN_DEFINE (transform_drop_nulls, "0.1.0", "LGPL-2.1-or-later",
                   "The drop_nulls transform step", plugin_init)
