/* csv-doc.h: CSV text with a header row, as MLflow's scoring protocol
 * sends it (pandas.DataFrame.to_csv).
 *
 * RFC 4180 with pandas' leniency: fields separated by commas, records by
 * LF, CRLF or CR, blank lines skipped; a field in double quotes may hold
 * commas, line breaks and doubled quotes. The first record names the
 * columns; every other record must have as many fields. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct _DlpCsvDoc DlpCsvDoc;

/* Parses @length bytes of @text. Errors are DLP_ERROR_FORMAT naming the
 * line; fields and records beyond DLP_LIMIT_CSV_FIELD_BYTES and
 * DLP_LIMIT_CSV_ROW_BYTES are DLP_ERROR_LIMIT. */
DlpCsvDoc *dlp_csv_doc_parse (const char *text, gsize length, GError **error);
void dlp_csv_doc_free (DlpCsvDoc *doc);

guint dlp_csv_doc_get_n_columns (const DlpCsvDoc *doc);
/* Records after the header. */
gint64 dlp_csv_doc_get_n_rows (const DlpCsvDoc *doc);
const char *dlp_csv_doc_get_header (const DlpCsvDoc *doc, guint column);
/* Index of the column named @name, or -1. */
int dlp_csv_doc_find_column (const DlpCsvDoc *doc, const char *name);
/* The decoded, NUL-terminated field; *@length (may be NULL) gets its size. */
const char *dlp_csv_doc_get_field (const DlpCsvDoc *doc, gint64 row, guint column, gsize *length);
/* The line of the text on which @row starts, from 1. */
guint64 dlp_csv_doc_get_line (const DlpCsvDoc *doc, gint64 row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpCsvDoc, dlp_csv_doc_free)

G_END_DECLS
