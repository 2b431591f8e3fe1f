/* test-util.c: helpers shared by the unit tests. */
#include <string.h>
#include <sys/wait.h>
#include "dlp-check.h"
#include "app/remove-tree.h"

char *
dlp_tmpdir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("dlpipe-test-XXXXXX", &error);
  ck_assert_msg (dir != NULL, "cannot make a temporary folder: %s", error ? error->message : "");
  return dir;
}

void
dlp_tmpdir_free (char *dir)
{
  if (dir)
    dlp_remove_tree (dir);
  g_free (dir);
}

char *dlp_test_tmpdir;

static void
tmpdir_setup (void)
{
  dlp_test_tmpdir = dlp_tmpdir_new ();
}

static void
tmpdir_teardown (void)
{
  dlp_tmpdir_free (dlp_test_tmpdir);
  dlp_test_tmpdir = NULL;
}

void
dlp_tcase_add_tmpdir (TCase *tc)
{
  tcase_add_checked_fixture (tc, tmpdir_setup, tmpdir_teardown);
}

char *
dlp_write_test_file (const char *dir, const char *name, const void *data, gssize len)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_file_set_contents (path, data, len < 0 ? (gssize) strlen (data) : len, &error);
  ck_assert_msg (ok, "cannot write %s: %s", path, error ? error->message : "");
  return path;
}

guint
dlp_count_dir_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

DlpRegistry *
dlp_test_registry_new (void)
{
  const char *dir = g_getenv ("DLP_TEST_BUILTIN_PLUGINS_DIR");
  ck_assert_msg (dir != NULL, "DLP_TEST_BUILTIN_PLUGINS_DIR is not set");
  const char *dirs[] = { dir, NULL };
  DlpRegistry *registry = dlp_registry_new ();
  dlp_registry_load_dirs (registry, dirs, TRUE);
  return registry;
}

DlpRegistry *
dlp_test_registry (void)
{
  static DlpRegistry *registry;
  if (registry == NULL)
    registry = dlp_test_registry_new ();
  return registry;
}

int
dlp_test_run_host (const char *dir, const char *const *argv, char **out, char **err)
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
  g_autofree char *o = NULL, *e = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_spawn_sync (dir, args, env, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status, &error);
  ck_assert_msg (ok, "cannot run dlpipe: %s", error ? error->message : "");
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
