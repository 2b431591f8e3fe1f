/* step-util.c: columns, conversions and saved states of transform steps. */
#include <math.h>
#include <string.h>
#include "step-util.h"

gboolean
step_get_columns (DlpConfig *config, GStrv *out, GError **error)
{
  *out = NULL;
  JsonNode *node = dlp_config_lookup (config, "columns");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  return dlp_config_get_strv (config, "columns", out, error);
}

gboolean
step_column_is_kind (DlpDataset *ds, guint index, StepKinds kinds)
{
  if (dlp_dataset_column_is_categorical (ds, index))
    return (kinds & STEP_CATEGORICAL) != 0;
  if (!(kinds & STEP_NUMERIC))
    return FALSE;
  DlpDtype dt = dlp_tensor_get_dtype (dlp_dataset_get_column_tensor (ds, index));
  if (kinds & STEP_FLOAT)
    return dt == DLP_DTYPE_F32 || dt == DLP_DTYPE_F64;
  return dt != DLP_DTYPE_BOOL;
}

static const char *
kinds_text (StepKinds kinds)
{
  if ((kinds & STEP_NUMERIC) && (kinds & STEP_CATEGORICAL))
    return "a numeric or categorical column";
  if (kinds & STEP_CATEGORICAL)
    return "a categorical column";
  return kinds & STEP_FLOAT ? "a float column" : "a numeric column";
}

GStrv
step_pick_columns (DlpDataset *ds, const char *const *names, StepKinds kinds, const char *step,
                   GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  if (names)
    for (guint i = 0; names[i]; i++)
      {
        int index = dlp_dataset_lookup_column (ds, names[i], error);
        if (index < 0)
          return NULL;
        if (!step_column_is_kind (ds, (guint) index, kinds))
          {
            g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "column '%s': %s acts on %s", names[i],
                         step, kinds_text (kinds));
            return NULL;
          }
        g_strv_builder_add (b, names[i]);
      }
  else
    for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
      if (dlp_dataset_get_column_role (ds, i) == DLP_COLUMN_FEATURE
          && step_column_is_kind (ds, i, kinds))
        g_strv_builder_add (b, dlp_dataset_get_column_name (ds, i));
  return g_strv_builder_end (b);
}

const char *
step_label_name (DlpDataset *ds)
{
  int label = dlp_dataset_get_label_column (ds);
  return label < 0 ? NULL : dlp_dataset_get_column_name (ds, (guint) label);
}

int
step_find_column (DlpDataset *ds, const char *name, const char *label, GError **error)
{
  int index = dlp_dataset_find_column (ds, name);
  if (index >= 0 || g_strcmp0 (name, label) == 0)
    return index;
  return dlp_dataset_lookup_column (ds, name, error);
}

DlpDataset *
step_with_column (DlpDataset *ds, guint index, DlpTensor *tensor, const char *const *categories,
                  guint n_categories, GError **error)
{
  /* A copy for the metadata, emptied and refilled in order. */
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  while (dlp_dataset_get_n_columns (out) > 0)
    dlp_dataset_remove_column (out, dlp_dataset_get_column_name (out, 0), NULL);
  for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
    {
      const char *name = dlp_dataset_get_column_name (ds, i);
      DlpColumnRole role = dlp_dataset_get_column_role (ds, i);
      gboolean ok;
      if (i == index && categories)
        ok = dlp_dataset_add_categorical (out, name, tensor, categories, n_categories, role, error);
      else if (i == index)
        ok = dlp_dataset_add_column (out, name, tensor, role, error);
      else if (dlp_dataset_column_is_categorical (ds, i))
        {
          guint n = 0;
          const char *const *cats = dlp_dataset_get_column_categories (ds, i, &n);
          ok = dlp_dataset_add_categorical (out, name, dlp_dataset_get_column_tensor (ds, i), cats,
                                            n, role, error);
        }
      else
        ok = dlp_dataset_add_column (out, name, dlp_dataset_get_column_tensor (ds, i), role, error);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&out);
}

DlpTensor *
step_to_f32 (DlpTensor *t, GError **error)
{
  if (dlp_tensor_get_dtype (t) == DLP_DTYPE_F32)
    return dlp_tensor_copy (t);
  DlpTensor *out =
    dlp_tensor_new (DLP_DTYPE_F32, dlp_tensor_get_rank (t), dlp_tensor_get_shape (t), error);
  if (out == NULL)
    return NULL;
  float *o = dlp_tensor_get_data_mut (out);
  gsize n = dlp_tensor_get_n_elements (t);
  if (dlp_tensor_get_dtype (t) == DLP_DTYPE_U8)
    {
      const guint8 *in = dlp_tensor_get_data (t);
      for (gsize i = 0; i < n; i++)
        o[i] = in[i];
    }
  else
    for (gsize i = 0; i < n; i++)
      o[i] = (float) dlp_tensor_get_value (t, i);
  return out;
}

gint32 *
step_map_categories (const char *const *have, guint n_have, const char *const *want, guint n_want)
{
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_want; i++)
    g_hash_table_insert (index, (gpointer) want[i], GINT_TO_POINTER (i + 1));
  gint32 *map = g_new0 (gint32, n_have + 1);
  for (guint i = 0; i < n_have; i++)
    map[i] = GPOINTER_TO_INT (g_hash_table_lookup (index, have[i])) - 1;
  return map;
}

JsonNode *
step_strv_to_json (const char *const *strv)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; strv && strv[i]; i++)
    json_array_add_string_element (a, strv[i]);
  return dlp_json_node_new_array (a);
}

GStrv
step_json_to_strv (JsonNode *node, const char *what, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: expected a list of strings", what);
      return NULL;
    }
  JsonArray *a = json_node_get_array (node);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: expected a list of strings", what);
          return NULL;
        }
      g_strv_builder_add (b, json_node_get_string (e));
    }
  return g_strv_builder_end (b);
}

JsonNode *
step_state_member (JsonNode *state, const char *key, const char *step, GError **error)
{
  JsonNode *member = NULL;
  if (state && JSON_NODE_HOLDS_OBJECT (state))
    member = json_object_get_member (json_node_get_object (state), key);
  if (member == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: saved state lacks '%s'", step, key);
  return member;
}

JsonNode *
step_state_to_json (JsonObject *state, const char *label)
{
  if (label)
    json_object_set_string_member (state, "label", label);
  return dlp_json_node_new_object (state);
}

char *
step_state_get_label (JsonNode *state)
{
  return g_strdup (dlp_json_get_string (json_node_get_object (state), "label"));
}
