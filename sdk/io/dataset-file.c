/* dataset-file.c: a dataset as one safetensors file.
 *
 * Each column is a tensor named after it. __metadata__ holds
 *   "dlpipe.format":   "dataset-1"
 *   "dlpipe.schema":   {"n_rows": N, "columns": [{"name", "role",
 *                       "categories"?}, ...]}   (JSON, column order)
 *   "dlpipe.metadata": the dataset's free-form metadata (JSON)
 * so numpy or PyTorch users read the columns with any safetensors reader. */
#include <string.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-dataset.h>
#include <dlpipe/dlp-safetensors.h>
#include "sdk-private.h"

#define FORMAT_KEY "dlpipe.format"
#define FORMAT_VALUE "dataset-1"
#define SCHEMA_KEY "dlpipe.schema"
#define METADATA_KEY "dlpipe.metadata"

static JsonNode *
build_schema (DlpDataset *ds)
{
  JsonObject *schema = json_object_new ();
  json_object_set_int_member (schema, "n_rows", dlp_dataset_get_n_rows (ds));
  JsonArray *columns = json_array_new ();
  for (guint i = 0; i < dlp_dataset_get_n_columns (ds); i++)
    {
      JsonObject *column = json_object_new ();
      json_object_set_string_member (column, "name", dlp_dataset_get_column_name (ds, i));
      json_object_set_string_member (column, "role",
                                     dlp_column_role_name (dlp_dataset_get_column_role (ds, i)));
      guint n;
      const char *const *cats = dlp_dataset_get_column_categories (ds, i, &n);
      if (cats)
        {
          JsonArray *categories = json_array_sized_new (n);
          for (guint c = 0; c < n; c++)
            json_array_add_string_element (categories, cats[c]);
          json_object_set_array_member (column, "categories", categories);
        }
      json_array_add_object_element (columns, column);
    }
  json_object_set_array_member (schema, "columns", columns);
  return dlp_json_node_new_object (schema);
}

gboolean
dlp_dataset_save (DlpDataset *dataset, const char *path, GError **error)
{
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  for (guint i = 0; i < dlp_dataset_get_n_columns (dataset); i++)
    if (!dlp_safetensors_writer_add (w, dlp_dataset_get_column_name (dataset, i),
                                     dlp_dataset_get_column_tensor (dataset, i), error))
      return FALSE;

  g_autoptr (JsonNode) schema = build_schema (dataset);
  g_autofree char *schema_text = dlp_json_to_string (schema, FALSE);
  g_autoptr (JsonNode) meta = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (meta, dlp_dataset_get_metadata (dataset));
  g_autofree char *meta_text = dlp_json_to_string (meta, FALSE);

  dlp_safetensors_writer_set_metadata (w, FORMAT_KEY, FORMAT_VALUE);
  dlp_safetensors_writer_set_metadata (w, SCHEMA_KEY, schema_text);
  dlp_safetensors_writer_set_metadata (w, METADATA_KEY, meta_text);
  return dlp_safetensors_writer_write (w, path, error);
}

static gboolean
schema_error (GError **error, const char *path, const char *msg)
{
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: dataset schema: %s", path, msg);
  return FALSE;
}

static gboolean
add_column_from_schema (DlpDataset *ds, DlpSafetensors *st, JsonNode *node, const char *path,
                        GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return schema_error (error, path, "a column entry is not an object");
  JsonObject *c = json_node_get_object (node);
  JsonNode *name_node = json_object_get_member (c, "name");
  JsonNode *role_node = json_object_get_member (c, "role");
  if (name_node == NULL || json_node_get_value_type (name_node) != G_TYPE_STRING
      || role_node == NULL || json_node_get_value_type (role_node) != G_TYPE_STRING)
    return schema_error (error, path, "a column lacks a string name or role");
  const char *name = json_node_get_string (name_node);
  DlpColumnRole role;
  if (!dlp_column_role_from_name (json_node_get_string (role_node), &role))
    return schema_error (error, path, "a column has an unknown role");
  DlpTensor *t = dlp_safetensors_lookup (st, name, error);
  if (t == NULL)
    return FALSE;

  gboolean ok;
  JsonNode *cats = json_object_get_member (c, "categories");
  if (cats == NULL)
    ok = dlp_dataset_add_column (ds, name, t, role, error);
  else
    {
      if (!JSON_NODE_HOLDS_ARRAY (cats))
        return schema_error (error, path, "categories must be a list of strings");
      JsonArray *a = json_node_get_array (cats);
      guint n = json_array_get_length (a);
      g_autofree const char **names = g_new0 (const char *, n + 1);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (json_node_get_value_type (e) != G_TYPE_STRING)
            return schema_error (error, path, "categories must be a list of strings");
          names[i] = json_node_get_string (e);
        }
      ok = dlp_dataset_add_categorical (ds, name, t, names, n, role, error);
    }
  if (!ok)
    g_prefix_error (error, "%s: ", path);
  return ok;
}

static DlpDataset *
dataset_from_safetensors (DlpSafetensors *st, const char *path, GError **error)
{
  const char *format = dlp_safetensors_get_metadata (st, FORMAT_KEY);
  const char *schema_text = dlp_safetensors_get_metadata (st, SCHEMA_KEY);
  const char *meta_text = dlp_safetensors_get_metadata (st, METADATA_KEY);
  if (format == NULL || schema_text == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: not a dlpipe dataset (no %s in __metadata__)", path, SCHEMA_KEY);
      return NULL;
    }
  if (strcmp (format, FORMAT_VALUE) != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "%s: dataset format '%s' is not supported (expected '%s')", path, format,
                   FORMAT_VALUE);
      return NULL;
    }
  g_autoptr (JsonNode) schema = dlp_json_parse (schema_text, -1, path, error);
  if (schema == NULL)
    return NULL;
  JsonObject *so = JSON_NODE_HOLDS_OBJECT (schema) ? json_node_get_object (schema) : NULL;
  JsonNode *rows = so ? json_object_get_member (so, "n_rows") : NULL;
  JsonNode *cols = so ? json_object_get_member (so, "columns") : NULL;
  if (rows == NULL || json_node_get_value_type (rows) != G_TYPE_INT64
      || json_node_get_int (rows) < 0 || cols == NULL || !JSON_NODE_HOLDS_ARRAY (cols))
    {
      schema_error (error, path, "expected n_rows and a list of columns");
      return NULL;
    }

  g_autoptr (DlpDataset) ds = dlp_dataset_new (json_node_get_int (rows));
  JsonArray *ca = json_node_get_array (cols);
  for (guint i = 0; i < json_array_get_length (ca); i++)
    if (!add_column_from_schema (ds, st, json_array_get_element (ca, i), path, error))
      return NULL;
  if (dlp_dataset_get_n_columns (ds) != dlp_safetensors_get_n_tensors (st))
    {
      schema_error (error, path, "the file holds tensors the schema does not list");
      return NULL;
    }

  if (meta_text)
    {
      g_autoptr (JsonNode) meta = dlp_json_parse (meta_text, -1, path, error);
      if (meta == NULL)
        return NULL;
      if (!JSON_NODE_HOLDS_OBJECT (meta))
        {
          schema_error (error, path, "dlpipe.metadata is not a JSON object");
          return NULL;
        }
      JsonObject *dst = dlp_dataset_get_metadata (ds);
      JsonObject *src = json_node_get_object (meta);
      g_autoptr (GList) keys = json_object_get_members (src);
      for (GList *l = keys; l; l = l->next)
        json_object_set_member (dst, l->data,
                                json_node_copy (json_object_get_member (src, l->data)));
    }
  return g_steal_pointer (&ds);
}

DlpDataset *
dlp_dataset_load (const char *path, GError **error)
{
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, error);
  return st ? dataset_from_safetensors (st, path, error) : NULL;
}

DlpDataset *
dlp_dataset_load_bytes (GBytes *bytes, const char *what, GError **error)
{
  g_autoptr (DlpSafetensors) st = dlp_safetensors_parse (bytes, what, error);
  return st ? dataset_from_safetensors (st, what, error) : NULL;
}
