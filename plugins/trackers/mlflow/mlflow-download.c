/* mlflow-download.c: a model's artifacts onto the local disk, through the
 * server's proxied artifact API (mlflow-artifacts:/ roots) or by copying
 * from a local root (file:/ roots): what `dlpipe serve --model
 * models:/NAME@ALIAS` fetches. */
#include <string.h>
#include <glib/gstdio.h>
#include "mlflow-tracker.h"

/* The artifact URI that @uri names: a logged model's root, a run's root
 * and path, or @uri itself. */
static char *
resolve_uri (DlpMlflowTracker *t, const char *uri, const DlpTrackerCall *call, GError **error)
{
  if (g_str_has_prefix (uri, "runs:/"))
    {
      const char *rest = uri + strlen ("runs:/");
      const char *slash = strchr (rest, '/');
      g_autofree char *run_id = slash ? g_strndup (rest, (gsize) (slash - rest)) : g_strdup (rest);
      if (*run_id == '\0')
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s: expected runs:/RUN_ID/PATH", uri);
          return NULL;
        }
      const char *root = dlp_mlflow_artifact_uri (t, run_id, call, error);
      if (root == NULL)
        return NULL;
      return slash && slash[1] ? g_strconcat (root, slash, NULL) : g_strdup (root);
    }
  if (g_str_has_prefix (uri, "models:/m-") && strchr (uri + strlen ("models:/"), '/') == NULL)
    {
      const char *model_id = uri + strlen ("models:/");
      g_autofree char *escaped = g_uri_escape_string (model_id, NULL, FALSE);
      g_autofree char *path = g_strconcat ("mlflow/logged-models/", escaped, NULL);
      g_autoptr (JsonObject) answer =
        dlp_mlflow_client_get (t->client, path, NULL, NULL, call, error);
      JsonObject *info = dlp_json_get_object (dlp_json_get_object (answer, "model"), "info");
      const char *root = dlp_json_get_string (info, "artifact_uri");
      if (answer && root == NULL)
        g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                     "GET %s: the answer has no model.info.artifact_uri", path);
      return root ? g_strdup (root) : NULL;
    }
  return g_strdup (uri);
}

/* A name a listing gave: one path segment, nothing that climbs out. */
static gboolean
check_name (const char *name, const char *where, GError **error)
{
  if (*name && strchr (name, '/') == NULL && strcmp (name, ".") != 0 && strcmp (name, "..") != 0)
    return TRUE;
  g_autofree char *shown = dlp_mlflow_printable (name, strlen (name), 100, FALSE);
  g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
               "listing %s: '%s' is not a file name one can write", where, shown);
  return FALSE;
}

typedef struct {
  DlpMlflowTracker *t;
  const DlpTrackerCall *call;
  char *base; /* the proxy's URL up to its path */
  guint n_files;
} Download;

/* The file size a listing gives (a number, or a string as int64s may be). */
static gint64
listed_size (JsonObject *file)
{
  JsonNode *n = json_object_get_member (file, "file_size");
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (n), NULL, 10);
  return dlp_json_get_int (file, "file_size", -1);
}

static gboolean
check_size (const char *local, gint64 want, const char *what, GError **error)
{
  GStatBuf st;
  if (g_stat (local, &st) != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: %s is missing after its download", what,
                   local);
      return FALSE;
    }
  if (want >= 0 && (gint64) st.st_size != want)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "%s: got %" G_GINT64_FORMAT " bytes, the store lists %" G_GINT64_FORMAT, what,
                   (gint64) st.st_size, want);
      return FALSE;
    }
  return TRUE;
}

/* Downloads the proxy's folder @rel (relative to the proxy's root) into
 * @local, recursively. */
static gboolean
download_folder (Download *dl, const char *rel, const char *local, GError **error)
{
  JsonObject *q = json_object_new ();
  json_object_set_string_member (q, "path", rel);
  g_autoptr (JsonNode) query = dlp_json_node_new_object (q);
  g_autoptr (JsonObject) answer = dlp_mlflow_client_get (
    dl->t->client, "mlflow-artifacts/artifacts", query, NULL, dl->call, error);
  if (answer == NULL)
    return FALSE;
  JsonArray *files = dlp_json_get_array (answer, "files");
  for (guint i = 0; files && i < json_array_get_length (files); i++)
    {
      JsonObject *f = dlp_json_array_get_object (files, i);
      const char *path = f ? dlp_json_get_string (f, "path") : NULL;
      if (path == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "listing %s: an entry without a path",
                       rel);
          return FALSE;
        }
      /* The proxy names entries by their path below the listed folder. */
      const char *name = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
      if (!check_name (name, rel, error))
        return FALSE;
      g_autofree char *child_rel = g_strconcat (rel, "/", name, NULL);
      g_autofree char *child_local = g_build_filename (local, name, NULL);
      if (json_object_get_boolean_member_with_default (f, "is_dir", FALSE))
        {
          if (g_mkdir (child_local, 0755) != 0
              || !download_folder (dl, child_rel, child_local, error))
            {
              if (error && *error == NULL)
                g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot create folder %s",
                             child_local);
              return FALSE;
            }
          continue;
        }
      g_autofree char *escaped = g_uri_escape_string (child_rel, "/", FALSE);
      g_autofree char *url = g_strconcat (dl->base, DLP_MLFLOW_PROXY_PATH, "/", escaped, NULL);
      if (!dlp_mlflow_client_download (dl->t->client, url, child_local, dl->call, error)
          || !check_size (child_local, listed_size (f), child_rel, error))
        return FALSE;
      dl->n_files++;
    }
  return TRUE;
}

/* Copies the local folder @from into @to, recursively. */
static gboolean
copy_folder (const char *from, const char *to, guint *n_files, GCancellable *cancellable,
             GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (from, 0, error);
  if (dir == NULL)
    return FALSE;
  const char *name;
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        {
          if (g_mkdir (dst, 0755) != 0)
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot create folder %s", dst);
              return FALSE;
            }
          if (!copy_folder (src, dst, n_files, cancellable, error))
            return FALSE;
          continue;
        }
      g_autoptr (GFile) s = g_file_new_for_path (src);
      g_autoptr (GFile) d = g_file_new_for_path (dst);
      if (!g_file_copy (s, d, G_FILE_COPY_NONE, cancellable, NULL, NULL, error))
        return FALSE;
      (*n_files)++;
    }
  return TRUE;
}

gboolean
dlp_mlflow_download_artifacts (gpointer self, const char *uri, const char *local_dir,
                               const DlpTrackerCall *call, GError **error)
{
  DlpMlflowTracker *t = self;
  g_autofree char *root = resolve_uri (t, uri, call, error);
  g_autofree char *url = NULL, *folder = NULL;
  if (root == NULL || !dlp_mlflow_resolve_artifact_root (t, root, &url, &folder, error))
    return FALSE;
  g_autofree char *shown = dlp_mlflow_printable (root, strlen (root), 300, FALSE);
  guint n_files = 0;
  if (folder)
    {
      if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "%s (%s): no artifacts there", uri,
                       shown);
          return FALSE;
        }
      if (!copy_folder (folder, local_dir, &n_files, call->cancellable, error))
        return FALSE;
    }
  else
    {
      const char *proxy = strstr (url, DLP_MLFLOW_PROXY_PATH "/");
      if (proxy == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                       "%s (%s): dlpipe downloads through the MLflow server's artifact proxy "
                       "(mlflow-artifacts:/ roots)",
                       uri, shown);
          return FALSE;
        }
      g_autofree char *rel_escaped = g_strdup (proxy + strlen (DLP_MLFLOW_PROXY_PATH "/"));
      g_autofree char *rel = g_uri_unescape_string (rel_escaped, NULL);
      Download dl = { t, call, g_strndup (url, (gsize) (proxy - url)), 0 };
      if (rel == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s (%s): not a valid URL", uri, shown);
          g_free (dl.base);
          return FALSE;
        }
      gboolean ok = download_folder (&dl, rel, local_dir, error);
      g_free (dl.base);
      n_files = dl.n_files;
      if (!ok)
        return FALSE;
    }
  if (n_files == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "%s (%s): no artifacts there", uri,
                   shown);
      return FALSE;
    }
  return TRUE;
}
