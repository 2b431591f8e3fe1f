/* mlflow-logged-models.c: MLflow 3's logged models, made over REST as
 * mlflow.<flavor>.log_model makes them in 3.x: a model entity of its own
 * (m-...) named after the artifact path, with the run's params and source
 * tags, recorded as the run's output at step 0, the run's step-0 metrics
 * linked to it, the package's files in its own artifact location, then
 * finalized READY (UPLOAD_FAILED when the files do not arrive). */
#include <string.h>
#include "mlflow-tracker.h"

#define LOGGED_MODELS "mlflow/logged-models"
/* Params per request, as MLflow's client sends them. */
#define PARAMS_PER_REQUEST 100
/* The step MLflow records a model at when none is given. */
#define MODEL_STEP 0
#define STATUS_READY "LOGGED_MODEL_READY"
#define STATUS_FAILED "LOGGED_MODEL_UPLOAD_FAILED"

static char *
cache_key (const char *run_id, const char *artifact_path)
{
  return g_strconcat (run_id, "\n", artifact_path, NULL);
}

/* A 404 that is not about a missing resource: a server before MLflow 3,
 * which has no logged models. */
static gboolean
lacks_logged_models (const DlpMlflowRequest *r)
{
  return r->status == 404
         && (r->error_code == NULL || strcmp (r->error_code, "ENDPOINT_NOT_FOUND") == 0);
}

static JsonObject *
get_run (DlpMlflowTracker *t, const char *run_id, const DlpTrackerCall *call, GError **error)
{
  g_autoptr (JsonNode) query = dlp_mlflow_query1 ("run_id", run_id);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_get (t->client, "mlflow/runs/get", query, NULL, call, error);
  if (answer == NULL)
    return NULL;
  JsonObject *run = dlp_json_get_object (answer, "run");
  if (dlp_mlflow_get_id (dlp_json_get_object (run, "info"), "experiment_id",
                         DLP_MLFLOW_MAX_EXPERIMENT_ID)
      == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "GET mlflow/runs/get: the answer for run %s has no experiment id", run_id);
      return NULL;
    }
  return json_object_ref (run);
}

static const char *
experiment_of (JsonObject *run)
{
  return dlp_json_get_string (dlp_json_get_object (run, "info"), "experiment_id");
}

static JsonObject *
info_of (JsonObject *model)
{
  return dlp_json_get_object (model, "info");
}

/* The newest logged model the run made as @name (a new reference), or
 * NULL; NULL too from a server without logged models. */
static gboolean
search_model (DlpMlflowTracker *t, const char *experiment_id, const char *run_id, const char *name,
              JsonObject **model, const DlpTrackerCall *call, GError **error)
{
  *model = NULL;
  /* A quote cannot be escaped in MLflow's filter syntax. */
  if (strchr (name, '\'') != NULL)
    return TRUE;
  JsonObject *b = json_object_new ();
  JsonArray *ids = json_array_new ();
  json_array_add_string_element (ids, experiment_id);
  json_object_set_array_member (b, "experiment_ids", ids);
  g_autofree char *filter = g_strdup_printf ("source_run_id = '%s' AND name = '%s'", run_id, name);
  json_object_set_string_member (b, "filter", filter);
  JsonObject *order = json_object_new ();
  json_object_set_string_member (order, "field_name", "creation_timestamp");
  json_object_set_boolean_member (order, "ascending", FALSE);
  JsonArray *orders = json_array_new ();
  json_array_add_object_element (orders, order);
  json_object_set_array_member (b, "order_by", orders);
  json_object_set_int_member (b, "max_results", 1);
  g_auto (DlpMlflowRequest) r = {
    .method = "POST",
    .path = LOGGED_MODELS "/search",
    .body = dlp_json_node_new_object (b),
  };
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, &local);
  gboolean none = answer == NULL && lacks_logged_models (&r);
  if (answer == NULL && !none)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  JsonObject *found = dlp_json_array_get_object (dlp_json_get_array (answer, "models"), 0);
  if (found)
    *model = json_object_ref (found);
  return TRUE;
}

typedef struct {
  DlpMlflowTracker *tracker;
  const char *experiment_id;
  const char *run_id;
  const char *name;
} FindModel;

/* Before creating the model again: an earlier try may have made it. */
static gboolean
redo_create (gpointer data, JsonNode **body, JsonObject **done, const DlpTrackerCall *call,
             GError **error)
{
  (void) body;
  FindModel *f = data;
  g_autoptr (JsonObject) model = NULL;
  if (!search_model (f->tracker, f->experiment_id, f->run_id, f->name, &model, call, error))
    return FALSE;
  if (model)
    {
      *done = json_object_new ();
      json_object_set_object_member (*done, "model", g_steal_pointer (&model));
    }
  return TRUE;
}

/* The run's tags that say where the model comes from, as MLflow's
 * client gives a logged model its context's tags, and the run key. */
static JsonArray *
source_tags (JsonObject *run)
{
  JsonArray *out = json_array_new ();
  JsonArray *tags = dlp_json_get_array (dlp_json_get_object (run, "data"), "tags");
  for (guint i = 0; tags && i < json_array_get_length (tags); i++)
    {
      JsonObject *tag = dlp_json_array_get_object (tags, i);
      const char *key = dlp_json_get_string (tag, "key");
      const char *value = dlp_json_get_string (tag, "value");
      if (key && value
          && (g_str_has_prefix (key, "mlflow.source.") || strcmp (key, "mlflow.user") == 0
              || strcmp (key, DLP_MLFLOW_RUN_KEY_TAG) == 0))
        {
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "key", key);
          json_object_set_string_member (o, "value", value);
          json_array_add_object_element (out, o);
        }
    }
  return out;
}

/* Params @start to @start + PARAMS_PER_REQUEST of the run, or NULL when
 * there are none there. */
static JsonArray *
params_slice (JsonObject *run, guint start)
{
  JsonArray *params = dlp_json_get_array (dlp_json_get_object (run, "data"), "params");
  guint n = params ? json_array_get_length (params) : 0;
  if (start >= n)
    return NULL;
  JsonArray *out = json_array_new ();
  for (guint i = start; i < n && i < start + PARAMS_PER_REQUEST; i++)
    {
      JsonObject *p = dlp_json_array_get_object (params, i);
      const char *key = dlp_json_get_string (p, "key");
      const char *value = dlp_json_get_string (p, "value");
      if (key && value)
        {
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "key", key);
          json_object_set_string_member (o, "value", value);
          json_array_add_object_element (out, o);
        }
    }
  return out;
}

/* The model as {"model": ...}, created or found again; *@model NULL (and
 * TRUE) from a server without logged models. */
static gboolean
create_model (DlpMlflowTracker *t, JsonObject *run, const char *run_id, const char *name,
              JsonObject **model, const DlpTrackerCall *call, GError **error)
{
  *model = NULL;
  const char *exp = experiment_of (run);
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "experiment_id", exp);
  json_object_set_string_member (b, "name", name);
  json_object_set_string_member (b, "source_run_id", run_id);
  json_object_set_string_member (b, "model_type", "dlpipe");
  JsonArray *params = params_slice (run, 0);
  if (params)
    json_object_set_array_member (b, "params", params);
  json_object_set_array_member (b, "tags", source_tags (run));
  FindModel find = { t, exp, run_id, name };
  g_auto (DlpMlflowRequest) r = {
    .method = "POST",
    .path = LOGGED_MODELS,
    .body = dlp_json_node_new_object (b),
    .redo = redo_create,
    .redo_data = &find,
  };
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, &local);
  gboolean none = answer == NULL && lacks_logged_models (&r);
  if (none)
    {
      g_debug ("POST %s: the server has no logged models (before MLflow 3)", LOGGED_MODELS);
      return TRUE;
    }
  if (answer == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  JsonObject *created = dlp_json_get_object (answer, "model");
  if (dlp_mlflow_get_id (info_of (created), "model_id", DLP_MLFLOW_MAX_RUN_ID) == NULL
      || dlp_json_get_string (info_of (created), "artifact_uri") == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "POST %s: the answer has no model id (letters, digits, '_' or '-') "
                   "and artifact URI",
                   LOGGED_MODELS);
      return FALSE;
    }
  *model = json_object_ref (created);
  return TRUE;
}

/* The run's params beyond the first request's; params are write-once,
 * so sending them again is safe. */
static gboolean
log_more_params (DlpMlflowTracker *t, JsonObject *run, const char *model_id,
                 const DlpTrackerCall *call, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/%s/params", LOGGED_MODELS, model_id);
  JsonArray *params;
  for (guint start = PARAMS_PER_REQUEST; (params = params_slice (run, start));
       start += PARAMS_PER_REQUEST)
    {
      JsonObject *b = json_object_new ();
      json_object_set_string_member (b, "model_id", model_id);
      json_object_set_array_member (b, "params", params);
      g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
      g_autoptr (JsonObject) answer =
        dlp_mlflow_client_post (t->client, path, body, NULL, call, error);
      if (answer == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
has_output (JsonObject *run, const char *model_id)
{
  JsonArray *outputs = dlp_json_get_array (dlp_json_get_object (run, "outputs"), "model_outputs");
  for (guint i = 0; outputs && i < json_array_get_length (outputs); i++)
    if (g_strcmp0 (dlp_json_get_string (dlp_json_array_get_object (outputs, i), "model_id"),
                   model_id)
        == 0)
      return TRUE;
  return FALSE;
}

typedef struct {
  DlpMlflowTracker *tracker;
  const char *run_id;
  const char *model_id;
} FindOutput;

/* Outputs append, so look before recording the model again. */
static gboolean
redo_output (gpointer data, JsonNode **body, JsonObject **done, const DlpTrackerCall *call,
             GError **error)
{
  (void) body;
  FindOutput *f = data;
  g_autoptr (JsonObject) run = get_run (f->tracker, f->run_id, call, error);
  if (run == NULL)
    return FALSE;
  if (has_output (run, f->model_id))
    *done = json_object_new ();
  return TRUE;
}

/* The model as the run's output, as MLflow's client records it. */
static gboolean
log_output (DlpMlflowTracker *t, JsonObject *run, const char *run_id, const char *model_id,
            const DlpTrackerCall *call, GError **error)
{
  if (has_output (run, model_id))
    return TRUE;
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "model_id", model_id);
  json_object_set_int_member (o, "step", MODEL_STEP);
  JsonArray *models = json_array_new ();
  json_array_add_object_element (models, o);
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "run_id", run_id);
  json_object_set_array_member (b, "models", models);
  FindOutput find = { t, run_id, model_id };
  g_auto (DlpMlflowRequest) r = {
    .method = "POST",
    .path = "mlflow/runs/outputs",
    .body = dlp_json_node_new_object (b),
    .redo = redo_output,
    .redo_data = &find,
  };
  g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, error);
  return answer != NULL;
}

/* The run's metrics at the model's step logged again with its id, which
 * links them to the model (its Models tab and its page show them), as
 * MLflow's client does when it logs a model. The server keeps a point
 * once, so this is safe to repeat. */
static gboolean
link_metrics (DlpMlflowTracker *t, JsonObject *run, const char *run_id, const char *model_id,
              const DlpTrackerCall *call, GError **error)
{
  JsonArray *metrics = dlp_json_get_array (dlp_json_get_object (run, "data"), "metrics");
  guint n = metrics ? json_array_get_length (metrics) : 0;
  for (guint start = 0; start < n; start += DLP_MLFLOW_MAX_METRICS_PER_BATCH)
    {
      JsonArray *batch = json_array_new ();
      for (guint i = start; i < n && i < start + DLP_MLFLOW_MAX_METRICS_PER_BATCH; i++)
        {
          JsonObject *m = dlp_json_array_get_object (metrics, i);
          const char *key = dlp_json_get_string (m, "key");
          JsonNode *value = m ? json_object_get_member (m, "value") : NULL;
          if (key == NULL || value == NULL || dlp_json_get_int (m, "step", 0) != MODEL_STEP)
            continue;
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "key", key);
          /* As the server gave it: a number, or "NaN" and the infinities. */
          json_object_set_member (o, "value", json_node_copy (value));
          json_object_set_int_member (o, "timestamp", dlp_json_get_int (m, "timestamp", 0));
          json_object_set_int_member (o, "step", MODEL_STEP);
          json_object_set_string_member (o, "model_id", model_id);
          json_array_add_object_element (batch, o);
        }
      JsonObject *b = json_object_new ();
      json_object_set_string_member (b, "run_id", run_id);
      gboolean empty = json_array_get_length (batch) == 0;
      json_object_set_array_member (b, "metrics", batch);
      g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
      if (empty)
        continue;
      g_autoptr (JsonObject) answer =
        dlp_mlflow_client_post (t->client, "mlflow/runs/log-batch", body, NULL, call, error);
      if (answer == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
finalize (DlpMlflowTracker *t, const char *model_id, const char *status, const DlpTrackerCall *call,
          GError **error)
{
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "model_id", model_id);
  json_object_set_string_member (b, "status", status);
  g_autofree char *path = g_strdup_printf ("%s/%s", LOGGED_MODELS, model_id);
  /* Setting a status is safe to repeat. */
  g_auto (DlpMlflowRequest) r = { .method = "PATCH",
                                  .path = path,
                                  .body = dlp_json_node_new_object (b) };
  g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, error);
  return answer != NULL;
}

gboolean
dlp_mlflow_log_logged_model (DlpMlflowTracker *t, const char *run_id, const char *local_dir,
                             const char *artifact_path, const DlpTrackerCall *call, GError **error)
{
  g_autoptr (JsonObject) run = get_run (t, run_id, call, error);
  g_autoptr (JsonObject) model = NULL;
  if (run == NULL || !create_model (t, run, run_id, artifact_path, &model, call, error))
    return FALSE;
  if (model == NULL)
    return TRUE;
  JsonObject *info = info_of (model);
  const char *model_id = dlp_json_get_string (info, "model_id");
  /* Only a ready model gets versions. */
  g_autofree char *key = cache_key (run_id, artifact_path);
  g_hash_table_remove (t->logged_models, key);
  /* An earlier delivery finished it. */
  if (g_strcmp0 (dlp_json_get_string (info, "status"), STATUS_READY) == 0)
    {
      g_hash_table_replace (t->logged_models, g_steal_pointer (&key), g_strdup (model_id));
      return TRUE;
    }
  if (!log_more_params (t, run, model_id, call, error)
      || !log_output (t, run, run_id, model_id, call, error)
      || !link_metrics (t, run, run_id, model_id, call, error))
    return FALSE;
  g_autoptr (GError) upload_error = NULL;
  if (!dlp_mlflow_upload_tree (t, dlp_json_get_string (info, "artifact_uri"), local_dir, call,
                               &upload_error))
    {
      g_autoptr (GError) local = NULL;
      if (!finalize (t, model_id, STATUS_FAILED, call, &local))
        g_debug ("%s", local->message);
      g_propagate_prefixed_error (error, g_steal_pointer (&upload_error),
                                  "logged model %s: ", model_id);
      return FALSE;
    }
  if (!finalize (t, model_id, STATUS_READY, call, error))
    return FALSE;
  g_hash_table_replace (t->logged_models, g_steal_pointer (&key), g_strdup (model_id));
  return TRUE;
}

gboolean
dlp_mlflow_find_logged_model (DlpMlflowTracker *t, const char *run_id, const char *run_source,
                              char **model_id, const DlpTrackerCall *call, GError **error)
{
  *model_id = NULL;
  const char *root = dlp_mlflow_artifact_uri (t, run_id, call, error);
  if (root == NULL)
    return FALSE;
  gsize len = strlen (root);
  if (strncmp (run_source, root, len) != 0 || run_source[len] != '/')
    return TRUE;
  const char *artifact_path = run_source + len + 1;
  g_autofree char *key = cache_key (run_id, artifact_path);
  const char *known = g_hash_table_lookup (t->logged_models, key);
  if (known)
    {
      *model_id = g_strdup (known);
      return TRUE;
    }
  /* Logged by another process (a replay of the spool): ask the server. */
  g_autoptr (JsonObject) run = get_run (t, run_id, call, error);
  g_autoptr (JsonObject) model = NULL;
  if (run == NULL
      || !search_model (t, experiment_of (run), run_id, artifact_path, &model, call, error))
    return FALSE;
  JsonObject *info = info_of (model);
  const char *id = dlp_mlflow_get_id (info, "model_id", DLP_MLFLOW_MAX_RUN_ID);
  if (id && g_strcmp0 (dlp_json_get_string (info, "status"), STATUS_READY) == 0)
    {
      *model_id = g_strdup (id);
      g_hash_table_replace (t->logged_models, g_steal_pointer (&key), g_strdup (id));
    }
  return TRUE;
}
