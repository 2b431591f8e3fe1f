/* output-dir.c: staging folders swapped into place. */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include "output-dir.h"

struct _DlpOutputDir {
  char *path;
  char *staging;
  gboolean committed;
};

/* What a killed stage may have left beside @path: staging folders
 * (.BASE.XXXXXX) are removed, and an old folder set aside by a commit that
 * did not finish (.BASE.XXXXXX.old) is put back if nothing replaced it. */
static void
recover (const char *parent, const char *base, const char *path)
{
  g_autofree char *prefix = g_strdup_printf (".%s.", base);
  g_autoptr (GDir) d = g_dir_open (parent, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      if (!g_str_has_prefix (name, prefix) || strlen (name) < strlen (prefix) + 6)
        continue;
      g_autofree char *child = g_build_filename (parent, name, NULL);
      if (g_str_has_suffix (name, ".old") && !g_file_test (path, G_FILE_TEST_EXISTS)
          && g_rename (child, path) == 0)
        {
          g_warning ("%s: restored after an interrupted update", path);
          continue;
        }
      dlp_remove_tree (child);
    }
}

DlpOutputDir *
dlp_output_dir_new (const char *path, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      dlp_set_io_error (error, errno, "create folder", parent);
      return NULL;
    }
  recover (parent, base, path);
  g_autofree char *template = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *staging = g_build_filename (parent, template, NULL);
  /* g_mkdtemp makes it private; the output is an ordinary folder. */
  if (g_mkdtemp (staging) == NULL || g_chmod (staging, 0755) != 0)
    {
      dlp_set_io_error (error, errno, "create a staging folder in", parent);
      return NULL;
    }
  DlpOutputDir *dir = g_new0 (DlpOutputDir, 1);
  dir->path = g_strdup (path);
  dir->staging = g_steal_pointer (&staging);
  return dir;
}

char *
dlp_output_dir_file (DlpOutputDir *dir, const char *name)
{
  char *path = g_build_filename (dir->staging, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0755);
  return path;
}

const char *
dlp_output_dir_get_path (DlpOutputDir *dir)
{
  return dir->path;
}

const char *
dlp_output_dir_get_staging (DlpOutputDir *dir)
{
  return dir->staging;
}

gboolean
dlp_output_dir_commit (DlpOutputDir *dir, GError **error)
{
  /* The old folder steps aside before the new one takes its name. */
  g_autofree char *old = g_strconcat (dir->staging, ".old", NULL);
  gboolean had_old = g_file_test (dir->path, G_FILE_TEST_EXISTS);
  if (had_old && g_rename (dir->path, old) != 0)
    return dlp_set_io_error (error, errno, "replace", dir->path);
  if (g_rename (dir->staging, dir->path) != 0)
    {
      int err = errno;
      if (had_old)
        g_rename (old, dir->path);
      return dlp_set_io_error (error, err, "replace", dir->path);
    }
  dir->committed = TRUE;
  if (had_old)
    dlp_remove_tree (old);
  return TRUE;
}

void
dlp_output_dir_free (DlpOutputDir *dir)
{
  if (dir == NULL)
    return;
  if (!dir->committed)
    dlp_remove_tree (dir->staging);
  g_free (dir->path);
  g_free (dir->staging);
  g_free (dir);
}
