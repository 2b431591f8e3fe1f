/* cast.c: the cast step, converting numeric columns to another dtype.
 *
 *   - cast: {dtype: f32}                  # every numeric feature
 *   - cast: {dtype: u8, columns: [image]}
 *
 * Converting to an integer type refuses missing values and values outside
 * the type's range (impute or normalize first), naming the row. */
#include <math.h>
#include "step-util.h"

static const DlpParamSpec cast_params[] = {
  DLP_PARAM_ENUM ("dtype", "The element type to convert to", "f32", "f32|f64|i32|i64|u8"),
  DLP_PARAM_LIST ("columns", "Columns to convert (default: every numeric feature column)", NULL),
  DLP_PARAM_END,
};

typedef struct {
  DlpDtype dtype;
  GStrv columns;
  GStrv fitted; /* the columns picked at fit time */
  char *label;
} Cast;

static void
cast_free (gpointer self)
{
  Cast *c = self;
  g_strfreev (c->columns);
  g_strfreev (c->fitted);
  g_free (c->label);
  g_free (c);
}

static gpointer
cast_create (DlpConfig *config, GError **error)
{
  Cast *c = g_new0 (Cast, 1);
  g_autofree char *dtype = NULL;
  if (!dlp_config_get_string (config, "dtype", &dtype, error)
      || !step_get_columns (config, &c->columns, error))
    {
      cast_free (c);
      return NULL;
    }
  g_autofree char *upper = g_ascii_strup (dtype, -1);
  dlp_dtype_from_name (upper, &c->dtype);
  return c;
}

static gboolean
cast_fit (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Cast *c = self;
  (void) context;
  g_strfreev (c->fitted);
  c->fitted = step_pick_columns (ds, (const char *const *) c->columns, STEP_NUMERIC, "cast", error);
  g_free (c->label);
  c->label = g_strdup (step_label_name (ds));
  return c->fitted != NULL;
}

static DlpTensor *
convert (DlpTensor *t, DlpDtype dtype, const char *name, GError **error)
{
  g_autoptr (DlpTensor) out =
    dlp_tensor_new (dtype, dlp_tensor_get_rank (t), dlp_tensor_get_shape (t), error);
  if (out == NULL)
    return NULL;
  gpointer o = dlp_tensor_get_data_mut (out);
  gsize n = dlp_tensor_get_n_elements (t), row = MAX (dlp_tensor_get_row_size (t), 1);
  double lo = dtype == DLP_DTYPE_U8 ? 0 : dtype == DLP_DTYPE_I32 ? G_MININT32 : -9.2e18;
  double hi = dtype == DLP_DTYPE_U8 ? 255 : dtype == DLP_DTYPE_I32 ? G_MAXINT32 : 9.2e18;
  gboolean to_int = dtype != DLP_DTYPE_F32 && dtype != DLP_DTYPE_F64;
  for (gsize i = 0; i < n; i++)
    {
      double x = dlp_tensor_get_value (t, i);
      if (to_int && (isnan (x) || x < lo || x > hi))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "column '%s', row %" G_GSIZE_FORMAT ": %g does not fit %s%s", name, i / row,
                       x, dlp_dtype_name (dtype),
                       isnan (x) ? " (a missing value: impute or drop it first)" : "");
          return NULL;
        }
      switch (dtype)
        {
        case DLP_DTYPE_F32:
          ((float *) o)[i] = (float) x;
          break;
        case DLP_DTYPE_F64:
          ((double *) o)[i] = x;
          break;
        case DLP_DTYPE_I32:
          ((gint32 *) o)[i] = (gint32) nearbyint (x);
          break;
        case DLP_DTYPE_I64:
          ((gint64 *) o)[i] = (gint64) nearbyint (x);
          break;
        case DLP_DTYPE_U8:
          ((guint8 *) o)[i] = (guint8) nearbyint (x);
          break;
        default:
          break;
        }
    }
  return g_steal_pointer (&out);
}

static DlpDataset *
cast_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Cast *c = self;
  (void) context;
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  for (guint i = 0; c->fitted && c->fitted[i]; i++)
    {
      int index = step_find_column (out, c->fitted[i], c->label, error);
      if (index < 0)
        {
          if (error && *error)
            return NULL;
          continue;
        }
      if (dlp_dataset_column_is_categorical (out, (guint) index))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "column '%s' is categorical; cast needs a numeric column", c->fitted[i]);
          return NULL;
        }
      DlpTensor *t = dlp_dataset_get_column_tensor (out, (guint) index);
      if (dlp_tensor_get_dtype (t) == c->dtype)
        continue;
      g_autoptr (DlpTensor) converted = convert (t, c->dtype, c->fitted[i], error);
      if (converted == NULL || !dlp_dataset_replace_column (out, (guint) index, converted, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

static JsonNode *
cast_save_state (gpointer self)
{
  Cast *c = self;
  JsonObject *o = json_object_new ();
  json_object_set_member (o, "columns", step_strv_to_json ((const char *const *) c->fitted));
  return step_state_to_json (o, c->label);
}

static gboolean
cast_load_state (gpointer self, JsonNode *state, GError **error)
{
  Cast *c = self;
  JsonNode *cols = step_state_member (state, "columns", "cast", error);
  GStrv names = cols ? step_json_to_strv (cols, "cast state columns", error) : NULL;
  if (names == NULL)
    return FALSE;
  g_strfreev (c->fitted);
  c->fitted = names;
  g_free (c->label);
  c->label = step_state_get_label (state);
  return TRUE;
}

static const DlpTransformClass cast_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "cast",
  .description = "Converts numeric columns to another element type",
  .params = cast_params,
  .create = cast_create,
  .destroy = cast_free,
  .fit = cast_fit,
  .apply = cast_apply,
  .save_state = cast_save_state,
  .load_state = cast_load_state,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &cast_transform, error);
}

DLP_PLUGIN_DEFINE (transform_cast, "0.1.0", "LGPL-2.1-or-later", "The cast transform step",
                   plugin_init)
