/* run-facts.c: user, git and version facts of a run. */
#include <string.h>
#include "run-facts.h"
#include "../app/signals.h"

char *
dlp_run_key_new (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *key = g_string_new (NULL);
  for (const char *p = uuid; *p; p++)
    if (*p != '-')
      g_string_append_c (key, *p);
  return g_string_free (key, FALSE);
}

gboolean
dlp_run_key_is_valid (const char *key)
{
  if (key == NULL || strlen (key) != 32)
    return FALSE;
  for (const char *p = key; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

/* The first line git prints, or NULL (not a repository, no git). */
static char *
git (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, "git");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, dlp_signals_child_setup,
                     NULL, &out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    return NULL;
  char *nl = strchr (out, '\n');
  if (nl)
    *nl = '\0';
  return *out ? g_steal_pointer (&out) : NULL;
}

static void
set_if (JsonObject *o, const char *key, char *value)
{
  if (value)
    json_object_set_string_member (o, key, value);
  g_free (value);
}

static void
tag (JsonObject *tags, const char *key, const char *value)
{
  if (value && *value)
    json_object_set_string_member (tags, key, value);
}

void
dlp_run_facts_add (JsonObject *record, DlpRegistry *registry, const char *stage, gboolean new_run)
{
  json_object_set_string_member (record, "user", g_get_user_name ());
  g_autofree char *source = g_strdup_printf ("dlpipe stage %s", stage);
  json_object_set_string_member (record, "source_name", source);
  set_if (record, "git_commit", git ((const char *[]){ "rev-parse", "HEAD", NULL }));
  char *branch = git ((const char *[]){ "rev-parse", "--abbrev-ref", "HEAD", NULL });
  if (g_strcmp0 (branch, "HEAD") == 0) /* detached */
    g_clear_pointer (&branch, g_free);
  set_if (record, "git_branch", branch);
  set_if (record, "git_repo_url",
          git ((const char *[]){ "config", "--get", "remote.origin.url", NULL }));

  JsonObject *tags = json_object_new ();
  if (new_run)
    tag (tags, "dlpipe.stage", stage);
  tag (tags, "dlpipe.version", DLP_VERSION);
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (registry);
  for (guint i = 0; i < plugins->len; i++)
    {
      const DlpPluginInfo *p = g_ptr_array_index (plugins, i);
      g_autofree char *key = g_strdup_printf ("dlpipe.plugin.%s", dlp_plugin_info_get_name (p));
      tag (tags, key, dlp_plugin_info_get_version (p));
    }
  tag (tags, "dlpipe.openblas.core", dlp_blas_get_core ());
  g_autofree char *threads = g_strdup_printf ("%d", dlp_blas_get_n_threads ());
  tag (tags, "dlpipe.openblas.threads", threads);
  tag (tags, "dvc.stage", g_getenv ("DVC_STAGE"));
  tag (tags, "dvc.exp_name", g_getenv ("DVC_EXP_NAME"));
  json_object_set_object_member (record, "tags", tags);
}
