/* test-util.c: helpers shared by the unit tests. */
#include <string.h>
#include "dlp-check.h"
#include "remove-tree.h"

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
