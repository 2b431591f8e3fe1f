/* csv-doc.c: the request-body CSV reader (see csv-doc.h). */
#include <string.h>
#include "csv-doc.h"

struct _DlpCsvDoc {
  guint n_columns;
  gint64 n_records; /* the header included */
  GString *fields;  /* decoded fields, each NUL-terminated */
  GArray *offsets;  /* gsize: start of each field, record by record */
  GArray *lines;    /* guint64: the line each record starts on */
};

typedef struct {
  DlpCsvDoc *doc;
  const char *text;
  gsize length, pos;
  guint64 line;
  guint64 max_field, max_record;
  guint n_fields;     /* of the record being read */
  gsize record_start; /* its first byte */
} Reader;

void
dlp_csv_doc_free (DlpCsvDoc *doc)
{
  if (doc == NULL)
    return;
  g_string_free (doc->fields, TRUE);
  g_array_unref (doc->offsets);
  g_array_unref (doc->lines);
  g_free (doc);
}

static gboolean
at_line_end (const Reader *r)
{
  return r->pos >= r->length || r->text[r->pos] == '\n' || r->text[r->pos] == '\r';
}

/* Steps over one line break (LF, CRLF or CR). */
static void
skip_line_end (Reader *r)
{
  if (r->pos < r->length && r->text[r->pos] == '\r')
    r->pos++;
  if (r->pos < r->length && r->text[r->pos] == '\n')
    r->pos++;
  r->line++;
}

static gboolean
check_field_size (Reader *r, gsize field_start, GError **error)
{
  gsize n = r->doc->fields->len - field_start;
  if (n <= r->max_field && r->pos - r->record_start <= r->max_record)
    return TRUE;
  g_autofree char *what = g_strdup_printf ("CSV body, line %" G_GUINT64_FORMAT, r->line);
  if (n > r->max_field)
    dlp_limit_set_error (error, DLP_LIMIT_CSV_FIELD_BYTES, what,
                         "a field is longer than %" G_GUINT64_FORMAT " bytes", r->max_field);
  else
    dlp_limit_set_error (error, DLP_LIMIT_CSV_ROW_BYTES, what,
                         "a record is longer than %" G_GUINT64_FORMAT " bytes", r->max_record);
  return FALSE;
}

/* Reads one field up to the comma or line end that follows it. */
static gboolean
read_field (Reader *r, GError **error)
{
  GString *out = r->doc->fields;
  gsize field_start = out->len;
  g_array_append_val (r->doc->offsets, field_start);
  if (r->pos < r->length && r->text[r->pos] == '"')
    {
      guint64 opened = r->line;
      r->pos++;
      for (;;)
        {
          const char *q = memchr (r->text + r->pos, '"', r->length - r->pos);
          gsize end = q ? (gsize) (q - r->text) : r->length;
          for (gsize i = r->pos; i < end; i++)
            if (r->text[i] == '\n'
                || (r->text[i] == '\r' && (i + 1 >= end || r->text[i + 1] != '\n')))
              r->line++;
          g_string_append_len (out, r->text + r->pos, (gssize) (end - r->pos));
          r->pos = end;
          if (!check_field_size (r, field_start, error))
            return FALSE;
          if (q == NULL)
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                           "CSV body, line %" G_GUINT64_FORMAT
                           ": the quoted field opened here is never "
                           "closed",
                           opened);
              return FALSE;
            }
          r->pos++;
          if (r->pos < r->length && r->text[r->pos] == '"')
            {
              g_string_append_c (out, '"');
              r->pos++;
              continue;
            }
          break;
        }
      if (r->pos < r->length && r->text[r->pos] != ',' && !at_line_end (r))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "CSV body, line %" G_GUINT64_FORMAT
                       ": expected a comma or the end of the line after "
                       "a closing quote",
                       r->line);
          return FALSE;
        }
    }
  else
    {
      gsize start = r->pos;
      while (r->pos < r->length && r->text[r->pos] != ',' && !at_line_end (r))
        r->pos++;
      g_string_append_len (out, r->text + start, (gssize) (r->pos - start));
      if (!check_field_size (r, field_start, error))
        return FALSE;
    }
  g_string_append_c (out, '\0');
  r->n_fields++;
  return TRUE;
}

static gboolean
read_record (Reader *r, GError **error)
{
  r->n_fields = 0;
  r->record_start = r->pos;
  guint64 line = r->line;
  g_array_append_val (r->doc->lines, line);
  for (;;)
    {
      if (!read_field (r, error))
        return FALSE;
      if (r->pos < r->length && r->text[r->pos] == ',')
        {
          r->pos++;
          continue;
        }
      break;
    }
  skip_line_end (r);
  DlpCsvDoc *doc = r->doc;
  if (doc->n_records == 0)
    doc->n_columns = r->n_fields;
  else if (r->n_fields != doc->n_columns)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "CSV body, line %" G_GUINT64_FORMAT ": %u fields, but the header has %u", line,
                   r->n_fields, doc->n_columns);
      return FALSE;
    }
  doc->n_records++;
  return TRUE;
}

static gboolean
check_header (DlpCsvDoc *doc, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint c = 0; c < doc->n_columns; c++)
    {
      const char *name = dlp_csv_doc_get_header (doc, c);
      if (!g_hash_table_add (seen, (gpointer) name))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "CSV body, line 1: column '%s' appears twice in the header", name);
          return FALSE;
        }
    }
  return TRUE;
}

DlpCsvDoc *
dlp_csv_doc_parse (const char *text, gsize length, GError **error)
{
  g_autoptr (DlpCsvDoc) doc = g_new0 (DlpCsvDoc, 1);
  doc->fields = g_string_sized_new (length + 1);
  doc->offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  doc->lines = g_array_new (FALSE, FALSE, sizeof (guint64));
  Reader r = {
    .doc = doc,
    .text = text,
    .length = length,
    .line = 1,
    .max_field = dlp_limit_get (DLP_LIMIT_CSV_FIELD_BYTES),
    .max_record = dlp_limit_get (DLP_LIMIT_CSV_ROW_BYTES),
  };
  const char *bad;
  if (!g_utf8_validate_len (text, length, &bad))
    {
      guint64 line = 1;
      for (const char *c = text; c < bad; c++)
        line += *c == '\n';
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "CSV body, line %" G_GUINT64_FORMAT ": not valid UTF-8 (byte %" G_GSIZE_FORMAT
                   ")",
                   line, (gsize) (bad - text));
      return NULL;
    }
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    r.pos = 3;
  while (r.pos < r.length)
    {
      /* pandas skips blank lines. */
      if (at_line_end (&r))
        {
          skip_line_end (&r);
          continue;
        }
      if (!read_record (&r, error))
        return NULL;
    }
  if (doc->n_records == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "CSV body: empty (expected a header row naming the columns)");
      return NULL;
    }
  if (!check_header (doc, error))
    return NULL;
  return g_steal_pointer (&doc);
}

guint
dlp_csv_doc_get_n_columns (const DlpCsvDoc *doc)
{
  return doc->n_columns;
}

gint64
dlp_csv_doc_get_n_rows (const DlpCsvDoc *doc)
{
  return doc->n_records - 1;
}

static const char *
field_at (const DlpCsvDoc *doc, gint64 record, guint column, gsize *length)
{
  gsize i = (gsize) record * doc->n_columns + column;
  gsize start = g_array_index (doc->offsets, gsize, i);
  if (length)
    {
      gsize end =
        i + 1 < doc->offsets->len ? g_array_index (doc->offsets, gsize, i + 1) : doc->fields->len;
      *length = end - start - 1;
    }
  return doc->fields->str + start;
}

const char *
dlp_csv_doc_get_header (const DlpCsvDoc *doc, guint column)
{
  g_return_val_if_fail (column < doc->n_columns, "");
  return field_at (doc, 0, column, NULL);
}

int
dlp_csv_doc_find_column (const DlpCsvDoc *doc, const char *name)
{
  for (guint c = 0; c < doc->n_columns; c++)
    if (strcmp (dlp_csv_doc_get_header (doc, c), name) == 0)
      return (int) c;
  return -1;
}

const char *
dlp_csv_doc_get_field (const DlpCsvDoc *doc, gint64 row, guint column, gsize *length)
{
  g_return_val_if_fail (row >= 0 && row + 1 < doc->n_records && column < doc->n_columns, "");
  return field_at (doc, row + 1, column, length);
}

guint64
dlp_csv_doc_get_line (const DlpCsvDoc *doc, gint64 row)
{
  g_return_val_if_fail (row >= 0 && row + 1 < doc->n_records, 0);
  return g_array_index (doc->lines, guint64, (guint) (row + 1));
}
