/* mlflow-models.c: reading the model registry (a model's versions, their
 * aliases and the metrics of the runs that made them) and moving an
 * alias, for `dlpipe mlflow models`, `promote` and model_test's champion. */
#include <math.h>
#include <string.h>
#include "mlflow-tracker.h"

/* A refusal of a name MLflow does not know becomes DLP_ERROR_NOT_FOUND. */
static JsonObject *
get_or_not_found (DlpMlflowTracker *t, const char *path, JsonNode *query,
                  const DlpTrackerCall *call, GError **error)
{
  g_autofree char *code = NULL;
  g_autoptr (GError) local = NULL;
  JsonObject *answer = dlp_mlflow_client_get (t->client, path, query, &code, call, &local);
  if (answer == NULL && g_strcmp0 (code, "RESOURCE_DOES_NOT_EXIST") == 0)
    local->code = DLP_ERROR_NOT_FOUND;
  if (answer == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return answer;
}

/* The object @member of the answer to GET @path. */
static JsonObject *
get_member (DlpMlflowTracker *t, const char *path, JsonNode *query, const char *member,
            const DlpTrackerCall *call, GError **error)
{
  g_autoptr (JsonObject) answer = get_or_not_found (t, path, query, call, error);
  JsonObject *o = answer ? dlp_json_get_object (answer, member) : NULL;
  if (answer && o == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "GET %s: the answer has no %s", path, member);
  return o ? json_object_ref (o) : NULL;
}

/* The registered model @name; its "aliases" are [{"alias", "version"}]. */
static JsonObject *
get_registered_model (DlpMlflowTracker *t, const char *name, const DlpTrackerCall *call,
                      GError **error)
{
  g_autoptr (JsonNode) query = dlp_mlflow_query1 ("name", name);
  return get_member (t, "mlflow/registered-models/get", query, "registered_model", call, error);
}

/* {KEY: VALUE} of MLflow's [{"key", "value"}] list; numbers for metrics. */
static JsonObject *
key_values (JsonArray *list, gboolean numbers)
{
  JsonObject *o = json_object_new ();
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *kv = dlp_json_array_get_object (list, i);
      const char *key = kv ? dlp_json_get_string (kv, "key") : NULL;
      if (key == NULL)
        continue;
      if (numbers)
        json_object_set_double_member (o, key, dlp_json_get_double (kv, "value", NAN));
      else if (dlp_json_get_string (kv, "value"))
        json_object_set_string_member (o, key, dlp_json_get_string (kv, "value"));
    }
  return o;
}

/* The version object of dlp-tracker.h from MLflow's ModelVersion @mv,
 * with the aliases of @model that name it and its run's facts. */
static JsonNode *
version_object (DlpMlflowTracker *t, JsonObject *model, JsonObject *mv, const DlpTrackerCall *call,
                GError **error)
{
  const char *name = dlp_json_get_string (mv, "name");
  const char *version = dlp_mlflow_get_id (mv, "version", DLP_MLFLOW_MAX_VERSION);
  const char *run_id = dlp_mlflow_get_id (mv, "run_id", DLP_MLFLOW_MAX_RUN_ID);
  if (name == NULL || version == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "mlflow/model-versions: a version without a name or a version number");
      return NULL;
    }
  JsonObject *o = json_object_new ();
  g_autoptr (JsonNode) node = dlp_json_node_new_object (o);
  json_object_set_string_member (o, "name", name);
  json_object_set_string_member (o, "version", version);
  json_object_set_string_member (o, "run_id", run_id ? run_id : "");
  const char *source = dlp_json_get_string (mv, "source");
  json_object_set_string_member (o, "source", source ? source : "");
  JsonArray *aliases = json_array_new ();
  JsonArray *all = dlp_json_get_array (model, "aliases");
  for (guint i = 0; all && i < json_array_get_length (all); i++)
    {
      JsonObject *a = dlp_json_array_get_object (all, i);
      const char *alias = a ? dlp_json_get_string (a, "alias") : NULL;
      if (alias && g_strcmp0 (dlp_json_get_string (a, "version"), version) == 0)
        json_array_add_string_element (aliases, alias);
    }
  json_object_set_array_member (o, "aliases", aliases);
  JsonObject *data = NULL;
  g_autoptr (JsonObject) answer = NULL;
  if (run_id)
    {
      g_autoptr (JsonNode) query = dlp_mlflow_query1 ("run_id", run_id);
      g_autoptr (GError) local = NULL;
      answer = dlp_mlflow_client_get (t->client, "mlflow/runs/get", query, NULL, call, &local);
      /* A deleted run leaves its versions: they just have no metrics. */
      if (answer == NULL && local->code != DLP_ERROR_FAILED)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      data = answer ? dlp_json_get_object (dlp_json_get_object (answer, "run"), "data") : NULL;
    }
  json_object_set_object_member (o, "metrics",
                                 key_values (dlp_json_get_array (data, "metrics"), TRUE));
  json_object_set_object_member (o, "tags", key_values (dlp_json_get_array (data, "tags"), FALSE));
  return g_steal_pointer (&node);
}

static JsonObject *
get_version (DlpMlflowTracker *t, const char *name, const char *version, const DlpTrackerCall *call,
             GError **error)
{
  JsonObject *q = json_object_new ();
  json_object_set_string_member (q, "name", name);
  json_object_set_string_member (q, "version", version);
  g_autoptr (JsonNode) query = dlp_json_node_new_object (q);
  return get_member (t, "mlflow/model-versions/get", query, "model_version", call, error);
}

static const char *
alias_version (JsonObject *model, const char *alias)
{
  JsonArray *all = dlp_json_get_array (model, "aliases");
  for (guint i = 0; all && i < json_array_get_length (all); i++)
    {
      JsonObject *a = dlp_json_array_get_object (all, i);
      if (a && g_strcmp0 (dlp_json_get_string (a, "alias"), alias) == 0)
        return dlp_mlflow_get_id (a, "version", DLP_MLFLOW_MAX_VERSION);
    }
  return NULL;
}

JsonNode *
dlp_mlflow_get_model_version (gpointer self, const char *model_name, const char *alias,
                              const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  g_autoptr (JsonObject) model = get_registered_model (t, model_name, call, error);
  if (model == NULL)
    return NULL;
  const char *version = alias_version (model, alias);
  if (version == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                   "GET mlflow/registered-models/get: model '%s' has no alias '%s'", model_name,
                   alias);
      return NULL;
    }
  g_autoptr (JsonObject) mv = get_version (t, model_name, version, call, error);
  return mv ? version_object (t, model, mv, call, error) : NULL;
}

/* Newer (a bigger version number) first, for g_ptr_array_sort. */
static int
compare_versions (gconstpointer a, gconstpointer b)
{
  JsonObject *oa = json_node_get_object (*(JsonNode *const *) a);
  JsonObject *ob = json_node_get_object (*(JsonNode *const *) b);
  gint64 va = g_ascii_strtoll (dlp_json_get_string (oa, "version"), NULL, 10);
  gint64 vb = g_ascii_strtoll (dlp_json_get_string (ob, "version"), NULL, 10);
  return (vb > va) - (vb < va);
}

/* Appends the versions of @model to @out, newest first, page by page. */
static gboolean
add_versions (DlpMlflowTracker *t, JsonObject *model, JsonArray *out, const DlpTrackerCall *call,
              GError **error)
{
  const char *name = dlp_json_get_string (model, "name");
  g_autofree char *quoted = name ? g_strescape (name, NULL) : NULL;
  if (name == NULL || strchr (name, '\'') != NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "GET mlflow/model-versions/search: model name '%s' cannot be searched "
                   "(MLflow's filters cannot hold a quote)",
                   quoted ? quoted : "?");
      return FALSE;
    }
  g_autofree char *filter = g_strdup_printf ("name='%s'", name);
  g_autofree char *token = NULL;
  g_autoptr (GPtrArray) versions =
    g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  do
    {
      JsonObject *q = json_object_new ();
      json_object_set_string_member (q, "filter", filter);
      json_object_set_int_member (q, "max_results", 1000);
      if (token)
        json_object_set_string_member (q, "page_token", token);
      g_autoptr (JsonNode) query = dlp_json_node_new_object (q);
      g_autoptr (JsonObject) answer =
        dlp_mlflow_client_get (t->client, "mlflow/model-versions/search", query, NULL, call, error);
      if (answer == NULL)
        return FALSE;
      JsonArray *page = dlp_json_get_array (answer, "model_versions");
      for (guint i = 0; page && i < json_array_get_length (page); i++)
        {
          JsonObject *mv = dlp_json_array_get_object (page, i);
          JsonNode *v = mv ? version_object (t, model, mv, call, error) : NULL;
          if (mv && v == NULL)
            return FALSE;
          if (v)
            g_ptr_array_add (versions, v);
        }
      const char *next = dlp_json_get_string (answer, "next_page_token");
      g_free (token);
      token = next && *next ? g_strdup (next) : NULL;
    }
  while (token);
  /* Newest first: by version number, which the server may not sort by. */
  g_ptr_array_sort (versions, compare_versions);
  for (guint i = 0; i < versions->len; i++)
    json_array_add_element (out, json_node_ref (g_ptr_array_index (versions, i)));
  return TRUE;
}

/* Every registered model, page by page. */
static GPtrArray *
all_models (DlpMlflowTracker *t, const DlpTrackerCall *call, GError **error)
{
  g_autoptr (GPtrArray) models =
    g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *token = NULL;
  do
    {
      JsonObject *q = json_object_new ();
      json_object_set_int_member (q, "max_results", 1000);
      if (token)
        json_object_set_string_member (q, "page_token", token);
      g_autoptr (JsonNode) query = dlp_json_node_new_object (q);
      g_autoptr (JsonObject) answer = dlp_mlflow_client_get (
        t->client, "mlflow/registered-models/search", query, NULL, call, error);
      if (answer == NULL)
        return NULL;
      JsonArray *page = dlp_json_get_array (answer, "registered_models");
      for (guint i = 0; page && i < json_array_get_length (page); i++)
        {
          JsonObject *m = dlp_json_array_get_object (page, i);
          if (m && dlp_json_get_string (m, "name"))
            g_ptr_array_add (models, json_object_ref (m));
        }
      const char *next = dlp_json_get_string (answer, "next_page_token");
      g_free (token);
      token = next && *next ? g_strdup (next) : NULL;
    }
  while (token);
  return g_steal_pointer (&models);
}

JsonNode *
dlp_mlflow_list_model_versions (gpointer self, const char *model_name, const DlpTrackerCall *call,
                                GError **error)
{
  DlpMlflowTracker *t = self;
  g_autoptr (GPtrArray) models = NULL;
  if (model_name)
    {
      JsonObject *model = get_registered_model (t, model_name, call, error);
      if (model == NULL)
        return NULL;
      models = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      g_ptr_array_add (models, model);
    }
  else
    models = all_models (t, call, error);
  if (models == NULL)
    return NULL;
  JsonArray *out = json_array_new ();
  g_autoptr (JsonNode) node = dlp_json_node_new_array (out);
  for (guint i = 0; i < models->len; i++)
    if (!add_versions (t, g_ptr_array_index (models, i), out, call, error))
      return NULL;
  return g_steal_pointer (&node);
}

gboolean
dlp_mlflow_set_model_alias (gpointer self, const char *model_name, const char *alias,
                            const char *version, const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  if (!dlp_mlflow_check_alias (alias, error))
    return FALSE;
  /* MLflow's own refusal of an unknown version is a generic 400. */
  g_autoptr (JsonObject) mv = get_version (t, model_name, version, call, error);
  return mv && dlp_mlflow_set_alias (t, model_name, alias, version, call, error);
}
