/* columns.c: the select and drop steps, choosing feature columns.
 *
 *   - select: {columns: [bill_length_mm, flipper_length_mm]}
 *   - drop: {columns: [year]}
 *
 * select keeps the named columns, in the order named, and always the label
 * and auxiliary columns after them (a classifier needs its label; the
 * subset column drives the predefined split). drop removes the named
 * columns; the label cannot be dropped. */
#include "step-util.h"

static const DlpParamSpec select_params[] = {
  DLP_PARAM_REQUIRED ("columns", DLP_PARAM_LIST, "The feature columns to keep, in order"),
  DLP_PARAM_END,
};

static const DlpParamSpec drop_params[] = {
  DLP_PARAM_REQUIRED ("columns", DLP_PARAM_LIST, "The columns to remove"),
  DLP_PARAM_END,
};

typedef struct {
  GStrv columns;
} Columns;

static void
columns_free (gpointer self)
{
  Columns *c = self;
  g_strfreev (c->columns);
  g_free (c);
}

static gpointer
columns_create (DlpConfig *config, GError **error)
{
  Columns *c = g_new0 (Columns, 1);
  if (!dlp_config_get_strv (config, "columns", &c->columns, error))
    {
      columns_free (c);
      return NULL;
    }
  if (c->columns == NULL || c->columns[0] == NULL)
    {
      dlp_config_set_error (config, "columns", error, "expected at least one column");
      columns_free (c);
      return NULL;
    }
  return c;
}

static gboolean
add_like (DlpDataset *out, DlpDataset *ds, guint index, GError **error)
{
  const char *name = dlp_dataset_get_column_name (ds, index);
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, index);
  DlpColumnRole role = dlp_dataset_get_column_role (ds, index);
  guint n = 0;
  const char *const *cats = dlp_dataset_get_column_categories (ds, index, &n);
  if (cats)
    return dlp_dataset_add_categorical (out, name, t, cats, n, role, error);
  return dlp_dataset_add_column (out, name, t, role, error);
}

/* A dataset with @ds's metadata and no columns. */
static DlpDataset *
empty_like (DlpDataset *ds)
{
  DlpDataset *out = dlp_dataset_copy (ds);
  while (dlp_dataset_get_n_columns (out) > 0)
    dlp_dataset_remove_column (out, dlp_dataset_get_column_name (out, 0), NULL);
  return out;
}

static gboolean
select_fit (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Columns *c = self;
  (void) context;
  for (guint i = 0; c->columns[i]; i++)
    if (dlp_dataset_lookup_column (ds, c->columns[i], error) < 0)
      return FALSE;
  return TRUE;
}

static DlpDataset *
select_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Columns *c = self;
  (void) context;
  g_autoptr (DlpDataset) out = empty_like (ds);
  for (guint i = 0; c->columns[i]; i++)
    {
      int index = dlp_dataset_lookup_column (ds, c->columns[i], error);
      if (index < 0 || !add_like (out, ds, (guint) index, error))
        return NULL;
    }
  for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
    if (dlp_dataset_get_column_role (ds, i) != DLP_COLUMN_FEATURE
        && dlp_dataset_find_column (out, dlp_dataset_get_column_name (ds, i)) < 0
        && !add_like (out, ds, i, error))
      return NULL;
  return g_steal_pointer (&out);
}

static gboolean
drop_fit (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Columns *c = self;
  (void) context;
  for (guint i = 0; c->columns[i]; i++)
    {
      int index = dlp_dataset_lookup_column (ds, c->columns[i], error);
      if (index < 0)
        return FALSE;
      if (dlp_dataset_get_column_role (ds, (guint) index) == DLP_COLUMN_LABEL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                       "column '%s' is the label; it cannot be dropped", c->columns[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* Columns already absent are fine: serving inputs may lack them. */
static DlpDataset *
drop_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Columns *c = self;
  (void) context;
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  for (guint i = 0; c->columns[i]; i++)
    if (dlp_dataset_find_column (out, c->columns[i]) >= 0
        && !dlp_dataset_remove_column (out, c->columns[i], error))
      return NULL;
  return g_steal_pointer (&out);
}

static JsonNode *
columns_save_state (gpointer self)
{
  Columns *c = self;
  JsonObject *o = json_object_new ();
  json_object_set_member (o, "columns", step_strv_to_json ((const char *const *) c->columns));
  return step_state_to_json (o, NULL);
}

static gboolean
columns_load_state (gpointer self, JsonNode *state, GError **error)
{
  Columns *c = self;
  JsonNode *cols = step_state_member (state, "columns", "select/drop", error);
  GStrv names = cols ? step_json_to_strv (cols, "state columns", error) : NULL;
  if (names == NULL)
    return FALSE;
  g_strfreev (c->columns);
  c->columns = names;
  return TRUE;
}

static const DlpTransformClass select_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "select",
  .description = "Keeps the named feature columns (and the label and auxiliary columns)",
  .params = select_params,
  .create = columns_create,
  .destroy = columns_free,
  .fit = select_fit,
  .apply = select_apply,
  .save_state = columns_save_state,
  .load_state = columns_load_state,
};

static const DlpTransformClass drop_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "drop",
  .description = "Removes the named columns",
  .params = drop_params,
  .create = columns_create,
  .destroy = columns_free,
  .fit = drop_fit,
  .apply = drop_apply,
  .save_state = columns_save_state,
  .load_state = columns_load_state,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &select_transform, error)
         && dlp_registry_add_transform (registry, &drop_transform, error);
}

DLP_PLUGIN_DEFINE (transform_columns, "0.1.0", "LGPL-2.1-or-later",
                   "The select and drop transform steps", plugin_init)
