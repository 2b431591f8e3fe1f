/* mlflow-registry.c: model versions in MLflow's registry, and the aliases
 * that record their deployment status. */
#include <string.h>
#include "mlflow-tracker.h"

static JsonNode *
name_body (const char *name)
{
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "name", name);
  return dlp_json_node_new_object (b);
}

/* Create, or find that it exists (perhaps made by a concurrent process). */
static gboolean
ensure_registered_model (DlpMlflowTracker *t, const char *name, const DlpTrackerCall *call,
                         GError **error)
{
  g_autoptr (JsonNode) body = name_body (name);
  g_autofree char *code = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) answer = dlp_mlflow_client_post (
    t->client, "mlflow/registered-models/create", body, &code, call, &local);
  if (answer || g_strcmp0 (code, "RESOURCE_ALREADY_EXISTS") == 0)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

typedef struct {
  DlpMlflowTracker *tracker;
  const char *name;
  const char *run_id;
  const char *source;
} FindVersion;

/* A version of this run with this source, made by an earlier try. */
static gboolean
redo_create_version (gpointer data, JsonNode **body, JsonObject **done, const DlpTrackerCall *call,
                     GError **error)
{
  (void) body;
  FindVersion *f = data;
  /* A quote cannot be escaped in MLflow's filter syntax. */
  if (strchr (f->name, '\'') != NULL)
    return TRUE;
  JsonObject *q = json_object_new ();
  g_autofree char *filter = g_strdup_printf ("name='%s' and run_id='%s'", f->name, f->run_id);
  json_object_set_string_member (q, "filter", filter);
  g_autoptr (JsonNode) query = dlp_json_node_new_object (q);
  g_autoptr (JsonObject) answer = dlp_mlflow_client_get (
    f->tracker->client, "mlflow/model-versions/search", query, NULL, call, error);
  if (answer == NULL)
    return FALSE;
  JsonArray *versions = dlp_json_get_array (answer, "model_versions");
  for (guint i = 0; versions && i < json_array_get_length (versions); i++)
    {
      JsonObject *v = dlp_json_array_get_object (versions, i);
      if (v && g_strcmp0 (dlp_json_get_string (v, "source"), f->source) == 0)
        {
          *done = json_object_new ();
          json_object_set_object_member (*done, "model_version", json_object_ref (v));
          return TRUE;
        }
    }
  return TRUE;
}

static char *
create_version (DlpMlflowTracker *t, const char *name, const char *run_id, const char *source,
                const DlpTrackerCall *call, GError **error)
{
  /* A version of a logged model points at it, and its source is the
   * model's URI, as MLflow 3's client registers a logged model. */
  g_autofree char *model_id = NULL;
  if (!dlp_mlflow_find_logged_model (t, run_id, source, &model_id, call, error))
    return NULL;
  g_autofree char *model_uri = model_id ? g_strconcat ("models:/", model_id, NULL) : NULL;
  if (model_uri)
    source = model_uri;
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "name", name);
  json_object_set_string_member (b, "source", source);
  json_object_set_string_member (b, "run_id", run_id);
  if (model_id)
    json_object_set_string_member (b, "model_id", model_id);
  FindVersion find = { t, name, run_id, source };
  g_auto (DlpMlflowRequest) r = {
    .method = "POST",
    .path = "mlflow/model-versions/create",
    .body = dlp_json_node_new_object (b),
    .redo = redo_create_version,
    .redo_data = &find,
  };
  g_autoptr (JsonObject) answer = dlp_mlflow_client_call (t->client, &r, call, error);
  if (answer == NULL)
    return NULL;
  JsonObject *mv = dlp_json_get_object (answer, "model_version");
  const char *version = dlp_mlflow_get_id (mv, "version", DLP_MLFLOW_MAX_VERSION);
  if (version == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "POST mlflow/model-versions/create: the answer has no version number");
      return NULL;
    }
  return g_strdup (version);
}

/* MLflow's alias rules: [\w-]{1,255}, not "latest", not v<digits>. */
gboolean
dlp_mlflow_check_alias (const char *alias, GError **error)
{
  gsize len = strlen (alias);
  gboolean ok = len > 0 && len <= 255 && g_ascii_strcasecmp (alias, "latest") != 0;
  for (const char *p = alias; ok && *p; p++)
    ok = g_ascii_isalnum (*p) || *p == '_' || *p == '-';
  if (ok && (alias[0] == 'v' || alias[0] == 'V') && alias[1])
    {
      const char *p = alias + 1;
      while (g_ascii_isdigit (*p))
        p++;
      ok = *p != '\0';
    }
  if (!ok)
    g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                 "POST mlflow/registered-models/alias: '%s' is not an alias MLflow takes "
                 "(1 to 255 letters, digits, '_' or '-'; not 'latest' nor v<number>)",
                 alias);
  return ok;
}

gboolean
dlp_mlflow_set_alias (DlpMlflowTracker *t, const char *name, const char *alias, const char *version,
                      const DlpTrackerCall *call, GError **error)
{
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "name", name);
  json_object_set_string_member (b, "alias", alias);
  json_object_set_string_member (b, "version", version);
  g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_post (t->client, "mlflow/registered-models/alias", body, NULL, call, error);
  return answer != NULL;
}

char *
dlp_mlflow_register_model (gpointer self, const char *run_id, const char *model_name,
                           const char *artifact_path, const char *const *aliases,
                           const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  for (guint i = 0; aliases && aliases[i]; i++)
    if (!dlp_mlflow_check_alias (aliases[i], error))
      return NULL;
  if (*model_name == '\0')
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "POST mlflow/registered-models/create: the model name is empty");
      return NULL;
    }
  const char *root = dlp_mlflow_artifact_uri (t, run_id, call, error);
  if (root == NULL || !ensure_registered_model (t, model_name, call, error))
    return NULL;
  g_autofree char *source = g_strconcat (root, "/", artifact_path, NULL);
  g_autofree char *version = create_version (t, model_name, run_id, source, call, error);
  if (version == NULL)
    return NULL;
  for (guint i = 0; aliases && aliases[i]; i++)
    if (!dlp_mlflow_set_alias (t, model_name, aliases[i], version, call, error))
      return NULL;
  return g_steal_pointer (&version);
}
