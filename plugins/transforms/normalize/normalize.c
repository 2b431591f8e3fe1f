/* normalize.c: the normalize step, scaling numeric columns to float32.
 *
 *   - normalize: {method: scale, factor: 0.00392156862745098}   # pixels / 255
 *   - normalize: {method: zscore}                # (x - mean) / std, per column
 *   - normalize: {method: minmax, columns: [body_mass_g]}   # into [0, 1]
 *
 * Statistics are per column, over all its elements and ignoring missing
 * values, which stay NaN. A constant column maps to 0 (its spread counts
 * as 1). */
#include <math.h>
#include "step-util.h"

static const DlpParamSpec normalize_params[] = {
  DLP_PARAM_ENUM ("method",
                  "minmax: into [0, 1]; zscore: zero mean, unit variance; scale: times factor",
                  "minmax", "minmax|zscore|scale"),
  DLP_PARAM_DOUBLE_UNBOUNDED ("factor", "The multiplier of method scale (1/255 for 8-bit pixels)",
                              "0.00392156862745098"),
  DLP_PARAM_LIST ("columns", "Columns to scale (default: every numeric feature column)", NULL),
  DLP_PARAM_END,
};

typedef enum { MINMAX, ZSCORE, SCALE } Method;
static const char *const method_names[] = { "minmax", "zscore", "scale" };

typedef struct {
  Method method;
  double factor;
  GStrv columns;     /* the setting */
  JsonObject *stats; /* fitted: column -> {offset, scale} and the raw stats */
  char *label;
} Normalize;

static void
normalize_free (gpointer self)
{
  Normalize *n = self;
  g_strfreev (n->columns);
  g_clear_pointer (&n->stats, json_object_unref);
  g_free (n->label);
  g_free (n);
}

static gpointer
normalize_create (DlpConfig *config, GError **error)
{
  Normalize *n = g_new0 (Normalize, 1);
  n->stats = json_object_new ();
  g_autofree char *method = NULL;
  if (!dlp_config_get_string (config, "method", &method, error)
      || !dlp_config_get_double (config, "factor", &n->factor, error)
      || !step_get_columns (config, &n->columns, error))
    {
      normalize_free (n);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (method_names); i++)
    if (g_strcmp0 (method, method_names[i]) == 0)
      n->method = (Method) i;
  if (!isfinite (n->factor) || n->factor == 0)
    {
      dlp_config_set_error (config, "factor", error, "expected a finite, non-zero number");
      normalize_free (n);
      return NULL;
    }
  return n;
}

/* Fits y = (x - offset) * scale for one column. */
static gboolean
fit_column (Normalize *n, DlpTensor *t, const char *name, GError **error)
{
  JsonObject *s = json_object_new ();
  double offset = 0, scale = n->factor;
  if (n->method != SCALE)
    {
      gsize count = 0;
      double lo = INFINITY, hi = -INFINITY, mean = 0, m2 = 0;
      for (gsize i = 0; i < dlp_tensor_get_n_elements (t); i++)
        {
          double x = dlp_tensor_get_value (t, i);
          if (isnan (x))
            continue;
          count++;
          lo = MIN (lo, x);
          hi = MAX (hi, x);
          double d = x - mean; /* Welford: stable in one pass */
          mean += d / (double) count;
          m2 += d * (x - mean);
        }
      if (count == 0)
        {
          json_object_unref (s);
          g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "column '%s' has no values to fit %s on",
                       name, method_names[n->method]);
          return FALSE;
        }
      double std = sqrt (m2 / (double) count);
      if (n->method == MINMAX)
        {
          offset = lo;
          scale = hi > lo ? 1.0 / (hi - lo) : 1.0;
          json_object_set_double_member (s, "min", lo);
          json_object_set_double_member (s, "max", hi);
        }
      else
        {
          offset = mean;
          scale = std > 0 ? 1.0 / std : 1.0;
          json_object_set_double_member (s, "mean", mean);
          json_object_set_double_member (s, "std", std);
        }
    }
  json_object_set_double_member (s, "offset", offset);
  json_object_set_double_member (s, "scale", scale);
  json_object_set_object_member (n->stats, name, s);
  return TRUE;
}

static gboolean
normalize_fit (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Normalize *n = self;
  (void) context;
  g_auto (GStrv) columns =
    step_pick_columns (ds, (const char *const *) n->columns, STEP_NUMERIC, "normalize", error);
  if (columns == NULL)
    return FALSE;
  g_free (n->label);
  n->label = g_strdup (step_label_name (ds));
  for (guint i = 0; columns[i]; i++)
    {
      int index = dlp_dataset_find_column (ds, columns[i]);
      if (!fit_column (n, dlp_dataset_get_column_tensor (ds, (guint) index), columns[i], error))
        return FALSE;
    }
  return TRUE;
}

static DlpDataset *
normalize_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Normalize *n = self;
  (void) context;
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  g_autoptr (GList) names = json_object_get_members (n->stats);
  for (GList *l = names; l; l = l->next)
    {
      int index = step_find_column (out, l->data, n->label, error);
      if (index < 0)
        {
          if (error && *error)
            return NULL;
          continue;
        }
      if (dlp_dataset_column_is_categorical (out, (guint) index))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "column '%s' is categorical; normalize needs numbers",
                       (const char *) l->data);
          return NULL;
        }
      JsonObject *s = json_object_get_object_member (n->stats, l->data);
      double offset = json_object_get_double_member (s, "offset");
      float scale = (float) json_object_get_double_member (s, "scale");
      g_autoptr (DlpTensor) t =
        step_to_f32 (dlp_dataset_get_column_tensor (out, (guint) index), error);
      if (t == NULL)
        return NULL;
      float *v = dlp_tensor_get_data_mut (t);
      gsize count = dlp_tensor_get_n_elements (t);
      float foffset = (float) offset;
      for (gsize i = 0; i < count; i++)
        v[i] = (v[i] - foffset) * scale;
      if (!dlp_dataset_replace_column (out, (guint) index, t, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

static JsonNode *
normalize_save_state (gpointer self)
{
  Normalize *n = self;
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "method", method_names[n->method]);
  json_object_set_object_member (o, "columns", json_object_ref (n->stats));
  return step_state_to_json (o, n->label);
}

static gboolean
normalize_load_state (gpointer self, JsonNode *state, GError **error)
{
  Normalize *n = self;
  JsonNode *columns = step_state_member (state, "columns", "normalize", error);
  if (columns == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (columns))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "normalize: state columns is not a mapping");
      return FALSE;
    }
  JsonObject *co = json_node_get_object (columns);
  g_autoptr (GList) names = json_object_get_members (co);
  for (GList *l = names; l; l = l->next)
    {
      JsonNode *c = json_object_get_member (co, l->data);
      JsonObject *s = JSON_NODE_HOLDS_OBJECT (c) ? json_node_get_object (c) : NULL;
      if (s == NULL || !json_object_has_member (s, "offset")
          || !json_object_has_member (s, "scale"))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "normalize: state of column '%s' lacks offset or scale",
                       (const char *) l->data);
          return FALSE;
        }
    }
  json_object_unref (n->stats);
  n->stats = json_object_ref (co);
  g_free (n->label);
  n->label = step_state_get_label (state);
  return TRUE;
}

static const DlpTransformClass normalize_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "normalize",
  .description = "Scales numeric columns to float32: min-max, z-score or a fixed factor",
  .params = normalize_params,
  .create = normalize_create,
  .destroy = normalize_free,
  .fit = normalize_fit,
  .apply = normalize_apply,
  .save_state = normalize_save_state,
  .load_state = normalize_load_state,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &normalize_transform, error);
}

DLP_PLUGIN_DEFINE (transform_normalize, "0.1.0", "LGPL-2.1-or-later",
                   "The normalize transform step", plugin_init)
