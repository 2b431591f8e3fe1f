/* reshape.c: the reshape step, giving a column's rows a new shape.
 *
 *   - reshape: {column: image, shape: [28, 28, 1]}   # [N, 28, 28] -> [N, 28, 28, 1]
 *   - reshape: {column: pixels, shape: [28, 28, -1]}
 *
 * The shape is per row; one dimension may be -1, inferred from the
 * others. The data are shared, not copied. */
#include "step-util.h"

static const DlpParamSpec reshape_params[] = {
  DLP_PARAM_STRING ("column", "The numeric column to reshape", "image"),
  DLP_PARAM_REQUIRED ("shape", DLP_PARAM_LIST,
                      "The shape of one row, such as [28, 28, 1]; one dimension may be -1"),
  DLP_PARAM_END,
};

typedef struct {
  char *column;
  GArray *shape; /* gint64 */
} Reshape;

static void
reshape_free (gpointer self)
{
  Reshape *r = self;
  g_free (r->column);
  g_clear_pointer (&r->shape, g_array_unref);
  g_free (r);
}

static gboolean
check_shape (GArray *shape, char **problem)
{
  guint n_infer = 0;
  if (shape->len == 0 || shape->len >= DLP_TENSOR_MAX_RANK)
    {
      *problem = g_strdup_printf ("expected 1 to %d dimensions", DLP_TENSOR_MAX_RANK - 1);
      return FALSE;
    }
  for (guint i = 0; i < shape->len; i++)
    {
      gint64 d = g_array_index (shape, gint64, i);
      if (d == -1)
        n_infer++;
      else if (d <= 0)
        {
          *problem = g_strdup ("dimensions must be positive, or one -1");
          return FALSE;
        }
    }
  if (n_infer > 1)
    {
      *problem = g_strdup ("at most one dimension may be -1");
      return FALSE;
    }
  return TRUE;
}

static gpointer
reshape_create (DlpConfig *config, GError **error)
{
  Reshape *r = g_new0 (Reshape, 1);
  if (!dlp_config_get_string (config, "column", &r->column, error)
      || !dlp_config_get_int_list (config, "shape", &r->shape, error))
    {
      reshape_free (r);
      return NULL;
    }
  g_autofree char *problem = NULL;
  if (!check_shape (r->shape, &problem))
    {
      dlp_config_set_error (config, "shape", error, "%s", problem);
      reshape_free (r);
      return NULL;
    }
  return r;
}

static DlpDataset *
reshape_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Reshape *r = self;
  (void) context;
  int index = dlp_dataset_lookup_column (ds, r->column, error);
  if (index < 0)
    return NULL;
  if (dlp_dataset_column_is_categorical (ds, (guint) index))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "column '%s' is categorical; reshape needs a numeric column", r->column);
      return NULL;
    }
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, (guint) index);
  gsize row = dlp_tensor_get_row_size (t), known = 1;
  gint64 shape[DLP_TENSOR_MAX_RANK] = { dlp_dataset_get_n_rows (ds) };
  int infer = -1;
  for (guint i = 0; i < r->shape->len; i++)
    {
      shape[i + 1] = g_array_index (r->shape, gint64, i);
      if (shape[i + 1] == -1)
        infer = (int) i + 1;
      else
        known *= (gsize) shape[i + 1];
    }
  if (infer >= 0 && known > 0 && row % known == 0)
    shape[infer] = (gint64) (row / known);
  if ((infer >= 0 && row % known != 0) || (infer < 0 && known != row))
    {
      g_autofree char *have =
        dlp_shape_to_string (dlp_tensor_get_rank (t) - 1, dlp_tensor_get_shape (t) + 1);
      g_autofree char *want = dlp_shape_to_string (r->shape->len, (const gint64 *) r->shape->data);
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "column '%s': rows of shape %s (%" G_GSIZE_FORMAT " values) cannot "
                   "become %s",
                   r->column, have, row, want);
      return NULL;
    }
  g_autoptr (DlpTensor) reshaped = dlp_tensor_reshape (t, r->shape->len + 1, shape, error);
  if (reshaped == NULL)
    return NULL;
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  if (!dlp_dataset_replace_column (out, (guint) index, reshaped, error))
    return NULL;
  return g_steal_pointer (&out);
}

static const DlpTransformClass reshape_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "reshape",
  .description = "Gives the rows of a numeric column a new shape ([784] to [28, 28, 1])",
  .params = reshape_params,
  .create = reshape_create,
  .destroy = reshape_free,
  .apply = reshape_apply,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &reshape_transform, error);
}

DLP_PLUGIN_DEFINE (transform_reshape, "0.1.0", "LGPL-2.1-or-later", "The reshape transform step",
                   plugin_init)
