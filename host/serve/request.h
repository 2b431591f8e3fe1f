/* request.h: the body of a scoring request (MLflow's /invocations) as
 * rows of a package's raw inputs.
 *
 * JSON bodies are objects with exactly one of MLflow's four input fields:
 *   {"dataframe_split": {"columns": [...], "data": [[...], ...]}}
 *   {"dataframe_records": [{"island": "Biscoe", ...}, ...]}
 *   {"instances": [row, ...]}       a row: an object, or the value of a
 *                                   sole input, or a list of one value
 *                                   per input
 *   {"inputs": [row, ...]} or {"inputs": {"image": [value, ...]}}
 * and optionally "params": {"probabilities": true}. An image input takes
 * nested lists of its shape or one flat list. CSV bodies have a header
 * row naming the columns (docs/serving.md). Columns that are not inputs
 * are ignored; a missing input is an error that names it. */
#pragma once

#include "../package/package.h"
#include "json-doc.h"
#include "csv-doc.h"

G_BEGIN_DECLS

/* Options a request may carry. */
typedef struct {
  gboolean probabilities; /* answer each class's probability too */
} DlpScoreOptions;

/* The rows of a JSON body; *@options is updated from its "params".
 * Errors are DLP_ERROR_FORMAT (answered 400) or DLP_ERROR_LIMIT. */
DlpDataset *dlp_request_read_json (DlpPredictor *predictor, const char *body, gsize length,
                                   DlpScoreOptions *options, GError **error);
/* The rows of a parsed CSV table. */
DlpDataset *dlp_request_read_csv_doc (DlpPredictor *predictor, const DlpCsvDoc *csv,
                                      GError **error);
/* The rows of a CSV body. */
DlpDataset *dlp_request_read_csv (DlpPredictor *predictor, const char *body, gsize length,
                                  GError **error);

/* --- how named columns feed the inputs (column-map.c) --- */

/* For each input, either the one column holding its whole value, or, for
 * an input of several values, one column per value: NAME_0, NAME_1, ...
 * (row-major), or every column in order when the package has that one
 * input and the columns match none of its names. */
typedef struct {
  guint n_inputs;
  int *whole;     /* per input: its column, or -1 */
  guint **spread; /* per input: the column of each value, or NULL */
} DlpColumnMap;

DlpColumnMap *dlp_column_map_new (DlpPredictor *predictor, const char *const *names, guint n_names,
                                  GError **error);
void dlp_column_map_free (DlpColumnMap *map);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpColumnMap, dlp_column_map_free)

G_END_DECLS
