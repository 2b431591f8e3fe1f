/* stage-data-transformation.c: data/raw through the steps listed in
 * data_transformation.steps into data/processed.
 *
 * Each step is created from its settings, fitted on the data it receives
 * and applied. Its type, settings and fitted state go into the output's
 * metadata under "preprocessing", in step order, so that serving can
 * rebuild the same steps and apply them to raw inputs. The summary
 * (data/processed/summary.json, for `dvc metrics show`) counts rows and
 * missing values before and after, and what each step removed or filled. */
#include <math.h>
#include "stages.h"
#include "stage-outputs.h"
#include "paths.h"
#include "../params/plugin-types.h"

/* Rows of column @index with a missing value: NaN in any element of a
 * float column, code -1 in a categorical one. */
static gint64
count_missing (DlpDataset *ds, guint index)
{
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, index);
  gint64 n_rows = dlp_dataset_get_n_rows (ds);
  gsize row = dlp_tensor_get_row_size (t);
  gint64 missing = 0;
  if (dlp_dataset_column_is_categorical (ds, index))
    {
      const gint32 *v = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        missing += v[r] < 0;
    }
  else if (dlp_tensor_get_dtype (t) == DLP_DTYPE_F32)
    {
      const float *v = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        for (gsize j = 0; j < row; j++)
          if (isnan (v[(gsize) r * row + j]))
            {
              missing++;
              break;
            }
    }
  else if (dlp_tensor_get_dtype (t) == DLP_DTYPE_F64)
    {
      const double *v = dlp_tensor_get_data (t);
      for (gint64 r = 0; r < n_rows; r++)
        for (gsize j = 0; j < row; j++)
          if (isnan (v[(gsize) r * row + j]))
            {
              missing++;
              break;
            }
    }
  return missing;
}

/* {column: rows with a missing value}. */
static JsonObject *
missing_counts (DlpDataset *ds)
{
  JsonObject *o = json_object_new ();
  for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
    json_object_set_int_member (o, dlp_dataset_get_column_name (ds, i), count_missing (ds, i));
  return o;
}

/* What one step did to missing values: a step that removed rows removed
 * them, one that kept every row filled them in. */
static JsonObject *
step_summary (const char *type, DlpDataset *before, JsonObject *missing_before, DlpDataset *after,
              JsonObject *missing_after)
{
  JsonObject *s = json_object_new ();
  gint64 rows_in = dlp_dataset_get_n_rows (before), rows_out = dlp_dataset_get_n_rows (after);
  json_object_set_string_member (s, "type", type);
  json_object_set_int_member (s, "rows_in", rows_in);
  json_object_set_int_member (s, "rows_out", rows_out);
  JsonObject *changed = json_object_new ();
  g_autoptr (GList) names = json_object_get_members (missing_before);
  for (GList *l = names; l; l = l->next)
    {
      if (!json_object_has_member (missing_after, l->data))
        continue;
      gint64 delta = json_object_get_int_member (missing_before, l->data)
                     - json_object_get_int_member (missing_after, l->data);
      if (delta != 0)
        json_object_set_int_member (changed, l->data, delta);
    }
  if (json_object_get_size (changed) > 0)
    json_object_set_object_member (s, rows_out < rows_in ? "missing_removed" : "missing_imputed",
                                   changed);
  else
    json_object_unref (changed);
  return s;
}

/* A deep copy of a settings node ({} for a key without a value). */
static JsonNode *
settings_copy (DlpConfig *settings)
{
  JsonNode *node = dlp_config_get_node (settings);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return dlp_json_node_new_object (NULL);
  return dlp_json_deep_copy (node);
}

typedef struct {
  JsonArray *preprocessing;
  JsonObject *steps;
} Record;

static DlpDataset *
run_step (DlpStageRun *run, DlpConfig *item, guint index, DlpDataset *ds, Record *record,
          GError **error)
{
  g_autoptr (DlpConfig) settings = NULL;
  const DlpTypeEntry *entry =
    dlp_params_resolve_item (run->registry, item, DLP_KIND_TRANSFORM, &settings, error);
  if (entry == NULL)
    return NULL;
  const DlpTransformClass *klass = dlp_type_entry_get_class (entry);
  const char *type = dlp_type_entry_get_name (entry);
  gpointer step = klass->create (settings, error);
  if (step == NULL)
    return NULL;
  g_autoptr (DlpDataset) out = NULL;
  if (klass->fit == NULL || klass->fit (step, ds, run->context, error))
    out = klass->apply (step, ds, run->context, error);
  JsonNode *state = out && klass->save_state ? klass->save_state (step) : NULL;
  klass->destroy (step);
  if (out == NULL)
    {
      g_autofree char *where = dlp_config_get_location (item);
      g_prefix_error (error, "%s: step %u (%s): ", where, index + 1, type);
      return NULL;
    }

  JsonObject *entry_obj = json_object_new ();
  json_object_set_string_member (entry_obj, "type", type);
  json_object_set_member (entry_obj, "settings", settings_copy (settings));
  json_object_set_member (entry_obj, "state", state ? state : json_node_new (JSON_NODE_NULL));
  json_object_set_boolean_member (entry_obj, "training_only",
                                  (klass->flags & DLP_TRANSFORM_FLAG_TRAINING_ONLY) != 0);
  json_array_add_object_element (record->preprocessing, entry_obj);

  g_autoptr (JsonObject) before = missing_counts (ds);
  g_autoptr (JsonObject) after = missing_counts (out);
  g_autofree char *key = g_strdup_printf ("step%u_%s", index + 1, type);
  json_object_set_object_member (record->steps, key, step_summary (type, ds, before, out, after));
  g_info ("step %u (%s): %" G_GINT64_FORMAT " rows in, %" G_GINT64_FORMAT " out", index + 1, type,
          dlp_dataset_get_n_rows (ds), dlp_dataset_get_n_rows (out));
  return g_steal_pointer (&out);
}

/* The raw feature columns, as a model package must accept them:
 * [{"name", "dtype", "shape" (per row), "categories"?}, ...]. */
static JsonArray *
input_schema (DlpDataset *raw)
{
  JsonArray *columns = json_array_new ();
  for (guint i = 0; i < dlp_dataset_get_n_columns (raw); i++)
    {
      if (dlp_dataset_get_column_role (raw, i) != DLP_COLUMN_FEATURE)
        continue;
      DlpTensor *t = dlp_dataset_get_column_tensor (raw, i);
      JsonObject *c = json_object_new ();
      json_object_set_string_member (c, "name", dlp_dataset_get_column_name (raw, i));
      json_object_set_string_member (c, "dtype", dlp_dtype_name (dlp_tensor_get_dtype (t)));
      JsonArray *shape = json_array_new ();
      for (guint d = 1; d < dlp_tensor_get_rank (t); d++)
        json_array_add_int_element (shape, dlp_tensor_get_dim (t, d));
      json_object_set_array_member (c, "shape", shape);
      guint n;
      const char *const *cats = dlp_dataset_get_column_categories (raw, i, &n);
      if (cats)
        {
          JsonArray *a = json_array_new ();
          for (guint k = 0; k < n; k++)
            json_array_add_string_element (a, cats[k]);
          json_object_set_array_member (c, "categories", a);
        }
      json_array_add_object_element (columns, c);
    }
  return columns;
}

static JsonNode *
summary_node (DlpDataset *raw, DlpDataset *processed, JsonObject *steps)
{
  JsonObject *s = json_object_new ();
  json_object_set_int_member (s, "rows_in", dlp_dataset_get_n_rows (raw));
  json_object_set_int_member (s, "rows_out", dlp_dataset_get_n_rows (processed));
  json_object_set_int_member (s, "columns_out", dlp_dataset_get_n_columns (processed));
  json_object_set_object_member (s, "missing_in", missing_counts (raw));
  json_object_set_object_member (s, "missing_out", missing_counts (processed));
  json_object_set_object_member (s, "steps", json_object_ref (steps));
  return dlp_json_node_new_object (s);
}

gboolean
dlp_stage_data_transformation (DlpStageRun *run, GError **error)
{
  g_autoptr (DlpDataset) raw = dlp_dataset_load (DLP_PATH_RAW, error);
  if (raw == NULL)
    return FALSE;
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "data_transformation", TRUE, error);
  if (section == NULL && error && *error)
    return FALSE;
  static const DlpParamSpec section_params[] = {
    DLP_PARAM_LIST ("steps", "The transform steps, in order, each {TYPE: {settings}}", "[]"),
    DLP_PARAM_END,
  };
  g_autoptr (GPtrArray) items = NULL;
  if (section)
    {
      if (!dlp_config_validate (section, section_params, NULL, error))
        return FALSE;
      if (dlp_config_has (section, "steps")
          && !JSON_NODE_HOLDS_NULL (dlp_config_lookup (section, "steps")))
        {
          items = dlp_config_get_list (section, "steps", error);
          if (items == NULL)
            return FALSE;
        }
    }

  g_autoptr (JsonArray) preprocessing = json_array_new ();
  g_autoptr (JsonObject) steps = json_object_new ();
  Record record = { preprocessing, steps };
  g_autoptr (DlpDataset) ds = dlp_dataset_ref (raw);
  for (guint i = 0; items && i < items->len; i++)
    {
      if (dlp_context_is_cancelled (run->context, error))
        return FALSE;
      DlpDataset *next = run_step (run, g_ptr_array_index (items, i), i, ds, &record, error);
      if (next == NULL)
        return FALSE;
      dlp_dataset_unref (ds);
      ds = next;
      if (dlp_dataset_get_n_rows (ds) == 0)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                       "step %u left no rows (of %" G_GINT64_FORMAT ")", i + 1,
                       dlp_dataset_get_n_rows (raw));
          return FALSE;
        }
    }
  if (ds == raw)
    {
      DlpDataset *copy = dlp_dataset_copy (raw);
      dlp_dataset_unref (ds);
      ds = copy;
    }
  json_object_set_array_member (dlp_dataset_get_metadata (ds), "preprocessing",
                                json_array_ref (preprocessing));
  json_object_set_array_member (dlp_dataset_get_metadata (ds), "input_schema", input_schema (raw));

  g_autoptr (JsonNode) summary = summary_node (raw, ds, steps);
  g_autoptr (DlpStageOutputs) outputs = dlp_stage_outputs_new ();
  if (!dlp_stage_outputs_add_dataset (outputs, DLP_PATH_PROCESSED, ds, error)
      || !dlp_stage_outputs_add_json (outputs, DLP_PATH_TRANSFORM_SUMMARY, summary, error)
      || !dlp_stage_outputs_commit (outputs, error))
    return FALSE;
  g_info ("%s: %" G_GINT64_FORMAT " rows (of %" G_GINT64_FORMAT "), %u columns", DLP_PATH_PROCESSED,
          dlp_dataset_get_n_rows (ds), dlp_dataset_get_n_rows (raw),
          dlp_dataset_get_n_columns (ds));
  return TRUE;
}
