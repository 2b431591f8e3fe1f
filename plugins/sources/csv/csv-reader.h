/* csv-reader.h: a streaming CSV tokenizer (RFC 4180 and common variants).
 *
 * The file is read in chunks; each call to csv_reader_next() returns one
 * record as fields that stay valid until the next call. Quoted fields may
 * hold delimiters, doubled quotes (or escaped ones, with an escape
 * character) and line breaks. Records end with LF, CRLF or CR. A UTF-8
 * byte-order mark at the start is skipped; blank lines are skipped. */
#pragma once

#include <glib.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  const char *data; /* not NUL-terminated */
  gsize len;
} CsvField;

typedef struct {
  char delimiter;
  char quote;  /* '\0': no quoting */
  char escape; /* '\0': quotes are escaped by doubling them */
} CsvDialect;

typedef struct _CsvReader CsvReader;

CsvReader *csv_reader_open (const char *path, const CsvDialect *dialect, GError **error);
void csv_reader_free (CsvReader *reader);

/* Reads the next record. Returns FALSE at the end of the file (with
 * *error unset) or on an error. */
gboolean csv_reader_next (CsvReader *reader, GError **error);
/* Starts again from the first byte of the file. */
gboolean csv_reader_rewind (CsvReader *reader, GError **error);

const CsvField *csv_reader_get_fields (CsvReader *reader, guint *n_fields);
/* The line on which the current record starts (1-based). */
guint64 csv_reader_get_line (CsvReader *reader);
/* Bytes consumed so far and the file's size, for progress. */
guint64 csv_reader_get_offset (CsvReader *reader);
guint64 csv_reader_get_size (CsvReader *reader);
const char *csv_reader_get_path (CsvReader *reader);
/* The SHA-256 of the whole file, once it has been read to the end. */
const char *csv_reader_get_sha256 (CsvReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsvReader, csv_reader_free)
