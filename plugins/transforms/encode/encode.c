/* encode.c: the one_hot and label_encode steps, categorical features to
 * numbers.
 *
 *   - one_hot: {columns: [island, sex]}   # island -> float32 [N, 3] of 0/1
 *   - label_encode: {columns: [island]}   # island -> float32 [N] of codes
 *
 * The categories are fitted on the training data and saved; at serving
 * time values are matched by their text, and a category never seen in
 * training encodes as all zeros (one_hot) or NaN (label_encode), as does a
 * missing value. */
#include <math.h>
#include <string.h>
#include "step-util.h"

static const DlpParamSpec encode_params[] = {
  DLP_PARAM_LIST ("columns", "Categorical columns to encode (default: every categorical feature)",
                  NULL),
  DLP_PARAM_END,
};

typedef struct {
  gboolean one_hot;
  GStrv columns;          /* the setting */
  JsonObject *categories; /* fitted: column -> [names] */
  char *label;
} Encode;

static void
encode_free (gpointer self)
{
  Encode *e = self;
  g_strfreev (e->columns);
  g_clear_pointer (&e->categories, json_object_unref);
  g_free (e->label);
  g_free (e);
}

static Encode *
encode_create (DlpConfig *config, gboolean one_hot, GError **error)
{
  Encode *e = g_new0 (Encode, 1);
  e->one_hot = one_hot;
  e->categories = json_object_new ();
  if (!step_get_columns (config, &e->columns, error))
    {
      encode_free (e);
      return NULL;
    }
  return e;
}

static gpointer
one_hot_create (DlpConfig *config, GError **error)
{
  return encode_create (config, TRUE, error);
}

static gpointer
label_encode_create (DlpConfig *config, GError **error)
{
  return encode_create (config, FALSE, error);
}

static gboolean
encode_fit (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Encode *e = self;
  (void) context;
  g_auto (GStrv) columns =
    step_pick_columns (ds, (const char *const *) e->columns, STEP_CATEGORICAL,
                       e->one_hot ? "one_hot" : "label_encode", error);
  if (columns == NULL)
    return FALSE;
  g_free (e->label);
  e->label = g_strdup (step_label_name (ds));
  for (guint i = 0; columns[i]; i++)
    {
      guint index = (guint) dlp_dataset_find_column (ds, columns[i]);
      const char *const *cats = dlp_dataset_get_column_categories (ds, index, NULL);
      json_object_set_member (e->categories, columns[i], step_strv_to_json (cats));
    }
  return TRUE;
}

/* Column @index encoded against the fitted categories @want. */
static DlpTensor *
encode_column (Encode *e, DlpDataset *ds, guint index, char **want, GError **error)
{
  guint n_have = 0, n_want = g_strv_length (want);
  const char *const *have = dlp_dataset_get_column_categories (ds, index, &n_have);
  g_autofree gint32 *map = step_map_categories (have, n_have, (const char *const *) want, n_want);
  const gint32 *codes = dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, index));
  gint64 n_rows = dlp_dataset_get_n_rows (ds);
  if (e->one_hot)
    {
      DlpTensor *t = dlp_tensor_new_2d (DLP_DTYPE_F32, n_rows, n_want, error);
      if (t == NULL)
        return NULL;
      float *v = dlp_tensor_get_data_mut (t); /* zero-filled */
      for (gint64 r = 0; r < n_rows; r++)
        if (codes[r] >= 0 && map[codes[r]] >= 0)
          v[(gsize) r * n_want + (gsize) map[codes[r]]] = 1.0f;
      return t;
    }
  DlpTensor *t = dlp_tensor_new_1d (DLP_DTYPE_F32, n_rows, error);
  if (t == NULL)
    return NULL;
  float *v = dlp_tensor_get_data_mut (t);
  for (gint64 r = 0; r < n_rows; r++)
    v[r] = codes[r] >= 0 && map[codes[r]] >= 0 ? (float) map[codes[r]] : NAN;
  return t;
}

static DlpDataset *
encode_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Encode *e = self;
  (void) context;
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  g_autoptr (GList) names = json_object_get_members (e->categories);
  for (GList *l = names; l; l = l->next)
    {
      const char *name = l->data;
      int index = step_find_column (out, name, e->label, error);
      if (index < 0)
        {
          if (error && *error)
            return NULL;
          continue;
        }
      if (!dlp_dataset_column_is_categorical (out, (guint) index))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "column '%s' is not categorical (encoded twice?)", name);
          return NULL;
        }
      g_auto (GStrv) want =
        step_json_to_strv (json_object_get_member (e->categories, name), name, error);
      if (want == NULL)
        return NULL;
      g_autoptr (DlpTensor) t = encode_column (e, out, (guint) index, want, error);
      if (t == NULL)
        return NULL;
      DlpDataset *next = step_with_column (out, (guint) index, t, NULL, 0, error);
      if (next == NULL)
        return NULL;
      dlp_dataset_unref (out);
      out = next;
    }
  return g_steal_pointer (&out);
}

static JsonNode *
encode_save_state (gpointer self)
{
  Encode *e = self;
  JsonObject *o = json_object_new ();
  json_object_set_object_member (o, "categories", json_object_ref (e->categories));
  return step_state_to_json (o, e->label);
}

static gboolean
encode_load_state (gpointer self, JsonNode *state, GError **error)
{
  Encode *e = self;
  const char *step = e->one_hot ? "one_hot" : "label_encode";
  JsonNode *cats = step_state_member (state, "categories", step, error);
  if (cats == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (cats))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: state categories is not a mapping",
                   step);
      return FALSE;
    }
  JsonObject *co = json_node_get_object (cats);
  g_autoptr (GList) names = json_object_get_members (co);
  for (GList *l = names; l; l = l->next)
    {
      g_auto (GStrv) check =
        step_json_to_strv (json_object_get_member (co, l->data), l->data, error);
      if (check == NULL)
        return FALSE;
    }
  json_object_unref (e->categories);
  e->categories = json_object_ref (co);
  g_free (e->label);
  e->label = step_state_get_label (state);
  return TRUE;
}

static const DlpTransformClass one_hot_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "one_hot",
  .description = "Replaces categorical columns by float32 [N, categories] indicator columns",
  .params = encode_params,
  .create = one_hot_create,
  .destroy = encode_free,
  .fit = encode_fit,
  .apply = encode_apply,
  .save_state = encode_save_state,
  .load_state = encode_load_state,
};

static const DlpTransformClass label_encode_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "label_encode",
  .description = "Replaces categorical columns by their category index as float32",
  .params = encode_params,
  .create = label_encode_create,
  .destroy = encode_free,
  .fit = encode_fit,
  .apply = encode_apply,
  .save_state = encode_save_state,
  .load_state = encode_load_state,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &one_hot_transform, error)
         && dlp_registry_add_transform (registry, &label_encode_transform, error);
}

DLP_PLUGIN_DEFINE (transform_encode, "0.1.0", "LGPL-2.1-or-later",
                   "The one_hot and label_encode transform steps", plugin_init)
