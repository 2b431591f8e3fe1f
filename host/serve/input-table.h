/* input-table.h: raw input values, checked against a package's inputs and
 * gathered into the dataset its preprocessing starts from.
 *
 * The request readers (JSON, CSV) and the file readers of `dlpipe
 * predict` walk their input and set each value of each row; the table
 * converts it to the input's element type, codes categories by their
 * text, and reports a value that does not fit with its row and column:
 *   row 2, column 'island': unknown category 'Mars' (known: Biscoe, Dream, Torgersen) */
#pragma once

#include "../package/package.h"

G_BEGIN_DECLS

typedef struct _DlpInputTable DlpInputTable;

/* A table of @n_rows rows for @package's inputs; values start as zeros. */
DlpInputTable *dlp_input_table_new (const DlpPackage *package, gint64 n_rows, GError **error);
void dlp_input_table_free (DlpInputTable *table);

/* Sets element @element (0 for a one-value input) of input @input at
 * @row. A number goes to a numeric input as it is (integers must be whole
 * and in range) and to a categorical one as its decimal text. */
gboolean dlp_input_table_set_number (DlpInputTable *table, guint input, gint64 row, gsize element,
                                     double value, GError **error);
/* A boolean: true/false for BOOL inputs, 1/0 for numeric ones, "true" or
 * "false" for categorical ones. */
gboolean dlp_input_table_set_bool (DlpInputTable *table, guint input, gint64 row, gsize element,
                                   gboolean value, GError **error);
/* A category by its name (categorical inputs only). */
gboolean dlp_input_table_set_category (DlpInputTable *table, guint input, gint64 row, gsize element,
                                       const char *name, GError **error);
/* Text as CSV holds it: a category, a number, true/false, or a missing
 * value (empty, NA, NaN, null...) unless a category has that name. */
gboolean dlp_input_table_set_text (DlpInputTable *table, guint input, gint64 row, gsize element,
                                   const char *text, GError **error);
/* A missing value: NaN in a float input, no category in a categorical
 * one; an integer input cannot hold one. */
gboolean dlp_input_table_set_missing (DlpInputTable *table, guint input, gint64 row, gsize element,
                                      GError **error);

/* The dataset of the values set, every input a feature column. */
DlpDataset *dlp_input_table_finish (DlpInputTable *table, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpInputTable, dlp_input_table_free)

G_END_DECLS
