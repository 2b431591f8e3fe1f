/* csv-dict.h: the distinct texts of a categorical column, with codes. */
#pragma once

#include <glib.h>

typedef struct _CsvDict CsvDict;

CsvDict *csv_dict_new (void);
void csv_dict_free (CsvDict *dict);
/* The code of @len bytes at @text; *added tells whether they were new
 * (codes count up from 0 in order of first appearance). */
gint32 csv_dict_intern (CsvDict *dict, const char *text, gsize len, gboolean *added);
guint csv_dict_get_size (const CsvDict *dict);
/* The text of @code, NUL-terminated. */
const char *csv_dict_get_text (const CsvDict *dict, gint32 code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsvDict, csv_dict_free)
