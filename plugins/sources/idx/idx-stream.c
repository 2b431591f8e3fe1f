/* idx-stream.c: reading a raw or gzip-compressed file in chunks. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <glib/gstdio.h>
#include "idx-stream.h"
#include "source-sha256.h"

#define CHUNK_SIZE (1u << 20)

struct _IdxStream {
  char *path;
  int fd;
  guint64 file_size;
  guint64 file_offset;
  gboolean compressed;
  gboolean file_eof;
  gboolean stream_end;
  z_stream z;
  guint8 *chunk;
  gsize chunk_len, chunk_pos; /* raw files read through the chunk too */
  guint64 offset;
  SourceSha256 *sha256;
  const char *digest; /* owned by sha256 */
};

static gboolean
fill_chunk (IdxStream *s, GError **error)
{
  for (;;)
    {
      ssize_t n = read (s->fd, s->chunk, CHUNK_SIZE);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: read failed: %s", s->path,
                       g_strerror (errsv));
          return FALSE;
        }
      s->chunk_len = (gsize) n;
      s->chunk_pos = 0;
      s->file_offset += (guint64) n;
      if (n == 0)
        {
          s->file_eof = TRUE;
          s->digest = source_sha256_finish (s->sha256);
        }
      else
        source_sha256_update (s->sha256, s->chunk, (gsize) n);
      return TRUE;
    }
}

IdxStream *
idx_stream_open (const char *path, GError **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: cannot open: %s", path, g_strerror (errsv));
      return NULL;
    }
  g_autoptr (IdxStream) s = g_new0 (IdxStream, 1);
  s->path = g_strdup (path);
  s->fd = fd;
  s->chunk = g_malloc (CHUNK_SIZE);
  s->sha256 = source_sha256_new ();
  GStatBuf st;
  if (g_stat (path, &st) == 0)
    s->file_size = (guint64) st.st_size;
  if (!fill_chunk (s, error))
    return NULL;
  s->compressed = s->chunk_len >= 2 && s->chunk[0] == 0x1f && s->chunk[1] == 0x8b;
  if (s->compressed)
    {
      /* 15 + 16: a gzip wrapper, the largest window. */
      if (inflateInit2 (&s->z, 15 + 16) != Z_OK)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "%s: zlib: %s", path,
                       s->z.msg ? s->z.msg : "cannot initialise");
          return NULL;
        }
      s->z.next_in = s->chunk;
      s->z.avail_in = (uInt) s->chunk_len;
    }
  return g_steal_pointer (&s);
}

void
idx_stream_free (IdxStream *stream)
{
  if (stream == NULL)
    return;
  if (stream->compressed)
    inflateEnd (&stream->z);
  if (stream->fd >= 0)
    close (stream->fd);
  g_free (stream->chunk);
  source_sha256_free (stream->sha256);
  g_free (stream->path);
  g_free (stream);
}

static gboolean
read_raw (IdxStream *s, guint8 *out, gsize len, gsize *n_read, GError **error)
{
  gsize done = 0;
  while (done < len)
    {
      if (s->chunk_pos == s->chunk_len)
        {
          if (s->file_eof || !fill_chunk (s, error))
            break;
          if (s->chunk_len == 0)
            break;
        }
      gsize n = MIN (len - done, s->chunk_len - s->chunk_pos);
      memcpy (out + done, s->chunk + s->chunk_pos, n);
      s->chunk_pos += n;
      done += n;
    }
  *n_read = done;
  return error == NULL || *error == NULL;
}

static gboolean
read_inflate (IdxStream *s, guint8 *out, gsize len, gsize *n_read, GError **error)
{
  gsize done = 0;
  while (done < len && !s->stream_end)
    {
      if (s->z.avail_in == 0 && !s->file_eof)
        {
          if (!fill_chunk (s, error))
            return FALSE;
          s->z.next_in = s->chunk;
          s->z.avail_in = (uInt) s->chunk_len;
        }
      gsize want = MIN (len - done, (gsize) G_MAXUINT32);
      s->z.next_out = out + done;
      s->z.avail_out = (uInt) want;
      int rc = inflate (&s->z, Z_NO_FLUSH);
      done += want - s->z.avail_out;
      if (rc == Z_STREAM_END)
        s->stream_end = TRUE;
      else if (rc == Z_BUF_ERROR && s->file_eof && s->z.avail_in == 0)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s: truncated gzip data (the compressed stream ends at byte "
                       "%" G_GUINT64_FORMAT " of the file, %" G_GUINT64_FORMAT
                       " bytes uncompressed)",
                       s->path, s->file_offset, s->offset + done);
          return FALSE;
        }
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s: corrupt gzip data near byte %" G_GUINT64_FORMAT " of the "
                       "file: %s",
                       s->path, s->file_offset - s->z.avail_in,
                       s->z.msg ? s->z.msg : "inflate failed");
          return FALSE;
        }
    }
  *n_read = done;
  return TRUE;
}

gboolean
idx_stream_read (IdxStream *stream, void *data, gsize len, gsize *n_read, GError **error)
{
  gsize n = 0;
  gboolean ok = stream->compressed ? read_inflate (stream, data, len, &n, error)
                                   : read_raw (stream, data, len, &n, error);
  stream->offset += n;
  *n_read = n;
  return ok;
}

guint64
idx_stream_tell (IdxStream *stream)
{
  return stream->offset;
}

guint64
idx_stream_get_file_offset (IdxStream *stream)
{
  return stream->file_offset;
}

guint64
idx_stream_get_file_size (IdxStream *stream)
{
  return stream->file_size;
}

gboolean
idx_stream_is_compressed (IdxStream *stream)
{
  return stream->compressed;
}

const char *
idx_stream_get_sha256 (IdxStream *stream)
{
  /* Hash what remains unread, so the digest covers the whole file even if
   * the data ended before it (trailing bytes are reported elsewhere). */
  while (!stream->file_eof)
    if (!fill_chunk (stream, NULL))
      return NULL;
  return stream->digest;
}
