/* spool.c: durable JSON-lines files of undelivered records. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "../app/remove-tree.h"
#include "record.h"
#include "spool.h"

static void
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Writes one line and flushes it to disk. */
static gboolean
write_line (int fd, const char *path, JsonObject *object, GError **error)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *line = g_strconcat (text, "\n", NULL);
  gsize len = strlen (line), done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, line + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return dlp_set_io_error (error, errno, "write", path);
      done += (gsize) n;
    }
  if (fdatasync (fd) != 0)
    return dlp_set_io_error (error, errno, "flush", path);
  return TRUE;
}

/* --- writing --- */

struct _DlpSpoolWriter {
  char *dir;
  char *path;
  char *files_dir;
  int fd;
  guint n_records;
};

static char *
new_file_name (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  return g_strdup_printf ("%s.%06dZ-%d-%08x.jsonl", stamp, g_date_time_get_microsecond (now),
                          (int) getpid (), g_random_int ());
}

DlpSpoolWriter *
dlp_spool_writer_new (const char *dir, JsonObject *header, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      dlp_set_io_error (error, errno, "create folder", dir);
      return NULL;
    }
  g_autofree char *name = new_file_name ();
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      dlp_set_io_error (error, errno, "create", path);
      return NULL;
    }
  DlpSpoolWriter *w = g_new0 (DlpSpoolWriter, 1);
  w->dir = g_strdup (dir);
  w->path = g_steal_pointer (&path);
  w->files_dir = g_strconcat (w->path, ".files", NULL);
  w->fd = fd;
  /* A replay must not start on a file still being written. */
  if (flock (fd, LOCK_EX) != 0 || !write_line (fd, w->path, header, error))
    {
      if (error && *error == NULL)
        dlp_set_io_error (error, errno, "lock", w->path);
      g_unlink (w->path);
      dlp_spool_writer_free (w);
      return NULL;
    }
  sync_dir (dir);
  return w;
}

const char *
dlp_spool_writer_get_path (DlpSpoolWriter *w)
{
  return w->path;
}

guint
dlp_spool_writer_get_n_records (DlpSpoolWriter *w)
{
  return w->n_records;
}

static gboolean
copy_tree (GFile *src, GFile *dst, GError **error)
{
  if (g_file_query_file_type (src, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_DIRECTORY)
    return g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
  if (!g_file_make_directory_with_parents (dst, NULL, error))
    return FALSE;
  g_autoptr (GFileEnumerator) e = g_file_enumerate_children (src, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                             G_FILE_QUERY_INFO_NONE, NULL, error);
  if (e == NULL)
    return FALSE;
  for (;;)
    {
      GFileInfo *info = NULL;
      GFile *child = NULL;
      if (!g_file_enumerator_iterate (e, &info, &child, NULL, error))
        return FALSE;
      if (info == NULL)
        return TRUE;
      g_autoptr (GFile) to = g_file_get_child (dst, g_file_info_get_name (info));
      if (!copy_tree (child, to, error))
        return FALSE;
    }
}

/* Artifacts are copied so that the spool still holds what the stage
 * produced when its outputs have changed since. */
static gboolean
keep_artifact_copy (DlpSpoolWriter *w, JsonObject *record, GError **error)
{
  const char *op = json_object_get_string_member_with_default (record, "op", "");
  if (strcmp (op, "log_artifact") != 0 && strcmp (op, "log_model") != 0)
    return TRUE;
  const char *path = json_object_get_string_member_with_default (record, "path", NULL);
  if (path == NULL || g_str_has_prefix (path, w->files_dir))
    return TRUE;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *seq = g_strdup_printf ("%u", w->n_records);
  g_autofree char *dest = g_build_filename (w->files_dir, seq, base, NULL);
  g_autofree char *parent = g_path_get_dirname (dest);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    return dlp_set_io_error (error, errno, "create folder", parent);
  g_autoptr (GFile) src = g_file_new_for_path (path);
  g_autoptr (GFile) dst = g_file_new_for_path (dest);
  g_autoptr (GError) local = NULL;
  if (!copy_tree (src, dst, &local))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  "cannot keep a copy of artifact %s: ", path);
      return FALSE;
    }
  json_object_set_string_member (record, "path", dest);
  return TRUE;
}

gboolean
dlp_spool_writer_append (DlpSpoolWriter *w, JsonObject *record, GError **error)
{
  if (!keep_artifact_copy (w, record, error) || !write_line (w->fd, w->path, record, error))
    return FALSE;
  w->n_records++;
  return TRUE;
}

void
dlp_spool_writer_free (DlpSpoolWriter *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);
  g_free (w->dir);
  g_free (w->path);
  g_free (w->files_dir);
  g_free (w);
}

gboolean
dlp_spool_reject (const char *dir, const char *file, JsonObject *record, const char *reason,
                  GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    return dlp_set_io_error (error, errno, "create folder", dir);
  g_autofree char *path = g_build_filename (dir, DLP_SPOOL_REJECTED, NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return dlp_set_io_error (error, errno, "open", path);
  g_autoptr (JsonObject) line = json_object_new ();
  json_object_set_int_member (line, "time", g_get_real_time () / 1000);
  if (file)
    json_object_set_string_member (line, "file", file);
  json_object_set_string_member (line, "error", reason);
  json_object_set_object_member (line, "record", json_object_ref (record));
  gboolean ok = write_line (fd, path, line, error);
  close (fd);
  return ok;
}

/* --- reading --- */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
dlp_spool_list (const char *dir, GError **error)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return names;
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    {
      g_ptr_array_unref (names);
      return NULL;
    }
  const char *name;
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".jsonl") && strcmp (name, DLP_SPOOL_REJECTED) != 0)
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

struct _DlpSpoolFile {
  char *path;
  int fd;
  JsonObject *header;
  GPtrArray *records;
  guint n_done;
};

static JsonObject *
parse_line (const char *path, guint line_no, const char *text, GError **error)
{
  g_autofree char *where = g_strdup_printf ("%s:%u", path, line_no);
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = dlp_json_parse (text, -1, where, &local);
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    return json_object_ref (json_node_get_object (root));
  if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  else
    g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: expected a JSON object", where);
  return NULL;
}

static gboolean
read_records (DlpSpoolFile *f, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  if (!g_file_get_contents (f->path, &text, &len, error))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  for (guint i = 0; i < n; i++)
    {
      if (*lines[i] == '\0')
        continue;
      /* The last line without its newline was cut short by a crash while
       * it was written; it was never acknowledged. */
      if (i == n - 1)
        {
          g_warning ("%s:%u: ignoring a record cut short", f->path, i + 1);
          break;
        }
      JsonObject *o = parse_line (f->path, i + 1, lines[i], error);
      if (o == NULL)
        return FALSE;
      if (f->header == NULL)
        f->header = o;
      else
        g_ptr_array_add (f->records, o);
    }
  if (f->header == NULL || dlp_json_get_int (f->header, "dlpipe_spool", 0) != DLP_SPOOL_FORMAT)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s:1: not a dlpipe spool file of format %d",
                   f->path, DLP_SPOOL_FORMAT);
      return FALSE;
    }
  return TRUE;
}

static char *
done_path (const char *path)
{
  return g_strconcat (path, ".done", NULL);
}

DlpSpoolFile *
dlp_spool_file_open (const char *path, gboolean *busy, GError **error)
{
  *busy = FALSE;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      dlp_set_io_error (error, errno, "open", path);
      return NULL;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int err = errno;
      close (fd);
      if (err == EWOULDBLOCK)
        *busy = TRUE;
      else
        dlp_set_io_error (error, err, "lock", path);
      return NULL;
    }
  g_autoptr (DlpSpoolFile) f = g_new0 (DlpSpoolFile, 1);
  f->path = g_strdup (path);
  f->fd = fd;
  f->records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  if (!read_records (f, error))
    return NULL;
  g_autofree char *done = done_path (path);
  g_autofree char *count = NULL;
  if (g_file_get_contents (done, &count, NULL, NULL))
    {
      guint64 n = 0;
      if (!g_ascii_string_to_unsigned (g_strstrip (count), 10, 0, f->records->len, &n, NULL))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s: expected a count of delivered records from 0 to %u", done,
                       f->records->len);
          return NULL;
        }
      f->n_done = (guint) n;
    }
  return g_steal_pointer (&f);
}

JsonObject *
dlp_spool_file_get_header (DlpSpoolFile *f)
{
  return f->header;
}

GPtrArray *
dlp_spool_file_get_records (DlpSpoolFile *f)
{
  return f->records;
}

guint
dlp_spool_file_get_n_done (DlpSpoolFile *f)
{
  return f->n_done;
}

gboolean
dlp_spool_file_set_n_done (DlpSpoolFile *f, guint n_done, GError **error)
{
  g_autofree char *done = done_path (f->path);
  g_autofree char *text = g_strdup_printf ("%u\n", n_done);
  if (!dlp_write_file_atomic (done, text, strlen (text), error))
    return FALSE;
  f->n_done = n_done;
  return TRUE;
}

gboolean
dlp_spool_file_remove (DlpSpoolFile *f, GError **error)
{
  g_autofree char *done = done_path (f->path);
  g_autofree char *files = g_strconcat (f->path, ".files", NULL);
  if (g_unlink (f->path) != 0)
    return dlp_set_io_error (error, errno, "remove", f->path);
  g_unlink (done);
  dlp_remove_tree (files);
  return TRUE;
}

void
dlp_spool_file_free (DlpSpoolFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  g_clear_pointer (&f->header, json_object_unref);
  g_clear_pointer (&f->records, g_ptr_array_unref);
  g_free (f->path);
  g_free (f);
}
