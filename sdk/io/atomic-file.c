/* atomic-file.c: write to a temporary file, then rename it into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-atomic-file.h>
#include "sdk-private.h"

struct _DlpAtomicFile {
  char *path;
  char *tmp_path;
  FILE *stream;
  gboolean committed;
};

/* Temporary files of this destination left by a killed process: one
 * destination has one writer at a time, so they are garbage. */
static void
remove_stale_temporaries (const char *dir, const char *base)
{
  g_autofree char *prefix = g_strdup_printf (".%s.", base);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, ".tmp")
        && strlen (name) == strlen (prefix) + strlen ("XXXXXX.tmp"))
      {
        g_autofree char *stale = g_build_filename (dir, name, NULL);
        g_unlink (stale);
      }
}

DlpAtomicFile *
dlp_atomic_file_new (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      dlp_set_io_error (error, errno, "create folder", dir);
      return NULL;
    }
  remove_stale_temporaries (dir, base);
  /* Hidden, and named after its destination, so a leftover from a killed
   * process is recognisable. */
  g_autofree char *name = g_strdup_printf (".%s.XXXXXX.tmp", base);
  char *tmp_path = g_build_filename (dir, name, NULL);
  int fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      dlp_set_io_error (error, errno, "create a temporary file in", dir);
      g_free (tmp_path);
      return NULL;
    }
  FILE *stream = fdopen (fd, "wb");
  if (stream == NULL)
    {
      dlp_set_io_error (error, errno, "open", tmp_path);
      close (fd);
      g_unlink (tmp_path);
      g_free (tmp_path);
      return NULL;
    }
  DlpAtomicFile *file = g_new0 (DlpAtomicFile, 1);
  file->path = g_strdup (path);
  file->tmp_path = tmp_path;
  file->stream = stream;
  return file;
}

FILE *
dlp_atomic_file_get_stream (DlpAtomicFile *file)
{
  return file->stream;
}

const char *
dlp_atomic_file_get_path (DlpAtomicFile *file)
{
  return file->path;
}

gboolean
dlp_atomic_file_write (DlpAtomicFile *file, const void *data, gsize size, GError **error)
{
  g_return_val_if_fail (file->stream != NULL, FALSE);
  if (size && fwrite (data, 1, size, file->stream) != size)
    return dlp_set_io_error (error, errno, "write", file->path);
  return TRUE;
}

gboolean
dlp_atomic_file_printf (DlpAtomicFile *file, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  int n = vfprintf (file->stream, format, args);
  va_end (args);
  if (n < 0)
    return dlp_set_io_error (error, errno, "write", file->path);
  return TRUE;
}

/* Makes the rename itself durable. */
static void
sync_parent_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

gboolean
dlp_atomic_file_commit (DlpAtomicFile *file, GError **error)
{
  g_return_val_if_fail (file->stream != NULL, FALSE);
  FILE *stream = g_steal_pointer (&file->stream);
  if (fflush (stream) != 0 || fsync (fileno (stream)) != 0)
    {
      int err = errno;
      fclose (stream);
      return dlp_set_io_error (error, err, "write", file->path);
    }
  if (fclose (stream) != 0)
    return dlp_set_io_error (error, errno, "write", file->path);
  if (g_rename (file->tmp_path, file->path) != 0)
    return dlp_set_io_error (error, errno, "replace", file->path);
  file->committed = TRUE;
  sync_parent_dir (file->path);
  return TRUE;
}

void
dlp_atomic_file_free (DlpAtomicFile *file)
{
  if (file == NULL)
    return;
  if (file->stream)
    fclose (file->stream);
  if (!file->committed)
    g_unlink (file->tmp_path);
  g_free (file->path);
  g_free (file->tmp_path);
  g_free (file);
}

gboolean
dlp_write_file_atomic (const char *path, const void *data, gsize size, GError **error)
{
  g_autoptr (DlpAtomicFile) file = dlp_atomic_file_new (path, error);
  return file && dlp_atomic_file_write (file, data, size, error)
         && dlp_atomic_file_commit (file, error);
}

gboolean
dlp_write_json_atomic (const char *path, JsonNode *node, GError **error)
{
  g_autofree char *text = dlp_json_to_string (node, TRUE);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  return dlp_write_file_atomic (path, with_newline, strlen (with_newline), error);
}
