/* idx-file.c: checking and reading one IDX file. */
#include "idx-file.h"

#define TYPE_UBYTE 0x08
#define READ_PIECE (4u << 20)
/* Deflate expands at most 1032-fold (zlib's technical details). */
#define MAX_DEFLATE_RATIO 1032u

static gboolean
read_exact (IdxFile *f, void *out, gsize len, const char *what, GError **error)
{
  guint64 at = idx_stream_tell (f->stream);
  gsize n = 0;
  if (!idx_stream_read (f->stream, out, len, &n, error))
    return FALSE;
  if (n == len)
    return TRUE;
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
               "%s: truncated at byte %" G_GUINT64_FORMAT ": expected %" G_GSIZE_FORMAT
               " bytes of %s from byte %" G_GUINT64_FORMAT ", found %" G_GSIZE_FORMAT,
               f->path, at + n, len, what, at, n);
  return FALSE;
}

static gboolean
read_header (IdxFile *f, guint rank, GError **error)
{
  guint8 magic[4];
  if (!read_exact (f, magic, sizeof magic, "header", error))
    return FALSE;
  if (magic[0] != 0 || magic[1] != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte 0: wrong magic number %02x %02x %02x %02x (an IDX file "
                   "starts with 00 00, its type and its number of dimensions)",
                   f->path, magic[0], magic[1], magic[2], magic[3]);
      return FALSE;
    }
  if (magic[2] != TYPE_UBYTE)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "%s: byte 2: item type 0x%02x is not supported (expected 0x08, "
                   "unsigned bytes)",
                   f->path, magic[2]);
      return FALSE;
    }
  if (magic[3] != rank)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte 3: %u dimensions, expected %u (%s)", f->path, magic[3], rank,
                   rank == 1 ? "a labels file is [count]"
                             : "an images file is [count, rows, columns]");
      return FALSE;
    }
  f->rank = rank;
  guint8 dims[4 * IDX_MAX_RANK];
  if (!read_exact (f, dims, 4 * rank, "dimensions", error))
    return FALSE;
  f->item_size = 1;
  for (guint i = 0; i < rank; i++)
    {
      const guint8 *d = dims + 4 * i;
      f->dims[i] = ((guint32) d[0] << 24) | ((guint32) d[1] << 16) | ((guint32) d[2] << 8) | d[3];
      if (i > 0 && f->dims[i] == 0)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: byte %u: dimension %u is 0",
                       f->path, 4 + 4 * i, i + 1);
          return FALSE;
        }
      if (i > 0 && !g_size_checked_mul (&f->item_size, f->item_size, f->dims[i]))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: byte %u: dimensions too large",
                       f->path, 4 + 4 * i);
          return FALSE;
        }
    }
  f->n_items = f->dims[0];
  /* Memory is allocated for what the header declares before the data are
   * read, so the declaration must fit the file: raw data byte for byte,
   * compressed data within deflate's largest ratio. */
  guint64 header = idx_stream_tell (f->stream);
  guint64 file_size = idx_stream_get_file_size (f->stream);
  guint64 room = idx_stream_is_compressed (f->stream) ? file_size * MAX_DEFLATE_RATIO
                                                      : file_size - MIN (file_size, header);
  gsize total;
  gboolean fits = g_size_checked_mul (&total, f->item_size, (gsize) f->n_items) && total <= room;
  /* Within what deflate can do, a compression bomb is still refused. */
  guint64 ratio = dlp_limit_get (DLP_LIMIT_GZIP_RATIO);
  if (fits && idx_stream_is_compressed (f->stream)
      && total > file_size * MIN (ratio, MAX_DEFLATE_RATIO))
    {
      dlp_limit_set_error (error, DLP_LIMIT_GZIP_RATIO, f->path,
                           "byte 4: the header declares %" G_GSIZE_FORMAT
                           " bytes, more than %" G_GUINT64_FORMAT " times the %" G_GUINT64_FORMAT
                           "-byte compressed file",
                           total, ratio, file_size);
      return FALSE;
    }
  if (!fits)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte 4: the header declares %" G_GUINT64_FORMAT " items of %" G_GSIZE_FORMAT
                   " bytes, more than the %" G_GUINT64_FORMAT "-byte file "
                   "can hold (truncated, or wrong dimensions)",
                   f->path, f->n_items, f->item_size, file_size);
      return FALSE;
    }
  return TRUE;
}

IdxFile *
idx_file_open (const char *path, guint rank, GError **error)
{
  g_autoptr (IdxStream) stream = idx_stream_open (path, error);
  if (stream == NULL)
    return NULL;
  g_autoptr (IdxFile) f = g_new0 (IdxFile, 1);
  f->path = g_strdup (path);
  f->stream = g_steal_pointer (&stream);
  if (!read_header (f, rank, error))
    return NULL;
  return g_steal_pointer (&f);
}

void
idx_file_free (IdxFile *file)
{
  if (file == NULL)
    return;
  idx_stream_free (file->stream);
  g_free (file->path);
  g_free (file);
}

gboolean
idx_file_read_items (IdxFile *f, guint8 *out, DlpContext *context, GError **error)
{
  gsize total = (gsize) f->n_items * f->item_size;
  g_autofree char *task = g_strdup_printf ("reading %s", f->path);
  for (gsize done = 0; done < total;)
    {
      gsize piece = MIN (total - done, READ_PIECE);
      g_autofree char *what = g_strdup_printf ("items (the header declares %" G_GUINT64_FORMAT
                                               " of %" G_GSIZE_FORMAT " bytes)",
                                               f->n_items, f->item_size);
      if (!read_exact (f, out + done, piece, what, error))
        return FALSE;
      done += piece;
      if (dlp_context_is_cancelled (context, error))
        return FALSE;
      dlp_context_progress (context, task, idx_stream_get_file_offset (f->stream),
                            idx_stream_get_file_size (f->stream));
    }
  guint8 extra;
  gsize n = 0;
  guint64 end = idx_stream_tell (f->stream);
  if (!idx_stream_read (f->stream, &extra, 1, &n, error))
    return FALSE;
  if (n != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: byte %" G_GUINT64_FORMAT ": data continues after the %" G_GUINT64_FORMAT
                   " items the header declares (wrong dimensions?)",
                   f->path, end, f->n_items);
      return FALSE;
    }
  return TRUE;
}
