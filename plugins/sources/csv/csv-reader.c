/* csv-reader.c: a streaming CSV tokenizer.
 *
 * The buffer holds a window of the file. A record is tokenized in one
 * pass; if the window ends before the record does, the unread tail moves
 * to the front, more of the file is read behind it and the record is
 * tokenized again from its start. Unquoted fields point into the window;
 * quoted fields that need unescaping are copied into a scratch arena. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "csv-reader.h"
#include "source-sha256.h"

#define CHUNK_SIZE (4u << 20)

/* Field spans: offsets into the window, or into the arena when escaped. */
typedef struct {
  gsize start;
  gsize len;
  gboolean in_arena;
} Span;

struct _CsvReader {
  char *path;
  int fd;
  CsvDialect dialect;
  guint8 special[256]; /* bytes that end an unquoted field */

  char *buf;
  gsize cap, len, pos; /* window, bytes in it, start of unread data */
  gboolean eof;
  guint64 buf_offset; /* file offset of buf[0] */
  guint64 size;
  gboolean at_start; /* a byte-order mark may follow */

  guint64 line; /* line of the next unread byte */
  guint64 record_line;

  GArray *spans; /* of Span */
  GByteArray *arena;
  GArray *fields; /* of CsvField */

  SourceSha256 *sha256;
  const char *digest; /* owned by sha256 */
};

static void
set_io_error (CsvReader *r, int errsv, const char *what, GError **error)
{
  g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: %s: %s", r->path, what, g_strerror (errsv));
}

CsvReader *
csv_reader_open (const char *path, const CsvDialect *dialect, GError **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: cannot open: %s", path, g_strerror (errsv));
      return NULL;
    }
  CsvReader *r = g_new0 (CsvReader, 1);
  r->path = g_strdup (path);
  r->fd = fd;
  r->dialect = *dialect;
  r->special[(guint8) dialect->delimiter] = 1;
  r->special['\n'] = 1;
  r->special['\r'] = 1;
  r->cap = CHUNK_SIZE;
  r->buf = g_malloc (r->cap);
  r->spans = g_array_new (FALSE, FALSE, sizeof (Span));
  r->arena = g_byte_array_new ();
  r->fields = g_array_new (FALSE, FALSE, sizeof (CsvField));
  r->sha256 = source_sha256_new ();
  GStatBuf st;
  if (g_stat (path, &st) == 0)
    r->size = (guint64) st.st_size;
  r->line = 1;
  r->at_start = TRUE;
  return r;
}

void
csv_reader_free (CsvReader *reader)
{
  if (reader == NULL)
    return;
  close (reader->fd);
  g_free (reader->path);
  g_free (reader->buf);
  g_array_unref (reader->spans);
  g_byte_array_unref (reader->arena);
  g_array_unref (reader->fields);
  source_sha256_free (reader->sha256);
  g_free (reader);
}

gboolean
csv_reader_rewind (CsvReader *r, GError **error)
{
  if (lseek (r->fd, 0, SEEK_SET) < 0)
    {
      set_io_error (r, errno, "cannot seek", error);
      return FALSE;
    }
  r->len = r->pos = 0;
  r->eof = FALSE;
  r->buf_offset = 0;
  r->at_start = TRUE;
  r->line = 1;
  source_sha256_reset (r->sha256);
  r->digest = NULL;
  return TRUE;
}

static gboolean
record_too_long (CsvReader *r, GError **error)
{
  g_autofree char *where = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, r->path, r->record_line);
  dlp_limit_set_error (error, DLP_LIMIT_CSV_ROW_BYTES, where,
                       "a record is longer than %" G_GUINT64_FORMAT " bytes (an unbalanced quote?)",
                       dlp_limit_get (DLP_LIMIT_CSV_ROW_BYTES));
  return FALSE;
}

/* Moves the unread tail to the front and reads more behind it. */
static gboolean
refill (CsvReader *r, GError **error)
{
  if (r->pos > 0)
    {
      memmove (r->buf, r->buf + r->pos, r->len - r->pos);
      r->buf_offset += r->pos;
      r->len -= r->pos;
      r->pos = 0;
    }
  /* A record longer than the limit is refused rather than buffered
   * without end (a stray quote would otherwise read the file whole). */
  if (r->len >= dlp_limit_get (DLP_LIMIT_CSV_ROW_BYTES))
    return record_too_long (r, error);
  if (r->len == r->cap)
    {
      r->cap *= 2;
      r->buf = g_realloc (r->buf, r->cap);
    }
  for (;;)
    {
      ssize_t n = read (r->fd, r->buf + r->len, r->cap - r->len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_io_error (r, errno, "read failed", error);
          return FALSE;
        }
      if (n == 0)
        {
          r->eof = TRUE;
          r->digest = source_sha256_finish (r->sha256);
        }
      else
        source_sha256_update (r->sha256, r->buf + r->len, (gsize) n);
      r->len += (gsize) n;
      return TRUE;
    }
}

typedef enum { SCAN_RECORD, SCAN_MORE, SCAN_ERROR } ScanResult;

static void
add_span (CsvReader *r, gsize start, gsize len, gboolean in_arena)
{
  Span s = { start, len, in_arena };
  g_array_append_val (r->spans, s);
}

/* Tokenizes a quoted field starting after its opening quote at *pp. */
static ScanResult
scan_quoted (CsvReader *r, gsize *pp, guint64 *line, GError **error)
{
  const char *buf = r->buf;
  gsize p = *pp, end = r->len;
  char quote = r->dialect.quote, escape = r->dialect.escape;
  gsize arena_start = r->arena->len;
  gsize run = p; /* start of the bytes not yet copied */
  for (;;)
    {
      if (p >= end)
        {
          if (!r->eof)
            return SCAN_MORE;
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s:%" G_GUINT64_FORMAT ": unterminated quoted field "
                       "(the file ends inside it)",
                       r->path, r->record_line);
          return SCAN_ERROR;
        }
      char c = buf[p];
      if (c == '\n')
        (*line)++;
      if (escape && c == escape && escape != quote)
        {
          if (p + 1 >= end && !r->eof)
            return SCAN_MORE;
          g_byte_array_append (r->arena, (const guint8 *) buf + run, (guint) (p - run));
          if (p + 1 < end)
            {
              if (buf[p + 1] == '\n')
                (*line)++;
              g_byte_array_append (r->arena, (const guint8 *) buf + p + 1, 1);
            }
          p += 2;
          run = p;
          continue;
        }
      if (c != quote)
        {
          p++;
          continue;
        }
      /* A quote: doubled (a literal quote) or the end of the field. */
      if (p + 1 >= end && !r->eof)
        return SCAN_MORE;
      if (!escape && p + 1 < end && buf[p + 1] == quote)
        {
          g_byte_array_append (r->arena, (const guint8 *) buf + run, (guint) (p - run + 1));
          p += 2;
          run = p;
          continue;
        }
      g_byte_array_append (r->arena, (const guint8 *) buf + run, (guint) (p - run));
      p++;
      break;
    }
  add_span (r, arena_start, r->arena->len - arena_start, TRUE);
  /* After the closing quote: a delimiter, the end of the record, or (not
   * in RFC 4180, but common) more text, kept as part of the field. */
  gsize rest = p;
  while (p < end && !r->special[(guint8) buf[p]])
    p++;
  if (p >= end && !r->eof)
    return SCAN_MORE;
  if (p > rest)
    {
      Span *s = &g_array_index (r->spans, Span, r->spans->len - 1);
      g_byte_array_append (r->arena, (const guint8 *) buf + rest, (guint) (p - rest));
      s->len += p - rest;
    }
  *pp = p;
  return SCAN_RECORD;
}

/* Tokenizes one record from r->pos. On SCAN_RECORD, r->pos is past it. */
static ScanResult
scan_record (CsvReader *r, GError **error)
{
  g_array_set_size (r->spans, 0);
  g_byte_array_set_size (r->arena, 0);
  const char *buf = r->buf;
  gsize p = r->pos, end = r->len;
  guint64 line = r->line;
  r->record_line = line;
  char quote = r->dialect.quote, delimiter = r->dialect.delimiter;

  for (;;)
    {
      if (quote && p < end && buf[p] == quote)
        {
          p++;
          ScanResult res = scan_quoted (r, &p, &line, error);
          if (res != SCAN_RECORD)
            return res;
        }
      else
        {
          gsize start = p;
          while (p < end && !r->special[(guint8) buf[p]])
            p++;
          if (p >= end && !r->eof)
            return SCAN_MORE;
          add_span (r, start, p - start, FALSE);
        }
      if (p >= end)
        break; /* the last record, without a line break */
      char c = buf[p];
      if (c == delimiter)
        {
          p++;
          if (p >= end && r->eof)
            {
              add_span (r, p, 0, FALSE); /* "a,b," ends with an empty field */
              break;
            }
          continue;
        }
      if (c == '\r')
        {
          if (p + 1 >= end && !r->eof)
            return SCAN_MORE;
          p++;
          if (p < end && buf[p] == '\n')
            p++;
        }
      else
        p++; /* '\n' */
      line++;
      break;
    }
  r->pos = p;
  r->line = line;
  return SCAN_RECORD;
}

static gboolean
is_blank (CsvReader *r)
{
  if (r->spans->len != 1)
    return FALSE;
  Span *s = &g_array_index (r->spans, Span, 0);
  return s->len == 0 && !s->in_arena;
}

gboolean
csv_reader_next (CsvReader *r, GError **error)
{
  for (;;)
    {
      if (r->pos >= r->len && r->eof)
        return FALSE;
      if (r->at_start)
        {
          if (r->len < 3 && !r->eof)
            {
              if (!refill (r, error))
                return FALSE;
              continue;
            }
          if (r->len >= 3 && memcmp (r->buf, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
          r->at_start = FALSE;
          continue;
        }
      gsize start = r->pos;
      ScanResult res = r->pos < r->len ? scan_record (r, error) : SCAN_MORE;
      if (res == SCAN_ERROR)
        return FALSE;
      if (res != SCAN_MORE && r->pos - start > dlp_limit_get (DLP_LIMIT_CSV_ROW_BYTES))
        return record_too_long (r, error);
      if (res == SCAN_MORE)
        {
          if (!refill (r, error))
            return FALSE;
          continue;
        }
      if (is_blank (r))
        continue;
      break;
    }

  guint64 max_field = dlp_limit_get (DLP_LIMIT_CSV_FIELD_BYTES);
  g_array_set_size (r->fields, r->spans->len);
  for (guint i = 0; i < r->spans->len; i++)
    {
      Span *s = &g_array_index (r->spans, Span, i);
      CsvField *f = &g_array_index (r->fields, CsvField, i);
      if (s->len > max_field)
        {
          g_autofree char *where =
            g_strdup_printf ("%s:%" G_GUINT64_FORMAT, r->path, r->record_line);
          dlp_limit_set_error (error, DLP_LIMIT_CSV_FIELD_BYTES, where,
                               "field %u is %" G_GSIZE_FORMAT
                               " bytes, more than %" G_GUINT64_FORMAT,
                               i + 1, s->len, max_field);
          return FALSE;
        }
      const char *base = s->in_arena ? (const char *) r->arena->data : r->buf;
      f->data = base ? base + s->start : "";
      f->len = s->len;
    }
  return TRUE;
}

const CsvField *
csv_reader_get_fields (CsvReader *reader, guint *n_fields)
{
  *n_fields = reader->fields->len;
  return (const CsvField *) reader->fields->data;
}

guint64
csv_reader_get_line (CsvReader *reader)
{
  return reader->record_line;
}

guint64
csv_reader_get_offset (CsvReader *reader)
{
  return reader->buf_offset + reader->pos;
}

guint64
csv_reader_get_size (CsvReader *reader)
{
  return reader->size;
}

const char *
csv_reader_get_path (CsvReader *reader)
{
  return reader->path;
}

const char *
csv_reader_get_sha256 (CsvReader *reader)
{
  return reader->digest;
}
