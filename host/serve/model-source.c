/* model-source.c: resolving, fetching and loading what --model names (see
 * model-source.h). */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include "model-source.h"
#include "../app/remove-tree.h"
#include "../tracking/model-registry.h"

/* A temporary download older than this is left from a process that died:
 * the next fetch removes it. */
#define STALE_PARTIAL_SECONDS (24 * 3600)
#define PARTIAL_PREFIX ".partial-"

struct _DlpModelSource {
  char *model;
  /* A registry model: by alias, by version, or a run's folder (@source
   * set at once). */
  char *name;
  char *alias;
  char *version;
  char *source;
  DlpConfig *tracking;
  DlpRegistry *registry;
  char *cache_dir;
  GCancellable *cancellable;
  /* What was loaded last. */
  char *loaded_version;
  char *description;
};

gboolean
dlp_model_source_is_uri (const char *model)
{
  return g_str_has_prefix (model, "models:/") || g_str_has_prefix (model, "runs:/");
}

static gboolean
all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* models:/NAME@ALIAS, models:/NAME/VERSION or runs:/RUN_ID/PATH. */
static gboolean
parse_uri (DlpModelSource *m, GError **error)
{
  if (g_str_has_prefix (m->model, "runs:/"))
    {
      const char *rest = m->model + strlen ("runs:/");
      const char *slash = strchr (rest, '/');
      if (slash == NULL || slash == rest || slash[1] == '\0')
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                       "--model %s: expected runs:/RUN_ID/PATH (such as runs:/RUN_ID/model)",
                       m->model);
          return FALSE;
        }
      m->source = g_strdup (m->model);
      return TRUE;
    }
  const char *rest = m->model + strlen ("models:/");
  const char *at = strchr (rest, '@');
  const char *slash = strrchr (rest, '/');
  if (at && at > rest && at[1] && strchr (at, '/') == NULL)
    {
      m->name = g_strndup (rest, (gsize) (at - rest));
      m->alias = g_strdup (at + 1);
      return TRUE;
    }
  if (at == NULL && slash && slash > rest && all_digits (slash + 1))
    {
      m->name = g_strndup (rest, (gsize) (slash - rest));
      m->version = g_strdup (slash + 1);
      return TRUE;
    }
  g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
               "--model %s: expected models:/NAME@ALIAS, models:/NAME/VERSION or "
               "runs:/RUN_ID/PATH",
               m->model);
  return FALSE;
}

DlpModelSource *
dlp_model_source_new (const char *model, DlpConfig *tracking, DlpRegistry *registry,
                      const char *cache_dir, GCancellable *cancellable, GError **error)
{
  g_autoptr (DlpModelSource) m = g_new0 (DlpModelSource, 1);
  m->model = g_strdup (model);
  m->registry = registry;
  m->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  m->description = g_strdup (model);
  if (!dlp_model_source_is_uri (model))
    return g_steal_pointer (&m);
  if (!parse_uri (m, error))
    return NULL;
  m->tracking =
    tracking ? dlp_config_ref (tracking)
             : dlp_config_parse ("--model (MLFLOW_TRACKING_URI)", "tracker: mlflow", -1, error);
  if (m->tracking == NULL)
    return NULL;
  m->cache_dir = cache_dir ? g_strdup (cache_dir)
                           : g_build_filename (g_get_user_cache_dir (), "dlpipe", "models", NULL);
  return g_steal_pointer (&m);
}

void
dlp_model_source_free (DlpModelSource *m)
{
  if (m == NULL)
    return;
  g_free (m->model);
  g_free (m->name);
  g_free (m->alias);
  g_free (m->version);
  g_free (m->source);
  g_clear_pointer (&m->tracking, dlp_config_unref);
  g_free (m->cache_dir);
  g_clear_object (&m->cancellable);
  g_free (m->loaded_version);
  g_free (m->description);
  g_free (m);
}

gboolean
dlp_model_source_can_follow (DlpModelSource *m)
{
  return m->alias != NULL;
}

const char *
dlp_model_source_describe (DlpModelSource *m)
{
  return m->description;
}

/* Removes the temporary downloads of processes that died long ago. */
static void
remove_stale_partials (const char *cache_dir)
{
  g_autoptr (GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (cache_dir, name, NULL);
      GStatBuf st;
      if (g_str_has_prefix (name, PARTIAL_PREFIX) && g_lstat (path, &st) == 0
          && now - (gint64) st.st_mtime > STALE_PARTIAL_SECONDS)
        dlp_remove_tree (path);
    }
}

/* A downloaded folder is served only if it is a whole package: its
 * MLmodel reads and the predictor loads it (manifest, architecture and
 * every weight tensor of its declared size). */
static gboolean
check_package (DlpModelSource *m, const char *dir, GError **error)
{
  g_autofree char *mlmodel = g_build_filename (dir, "MLmodel", NULL);
  g_autoptr (DlpConfig) description = dlp_config_load (mlmodel, error);
  if (description == NULL)
    return FALSE;
  g_autoptr (DlpPredictor) predictor = dlp_predictor_new (m->registry, dir, error);
  return predictor != NULL;
}

/* The cache folder of @source, downloaded and checked first if it is not
 * there yet. */
static char *
fetch (DlpModelSource *m, DlpModelRegistry *reg, const char *source, const char *what,
       GError **error)
{
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, source, -1);
  key[32] = '\0';
  g_autofree char *final = g_build_filename (m->cache_dir, key, NULL);
  if (g_file_test (final, G_FILE_TEST_IS_DIR))
    {
      g_message ("%s: in the cache, %s", what, final);
      return g_steal_pointer (&final);
    }
  if (g_mkdir_with_parents (m->cache_dir, 0755) != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot create the cache folder %s: %s",
                   m->cache_dir, g_strerror (errno));
      return NULL;
    }
  remove_stale_partials (m->cache_dir);
  g_autofree char *partial = g_build_filename (m->cache_dir, PARTIAL_PREFIX "XXXXXX", NULL);
  if (g_mkdtemp (partial) == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot create a folder in %s: %s", m->cache_dir,
                   g_strerror (errno));
      return NULL;
    }
  g_message ("%s: downloading %s into %s", what, source, final);
  g_autoptr (GError) local = NULL;
  if (!dlp_model_registry_download (reg, source, partial, &local))
    {
      dlp_remove_tree (partial);
      g_set_error (error, local->domain, local->code, "%s: cannot download %s: %s", what, source,
                   local->message);
      return NULL;
    }
  if (!check_package (m, partial, &local))
    {
      dlp_remove_tree (partial);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: the download of %s is not a whole model package, so it is not served: "
                   "%s",
                   what, source, local->message);
      return NULL;
    }
  if (g_rename (partial, final) != 0)
    {
      int saved = errno;
      dlp_remove_tree (partial);
      /* Another process put the same version there first. */
      if ((saved == EEXIST || saved == ENOTEMPTY) && g_file_test (final, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&final);
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot move the download into %s: %s", final,
                   g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&final);
}

/* The version the alias or number names: its number and source. */
static gboolean
resolve_version (DlpModelSource *m, DlpModelRegistry *reg, char **version, char **source,
                 GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonObject) v = m->alias
                               ? dlp_model_registry_get_alias (reg, m->name, m->alias, &local)
                               : dlp_model_registry_get_version (reg, m->name, m->version, &local);
  if (v == NULL)
    {
      g_set_error (error, local->domain, local->code, "--model %s: %s", m->model, local->message);
      return FALSE;
    }
  const char *number = dlp_json_get_string (v, "version");
  const char *from = dlp_json_get_string (v, "source");
  if (number == NULL || from == NULL || *from == '\0')
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "--model %s: the registry's version has no number or no source", m->model);
      return FALSE;
    }
  *version = g_strdup (number);
  *source = g_strdup (from);
  return TRUE;
}

DlpPredictor *
dlp_model_source_load (DlpModelSource *m, gboolean if_changed, GError **error)
{
  if (m->tracking == NULL)
    return dlp_predictor_new (m->registry, m->model, error);
  g_autoptr (DlpModelRegistry) reg = dlp_model_registry_open (
    m->tracking, m->registry, DLP_MODEL_REGISTRY_WAIT, m->cancellable, error);
  if (reg == NULL)
    return NULL;
  g_autofree char *version = NULL, *source = NULL;
  if (m->source)
    source = g_strdup (m->source);
  else if (!resolve_version (m, reg, &version, &source, error))
    return NULL;
  if (if_changed && g_strcmp0 (version, m->loaded_version) == 0)
    return NULL;
  g_autofree char *what =
    version ? g_strdup_printf ("%s (version %s)", m->model, version) : g_strdup (m->model);
  g_autofree char *dir = fetch (m, reg, source, what, error);
  if (dir == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  DlpPredictor *predictor = dlp_predictor_new (m->registry, dir, &local);
  if (predictor == NULL)
    {
      g_set_error (error, local->domain, local->code,
                   "%s: %s (the cached copy in %s is damaged: remove it to download it again)",
                   what, local->message, dir);
      return NULL;
    }
  g_free (m->loaded_version);
  m->loaded_version = g_steal_pointer (&version);
  g_free (m->description);
  m->description = g_steal_pointer (&what);
  return predictor;
}
