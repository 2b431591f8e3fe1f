/* mlflow-artifacts.c: files and folders into a run's artifacts, through
 * the server's proxied artifact API (mlflow-artifacts:/ roots, MLflow's
 * default) or by copying into a local root (file:/ roots). */
#include <string.h>
#include "mlflow-tracker.h"

#define PROXY_PATH DLP_MLFLOW_PROXY_PATH

/* Where files of a run go: an http(s) URL for PUTs or a local folder. */
typedef struct {
  char *url; /* ends without '/' */
  char *folder;
} Destination;

static void
destination_clear (Destination *d)
{
  g_free (d->url);
  g_free (d->folder);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Destination, destination_clear)

static gboolean
resolve_destination (DlpMlflowTracker *t, const char *root, Destination *d, GError **error)
{
  const char *tracking = t->settings->tracking_uri;
  g_autofree char *shown = dlp_mlflow_printable (root, strlen (root), 300, FALSE);
  if (g_str_has_prefix (root, "mlflow-artifacts:"))
    {
      const char *rest = root + strlen ("mlflow-artifacts:");
      if (g_str_has_prefix (rest, "//"))
        {
          /* mlflow-artifacts://HOST:PORT/PATH: another host, our scheme. */
          const char *slash = strchr (rest + 2, '/');
          g_autofree char *netloc =
            g_strndup (rest + 2, slash ? (gsize) (slash - rest - 2) : strlen (rest + 2));
          g_autofree char *scheme = g_uri_parse_scheme (tracking);
          d->url = g_strdup_printf ("%s://%s%s%s", scheme, netloc, PROXY_PATH, slash ? slash : "");
        }
      else
        d->url = g_strdup_printf ("%s%s/%s", tracking, PROXY_PATH, rest + (*rest == '/'));
    }
  else if (g_str_has_prefix (root, "http://") || g_str_has_prefix (root, "https://"))
    d->url = g_strdup (root);
  else if (g_str_has_prefix (root, "file:") || root[0] == '/')
    {
      d->folder =
        g_str_has_prefix (root, "file:") ? g_filename_from_uri (root, NULL, NULL) : g_strdup (root);
      if (d->folder == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "artifact root %s: not a file URI",
                       shown);
          return FALSE;
        }
    }
  else
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "artifact root %s: dlpipe uploads through the MLflow server; start it with "
                   "proxied artifacts (--serve-artifacts, the default) so that runs get "
                   "mlflow-artifacts:/ roots",
                   shown);
      return FALSE;
    }
  if (d->url)
    while (g_str_has_suffix (d->url, "/"))
      d->url[strlen (d->url) - 1] = '\0';
  return TRUE;
}

static gboolean
check_artifact_path (const char *path, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (strcmp (parts[i], "..") == 0 || (i == 0 && path[0] == '/'))
      {
        g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                     "artifact path '%s': must be relative, without '..'", path);
        return FALSE;
      }
  return TRUE;
}

/* Each segment escaped, the '/' kept. */
static char *
escape_path (const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  GString *s = g_string_new (NULL);
  for (guint i = 0; parts[i]; i++)
    {
      if (*parts[i] == '\0')
        continue;
      g_autofree char *e = g_uri_escape_string (parts[i], NULL, FALSE);
      g_string_append_printf (s, "%s%s", s->len ? "/" : "", e);
    }
  return g_string_free (s, FALSE);
}

static gboolean
put_file (DlpMlflowTracker *t, Destination *d, const char *local, const char *artifact_path,
          const DlpTrackerCall *call, GError **error)
{
  if (d->folder)
    {
      g_autofree char *dest = g_build_filename (d->folder, artifact_path, NULL);
      g_autofree char *dir = g_path_get_dirname (dest);
      g_autoptr (GFile) src = g_file_new_for_path (local);
      g_autoptr (GFile) dst = g_file_new_for_path (dest);
      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot create folder %s", dir);
          return FALSE;
        }
      return g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, call->cancellable, NULL, NULL, error);
    }
  g_autofree char *escaped = escape_path (artifact_path);
  g_autofree char *url = g_strdup_printf ("%s/%s", d->url, escaped);
  return dlp_mlflow_client_upload (t->client, url, local, call, error);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Uploads @local (a file, or a folder recursively, in name order). */
static gboolean
put_tree (DlpMlflowTracker *t, Destination *d, const char *local, const char *artifact_path,
          const DlpTrackerCall *call, GError **error)
{
  if (!g_file_test (local, G_FILE_TEST_IS_DIR))
    {
      if (!g_file_test (local, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "artifact %s: no such file", local);
          return FALSE;
        }
      g_autofree char *base = g_path_get_basename (local);
      g_autofree char *dest = *artifact_path ? g_strdup (artifact_path) : g_strdup (base);
      return put_file (t, d, local, dest, call, error);
    }
  g_autoptr (GDir) dir = g_dir_open (local, 0, error);
  if (dir == NULL)
    return FALSE;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      g_autofree char *child = g_build_filename (local, n, NULL);
      g_autofree char *dest =
        *artifact_path ? g_strconcat (artifact_path, "/", n, NULL) : g_strdup (n);
      gboolean is_dir = g_file_test (child, G_FILE_TEST_IS_DIR);
      if (is_dir ? !put_tree (t, d, child, dest, call, error)
                 : !put_file (t, d, child, dest, call, error))
        return FALSE;
    }
  return TRUE;
}

/* Uploads @local under @artifact_path; for a file, @artifact_path is the
 * folder it goes into, as in MLflow's log_artifact. */
static gboolean
upload (DlpMlflowTracker *t, const char *run_id, const char *local, const char *artifact_path,
        gboolean is_model, const DlpTrackerCall *call, GError **error)
{
  if (!check_artifact_path (artifact_path, error))
    return FALSE;
  const char *root = dlp_mlflow_artifact_uri (t, run_id, call, error);
  if (root == NULL)
    return FALSE;
  g_auto (Destination) d = { 0 };
  if (!resolve_destination (t, root, &d, error))
    return FALSE;
  if (!is_model && !g_file_test (local, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *base = g_path_get_basename (local);
      g_autofree char *dest =
        *artifact_path ? g_strconcat (artifact_path, "/", base, NULL) : g_strdup (base);
      return put_tree (t, &d, local, dest, call, error);
    }
  return put_tree (t, &d, local, artifact_path, call, error);
}

gboolean
dlp_mlflow_resolve_artifact_root (DlpMlflowTracker *t, const char *root, char **url, char **folder,
                                  GError **error)
{
  g_auto (Destination) d = { 0 };
  if (!resolve_destination (t, root, &d, error))
    return FALSE;
  *url = g_steal_pointer (&d.url);
  *folder = g_steal_pointer (&d.folder);
  return TRUE;
}

gboolean
dlp_mlflow_upload_tree (DlpMlflowTracker *t, const char *root, const char *local_dir,
                        const DlpTrackerCall *call, GError **error)
{
  g_auto (Destination) d = { 0 };
  return resolve_destination (t, root, &d, error) && put_tree (t, &d, local_dir, "", call, error);
}

gboolean
dlp_mlflow_log_artifact (gpointer self, const char *run_id, const char *local_path,
                         const char *artifact_path, const DlpTrackerCall *call, GError **error)
{
  return upload (self, run_id, local_path, artifact_path, FALSE, call, error);
}

/* The MLmodel file as MLflow's runs/log-model wants it: JSON text with
 * run_id and artifact_path filled in. */
static char *
model_json (const char *local_dir, const char *run_id, const char *artifact_path, GError **error)
{
  g_autofree char *path = g_build_filename (local_dir, "MLmodel", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "model %s has no MLmodel file",
                   local_dir);
      return NULL;
    }
  g_autoptr (DlpConfig) mlmodel = dlp_config_load (path, error);
  if (mlmodel == NULL)
    return NULL;
  JsonNode *root = dlp_config_get_node (mlmodel);
  if (!JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "flavors")
      || !json_object_has_member (json_node_get_object (root), "utc_time_created"))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: an MLmodel file needs 'flavors' and 'utc_time_created'", path);
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  json_object_set_string_member (o, "run_id", run_id);
  json_object_set_string_member (o, "artifact_path", artifact_path);
  return json_to_string (root, FALSE);
}

gboolean
dlp_mlflow_log_model (gpointer self, const char *run_id, const char *local_dir,
                      const char *artifact_path, const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  if (!*artifact_path)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "log-model %s: the model needs an artifact path such as \"model\"", local_dir);
      return FALSE;
    }
  g_autofree char *json = model_json (local_dir, run_id, artifact_path, error);
  if (json == NULL || !upload (t, run_id, local_dir, artifact_path, TRUE, call, error))
    return FALSE;
  JsonObject *b = json_object_new ();
  json_object_set_string_member (b, "run_id", run_id);
  json_object_set_string_member (b, "model_json", json);
  g_autoptr (JsonNode) body = dlp_json_node_new_object (b);
  g_autoptr (JsonObject) answer =
    dlp_mlflow_client_post (t->client, "mlflow/runs/log-model", body, NULL, call, error);
  /* The run keeps its copy (runs:/RUN/model), and MLflow 3 gets its own
   * model entity as well. */
  return answer != NULL
         && dlp_mlflow_log_logged_model (t, run_id, local_dir, artifact_path, call, error);
}
