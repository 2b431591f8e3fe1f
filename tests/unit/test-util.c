/* test-util.c: helpers shared by the unit tests. */
#include <string.h>
#include <glib/gstdio.h>
#include "dlp-check.h"

char *
dlp_tmpdir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("dlpipe-test-XXXXXX", &error);
  ck_assert_msg (dir != NULL, "cannot make a temporary folder: %s", error ? error->message : "");
  return dir;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
dlp_tmpdir_free (char *dir)
{
  if (dir)
    remove_tree (dir);
  g_free (dir);
}

char *
dlp_write_test_file (const char *dir, const char *name, const void *data,
                     gssize len)
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
