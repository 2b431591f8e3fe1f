/* mlflow-runs.c: experiments, runs and dataset inputs. */
#include <string.h>
#include "mlflow-tracker.h"

/* --- experiments --- */

static char *
experiment_id_of (JsonObject *answer, const char *name, GError **error)
{
  JsonObject *exp = dlp_json_get_object (answer, "experiment");
  const char *id = dlp_mlflow_get_id (exp, "experiment_id", DLP_MLFLOW_MAX_EXPERIMENT_ID);
  if (id == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "GET mlflow/experiments/get-by-name: the answer for '%s' has no experiment id "
                   "(letters, digits, '_' or '-')",
                   name);
      return NULL;
    }
  if (g_strcmp0 (dlp_json_get_string (exp, "lifecycle_stage"), "deleted") == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "experiment '%s' (id %s) is deleted: restore it in MLflow "
                   "(mlflow experiments restore --experiment-id %s) or choose another name",
                   name, id, id);
      return NULL;
    }
  return g_strdup (id);
}

/* A new experiment, of the kind MLflow 3's UI opens on training runs and
 * models (without it, the UI takes it for GenAI work). */
static JsonNode *
experiment_body (const char *name)
{
  JsonObject *body = json_object_new ();
  json_object_set_string_member (body, "name", name);
  JsonObject *tag = json_object_new ();
  json_object_set_string_member (tag, "key", "mlflow.experimentKind");
  json_object_set_string_member (tag, "value", "custom_model_development");
  JsonArray *tags = json_array_new ();
  json_array_add_object_element (tags, tag);
  json_object_set_array_member (body, "tags", tags);
  return dlp_json_node_new_object (body);
}

/* Get or create, as MLflow's fluent API does: a RESOURCE_ALREADY_EXISTS
 * means another process created it meanwhile, so look again. */
static const char *
ensure_experiment (DlpMlflowTracker *t, const DlpTrackerCall *call, GError **error)
{
  if (t->experiment_id)
    return t->experiment_id;
  const char *name = t->settings->experiment;
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr (JsonNode) q = dlp_mlflow_query1 ("experiment_name", name);
      g_autofree char *code = NULL;
      g_autoptr (GError) local = NULL;
      g_autoptr (JsonObject) found =
        dlp_mlflow_client_get (t->client, "mlflow/experiments/get-by-name", q, &code, call, &local);
      if (found)
        return t->experiment_id = experiment_id_of (found, name, error);
      if (g_strcmp0 (code, "RESOURCE_DOES_NOT_EXIST") != 0)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_autoptr (JsonNode) body = experiment_body (name);
      g_clear_pointer (&code, g_free);
      g_clear_error (&local);
      g_autoptr (JsonObject) created =
        dlp_mlflow_client_post (t->client, "mlflow/experiments/create", body, &code, call, &local);
      if (created)
        {
          const char *id =
            dlp_mlflow_get_id (created, "experiment_id", DLP_MLFLOW_MAX_EXPERIMENT_ID);
          if (id)
            return t->experiment_id = g_strdup (id);
        }
      else if (g_strcmp0 (code, "RESOURCE_ALREADY_EXISTS") != 0)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "experiment '%s': neither found nor created",
               name);
  return NULL;
}

/* --- runs --- */

static void
remember_artifact_uri (DlpMlflowTracker *t, JsonObject *run)
{
  JsonObject *info = dlp_json_get_object (run, "info");
  const char *id = dlp_mlflow_get_id (info, "run_id", DLP_MLFLOW_MAX_RUN_ID);
  const char *uri = dlp_json_get_string (info, "artifact_uri");
  if (id && uri)
    g_hash_table_replace (t->artifact_uris, g_strdup (id), g_strdup (uri));
}

/* The run with our key in this experiment, as {"run": RUN}, or NULL. */
static JsonObject *
find_run_by_key (DlpMlflowTracker *t, const char *run_key, const DlpTrackerCall *call,
                 GError **error)
{
  const char *exp = ensure_experiment (t, call, error);
  if (exp == NULL)
    return NULL;
  JsonObject *b = json_object_new ();
  JsonArray *ids = json_array_new ();
  json_array_add_string_element (ids, exp);
  json_object_set_array_member (b, "experiment_ids", ids);
  g_autofree char *filter = g_strdup_printf ("tags.`%s` = '%s'", DLP_MLFLOW_RUN_KEY_TAG, run_key);
  json_object_set_string_member (b, "filter", filter);
  json_object_set_string_member (b, "run_view_type", "ACTIVE_ONLY");
  json_object_set_int_member (b, "max_results", 1);
  g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_post (t->client, "mlflow/runs/search", body, NULL, call, error);
  if (answer == NULL)
    return NULL;
  JsonObject *run = dlp_json_array_get_object (dlp_json_get_array (answer, "runs"), 0);
  JsonObject *found = json_object_new ();
  if (run)
    json_object_set_object_member (found, "run", json_object_ref (run));
  return found;
}

typedef struct {
  DlpMlflowTracker *tracker;
  const char *run_key;
} FindRun;

/* Before creating a run again: it may exist already. */
static gboolean
redo_create_run (gpointer data, JsonNode **body, JsonObject **done, const DlpTrackerCall *call,
                 GError **error)
{
  (void) body;
  FindRun *f = data;
  g_autoptr (JsonObject) found = find_run_by_key (f->tracker, f->run_key, call, error);
  if (found == NULL)
    return FALSE;
  if (json_object_has_member (found, "run"))
    *done = g_steal_pointer (&found);
  return TRUE;
}

static void
add_tag (JsonArray *tags, const char *key, const char *value)
{
  if (value == NULL || *value == '\0')
    return;
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "key", key);
  json_object_set_string_member (o, "value", value);
  json_array_add_object_element (tags, o);
}

/* runs/create with MLflow's standard tags. */
static char *
create_run (DlpMlflowTracker *t, const char *exp, const DlpTrackerRun *run,
            const DlpTrackerCall *call, GError **error)
{
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "experiment_id", exp);
  if (run->run_name)
    json_object_set_string_member (b, "run_name", run->run_name);
  json_object_set_int_member (b, "start_time", run->start_time_ms);
  JsonArray *tags = json_array_new ();
  add_tag (tags, "mlflow.user", run->user);
  add_tag (tags, "mlflow.source.name", run->source_name);
  add_tag (tags, "mlflow.source.type", "LOCAL");
  add_tag (tags, "mlflow.source.git.commit", run->git_commit);
  add_tag (tags, "mlflow.source.git.branch", run->git_branch);
  add_tag (tags, "mlflow.source.git.repoURL", run->git_repo_url);
  add_tag (tags, DLP_MLFLOW_RUN_KEY_TAG, run->run_key);
  json_object_set_array_member (b, "tags", tags);
  FindRun find = { t, run->run_key };
  g_auto (DlpMlflowRequest) r = {
    .method = "POST",
    .path = "mlflow/runs/create",
    .body = dlp_json_node_new_object (b),
    .redo = redo_create_run,
    .redo_data = &find,
  };
  g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, error);
  if (answer == NULL)
    return NULL;
  JsonObject *created = dlp_json_get_object (answer, "run");
  JsonObject *info = created ? dlp_json_get_object (created, "info") : NULL;
  const char *id = dlp_mlflow_get_id (info, "run_id", DLP_MLFLOW_MAX_RUN_ID);
  if (id == NULL)
    {
      g_set_error (
        error, DLP_ERROR, DLP_ERROR_NETWORK,
        "POST mlflow/runs/create: the answer has no run id (letters, digits, '_' or '-')");
      return NULL;
    }
  remember_artifact_uri (t, created);
  return g_strdup (id);
}

static gboolean
update_run (DlpMlflowTracker *t, const char *run_id, const char *status, gint64 end_time_ms,
            const DlpTrackerCall *call, GError **error)
{
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "run_id", run_id);
  json_object_set_string_member (b, "status", status);
  if (end_time_ms > 0)
    json_object_set_int_member (b, "end_time", end_time_ms);
  g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_post (t->client, "mlflow/runs/update", body, NULL, call, error);
  return answer != NULL;
}

/* A run continued by id: it must exist and not be deleted. */
static gboolean
check_run (DlpMlflowTracker *t, const char *run_id, const DlpTrackerCall *call, GError **error)
{
  g_autoptr (JsonNode) q = dlp_mlflow_query1 ("run_id", run_id);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_get (t->client, "mlflow/runs/get", q, NULL, call, error);
  if (answer == NULL)
    return FALSE;
  JsonObject *run = dlp_json_get_object (answer, "run");
  JsonObject *info = run ? dlp_json_get_object (run, "info") : NULL;
  if (g_strcmp0 (dlp_json_get_string (info, "lifecycle_stage"), "deleted") == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "GET mlflow/runs/get: run %s is deleted; restore it in MLflow to continue it",
                   run_id);
      return FALSE;
    }
  if (run)
    remember_artifact_uri (t, run);
  return TRUE;
}

char *
dlp_mlflow_start_run (gpointer self, const DlpTrackerRun *run, const DlpTrackerCall *call,
                      GError **error)
{
  DlpMlflowTracker *t = self;
  g_autofree char *run_id = g_strdup (run->run_id);
  gboolean continued = run_id != NULL;
  if (run_id == NULL && (call->flags & DLP_TRACKER_CALL_REDELIVERY))
    {
      g_autoptr (JsonObject) found = find_run_by_key (t, run->run_key, call, error);
      if (found == NULL)
        return NULL;
      JsonObject *existing = dlp_json_get_object (found, "run");
      if (existing)
        {
          remember_artifact_uri (t, existing);
          run_id = g_strdup (dlp_mlflow_get_id (dlp_json_get_object (existing, "info"), "run_id",
                                                DLP_MLFLOW_MAX_RUN_ID));
          continued = run_id != NULL;
        }
    }
  if (continued)
    {
      if (!check_run (t, run_id, call, error) || !update_run (t, run_id, "RUNNING", 0, call, error))
        return NULL;
    }
  else
    {
      const char *exp = ensure_experiment (t, call, error);
      if (exp == NULL)
        return NULL;
      run_id = create_run (t, exp, run, call, error);
      if (run_id == NULL)
        return NULL;
    }
  if (run->n_tags && !dlp_mlflow_set_tags (t, run_id, run->tags, run->n_tags, call, error))
    return NULL;
  return g_steal_pointer (&run_id);
}

gboolean
dlp_mlflow_end_run (gpointer self, const char *run_id, DlpRunStatus status, gint64 end_time_ms,
                    const DlpTrackerCall *call, GError **error)
{
  return update_run (self, run_id, dlp_run_status_name (status), end_time_ms, call, error);
}

const char *
dlp_mlflow_artifact_uri (DlpMlflowTracker *t, const char *run_id, const DlpTrackerCall *call,
                         GError **error)
{
  const char *uri = g_hash_table_lookup (t->artifact_uris, run_id);
  if (uri)
    return uri;
  if (!check_run (t, run_id, call, error))
    return NULL;
  uri = g_hash_table_lookup (t->artifact_uris, run_id);
  if (uri == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                 "GET mlflow/runs/get: run %s has no artifact URI", run_id);
  return uri;
}

/* --- dataset inputs --- */

gboolean
dlp_mlflow_log_dataset (gpointer self, const char *run_id, const DlpTrackerDataset *d,
                        const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  if (strlen (d->name) > DLP_MLFLOW_MAX_DATASET_NAME || strlen (d->digest) > DLP_MLFLOW_MAX_DIGEST)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "POST mlflow/runs/log-inputs: dataset '%s': MLflow takes names of at most %d "
                   "characters and digests of at most %d",
                   d->name, DLP_MLFLOW_MAX_DATASET_NAME, DLP_MLFLOW_MAX_DIGEST);
      return FALSE;
    }
  JsonObject *dataset = json_object_new ();
  json_object_set_string_member (dataset, "name", d->name);
  json_object_set_string_member (dataset, "digest", d->digest);
  json_object_set_string_member (dataset, "source_type", "local");
  JsonObject *source = json_object_new ();
  json_object_set_string_member (source, "uri", d->source);
  g_autoptr (JsonNode) source_node = dlp_json_node_new_object (source);
  g_autofree char *source_text = json_to_string (source_node, FALSE);
  json_object_set_string_member (dataset, "source", source_text);
  if (d->schema_json)
    json_object_set_string_member (dataset, "schema", d->schema_json);
  if (d->profile_json)
    json_object_set_string_member (dataset, "profile", d->profile_json);
  JsonObject *input = json_object_new ();
  JsonArray *tags = json_array_new ();
  add_tag (tags, "mlflow.data.context", d->context);
  json_object_set_array_member (input, "tags", tags);
  json_object_set_object_member (input, "dataset", dataset);
  JsonArray *datasets = json_array_new ();
  json_array_add_object_element (datasets, input);
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "run_id", run_id);
  json_object_set_array_member (b, "datasets", datasets);
  g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
  /* Logging the same input twice leaves one: safe to repeat. */
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_post (t->client, "mlflow/runs/log-inputs", body, NULL, call, error);
  return answer != NULL;
}
