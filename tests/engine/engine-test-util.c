/* engine-test-util.c: helpers of the network engine's tests. */
#include <sys/wait.h>
#include "engine-test-util.h"

DlpRegistry *
engine_registry (void)
{
  static DlpRegistry *registry;
  if (registry == NULL)
    {
      const char *dir = g_getenv ("DLP_TEST_BUILTIN_PLUGINS_DIR");
      ck_assert_msg (dir != NULL, "DLP_TEST_BUILTIN_PLUGINS_DIR is not set");
      const char *dirs[] = { dir, NULL };
      registry = dlp_registry_new ();
      dlp_registry_load_dirs (registry, dirs, TRUE);
    }
  return registry;
}

DlpGraph *
engine_graph (const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("model.json", json, -1, &error);
  dlp_assert_no_error (error);
  DlpGraph *graph = dlp_graph_new (engine_registry (), config, 0, NULL, &error);
  dlp_assert_no_error (error);
  return graph;
}

GError *
engine_graph_error (const char *json)
{
  GError *error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("model.json", json, -1, &error);
  if (config == NULL)
    return error;
  DlpGraph *graph = dlp_graph_new (engine_registry (), config, 0, NULL, &error);
  ck_assert_msg (graph == NULL, "expected an error building %s", json);
  return error;
}

void
engine_fill (float *data, gsize n, guint64 seed, double low, double high)
{
  DlpRng rng;
  dlp_rng_init (&rng, seed);
  for (gsize i = 0; i < n; i++)
    data[i] = (float) (low + (high - low) * dlp_rng_uniform (&rng));
}

int
engine_run_host (const char *dir, const char *const *argv, char **err_out)
{
  const char *host = g_getenv ("DLP_TEST_HOST");
  ck_assert_msg (host != NULL, "DLP_TEST_HOST is not set");
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_strv_builder_add (b, host);
  g_strv_builder_addv (b, (const char **) argv);
  g_auto (GStrv) args = g_strv_builder_end (b);
  g_auto (GStrv) env = g_get_environ ();
  /* The build tree's plugins. */
  env = g_environ_setenv (env, "DLPIPE_PLUGIN_PATH", "", TRUE);
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_spawn_sync (dir, args, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                              &status, &error);
  ck_assert_msg (ok, "cannot run dlpipe: %s", error ? error->message : "");
  if (err_out)
    *err_out = g_steal_pointer (&err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
